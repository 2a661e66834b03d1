//! The reads counted in memory between two writes, the readers already counted, and the
//! windows the most-read lists add up.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{Duration, NaiveDateTime, Timelike};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::actor::Actor;

/// How long a reader counts once per article.
pub const ONCE_PER: Duration = Duration::hours(1);
/// Readers remembered at most: beyond, reads of new readers are not counted until the hour's
/// readers are forgotten, so a flood of new addresses can't inflate the counts nor the memory.
const MAX_REMEMBERED: usize = 1_000_000;

/// The span a most-read list adds up, back from now, in whole hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
pub enum Window {
    /// The last 24 hours (the default).
    #[default]
    #[serde(rename = "24h")]
    Day,
    /// The last 7 days.
    #[serde(rename = "7d")]
    Week,
    /// The last 30 days.
    #[serde(rename = "30d")]
    Month,
}

impl Window {
    /// The first hour bucket inside the window ending at `now`.
    pub fn since(self, now: NaiveDateTime) -> NaiveDateTime {
        let hours = match self {
            Self::Day => 24,
            Self::Week => 7 * 24,
            Self::Month => 30 * 24,
        };
        hour_of(now) - Duration::hours(hours - 1)
    }
}

/// Hour buckets older than the longest window: pruned.
pub fn pruned_before(now: NaiveDateTime) -> NaiveDateTime {
    Window::Month.since(now)
}

/// The hour bucket `at` falls in.
pub fn hour_of(at: NaiveDateTime) -> NaiveDateTime {
    at.date()
        .and_hms_opt(at.hour(), 0, 0)
        .expect("an hour of a valid time")
}

/// Who read: an account or visitor (from its token), else the client address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reader {
    Actor(Actor),
    Address(IpAddr),
}

/// Counts of reads by (article, hour).
pub type Counts = HashMap<(i64, NaiveDateTime), i32>;

/// Reads counted since the last write, and the readers counted in the last hour.
#[derive(Debug, Default)]
pub struct ReadTally {
    inner: Mutex<Tally>,
}

#[derive(Debug, Default)]
struct Tally {
    counts: Counts,
    seen: HashMap<(i64, Reader), NaiveDateTime>,
}

impl ReadTally {
    /// Counts a read of `article` by `reader` at `now`, unless this reader was counted for it
    /// in the hour before; whether it counted.
    pub fn record(&self, article: i64, reader: Reader, now: NaiveDateTime) -> bool {
        let mut tally = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = tally.seen.get(&(article, reader))
            && now - *at < ONCE_PER
        {
            return false;
        }
        if tally.seen.len() >= MAX_REMEMBERED && !tally.seen.contains_key(&(article, reader)) {
            return false;
        }
        tally.seen.insert((article, reader), now);
        *tally.counts.entry((article, hour_of(now))).or_default() += 1;
        true
    }

    /// Takes the counts so far, to write, and forgets readers counted an hour before `now`.
    pub fn take(&self, now: NaiveDateTime) -> Counts {
        let mut tally = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        tally.seen.retain(|_, at| now - *at < ONCE_PER);
        std::mem::take(&mut tally.counts)
    }

    /// Puts back counts a failed write did not store, for the next one.
    pub fn restore(&self, counts: Counts) {
        let mut tally = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for (key, count) in counts {
            *tally.counts.entry(key).or_default() += count;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn a_reader_counts_once_an_hour_per_article() {
        let tally = ReadTally::default();
        let reader = Reader::Actor(Actor::Visitor(7));
        assert!(tally.record(1, reader, at("2026-12-02 10:10:00")));
        assert!(!tally.record(1, reader, at("2026-12-02 10:50:00")));
        assert!(tally.record(2, reader, at("2026-12-02 10:50:00")));
        assert!(tally.record(1, reader, at("2026-12-02 11:10:00")));
        let counts = tally.take(at("2026-12-02 11:20:00"));
        assert_eq!(counts[&(1, at("2026-12-02 10:00:00"))], 1);
        assert_eq!(counts[&(1, at("2026-12-02 11:00:00"))], 1);
        assert_eq!(counts[&(2, at("2026-12-02 10:00:00"))], 1);
        assert!(tally.take(at("2026-12-02 11:20:00")).is_empty());
        tally.restore(counts);
        assert_eq!(tally.take(at("2026-12-02 11:20:00")).len(), 3);
    }

    #[test]
    fn windows_cover_whole_hours_back_from_now() {
        let now = at("2026-12-02 10:30:00");
        assert_eq!(Window::Day.since(now), at("2026-12-01 11:00:00"));
        assert_eq!(Window::Week.since(now), at("2026-11-25 11:00:00"));
        assert_eq!(pruned_before(now), at("2026-11-02 11:00:00"));
    }
}
