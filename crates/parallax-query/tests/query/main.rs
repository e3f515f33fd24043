//! The tests of `parallax-query`, in one binary to keep link time down: the text language as
//! data (`parser`), the round-trip and no-panic properties (`properties`), Galileo's JSON on the
//! real captured requests and by hand (`galileo`, `galileo_tree`, `galileo_errors`), and the
//! column catalog (`columns`).

mod columns;
mod galileo;
mod galileo_errors;
mod galileo_tree;
mod parser;
mod properties;
