//! Small helpers for writing one SQL text that runs on both databases: dates and times are
//! stored as ISO-8601 text, flags as integers, and optional values as NULL.

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreError;

/// A date as stored.
pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// An optional date as stored.
pub(crate) fn opt_date(d: Option<NaiveDate>) -> Option<String> {
    d.map(date)
}

/// A timestamp as stored: fixed width, so text order is time order.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads a stored date.
pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::corrupt(format!("date {s:?}: {e}")))
}

/// Reads a stored timestamp.
pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::corrupt(format!("timestamp {s:?}: {e}")))
}

/// Reads a stored time of day.
pub(crate) fn parse_clock(s: &str) -> Result<NaiveTime, StoreError> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|e| StoreError::corrupt(format!("time {s:?}: {e}")))
}

/// Typed column access with a message naming the column when it fails.
pub(crate) trait Col {
    fn i64(&self, c: &str) -> Result<i64, StoreError>;
    fn opt_i64(&self, c: &str) -> Result<Option<i64>, StoreError>;
    fn text(&self, c: &str) -> Result<String, StoreError>;
    fn opt_text(&self, c: &str) -> Result<Option<String>, StoreError>;
    fn f64(&self, c: &str) -> Result<f64, StoreError>;
}

impl Col for AnyRow {
    fn i64(&self, c: &str) -> Result<i64, StoreError> {
        self.try_get::<i64, _>(c)
            .map_err(|e| StoreError::corrupt(format!("column {c}: {e}")))
    }
    fn opt_i64(&self, c: &str) -> Result<Option<i64>, StoreError> {
        self.try_get::<Option<i64>, _>(c)
            .map_err(|e| StoreError::corrupt(format!("column {c}: {e}")))
    }
    fn text(&self, c: &str) -> Result<String, StoreError> {
        self.try_get::<String, _>(c)
            .map_err(|e| StoreError::corrupt(format!("column {c}: {e}")))
    }
    fn opt_text(&self, c: &str) -> Result<Option<String>, StoreError> {
        self.try_get::<Option<String>, _>(c)
            .map_err(|e| StoreError::corrupt(format!("column {c}: {e}")))
    }
    fn f64(&self, c: &str) -> Result<f64, StoreError> {
        self.try_get::<f64, _>(c)
            .map_err(|e| StoreError::corrupt(format!("column {c}: {e}")))
    }
}

/// The rows of `sql` for a list of keys, asked 500 at a time: `sql` names where the list goes
/// as `{ids}` (`... WHERE contact_id IN ({ids}) ...`), and the keys are bound, never written in.
pub(crate) async fn rows_for_ids(
    pool: &sqlx::AnyPool,
    sql: &str,
    ids: &[i64],
) -> Result<Vec<sqlx::any::AnyRow>, crate::StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = sql.replace("{ids}", &ph.join(", "));
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(pool).await?);
    }
    Ok(out)
}
