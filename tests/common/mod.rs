//! What the command-line tests share: running the binary with a deadline.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `kine-tarif args` (in the crate's folder, with `env`, standard
/// input closed), killed after `limit`: its exit code, the length of its
/// standard output and its standard error, or `None` when it had to be
/// killed (a hang).
pub fn run_timed(
    args: &[&str],
    env: &[(&str, &str)],
    limit: Duration,
) -> Option<(i32, usize, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kine-tarif"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .envs(env.iter().copied())
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let out = child.stdout.take().map(|mut o| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut o, &mut v).ok();
            v.len()
        })
    });
    let err = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut v = String::new();
            std::io::Read::read_to_string(&mut e, &mut v).ok();
            v
        })
    });
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let out = out.and_then(|h| h.join().ok()).unwrap_or(0);
            let err = err.and_then(|h| h.join().ok()).unwrap_or_default();
            return Some((status.code().unwrap_or(-1), out, err));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
