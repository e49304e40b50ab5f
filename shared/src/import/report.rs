//! What an import did, row by row.

use serde::Serialize;

/// One rejected row. `line` is the 1-based line of the file (the header is line 1) or, for
/// JSON, the 1-based position in the array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// The outcome of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: u64,
    /// Distinct records written (created or replaced by the same id).
    pub imported: u64,
    /// Rows that repeated an earlier row of the same file (same id).
    pub duplicates: u64,
    /// Rows refused.
    pub rejected_total: u64,
    /// The first [`MAX_REJECTED_DETAILS`] rows refused, with the reason (the report stays
    /// small whatever the file).
    pub rejected: Vec<RowError>,
}

/// Rejected rows detailed in a report; the rest are only counted.
pub const MAX_REJECTED_DETAILS: usize = 1000;

impl ImportReport {
    /// Count a refused row, and keep its detail while there is room.
    pub fn reject(&mut self, error: RowError) {
        self.rejected_total += 1;
        if self.rejected.len() < MAX_REJECTED_DETAILS {
            self.rejected.push(error);
        }
    }

    /// A one-line human summary.
    pub fn summary(&self) -> String {
        format!(
            "{} rows: {} imported, {} duplicate, {} rejected",
            self.rows, self.imported, self.duplicates, self.rejected_total
        )
    }
}
