//! Wire formats that are pure data transformations (no IO): the Galileo step JSON in both
//! directions. The HTTP routes, the importer and the Rust client share them.

pub mod galileo;
