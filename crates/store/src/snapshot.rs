//! The whole journey log, read fast: one shared, immutable snapshot of every child's history
//! in log order, caught up by sequence number. Retention reads it today; returns, KPIs and
//! forecasts will.
//!
//! The first read is split into one range of the log per core, read side by side off the
//! async runtime through each database's own driver: on SQLite, SQLite's driver steps the
//! rows on a blocking thread and each value is borrowed, by column position, straight from
//! SQLite's row; on PostgreSQL, a binary `COPY` of the range streams in large chunks to a
//! decoder on a blocking thread. Each JSON payload is decoded straight into the domain type.
//! Later reads ask only for rows after the snapshot's last sequence number, on one pooled
//! connection, decoded in place, and build a new snapshot that shares every unchanged child's
//! history (and every untouched shard of children) with the old one, so catching up after one
//! new event costs well under a millisecond, not a second read of the log.
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
use sqlx::{Connection, PgConnection, Row};
use tokio::sync::mpsc;

use stepwise_domain::events::{EventKind, JourneyEvent, Supersession};
use stepwise_domain::ids::{EventSeq, PersonId, WorkerId};

use crate::sql::parse_clock;
use crate::{Backend, StoreError};

/// One child's events in log order, shared between snapshots until the child has a new one.
pub type ChildHistory = Arc<Vec<JourneyEvent>>;

/// Children are grouped by `id / SHARD_WIDTH`, so a catch-up copies only the groups it touches.
const SHARD_WIDTH: i64 = 512;

/// The columns read, by position (the names are for messages only).
const COLUMNS: [&str; 10] = [
    "seq",
    "child_id",
    "effective",
    "effective_time",
    "recorded_at",
    "recorded_by",
    "supersedes",
    "supersede_reason",
    "payload",
    "payload_version",
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

/// Reads of at least this many rows go through the database's own driver on blocking threads,
/// split into parts read side by side; smaller ones (a catch-up) are one query on the pool,
/// decoded in place.
const LARGE_READ: i64 = 10_000;

/// Bytes of PostgreSQL `COPY` data handed to a decoder at a time.
const COPY_CHUNK: usize = 1 << 20;

/// Chunks in flight between a `COPY` stream and its decoder.
const CHUNKS_IN_FLIGHT: usize = 8;

/// The columns of one event as stored, borrowed from the row they were read from.
struct Columns<'a> {
    seq: i64,
    child: i64,
    effective: &'a str,
    effective_time: Option<&'a str>,
    recorded_at: &'a str,
    recorded_by: i64,
    supersedes: Option<i64>,
    supersede_reason: Option<&'a str>,
    payload: &'a [u8],
    payload_version: i64,
}

impl Columns<'_> {
    /// The event these columns hold; the payload is decoded straight into the domain type.
    fn event(&self) -> Result<JourneyEvent, StoreError> {
        let seq = self.seq;
        let kind: EventKind =
            stepwise_domain::payload::decode_slice(self.payload_version, self.payload)
                .map_err(|e| StoreError::corrupt(format!("payload of event {seq}: {e}")))?;
        Ok(JourneyEvent {
            seq: EventSeq(seq),
            child: PersonId(self.child),
            effective: match stored_date(self.effective) {
                Some(d) => d,
                None => self.effective.parse::<NaiveDate>().map_err(|e| {
                    StoreError::corrupt(format!("date {:?} of event {seq}: {e}", self.effective))
                })?,
            },
            effective_time: self.effective_time.map(parse_clock).transpose()?,
            recorded_at: match stored_timestamp(self.recorded_at) {
                Some(t) => t,
                None => DateTime::parse_from_rfc3339(self.recorded_at)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| {
                        StoreError::corrupt(format!(
                            "timestamp {:?} of event {seq}: {e}",
                            self.recorded_at
                        ))
                    })?,
            },
            recorded_by: WorkerId(self.recorded_by),
            supersedes: self.supersedes.map(|s| Supersession {
                event: EventSeq(s),
                reason: self.supersede_reason.unwrap_or_default().to_string(),
            }),
            kind,
        })
    }
}

/// The number written in ASCII digits `b` (none if any is not a digit).
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// A date exactly as the store writes it (`2026-11-23`), read without a general parser; `None`
/// for anything else, which the general parser then reads or refuses.
fn stored_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..])?)
}

/// A timestamp exactly as the store writes it (`2026-11-23T09:30:00.000000Z`, `sql::time`),
/// read without a general parser; `None` for anything else, which the general parser then
/// reads or refuses. A third of the time of a whole-log read went on parsing dates and
/// timestamps before this.
fn stored_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 27
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[26] != b'Z'
    {
        return None;
    }
    let date = stored_date(s.get(..10)?)?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
        digits(&b[20..26])?,
    )?;
    Some(date.and_time(time).and_utc())
}

/// A message naming a column of the journey log that could not be read.
fn column_error(i: usize, e: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(format!(
        "column {} of the journey log: {e}",
        COLUMNS.get(i).copied().unwrap_or("?")
    ))
}

/// One column of a pool row, by position.
fn at<'r, T>(r: &'r AnyRow, i: usize) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    r.try_get(i).map_err(|e| column_error(i, e))
}

/// Decodes one row of a read through the pool, by column position.
fn decode_any(r: &AnyRow) -> Result<JourneyEvent, StoreError> {
    let payload: &str = at(r, 8)?;
    Columns {
        seq: at(r, 0)?,
        child: at(r, 1)?,
        effective: at(r, 2)?,
        effective_time: at(r, 3)?,
        recorded_at: at(r, 4)?,
        recorded_by: at(r, 5)?,
        supersedes: at(r, 6)?,
        supersede_reason: at(r, 7)?,
        payload: payload.as_bytes(),
        payload_version: at(r, 9)?,
    }
    .event()
}

/// One part of a read: its events grouped by child (each in log order), the last sequence
/// number seen and the number of events.
#[derive(Default)]
struct Part {
    groups: HashMap<PersonId, Vec<JourneyEvent>>,
    seq: EventSeq,
    events: usize,
}

impl Part {
    fn push(&mut self, e: JourneyEvent) {
        self.seq = self.seq.max(e.seq);
        self.events += 1;
        // Room for a typical child's history at once (about 35 events in the default
        // authority), so most are never moved to a larger allocation.
        self.groups
            .entry(e.child)
            .or_insert_with(|| Vec::with_capacity(32))
            .push(e);
    }
}

/// The parts of a read in log order, joined into one snapshot (from nothing, or extending
/// `base`).
fn join_parts(base: Option<&LogSnapshot>, parts: Vec<Part>) -> LogSnapshot {
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

/// Splits the log after `after` up to `head` into `parts` ranges `(lo, hi]`; the last is
/// open-ended, so events appended meanwhile are read too.
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

/// The file of an SQLite URL, or `None` for an in-memory database (private to the pool's
/// connections, so read through them).
fn sqlite_file(url: &str) -> Option<String> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty()).then(|| path.to_string())
}

/// A database error from a read through a driver other than the pool's.
fn read_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "reading the journey log: {e}"
    )))
}

/// Reads one range of the log from an SQLite file through SQLite's own driver, on the
/// calling (blocking) thread: rows are stepped in log order and decoded by column position,
/// borrowing each value from SQLite rather than copying it.
fn read_sqlite_part(path: &str, (lo, hi): (i64, i64)) -> Result<Part, StoreError> {
    use rusqlite::types::ValueRef;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(read_error)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(read_error)?;
    // Read the file's pages in place rather than copying each into SQLite's cache.
    conn.pragma_update(None, "mmap_size", 1i64 << 32)
        .map_err(read_error)?;
    let sql = format!(
        "SELECT {} FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
        COLUMNS.join(", ")
    );
    let mut stmt = conn.prepare(&sql).map_err(read_error)?;
    let mut rows = stmt.query((lo, hi)).map_err(read_error)?;
    let mut part = Part::default();
    while let Some(r) = rows.next().map_err(read_error)? {
        let value = |i: usize| r.get_ref(i).map_err(|e| column_error(i, e));
        let int = |i: usize| value(i)?.as_i64().map_err(|e| column_error(i, e));
        let opt_int = |i: usize| value(i)?.as_i64_or_null().map_err(|e| column_error(i, e));
        let text = |i: usize| value(i)?.as_str().map_err(|e| column_error(i, e));
        let opt_text = |i: usize| value(i)?.as_str_or_null().map_err(|e| column_error(i, e));
        let payload = match value(8)? {
            ValueRef::Text(b) | ValueRef::Blob(b) => b,
            _ => return Err(column_error(8, "not text")),
        };
        part.push(
            Columns {
                seq: int(0)?,
                child: int(1)?,
                effective: text(2)?,
                effective_time: opt_text(3)?,
                recorded_at: text(4)?,
                recorded_by: int(5)?,
                supersedes: opt_int(6)?,
                supersede_reason: opt_text(7)?,
                payload,
                payload_version: int(9)?,
            }
            .event()?,
        );
    }
    Ok(part)
}

/// The `COPY` statement reading one range of the log from PostgreSQL in binary form. Every
/// column is cast to the type the decoder reads (free for the columns as stored today), so a
/// later change of a column's type cannot be misread.
fn copy_sql((lo, hi): (i64, i64)) -> String {
    format!(
        "COPY (SELECT seq::int8, child_id::int8, effective::text, effective_time::text, \
         recorded_at::text, recorded_by::int8, supersedes::int8, supersede_reason::text, \
         payload::text, payload_version::int8 FROM events WHERE seq > {lo} AND seq <= {hi} ORDER BY seq) \
         TO STDOUT (FORMAT binary)"
    )
}

/// Decodes PostgreSQL binary `COPY` data (a header, then tuples of length-prefixed fields,
/// then a trailer) as it arrives in chunks that need not end on a tuple.
struct CopyDecoder {
    buf: Vec<u8>,
    header_read: bool,
    finished: bool,
    part: Part,
}

const COPY_SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

fn utf8(v: &[u8], i: usize) -> Result<&str, StoreError> {
    std::str::from_utf8(v).map_err(|e| column_error(i, e))
}

fn be_i16(b: &[u8]) -> Option<i16> {
    Some(i16::from_be_bytes(b.get(..2)?.try_into().ok()?))
}

fn be_i32(b: &[u8]) -> Option<i32> {
    Some(i32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

fn be_i64(b: &[u8]) -> Option<i64> {
    Some(i64::from_be_bytes(b.get(..8)?.try_into().ok()?))
}

impl CopyDecoder {
    fn new() -> Self {
        Self {
            buf: Vec::new(),
            header_read: false,
            finished: false,
            part: Part::default(),
        }
    }

    /// Takes one chunk: decodes every complete tuple and keeps the rest for the next.
    fn feed(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        let bad = |what: &str| StoreError::corrupt(format!("COPY data of the journey log: {what}"));
        let data: std::borrow::Cow<'_, [u8]> = if self.buf.is_empty() {
            std::borrow::Cow::Borrowed(chunk)
        } else {
            let mut b = std::mem::take(&mut self.buf);
            b.extend_from_slice(chunk);
            std::borrow::Cow::Owned(b)
        };
        let mut pos = 0;
        if !self.header_read {
            // Signature, flags, then the header extension's length and the extension.
            let Some(ext) = data.get(15..).and_then(be_i32) else {
                self.buf = data[pos..].to_vec();
                return Ok(());
            };
            if !data.starts_with(COPY_SIGNATURE) || ext < 0 {
                return Err(bad("not binary COPY data"));
            }
            let start = 19 + ext as usize;
            if data.len() < start {
                self.buf = data[pos..].to_vec();
                return Ok(());
            }
            pos = start;
            self.header_read = true;
        }
        while !self.finished {
            match self.tuple(&data[pos..])? {
                Some(used) => pos += used,
                None => break,
            }
        }
        if !self.finished {
            self.buf = data[pos..].to_vec();
        }
        Ok(())
    }

    /// Decodes the tuple at the start of `b`, returning the bytes it took, or `None` when `b`
    /// ends before it does.
    fn tuple(&mut self, b: &[u8]) -> Result<Option<usize>, StoreError> {
        let Some(fields) = be_i16(b) else {
            return Ok(None);
        };
        if fields == -1 {
            self.finished = true;
            return Ok(Some(2));
        }
        if fields as usize != COLUMNS.len() {
            return Err(StoreError::corrupt(format!(
                "COPY data of the journey log: a row of {fields} columns"
            )));
        }
        let mut values: [Option<&[u8]>; COLUMNS.len()] = [None; COLUMNS.len()];
        let mut pos = 2;
        for v in values.iter_mut() {
            let Some(len) = b.get(pos..).and_then(be_i32) else {
                return Ok(None);
            };
            pos += 4;
            if len >= 0 {
                let end = pos + len as usize;
                let Some(bytes) = b.get(pos..end) else {
                    return Ok(None);
                };
                *v = Some(bytes);
                pos = end;
            }
        }
        let need = |i: usize| values[i].ok_or_else(|| column_error(i, "missing"));
        let int = |i: usize| be_i64(need(i)?).ok_or_else(|| column_error(i, "not an integer"));
        let opt_int = |i: usize| match values[i] {
            Some(v) => be_i64(v)
                .map(Some)
                .ok_or_else(|| column_error(i, "not an integer")),
            None => Ok(None),
        };
        let effective_time = match values[3] {
            Some(v) => Some(utf8(v, 3)?),
            None => None,
        };
        let supersede_reason = match values[7] {
            Some(v) => Some(utf8(v, 7)?),
            None => None,
        };
        let e = Columns {
            seq: int(0)?,
            child: int(1)?,
            effective: utf8(need(2)?, 2)?,
            effective_time,
            recorded_at: utf8(need(4)?, 4)?,
            recorded_by: int(5)?,
            supersedes: opt_int(6)?,
            supersede_reason,
            payload: need(8)?,
            payload_version: int(9)?,
        }
        .event()?;
        self.part.push(e);
        Ok(Some(pos))
    }

    fn finish(self) -> Result<Part, StoreError> {
        if !self.finished || !self.buf.is_empty() {
            return Err(StoreError::corrupt(
                "COPY data of the journey log ended part-way through",
            ));
        }
        Ok(self.part)
    }
}

/// Reads one range of the log from PostgreSQL with a binary `COPY` on a connection of its
/// own, handing the data in large chunks to a decoder on a blocking thread.
async fn read_postgres_part(url: &str, range: (i64, i64)) -> Result<Part, StoreError> {
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
    let decoder = tokio::task::spawn_blocking(move || {
        let mut d = CopyDecoder::new();
        while let Some(chunk) = rx.blocking_recv() {
            d.feed(&chunk)?;
        }
        d.finish()
    });
    let read = async {
        let mut c = PgConnection::connect(url).await?;
        {
            let mut stream = c.copy_out_raw(&copy_sql(range)).await?;
            let mut chunk = Vec::with_capacity(COPY_CHUNK + 4096);
            while let Some(data) = stream.next().await {
                chunk.extend_from_slice(&data?);
                if chunk.len() >= COPY_CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(COPY_CHUNK + 4096));
                    if tx.send(full).await.is_err() {
                        // The decoder stopped; it says why.
                        return Ok(());
                    }
                }
            }
            if !chunk.is_empty() {
                let _ = tx.send(chunk).await;
            }
        }
        c.close().await?;
        Ok::<(), StoreError>(())
    };
    let read = read.await;
    drop(tx);
    let part = decoder
        .await
        .map_err(|e| StoreError::corrupt(format!("reading the journey log stopped: {e}")))?;
    read?;
    part
}

impl crate::Journeys<'_> {
    /// Every child's history, as one shared snapshot brought up to the end of the log: the
    /// first call reads the whole log; later calls read only the events appended since.
    pub async fn log_snapshot(&self) -> Result<Arc<LogSnapshot>, StoreError> {
        let mut cached = self.log_snapshot.lock().await;
        // One connection for the head and a small read: no second wait for the pool.
        let mut conn = self.pool.acquire().await?;
        let head: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM events")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let base = match cached.as_ref() {
            Some(s) if s.seq.0 == head => return Ok(s.clone()),
            Some(s) if s.seq.0 < head => Some(s.clone()),
            // None yet, or a log shorter than the snapshot (the database was replaced
            // under the store): read it all.
            _ => None,
        };
        let after = base.as_ref().map_or(0, |b| b.seq.0);
        let native = match self.backend {
            Backend::Sqlite => sqlite_file(self.url.expose_secret()).is_some(),
            Backend::Postgres => true,
        };
        let next = if head - after < LARGE_READ || !native {
            // Bounded on both sides: PostgreSQL's generic plan for a prepared `seq > $1` alone
            // guesses a third of the log and scans it all (53 ms a catch-up on the default
            // authority); with both bounds it guesses a small range and uses the key.
            let sql = format!(
                "SELECT {} FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq",
                COLUMNS.join(", ")
            );
            let rows = sqlx::query(&sql)
                .bind(after)
                .bind(head)
                .fetch_all(&mut *conn)
                .await?;
            drop(conn);
            let mut part = Part::default();
            for r in &rows {
                part.push(decode_any(r)?);
            }
            join_parts(base.as_deref(), vec![part])
        } else {
            drop(conn);
            self.read_large(base, after, head).await?
        };
        let next = Arc::new(next);
        *cached = Some(next.clone());
        Ok(next)
    }

    /// Reads the events after `after` (a large read) into a new snapshot, extending `base`:
    /// split into one range of the log per core, each read through the database's own driver
    /// and decoded on a blocking thread, side by side.
    async fn read_large(
        &self,
        base: Option<Arc<LogSnapshot>>,
        after: i64,
        head: i64,
    ) -> Result<LogSnapshot, StoreError> {
        let parts = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4)) as i64;
        let ranges = ranges(after, head, parts);
        let stopped = |e: tokio::task::JoinError| {
            StoreError::corrupt(format!("reading the journey log stopped: {e}"))
        };
        let mut read = Vec::with_capacity(ranges.len());
        match self.backend {
            Backend::Sqlite => {
                let path = sqlite_file(self.url.expose_secret())
                    .ok_or_else(|| StoreError::corrupt("an in-memory log read as a file"))?;
                let tasks: Vec<_> = ranges
                    .into_iter()
                    .map(|range| {
                        let path = path.clone();
                        tokio::task::spawn_blocking(move || read_sqlite_part(&path, range))
                    })
                    .collect();
                for t in tasks {
                    read.push(t.await.map_err(stopped)?);
                }
            }
            Backend::Postgres => {
                let url = self.url.expose_secret();
                read = join_all(ranges.into_iter().map(|r| read_postgres_part(url, r))).await;
            }
        }
        let parts = read
            .into_iter()
            .collect::<Result<Vec<Part>, StoreError>>()?;
        tokio::task::spawn_blocking(move || join_parts(base.as_deref(), parts))
            .await
            .map_err(stopped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, Timelike};

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

    /// Binary `COPY` data for events, as PostgreSQL sends it.
    fn copy_data(events: &[JourneyEvent]) -> Vec<u8> {
        let mut b = COPY_SIGNATURE.to_vec();
        b.extend_from_slice(&0i32.to_be_bytes());
        b.extend_from_slice(&0i32.to_be_bytes());
        let field = |b: &mut Vec<u8>, v: Option<&[u8]>| match v {
            Some(v) => {
                b.extend_from_slice(&(v.len() as i32).to_be_bytes());
                b.extend_from_slice(v);
            }
            None => b.extend_from_slice(&(-1i32).to_be_bytes()),
        };
        for e in events {
            b.extend_from_slice(&(COLUMNS.len() as i16).to_be_bytes());
            field(&mut b, Some(&e.seq.0.to_be_bytes()));
            field(&mut b, Some(&e.child.0.to_be_bytes()));
            field(&mut b, Some(e.effective.to_string().as_bytes()));
            let time = e.effective_time.map(|t| t.format("%H:%M:%S").to_string());
            field(&mut b, time.as_deref().map(str::as_bytes));
            field(&mut b, Some(crate::sql::time(e.recorded_at).as_bytes()));
            field(&mut b, Some(&e.recorded_by.0.to_be_bytes()));
            let sup = e.supersedes.as_ref().map(|s| s.event.0.to_be_bytes());
            field(&mut b, sup.as_ref().map(|s| &s[..]));
            let reason = e.supersedes.as_ref().map(|s| s.reason.as_bytes());
            field(&mut b, reason);
            let (version, payload) = stepwise_domain::payload::encode(&e.kind).unwrap();
            field(&mut b, Some(payload.as_bytes()));
            field(&mut b, Some(&i64::from(version).to_be_bytes()));
        }
        b.extend_from_slice(&(-1i16).to_be_bytes());
        b
    }

    /// The PostgreSQL `COPY` decoder reads every event back exactly, however the data is cut
    /// into chunks (a tuple, a length or the header split across two), and refuses data that
    /// ends part-way through.
    #[test]
    fn copy_data_decodes_to_the_same_events_however_it_is_chunked() {
        let mut late = ev(3, 7);
        late.effective_time = NaiveTime::from_hms_opt(9, 30, 0);
        late.supersedes = Some(Supersession {
            event: EventSeq(2),
            reason: "wrong date".into(),
        });
        late.kind = EventKind::CaseNote {
            subject: "Visit".into(),
            text: "Seen alone; \"fine\"".into(),
        };
        let events = vec![ev(1, 5), late, ev(1, 9)];
        let data = copy_data(&events);
        for cut in 1..data.len() {
            let mut d = CopyDecoder::new();
            d.feed(&data[..cut]).unwrap();
            d.feed(&data[cut..]).unwrap();
            let part = d.finish().unwrap();
            assert_eq!((part.events, part.seq), (3, EventSeq(9)), "cut at {cut}");
            assert_eq!(part.groups[&PersonId(1)], vec![ev(1, 5), ev(1, 9)]);
            assert_eq!(part.groups[&PersonId(3)], vec![events[1].clone()]);
        }
        let mut d = CopyDecoder::new();
        d.feed(&data[..data.len() - 3]).unwrap();
        assert!(d.finish().is_err(), "data cut short is refused");
        let mut d = CopyDecoder::new();
        assert!(
            d.feed(b"not copy data at all, longer than a header")
                .is_err()
        );
    }

    /// Dates and timestamps in the stored form read the same as through chrono's parsers; any
    /// other form is left to them (and a malformed one is refused there).
    #[test]
    fn stored_dates_and_timestamps_read_as_the_general_parsers_read_them() {
        for d in ["2026-11-23", "2000-02-29", "1999-12-31", "2024-01-01"] {
            assert_eq!(stored_date(d), d.parse::<NaiveDate>().ok(), "{d}");
        }
        for d in [
            "2026-02-30",
            "2026-1-23",
            "2026/11/23",
            "20261123xx",
            "２０２６-11-23",
        ] {
            assert_eq!(stored_date(d), None, "{d}");
        }
        // A moment with every digit of the stored form in use.
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 3, 10, 20, 42)
            .single()
            .unwrap()
            + chrono::Duration::microseconds(123_456);
        for t in [
            crate::sql::time(now),
            "2026-03-29T01:30:00.000000Z".to_string(),
            "2026-10-25T23:59:59.999999Z".to_string(),
        ] {
            let general = DateTime::parse_from_rfc3339(&t).map(|t| t.with_timezone(&Utc));
            assert_eq!(stored_timestamp(&t), general.ok(), "{t}");
        }
        assert_eq!(
            stored_timestamp(&crate::sql::time(now)),
            Some(now.with_nanosecond(now.nanosecond() / 1000 * 1000).unwrap())
        );
        for t in [
            "2026-11-23T09:30:00Z",
            "2026-11-23T09:30:00.000000+01:00",
            "2026-11-23T25:30:00.000000Z",
            "2026-11-23 09:30:00.000000Z",
        ] {
            assert_eq!(stored_timestamp(t), None, "{t}");
        }
    }

    /// An SQLite URL names its file (without the query); an in-memory database has none.
    #[test]
    fn an_sqlite_url_names_its_file() {
        assert_eq!(
            sqlite_file("sqlite://data/stepwise.db?mode=rwc").as_deref(),
            Some("data/stepwise.db")
        );
        assert_eq!(sqlite_file("sqlite:x.db").as_deref(), Some("x.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(
            sqlite_file("sqlite://file:db?mode=memory&cache=shared"),
            None
        );
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
