//! Proleptic Gregorian day arithmetic on plain integers, for the hot paths.

/// Seconds in a civil day.
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number since 1970-01-01.
pub const fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// Whether a Gregorian year is a leap year.
pub const fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in a month of a year.
pub const fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Weekday of a day number, 0 = Monday … 6 = Sunday.
pub const fn weekday(days: i64) -> usize {
    (days + 3).rem_euclid(7) as usize
}

/// The same day `months` months later, clamped to the last day of the target month.
pub const fn add_months(days: i64, months: i64) -> i64 {
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + (m - 1) + months;
    let ny = total.div_euclid(12);
    let nm = total.rem_euclid(12) + 1;
    let dim = days_in_month(ny, nm);
    days_from_civil(ny, nm, if d > dim { dim } else { d })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_day_1900_to_2300() {
        for z in days_from_civil(1900, 1, 1)..days_from_civil(2300, 1, 1) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
            assert!((1..=days_in_month(y, m)).contains(&d));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(weekday(days_from_civil(2026, 11, 27)), 4); // a Friday
    }

    #[test]
    fn add_months_clamps_to_the_last_day() {
        let jan31 = days_from_civil(2026, 1, 31);
        assert_eq!(civil_from_days(add_months(jan31, 1)), (2026, 2, 28));
        assert_eq!(
            civil_from_days(add_months(days_from_civil(2028, 1, 31), 1)),
            (2028, 2, 29)
        );
        assert_eq!(
            civil_from_days(add_months(days_from_civil(2026, 12, 15), 1)),
            (2027, 1, 15)
        );
    }
}
