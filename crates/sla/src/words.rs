//! Words for people: weekday and month names, local date-times, business durations, and why a clock starts when it does.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::calendar::{Calendar, CalendarError, Window};
use crate::civil::{self, DAY};
use crate::duration::Lang;

const WEEKDAY_ABBR_NL: [&str; 7] = ["ma", "di", "wo", "do", "vr", "za", "zo"];
const WEEKDAY_ABBR_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WEEKDAY_NL: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];
const WEEKDAY_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTH_ABBR_NL: [&str; 12] = [
    "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];
const MONTH_ABBR_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Abbreviated weekday, 0 = Monday (taken modulo 7): `ma` … `zo`, `Mon` … `Sun`.
pub fn weekday_abbr(weekday: usize, lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => WEEKDAY_ABBR_NL[weekday % 7],
        Lang::En => WEEKDAY_ABBR_EN[weekday % 7],
    }
}

/// Full weekday name, 0 = Monday (taken modulo 7): `maandag`, `Monday`.
pub fn weekday_name(weekday: usize, lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => WEEKDAY_NL[weekday % 7],
        Lang::En => WEEKDAY_EN[weekday % 7],
    }
}

/// Abbreviated month, 1 = January (other numbers wrap around): `mrt`, `Mar`.
pub fn month_abbr(month: i64, lang: Lang) -> &'static str {
    let i = (month - 1).rem_euclid(12) as usize;
    match lang {
        Lang::Nl => MONTH_ABBR_NL[i],
        Lang::En => MONTH_ABBR_EN[i],
    }
}

/// A time of day from seconds after midnight: `09:00`, `17:30:15`; 86 400 is `24:00`.
pub fn time_of_day(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// A local civil day (days since 1970-01-01) in words: `ma 30 nov 2026`, `Mon 30 Nov 2026`.
pub fn format_day(day: i64, lang: Lang) -> String {
    let (y, m, d) = civil::civil_from_days(day);
    format!(
        "{} {d} {} {y}",
        weekday_abbr(civil::weekday(day), lang),
        month_abbr(m, lang)
    )
}

/// A local civil second in words: `ma 30 nov 2026 09:00` (`:SS` added when not zero).
pub fn format_civil(local: i64, lang: Lang) -> String {
    let day = local.div_euclid(DAY);
    let tod = local.rem_euclid(DAY) as u32;
    format!("{} {}", format_day(day, lang), time_of_day(tod))
}

/// An instant (UTC seconds) in the calendar's local time: `ma 30 nov 2026 09:00`, `Mon 30 Nov 2026 09:00`.
pub fn format_local(calendar: &Calendar, utc_seconds: i64, lang: Lang) -> String {
    format_civil(calendar.utc_to_local(utc_seconds), lang)
}

/// An instant in the calendar's local time, without the year when it lies in the local year of
/// `now_utc`: `ma 30 nov 09:00`, `Mon 30 Nov 09:00`; else `ma 30 nov 2026 09:00`.
pub fn format_local_short(
    calendar: &Calendar,
    utc_seconds: i64,
    now_utc: i64,
    lang: Lang,
) -> String {
    let local = calendar.utc_to_local(utc_seconds);
    let day = local.div_euclid(DAY);
    let (y, m, d) = civil::civil_from_days(day);
    let (this_year, _, _) = civil::civil_from_days(calendar.utc_to_local(now_utc).div_euclid(DAY));
    let time = time_of_day(local.rem_euclid(DAY) as u32);
    let weekday = weekday_abbr(civil::weekday(day), lang);
    let month = month_abbr(m, lang);
    if y == this_year {
        format!("{weekday} {d} {month} {time}")
    } else {
        format!("{weekday} {d} {month} {y} {time}")
    }
}

/// The weekday and time of an instant in the calendar's local time: `ma 13:00`, `Mon 13:00`
/// (for an instant on a day already named nearby).
pub fn format_local_weekday_time(calendar: &Calendar, utc_seconds: i64, lang: Lang) -> String {
    let local = calendar.utc_to_local(utc_seconds);
    format!(
        "{} {}",
        weekday_abbr(civil::weekday(local.div_euclid(DAY)), lang),
        time_of_day(local.rem_euclid(DAY) as u32)
    )
}

/// Whether two instants fall on the same local date of the calendar.
pub fn same_local_day(calendar: &Calendar, a_utc: i64, b_utc: i64) -> bool {
    calendar.utc_to_local(a_utc).div_euclid(DAY) == calendar.utc_to_local(b_utc).div_euclid(DAY)
}

/// Business time left, in whole hours and minutes (seconds dropped): `4 u 0 m`, `2 h 10 m`,
/// `45 m`; a negative amount (overrun) gets a minus sign.
pub fn hours_minutes(seconds: i64, lang: Lang) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let abs = seconds.unsigned_abs();
    let (h, m) = (abs / 3600, abs % 3600 / 60);
    let hour = match lang {
        Lang::Nl => "u",
        Lang::En => "h",
    };
    if h > 0 {
        format!("{sign}{h} {hour} {m} m")
    } else {
        format!("{sign}{m} m")
    }
}

/// A business duration in hours and minutes: `2 u 10 m`, `2 h 10 m` (`0 m` for zero, `s` for stray seconds).
pub fn business_duration(seconds: i64, lang: Lang) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let abs = seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs % 3600 / 60, abs % 60);
    let hour = match lang {
        Lang::Nl => "u",
        Lang::En => "h",
    };
    let mut parts = Vec::with_capacity(3);
    if h > 0 {
        parts.push(format!("{h} {hour}"));
    }
    if m > 0 || (h == 0 && s == 0) {
        parts.push(format!("{m} m"));
    }
    if s > 0 {
        parts.push(format!("{s} s"));
    }
    format!("{sign}{}", parts.join(" "))
}

/// The English name of a Dutch public holiday name, if it is one of the `NL` set.
pub fn holiday_name_en(dutch: &str) -> Option<&'static str> {
    Some(match dutch {
        "Nieuwjaarsdag" => "New Year's Day",
        "Goede Vrijdag" => "Good Friday",
        "Eerste Paasdag" => "Easter Sunday",
        "Tweede Paasdag" => "Easter Monday",
        "Koningsdag" => "King's Day",
        "Koninginnedag" => "Queen's Day",
        "Bevrijdingsdag" => "Liberation Day",
        "Hemelvaartsdag" => "Ascension Day",
        "Eerste Pinksterdag" => "Whit Sunday",
        "Tweede Pinksterdag" => "Whit Monday",
        "Eerste Kerstdag" => "Christmas Day",
        "Tweede Kerstdag" => "Boxing Day",
        _ => return None,
    })
}

/// Why the service window is open or closed at an instant, and so why a clock starts when it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockStartReason {
    /// Inside a window: the clock runs from the instant itself.
    Open,
    /// Before the day's first window opens.
    BeforeOpening {
        /// When the first window opens, in seconds after local midnight.
        opens: u32,
    },
    /// After the day's last window has closed.
    AfterClosing {
        /// When the last window closed, in seconds after local midnight.
        closed: u32,
    },
    /// Between two windows of the same day.
    BetweenWindows {
        /// When the earlier window closed, in seconds after local midnight.
        closed: u32,
        /// When the later window opens, in seconds after local midnight.
        opens: u32,
    },
    /// A weekday without any window (the weekend in the standard agreement).
    NoWindows {
        /// The weekday, 0 = Monday.
        weekday: usize,
    },
    /// A public holiday (several names when holidays share the date).
    Holiday {
        /// The Dutch names, e.g. `Tweede Kerstdag`.
        names: Vec<&'static str>,
    },
    /// An extra closed date of the agreement (company closure).
    ClosedDate,
    /// Closed for another reason (a time skipped by a daylight-saving change).
    Closed,
}

impl ClockStartReason {
    /// The reason with its frame: `binnen Service Window 1: de klok loopt direct`, `buiten Service Window 1: na sluitingstijd 17:30`.
    pub fn describe(&self, lang: Lang) -> String {
        let frame = match (self, lang) {
            (ClockStartReason::Open, Lang::Nl) => "binnen Service Window 1",
            (ClockStartReason::Open, Lang::En) => "inside Service Window 1",
            (_, Lang::Nl) => "buiten Service Window 1",
            (_, Lang::En) => "outside Service Window 1",
        };
        let detail = self.detail(lang);
        if detail.is_empty() {
            frame.to_string()
        } else {
            format!("{frame}: {detail}")
        }
    }

    /// The reason alone: `de klok loopt direct`, `na sluitingstijd 17:30`, `feestdag Tweede Kerstdag`.
    pub fn detail(&self, lang: Lang) -> String {
        match (self, lang) {
            (ClockStartReason::Open, Lang::Nl) => "de klok loopt direct".into(),
            (ClockStartReason::Open, Lang::En) => "the clock runs at once".into(),
            (ClockStartReason::BeforeOpening { opens }, Lang::Nl) => {
                format!("voor openingstijd {}", time_of_day(*opens))
            }
            (ClockStartReason::BeforeOpening { opens }, Lang::En) => {
                format!("before opening time {}", time_of_day(*opens))
            }
            (ClockStartReason::AfterClosing { closed }, Lang::Nl) => {
                format!("na sluitingstijd {}", time_of_day(*closed))
            }
            (ClockStartReason::AfterClosing { closed }, Lang::En) => {
                format!("after closing time {}", time_of_day(*closed))
            }
            (ClockStartReason::BetweenWindows { closed, opens }, Lang::Nl) => format!(
                "tussen sluiting {} en heropening {}",
                time_of_day(*closed),
                time_of_day(*opens)
            ),
            (ClockStartReason::BetweenWindows { closed, opens }, Lang::En) => format!(
                "between closing {} and reopening {}",
                time_of_day(*closed),
                time_of_day(*opens)
            ),
            (ClockStartReason::NoWindows { weekday }, _) if *weekday >= 5 => {
                format!("weekend, {}", weekday_name(*weekday, lang))
            }
            (ClockStartReason::NoWindows { weekday }, Lang::Nl) => {
                format!("geen servicevenster op {}", weekday_name(*weekday, lang))
            }
            (ClockStartReason::NoWindows { weekday }, Lang::En) => {
                format!("no service window on {}", weekday_name(*weekday, lang))
            }
            (ClockStartReason::Holiday { names }, Lang::Nl) => {
                let word = if names.len() == 1 {
                    "feestdag"
                } else {
                    "feestdagen"
                };
                format!("{word} {}", names.join(" en "))
            }
            (ClockStartReason::Holiday { names }, Lang::En) => {
                let word = if names.len() == 1 {
                    "public holiday"
                } else {
                    "public holidays"
                };
                let named: Vec<String> = names
                    .iter()
                    .map(|n| match holiday_name_en(n) {
                        Some(en) => format!("{n} ({en})"),
                        None => (*n).to_string(),
                    })
                    .collect();
                format!("{word} {}", named.join(" and "))
            }
            (ClockStartReason::ClosedDate, Lang::Nl) => {
                "sluitingsdag volgens de overeenkomst".into()
            }
            (ClockStartReason::ClosedDate, Lang::En) => "closing day under the agreement".into(),
            (ClockStartReason::Closed, _) => String::new(),
        }
    }
}

/// How a local civil day is treated by the calendar: closed all day (and why), or its windows.
enum DayRule {
    Closed(ClockStartReason),
    Windows(Vec<Window>),
}

/// The civil date of a day number, as a jiff date.
fn date_of(day: i64) -> Result<Date, CalendarError> {
    let (y, m, d) = civil::civil_from_days(day);
    let out_of_range = || CalendarError::OutOfRange(format!("{y:04}-{m:02}-{d:02}"));
    let y = i16::try_from(y).map_err(|_| out_of_range())?;
    Date::new(y, m as i8, d as i8).map_err(|_| out_of_range())
}

/// The rule of a local day, with the precedence the calendar compiles with:
/// closed dates, then open dates, then holidays, then the weekly windows.
fn day_rule(calendar: &Calendar, day: i64) -> Result<DayRule, CalendarError> {
    let spec = calendar.spec();
    let date = date_of(day)?;
    let weekday = civil::weekday(day);
    if spec.closed_dates.contains(&date) {
        return Ok(DayRule::Closed(ClockStartReason::ClosedDate));
    }
    let mut windows = spec.weekly[weekday].clone();
    if spec.open_dates.contains(&date) {
        if windows.is_empty() {
            windows = spec
                .weekly
                .iter()
                .find(|w| !w.is_empty())
                .cloned()
                .unwrap_or_default();
        }
    } else {
        let names: Vec<&'static str> = spec
            .holidays
            .holidays(date.year())
            .into_iter()
            .filter(|h| h.date == date)
            .map(|h| h.name)
            .collect();
        if !names.is_empty() {
            return Ok(DayRule::Closed(ClockStartReason::Holiday { names }));
        }
    }
    if windows.is_empty() {
        return Ok(DayRule::Closed(ClockStartReason::NoWindows { weekday }));
    }
    windows.sort();
    Ok(DayRule::Windows(windows))
}

/// Why the calendar is open or closed at an instant (UTC seconds): the reason its clock starts then or later.
pub fn clock_start_reason(
    calendar: &Calendar,
    utc_seconds: i64,
) -> Result<ClockStartReason, CalendarError> {
    let ts = Timestamp::from_second(utc_seconds)
        .map_err(|_| CalendarError::OutOfRange(format!("{utc_seconds} s")))?;
    if calendar.is_open(ts)? {
        return Ok(ClockStartReason::Open);
    }
    let local = calendar.utc_to_local(utc_seconds);
    let day = local.div_euclid(DAY);
    let tod = local.rem_euclid(DAY) as u32;
    let windows = match day_rule(calendar, day)? {
        DayRule::Closed(reason) => return Ok(reason),
        DayRule::Windows(w) => w,
    };
    let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
        return Ok(ClockStartReason::Closed);
    };
    if tod < first.start() {
        return Ok(ClockStartReason::BeforeOpening {
            opens: first.start(),
        });
    }
    if tod >= last.end() {
        return Ok(ClockStartReason::AfterClosing { closed: last.end() });
    }
    Ok(windows
        .windows(2)
        .find(|p| p[0].end() <= tod && tod < p[1].start())
        .map_or(ClockStartReason::Closed, |p| {
            ClockStartReason::BetweenWindows {
                closed: p[0].end(),
                opens: p[1].start(),
            }
        }))
}

/// Days strictly between two instants' local dates that would have windows but are closed
/// (holidays and closed dates), as local day numbers with the reason; at most `limit` of them.
pub fn closures_between(
    calendar: &Calendar,
    from_utc: i64,
    to_utc: i64,
    limit: usize,
) -> Result<Vec<(i64, ClockStartReason)>, CalendarError> {
    let first = calendar.utc_to_local(from_utc).div_euclid(DAY) + 1;
    let end = calendar.utc_to_local(to_utc).div_euclid(DAY);
    let mut out = Vec::new();
    let mut day = first;
    while day < end && out.len() < limit {
        if !calendar.spec().weekly[civil::weekday(day)].is_empty()
            && let DayRule::Closed(reason) = day_rule(calendar, day)?
        {
            out.push((day, reason));
        }
        day += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;
    use crate::rfc3339;

    fn sw1() -> Calendar {
        Calendar::new(CalendarSpec::service_window_1()).unwrap()
    }

    fn at(s: &str) -> i64 {
        rfc3339::parse(s).unwrap()
    }

    #[test]
    fn names_weekdays_and_months() {
        assert_eq!(weekday_abbr(0, Lang::Nl), "ma");
        assert_eq!(weekday_abbr(4, Lang::En), "Fri");
        assert_eq!(weekday_abbr(13, Lang::Nl), "zo");
        assert_eq!(weekday_name(5, Lang::Nl), "zaterdag");
        assert_eq!(month_abbr(3, Lang::Nl), "mrt");
        assert_eq!(month_abbr(5, Lang::Nl), "mei");
        assert_eq!(month_abbr(10, Lang::En), "Oct");
        assert_eq!(month_abbr(13, Lang::En), "Jan");
        assert_eq!(month_abbr(0, Lang::En), "Dec");
    }

    #[test]
    fn formats_local_time_in_both_languages() {
        let cal = sw1();
        let t = at("2026-11-30T08:00:00Z");
        assert_eq!(format_local(&cal, t, Lang::Nl), "ma 30 nov 2026 09:00");
        assert_eq!(format_local(&cal, t, Lang::En), "Mon 30 Nov 2026 09:00");
        let summer = at("2024-04-02T07:30:05Z");
        assert_eq!(
            format_local(&cal, summer, Lang::Nl),
            "di 2 apr 2024 09:30:05"
        );
        assert_eq!(time_of_day(86_400), "24:00");
    }

    #[test]
    fn short_forms_of_local_instants() {
        let cal = sw1();
        let monday = at("2026-11-30T09:00:00+01:00");
        let now = at("2026-11-27T18:15:00+01:00");
        assert_eq!(
            format_local_short(&cal, monday, now, Lang::Nl),
            "ma 30 nov 09:00"
        );
        assert_eq!(
            format_local_short(&cal, monday, now, Lang::En),
            "Mon 30 Nov 09:00"
        );
        let next_year = at("2027-01-04T10:30:00+01:00");
        assert_eq!(
            format_local_short(&cal, monday, next_year, Lang::Nl),
            "ma 30 nov 2026 09:00"
        );
        let one_pm = at("2026-11-30T13:00:00+01:00");
        assert_eq!(
            format_local_weekday_time(&cal, one_pm, Lang::Nl),
            "ma 13:00"
        );
        assert_eq!(
            format_local_weekday_time(&cal, one_pm, Lang::En),
            "Mon 13:00"
        );
        assert!(same_local_day(&cal, monday, one_pm));
        // 00:30 local on Tuesday is still Monday in UTC.
        assert!(!same_local_day(&cal, monday, at("2026-11-30T23:30:00Z")));
        assert_eq!(hours_minutes(4 * 3600, Lang::Nl), "4 u 0 m");
        assert_eq!(hours_minutes(7859, Lang::En), "2 h 10 m");
        assert_eq!(hours_minutes(45 * 60, Lang::Nl), "45 m");
        assert_eq!(hours_minutes(-90 * 60, Lang::Nl), "-1 u 30 m");
    }

    #[test]
    fn business_durations_in_words() {
        assert_eq!(business_duration(7800, Lang::Nl), "2 u 10 m");
        assert_eq!(business_duration(7800, Lang::En), "2 h 10 m");
        assert_eq!(business_duration(0, Lang::Nl), "0 m");
        assert_eq!(business_duration(3600, Lang::Nl), "1 u");
        assert_eq!(business_duration(65, Lang::En), "1 m 5 s");
        assert_eq!(business_duration(5, Lang::En), "5 s");
        assert_eq!(business_duration(-5400, Lang::Nl), "-1 u 30 m");
        assert_eq!(
            business_duration(i64::MIN, Lang::En).chars().next(),
            Some('-')
        );
    }

    #[test]
    fn explains_why_a_clock_starts_when_it_does() {
        let cal = sw1();
        let r = |s: &str| clock_start_reason(&cal, at(s)).unwrap();
        assert_eq!(r("2026-11-27T10:00:00+01:00"), ClockStartReason::Open);
        assert_eq!(
            r("2026-11-27T08:59:59+01:00"),
            ClockStartReason::BeforeOpening { opens: 9 * 3600 }
        );
        assert_eq!(
            r("2026-11-27T17:30:00+01:00"),
            ClockStartReason::AfterClosing {
                closed: 17 * 3600 + 1800
            }
        );
        let saturday = r("2026-11-28T12:00:00+01:00");
        assert_eq!(saturday, ClockStartReason::NoWindows { weekday: 5 });
        assert_eq!(saturday.detail(Lang::Nl), "weekend, zaterdag");
        assert_eq!(saturday.detail(Lang::En), "weekend, Saturday");
        let boxing = r("2025-12-26T10:00:00+01:00");
        assert_eq!(
            boxing,
            ClockStartReason::Holiday {
                names: vec!["Tweede Kerstdag"]
            }
        );
        assert_eq!(
            boxing.describe(Lang::Nl),
            "buiten Service Window 1: feestdag Tweede Kerstdag"
        );
        assert_eq!(
            boxing.describe(Lang::En),
            "outside Service Window 1: public holiday Tweede Kerstdag (Boxing Day)"
        );
        assert_eq!(
            ClockStartReason::Open.describe(Lang::Nl),
            "binnen Service Window 1: de klok loopt direct"
        );
    }

    #[test]
    fn closed_dates_and_split_windows_are_named() {
        let mut spec = CalendarSpec::service_window_1();
        spec.closed_dates.insert(Date::constant(2026, 11, 30));
        let lunch: Vec<Window> = vec![
            "09:00-12:00".parse().unwrap(),
            "13:00-17:00".parse().unwrap(),
        ];
        spec.weekly[1] = lunch;
        let cal = Calendar::new(spec).unwrap();
        assert_eq!(
            clock_start_reason(&cal, at("2026-11-30T10:00:00+01:00")).unwrap(),
            ClockStartReason::ClosedDate
        );
        assert_eq!(
            clock_start_reason(&cal, at("2026-12-01T12:30:00+01:00")).unwrap(),
            ClockStartReason::BetweenWindows {
                closed: 12 * 3600,
                opens: 13 * 3600
            }
        );
        let skipped = closures_between(
            &cal,
            at("2026-11-27T18:15:00+01:00"),
            at("2026-12-01T09:00:00+01:00"),
            10,
        )
        .unwrap();
        assert_eq!(
            skipped,
            vec![(
                civil::days_from_civil(2026, 11, 30),
                ClockStartReason::ClosedDate
            )]
        );
        assert_eq!(
            format_day(skipped[0].0, Lang::En),
            "Mon 30 Nov 2026".to_string()
        );
    }

    #[test]
    fn two_holidays_on_one_date_are_both_named() {
        let cal = sw1();
        // 2005: Hemelvaartsdag fell on 5 May, a lustrum year's Bevrijdingsdag.
        let r = clock_start_reason(&cal, at("2005-05-05T10:00:00+02:00")).unwrap();
        assert_eq!(
            r.detail(Lang::Nl),
            "feestdagen Bevrijdingsdag en Hemelvaartsdag"
        );
        assert_eq!(
            r.detail(Lang::En),
            "public holidays Bevrijdingsdag (Liberation Day) and Hemelvaartsdag (Ascension Day)"
        );
    }
}
