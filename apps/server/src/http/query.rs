//! Query-string parsing shared by every list: pagination, sorting, multi-value and time filters,
//! and sparse `fields`. A malformed query string is `400`; a bad value is `422` naming the field.

use std::collections::BTreeSet;
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use souk_kernel::page::DEFAULT_PAGE_SIZE;
use souk_kernel::{FieldErrors, PageRequest, SortDirection};

use crate::http::error::{ApiError, ErrorCode};

/// The decoded query string, keeping repeated keys in order.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Decodes a raw query string; undecodable input is `400 BAD_REQUEST`.
    pub fn parse(raw: &str) -> Result<QueryParams, ApiError> {
        let malformed = |part: &str| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("malformed query string near {part:?}: bad percent-encoding"),
            )
        };
        let mut pairs = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let key = percent_decode(key).ok_or_else(|| malformed(part))?;
            let value = percent_decode(value).ok_or_else(|| malformed(part))?;
            pairs.push((key, value));
        }
        Ok(QueryParams(pairs))
    }

    /// Every value given for a key (repeated keys and comma-separated lists both count).
    pub fn values(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The single value of a key; the first one wins if it is repeated.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// Just `page` and `page_size`, for lists without filters or sorting.
    pub fn page_only(&self) -> Result<PageRequest, ApiError> {
        let mut reader = self.reader();
        let page = reader.page();
        reader.finish()?;
        Ok(page)
    }

    /// Starts collecting typed values and their errors.
    pub fn reader(&self) -> QueryReader<'_> {
        QueryReader { params: self, errors: FieldErrors::new() }
    }
}

/// Strict `application/x-www-form-urlencoded` decoding: `None` for a broken escape or invalid UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => decoded.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
                decoded.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            byte => decoded.push(byte),
        }
        i += 1;
    }
    String::from_utf8(decoded).ok()
}

impl FromRequest for QueryParams {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(QueryParams::parse(req.query_string()))
    }
}

/// Which end of a day a bare date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    /// `from`: the start of the day.
    Start,
    /// `to`: the last microsecond of the day, so the whole day is included.
    End,
}

/// Parses a time filter: RFC 3339, a date (`2026-01-31`, UTC) or Unix seconds.
pub fn parse_time(text: &str, bound: DateBound) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let time = match bound {
            DateBound::Start => NaiveTime::MIN,
            DateBound::End => NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or(NaiveTime::MIN),
        };
        return Ok(Utc.from_utc_datetime(&date.and_time(time)));
    }
    if let Ok(seconds) = text.parse::<i64>()
        && let Some(at) = DateTime::from_timestamp(seconds, 0)
    {
        return Ok(at);
    }
    Err("must be an RFC 3339 time, a date (YYYY-MM-DD) or Unix seconds".to_owned())
}

/// Reads typed values from the query, gathering every error before answering `422`.
#[derive(Debug)]
pub struct QueryReader<'q> {
    params: &'q QueryParams,
    errors: FieldErrors,
}

impl QueryReader<'_> {
    /// `page` and `page_size` (defaults 1 and 20).
    pub fn page(&mut self) -> PageRequest {
        let page = self.integer("page").unwrap_or(1);
        let size = self.integer("page_size").unwrap_or(i64::from(DEFAULT_PAGE_SIZE));
        match PageRequest::new(page, size) {
            Ok(request) => request,
            Err(souk_kernel::DomainError::Validation(errors)) => {
                self.errors.extend(errors);
                PageRequest::default()
            }
            Err(_) => PageRequest::default(),
        }
    }

    fn integer(&mut self, key: &str) -> Option<i64> {
        let text = self.params.get(key)?;
        match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.errors.add(key, "must be an integer");
                None
            }
        }
    }

    /// `order_by` (one of the resource's sort keys) and `order_direction` (`ASC`/`DESC`, any case).
    pub fn sort<S: FromStr<Err = String> + Default>(&mut self) -> (S, SortDirection) {
        let sort = self.parsed::<S>("order_by").unwrap_or_default();
        let direction = self.parsed::<SortDirection>("order_direction").unwrap_or_default();
        (sort, direction)
    }

    /// A single typed value.
    pub fn parsed<T: FromStr<Err = String>>(&mut self, key: &str) -> Option<T> {
        let text = self.params.get(key)?;
        text.parse::<T>().map_err(|message| self.errors.add(key, message)).ok()
    }

    /// Every typed value of a multi-value filter.
    pub fn many<T: FromStr<Err = String>>(&mut self, key: &str) -> Vec<T> {
        let mut parsed = Vec::new();
        for text in self.params.values(key) {
            match text.parse::<T>() {
                Ok(value) => parsed.push(value),
                Err(message) => self.errors.add(key, format!("{text:?} {message}")),
            }
        }
        parsed
    }

    /// A boolean flag (`true`/`1`, `false`/`0`).
    pub fn flag(&mut self, key: &str) -> Option<bool> {
        self.parsed::<BoolValue>(key).map(|b| b.0)
    }

    /// A single UUID.
    pub fn uuid(&mut self, key: &str) -> Option<uuid::Uuid> {
        self.parsed::<UuidValue>(key).map(|u| u.0)
    }

    /// Every UUID of a multi-value filter.
    pub fn uuids(&mut self, key: &str) -> Vec<uuid::Uuid> {
        self.many::<UuidValue>(key).into_iter().map(|u| u.0).collect()
    }

    /// A free-text value, at most `max` characters.
    pub fn text(&mut self, key: &str, max: usize) -> Option<String> {
        let text = self.params.get(key)?;
        if text.chars().count() > max {
            self.errors.add(key, format!("must be at most {max} characters"));
            return None;
        }
        Some(text.to_owned())
    }

    /// A time filter; `to`-style keys treat a bare date as the end of that day.
    pub fn time(&mut self, key: &str, bound: DateBound) -> Option<DateTime<Utc>> {
        let text = self.params.get(key)?;
        parse_time(text, bound).map_err(|message| self.errors.add(key, message)).ok()
    }

    /// A time range `(from, to)`; `from` after `to` is an error.
    pub fn time_range(
        &mut self,
        from_key: &str,
        to_key: &str,
    ) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let from = self.time(from_key, DateBound::Start);
        let to = self.time(to_key, DateBound::End);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            self.errors.add(to_key, format!("must not be before {from_key}"));
        }
        (from, to)
    }

    /// `fields=id,title`: the selected fields among `allowed` (`id` always included).
    pub fn fields(&mut self, allowed: &[&str]) -> Option<FieldSelection> {
        let requested = self.params.values("fields");
        if requested.is_empty() {
            return None;
        }
        let mut selected = BTreeSet::from(["id".to_owned()]);
        for field in requested {
            if allowed.contains(&field) {
                selected.insert(field.to_owned());
            } else {
                self.errors
                    .add("fields", format!("unknown field {field:?}; allowed: {}", allowed.join(", ")));
            }
        }
        Some(FieldSelection(selected))
    }

    /// Records an error found by the caller's own checks of a value.
    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors.add(key, message);
    }

    /// Ends reading: `422` with every field error, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::validation(self.errors)) }
    }
}

/// The fields a client asked for with `fields=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSelection(BTreeSet<String>);

impl FieldSelection {
    /// Keeps only the selected keys of a JSON object (other values pass unchanged).
    pub fn apply(&self, value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                serde_json::Value::Object(map.into_iter().filter(|(k, _)| self.0.contains(k)).collect())
            }
            other => other,
        }
    }
}

/// A boolean query value: `true`/`1` or `false`/`0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoolValue(pub bool);

impl FromStr for BoolValue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "true" | "1" => Ok(BoolValue(true)),
            "false" | "0" => Ok(BoolValue(false)),
            _ => Err("must be true or false".into()),
        }
    }
}

/// A UUID query value (`product_id=...`) whose parse error names what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UuidValue(pub uuid::Uuid);

impl FromStr for UuidValue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(UuidValue).map_err(|_| "must be a UUID".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reader_of(raw: &str) -> QueryParams {
        QueryParams::parse(raw).unwrap()
    }

    #[test]
    fn multi_values_come_comma_separated_or_repeated() {
        let params = reader_of("status=new,accepted&status=shipped&status=&x=1");
        assert_eq!(params.values("status"), ["new", "accepted", "shipped"]);
        assert_eq!(params.get("x"), Some("1"));
        assert_eq!(params.get("missing"), None);
    }

    #[test]
    fn pagination_defaults_and_errors() {
        let params = reader_of("");
        let mut reader = params.reader();
        let page = reader.page();
        assert_eq!((page.page(), page.per_page()), (1, 20));
        assert!(reader.finish().is_ok());

        let params = reader_of("page=0&page_size=500");
        let mut reader = params.reader();
        reader.page();
        let errors = reader.finish().unwrap_err().errors.unwrap();
        assert!(errors.get("page").is_some() && errors.get("page_size").is_some());

        let params = reader_of("page=abc");
        let mut reader = params.reader();
        reader.page();
        assert_eq!(reader.finish().unwrap_err().errors.unwrap().get("page").unwrap(), ["must be an integer"]);
    }

    #[test]
    fn time_filters_accept_three_forms() {
        let expect = |text, bound, rfc: &str| {
            assert_eq!(parse_time(text, bound).unwrap(), DateTime::parse_from_rfc3339(rfc).unwrap());
        };
        expect("2026-01-31T10:00:00+02:00", DateBound::Start, "2026-01-31T08:00:00Z");
        expect("2026-01-31", DateBound::Start, "2026-01-31T00:00:00Z");
        expect("2026-01-31", DateBound::End, "2026-01-31T23:59:59.999999Z");
        expect("1769853600", DateBound::Start, "2026-01-31T10:00:00Z");
        assert!(parse_time("yesterday", DateBound::Start).is_err());
        assert!(parse_time("2026-02-30", DateBound::Start).is_err());
    }

    #[test]
    fn reversed_ranges_are_refused() {
        let params = reader_of("from=2026-02-01&to=2026-01-01");
        let mut reader = params.reader();
        reader.time_range("from", "to");
        assert!(reader.finish().unwrap_err().errors.unwrap().get("to").is_some());
    }

    #[test]
    fn sorting_parses_keys_and_direction() {
        #[derive(Debug, Default, PartialEq)]
        enum Key {
            #[default]
            Created,
            Title,
        }
        impl FromStr for Key {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    "created_at" => Ok(Key::Created),
                    "title" => Ok(Key::Title),
                    _ => Err("must be one of: created_at, title".into()),
                }
            }
        }
        let params = reader_of("order_by=title&order_direction=asc");
        let mut reader = params.reader();
        assert_eq!(reader.sort::<Key>(), (Key::Title, SortDirection::Asc));
        assert!(reader.finish().is_ok());

        let params = reader_of("order_by=price&order_direction=sideways");
        let mut reader = params.reader();
        assert_eq!(reader.sort::<Key>(), (Key::Created, SortDirection::Desc));
        let errors = reader.finish().unwrap_err().errors.unwrap();
        assert!(errors.get("order_by").is_some() && errors.get("order_direction").is_some());
    }

    #[test]
    fn sparse_fields_keep_id_and_refuse_unknown_names() {
        let params = reader_of("fields=title,price");
        let mut reader = params.reader();
        let selection = reader.fields(&["title", "price", "currency"]).unwrap();
        let picked = selection.apply(json!({"id": "1", "title": "Lamp", "price": "9.99", "currency": "USD"}));
        assert_eq!(picked, json!({"id": "1", "title": "Lamp", "price": "9.99"}));

        let params = reader_of("fields=secret");
        let mut reader = params.reader();
        reader.fields(&["title"]);
        assert!(reader.finish().is_err());
    }

    #[test]
    fn undecodable_query_strings_are_bad_requests() {
        for raw in ["a=%ZZ", "a=%", "a=%+F", "a=%FF", "%E2%82=1"] {
            assert_eq!(QueryParams::parse(raw).map(|_| ()).unwrap_err().code, ErrorCode::BadRequest, "{raw}");
        }
        let params = QueryParams::parse("search=caf%C3%A9+au+lait&x").unwrap();
        assert_eq!(params.get("search"), Some("café au lait"));
    }
}
