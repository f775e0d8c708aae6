//! Meta words token expiry in California time (`Friday, 13-Jun-25 10:00:00 PDT`), whatever
//! the caller's zone, switching between PDT and PST with US daylight-saving rules.

use time::macros::format_description;
use time::{Month, OffsetDateTime, UtcOffset, Weekday};

/// `Error validating access token: Session has expired on Friday, 13-Jun-25 10:00:00 PDT.
/// The current time is Monday, 16-Jun-25 09:00:00 PDT.` Meta words both times in
/// California time whatever the caller's zone.
pub(crate) fn session_expired_message(expired_at: i64, now: i64) -> String {
    format!(
        "Error validating access token: Session has expired on {}. The current time is {}.",
        pacific_time(expired_at),
        pacific_time(now)
    )
}

pub(crate) fn pacific_time(unix: i64) -> String {
    let utc = OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let (offset_hours, zone) = if is_us_daylight_time(utc) { (-7, "PDT") } else { (-8, "PST") };
    let offset = UtcOffset::from_hms(offset_hours, 0, 0).unwrap_or(UtcOffset::UTC);
    let local = utc.to_offset(offset);
    let stamp = local
        .format(format_description!("[day]-[month repr:short]-[year repr:last_two] [hour]:[minute]:[second]"))
        .unwrap_or_default();
    format!("{}, {stamp} {zone}", local.weekday())
}

/// US daylight time: from 02:00 PST on the second Sunday of March to 02:00 PDT on the
/// first Sunday of November (10:00 and 09:00 UTC respectively).
fn is_us_daylight_time(utc: OffsetDateTime) -> bool {
    let year = utc.year();
    let start = nth_sunday(year, Month::March, 2).replace_hour(10);
    let end = nth_sunday(year, Month::November, 1).replace_hour(9);
    match (start, end) {
        (Ok(start), Ok(end)) => utc >= start && utc < end,
        _ => false,
    }
}

fn nth_sunday(year: i32, month: Month, nth: u8) -> OffsetDateTime {
    let first = time::Date::from_calendar_date(year, month, 1).unwrap_or(time::Date::MIN);
    let days_to_sunday = first.weekday().number_days_from_sunday();
    let first_sunday = first + time::Duration::days(i64::from((7 - days_to_sunday) % 7));
    let sunday = first_sunday + time::Duration::weeks(i64::from(nth - 1));
    debug_assert_eq!(sunday.weekday(), Weekday::Sunday);
    sunday.midnight().assume_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_message_uses_pacific_daylight_time_in_summer() {
        // 2025-06-13 17:00:00 UTC is 10:00 PDT, 2025-06-16 16:00:00 UTC is 09:00 PDT.
        let message = session_expired_message(1_749_834_000, 1_750_089_600);
        assert_eq!(
            message,
            "Error validating access token: Session has expired on Friday, 13-Jun-25 10:00:00 PDT. The current time is Monday, 16-Jun-25 09:00:00 PDT."
        );
    }

    #[test]
    fn expiry_message_uses_pacific_standard_time_in_winter() {
        // 2025-01-15 20:00:00 UTC is 12:00 PST.
        assert_eq!(pacific_time(1_736_971_200), "Wednesday, 15-Jan-25 12:00:00 PST");
    }
}
