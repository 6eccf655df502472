//! Mainland-China business days, for "refund expected by the 7th business day".
//!
//! A business day is Monday to Friday, except the official holidays of the
//! State Council's yearly notice (国务院办公厅关于XXXX年部分节假日安排的通知),
//! plus the weekend days that notice turns into working days (调休上班).
//!
//! The calendar is data: one TOML file per year under `data/holidays/`,
//! compiled in and parsed once. Each year's notice is published the preceding
//! autumn, so only the years with a file are known; any question about another
//! date is answered with [`CalendarError::OutOfRange`] rather than a guess.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// The built-in years, oldest first. Add the next year's file here when its
/// notice is published.
const CHINA_FILES: &[&str] = &[
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/holidays/cn-2024.toml"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/holidays/cn-2025.toml"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/holidays/cn-2026.toml"
    )),
];

static CHINA: LazyLock<BusinessCalendar> = LazyLock::new(|| {
    BusinessCalendar::from_toml_files(CHINA_FILES)
        .unwrap_or_else(|e| panic!("the built-in holiday calendar is invalid: {e}"))
});

/// A date the calendar cannot answer for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "the holiday calendar covers {first}–{last}; {date} is outside it (the State Council publishes each year's holidays in the preceding autumn)"
    )]
    OutOfRange {
        date: NaiveDate,
        first: i32,
        last: i32,
    },
}

/// Which days are business days, for a contiguous run of covered years.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    first: i32,
    last: i32,
    /// (zh, en) names, indexed by `holiday_days`.
    names: Vec<(String, String)>,
    /// Every day of every official holiday break, weekends included.
    holiday_days: BTreeMap<NaiveDate, usize>,
    /// Weekend days that are worked (调休上班).
    makeup_days: BTreeSet<NaiveDate>,
    /// The notice each year's data comes from.
    sources: BTreeMap<i32, String>,
}

impl BusinessCalendar {
    /// Mainland China, from the built-in State Council notices.
    pub fn china() -> &'static BusinessCalendar {
        &CHINA
    }

    /// Builds a calendar from year files (the format of
    /// `data/holidays/cn-*.toml`). The years must be distinct and contiguous;
    /// each file is checked: every date in its own year, ranges ordered and
    /// matching their stated length, make-up workdays on weekends and outside
    /// every holiday, holidays not overlapping.
    pub fn from_toml_files(files: &[&str]) -> Result<Self, String> {
        let mut years = files
            .iter()
            .enumerate()
            .map(|(i, text)| {
                parse_year_file(text).map_err(|e| format!("holiday file #{}: {e}", i + 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        years.sort_by_key(|y| y.year);
        let (Some(first), Some(last)) = (years.first(), years.last()) else {
            return Err("no holiday files given".to_owned());
        };
        let (first, last) = (first.year, last.year);
        for pair in years.windows(2) {
            let (a, b) = (pair[0].year, pair[1].year);
            if a == b {
                return Err(format!("two holiday files for {a}"));
            }
            if b != a + 1 {
                return Err(format!(
                    "the holiday files jump from {a} to {b}; the years covered must be contiguous"
                ));
            }
        }

        let mut calendar = BusinessCalendar {
            first,
            last,
            names: Vec::new(),
            holiday_days: BTreeMap::new(),
            makeup_days: BTreeSet::new(),
            sources: BTreeMap::new(),
        };
        for year in years {
            calendar.sources.insert(year.year, year.source);
            for holiday in year.holidays {
                let index = calendar.names.len();
                calendar.names.push((holiday.name_zh, holiday.name_en));
                for day in holiday.from.iter_days().take_while(|d| *d <= holiday.to) {
                    calendar.holiday_days.insert(day, index);
                }
                calendar.makeup_days.extend(holiday.makeup_workdays);
            }
        }
        Ok(calendar)
    }

    /// The years this calendar knows, e.g. `2024..=2026`.
    pub fn covered_years(&self) -> RangeInclusive<i32> {
        self.first..=self.last
    }

    /// The notice a covered year's data was taken from.
    pub fn source(&self, year: i32) -> Option<&str> {
        self.sources.get(&year).map(String::as_str)
    }

    /// Whether `d` is a working day: a weekday that is not an official
    /// holiday, or a weekend day made a working day (调休上班).
    pub fn is_business_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.check(d)?;
        Ok(self.is_business_day_unchecked(d))
    }

    /// The date `n` business days after `d` (n = 0 → d itself if it is a business day, else the next one).
    /// "Refund within 7 business days of 2026-09-30" → count business days strictly after `d`.
    ///
    /// Fails if `d` is not covered, or if the count runs past the last covered
    /// year (the error then names the first uncovered day).
    pub fn add_business_days(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.check(d)?;
        let mut day = d;
        if n == 0 {
            while !self.is_business_day_unchecked(day) {
                day = self.next_day(day)?;
            }
            return Ok(day);
        }
        let mut left = n;
        loop {
            day = self.next_day(day)?;
            if self.is_business_day_unchecked(day) {
                left -= 1;
                if left == 0 {
                    return Ok(day);
                }
            }
        }
    }

    /// Number of business days in (from, to], 0 if to <= from.
    /// Both dates must be covered.
    pub fn business_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        self.check(from)?;
        self.check(to)?;
        let count = from
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_business_day_unchecked(*d))
            .count();
        // At most a few hundred days per covered year.
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// The (zh, en) name of the official holiday break `d` falls in, weekends
    /// inside the break included; `None` for other days and uncovered dates.
    pub fn holiday_name(&self, d: NaiveDate) -> Option<(&str, &str)> {
        let index = *self.holiday_days.get(&d)?;
        let (zh, en) = &self.names[index];
        Some((zh.as_str(), en.as_str()))
    }

    fn check(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if self.covered_years().contains(&date.year()) {
            Ok(())
        } else {
            Err(CalendarError::OutOfRange {
                date,
                first: self.first,
                last: self.last,
            })
        }
    }

    /// The day after `d`, which must itself be covered.
    fn next_day(&self, d: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let next = d.succ_opt().ok_or(CalendarError::OutOfRange {
            date: d,
            first: self.first,
            last: self.last,
        })?;
        self.check(next)?;
        Ok(next)
    }

    fn is_business_day_unchecked(&self, d: NaiveDate) -> bool {
        self.makeup_days.contains(&d) || (!is_weekend(d) && !self.holiday_days.contains_key(&d))
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// One year file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i32,
    source: String,
    #[serde(default, rename = "holiday")]
    holidays: Vec<RawHoliday>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name_zh: String,
    name_en: String,
    from: toml::value::Datetime,
    to: toml::value::Datetime,
    /// The notice's "共N天", checked against `from..=to`.
    days: u32,
    #[serde(default)]
    makeup_workdays: Vec<toml::value::Datetime>,
}

/// One year file, checked.
#[derive(Debug)]
struct YearData {
    year: i32,
    source: String,
    holidays: Vec<HolidayData>,
}

#[derive(Debug)]
struct HolidayData {
    name_zh: String,
    name_en: String,
    from: NaiveDate,
    to: NaiveDate,
    makeup_workdays: Vec<NaiveDate>,
}

fn parse_year_file(text: &str) -> Result<YearData, String> {
    let raw: RawYear = toml::from_str(text).map_err(|e| e.to_string())?;
    let year = raw.year;
    let in_year = |field: &str, name: &str, value: &toml::value::Datetime| {
        let date = toml_date(value).map_err(|e| format!("{year} {name}: {field}: {e}"))?;
        if date.year() == year {
            Ok(date)
        } else {
            Err(format!(
                "{year} {name}: {field} {date} is not in {year} (a break that crosses New Year is split: each part goes in its own year's file)"
            ))
        }
    };
    if raw.source.trim().is_empty() {
        return Err(format!("{year}: `source` must name the notice"));
    }
    if raw.holidays.is_empty() {
        return Err(format!("{year}: no [[holiday]] entries"));
    }

    let mut holidays = Vec::with_capacity(raw.holidays.len());
    for h in raw.holidays {
        let name = h.name_zh.trim();
        if name.is_empty() || h.name_en.trim().is_empty() {
            return Err(format!("{year}: a holiday has an empty name"));
        }
        let from = in_year("from", name, &h.from)?;
        let to = in_year("to", name, &h.to)?;
        if to < from {
            return Err(format!("{year} {name}: `to` {to} is before `from` {from}"));
        }
        let length = (to - from).num_days() + 1;
        if length != i64::from(h.days) {
            return Err(format!(
                "{year} {name}: {from}..={to} is {length} days but `days` says {}",
                h.days
            ));
        }
        let mut makeup_workdays = Vec::with_capacity(h.makeup_workdays.len());
        for value in &h.makeup_workdays {
            let day = in_year("makeup_workdays", name, value)?;
            if !is_weekend(day) {
                return Err(format!(
                    "{year} {name}: make-up workday {day} is a {:?}, not a weekend day",
                    day.weekday()
                ));
            }
            makeup_workdays.push(day);
        }
        holidays.push(HolidayData {
            name_zh: h.name_zh,
            name_en: h.name_en,
            from,
            to,
            makeup_workdays,
        });
    }

    holidays.sort_by_key(|h| h.from);
    for pair in holidays.windows(2) {
        if pair[1].from <= pair[0].to {
            return Err(format!(
                "{year}: {} ({}..={}) overlaps {} ({}..={})",
                pair[0].name_zh,
                pair[0].from,
                pair[0].to,
                pair[1].name_zh,
                pair[1].from,
                pair[1].to
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for h in &holidays {
        for &day in &h.makeup_workdays {
            if !seen.insert(day) {
                return Err(format!("{year}: make-up workday {day} is listed twice"));
            }
            if let Some(other) = holidays.iter().find(|o| o.from <= day && day <= o.to) {
                return Err(format!(
                    "{year} {}: make-up workday {day} falls inside {} ({}..={})",
                    h.name_zh, other.name_zh, other.from, other.to
                ));
            }
        }
    }
    Ok(YearData {
        year,
        source: raw.source,
        holidays,
    })
}

/// A TOML local date (`2026-02-15`) as a `NaiveDate`; times and offsets are
/// rejected.
fn toml_date(value: &toml::value::Datetime) -> Result<NaiveDate, String> {
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                .ok_or_else(|| format!("{value} is not a calendar date"))
        }
        _ => Err(format!("{value} must be a plain date like 2026-02-15")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn cal() -> &'static BusinessCalendar {
        BusinessCalendar::china()
    }

    fn business(d: NaiveDate) -> bool {
        cal()
            .is_business_day(d)
            .unwrap_or_else(|e| panic!("{d} should be covered: {e}"))
    }

    fn add(d: NaiveDate, n: u32) -> NaiveDate {
        cal()
            .add_business_days(d, n)
            .unwrap_or_else(|e| panic!("{d} + {n} business days should be covered: {e}"))
    }

    #[test]
    fn builtin_calendar_covers_2024_to_2026_with_sources() {
        assert_eq!(
            cal().covered_years(),
            2024..=2026,
            "the built-in data has one file per year for 2024, 2025 and 2026 (no 2027 notice yet)"
        );
        for year in cal().covered_years() {
            let source = cal()
                .source(year)
                .unwrap_or_else(|| panic!("{year} is covered, so it must cite its notice"));
            assert!(
                source.contains(&format!("关于{year}年部分节假日安排的通知")),
                "{year}'s source should be the State Council notice for {year}, got {source}"
            );
        }
        assert_eq!(cal().source(2023), None, "2023 is not covered");
    }

    #[test]
    fn ordinary_weekdays_are_business_days() {
        for d in [
            date(2026, 11, 18), // Wednesday
            date(2026, 3, 2),   // Monday
            date(2025, 7, 11),  // Friday
            date(2024, 12, 31), // Tuesday
        ] {
            assert!(
                business(d),
                "{d} is a weekday with no holiday, so it is a business day"
            );
        }
    }

    #[test]
    fn ordinary_weekends_are_not_business_days() {
        for d in [
            date(2026, 11, 21), // Saturday
            date(2026, 11, 22), // Sunday
            date(2025, 3, 15),  // Saturday
            date(2024, 8, 4),   // Sunday
        ] {
            assert!(
                !business(d),
                "{d} is an ordinary weekend day (not a 调休 workday), so it is not a business day"
            );
        }
    }

    #[test]
    fn holiday_weekdays_are_not_business_days() {
        for (d, why) in [
            (date(2026, 10, 1), "2026-10-01 (Thursday) is 国庆节"),
            (
                date(2026, 2, 23),
                "2026-02-23 (Monday) is the last day of 春节 2026",
            ),
            (
                date(2025, 1, 28),
                "2025-01-28 (Tuesday) is 除夕, a holiday from 2025",
            ),
            (
                date(2025, 10, 8),
                "2025-10-08 (Wednesday) ends the 8-day 国庆+中秋 break",
            ),
            (date(2024, 6, 10), "2024-06-10 (Monday) is 端午节"),
        ] {
            assert!(!business(d), "{why}, so it is not a business day");
        }
    }

    #[test]
    fn makeup_weekend_days_are_business_days() {
        for (d, why) in [
            (
                date(2026, 10, 10),
                "Saturday 2026-10-10 is worked for 国庆节",
            ),
            (date(2026, 2, 14), "Saturday 2026-02-14 is worked for 春节"),
            (date(2026, 1, 4), "Sunday 2026-01-04 is worked for 元旦"),
            (
                date(2025, 9, 28),
                "Sunday 2025-09-28 is worked for 国庆节、中秋节",
            ),
            (date(2024, 2, 4), "Sunday 2024-02-04 is worked for 春节"),
        ] {
            assert!(business(d), "{why} (调休上班), so it is a business day");
        }
    }

    #[test]
    fn eve_of_spring_festival_2024_is_a_working_day() {
        assert!(
            business(date(2024, 2, 9)),
            "除夕 2024 (Friday 02-09) was not a holiday; the 2024 notice only encourages taking it off"
        );
        assert!(
            !business(date(2025, 1, 28)),
            "除夕 became a statutory holiday from 2025, and 2025-01-28 is in the 春节 break"
        );
    }

    #[test]
    fn adding_business_days_skips_national_day_2026() {
        assert_eq!(
            add(date(2026, 9, 30), 1),
            date(2026, 10, 8),
            "国庆 2026 is Thu 10-01..Wed 10-07, so the first business day after 09-30 is Thursday 10-08"
        );
        assert_eq!(
            add(date(2026, 9, 30), 3),
            date(2026, 10, 10),
            "Thu 10-08, Fri 10-09, then Saturday 10-10 is a 调休 workday"
        );
        assert_eq!(
            add(date(2026, 9, 30), 7),
            date(2026, 10, 15),
            "refund within 7 business days of 09-30: 10-08, 10-09, 10-10 (make-up), 10-12, 10-13, 10-14, 10-15"
        );
        assert_eq!(
            add(date(2026, 9, 19), 1),
            date(2026, 9, 20),
            "the day after Saturday 09-19 is Sunday 09-20, worked for 国庆节"
        );
    }

    #[test]
    fn adding_business_days_across_spring_festival_2026() {
        assert_eq!(
            add(date(2026, 2, 13), 1),
            date(2026, 2, 14),
            "the day after Friday 2026-02-13 is Saturday 02-14, a 调休 workday"
        );
        assert_eq!(
            add(date(2026, 2, 13), 2),
            date(2026, 2, 24),
            "after 02-14 comes the 春节 break 02-15..02-23, so the next business day is Tuesday 02-24"
        );
    }

    #[test]
    fn zero_business_days_is_the_day_itself_or_the_next_business_day() {
        assert_eq!(
            add(date(2026, 11, 18), 0),
            date(2026, 11, 18),
            "a business day plus 0 is itself"
        );
        assert_eq!(
            add(date(2026, 2, 15), 0),
            date(2026, 2, 24),
            "02-15 is inside 春节 2026, so the next business day is Tuesday 02-24"
        );
        assert_eq!(
            add(date(2026, 10, 10), 0),
            date(2026, 10, 10),
            "make-up Saturday 2026-10-10 is itself a business day"
        );
    }

    #[test]
    fn dates_outside_the_covered_years_are_out_of_range() {
        for d in [date(2023, 12, 29), date(2027, 1, 4), date(1999, 6, 1)] {
            let expected = CalendarError::OutOfRange {
                date: d,
                first: 2024,
                last: 2026,
            };
            assert_eq!(
                cal().is_business_day(d),
                Err(expected.clone()),
                "{d} has no holiday data, so the calendar must refuse rather than guess"
            );
            assert_eq!(
                cal().add_business_days(d, 3),
                Err(expected.clone()),
                "counting from an uncovered {d} must fail too"
            );
            let message = expected.to_string();
            assert!(
                message.contains("2024–2026") && message.contains(&d.to_string()),
                "the error should name the covered years and the date: {message}"
            );
        }
        assert_eq!(
            cal().business_days_between(date(2026, 12, 1), date(2027, 1, 15)),
            Err(CalendarError::OutOfRange {
                date: date(2027, 1, 15),
                first: 2024,
                last: 2026
            }),
            "an interval ending in 2027 cannot be counted without the 2027 notice"
        );
        assert_eq!(
            cal().holiday_name(date(2023, 10, 1)),
            None,
            "holiday_name knows nothing outside the covered years"
        );
    }

    #[test]
    fn counting_past_the_last_covered_year_is_out_of_range_not_a_guess() {
        assert_eq!(
            add(date(2026, 12, 30), 1),
            date(2026, 12, 31),
            "Thursday 2026-12-31 is still covered"
        );
        assert_eq!(
            cal().add_business_days(date(2026, 12, 30), 2),
            Err(CalendarError::OutOfRange {
                date: date(2027, 1, 1),
                first: 2024,
                last: 2026
            }),
            "the 2nd business day after 2026-12-30 is in 2027, whose holidays (元旦!) are unknown"
        );
        assert_eq!(
            add(date(2026, 12, 26), 0),
            date(2026, 12, 28),
            "Saturday 2026-12-26 + 0 is Monday 12-28, still covered"
        );
        assert!(
            matches!(
                cal().add_business_days(date(2024, 1, 1), 10_000),
                Err(CalendarError::OutOfRange { date: past, .. }) if past == date(2027, 1, 1)
            ),
            "a count longer than the covered years fails at the first uncovered day"
        );
    }

    #[test]
    fn business_days_between_counts_the_half_open_interval() {
        let bc = cal();
        assert_eq!(
            bc.business_days_between(date(2026, 9, 30), date(2026, 10, 9)),
            Ok(2),
            "(09-30, 10-09] holds the 国庆 break 10-01..10-07, then business days Thu 10-08 and Fri 10-09"
        );
        assert_eq!(
            bc.business_days_between(date(2026, 11, 18), date(2026, 11, 18)),
            Ok(0),
            "an empty interval has no business days"
        );
        assert_eq!(
            bc.business_days_between(date(2026, 11, 20), date(2026, 11, 16)),
            Ok(0),
            "to before from counts as 0"
        );
        assert_eq!(
            bc.business_days_between(date(2026, 11, 13), date(2026, 11, 20)),
            Ok(5),
            "(Fri 11-13, Fri 11-20] is one ordinary working week"
        );
    }

    #[test]
    fn business_days_per_year_match_the_statutory_holiday_count() {
        // Every 调休 swaps a weekday off for a weekend day worked, so a year's
        // business days = days - weekend days - statutory holidays: 11
        // statutory days in 2024, 13 from 2025 (除夕 and 5月2日 added by the
        // 2024 revision of 全国年节及纪念日放假办法).
        for (year, statutory, expected) in [(2024, 11, 251), (2025, 13, 248), (2026, 13, 248)] {
            let first = date(year, 1, 1);
            let last = date(year, 12, 31);
            let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
            let weekend = days.iter().filter(|d| is_weekend(**d)).count();
            let computed = days.len() - weekend - statutory;
            assert_eq!(
                computed,
                expected,
                "{year}: {} days - {weekend} weekend days - {statutory} statutory holidays",
                days.len()
            );
            let counted = days.iter().filter(|d| business(**d)).count();
            assert_eq!(
                counted, expected,
                "{year}: the data should give {expected} business days; a mismatch means a wrong holiday or make-up date"
            );
        }
    }

    #[test]
    fn holiday_names_cover_the_whole_break() {
        assert_eq!(
            cal().holiday_name(date(2026, 10, 1)),
            Some(("国庆节", "National Day")),
            "2026-10-01 is 国庆节"
        );
        assert_eq!(
            cal().holiday_name(date(2026, 2, 15)),
            Some(("春节", "Spring Festival")),
            "Sunday 2026-02-15 is the first day of the 春节 break"
        );
        assert_eq!(
            cal().holiday_name(date(2025, 10, 6)),
            Some(("国庆节、中秋节", "National Day and Mid-Autumn Festival")),
            "2025 merged 国庆 and 中秋 into one break"
        );
        assert_eq!(
            cal().holiday_name(date(2026, 10, 10)),
            None,
            "a make-up workday is not a holiday"
        );
        assert_eq!(
            cal().holiday_name(date(2026, 11, 18)),
            None,
            "an ordinary day has no holiday name"
        );
    }

    /// Each data file, checked directly (not through the calendar builder).
    #[test]
    fn each_data_file_is_consistent() {
        for (i, text) in CHINA_FILES.iter().enumerate() {
            let raw: RawYear = toml::from_str(text)
                .unwrap_or_else(|e| panic!("data file #{} should parse: {e}", i + 1));
            let year = raw.year;
            assert_eq!(
                year,
                2024 + i32::try_from(i).unwrap_or_default(),
                "files are listed oldest first, one per year"
            );
            assert!(
                raw.source.contains(&year.to_string()),
                "{year}: source should cite the notice for {year}"
            );
            let mut holidays: Vec<(NaiveDate, NaiveDate)> = Vec::new();
            let mut makeups: Vec<NaiveDate> = Vec::new();
            for h in &raw.holidays {
                let from = toml_date(&h.from).unwrap_or_else(|e| panic!("{year}: {e}"));
                let to = toml_date(&h.to).unwrap_or_else(|e| panic!("{year}: {e}"));
                assert_eq!(
                    from.year(),
                    year,
                    "{year} {}: from is in the file's year",
                    h.name_zh
                );
                assert_eq!(
                    to.year(),
                    year,
                    "{year} {}: to is in the file's year",
                    h.name_zh
                );
                assert!(from <= to, "{year} {}: range must be ordered", h.name_zh);
                assert_eq!(
                    (to - from).num_days() + 1,
                    i64::from(h.days),
                    "{year} {}: the range should be as long as the notice's 共N天",
                    h.name_zh
                );
                holidays.push((from, to));
                for m in &h.makeup_workdays {
                    let m = toml_date(m).unwrap_or_else(|e| panic!("{year}: {e}"));
                    assert_eq!(
                        m.year(),
                        year,
                        "{year}: make-up day {m} is in the file's year"
                    );
                    assert!(
                        is_weekend(m),
                        "{year}: make-up day {m} must be a weekend day, else it changes nothing"
                    );
                    makeups.push(m);
                }
            }
            for (a, (from_a, to_a)) in holidays.iter().enumerate() {
                for (from_b, to_b) in holidays.iter().skip(a + 1) {
                    assert!(
                        to_a < from_b || to_b < from_a,
                        "{year}: holidays {from_a}..={to_a} and {from_b}..={to_b} must not overlap"
                    );
                }
                for m in &makeups {
                    assert!(
                        !(from_a <= m && m <= to_a),
                        "{year}: make-up day {m} cannot be inside the holiday {from_a}..={to_a}"
                    );
                }
            }
            BusinessCalendar::from_toml_files(&[text])
                .unwrap_or_else(|e| panic!("{year} should load on its own: {e}"));
        }
    }

    const CUSTOM_2030: &str = r#"
year = 2030
source = "test"
[[holiday]]
name_zh = "测试"
name_en = "Test"
from = 2030-05-01
to = 2030-05-03
days = 3
makeup_workdays = [2030-05-04]
"#;

    #[test]
    fn custom_calendars_can_be_built_from_toml() {
        let bc = BusinessCalendar::from_toml_files(&[CUSTOM_2030])
            .unwrap_or_else(|e| panic!("a well-formed file should load: {e}"));
        assert_eq!(bc.covered_years(), 2030..=2030, "only 2030 was given");
        assert_eq!(
            bc.is_business_day(date(2030, 5, 2)),
            Ok(false),
            "2030-05-02 is inside the test holiday"
        );
        assert_eq!(
            bc.is_business_day(date(2030, 5, 4)),
            Ok(true),
            "Saturday 2030-05-04 is the test make-up day"
        );
        assert_eq!(
            bc.add_business_days(date(2030, 4, 30), 2),
            Ok(date(2030, 5, 6)),
            "after Tue 04-30: holiday 05-01..03, make-up Sat 05-04 (1st), Sun off, Mon 05-06 (2nd)"
        );
    }

    #[test]
    fn malformed_calendars_are_rejected_with_a_reason() {
        // (what is wrong, the file, a phrase the error must contain)
        let cases: [(&str, String, &str); 8] = [
            ("no files", String::new(), "no holiday files"),
            (
                "a make-up day on a weekday",
                CUSTOM_2030.replace("[2030-05-04]", "[2030-05-06]"),
                "not a weekend day",
            ),
            (
                "a date outside the file's year",
                CUSTOM_2030.replace("to = 2030-05-03\ndays = 3", "to = 2031-05-03\ndays = 368"),
                "is not in 2030",
            ),
            (
                "`days` disagreeing with the range",
                CUSTOM_2030.replace("days = 3", "days = 4"),
                "`days` says 4",
            ),
            (
                "a backwards range",
                CUSTOM_2030
                    .replace("from = 2030-05-01", "from = 2030-05-05")
                    .replace("days = 3", "days = 1"),
                "is before",
            ),
            (
                "overlapping holidays",
                format!(
                    "{CUSTOM_2030}[[holiday]]\nname_zh = \"x\"\nname_en = \"x\"\nfrom = 2030-05-03\nto = 2030-05-03\ndays = 1\n"
                ),
                "overlaps",
            ),
            (
                "a make-up day inside a holiday",
                format!(
                    "{CUSTOM_2030}[[holiday]]\nname_zh = \"x\"\nname_en = \"x\"\nfrom = 2030-05-04\nto = 2030-05-04\ndays = 1\n"
                ),
                "falls inside",
            ),
            (
                "a date with a time of day",
                CUSTOM_2030.replace("from = 2030-05-01", "from = 2030-05-01T00:00:00"),
                "must be a plain date",
            ),
        ];
        for (why, text, phrase) in &cases {
            let files: Vec<&str> = if text.is_empty() {
                Vec::new()
            } else {
                vec![text.as_str()]
            };
            match BusinessCalendar::from_toml_files(&files) {
                Ok(_) => panic!("a calendar with {why} must be rejected"),
                Err(e) => assert!(
                    e.contains(phrase),
                    "a calendar with {why} should be rejected for that reason ({phrase:?}), got: {e}"
                ),
            }
        }

        let gap = CUSTOM_2030
            .replace("makeup_workdays = [2030-05-04]", "")
            .replace("2030", "2032");
        let err = BusinessCalendar::from_toml_files(&[CUSTOM_2030, &gap]).err();
        assert!(
            err.as_deref().is_some_and(|e| e.contains("contiguous")),
            "2030 and 2032 without 2031 would make covered_years lie, got {err:?}"
        );
        let err = BusinessCalendar::from_toml_files(&[CUSTOM_2030, CUSTOM_2030]).err();
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("two holiday files for 2030")),
            "two files for the same year are ambiguous, got {err:?}"
        );
        let next = CUSTOM_2030.replace("2030", "2031");
        let both = BusinessCalendar::from_toml_files(&[&next, CUSTOM_2030])
            .unwrap_or_else(|e| panic!("contiguous years in any order should load: {e}"));
        assert_eq!(
            both.covered_years(),
            2030..=2031,
            "2030 and 2031 are both given"
        );
    }

    /// Days from 2024-01-01 to 2026-12-31 inclusive.
    const COVERED_DAYS: i64 = 366 + 365 + 365;

    proptest! {
        #[test]
        fn between_undoes_add(offset in 0..COVERED_DAYS, n in 1u32..=30) {
            let d = date(2024, 1, 1) + chrono::Duration::days(offset);
            match cal().add_business_days(d, n) {
                Ok(end) => {
                    prop_assert!(end > d, "{} + {} business days must be later than {}", d, n, d);
                    prop_assert_eq!(
                        cal().is_business_day(end), Ok(true),
                        "{} + {} business days = {} must itself be a business day", d, n, end
                    );
                    prop_assert_eq!(
                        cal().business_days_between(d, end), Ok(n),
                        "(d, d + n business days] holds exactly n business days, d = {}, end = {}", d, end
                    );
                }
                Err(CalendarError::OutOfRange { date: past, .. }) => {
                    prop_assert_eq!(
                        past, date(2027, 1, 1),
                        "counting from covered {} can only fail by running into 2027", d
                    );
                    let left = cal().business_days_between(d, date(2026, 12, 31));
                    prop_assert!(
                        matches!(left, Ok(k) if k < n),
                        "{} + {} fails only if fewer than {} business days remain in 2026 ({:?})", d, n, n, left
                    );
                }
            }
        }
    }
}
