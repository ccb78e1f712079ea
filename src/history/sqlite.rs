//! Placeholder, replaced by the SQLite store.
pub const SCHEMA_VERSION: u32 = 1;
pub struct SqliteHistory;
pub struct HistoryStats;
