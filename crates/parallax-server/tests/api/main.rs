#![recursion_limit = "256"]
//! Integration tests: the real server on 127.0.0.1:0 with a fresh data directory, over HTTP.

mod galileo;
mod helpers;
mod query;
mod review;
