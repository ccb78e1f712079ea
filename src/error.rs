//! Errors that stop the work: an unreadable input or output, a tariff file
//! that does not validate. What is wrong with an invoice line is not an
//! error but a [`Finding`](crate::Finding) on that line.

use std::fmt;
use std::path::PathBuf;

/// An error that stops the work. Each variant carries its position.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tariff file does not validate: file, line (1-based, header is line
    /// 1) and column name. Shown as `acts.csv, ligne 12, colonne act_id :
    /// …` (without the column when it is `-`).
    #[error("{file}, ligne {line}{col} : {message}", col = ColumnPart(column))]
    Data {
        /// File name inside the tariff directory.
        file: String,
        /// Line number in the file (the header is line 1).
        line: u64,
        /// Column name, or `-` when the problem spans the row.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written. Shown with the path, then what
    /// went wrong in French ([`io_text`]).
    #[error("{path} : {text}", path = path.display(), text = IoText(source))]
    Io {
        /// The path involved (`-` for standard input or output).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The invoice input lacks a required column.
    #[error(
        "entrée : la colonne obligatoire {0} manque (colonnes obligatoires : invoice_id, patient_id, date, code, coefficient)"
    )]
    MissingColumn(String),
    /// A batch too large to hold in memory is not grouped by practitioner:
    /// the invoice rules cannot be applied while streaming it.
    #[error(
        "ligne de données {line} : le praticien {practitioner:?} revient après la fin de ses lignes (ligne de données {previous}) ; cela n'arrive qu'en lecture d'un flux (entrée standard, tube) : donnez plutôt un fichier, relu alors en le répartissant sur disque, ou regroupez les lignes par praticien"
    )]
    NotGrouped {
        /// Line where the practitioner reappears.
        line: u64,
        /// The practitioner.
        practitioner: String,
        /// Last line of the practitioner's earlier lines.
        previous: u64,
    },
    /// A batch too large to hold in memory has no practitioner_id column,
    /// which the invoice rules need to stream it.
    #[error(
        "entrée plus grande que le budget mémoire ({budget} octets) sans colonne practitioner_id : les règles de facture en ont besoin pour traiter le fichier par parties ; ajoutez la colonne, augmentez --memory-budget ou utilisez --no-rules"
    )]
    NoPractitionerColumn {
        /// The budget in bytes.
        budget: usize,
    },
    /// A history store could not be opened, read or written: the store
    /// (its path, or the caller's store) and what went wrong, in French.
    #[error("historique {store} : {message}")]
    History {
        /// The store: the database's path, or a name for the caller's.
        store: String,
        /// What went wrong.
        message: String,
    },
    /// Reading the invoice input of a batch failed. The batch functions do
    /// not know the input's name: [`Error::named`] gives it.
    #[error("entrée : {}", IoText(.0))]
    Input(#[source] std::io::Error),
    /// Writing the output of a batch failed (a full disk, a closed pipe:
    /// see [`Error::is_broken_pipe`]). [`Error::named`] gives its name.
    #[error("sortie : {}", IoText(.0))]
    Output(#[source] std::io::Error),
    /// A bug: a worker thread failed while processing the input's data
    /// rows `first..=last` (numbered as the output's `row` column). The
    /// batch is stopped, nothing more is written.
    #[error(
        "lignes de données {first} à {last} : erreur interne ({message}) ; le traitement est arrêté, merci de signaler ce cas"
    )]
    Internal {
        /// First data row of the block the worker was on (0: unknown).
        first: u64,
        /// Last data row of that block.
        last: u64,
        /// What the worker said.
        message: String,
    },
    /// An argument outside what the function or command accepts (a year
    /// outside the data's coverage, …): the message says what is accepted.
    #[error("{0}")]
    Argument(String),
    /// The CSV input or output failed at a position.
    #[error("ligne {line} de l'entrée : {message}")]
    Csv {
        /// Line in the input (1-based), 0 when unknown.
        line: u64,
        /// What the CSV layer said.
        message: String,
    },
}

impl Error {
    pub(crate) fn data(file: &str, line: u64, column: &str, message: impl Into<String>) -> Error {
        Error::Data {
            file: file.to_string(),
            line,
            column: column.to_string(),
            message: message.into(),
        }
    }

    /// Gives the batch's input and output their names: an [`Error::Input`]
    /// or [`Error::Output`] becomes an [`Error::Io`] with that path. Other
    /// errors are returned as they are.
    ///
    /// ```
    /// use kine_tarif::Error;
    /// let e = Error::Output(std::io::Error::other("disque plein"));
    /// assert_eq!(e.named("factures.csv", "prix.csv").to_string(), "prix.csv : disque plein");
    /// ```
    pub fn named(self, input: &str, output: &str) -> Error {
        match self {
            Error::Input(source) => Error::Io {
                path: input.into(),
                source,
            },
            Error::Output(source) => Error::Io {
                path: output.into(),
                source,
            },
            e => e,
        }
    }

    /// Whether the error is the output pipe closed by its reader
    /// (`kine-tarif price big.csv | head -1`): not a failure of the run.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Output(e) | Error::Io { source: e, .. } => {
                e.kind() == std::io::ErrorKind::BrokenPipe
            }
            _ => false,
        }
    }

    pub(crate) fn csv(err: csv::Error) -> Error {
        let line = err.position().map(|p| p.line()).unwrap_or(0);
        Error::Csv {
            line,
            message: csv_text(&err),
        }
    }
}

/// ` , colonne name` of [`Error::Data`], nothing for `-`.
struct ColumnPart<'a>(&'a str);

impl fmt::Display for ColumnPart<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            "-" | "" => Ok(()),
            c => write!(f, ", colonne {c}"),
        }
    }
}

/// An I/O error as [`io_text`] says it.
struct IoText<'a>(&'a std::io::Error);

impl fmt::Display for IoText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&io_text(self.0))
    }
}

/// What an I/O error means, in French: the system's errors by their kind
/// (their own text is the system's, in English); an error made with a
/// text (`io::Error::other("disque plein")`) by that text.
///
/// ```
/// use std::io::{Error, ErrorKind};
/// use kine_tarif::error::io_text;
/// assert_eq!(io_text(&Error::from(ErrorKind::NotFound)), "fichier ou dossier introuvable");
/// assert_eq!(io_text(&Error::from_raw_os_error(2)), "fichier ou dossier introuvable");
/// assert_eq!(io_text(&Error::other("disque plein")), "disque plein");
/// ```
pub fn io_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let known = match e.kind() {
        K::NotFound => "fichier ou dossier introuvable",
        K::PermissionDenied => "accès refusé",
        K::AlreadyExists => "le fichier existe déjà",
        K::BrokenPipe => "le lecteur de la sortie l'a fermée",
        K::InvalidData => "données illisibles (texte qui n'est pas de l'UTF-8 ?)",
        K::UnexpectedEof => "fin de fichier inattendue (fichier tronqué ?)",
        K::WriteZero => "écriture impossible : rien n'a pu être écrit",
        K::Interrupted => "opération interrompue",
        K::OutOfMemory => "mémoire insuffisante",
        K::IsADirectory => "c'est un dossier, pas un fichier",
        K::NotADirectory => "un élément du chemin n'est pas un dossier",
        K::StorageFull => "disque plein",
        K::ReadOnlyFilesystem => "système de fichiers en lecture seule",
        K::FileTooLarge => "fichier trop grand",
        K::InvalidFilename => "nom de fichier invalide",
        K::TimedOut => "délai dépassé",
        _ => "",
    };
    // An error with a text of its own (not the system's) says it.
    let own = e.raw_os_error().is_none() && e.get_ref().is_some();
    match (known, own) {
        (k, false) if !k.is_empty() => k.to_string(),
        (_, true) => e.to_string(),
        _ => match e.raw_os_error() {
            Some(code) => format!("erreur du système (code {code})"),
            None => "erreur d'entrée-sortie".to_string(),
        },
    }
}

/// What the CSV layer's error means, in French.
pub(crate) fn csv_text(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Io(e) => io_text(e),
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("texte qui n'est pas de l'UTF-8 (champ {})", err.field() + 1)
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} champs au lieu des {expected_len} de la première ligne"),
        _ => "fichier CSV illisible".to_string(),
    }
}
