//! `Retry-After` as delay seconds, an HTTP-date or an RFC 3339 timestamp.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// Reads `Retry-After` as delay seconds, an HTTP-date or an RFC 3339 timestamp (Zoom's form).
/// Returns the absolute time to retry at; a time in the past means now; garbage gives `None`.
pub fn retry_after(headers: &HeaderMap, now_utc: SystemTime) -> Option<SystemTime> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, now_utc)
}

/// Parses one `Retry-After` value; see [`retry_after`].
pub fn parse_retry_after(value: &str, now_utc: SystemTime) -> Option<SystemTime> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return now_utc.checked_add(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value)
        .ok()
        .or_else(|| chrono::DateTime::parse_from_rfc3339(value).ok().map(SystemTime::from))?;
    Some(at.max(now_utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        // 2026-12-03T17:00:00Z
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_317_200)
    }

    fn wait(value: &str) -> Option<Duration> {
        parse_retry_after(value, now()).map(|at| at.duration_since(now()).unwrap())
    }

    #[test]
    fn delay_seconds() {
        assert_eq!(wait("7"), Some(Duration::from_secs(7)));
        assert_eq!(wait(" 0 "), Some(Duration::ZERO));
    }

    #[test]
    fn http_date() {
        assert_eq!(wait("Thu, 03 Dec 2026 17:00:30 GMT"), Some(Duration::from_secs(30)));
    }

    #[test]
    fn rfc3339_as_zoom_sends_it() {
        assert_eq!(wait("2026-12-03T17:01:00Z"), Some(Duration::from_secs(60)));
        assert_eq!(wait("2026-12-03T18:00:05+01:00"), Some(Duration::from_secs(5)));
    }

    #[test]
    fn a_time_in_the_past_means_now() {
        assert_eq!(wait("Thu, 03 Dec 2026 16:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(wait("2020-01-01T00:00:00Z"), Some(Duration::ZERO));
    }

    #[test]
    fn garbage_is_ignored() {
        for value in ["", "soon", "-5", "1.5", "2026-13-45T99:00:00Z", "99999999999999999999"] {
            assert_eq!(wait(value), None, "{value:?}");
        }
    }

    #[test]
    fn reads_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, now()), None);
        headers.insert(http::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers, now()), Some(now() + Duration::from_secs(3)));
    }
}
