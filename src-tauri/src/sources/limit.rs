//! Rate limits per provider host and a bound on requests in flight, for
//! checks of many orders at once (`crate::batch`). [`super::http::Http`]
//! takes a [`Permit`] before every attempt (retries included) and gives it
//! back once the answer has been read.
//!
//! A host limited to `n` requests per `per` gets two guarantees:
//!
//! - **spacing**: attempts start at least `per / n` apart, so traffic is
//!   smooth (a provider that counts per second, or refills a token bucket,
//!   sees no burst);
//! - **window**: attempt number `j` starts only after every attempt up to
//!   `j − n` has finished *and* `per` has passed since the last of them
//!   finished. A provider receives a request after it was sent and before
//!   its answer is read, so any `n + 1` requests reach it more than `per`
//!   apart — whatever the network and thread scheduling delay. A provider
//!   counting requests in a sliding window of `per` never sees more than
//!   `n`.
//!
//! The arithmetic is [`Window`], a pure schedule driven by explicit
//! instants (tested without sleeping); [`Limiter`] wraps it with a lock,
//! a condition variable and a cancellable sleep.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::error::SourceError;

/// `requests` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub requests: u32,
    pub per: Duration,
}

impl Rate {
    /// What a host gets in a batch unless told otherwise: gentle enough for
    /// any provider's documented query limits.
    pub const DEFAULT: Rate = Rate {
        requests: 10,
        per: Duration::from_secs(1),
    };

    pub fn per_second(requests: u32) -> Rate {
        Rate {
            requests: requests.max(1),
            per: Duration::from_secs(1),
        }
    }

    /// The least time between two starts.
    pub fn interval(&self) -> Duration {
        self.per / self.requests.max(1)
    }

    /// Reads `100/s`, `100`, `600/min`, `5/2s`.
    pub fn parse(text: &str) -> Result<Rate, String> {
        const EXPECTED: &str = "a rate like 100/s, 600/min or 5/2s";
        let t = text.trim().to_ascii_lowercase();
        let (n, unit) = t.split_once('/').unwrap_or((t.as_str(), "s"));
        let requests: u32 =
            n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("{text:?}: {EXPECTED} (a whole number of requests above 0)")
            })?;
        let unit = unit.trim();
        let digits = unit.chars().take_while(char::is_ascii_digit).count();
        let count: u64 = if digits == 0 {
            1
        } else {
            unit[..digits]
                .parse()
                .ok()
                .filter(|c| *c > 0)
                .ok_or_else(|| format!("{text:?}: {EXPECTED}"))?
        };
        let seconds = match unit[digits..].trim() {
            "s" | "sec" | "second" | "秒" => 1,
            "m" | "min" | "minute" | "分" | "分钟" => 60,
            "h" | "hour" | "小时" => 3600,
            _ => return Err(format!("{text:?}: {EXPECTED}")),
        };
        Ok(Rate {
            requests,
            per: Duration::from_secs(seconds * count),
        })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.per.as_secs() {
            1 => write!(f, "{}/s", self.requests),
            60 => write!(f, "{}/min", self.requests),
            3600 => write!(f, "{}/h", self.requests),
            s => write!(f, "{}/{s}s", self.requests),
        }
    }
}

/// What to limit: a rate per host (`host` or `host:port`, as
/// [`super::http::host_of`] writes it), a rate for every other host, and
/// how many requests may be in flight at once in all.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// For hosts not in `hosts`; `None` = not limited.
    pub default: Option<Rate>,
    pub hosts: BTreeMap<String, Rate>,
    /// `None` = not bounded.
    pub max_in_flight: Option<usize>,
}

impl Limits {
    pub fn rate_for(&self, host: &str) -> Option<Rate> {
        self.hosts.get(host).copied().or(self.default)
    }
}

// ------------------------------------------------------------- the schedule

/// The schedule of one host's attempts (see the module comment), as pure
/// arithmetic over the instants it is given.
///
/// Attempts take numbered tickets in the order they ask; each is scheduled
/// in ticket order ([`Window::schedule`]) and later reports when it
/// finished ([`Window::finish`]) or that it never started
/// ([`Window::abandon`]).
#[derive(Debug)]
pub struct Window {
    rate: Rate,
    next_ticket: u64,
    /// Tickets below this have been scheduled (or abandoned).
    scheduled: u64,
    /// Tickets that got a start time.
    started: u64,
    last_start: Option<Instant>,
    abandoned: Vec<u64>,
    /// Every ticket below this has finished.
    finished_below: u64,
    /// Finish times of tickets at or above `finished_below` (`None`: it
    /// never started).
    finished_early: BTreeMap<u64, Option<Instant>>,
    /// `prefix[k - prefix_base]`: the latest finish among tickets `0..=k`.
    prefix: VecDeque<Option<Instant>>,
    prefix_base: u64,
}

impl Window {
    pub fn new(rate: Rate) -> Window {
        Window {
            rate,
            next_ticket: 0,
            scheduled: 0,
            started: 0,
            last_start: None,
            abandoned: Vec::new(),
            finished_below: 0,
            finished_early: BTreeMap::new(),
            prefix: VecDeque::new(),
            prefix_base: 0,
        }
    }

    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// The next ticket.
    pub fn ticket(&mut self) -> u64 {
        let t = self.next_ticket;
        self.next_ticket += 1;
        t
    }

    /// Tickets scheduled so far (attempts started or about to).
    pub fn started(&self) -> u64 {
        self.started
    }

    /// When ticket `t` may start, asked at `now`: `None` while an earlier
    /// ticket is not scheduled yet, or ticket `t − n` (or one before it)
    /// has not finished. Once it returns a time, `t` is scheduled.
    pub fn schedule(&mut self, t: u64, now: Instant) -> Option<Instant> {
        self.skip_abandoned();
        if t != self.scheduled {
            return None;
        }
        let n = u64::from(self.rate.requests.max(1));
        let mut start = now;
        if let Some(last) = self.last_start {
            start = start.max(last + self.rate.interval());
        }
        if t >= n {
            let k = t - n;
            if self.finished_below <= k {
                return None;
            }
            if let Some(Some(latest)) = self.prefix_at(k) {
                start = start.max(latest + self.rate.per);
            }
        }
        self.last_start = Some(start);
        self.scheduled += 1;
        self.started += 1;
        self.skip_abandoned();
        self.prune();
        Some(start)
    }

    /// Ticket `t` finished (its answer was read, or it failed) at `at`.
    pub fn finish(&mut self, t: u64, at: Instant) {
        self.record(t, Some(at));
    }

    /// Ticket `t` was scheduled but its caller gave up before sending it:
    /// it counts as finished `at` (later tickets were scheduled after it)
    /// but not as started.
    pub fn withdraw(&mut self, t: u64, at: Instant) {
        self.started = self.started.saturating_sub(1);
        self.finish(t, at);
    }

    /// Ticket `t` will never start (its caller was cancelled while
    /// waiting): later tickets do not wait for it.
    pub fn abandon(&mut self, t: u64) {
        if t >= self.scheduled {
            self.abandoned.push(t);
            self.skip_abandoned();
        }
        self.record(t, None);
    }

    fn skip_abandoned(&mut self) {
        while self.abandoned.contains(&self.scheduled) {
            self.scheduled += 1;
        }
        let scheduled = self.scheduled;
        self.abandoned.retain(|t| *t >= scheduled);
    }

    fn record(&mut self, t: u64, at: Option<Instant>) {
        if t < self.finished_below {
            return;
        }
        self.finished_early.insert(t, at);
        while let Some(at) = self.finished_early.remove(&self.finished_below) {
            let before = self.prefix.back().copied().flatten();
            let latest = match (before, at) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            self.prefix.push_back(latest);
            self.finished_below += 1;
        }
        self.prune();
    }

    fn prefix_at(&self, k: u64) -> Option<Option<Instant>> {
        let i = usize::try_from(k.checked_sub(self.prefix_base)?).ok()?;
        self.prefix.get(i).copied()
    }

    /// Keeps only what a ticket not yet scheduled can still ask for:
    /// `prefix[k]` for `k ≥ scheduled − n` (and the last one, which the
    /// next finish extends).
    fn prune(&mut self) {
        let n = u64::from(self.rate.requests.max(1));
        let keep_from = self.scheduled.saturating_sub(n);
        while self.prefix_base < keep_from && self.prefix.len() > 1 {
            self.prefix.pop_front();
            self.prefix_base += 1;
        }
    }
}

// ------------------------------------------------------------- the limiter

struct Host {
    window: Mutex<Window>,
    changed: Condvar,
}

/// The shared limiter of one [`super::http::Http`].
pub struct Limiter {
    limits: Limits,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    in_flight: Mutex<usize>,
    slot_freed: Condvar,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// How often a waiting attempt looks at its cancel flag.
const POLL: Duration = Duration::from_millis(20);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Limiter {
    pub fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            hosts: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(0),
            slot_freed: Condvar::new(),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Attempts started so far, per limited host.
    pub fn started(&self) -> BTreeMap<String, u64> {
        lock(&self.hosts)
            .iter()
            .map(|(h, host)| (h.clone(), lock(&host.window).started()))
            .collect()
    }

    /// Waits until an attempt to `host` may start (a slot in flight, then
    /// its turn in the host's schedule); the permit is held until the
    /// answer has been read. Stops waiting when `cancel` is set.
    pub fn acquire(&self, host: &str, cancel: &AtomicBool) -> Result<Permit<'_>, SourceError> {
        let mut permit = Permit {
            limiter: self,
            slot: false,
            ticket: None,
        };
        if let Some(max) = self.limits.max_in_flight {
            let mut n = lock(&self.in_flight);
            while *n >= max.max(1) {
                if cancel.load(Ordering::SeqCst) {
                    return Err(SourceError::Cancelled);
                }
                n = self
                    .slot_freed
                    .wait_timeout(n, POLL)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|p| p.into_inner().0);
            }
            *n += 1;
            permit.slot = true;
        }
        let Some(rate) = self.limits.rate_for(host) else {
            return Ok(permit);
        };
        let h = Arc::clone(lock(&self.hosts).entry(host.to_owned()).or_insert_with(|| {
            Arc::new(Host {
                window: Mutex::new(Window::new(rate)),
                changed: Condvar::new(),
            })
        }));
        let start = {
            let mut w = lock(&h.window);
            let t = w.ticket();
            loop {
                if let Some(start) = w.schedule(t, Instant::now()) {
                    permit.ticket = Some((Arc::clone(&h), t));
                    break start;
                }
                if cancel.load(Ordering::SeqCst) {
                    w.abandon(t);
                    h.changed.notify_all();
                    return Err(SourceError::Cancelled);
                }
                w = h
                    .changed
                    .wait_timeout(w, POLL)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|p| p.into_inner().0);
            }
        };
        // The next ticket may be schedulable now.
        h.changed.notify_all();
        while let Some(left) = start.checked_duration_since(Instant::now()) {
            if left.is_zero() {
                break;
            }
            if cancel.load(Ordering::SeqCst) {
                if let Some((h, t)) = permit.ticket.take() {
                    lock(&h.window).withdraw(t, Instant::now());
                    h.changed.notify_all();
                }
                return Err(SourceError::Cancelled);
            }
            std::thread::sleep(left.min(POLL));
        }
        Ok(permit)
    }
}

/// Leave to send one attempt; dropping it says the attempt finished.
pub struct Permit<'a> {
    limiter: &'a Limiter,
    slot: bool,
    ticket: Option<(Arc<Host>, u64)>,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some((h, t)) = self.ticket.take() {
            lock(&h.window).finish(t, Instant::now());
            h.changed.notify_all();
        }
        if self.slot {
            let mut n = lock(&self.limiter.in_flight);
            *n = n.saturating_sub(1);
            self.limiter.slot_freed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn rates_read_as_people_write_them() {
        assert_eq!(Rate::parse("100/s"), Ok(Rate::per_second(100)));
        assert_eq!(
            Rate::parse(" 100 "),
            Ok(Rate::per_second(100)),
            "per second by default"
        );
        assert_eq!(
            Rate::parse("600/min").map(|r| (r.requests, r.per)),
            Ok((600, Duration::from_secs(60)))
        );
        assert_eq!(
            Rate::parse("5/2s").map(|r| (r.requests, r.per)),
            Ok((5, Duration::from_secs(2)))
        );
        for bad in ["0/s", "-1/s", "fast", "10/fortnight", "1.5/s", "10/0s"] {
            let e = Rate::parse(bad).expect_err(bad);
            assert!(e.contains("100/s"), "{bad}: the error shows the form: {e}");
        }
        assert_eq!(Rate::per_second(100).interval(), ms(10));
        assert_eq!(Rate::parse("600/min").unwrap().to_string(), "600/min");
    }

    #[test]
    fn starts_are_spaced_by_the_interval() {
        let t0 = Instant::now();
        let mut w = Window::new(Rate::per_second(100));
        let starts: Vec<Instant> = (0..5)
            .map(|_| {
                let t = w.ticket();
                w.schedule(t, t0).expect("nothing to wait for yet")
            })
            .collect();
        for (i, s) in starts.iter().enumerate() {
            assert_eq!(
                *s - t0,
                ms(10) * i as u32,
                "ticket {i} 10 ms after the one before"
            );
        }
    }

    #[test]
    fn a_ticket_waits_for_its_turn() {
        let t0 = Instant::now();
        let mut w = Window::new(Rate::per_second(100));
        let (a, b) = (w.ticket(), w.ticket());
        assert_eq!(w.schedule(b, t0), None, "b cannot go before a");
        assert_eq!(w.schedule(a, t0), Some(t0));
        assert_eq!(w.schedule(b, t0), Some(t0 + ms(10)));
    }

    #[test]
    fn the_window_counts_from_when_answers_were_read() {
        // 3 per second: the 4th attempt waits for the 1st to finish, then
        // a whole second more.
        let t0 = Instant::now();
        let mut w = Window::new(Rate::per_second(3));
        let tickets: Vec<u64> = (0..4).map(|_| w.ticket()).collect();
        for &t in &tickets[..3] {
            assert!(w.schedule(t, t0).is_some());
        }
        assert_eq!(
            w.schedule(tickets[3], t0 + ms(900)),
            None,
            "attempt 0 has not finished: attempt 3 cannot be scheduled"
        );
        w.finish(tickets[1], t0 + ms(400));
        assert_eq!(
            w.schedule(tickets[3], t0 + ms(900)),
            None,
            "attempt 1 finishing does not free attempt 3: attempt 0 has not"
        );
        w.finish(tickets[0], t0 + ms(700));
        assert_eq!(
            w.schedule(tickets[3], t0 + ms(900)),
            Some(t0 + ms(1700)),
            "attempt 0 finished at 0.7 s (the latest of 0..=0): attempt 3 starts 1 s later"
        );
    }

    #[test]
    fn the_latest_finish_up_to_t_minus_n_counts() {
        let t0 = Instant::now();
        let mut w = Window::new(Rate::per_second(2));
        let tickets: Vec<u64> = (0..3).map(|_| w.ticket()).collect();
        w.schedule(tickets[0], t0).unwrap();
        w.schedule(tickets[1], t0).unwrap();
        // Ticket 0 finishes after ticket 1 (answers can come back out of order).
        w.finish(tickets[1], t0 + ms(100));
        w.finish(tickets[0], t0 + ms(300));
        assert_eq!(w.schedule(tickets[2], t0 + ms(300)), Some(t0 + ms(1300)));
    }

    #[test]
    fn an_abandoned_ticket_holds_nobody_up() {
        let t0 = Instant::now();
        let mut w = Window::new(Rate::per_second(1));
        let (a, b, c) = (w.ticket(), w.ticket(), w.ticket());
        assert_eq!(w.schedule(a, t0), Some(t0));
        // b waits for a (1 per second) and its caller gives up.
        assert_eq!(w.schedule(b, t0), None);
        w.abandon(b);
        w.finish(a, t0 + ms(50));
        assert_eq!(
            w.schedule(c, t0 + ms(60)),
            Some(t0 + ms(1050)),
            "c takes b's place: a's finish + 1 s"
        );
        assert_eq!(w.started(), 2, "the abandoned ticket never started");
    }

    #[test]
    fn old_finishes_are_forgotten() {
        let t0 = Instant::now();
        let mut w = Window::new(Rate::per_second(10));
        for i in 0..10_000u64 {
            let t = w.ticket();
            let s = w
                .schedule(t, t0 + ms(i))
                .expect("each finished before the next");
            w.finish(t, s + ms(1));
        }
        assert!(
            w.prefix.len() <= 11,
            "memory stays bounded by the rate: {} kept",
            w.prefix.len()
        );
    }

    #[test]
    fn requests_in_flight_are_bounded_and_a_wait_can_be_cancelled() {
        let limiter = Limiter::new(Limits {
            default: Some(Rate {
                requests: 1,
                per: Duration::from_secs(3600),
            }),
            hosts: BTreeMap::from([("free.example".to_owned(), Rate::per_second(1000))]),
            max_in_flight: Some(2),
        });
        let go = AtomicBool::new(false);
        let a = limiter.acquire("free.example", &go).unwrap();
        let b = limiter.acquire("free.example", &go).unwrap();
        // Timed from before the thread starts: a thread that starts late on
        // a loaded machine still cannot have got its permit before `a` went.
        let started = Instant::now();
        std::thread::scope(|s| {
            let third = s.spawn(|| {
                let p = limiter.acquire("free.example", &go).map(drop);
                (p, started.elapsed())
            });
            std::thread::sleep(ms(100));
            assert!(!third.is_finished(), "a third request waits: 2 in flight");
            drop(a);
            let (p, waited) = third.join().unwrap();
            assert!(p.is_ok());
            assert!(waited >= ms(100), "it went once one finished");
        });
        drop(b);

        // One request per hour to any other host: the second waits, until
        // its caller cancels.
        let first = limiter.acquire("slow.example", &go).unwrap();
        drop(first);
        let cancel = AtomicBool::new(false);
        std::thread::scope(|s| {
            let second = s.spawn(|| {
                let started = Instant::now();
                let r = limiter.acquire("slow.example", &cancel).map(drop);
                (r, started.elapsed())
            });
            std::thread::sleep(ms(100));
            cancel.store(true, Ordering::SeqCst);
            let (r, waited) = second.join().unwrap();
            assert!(matches!(r, Err(SourceError::Cancelled)), "{r:?}");
            assert!(
                waited < Duration::from_secs(5),
                "cancelled promptly: {waited:?}"
            );
        });
        assert_eq!(
            limiter.started().get("slow.example"),
            Some(&1),
            "the cancelled request never started"
        );
    }

    proptest! {
        /// Whatever the latencies and the moments the provider sees each
        /// request (anywhere between sending and the answer being read),
        /// no window of `per` ever holds more than `n` requests.
        #[test]
        fn no_sliding_window_ever_holds_more_than_n(
            n in 1u32..6,
            per_ms in 50u64..400,
            jobs in proptest::collection::vec((0u64..200, 0.0f64..1.0, 0u64..40), 1..60),
        ) {
            let t0 = Instant::now();
            let rate = Rate { requests: n, per: ms(per_ms) };
            let mut w = Window::new(rate);
            // Tickets are taken in order; each asks when the one before
            // was scheduled (a busy caller), then runs for its latency.
            let mut arrivals = Vec::new();
            let mut pending: Vec<(u64, Instant)> = Vec::new(); // (ticket, finish)
            let mut now = t0;
            for (latency, seen_at, gap) in jobs {
                now += ms(gap);
                let t = w.ticket();
                let start = loop {
                    if let Some(s) = w.schedule(t, now) { break s; }
                    // Let the earliest pending attempt finish.
                    pending.sort_by_key(|p| p.1);
                    let (done, at) = pending.remove(0);
                    now = now.max(at);
                    w.finish(done, at);
                };
                let finish = start + ms(latency + 1);
                let arrival = start + (finish - start).mul_f64(seen_at.clamp(0.0001, 0.9999));
                arrivals.push(arrival);
                pending.push((t, finish));
            }
            arrivals.sort();
            let n = n as usize;
            for i in n..arrivals.len() {
                prop_assert!(
                    arrivals[i] - arrivals[i - n] > rate.per,
                    "requests {} and {} reached the provider {:?} apart (limit {} per {:?})",
                    i - n, i, arrivals[i] - arrivals[i - n], n, rate.per
                );
            }
        }
    }
}
