//! Territories: metropolitan France and the overseas départements (DOM),
//! whose letter values differ.

use std::fmt;

/// Where an act is performed, as far as its price is concerned.
///
/// ```
/// use kine_tarif::Territory;
/// assert_eq!(Territory::from_department("75").unwrap(), Territory::Metropole);
/// assert_eq!(Territory::from_department("2A").unwrap(), Territory::Metropole);
/// assert_eq!(Territory::from_department("974").unwrap(), Territory::Dom);
/// assert!(Territory::from_department("975").is_err());
/// ```
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Territory {
    /// Metropolitan France, Corsica included.
    #[default]
    Metropole,
    /// Guadeloupe (971), Martinique (972), Guyane (973), La Réunion (974)
    /// and Mayotte (976): the overseas letter values.
    Dom,
}

/// The département code is not one this crate prices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "département {0:?} inconnu : attendu 01 à 95 (2A ou 2B pour la Corse), 971, 972, 973, 974 ou 976"
)]
pub struct UnknownDepartment(pub String);

impl Territory {
    /// Both territories.
    pub const ALL: [Territory; 2] = [Territory::Metropole, Territory::Dom];

    /// The territory of a département code (`"75"`, `"2B"`, `"974"`; a
    /// leading zero may be omitted: `"1"` is Ain). Saint-Pierre-et-Miquelon
    /// (975) and the collectivities are not DOM and are rejected.
    pub fn from_department(code: &str) -> Result<Territory, UnknownDepartment> {
        let c = crate::money::trim(code);
        let err = || UnknownDepartment(c.to_string());
        match c.as_bytes() {
            [b'2', b'A' | b'a' | b'B' | b'b'] => Ok(Territory::Metropole),
            [d] if d.is_ascii_digit() && *d != b'0' => Ok(Territory::Metropole),
            [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
                let n = (a - b'0') * 10 + (b - b'0');
                if (1..=95).contains(&n) && n != 20 {
                    Ok(Territory::Metropole)
                } else {
                    Err(err())
                }
            }
            b"971" | b"972" | b"973" | b"974" | b"976" => Ok(Territory::Dom),
            _ => Err(err()),
        }
    }

    /// The name used in `tariffs/` files.
    pub fn as_str(self) -> &'static str {
        match self {
            Territory::Metropole => "metropole",
            Territory::Dom => "dom",
        }
    }

    /// The territory as a person reads it: `métropole`, `outre-mer (DOM)`.
    ///
    /// ```
    /// use kine_tarif::Territory;
    /// assert_eq!(Territory::Dom.label(), "outre-mer (DOM)");
    /// assert_eq!(Territory::Metropole.within(), "en métropole");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Territory::Metropole => "métropole",
            Territory::Dom => "outre-mer (DOM)",
        }
    }

    /// "In the territory", for a sentence: `en métropole`, `en outre-mer
    /// (DOM)`.
    pub fn within(self) -> &'static str {
        match self {
            Territory::Metropole => "en métropole",
            Territory::Dom => "en outre-mer (DOM)",
        }
    }

    /// Parses the name used in `tariffs/` files.
    pub fn from_data_name(s: &str) -> Option<Territory> {
        match s {
            "metropole" => Some(Territory::Metropole),
            "dom" => Some(Territory::Dom),
            _ => None,
        }
    }
}

/// The data name (`metropole`, `dom`); a text for a person uses
/// [`Territory::label`].
impl fmt::Display for Territory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departments() {
        for ok in ["01", "1", "13", "19", "21", "69", "75", "95", "2a", "2B"] {
            assert_eq!(
                Territory::from_department(ok),
                Ok(Territory::Metropole),
                "{ok}"
            );
        }
        for dom in ["971", "972", "973", "974", "976"] {
            assert_eq!(Territory::from_department(dom), Ok(Territory::Dom), "{dom}");
        }
        for bad in [
            "", "0", "00", "20", "96", "975", "977", "988", "2C", "7x", "-1", "+1", "9710",
        ] {
            assert!(Territory::from_department(bad).is_err(), "{bad}");
        }
    }
}
