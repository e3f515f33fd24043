//! The HTTP server of Parallax. Routes are grouped by surface (`routes::galileo`, `routes::api`,
//! …); handlers stay short and call domain or store functions. Startup takes a bound listener
//! and a shutdown future so tests can run the real server on port 0 and stop it cleanly.

pub mod auth;
pub mod config;
pub mod error;
mod ingest;
mod json;
pub mod pii;
pub mod quarantine;
pub mod rate;
pub mod review;
pub mod routes;
mod startup;
pub mod state;

pub use config::Config;
pub use startup::{open_state, run, serve};
