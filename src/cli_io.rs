//! The command line's input and output: what `price` reads and writes
//! through, so that every input can be read again ([`stdin_seekable`]) and
//! an output emptied where it can be ([`Rewritable`]), as
//! `kine_tarif::batch::price_seekable` needs; and `--threads`.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

use kine_tarif::Error;
use kine_tarif::batch::{MAX_THREADS, Restart};

/// An input that can be read again.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Standard input as an input that can be read again, and its size: the
/// file itself when it is a redirection; else (a pipe) read into memory
/// up to `budget` bytes, and past that, copied to an unnamed temporary
/// file in `temp_dir` (removed by the system however the run ends), so
/// that a large input in no particular order is spilled and a grouped
/// one streamed, as from a file.
pub fn stdin_seekable(
    budget: usize,
    temp_dir: Option<&Path>,
) -> Result<(Box<dyn ReadSeek>, u64), Error> {
    if let Some(file) = stdio_file(&io::stdin())
        && let Ok(meta) = file.metadata()
        && meta.is_file()
    {
        return Ok((Box::new(file), meta.len()));
    }
    let mut stdin = io::stdin().lock();
    let mut held = Vec::new();
    let limit = u64::try_from(budget).unwrap_or(u64::MAX).saturating_add(1);
    (&mut stdin)
        .take(limit)
        .read_to_end(&mut held)
        .map_err(Error::Input)?;
    if (held.len() as u64) < limit {
        let size = held.len() as u64;
        return Ok((Box::new(io::Cursor::new(held)), size));
    }
    let temp = |source| Error::Io {
        path: temp_dir.map_or_else(std::env::temp_dir, Path::to_path_buf),
        source,
    };
    let mut file = match temp_dir {
        Some(dir) => tempfile::tempfile_in(dir),
        None => tempfile::tempfile(),
    }
    .map_err(temp)?;
    file.write_all(&held).map_err(temp)?;
    drop(held);
    io::copy(&mut stdin, &mut file).map_err(Error::Input)?;
    let size = file.stream_position().map_err(temp)?;
    file.rewind().map_err(temp)?;
    Ok((Box::new(file), size))
}

/// `--threads`: 0 (one per core) to [`MAX_THREADS`].
pub fn threads_arg(s: &str) -> Result<usize, String> {
    s.parse::<usize>()
        .ok()
        .filter(|n| *n <= MAX_THREADS)
        .ok_or_else(|| format!("{s:?} : un nombre de 0 (un par cœur) à {MAX_THREADS} est attendu"))
}

/// Standard input or output as a `File` when it is a regular file (a
/// redirection) or `/dev/null`, which can be read again or emptied.
#[cfg(unix)]
pub fn stdio_file(fd: &impl std::os::fd::AsFd) -> Option<File> {
    let file = File::from(fd.as_fd().try_clone_to_owned().ok()?);
    let meta = file.metadata().ok()?;
    let null = std::fs::metadata("/dev/null").ok();
    use std::os::unix::fs::MetadataExt;
    let is_null = null.is_some_and(|n| n.rdev() == meta.rdev() && n.dev() == meta.dev());
    (meta.is_file() || is_null).then_some(file)
}

#[cfg(not(unix))]
pub fn stdio_file<T>(_: &T) -> Option<File> {
    None
}

/// An output file emptied back to the length it had when the run began
/// (a `>>` redirection keeps what it held): see [`Restart`].
pub struct Rewritable {
    file: File,
    start: u64,
}

impl Rewritable {
    pub fn new(file: File) -> Rewritable {
        let start = file
            .metadata()
            .map_or(0, |m| if m.is_file() { m.len() } else { 0 });
        Rewritable { file, start }
    }
}

impl Write for Rewritable {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Restart for Rewritable {
    fn restart(&mut self) -> io::Result<()> {
        use std::io::Seek;
        if self.file.metadata()?.is_file() {
            self.file.set_len(self.start)?;
            self.file.seek(io::SeekFrom::Start(self.start))?;
            Ok(())
        } else {
            // `/dev/null`: nothing was kept.
            self.file.restart()
        }
    }
}
