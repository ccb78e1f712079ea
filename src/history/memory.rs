//! A history held in memory: lines recorded in a vector, asked by a scan.
//! For tests, short-lived checks and as the reference the other stores
//! are tested against.

use std::ops::Range;

use chrono::NaiveDate;

use super::{History, HistoryLine, Recorder};
use crate::Error;

/// A [`History`] in memory. Recording is idempotent by
/// `(invoice_id, line_ref)`.
#[derive(Debug, Clone, Default)]
pub struct MemoryHistory {
    lines: Vec<HistoryLine>,
}

impl MemoryHistory {
    /// The lines recorded, in the order recorded.
    pub fn lines(&self) -> &[HistoryLine] {
        &self.lines
    }
}

impl History for MemoryHistory {
    fn practitioner_lines(
        &self,
        practitioner: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error> {
        Ok(self
            .lines
            .iter()
            .filter(|l| l.practitioner_id == practitioner && dates.contains(&l.date))
            .cloned()
            .collect())
    }

    fn patient_lines(
        &self,
        practitioner: &str,
        patient: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error> {
        Ok(self
            .lines
            .iter()
            .filter(|l| {
                l.practitioner_id == practitioner
                    && l.patient_id == patient
                    && dates.contains(&l.date)
            })
            .cloned()
            .collect())
    }
}

impl Recorder for MemoryHistory {
    fn record(&mut self, lines: &[HistoryLine]) -> Result<usize, Error> {
        let mut new = 0;
        for l in lines {
            match self
                .lines
                .iter_mut()
                .find(|o| o.invoice_id == l.invoice_id && o.line_ref == l.line_ref)
            {
                Some(o) => *o = l.clone(),
                None => {
                    self.lines.push(l.clone());
                    new += 1;
                }
            }
        }
        Ok(new)
    }

    fn forget(&mut self, invoice_id: &str) -> Result<usize, Error> {
        let before = self.lines.len();
        self.lines.retain(|l| l.invoice_id != invoice_id);
        Ok(before - self.lines.len())
    }
}
