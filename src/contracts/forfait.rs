//! The modernisation forfait (forfait d'aide à la modernisation et à
//! l'informatisation du cabinet, convention art. 4.9, avenant 5; télésanté
//! equipment added by avenant 7 art. 2).
//!
//! 490 € when the five mandatory indicators are met (software compatible
//! with the DMP, an up-to-date SESAM-Vitale version, SCOR, a rate of
//! secured electronic invoices of at least 70 %, a secure messaging
//! service); +100 € for coordinated care, only with the base; from
//! reference year 2024, +350 € for video equipment and +175 € for connected
//! devices, each independent of the base: 1,115 € in all. Paid the year
//! after the reference year. The indicators neutralised by the CPN (MSS and
//! DMP for 2018, DMP for 2019) count as met.

use rust_decimal::Decimal;

use super::Parameters;

/// The indicators declared for a reference year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Indicators {
    /// Software compatible with the DMP.
    pub dmp_software: bool,
    /// SESAM-Vitale version up to date.
    pub sesam_vitale_up_to_date: bool,
    /// SCOR (scanned prescriptions).
    pub scor: bool,
    /// Rate of secured electronic invoices (FSE), 0 to 1.
    pub fse_rate: Decimal,
    /// Secure health messaging (MSSanté).
    pub mss: bool,
    /// Coordinated care (ESP, CPTS, MSP…).
    pub coordinated_care: bool,
    /// Video equipment for télésanté.
    pub video: bool,
    /// Connected medical devices of the CPN list.
    pub connected_devices: bool,
}

/// The forfait of a reference year, part by part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forfait {
    /// Reference year.
    pub reference_year: i32,
    /// Year paid.
    pub paid_in: i32,
    /// (part, amount, rule) for each part granted or refused.
    pub parts: Vec<(&'static str, Decimal, String)>,
    /// Sum.
    pub total: Decimal,
}

/// The forfait for a reference year (from 2018). Errors: a year before
/// the first FAMI reference year of the data, or `i32::MAX` (no year to
/// pay it in).
///
/// ```
/// use kine_tarif::contracts::{modernisation_forfait, Indicators};
/// let all = Indicators { dmp_software: true, sesam_vitale_up_to_date: true, scor: true, fse_rate: "0.85".parse().unwrap(),
///     mss: true, coordinated_care: true, video: true, connected_devices: true };
/// assert_eq!(modernisation_forfait(2024, &all).unwrap().total.to_string(), "1115.00");
/// assert_eq!(modernisation_forfait(2023, &all).unwrap().total.to_string(), "590.00");
/// ```
pub fn modernisation_forfait(reference_year: i32, i: &Indicators) -> Result<Forfait, String> {
    let p = Parameters::embedded();
    let part = |version: &str, name: &str| {
        p.values
            .iter()
            .find(|((c, v, n, _), _)| c == "FAMI" && v == version && n == name)
            .map(|((_, _, _, from), (amount, source))| {
                (
                    from.parse::<i32>().unwrap_or(i32::MAX),
                    *amount,
                    source.clone(),
                )
            })
            .ok_or_else(|| format!("paramètre FAMI {name} absent (contract_parameters.csv)"))
    };
    let (from, socle_amount, socle_src) = part("avenant5", "socle")?;
    if reference_year < from {
        return Err(format!(
            "le forfait de modernisation commence avec l'année de référence {from} (demandé : {reference_year})"
        ));
    }
    let dmp = i.dmp_software || reference_year <= 2019;
    let mss = i.mss || reference_year == 2018;
    let socle =
        dmp && i.sesam_vitale_up_to_date && i.scor && i.fse_rate >= Decimal::new(70, 2) && mss;
    let mut parts = Vec::new();
    let mut missing = Vec::new();
    if !dmp {
        missing.push("logiciel compatible DMP");
    }
    if !i.sesam_vitale_up_to_date {
        missing.push("version SESAM-Vitale à jour");
    }
    if !i.scor {
        missing.push("SCOR");
    }
    if i.fse_rate < Decimal::new(70, 2) {
        missing.push("taux de FSE ≥ 70 %");
    }
    if !mss {
        missing.push("messagerie sécurisée");
    }
    parts.push((
        "socle",
        if socle { socle_amount } else { Decimal::ZERO },
        if socle {
            socle_src.clone()
        } else {
            format!(
                "{socle_src} ; indicateurs manquants : {}",
                missing.join(", ")
            )
        },
    ));
    let (_, coord, coord_src) = part("avenant5", "coordinated_care")?;
    let coord_ok = socle && i.coordinated_care;
    parts.push((
        "coordinated_care",
        if coord_ok { coord } else { Decimal::ZERO },
        coord_src,
    ));
    for name in ["video", "connected_devices"] {
        let (from, amount, src) = part("avenant7", name)?;
        let on = reference_year >= from
            && if name == "video" {
                i.video
            } else {
                i.connected_devices
            };
        parts.push((
            if name == "video" {
                "video"
            } else {
                "connected_devices"
            },
            if on { amount } else { Decimal::ZERO },
            src,
        ));
    }
    let mut total: Decimal = parts.iter().map(|p| p.1).sum();
    total.rescale(2);
    for p in &mut parts {
        p.1.rescale(2);
    }
    let paid_in = reference_year.checked_add(1).ok_or_else(|| {
        format!(
            "année de référence {reference_year} : l'année de versement dépasse {}",
            i32::MAX
        )
    })?;
    Ok(Forfait {
        reference_year,
        paid_in,
        parts,
        total,
    })
}
