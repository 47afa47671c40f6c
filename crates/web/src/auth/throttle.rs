//! Rate limits in fixed windows: login attempts per client address, anonymous reports per
//! address and per phone. (Consecutive login failures per account are counted in the database,
//! so an account locks across all server processes.)

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Throttle<K = Option<IpAddr>> {
    max: u32,
    window: Duration,
    seen: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Eq + Hash> Throttle<K> {
    pub fn new(max: u32, window: Duration) -> Throttle<K> {
        Throttle { max, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt; `Err(wait)` when the key has used up its window.
    pub fn attempt(&self, ip: K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut seen = self.seen.lock().expect("throttle lock");
        if seen.len() > 100_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.max {
            return Err(self.window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
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
}
