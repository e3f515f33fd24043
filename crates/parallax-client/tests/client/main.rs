//! Integration tests of the client: a real server on port 0 (`parallax_server::serve`), driven
//! through the logger, the blocking logger and the tracing layer. One test binary, with modules.

mod helpers;
mod layer;
mod logger;
mod retry;
