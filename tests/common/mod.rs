//! What the command-line tests share: running the binary with a deadline.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `kine-tarif args` (in the crate's folder, with `env` and `stdin`),
/// both output pipes drained while it runs, killed after `limit`: its exit
/// code, standard output and standard error, or `None` when it had to be
/// killed (a hang).
pub fn run_timed(
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Stdio,
    limit: Duration,
) -> Option<(i32, String, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kine-tarif"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .envs(env.iter().copied())
        .env("RUST_BACKTRACE", "0")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        pipe.map(|mut p| {
            std::thread::spawn(move || {
                let mut v = Vec::new();
                p.read_to_end(&mut v).ok();
                String::from_utf8_lossy(&v).into_owned()
            })
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let text = |h: Option<std::thread::JoinHandle<String>>| {
                h.and_then(|h| h.join().ok()).unwrap_or_default()
            };
            return Some((status.code().unwrap_or(-1), text(out), text(err)));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
