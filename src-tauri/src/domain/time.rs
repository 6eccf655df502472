//! Times are always timezone-aware. People in mainland China write local
//! times without an offset; those default to +08:00 (or the case's zone).

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
};

use super::calendar::{BusinessCalendar, CalendarError};
use super::text::Bilingual;

/// A moment with its UTC offset, as shown to the user.
pub type Moment = DateTime<FixedOffset>;

/// China Standard Time, the default for times written without an offset.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// What a time field expects, for error messages.
pub const TIME_EXPECTED: &str = "a time like 2026-11-21 15:15, 2026-11-21T15:15:00+08:00 or, for an observation on the order's day, 15:15";

/// Reads a time as people write it. Without an offset the time is taken in
/// `zone`. A bare time of day (`15:15`) needs `day` (the order's date).
pub fn parse_moment(input: &str, zone: FixedOffset, day: Option<NaiveDate>) -> Option<Moment> {
    let s = normalize(input);
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    // 「2026年11月21日 20:30:19」 as WeChat Pay and Alipay print it.
    let s = if s.contains('年') {
        chinese_date(&s)
    } else {
        s
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
        return Some(t);
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(&s, fmt) {
            return Some(t);
        }
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y%m%d%H%M%S",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(&s, fmt) {
            return zone.from_local_datetime(&n).single();
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        return zone.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single();
    }
    if let Some(day) = day {
        for fmt in ["%H:%M:%S", "%H:%M"] {
            if let Ok(t) = NaiveTime::parse_from_str(&s, fmt) {
                return zone.from_local_datetime(&day.and_time(t)).single();
            }
        }
    }
    None
}

/// Reads a time as people copy it from a phone, as of `now` (in `zone`):
/// everything [`parse_moment`] reads, and also a time of day after
/// 今天 / 昨天 / 前天 (today, yesterday, yesterday's eve), a date without its
/// year (「11月21日 15:15」, `11-21 15:15`: the last such day not after
/// today) and, without `day`, a bare time of day today when it is not later
/// than `now`.
pub fn parse_moment_near(
    input: &str,
    zone: FixedOffset,
    day: Option<NaiveDate>,
    now: Moment,
) -> Option<Moment> {
    if let Some(t) = parse_moment(input, zone, day) {
        return Some(t);
    }
    let s = normalize(input);
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let now = now.with_timezone(&zone);
    let today = now.date_naive();
    let at = |d: NaiveDate, time: &str| -> Option<Moment> {
        let time = time.trim();
        let t = ["%H:%M:%S", "%H:%M"]
            .iter()
            .find_map(|f| NaiveTime::parse_from_str(time, f).ok())?;
        zone.from_local_datetime(&d.and_time(t)).single()
    };
    for (word, back) in [
        ("今天", 0),
        ("今日", 0),
        ("昨天", 1),
        ("昨日", 1),
        ("前天", 2),
    ] {
        if let Some(rest) = s.strip_prefix(word) {
            return at(today - Duration::days(back), rest);
        }
    }
    let dated = chinese_date(&s);
    if let Some((date, time)) = dated.split_once(' ') {
        let (m, d) = date.split_once(['-', '/'])?;
        let (m, d) = (m.parse::<u32>().ok()?, d.parse::<u32>().ok()?);
        let this_year = NaiveDate::from_ymd_opt(today.year(), m, d).filter(|d| *d <= today);
        let date = this_year.or_else(|| NaiveDate::from_ymd_opt(today.year() - 1, m, d))?;
        return at(date, time);
    }
    if day.is_none() {
        return at(today, &s).filter(|t| *t <= now);
    }
    None
}

/// 「2026年11月21日 15:15」→ `2026-11-21 15:15`, 「11月21日15:15」→ `11-21 15:15`.
fn chinese_date(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| match c {
            '年' | '月' => '-',
            '日' | '号' => ' ',
            c => c,
        })
        .collect();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads an offset such as `+08:00`, `UTC+8`, `Asia/Shanghai` (the common
/// fixed-offset zones only; China has no daylight saving time).
pub fn parse_zone(input: &str) -> Option<FixedOffset> {
    let s = input.trim();
    match s {
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Urumqi" | "PRC"
        | "Asia/Hong_Kong" | "Asia/Macau" | "Asia/Taipei" | "Asia/Singapore" | "CST" => {
            return Some(china());
        }
        "UTC" | "Z" | "GMT" | "Etc/UTC" => return FixedOffset::east_opt(0),
        _ => {}
    }
    let body = s
        .strip_prefix("UTC")
        .or_else(|| s.strip_prefix("GMT"))
        .unwrap_or(s);
    let (sign, rest) = match body.as_bytes().first()? {
        b'+' => (1, &body[1..]),
        b'-' => (-1, &body[1..]),
        _ => return None,
    };
    // Digits (and one colon) only: a length in bytes then is one in
    // characters, so `+1é1` is refused instead of sliced inside the `é`.
    if rest.is_empty() || rest.len() > 5 || !rest.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None if rest.len() == 4 => (rest[..2].parse().ok()?, rest[2..].parse().ok()?),
        None => (rest.parse().ok()?, 0),
    };
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn normalize(input: &str) -> String {
    // Full-width digits and punctuation appear when people type on a
    // Chinese keyboard.
    let s: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '：' => ':',
            '－' => '-',
            '／' => '/',
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "3 h 12 min", "2 d 4 h", "45 s": a short English duration.
pub fn human_duration_en(d: Duration) -> String {
    let secs = d.num_seconds().unsigned_abs();
    let (days, hours, mins) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// "3 小时 12 分钟" and so on.
pub fn human_duration_zh(d: Duration) -> String {
    let secs = d.num_seconds().unsigned_abs();
    let (days, hours, mins) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{secs} 秒"),
        (0, 0, m) => format!("{m} 分钟"),
        (0, h, 0) => format!("{h} 小时"),
        (0, h, m) => format!("{h} 小时 {m} 分钟"),
        (d, 0, _) => format!("{d} 天"),
        (d, h, _) => format!("{d} 天 {h} 小时"),
    }
}

// ---------------------------------------------------------------- in texts and deadlines

/// "2026-11-21 15:15" in the case's zone.
pub fn short_time(t: Moment) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// "2026-11-26" — dates in texts.
pub fn short_date(t: Moment) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The end (23:59:59) of day `d` in `like`'s zone (`like` itself when that
/// moment does not exist).
pub(crate) fn end_of_day(d: NaiveDate, like: Moment) -> Moment {
    like.offset()
        .from_local_datetime(&d.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid")))
        .single()
        .unwrap_or(like)
}

/// The end (23:59:59) of the day `days` calendar days after `from`, in
/// `from`'s zone: the card-dispute and WeChat refund limits.
pub fn end_of_day_after(from: Moment, days: i64) -> Moment {
    end_of_day((from + Duration::days(days)).date_naive(), from)
}

/// `n` business days after `from`'s date, at the end of that day.
pub fn end_of_business_day_after(
    cal: &BusinessCalendar,
    from: Moment,
    n: u32,
) -> Result<Moment, CalendarError> {
    cal.add_business_days(from.date_naive(), n)
        .map(|d| end_of_day(d, from))
}

/// Why a business-day date cannot be given, in both languages.
pub fn calendar_problem_text(e: &CalendarError) -> Bilingual {
    match e {
        CalendarError::OutOfRange { date, first, last } => Bilingual::new(
            format!(
                "无法计算工作日：节假日日历只覆盖 {first}–{last} 年，{date} 不在其中（国务院每年秋季公布次年的放假安排，届时更新）"
            ),
            format!("Cannot count business days: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Moment {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn local_times_default_to_the_zone() {
        let z = china();
        assert_eq!(
            parse_moment("2026-11-21 15:15", z, None),
            Some(at("2026-11-21T15:15:00+08:00")),
            "a time without offset is Beijing time"
        );
        assert_eq!(
            parse_moment("2026-11-21T15:15:00Z", z, None),
            Some(at("2026-11-21T23:15:00+08:00")),
            "an explicit offset wins over the default"
        );
        assert_eq!(
            parse_moment("２０２６-１１-２１ １５：１５", z, None),
            Some(at("2026-11-21T15:15:00+08:00")),
            "full-width digits from a Chinese keyboard"
        );
        assert_eq!(
            parse_moment("20261121151500", z, None),
            Some(at("2026-11-21T15:15:00+08:00")),
            "the compact form bill exports use"
        );
    }

    #[test]
    fn a_bare_time_needs_the_day() {
        let z = china();
        let day = NaiveDate::from_ymd_opt(2026, 11, 21);
        assert_eq!(parse_moment("15:15", z, None), None);
        assert_eq!(
            parse_moment("15:15", z, day),
            Some(at("2026-11-21T15:15:00+08:00"))
        );
    }

    #[test]
    fn dates_as_payment_apps_print_them() {
        let z = china();
        assert_eq!(
            parse_moment("2026年11月21日 20:30:19", z, None),
            Some(at("2026-11-21T20:30:19+08:00"))
        );
        assert_eq!(
            parse_moment("2026年1月5日15:15", z, None),
            Some(at("2026-01-05T15:15:00+08:00")),
            "no padding, no space"
        );
        assert_eq!(parse_moment("11月21日 15:15", z, None), None, "no year");
    }

    #[test]
    fn dates_as_people_copy_them_as_of_now() {
        let z = china();
        let now = at("2026-12-07T10:00:00+08:00");
        let near = |s: &str| parse_moment_near(s, z, None, now);
        assert_eq!(near("昨天 15:15"), Some(at("2026-12-06T15:15:00+08:00")));
        assert_eq!(near("昨天15:15:12"), Some(at("2026-12-06T15:15:12+08:00")));
        assert_eq!(near("前天 23:59"), Some(at("2026-12-05T23:59:00+08:00")));
        assert_eq!(near("今天 09:30"), Some(at("2026-12-07T09:30:00+08:00")));
        assert_eq!(
            near("11月21日 15:15"),
            Some(at("2026-11-21T15:15:00+08:00"))
        );
        assert_eq!(near("11-21 15:15"), Some(at("2026-11-21T15:15:00+08:00")));
        assert_eq!(
            near("12月21日 15:15"),
            Some(at("2025-12-21T15:15:00+08:00")),
            "a day later this year is last year's"
        );
        assert_eq!(near("09:30"), Some(at("2026-12-07T09:30:00+08:00")));
        assert_eq!(near("11:30"), None, "a bare time later than now");
        assert_eq!(near("2月30日 10:00"), None);
        assert_eq!(near("昨天"), None, "a day without its time");
        assert_eq!(
            parse_moment_near("15:15:12", z, NaiveDate::from_ymd_opt(2026, 11, 21), now),
            Some(at("2026-11-21T15:15:12+08:00")),
            "with the order's day a bare time is on that day"
        );
        assert_eq!(
            parse_moment_near("昨天 15:15", z, None, at("2026-12-07T01:00:00+00:00")),
            Some(at("2026-12-06T15:15:00+08:00")),
            "today is today in the case's zone"
        );
    }

    #[test]
    fn garbage_is_none() {
        for s in ["", "yesterday", "2026-13-01 10:00", "25:00", "2026-02-30"] {
            assert_eq!(
                parse_moment(s, china(), NaiveDate::from_ymd_opt(2026, 1, 1)),
                None,
                "{s:?}"
            );
        }
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone("+08:00"), Some(china()));
        assert_eq!(parse_zone("UTC+8"), Some(china()));
        assert_eq!(parse_zone("Asia/Shanghai"), Some(china()));
        assert_eq!(parse_zone("-0500"), FixedOffset::west_opt(5 * 3600));
        assert_eq!(parse_zone("Mars/Olympus"), None);
        assert_eq!(parse_zone("+25:00"), None);
    }

    #[test]
    fn a_zone_with_a_multibyte_character_is_refused_not_sliced() {
        for s in ["+1é1", "UTC-é11", "+é", "+０８００", "+08:0é"] {
            assert_eq!(parse_zone(s), None, "{s:?}");
        }
        assert_eq!(parse_zone("+0800"), Some(china()), "four digits still read");
    }

    proptest::proptest! {
        /// Any text: an offset or `None`, never a panic; an offset read is
        /// within ±14 h.
        #[test]
        fn any_zone_text_is_an_offset_or_none(s in "(?s).{0,24}") {
            if let Some(z) = parse_zone(&s) {
                proptest::prop_assert!(z.local_minus_utc().abs() <= 14 * 3600 + 59 * 60);
            }
        }

        #[test]
        fn zone_like_text_is_an_offset_or_none(s in "(UTC|GMT)?[+\\-]?[0-9:é０-９]{0,6}") {
            let _ = parse_zone(&s);
        }

        /// Any text as a time, with or without the order's day: a moment or
        /// `None`, never a panic.
        #[test]
        fn any_time_text_is_a_moment_or_none(s in "(?s).{0,80}", offset in -50_400i32..=50_400) {
            let zone = FixedOffset::east_opt(offset).expect("within ±14 h");
            let _ = parse_moment(&s, zone, None);
            let _ = parse_moment(&s, zone, NaiveDate::from_ymd_opt(2026, 11, 21));
        }

        #[test]
        fn copied_time_text_is_a_moment_or_none(s in "(今天|昨天|前天)?[0-9:：\\-/ 年月日号]{0,24}") {
            let now = DateTime::parse_from_rfc3339("2026-12-07T10:00:00+08:00").expect("a time");
            let _ = parse_moment_near(&s, china(), None, now);
            let _ = parse_moment_near(&s, china(), NaiveDate::from_ymd_opt(2026, 11, 21), now);
        }

        #[test]
        fn time_like_text_is_a_moment_or_none(s in "[0-9０-９:：\\-－/／T .Z+年月日]{0,40}") {
            let _ = parse_moment(&s, china(), NaiveDate::from_ymd_opt(2026, 11, 21));
        }
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration_en(Duration::minutes(192)), "3 h 12 min");
        assert_eq!(human_duration_zh(Duration::minutes(192)), "3 小时 12 分钟");
        assert_eq!(human_duration_en(Duration::hours(52)), "2 d 4 h");
        assert_eq!(human_duration_en(Duration::seconds(45)), "45 s");
    }
}
