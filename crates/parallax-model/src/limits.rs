//! Configurable limits on how many tags and metadata keys one record may carry.
//!
//! The seed puts the practical limit of tags at "≈ 50" per record; PRODUCT.md makes both counts
//! configurable per server, so they live in a value passed to validation rather than a constant.

/// Per-record count limits. Length limits are fixed by the seed and are not configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// At most this many distinct tags on one trace or span.
    pub max_tags: usize,
    /// At most this many metadata keys on one trace or span.
    pub max_metadata_keys: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tags: 50,
            max_metadata_keys: 64,
        }
    }
}
