//! Integration tests of the `parallax` binary: a real server on port 0, records logged through
//! the Rust client, and the CLI run as a child process against it. One test binary, with modules.

mod errors;
mod helpers;
mod import;
mod keys;
mod query;
mod roundtrip;
