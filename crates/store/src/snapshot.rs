//! The whole journey log, read fast: one shared, immutable snapshot of every child's history
//! in log order, caught up by sequence number. Retention reads it today; returns, KPIs and
//! forecasts will.
//!
//! The first read streams every event in log order, decoding each row by column position
//! and its JSON payload straight into the domain type, on a blocking thread (the database
//! driver keeps streaming rows while the previous batch is decoded). Later reads ask only
//! for rows after the snapshot's last sequence number and build a new snapshot that shares
//! every unchanged child's history (and every untouched shard of children) with the old one,
//! so catching up after one new event costs microseconds, not a second read of the log.
//!
//! Catching up by sequence number is sound because the log is append-only (a correction or a
//! late entry is a new row) and appends are serialised by the write lock taken before the row
//! is inserted (`begin_write`), so rows become visible in sequence order.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use futures_util::future::join_all;
use secrecy::ExposeSecret;
use sqlx::any::AnyRow;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, PgConnection, Row, SqliteConnection};
use std::str::FromStr;
use tokio::sync::mpsc;

use stepwise_domain::events::{EventKind, JourneyEvent, Supersession};
use stepwise_domain::ids::{EventSeq, PersonId, WorkerId};

use crate::sql::{Col, parse_clock};
use crate::{Backend, Store, StoreError};

/// One child's events in log order, shared between snapshots until the child has a new one.
pub type ChildHistory = Arc<Vec<JourneyEvent>>;

/// Children are grouped by `id / SHARD_WIDTH`, so a catch-up copies only the groups it touches.
const SHARD_WIDTH: i64 = 512;

/// Rows handed from the database stream to the decoder at a time.
const BATCH: usize = 4096;

/// Batches in flight between the stream and the decoder.
const BATCHES_IN_FLIGHT: usize = 8;

/// The columns read, by position (the names are for messages only).
const COLUMNS: [&str; 9] = [
    "seq",
    "child_id",
    "effective",
    "effective_time",
    "recorded_at",
    "recorded_by",
    "supersedes",
    "supersede_reason",
    "payload",
];

type Shard = BTreeMap<PersonId, ChildHistory>;

/// Every child's history as of one position in the log. Immutable: a later position is a new
/// snapshot sharing the unchanged histories with this one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogSnapshot {
    seq: EventSeq,
    events: usize,
    children: usize,
    shards: BTreeMap<i64, Arc<Shard>>,
}

impl LogSnapshot {
    /// The last event in the snapshot (0 when the log is empty).
    pub fn seq(&self) -> EventSeq {
        self.seq
    }

    /// How many events it holds.
    pub fn events(&self) -> usize {
        self.events
    }

    /// How many children have at least one event.
    pub fn children(&self) -> usize {
        self.children
    }

    /// One child's history in log order, if they have any events.
    pub fn child(&self, id: PersonId) -> Option<&ChildHistory> {
        self.shards.get(&shard_of(id))?.get(&id)
    }

    /// Every child's history, by child in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (PersonId, &ChildHistory)> + '_ {
        self.shards
            .values()
            .flat_map(|s| s.iter().map(|(id, h)| (*id, h)))
    }

    /// The children with an event after `seq`, by child in ascending order.
    pub fn changed_since(
        &self,
        seq: EventSeq,
    ) -> impl Iterator<Item = (PersonId, &ChildHistory)> + '_ {
        self.iter()
            .filter(move |(_, h)| h.last().is_some_and(|e| e.seq > seq))
    }

    /// A snapshot of the events read (in log order), from nothing.
    fn from_groups(
        groups: HashMap<PersonId, Vec<JourneyEvent>>,
        seq: EventSeq,
        events: usize,
    ) -> Self {
        let children = groups.len();
        let mut shards: BTreeMap<i64, Shard> = BTreeMap::new();
        for (id, log) in groups {
            shards
                .entry(shard_of(id))
                .or_default()
                .insert(id, Arc::new(log));
        }
        Self {
            seq,
            events,
            children,
            shards: shards.into_iter().map(|(k, s)| (k, Arc::new(s))).collect(),
        }
    }

    /// This snapshot with the events read after it (in log order) added, sharing every
    /// untouched shard and history.
    fn extended(
        &self,
        groups: HashMap<PersonId, Vec<JourneyEvent>>,
        seq: EventSeq,
        events: usize,
    ) -> Self {
        let mut next = self.clone();
        next.seq = seq.max(self.seq);
        next.events += events;
        for (id, new) in groups {
            let shard = Arc::make_mut(next.shards.entry(shard_of(id)).or_default());
            match shard.get_mut(&id) {
                Some(history) => Arc::make_mut(history).extend(new),
                None => {
                    shard.insert(id, Arc::new(new));
                    next.children += 1;
                }
            }
        }
        next
    }
}

fn shard_of(id: PersonId) -> i64 {
    id.0.div_euclid(SHARD_WIDTH)
}

/// Reads of at least this many rows go through a connection of the database's own driver,
/// and are split into parts read side by side.
const LARGE_READ: i64 = 10_000;

/// The one query, for a range of the log: rows with `$1 < seq <= $2`, in log order.
fn range_sql() -> String {
    format!(
        "SELECT {} FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq",
        COLUMNS.join(", ")
    )
}

/// A column by position, with a message naming it when it cannot be read.
fn at<'r, R, T>(r: &'r R, i: usize) -> Result<T, StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    r.try_get(i).map_err(|e| {
        StoreError::corrupt(format!(
            "column {} of the journey log: {e}",
            COLUMNS.get(i).copied().unwrap_or("?")
        ))
    })
}

/// Decodes one row of the range query, by column position.
fn decode<'r, R>(r: &'r R) -> Result<JourneyEvent, StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let seq: i64 = at(r, 0)?;
    let effective: &str = at(r, 2)?;
    let effective_time: Option<&str> = at(r, 3)?;
    let recorded_at: &str = at(r, 4)?;
    let supersedes: Option<i64> = at(r, 6)?;
    let payload: &str = at(r, 8)?;
    let kind: EventKind = serde_json::from_str(payload)
        .map_err(|e| StoreError::corrupt(format!("payload of event {seq}: {e}")))?;
    Ok(JourneyEvent {
        seq: EventSeq(seq),
        child: PersonId(at(r, 1)?),
        effective: effective
            .parse::<NaiveDate>()
            .map_err(|e| StoreError::corrupt(format!("date {effective:?} of event {seq}: {e}")))?,
        effective_time: effective_time.map(parse_clock).transpose()?,
        recorded_at: DateTime::parse_from_rfc3339(recorded_at)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                StoreError::corrupt(format!("timestamp {recorded_at:?} of event {seq}: {e}"))
            })?,
        recorded_by: WorkerId(at(r, 5)?),
        supersedes: match supersedes {
            Some(s) => Some(Supersession {
                event: EventSeq(s),
                reason: at::<_, Option<String>>(r, 7)?.unwrap_or_default(),
            }),
            None => None,
        },
        kind,
    })
}

/// One part of a read: its events grouped by child (each in log order), the last sequence
/// number seen and the number of events.
#[derive(Default)]
struct Part {
    groups: HashMap<PersonId, Vec<JourneyEvent>>,
    seq: EventSeq,
    events: usize,
}

/// Decodes the batches of one part as they arrive and groups them by child. Runs on a
/// blocking thread.
fn decode_part<R>(mut batches: mpsc::Receiver<Vec<R>>) -> Result<Part, StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut part = Part::default();
    while let Some(batch) = batches.blocking_recv() {
        for r in &batch {
            let e = decode(r)?;
            part.seq = part.seq.max(e.seq);
            part.events += 1;
            part.groups.entry(e.child).or_default().push(e);
        }
    }
    Ok(part)
}

/// The parts of a read in log order, joined into one snapshot (from nothing, or extending
/// `base`). Runs on a blocking thread.
fn join_parts(base: Option<Arc<LogSnapshot>>, parts: Vec<Part>) -> LogSnapshot {
    let mut parts = parts.into_iter();
    let mut all = parts.next().unwrap_or_default();
    for p in parts {
        all.seq = all.seq.max(p.seq);
        all.events += p.events;
        for (id, mut log) in p.groups {
            all.groups.entry(id).or_default().append(&mut log);
        }
    }
    match base {
        Some(b) => b.extended(all.groups, all.seq, all.events),
        None => LogSnapshot::from_groups(all.groups, all.seq, all.events),
    }
}

/// Streams the rows of `sql` (bound to a range) through `executor` to a decoder, in batches;
/// stops early, without an error of its own, when the decoder has stopped (it says why).
macro_rules! stream_range {
    ($executor:expr, $sql:expr, $range:expr, $tx:expr) => {{
        let (lo, hi): (i64, i64) = $range;
        let tx = $tx;
        let mut rows = sqlx::query($sql).bind(lo).bind(hi).fetch($executor);
        let mut batch = Vec::with_capacity(BATCH);
        let mut result: Result<(), StoreError> = Ok(());
        while let Some(row) = rows.next().await {
            match row {
                Ok(r) => batch.push(r),
                Err(e) => {
                    result = Err(e.into());
                    break;
                }
            }
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if tx.send(full).await.is_err() {
                    break;
                }
            }
        }
        if result.is_ok() && !batch.is_empty() {
            // An error here means the decoder stopped; it says why.
            let _ = tx.send(batch).await;
        }
        result
    }};
}

/// Splits the log after `after` up to `head` into `parts` ranges; the last is open-ended, so
/// events appended meanwhile are read too.
fn ranges(after: i64, head: i64, parts: i64) -> Vec<(i64, i64)> {
    let parts = parts.max(1);
    let width = (head - after).max(0) / parts + 1;
    (0..parts)
        .map(|k| {
            let lo = after + k * width;
            let hi = if k + 1 == parts { i64::MAX } else { lo + width };
            (lo, hi)
        })
        .collect()
}

impl Store {
    /// Every child's history, as one shared snapshot brought up to the end of the log: the
    /// first call reads the whole log; later calls read only the events appended since.
    pub async fn log_snapshot(&self) -> Result<Arc<LogSnapshot>, StoreError> {
        let mut cached = self.log_snapshot.lock().await;
        let head = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS n FROM events")
            .fetch_one(&self.pool)
            .await?
            .i64("n")?;
        let base = match cached.as_ref() {
            Some(s) if s.seq.0 == head => return Ok(s.clone()),
            Some(s) if s.seq.0 < head => Some(s.clone()),
            // None yet, or a log shorter than the snapshot (the database was replaced
            // under the store): read it all.
            _ => None,
        };
        let next = Arc::new(self.read_log_after(base, head).await?);
        *cached = Some(next.clone());
        Ok(next)
    }

    /// Reads the events after `base` (all of them when there is none) into a new snapshot.
    /// A small read (a catch-up) is one query on the pool. A large one is split into ranges
    /// of the log read side by side, each through a connection of the database's own driver
    /// (no conversion of every value to the driver-neutral form); each range is decoded on a
    /// blocking thread while its rows stream in.
    async fn read_log_after(
        &self,
        base: Option<Arc<LogSnapshot>>,
        head: i64,
    ) -> Result<LogSnapshot, StoreError> {
        let after = base.as_ref().map_or(0, |b| b.seq.0);
        let sql = range_sql();
        // An in-memory SQLite database is private to its connections: read it through them.
        let in_memory = {
            let url = self.url.expose_secret();
            url.contains(":memory:") || url.contains("mode=memory")
        };
        let large = head - after >= LARGE_READ && !in_memory;
        let parts = if large {
            std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4)) as i64
        } else {
            1
        };
        let mut decoders = Vec::new();
        let mut reads = Vec::new();
        for range in ranges(after, head, parts) {
            let sql = sql.as_str();
            match (large, self.backend) {
                (false, _) => {
                    let (tx, rx) = mpsc::channel(BATCHES_IN_FLIGHT);
                    decoders.push(tokio::task::spawn_blocking(move || {
                        decode_part::<AnyRow>(rx)
                    }));
                    reads.push(
                        Box::pin(async move { stream_range!(&self.pool, sql, range, tx) })
                            as std::pin::Pin<
                                Box<
                                    dyn std::future::Future<Output = Result<(), StoreError>>
                                        + Send
                                        + '_,
                                >,
                            >,
                    );
                }
                (true, Backend::Sqlite) => {
                    let (tx, rx) = mpsc::channel(BATCHES_IN_FLIGHT);
                    decoders.push(tokio::task::spawn_blocking(move || {
                        decode_part::<sqlx::sqlite::SqliteRow>(rx)
                    }));
                    let url = self.url.clone();
                    reads.push(Box::pin(async move {
                        // Rows come from the connection's worker thread; a larger buffer
                        // wakes this task once per many rows rather than every 50.
                        let options = SqliteConnectOptions::from_str(url.expose_secret())?
                            .read_only(true)
                            .row_buffer_size(BATCH);
                        let mut c = SqliteConnection::connect_with(&options).await?;
                        let read = stream_range!(&mut c, sql, range, tx);
                        c.close().await?;
                        read
                    }));
                }
                (true, Backend::Postgres) => {
                    let (tx, rx) = mpsc::channel(BATCHES_IN_FLIGHT);
                    decoders.push(tokio::task::spawn_blocking(move || {
                        decode_part::<sqlx::postgres::PgRow>(rx)
                    }));
                    let url = self.url.clone();
                    reads.push(Box::pin(async move {
                        let mut c = PgConnection::connect(url.expose_secret()).await?;
                        let read = stream_range!(&mut c, sql, range, tx);
                        c.close().await?;
                        read
                    }));
                }
            }
        }
        let read: Result<Vec<()>, StoreError> = join_all(reads).await.into_iter().collect();
        let mut parts = Vec::with_capacity(decoders.len());
        for d in decoders {
            parts.push(d.await.map_err(|e| {
                StoreError::corrupt(format!("reading the journey log stopped: {e}"))
            })??);
        }
        read?;
        tokio::task::spawn_blocking(move || join_parts(base, parts))
            .await
            .map_err(|e| StoreError::corrupt(format!("reading the journey log stopped: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(child: i64, seq: i64) -> JourneyEvent {
        JourneyEvent {
            seq: EventSeq(seq),
            child: PersonId(child),
            effective: NaiveDate::default(),
            effective_time: None,
            recorded_at: DateTime::<Utc>::default(),
            recorded_by: WorkerId(1),
            supersedes: None,
            kind: EventKind::Withdrawn,
        }
    }

    fn grouped(events: &[JourneyEvent]) -> HashMap<PersonId, Vec<JourneyEvent>> {
        let mut g: HashMap<PersonId, Vec<JourneyEvent>> = HashMap::new();
        for e in events {
            g.entry(e.child).or_default().push(e.clone());
        }
        g
    }

    /// Extending a snapshot gives the same as building it from the whole log, and shares
    /// the histories (and shards) it did not touch.
    #[test]
    fn extending_equals_building_afresh_and_shares_what_is_unchanged() {
        let first = [ev(1, 1), ev(2, 2), ev(1, 3), ev(5000, 4)];
        let later = [ev(2, 5), ev(7, 6)];
        let old = LogSnapshot::from_groups(grouped(&first), EventSeq(4), first.len());
        let new = old.extended(grouped(&later), EventSeq(6), later.len());
        let all: Vec<_> = first.iter().chain(&later).cloned().collect();
        let fresh = LogSnapshot::from_groups(grouped(&all), EventSeq(6), all.len());
        assert_eq!(new, fresh);
        assert_eq!(
            (new.seq(), new.events(), new.children()),
            (EventSeq(6), 6, 4)
        );
        assert_eq!(old.events(), 4, "the old snapshot is unchanged");
        let same = |id: i64| match (old.child(PersonId(id)), new.child(PersonId(id))) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        assert!(same(1) && same(5000));
        assert!(!same(2));
        assert!(Arc::ptr_eq(&old.shards[&9], &new.shards[&9]));
        let ids: Vec<i64> = new.iter().map(|(id, _)| id.0).collect();
        assert_eq!(ids, vec![1, 2, 7, 5000]);
        let changed: Vec<i64> = new.changed_since(EventSeq(4)).map(|(id, _)| id.0).collect();
        assert_eq!(changed, vec![2, 7]);
    }
}
