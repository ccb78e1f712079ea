//! serde's and its companions' error messages in French: serde_json
//! writes "missing field `date` at line 1 column 40", chrono "input
//! contains invalid characters", rust_decimal "Invalid decimal: unknown
//! character". A request error is read by a person: it is said again in
//! French from its pattern; a message of the crate's own types (already
//! French) passes as it is.

use serde_json::error::Category;

/// The error in French, with its place in the text for a syntax error.
pub(super) fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let bare = text
        .rfind(" at line ")
        .map_or(text.as_str(), |k| text.get(..k).unwrap_or_default());
    match e.classify() {
        Category::Syntax => format!("JSON mal formé, ligne {} colonne {}", e.line(), e.column()),
        Category::Eof => {
            "JSON incomplet : le texte s'arrête avant la fin de la requête".to_string()
        }
        Category::Io => format!("lecture de la requête impossible ({bare})"),
        Category::Data => data(bare),
    }
}

/// A data error (a field of the wrong shape) in French.
fn data(m: &str) -> String {
    if let Some(f) = between(m, "missing field `", "`") {
        return format!("champ « {f} » manquant");
    }
    if let Some(f) = between(m, "unknown field `", "`") {
        return format!("champ « {f} » inconnu");
    }
    if let Some(v) = between(m, "unknown variant `", "`") {
        let expected = m
            .split_once("expected one of ")
            .or_else(|| m.split_once("expected "))
            .map(|(_, e)| format!(" ; valeurs possibles : {}", e.replace('`', "")))
            .unwrap_or_default();
        return format!("valeur « {v} » inconnue{expected}");
    }
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "type invalide : {} au lieu de {}",
            kind(got),
            expected_fr(expected)
        );
    }
    if let Some(rest) = m.strip_prefix("invalid value: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "valeur invalide : {} au lieu de {}",
            kind(got),
            expected_fr(expected)
        );
    }
    if m.starts_with("invalid length ") {
        return "nombre d'éléments invalide".to_string();
    }
    if m.starts_with("duplicate field `") {
        let f = between(m, "duplicate field `", "`").unwrap_or_default();
        return format!("champ « {f} » donné deux fois");
    }
    // chrono's date errors.
    if [
        "input contains invalid characters",
        "premature end of input",
        "input is out of range",
        "trailing input",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
    ]
    .contains(&m)
    {
        return "date invalide : attendu AAAA-MM-JJ (par exemple 2026-06-01)".to_string();
    }
    // rust_decimal's.
    if m.contains("decimal") || m.contains("Decimal") || m.starts_with("Invalid") {
        return "nombre décimal invalide : attendu par exemple \"7.50\"".to_string();
    }
    m.to_string()
}

fn between<'a>(m: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let (_, rest) = m.split_once(start)?;
    Some(rest.split_once(end).map_or(rest, |(x, _)| x))
}

/// What was found, in French: `integer \`5\`` → `nombre entier 5`.
fn kind(got: &str) -> String {
    let value = between(got, "`", "`")
        .map(|v| format!(" {v}"))
        .or_else(|| between(got, "\"", "\"").map(|v| format!(" « {v} »")))
        .unwrap_or_default();
    let name = if got.starts_with("integer") {
        "nombre entier"
    } else if got.starts_with("floating point") {
        "nombre à virgule"
    } else if got.starts_with("string") {
        "texte"
    } else if got.starts_with("boolean") {
        "booléen"
    } else if got.starts_with("map") {
        "objet"
    } else if got.starts_with("sequence") {
        "liste"
    } else if got.starts_with("null") || got.starts_with("unit") {
        "null"
    } else {
        "valeur"
    };
    format!("{name}{value}")
}

/// What was expected, in French where serde says it in English.
fn expected_fr(e: &str) -> String {
    match e {
        "a string" => "texte".to_string(),
        "a boolean" => "booléen (true ou false)".to_string(),
        "a sequence" => "liste".to_string(),
        "a map" => "objet".to_string(),
        "u32" | "u64" | "usize" | "i32" | "i64" => "nombre entier".to_string(),
        "a Decimal type representing a fixed-point number" | "a Decimal string" => {
            "nombre décimal en texte (par exemple \"7.50\")".to_string()
        }
        e if e.starts_with("struct ") => "objet".to_string(),
        e if e.contains("date") => "date AAAA-MM-JJ".to_string(),
        e => e.replace('`', ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct R {
            date: chrono::NaiveDate,
            n: u32,
            flag: Option<bool>,
        }
        message(&serde_json::from_str::<R>(text).unwrap_err())
    }

    #[test]
    fn said_in_french() {
        assert_eq!(err(r#"{"n": 1}"#), "champ « date » manquant");
        assert_eq!(
            err(r#"{"date": "2026-06-01", "n": 1, "x": 2}"#),
            "champ « x » inconnu"
        );
        assert_eq!(
            err(r#"{"date": "2026-06-01", "n": "5"}"#),
            "type invalide : texte « 5 » au lieu de nombre entier"
        );
        assert_eq!(
            err(r#"{"date": "2026-13-01", "n": 1}"#),
            "date invalide : attendu AAAA-MM-JJ (par exemple 2026-06-01)"
        );
        assert_eq!(
            err(r#"{"date": "#),
            "JSON incomplet : le texte s'arrête avant la fin de la requête"
        );
        assert_eq!(err(r#"{"date": x}"#), "JSON mal formé, ligne 1 colonne 10");
    }
}
