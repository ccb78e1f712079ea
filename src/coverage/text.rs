//! The coverage types as text: their names (`alsace_moselle`, `ald`,
//! `full`, …) in JSON, read back with the same aliases and FSE codes as
//! [`Regime::parse`], [`Exoneration::parse`] and [`TiersPayant::parse`]
//! (an unknown text is an error naming it, in French).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Exoneration, Regime, TiersPayant};

impl Regime {
    /// The régime's name.
    pub fn name(self) -> &'static str {
        match self {
            Regime::General => "general",
            Regime::AlsaceMoselle => "alsace_moselle",
        }
    }
}

impl Exoneration {
    /// The exoneration's name (`none` for none).
    pub fn name(self) -> &'static str {
        self.case().unwrap_or("none")
    }
}

impl TiersPayant {
    /// The tiers payant's name.
    pub fn name(self) -> &'static str {
        match self {
            TiersPayant::None => "none",
            TiersPayant::Amo => "amo",
            TiersPayant::Full => "full",
        }
    }
}

macro_rules! as_text {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                <$t>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

as_text!(Regime);
as_text!(Exoneration);
as_text!(TiersPayant);
