//! The Souk server: configuration, CLI, HTTP routes and conventions, OpenAPI, background jobs.

pub mod app;
pub mod cli;
pub mod config;
pub mod http;
pub mod logging;
pub mod openapi;
pub mod routes;
pub mod seed;

pub use app::{RunningServer, start};
pub use config::Config;
