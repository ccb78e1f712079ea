//! The command line's own texts in French (binary only): clap writes its
//! help headings, its defaults and its errors in English; here the help
//! is rendered by clap then its fixed words put in French, and an error
//! is written anew from its kind and context (the argument, the value,
//! the suggestion), with the value parsers' own French messages
//! ([`crate::cli_args`]).
//!
//! Exit status as clap's: 0 for `--help` and `--version`, 2 for an
//! argument error.

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, Command, CommandFactory, FromArgMatches};

/// clap's fixed words in its help, and their French.
const WORDS: [(&str, &str); 10] = [
    ("Usage:", "Utilisation :"),
    ("Commands:", "Commandes :"),
    ("Options:", "Options :"),
    ("Arguments:", "Arguments :"),
    ("[default: ", "[par défaut : "),
    ("[possible values: ", "[valeurs possibles : "),
    ("Possible values:", "Valeurs possibles :"),
    ("[aliases: ", "[alias : "),
    ("<COMMAND>", "<COMMANDE>"),
    ("[COMMAND]", "[COMMANDE]"),
];

/// A help text with clap's words in French.
pub fn french(text: &str) -> String {
    let mut s = text.to_string();
    for (en, fr) in WORDS {
        s = s.replace(en, fr);
    }
    s
}

/// The command and its subcommands without clap's help flag and `help`
/// subcommand (replaced by a French one, global).
fn without_clap_help(cmd: Command) -> Command {
    cmd.disable_help_flag(true)
        .disable_help_subcommand(true)
        .mut_subcommands(without_clap_help)
}

/// Parses the arguments into `T`, or writes the help, the version or the
/// error in French and returns the exit status.
pub fn parse<T: CommandFactory + FromArgMatches>() -> Result<T, ExitCode> {
    let cmd = without_clap_help(T::command())
        .arg(
            clap::Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Affiche l'aide")
                .global(true),
        )
        .disable_version_flag(true)
        .arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Affiche la version"),
        );
    let usage = cmd.clone().render_usage().to_string();
    let matches = cmd.try_get_matches().map_err(|e| report(&e, &usage))?;
    T::from_arg_matches(&matches).map_err(|e| report(&e, &usage))
}

fn report(e: &clap::Error, usage: &str) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{}", french(&e.render().to_string()));
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", french(&e.render().to_string()));
            ExitCode::from(2)
        }
        _ => {
            eprintln!("kine-tarif : {}", message(e));
            let usage = context(e, ContextKind::Usage).unwrap_or_else(|| usage.to_string());
            eprintln!("{}", french(usage.trim_end()));
            eprintln!("Pour en savoir plus : --help");
            ExitCode::from(2)
        }
    }
}

/// A context value as text (several joined by ", ").
fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        ContextValue::Bool(_) | ContextValue::None => None,
        _ => None,
    }
}

/// The error in French.
fn message(e: &clap::Error) -> String {
    let arg = context(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(e, ContextKind::InvalidValue).unwrap_or_default();
    let hint = |kind| {
        context(e, kind)
            .map(|s| format!(" ; vouliez-vous dire « {s} » ?"))
            .unwrap_or_default()
    };
    match e.kind() {
        ErrorKind::InvalidValue => {
            let valid = context(e, ContextKind::ValidValue)
                .map(|v| format!(" ; valeurs possibles : {v}"))
                .unwrap_or_default();
            if value.is_empty() {
                format!("{arg} attend une valeur{valid}")
            } else {
                format!("valeur « {value} » invalide pour {arg}{valid}")
            }
        }
        ErrorKind::ValueValidation => {
            // The value parser's own (French) message.
            let why = std::error::Error::source(e)
                .map(|s| format!(" : {s}"))
                .unwrap_or_default();
            format!("valeur « {value} » invalide pour {arg}{why}")
        }
        ErrorKind::UnknownArgument => {
            format!(
                "argument inattendu « {arg} »{}",
                hint(ContextKind::SuggestedArg)
            )
        }
        ErrorKind::InvalidSubcommand => {
            let sub = context(e, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!(
                "commande inconnue « {sub} »{}",
                hint(ContextKind::SuggestedSubcommand)
            )
        }
        ErrorKind::MissingRequiredArgument => format!("argument obligatoire manquant : {arg}"),
        ErrorKind::MissingSubcommand => "une commande est attendue".to_string(),
        ErrorKind::ArgumentConflict => {
            let other = context(e, ContextKind::PriorArg).unwrap_or_default();
            format!("{arg} ne peut pas être donné avec {other}")
        }
        ErrorKind::NoEquals => format!("{arg} attend sa valeur après « = »"),
        ErrorKind::TooManyValues => format!("valeur de trop pour {arg} : « {value} »"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("nombre de valeurs incorrect pour {arg}")
        }
        ErrorKind::InvalidUtf8 => "un argument n'est pas de l'UTF-8 valide".to_string(),
        _ => "arguments invalides".to_string(),
    }
}
