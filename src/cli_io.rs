//! Input and output of the `kine-tarif` command (binary only): the output
//! file or standard output, the real file names in I/O errors, and the
//! closed pipe that ends a run quietly.
//!
//! The batch engine reports its own read and write errors with the path
//! `-`; [`Sided`] marks each error with the side it came from so that
//! [`with_paths`] can name the input or the output file. A `BrokenPipe`
//! anywhere in an error's chain ([`is_broken_pipe`]) means the reader of
//! standard output went away (`| head -1`): `main` then exits 0 without a
//! message.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;

use kine_tarif::Error;

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

/// Which side of a batch an I/O error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The invoice input.
    Input,
    /// The priced output.
    Output,
}

/// An I/O error marked with its side by [`Sided`], inside an `io::Error`
/// of the same kind (so the engine and [`is_broken_pipe`] see the kind).
#[derive(Debug)]
struct SidedError {
    side: Side,
    inner: io::Error,
}

impl std::fmt::Display for SidedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl std::error::Error for SidedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner)
    }
}

/// A reader or writer whose errors say which side they came from, so
/// [`with_paths`] can name the file. TODO(engine): once the batch engine
/// returns `Error::Input` / `Error::Output`, drop this wrapper and let
/// `with_paths` call `Error::named(input, output)`.
pub struct Sided<T> {
    /// Which side.
    pub side: Side,
    /// The reader or writer.
    pub inner: T,
}

impl<T> Sided<T> {
    fn mark(&self, inner: io::Error) -> io::Error {
        io::Error::new(
            inner.kind(),
            SidedError {
                side: self.side,
                inner,
            },
        )
    }
}

impl<R: io::Read> io::Read for Sided<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| self.mark(e))
    }
}

impl<W: Write> Write for Sided<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.mark(e))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.mark(e))
    }
}

/// Names the file of a batch I/O error the engine reports as `-`: the
/// input path, or the output path (`entrée standard` / `sortie standard`
/// for `-`). TODO(engine): replace the body with
/// `err.named(input, output)` when `Error::Input` / `Error::Output` land.
pub fn with_paths(err: Error, input: &str, output: &str) -> Error {
    match err {
        Error::Io { path, source } if path.as_os_str() == "-" => {
            let side = source
                .get_ref()
                .and_then(|e| e.downcast_ref::<SidedError>())
                .map(|e| e.side);
            let Some(side) = side else {
                return Error::Io { path, source };
            };
            // Unwrap the marker: the error is the system's own again.
            let kind = source.kind();
            let source = source
                .into_inner()
                .map(|inner| match inner.downcast::<SidedError>() {
                    Ok(sided) => sided.inner,
                    Err(other) => io::Error::new(kind, other),
                })
                .unwrap_or_else(|| kind.into());
            let path = match side {
                Side::Input => input,
                Side::Output => output,
            };
            Error::Io {
                path: path.into(),
                source,
            }
        }
        e => e,
    }
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
