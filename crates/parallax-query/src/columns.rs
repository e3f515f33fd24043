//! The column catalog: which Galileo column ids exist and which [`Field`] each one names.
//!
//! Galileo lets the server choose its column ids and tells the SDK about them through
//! `available_columns` (PROTOCOL.md §7.2); the SDK then checks `filterable`, `sortable` and
//! `data_type` on the client before it builds a filter. The conventions here follow what the
//! SDK and Galileo use: standard fields by name, `metrics/<key>`, `tags`, and
//! `user_metadata.<key>` (our own convention for metadata, advertised through the catalog).

use std::borrow::Cow;

use serde::Serialize;
use thiserror::Error;

use crate::model::Field;

/// The kind of record a search returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Root {
    Trace,
    Span,
    Session,
}

/// Galileo's column category (`ColumnInfo.category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnCategory {
    Standard,
    Metric,
    Tags,
    UserMetadata,
}

/// Galileo's column data type (`ColumnInfo.data_type`); serialises to Galileo's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    Text,
    Uuid,
    Integer,
    FloatingPoint,
    Boolean,
    Timestamp,
    /// The SDK accepts text list filters (`one_of`, `not_in`) on `tag` and `string_list` columns.
    Tag,
    StringList,
}

/// What a column id names: a field with one value, or the record's tag list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Column {
    Field(Field),
    Tags,
}

/// One entry of `available_columns`. Serialises to Galileo's `ColumnInfo` JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDef {
    pub id: Cow<'static, str>,
    pub label: Cow<'static, str>,
    pub category: ColumnCategory,
    pub data_type: DataType,
    pub filterable: bool,
    pub sortable: bool,
    pub multi_valued: bool,
    /// What the column maps to in the filter model.
    #[serde(skip)]
    pub column: Column,
}

impl ColumnDef {
    /// The column of one user metadata key, `user_metadata.<key>`: text, filterable, sortable.
    pub fn metadata(key: &str) -> ColumnDef {
        ColumnDef {
            id: Cow::Owned(format!("user_metadata.{key}")),
            label: Cow::Owned(key.to_owned()),
            category: ColumnCategory::UserMetadata,
            data_type: DataType::Text,
            filterable: true,
            sortable: true,
            multi_valued: false,
            column: Column::Field(Field::Metadata(key.to_owned())),
        }
    }

    /// The column of one metric key, `metrics/<key>` (for keys found in logged records, such as
    /// local metrics). The four metrics with their own field are already standard columns.
    pub fn metric(key: &str, data_type: DataType) -> ColumnDef {
        ColumnDef {
            id: Cow::Owned(format!("metrics/{key}")),
            label: Cow::Owned(key.to_owned()),
            category: ColumnCategory::Metric,
            data_type,
            filterable: true,
            sortable: true,
            multi_valued: false,
            column: Column::Field(Field::from_metric_key(key)),
        }
    }
}

const fn column(
    id: &'static str,
    label: &'static str,
    category: ColumnCategory,
    data_type: DataType,
    field: Field,
) -> ColumnDef {
    ColumnDef {
        id: Cow::Borrowed(id),
        label: Cow::Borrowed(label),
        category,
        data_type,
        filterable: true,
        sortable: true,
        multi_valued: false,
        column: Column::Field(field),
    }
}

use ColumnCategory::{Metric, Standard};
use DataType::{Boolean, Integer, Text, Timestamp, Uuid};

const ID: ColumnDef = column("id", "ID", Standard, Uuid, Field::Id);
const TRACE_ID: ColumnDef = column("trace_id", "Trace ID", Standard, Uuid, Field::TraceId);
const PARENT_ID: ColumnDef = column("parent_id", "Parent ID", Standard, Uuid, Field::ParentId);
const SESSION_ID: ColumnDef = column("session_id", "Session ID", Standard, Uuid, Field::SessionId);
const EXTERNAL_ID: ColumnDef = column(
    "external_id",
    "External ID",
    Standard,
    Text,
    Field::ExternalId,
);
const NAME: ColumnDef = column("name", "Name", Standard, Text, Field::Name);
const TYPE: ColumnDef = column("type", "Type", Standard, Text, Field::Type);
const MODEL: ColumnDef = column("model", "Model", Standard, Text, Field::Model);
const INPUT: ColumnDef = column("input", "Input", Standard, Text, Field::Input);
const OUTPUT: ColumnDef = column("output", "Output", Standard, Text, Field::Output);
const CREATED_AT: ColumnDef = column(
    "created_at",
    "Created",
    Standard,
    Timestamp,
    Field::CreatedAt,
);
const STATUS_CODE: ColumnDef = column(
    "status_code",
    "Status Code",
    Standard,
    Integer,
    Field::StatusCode,
);
const IS_COMPLETE: ColumnDef = column(
    "is_complete",
    "Complete",
    Standard,
    Boolean,
    Field::IsComplete,
);
const DURATION: ColumnDef = column(
    "metrics/duration_ns",
    "Latency",
    Metric,
    Integer,
    Field::Duration,
);
const INPUT_TOKENS: ColumnDef = column(
    "metrics/num_input_tokens",
    "Input Tokens",
    Metric,
    Integer,
    Field::InputTokens,
);
const OUTPUT_TOKENS: ColumnDef = column(
    "metrics/num_output_tokens",
    "Output Tokens",
    Metric,
    Integer,
    Field::OutputTokens,
);
const TOTAL_TOKENS: ColumnDef = column(
    "metrics/num_total_tokens",
    "Total Tokens",
    Metric,
    Integer,
    Field::TotalTokens,
);
const TAGS: ColumnDef = ColumnDef {
    id: Cow::Borrowed("tags"),
    label: Cow::Borrowed("Tags"),
    category: ColumnCategory::Tags,
    data_type: DataType::Tag,
    filterable: true,
    sortable: false,
    multi_valued: true,
    column: Column::Tags,
};

static TRACE_COLUMNS: [ColumnDef; 12] = [
    ID,
    TRACE_ID,
    SESSION_ID,
    EXTERNAL_ID,
    NAME,
    INPUT,
    OUTPUT,
    CREATED_AT,
    STATUS_CODE,
    IS_COMPLETE,
    TAGS,
    DURATION,
];
static SPAN_COLUMNS: [ColumnDef; 16] = [
    ID,
    TRACE_ID,
    PARENT_ID,
    SESSION_ID,
    TYPE,
    NAME,
    INPUT,
    OUTPUT,
    CREATED_AT,
    STATUS_CODE,
    MODEL,
    TAGS,
    DURATION,
    INPUT_TOKENS,
    OUTPUT_TOKENS,
    TOTAL_TOKENS,
];
static SESSION_COLUMNS: [ColumnDef; 4] = [ID, NAME, EXTERNAL_ID, CREATED_AT];

/// Every column id [`resolve_column`] knows without a key, in the order errors list them.
static KNOWN_IDS: [&str; 18] = [
    "id",
    "trace_id",
    "parent_id",
    "session_id",
    "external_id",
    "name",
    "type",
    "model",
    "status_code",
    "created_at",
    "input",
    "output",
    "is_complete",
    "tags",
    "metrics/duration_ns",
    "metrics/num_input_tokens",
    "metrics/num_output_tokens",
    "metrics/num_total_tokens",
];

/// The fixed columns of a root, without the per-key metadata and metric columns, which the
/// server adds from the keys it has seen ([`ColumnDef::metadata`], [`ColumnDef::metric`]).
pub fn standard_columns(root: Root) -> &'static [ColumnDef] {
    match root {
        Root::Trace => &TRACE_COLUMNS,
        Root::Span => &SPAN_COLUMNS,
        Root::Session => &SESSION_COLUMNS,
    }
}

/// A column id that names nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ColumnError {
    #[error("unknown column {id:?}; the columns are {}, metrics/<key> and user_metadata.<key>", KNOWN_IDS.join(", "))]
    Unknown { id: String },
    #[error("column id {id:?} has no key after the prefix")]
    EmptyKey { id: String },
    #[error("column \"tags\" is the tag list, not a single value")]
    Tags,
}

/// Resolves a Galileo column id, whatever the root: `tags`, `user_metadata.<key>`,
/// `metrics/<key>` or a standard field name. Ids are case-sensitive, as in Galileo.
pub fn resolve_column(id: &str) -> Result<Column, ColumnError> {
    let keyed = |key: &str, field: fn(&str) -> Field| {
        if key.is_empty() {
            Err(ColumnError::EmptyKey { id: id.to_owned() })
        } else {
            Ok(Column::Field(field(key)))
        }
    };
    if let Some(key) = id.strip_prefix("user_metadata.") {
        return keyed(key, |k| Field::Metadata(k.to_owned()));
    }
    if let Some(key) = id.strip_prefix("metrics/") {
        return keyed(key, Field::from_metric_key);
    }
    let field = match id {
        "tags" => return Ok(Column::Tags),
        "id" => Field::Id,
        "trace_id" => Field::TraceId,
        "parent_id" => Field::ParentId,
        "session_id" => Field::SessionId,
        "external_id" => Field::ExternalId,
        "name" => Field::Name,
        "type" => Field::Type,
        "model" => Field::Model,
        "status_code" => Field::StatusCode,
        "created_at" => Field::CreatedAt,
        "input" => Field::Input,
        "output" => Field::Output,
        "is_complete" => Field::IsComplete,
        _ => return Err(ColumnError::Unknown { id: id.to_owned() }),
    };
    Ok(Column::Field(field))
}

impl Field {
    /// The field a Galileo column id names: `user_metadata.field` is `Metadata("field")`,
    /// `metrics/duration_ns` is `Duration`, `metrics/foo` is `Metric("foo")`. `tags` is a
    /// column but not a field, and is refused like an unknown id.
    pub fn from_column_id(id: &str) -> Result<Field, ColumnError> {
        match resolve_column(id)? {
            Column::Field(field) => Ok(field),
            Column::Tags => Err(ColumnError::Tags),
        }
    }

    /// The Galileo column id of this field; [`Field::from_column_id`] reads it back.
    pub fn column_id(&self) -> Cow<'static, str> {
        let id = match self {
            Field::Metadata(key) => return Cow::Owned(format!("user_metadata.{key}")),
            Field::Metric(key) => return Cow::Owned(format!("metrics/{key}")),
            Field::Id => "id",
            Field::TraceId => "trace_id",
            Field::ParentId => "parent_id",
            Field::SessionId => "session_id",
            Field::ExternalId => "external_id",
            Field::Name => "name",
            Field::Type => "type",
            Field::Model => "model",
            Field::StatusCode => "status_code",
            Field::Duration => "metrics/duration_ns",
            Field::InputTokens => "metrics/num_input_tokens",
            Field::OutputTokens => "metrics/num_output_tokens",
            Field::TotalTokens => "metrics/num_total_tokens",
            Field::CreatedAt => "created_at",
            Field::Input => "input",
            Field::Output => "output",
            Field::IsComplete => "is_complete",
        };
        Cow::Borrowed(id)
    }
}
