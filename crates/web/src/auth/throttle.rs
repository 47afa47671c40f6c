//! Rate limits in fixed windows: login attempts per client address, anonymous reports per
//! address and per phone.
//!
//! Keys live in two generations of maps, each spanning one window: when a window has passed the
//! older generation is dropped whole and the current one becomes the older (issue 9 R4). A key's
//! own window starts at its first attempt, so it ends before the generation after next begins;
//! dropping a whole generation therefore never forgets a live window, and no request ever scans
//! the map. A hard cap bounds memory: past it, the older generation is dropped early, and if the
//! current one alone is full, new keys are refused (fail closed) until the window turns.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept at most (both generations together) unless [`Throttle::with_cap`] says otherwise.
pub const DEFAULT_CAP: usize = 500_000;

#[derive(Debug)]
struct Generations<K> {
    /// When the current generation began.
    started: Instant,
    current: HashMap<K, (Instant, u32)>,
    older: HashMap<K, (Instant, u32)>,
}

#[derive(Debug)]
pub struct Throttle<K = Option<IpAddr>> {
    max: u32,
    window: Duration,
    cap: usize,
    seen: Mutex<Generations<K>>,
}

impl<K: Eq + Hash> Throttle<K> {
    pub fn new(max: u32, window: Duration) -> Throttle<K> {
        Throttle::with_cap(max, window, DEFAULT_CAP)
    }

    /// A throttle that keeps at most `cap` keys.
    pub fn with_cap(max: u32, window: Duration, cap: usize) -> Throttle<K> {
        let gens = Generations { started: Instant::now(), current: HashMap::new(), older: HashMap::new() };
        Throttle { max, window: window.max(Duration::from_millis(1)), cap: cap.max(2), seen: Mutex::new(gens) }
    }

    /// Counts an attempt; `Err(wait)` when the key has used up its window.
    pub fn attempt(&self, key: K) -> Result<(), Duration> {
        self.attempt_at(key, Instant::now())
    }

    /// [`Throttle::attempt`] at a given instant (tests drive time by hand).
    pub fn attempt_at(&self, key: K, now: Instant) -> Result<(), Duration> {
        let mut g = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let since = now.saturating_duration_since(g.started);
        if since >= self.window * 2 {
            g.older.clear();
            g.current.clear();
            g.started = now;
        } else if since >= self.window {
            let current = std::mem::take(&mut g.current);
            g.older = current;
            g.started += self.window;
        }
        let entry = match g.current.remove(&key).or_else(|| g.older.remove(&key)) {
            Some(e) if now.saturating_duration_since(e.0) < self.window => e,
            _ => {
                if g.current.len() + g.older.len() >= self.cap {
                    g.older = HashMap::new();
                }
                if g.current.len() >= self.cap {
                    // Fail closed: a flood of new keys cannot push out live counts.
                    return Err(self.window.saturating_sub(now.saturating_duration_since(g.started)));
                }
                (now, 0)
            }
        };
        let (start, count) = entry;
        if count >= self.max {
            g.current.insert(key, entry);
            return Err(self.window.saturating_sub(now.saturating_duration_since(start)));
        }
        g.current.insert(key, (start, count + 1));
        Ok(())
    }

    /// Keys held now (both generations).
    pub fn len(&self) -> usize {
        let g = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        g.current.len() + g.older.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_max_in_window() {
        let t: Throttle = Throttle::new(2, Duration::from_secs(60));
        let ip: Option<IpAddr> = Some("127.0.0.1".parse().unwrap());
        assert!(t.attempt(ip).is_ok());
        assert!(t.attempt(ip).is_ok());
        assert!(t.attempt(ip).is_err());
        assert!(t.attempt(Some("127.0.0.2".parse().unwrap())).is_ok(), "other addresses are unaffected");
    }

    /// Issue 9 R4: 200,000 distinct keys stay bounded, windows still expire exactly.
    #[test]
    fn many_keys_stay_bounded_and_windows_expire_r4() {
        let window = Duration::from_secs(60);
        let t: Throttle<u64> = Throttle::with_cap(3, window, 50_000);
        let t0 = Instant::now();
        let mut at = t0;
        for k in 0..200_000u64 {
            at = t0 + Duration::from_micros(k * 1_500); // 200,000 keys over 300 s: five windows
            assert!(t.attempt_at(k, at).is_ok(), "key {k} refused below the cap");
            assert!(t.len() <= 50_000, "memory is bounded: {} keys", t.len());
        }
        // A key that used its window is refused until the window ends, and only until then.
        let k = 1_000_000u64;
        for _ in 0..3 {
            t.attempt_at(k, at).unwrap();
        }
        let wait = t.attempt_at(k, at + Duration::from_secs(30)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(30));
        assert!(t.attempt_at(k, at + Duration::from_secs(59)).is_err(), "still inside its window");
        assert!(t.attempt_at(k, at + window).is_ok(), "a new window");
        // Long quiet: everything is forgotten.
        assert!(t.attempt_at(7, at + window * 5).is_ok());
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn a_window_spanning_a_generation_turn_is_kept() {
        let window = Duration::from_secs(10);
        let t: Throttle<u32> = Throttle::new(1, window);
        let t0 = Instant::now();
        t.attempt_at(0, t0).unwrap();
        t.attempt_at(1, t0 + Duration::from_secs(9)).unwrap();
        // The generation turns at 10 s; key 1's window lasts until 19 s.
        assert!(t.attempt_at(1, t0 + Duration::from_secs(12)).is_err());
        assert!(t.attempt_at(1, t0 + Duration::from_secs(18)).is_err(), "still live");
        assert!(t.attempt_at(1, t0 + Duration::from_secs(19)).is_ok(), "its own window ended");
        assert!(t.attempt_at(1, t0 + Duration::from_secs(21)).is_err(), "a new window, counted across the turn");
    }

    #[test]
    fn a_full_map_refuses_new_keys_but_keeps_counting_known_ones() {
        let t: Throttle<u32> = Throttle::with_cap(1, Duration::from_secs(60), 4);
        let t0 = Instant::now();
        for k in 0..4 {
            t.attempt_at(k, t0).unwrap();
        }
        assert!(t.attempt_at(99, t0).is_err(), "fails closed at the cap");
        assert!(t.attempt_at(0, t0).is_err(), "known keys still counted");
        assert!(t.attempt_at(99, t0 + Duration::from_secs(61)).is_ok(), "the next window has room");
    }
}

/// Consecutive login failures per (account name, client address), each past the first few
/// adding a delay that doubles up to a ceiling (issue 9 item 12). Keyed on the pair, an attacker
/// elsewhere cannot keep an account's owner out, and unknown names are counted exactly like real
/// ones. The store's clock drives it (tests advance it); entries idle for two ceilings are
/// dropped a generation at a time, as in [`Throttle`].
#[derive(Debug)]
pub struct Backoff {
    free: u32,
    ceiling: chrono::Duration,
    cap: usize,
    gens: Mutex<BackoffGens>,
}

type BackoffKey = (String, Option<IpAddr>);

#[derive(Debug, Default)]
struct BackoffGens {
    started: Option<chrono::DateTime<chrono::Utc>>,
    /// key → (failures, blocked until)
    current: HashMap<BackoffKey, (u32, chrono::DateTime<chrono::Utc>)>,
    older: HashMap<BackoffKey, (u32, chrono::DateTime<chrono::Utc>)>,
}

impl Backoff {
    /// `free` failures without delay, then 1 s, 2 s, 4 s … up to `ceiling`.
    pub fn new(free: u32, ceiling: chrono::Duration) -> Backoff {
        let ceiling = ceiling.max(chrono::Duration::seconds(1));
        Backoff { free, ceiling, cap: DEFAULT_CAP, gens: Mutex::new(BackoffGens::default()) }
    }

    fn key(name: &str, ip: Option<IpAddr>) -> BackoffKey {
        (name.trim().to_lowercase(), ip)
    }

    fn lock(&self, now: chrono::DateTime<chrono::Utc>) -> std::sync::MutexGuard<'_, BackoffGens> {
        let mut g = self.gens.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.ceiling * 2;
        let started = *g.started.get_or_insert(now);
        if now - started >= window * 2 {
            g.current.clear();
            g.older.clear();
            g.started = Some(now);
        } else if now - started >= window {
            let current = std::mem::take(&mut g.current);
            g.older = current;
            g.started = Some(started + window);
        }
        g
    }

    /// `Err(seconds)` while the pair must wait.
    pub fn check(&self, name: &str, ip: Option<IpAddr>, now: chrono::DateTime<chrono::Utc>) -> Result<(), i64> {
        let g = self.lock(now);
        let key = Backoff::key(name, ip);
        match g.current.get(&key).or_else(|| g.older.get(&key)) {
            Some((_, until)) if *until > now => Err(((*until - now).num_milliseconds() + 999) / 1000),
            _ => Ok(()),
        }
    }

    /// Counts a failure and sets the next delay.
    pub fn failure(&self, name: &str, ip: Option<IpAddr>, now: chrono::DateTime<chrono::Utc>) {
        let mut g = self.lock(now);
        let key = Backoff::key(name, ip);
        let failures = g.current.remove(&key).or_else(|| g.older.remove(&key)).map_or(0, |e| e.0) + 1;
        let until = if failures > self.free {
            let doublings = (failures - self.free - 1).min(30);
            now + chrono::Duration::seconds(1i64 << doublings).min(self.ceiling)
        } else {
            now
        };
        if g.current.len() + g.older.len() >= self.cap {
            g.older = HashMap::new();
        }
        if g.current.len() < self.cap {
            g.current.insert(key, (failures, until));
        }
    }

    /// A successful login forgets the pair's failures.
    pub fn success(&self, name: &str, ip: Option<IpAddr>, now: chrono::DateTime<chrono::Utc>) {
        let mut g = self.lock(now);
        let key = Backoff::key(name, ip);
        g.current.remove(&key);
        g.older.remove(&key);
    }
}

#[cfg(test)]
mod backoff_tests {
    use super::*;

    #[test]
    fn delays_grow_per_account_and_address() {
        let b = Backoff::new(3, chrono::Duration::minutes(15));
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let a: Option<IpAddr> = Some("203.0.113.1".parse().unwrap());
        let other: Option<IpAddr> = Some("198.51.100.2".parse().unwrap());
        for _ in 0..3 {
            assert!(b.check("Admin", a, t0).is_ok());
            b.failure("admin", a, t0);
        }
        assert!(b.check("admin", a, t0).is_ok(), "three failures are free");
        b.failure("admin", a, t0);
        assert_eq!(b.check("admin", a, t0), Err(1));
        b.failure("admin", a, t0);
        assert_eq!(b.check("admin", a, t0), Err(2));
        for _ in 0..20 {
            b.failure("admin", a, t0);
        }
        assert_eq!(b.check("admin", a, t0), Err(900), "capped at the ceiling");
        assert!(b.check("admin", other, t0).is_ok(), "the owner elsewhere is not kept out");
        assert!(b.check("admin", a, t0 + chrono::Duration::minutes(15)).is_ok());
        b.success("admin", a, t0 + chrono::Duration::minutes(15));
        b.failure("admin", a, t0 + chrono::Duration::minutes(16));
        assert!(b.check("admin", a, t0 + chrono::Duration::minutes(16)).is_ok(), "success starts over");
    }
}
