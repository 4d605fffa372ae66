//! Success envelopes: `{"data": {"<resource>": ...}}` and `{"data": {"<resources>": [...], "pagination": ...}}`.

use serde::Serialize;
use souk_kernel::page::Pagination;
use utoipa::ToSchema;

/// The `pagination` block of list responses.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct PaginationDto {
    /// Items across all pages.
    pub total: u64,
    /// Items per page.
    pub per_page: u32,
    /// This page's number (from 1).
    pub current_page: u32,
    /// The last page's number (1 for an empty list).
    pub last_page: u64,
}

impl From<Pagination> for PaginationDto {
    fn from(p: Pagination) -> Self {
        PaginationDto {
            total: p.total,
            per_page: p.per_page,
            current_page: p.current_page,
            last_page: p.last_page,
        }
    }
}

/// An empty success body: `{"data": {}}`.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct EmptyData {}

/// Declares a one-resource envelope type `{"data": {"<key>": T}}` with its OpenAPI schema.
#[macro_export]
macro_rules! one_envelope {
    ($(#[$meta:meta])* $name:ident, $data:ident, $key:ident: $ty:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// The payload.
            pub data: $data,
        }

        /// The `data` object of a single-resource response.
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
        pub struct $data {
            /// The resource.
            pub $key: $ty,
        }

        impl $name {
            /// Wraps the resource.
            pub fn new(value: $ty) -> Self {
                Self { data: $data { $key: value } }
            }
        }
    };
}

/// Declares a list envelope type `{"data": {"<key>": [T], "pagination": {...}}}`.
#[macro_export]
macro_rules! list_envelope {
    ($(#[$meta:meta])* $name:ident, $data:ident, $key:ident: $ty:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// The payload.
            pub data: $data,
        }

        /// The `data` object of a list response.
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
        pub struct $data {
            /// This page's items.
            pub $key: Vec<$ty>,
            /// Where this page sits in the whole list.
            pub pagination: $crate::http::envelope::PaginationDto,
        }

        impl $name {
            /// Wraps a page of resources.
            pub fn new(page: souk_kernel::Page<$ty>) -> Self {
                let pagination = page.pagination().into();
                Self { data: $data { $key: page.items, pagination } }
            }
        }
    };
}
