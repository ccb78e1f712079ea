//! Input and output of the `kine-tarif` command (binary only): an input
//! that can be read again ([`stdin_seekable`]) and an output emptied where
//! it can be ([`Rewritable`]), as `kine_tarif::batch::price_seekable` needs;
//! the output file or standard output; and the closed pipe that ends a run
//! quietly.
//!
//! The batch engine reports its own read and write errors as
//! `Error::Input` / `Error::Output`, named by `Error::named`. A
//! `BrokenPipe` anywhere in an error's chain ([`is_broken_pipe`]) means the
//! reader of standard output went away (`| head -1`): `main` then exits 0
//! without a message.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use kine_tarif::Error;
use kine_tarif::batch::Restart;

/// Whether an `io::Error` of kind `BrokenPipe` is anywhere in the chain of
/// `err` (an `Error::Io` today; also `Error::Output` once the batch engine
/// returns it, as its source).
pub fn is_broken_pipe(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The output file, or standard output.
pub fn output_writer(path: Option<&PathBuf>) -> Result<Box<dyn Write>, Error> {
    Ok(match path {
        Some(p) => Box::new(File::create(p).map_err(|source| Error::Io {
            path: p.clone(),
            source,
        })?),
        None => Box::new(io::stdout().lock()),
    })
}

/// How the output is named in messages.
pub fn output_name(path: Option<&PathBuf>) -> String {
    path.map(|p| p.display().to_string())
        .unwrap_or_else(|| "sortie standard".into())
}

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
    held_or_spooled(io::stdin().lock(), budget, temp_dir)
}

/// An input read once as one that can be read again, and its size: held
/// in memory up to `budget` bytes, past that copied to an unnamed
/// temporary file in `temp_dir` (removed by the system however the run
/// ends). Standard input from a pipe, a request's body (`serve`).
pub fn held_or_spooled(
    mut input: impl Read,
    budget: usize,
    temp_dir: Option<&Path>,
) -> Result<(Box<dyn ReadSeek>, u64), Error> {
    let mut held = Vec::new();
    let limit = u64::try_from(budget).unwrap_or(u64::MAX).saturating_add(1);
    (&mut input)
        .take(limit)
        .read_to_end(&mut held)
        .map_err(Error::Input)?;
    if (held.len() as u64) < limit {
        let size = held.len() as u64;
        return Ok((Box::new(io::Cursor::new(held)), size));
    }
    let temp = |source| temp_error(temp_dir, source);
    let mut file = temp_file(temp_dir)?;
    file.write_all(&held).map_err(temp)?;
    drop(held);
    io::copy(&mut input, &mut file).map_err(Error::Input)?;
    let size = file.stream_position().map_err(temp)?;
    file.rewind().map_err(temp)?;
    Ok((Box::new(file), size))
}

/// Standard input or output as a `File` of its own (a duplicate of the
/// descriptor): what it is (a regular file, `/dev/null`, a pipe) is then
/// asked of the file.
#[cfg(unix)]
pub fn stdio_file(fd: &impl std::os::fd::AsFd) -> Option<File> {
    Some(File::from(fd.as_fd().try_clone_to_owned().ok()?))
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
            // `/dev/null`: nothing was kept (anything else cannot restart).
            self.file.restart()
        }
    }

    fn can_restart(&self) -> bool {
        self.file.can_restart()
    }
}

/// The input's encoding (`price --encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8 (avec ou sans BOM) si ses 64 premiers Kio le sont, sinon
    /// Windows-1252 (export de tableur).
    Auto,
    /// UTF-8 : un octet qui n'en est pas donne INVALID_FIELD sur sa ligne.
    Utf8,
    /// Windows-1252 (Latin-1 avec €, œ …).
    Windows1252,
}

/// The input as UTF-8: itself when it is UTF-8 (nothing copied), or
/// transcoded from Windows-1252 into an unnamed temporary file (one pass;
/// every byte has a character in Windows-1252). Returns the reader and its
/// size.
pub fn decoded(
    mut reader: Box<dyn ReadSeek>,
    size: u64,
    encoding: Encoding,
    temp_dir: Option<&Path>,
) -> Result<(Box<dyn ReadSeek>, u64), Error> {
    let windows_1252 = match encoding {
        Encoding::Utf8 => false,
        Encoding::Windows1252 => true,
        Encoding::Auto => {
            let mut head = Vec::with_capacity(1 << 16);
            (&mut reader)
                .take(1 << 16)
                .read_to_end(&mut head)
                .map_err(Error::Input)?;
            reader.seek(io::SeekFrom::Start(0)).map_err(Error::Input)?;
            match std::str::from_utf8(&head) {
                Ok(_) => false,
                // Cut in the middle of a character at the end of the sample.
                Err(e) => e.error_len().is_some(),
            }
        }
    };
    if !windows_1252 {
        return Ok((reader, size));
    }
    let temp = |source| temp_error(temp_dir, source);
    let mut file = temp_file(temp_dir)?;
    let mut decoder = encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling();
    let mut input = vec![0u8; 1 << 16];
    let mut output = String::with_capacity(3 << 16);
    loop {
        let n = reader.read(&mut input).map_err(Error::Input)?;
        let last = n == 0;
        output.clear();
        // Room for the whole chunk: one call decodes it all.
        output.reserve(decoder.max_utf8_buffer_length(n).unwrap_or(3 * n + 16));
        let _ = decoder.decode_to_string(input.get(..n).unwrap_or_default(), &mut output, last);
        file.write_all(output.as_bytes()).map_err(temp)?;
        if last {
            break;
        }
    }
    let size = file.stream_position().map_err(temp)?;
    file.seek(io::SeekFrom::Start(0)).map_err(temp)?;
    Ok((Box::new(file), size))
}

/// An error of the temporary directory, named.
fn temp_error(temp_dir: Option<&Path>, source: io::Error) -> Error {
    Error::Io {
        path: temp_dir.map_or_else(std::env::temp_dir, Path::to_path_buf),
        source,
    }
}

/// An unnamed temporary file in `temp_dir` (or the system's).
fn temp_file(temp_dir: Option<&Path>) -> Result<File, Error> {
    match temp_dir {
        Some(dir) => tempfile::tempfile_in(dir),
        None => tempfile::tempfile(),
    }
    .map_err(|e| temp_error(temp_dir, e))
}
