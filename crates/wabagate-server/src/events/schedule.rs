//! When a failed delivery is tried again: after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
//! 14 h, 20 h and 24 h (about 3 days in all), each ±20 % so that endpoints coming back
//! are not hit by every retry at once; an endpoint's `Retry-After` is honoured instead (up
//! to a day). After the tenth attempt the delivery is dead.

use std::time::Duration;

use rand::Rng;

const HOUR: u64 = 60 * 60;
/// The pause after each failed attempt, before jitter.
pub(crate) const RETRY_DELAYS: [Duration; 9] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * HOUR),
    Duration::from_secs(5 * HOUR),
    Duration::from_secs(10 * HOUR),
    Duration::from_secs(14 * HOUR),
    Duration::from_secs(20 * HOUR),
    Duration::from_secs(24 * HOUR),
];
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * HOUR);

/// The pause after attempt number `attempt` (from 1) failed; `None` when it was the last.
pub(crate) fn retry_delay(attempt: u32, retry_after: Option<Duration>, rng: &mut impl Rng) -> Option<Duration> {
    let planned = RETRY_DELAYS.get(usize::try_from(attempt).ok()?.checked_sub(1)?)?;
    if let Some(asked) = retry_after {
        return Some(asked.min(MAX_RETRY_AFTER));
    }
    Some(planned.mul_f64(rng.gen_range(0.8..=1.2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_follow_the_schedule_within_the_jitter_and_end_after_ten_attempts() {
        let mut rng = rand::thread_rng();
        for (index, planned) in RETRY_DELAYS.iter().enumerate() {
            let attempt = u32::try_from(index + 1).unwrap();
            let delay = retry_delay(attempt, None, &mut rng).unwrap();
            assert!(delay >= planned.mul_f64(0.8) && delay <= planned.mul_f64(1.2), "attempt {attempt}: {delay:?}");
        }
        assert_eq!(retry_delay(10, None, &mut rng), None);
        assert_eq!(retry_delay(1, Some(Duration::from_secs(7)), &mut rng), Some(Duration::from_secs(7)));
        assert_eq!(retry_delay(10, Some(Duration::from_secs(7)), &mut rng), None);
    }
}
