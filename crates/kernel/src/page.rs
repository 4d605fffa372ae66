//! Pagination and sorting requests, validated once for every list.

use serde::Serialize;

use crate::{DomainError, FieldErrors};

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 200;
/// The page size when the client does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// A validated request for one page of a list (`page` from 1, `page_size` 1..=200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, per_page: DEFAULT_PAGE_SIZE }
    }
}

impl PageRequest {
    /// Validates the page number and size, naming the field at fault.
    pub fn new(page: i64, per_page: i64) -> Result<Self, DomainError> {
        let mut errors = FieldErrors::new();
        if page < 1 {
            errors.add("page", "must be at least 1");
        } else if page > i64::from(u32::MAX) {
            errors.add("page", "is too large");
        }
        if !(1..=i64::from(MAX_PAGE_SIZE)).contains(&per_page) {
            errors.add("page_size", format!("must be between 1 and {MAX_PAGE_SIZE}"));
        }
        errors.into_result()?;
        Ok(Self { page: page as u32, per_page: per_page as u32 })
    }

    /// The 1-based page number.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Items per page.
    pub fn per_page(&self) -> u32 {
        self.per_page
    }

    /// Rows to skip before this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }
}

/// One page of results plus what a client needs to fetch the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Items across all pages.
    pub total: u64,
    /// The request this page answers.
    pub request: PageRequest,
}

impl<T> Page<T> {
    /// The number of the last page (1 for an empty list).
    pub fn last_page(&self) -> u64 {
        self.total.div_ceil(u64::from(self.request.per_page)).max(1)
    }

    /// The pagination block of the list envelope.
    pub fn pagination(&self) -> Pagination {
        Pagination {
            total: self.total,
            per_page: self.request.per_page,
            current_page: self.request.page,
            last_page: self.last_page(),
        }
    }

    /// Converts the items, keeping the page metadata.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), total: self.total, request: self.request }
    }
}

/// The `pagination` object of every list response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pagination {
    /// Items across all pages.
    pub total: u64,
    /// Items per page.
    pub per_page: u32,
    /// This page's number.
    pub current_page: u32,
    /// The last page's number.
    pub last_page: u64,
}

/// Sort direction; clients may write it in any case, the default is descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// Smallest first.
    Asc,
    /// Largest (newest) first.
    #[default]
    Desc,
}

impl std::str::FromStr for SortDirection {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "ASC" => Ok(SortDirection::Asc),
            "DESC" => Ok(SortDirection::Desc),
            _ => Err("must be ASC or DESC".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_requests_validate_both_fields() {
        assert_eq!(PageRequest::new(3, 50).unwrap().offset(), 100);
        let Err(DomainError::Validation(errors)) = PageRequest::new(0, 201) else {
            panic!("expected validation error")
        };
        assert_eq!(errors.get("page").unwrap(), ["must be at least 1"]);
        assert_eq!(errors.get("page_size").unwrap(), ["must be between 1 and 200"]);
        assert!(PageRequest::new(1, 200).is_ok());
        assert!(PageRequest::new(1, 0).is_err());
    }

    #[test]
    fn last_page_rounds_up_and_is_never_zero() {
        let request = PageRequest::new(1, 20).unwrap();
        let page = |total| Page::<()> { items: vec![], total, request };
        assert_eq!(page(0).last_page(), 1);
        assert_eq!(page(20).last_page(), 1);
        assert_eq!(page(21).last_page(), 2);
        assert_eq!(page(100).pagination().last_page, 5);
    }

    #[test]
    fn sort_direction_is_case_insensitive() {
        assert_eq!("asc".parse::<SortDirection>().unwrap(), SortDirection::Asc);
        assert_eq!("Desc".parse::<SortDirection>().unwrap(), SortDirection::Desc);
        assert!("up".parse::<SortDirection>().is_err());
        assert_eq!(SortDirection::default(), SortDirection::Desc);
    }
}
