//! The texts of a priced line for a person: the formula and the
//! explanation, in French (dates `JJ/MM/AAAA`, decimal commas, amounts in
//! euros, [`crate::fr`]). Built only when asked for.

use std::fmt::Write as _;

use super::Priced;
use crate::fr::{Date, Eur, Num, Span};

impl Priced<'_> {
    /// The formula behind the amount, written for a person, e.g.
    /// `9,79 × 2,21 € × 1 = 21,6359 → 21,64 €`.
    pub fn formula(&self) -> Option<String> {
        let (value, exact, amount) = (self.unit_value()?, self.exact?, self.amount?);
        let mut s = String::new();
        if let Some(c) = self.coefficient {
            let _ = write!(s, "{} × ", Num(c));
        }
        let _ = write!(
            s,
            "{} × {} = {} → {}",
            Eur(value),
            Num(self.line.quantity),
            Num(exact),
            Eur(amount)
        );
        Some(s)
    }

    /// A multi-line explanation, in French for a person: every value
    /// used, its validity and its legal source, then the findings with
    /// their rule and source.
    pub fn explain(&self) -> String {
        let mut s = String::new();
        let l = &self.line;
        let _ = write!(s, "Ligne : {}", l.code);
        if let Some(c) = l.coefficient {
            let _ = write!(s, " {}", Num(c));
        }
        let _ = writeln!(
            s,
            " le {} {}, quantité {}",
            Date(l.date),
            l.territory.within(),
            Num(l.quantity)
        );
        if let Some(a) = self.act {
            let _ = write!(s, "Acte : {} — {} (chap. {}", a.id, a.label, a.chapter);
            if !a.article.is_empty() {
                let _ = write!(s, " art. {}", a.article);
            }
            if !a.paragraph.is_empty() {
                let _ = write!(s, " {}", a.paragraph);
            }
            let _ = writeln!(s, ")");
            let _ = writeln!(s, "  définition : {}", a.source);
        }
        if let Some(p) = self.act_period {
            let _ = writeln!(
                s,
                "Coefficient : {} valable {} ({})",
                Num(p.coefficient),
                Span(&p.period),
                p.status.label()
            );
            let _ = writeln!(s, "  source : {}", p.source);
        }
        if let Some(o) = self.old_cotation {
            let _ = writeln!(
                s,
                "Ancienne cotation : {} {} valable {} (transition à partir du {})",
                o.letter,
                Num(o.coefficient),
                Span(&o.period),
                Date(o.transition_from)
            );
            let _ = writeln!(s, "  source : {}", o.source);
        }
        if let Some(v) = self.value {
            let _ = write!(s, "Valeur de {} {} : ", v.code, v.territory.within());
            match v.value {
                Some(x) => {
                    let _ = write!(s, "{}", Eur(x));
                }
                None => s.push_str("inconnue"),
            }
            let _ = writeln!(s, " valable {} ({})", Span(&v.period), v.status.label());
            let _ = writeln!(s, "  source : {}", v.source);
        }
        match self.formula() {
            Some(f) => {
                let _ = writeln!(
                    s,
                    "Montant : {f} (arrondi au centime, demi vers l'extérieur)"
                );
            }
            None => {
                let _ = writeln!(s, "Montant : non facturable tel quel");
            }
        }
        for f in &self.findings {
            let _ = writeln!(s, "{} [{}] {}", f.code, f.severity().label(), f.message);
            let _ = writeln!(s, "  règle : {}", f.code.rule());
            let _ = writeln!(s, "  source : {}", f.code.source());
        }
        let _ = write!(s, "Statut : {}", self.status().label());
        s
    }
}
