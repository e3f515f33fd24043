//! The two error types of the crate, one per boundary: text that does not parse, and Galileo
//! JSON that does not describe a filter.
//!
//! Both say what was expected and where: a byte offset into the text, or a JSON path such as
//! `filters[2].operator`. Messages are lowercase and have no trailing punctuation, so the server
//! can put them in a response as they are.

use thiserror::Error;

/// The text language refused its input.
///
/// Displays as `at 14: expected a value after "=", found end of input`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("at {offset}: {message}")]
pub struct ParseError {
    /// Byte offset into the input where the problem is; the input's length at its end.
    pub offset: usize,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            offset,
            message: message.into(),
        }
    }

    /// The 1-based column of [`ParseError::offset`] in `input`, counted in characters (Unicode
    /// scalar values), for pointing at the problem under a line of text.
    pub fn column(&self, input: &str) -> usize {
        let mut end = self.offset.min(input.len());
        while !input.is_char_boundary(end) {
            end -= 1;
        }
        input[..end].chars().count() + 1
    }
}

/// Galileo filter or sort JSON that does not describe a filter.
///
/// Displays as `filters[2].operator: unknown operator "foo" for a number filter; expected one
/// of eq, ne, gt, gte, lt, lte, between`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: {message}")]
pub struct QueryError {
    /// Where in the request body, as `filters[2].value[0]` or `filter_tree.and[1].not`.
    pub path: String,
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> QueryError {
        QueryError {
            path: path.into(),
            message: message.into(),
        }
    }
}
