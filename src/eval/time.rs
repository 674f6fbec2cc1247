//! Timestamps: the ISO 8601 forms event logs write, the parts Sigma's time modifiers extract, and epoch
//! milliseconds for correlation windows. Civil-date arithmetic is done here (a few lines) rather than
//! pulling a date crate in.

use crate::rule::modifier::TimeUnit;
use serde_json::Value;

/// A timestamp as written: civil date and time plus the UTC offset when one was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Year.
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    /// 0–23.
    pub hour: u32,
    /// 0–59.
    pub minute: u32,
    /// 0–60.
    pub second: u32,
    /// Milliseconds.
    pub millis: u32,
    /// Offset east of UTC in seconds (`Z` is 0); `None` when absent (taken as UTC).
    pub offset: Option<i64>,
}

fn digits(s: &str, n: usize) -> Option<(u32, &str)> {
    let head = s.get(..n)?;
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((head.parse().ok()?, &s[n..]))
}

/// Parses `YYYY-MM-DD`, optionally followed by `T` or a space, `hh:mm[:ss[.fff…]]` and `Z` / `±hh:mm`
/// / `±hhmm`. Anything else is `None`.
pub fn parse(s: &str) -> Option<Stamp> {
    let s = s.trim();
    let (year, r) = digits(s, 4)?;
    let r = r.strip_prefix('-')?;
    let (month, r) = digits(r, 2)?;
    let r = r.strip_prefix('-')?;
    let (day, mut r) = digits(r, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year as i64, month) {
        return None;
    }
    let mut st = Stamp {
        year: year as i64,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
        offset: None,
    };
    if r.is_empty() {
        return Some(st);
    }
    r = r.strip_prefix('T').or_else(|| r.strip_prefix(' '))?;
    let (hour, rest) = digits(r, 2)?;
    let rest = rest.strip_prefix(':')?;
    let (minute, mut rest) = digits(rest, 2)?;
    st.hour = hour;
    st.minute = minute;
    if let Some(x) = rest.strip_prefix(':') {
        let (second, x) = digits(x, 2)?;
        st.second = second;
        rest = x;
        if let Some(frac) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            let ms: String = frac[..n].chars().chain("000".chars()).take(3).collect();
            st.millis = ms.parse().ok()?;
            rest = &frac[n..];
        }
    }
    if hour > 23 || minute > 59 || st.second > 60 {
        return None;
    }
    st.offset = match rest {
        "" => None,
        "Z" | "z" => Some(0),
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let x = &rest[1..];
            let (h, x) = digits(x, 2)?;
            let x = x.strip_prefix(':').unwrap_or(x);
            let (m, x) = digits(x, 2)?;
            if !x.is_empty() || h > 23 || m > 59 {
                return None;
            }
            Some(sign * (h as i64 * 3600 + m as i64 * 60))
        }
    };
    Some(st)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// ISO weekday, Monday = 1 … Sunday = 7.
fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1
}

fn iso_weeks_in_year(y: i64) -> i64 {
    let p = |y: i64| (y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)).rem_euclid(7);
    if p(y) == 4 || p(y - 1) == 3 { 53 } else { 52 }
}

impl Stamp {
    /// Milliseconds since the Unix epoch, in UTC (no offset counts as UTC).
    pub fn epoch_millis(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        let secs =
            days * 86_400 + self.hour as i64 * 3600 + self.minute as i64 * 60 + self.second as i64
                - self.offset.unwrap_or(0);
        secs * 1000 + self.millis as i64
    }

    /// The part a time modifier extracts, from the time as written (the specification excludes
    /// time-zone conversion). `week` is the ISO 8601 week number.
    pub fn part(&self, unit: TimeUnit) -> i64 {
        match unit {
            TimeUnit::Minute => self.minute as i64,
            TimeUnit::Hour => self.hour as i64,
            TimeUnit::Day => self.day as i64,
            TimeUnit::Month => self.month as i64,
            TimeUnit::Year => self.year,
            TimeUnit::Week => {
                let days = days_from_civil(self.year, self.month, self.day);
                let ordinal = days - days_from_civil(self.year, 1, 1) + 1;
                let week = (ordinal - weekday(days) + 10).div_euclid(7);
                if week < 1 {
                    iso_weeks_in_year(self.year - 1)
                } else if week > iso_weeks_in_year(self.year) {
                    1
                } else {
                    week
                }
            }
        }
    }
}

/// The time of an event field value in epoch milliseconds: an ISO 8601 string, or a number of epoch
/// seconds (milliseconds when larger than 10^11, i.e. after 1973 in milliseconds).
pub fn value_millis(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => parse(s).map(|s| s.epoch_millis()),
        Value::Number(n) => {
            let f = n.as_f64()?;
            if !f.is_finite() {
                return None;
            }
            Some(if f.abs() > 1e11 {
                f as i64
            } else {
                (f * 1000.0) as i64
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let s = parse("2025-11-27T07:40:10.165324Z").unwrap();
        assert_eq!((s.hour, s.minute, s.second, s.millis), (7, 40, 10, 165));
        assert_eq!(s.offset, Some(0));
        let s = parse("2025-11-27 07:40:10.132").unwrap();
        assert_eq!((s.day, s.millis, s.offset), (27, 132, None));
        assert_eq!(parse("2024-02-29").unwrap().day, 29);
        assert_eq!(parse("2024-01-01T10:00+02:00").unwrap().offset, Some(7200));
        assert_eq!(
            parse("2024-01-01T10:00:00-0130").unwrap().offset,
            Some(-5400)
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T25:00",
            "2024/01/01",
            "x",
            "2024-01-01T10:00:00.Z",
            "2024-01-01T10:00 junk",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn epoch() {
        assert_eq!(parse("1970-01-01T00:00:00Z").unwrap().epoch_millis(), 0);
        assert_eq!(
            parse("2000-03-01T00:00:01.5Z").unwrap().epoch_millis(),
            951_868_801_500
        );
        assert_eq!(
            parse("1970-01-01T02:00:00+02:00").unwrap().epoch_millis(),
            0,
            "offsets convert to UTC"
        );
        assert_eq!(
            value_millis(&serde_json::json!(951868801)),
            Some(951_868_801_000)
        );
        assert_eq!(
            value_millis(&serde_json::json!(951868801500i64)),
            Some(951_868_801_500)
        );
    }

    #[test]
    fn parts_and_iso_weeks() {
        let p = |s: &str, u| parse(s).unwrap().part(u);
        assert_eq!(
            p("2026-03-04T05:06:07+09:00", TimeUnit::Hour),
            5,
            "as written"
        );
        assert_eq!(p("2026-03-04T05:06:07", TimeUnit::Minute), 6);
        assert_eq!(p("2026-03-04", TimeUnit::Year), 2026);
        // ISO weeks around year boundaries.
        assert_eq!(p("2021-01-03", TimeUnit::Week), 53); // Sunday, week 53 of 2020
        assert_eq!(p("2021-01-04", TimeUnit::Week), 1);
        assert_eq!(p("2024-12-30", TimeUnit::Week), 1); // Monday, week 1 of 2025
        assert_eq!(p("2026-07-15", TimeUnit::Week), 29);
        assert_eq!(p("2015-12-31", TimeUnit::Week), 53);
    }
}
