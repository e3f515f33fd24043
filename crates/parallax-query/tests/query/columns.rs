//! The column catalog: what `available_columns` advertises per root, and how column ids map to
//! fields and back.

use expect_test::expect;
use parallax_query::{resolve_column, standard_columns, ColumnDef, DataType, Field, Root};

#[test]
fn standard_columns_per_root() {
    let listing: String = [Root::Trace, Root::Span, Root::Session]
        .into_iter()
        .map(|root| {
            let ids: Vec<&str> = standard_columns(root)
                .iter()
                .map(|c| c.id.as_ref())
                .collect();
            format!("{root:?}: {}\n", ids.join(", "))
        })
        .collect();
    expect![[r#"
        Trace: id, trace_id, session_id, external_id, name, input, output, created_at, status_code, is_complete, tags, metrics/duration_ns
        Span: id, trace_id, parent_id, session_id, type, name, input, output, created_at, status_code, model, tags, metrics/duration_ns, metrics/num_input_tokens, metrics/num_output_tokens, metrics/num_total_tokens
        Session: id, name, external_id, created_at
    "#]].assert_eq(&listing);
}

#[test]
fn columns_serialise_as_galileo_column_info() {
    let tags = standard_columns(Root::Trace)
        .iter()
        .find(|c| c.id == "tags")
        .unwrap();
    let duration = standard_columns(Root::Span)
        .iter()
        .find(|c| c.id == "metrics/duration_ns")
        .unwrap();
    let json = serde_json::to_string(&[tags, duration, &ColumnDef::metadata("field")]).unwrap();
    expect![[r#"[{"id":"tags","label":"Tags","category":"tags","data_type":"tag","filterable":true,"sortable":false,"multi_valued":true},{"id":"metrics/duration_ns","label":"Latency","category":"metric","data_type":"integer","filterable":true,"sortable":true,"multi_valued":false},{"id":"user_metadata.field","label":"field","category":"user_metadata","data_type":"text","filterable":true,"sortable":true,"multi_valued":false}]"#]].assert_eq(&json);
    let metric = ColumnDef::metric("score", DataType::FloatingPoint);
    assert_eq!(metric.id, "metrics/score");
    assert_eq!(
        ColumnDef::metric("duration_ns", DataType::Integer).column,
        resolve_column("metrics/duration_ns").unwrap()
    );
}

#[test]
fn every_column_id_resolves_to_its_own_column() {
    for root in [Root::Trace, Root::Span, Root::Session] {
        for column in standard_columns(root) {
            assert_eq!(
                resolve_column(&column.id),
                Ok(column.column.clone()),
                "{}",
                column.id
            );
            assert!(column.filterable, "{}", column.id);
        }
    }
}

#[test]
fn column_ids_map_to_fields_and_back() {
    let ids = [
        "user_metadata.field",
        "user_metadata.a.b/c",
        "metrics/duration_ns",
        "metrics/num_input_tokens",
        "metrics/num_output_tokens",
        "metrics/num_total_tokens",
        "metrics/foo",
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
    ];
    for id in ids {
        let field = Field::from_column_id(id).unwrap();
        assert_eq!(field.column_id(), id);
    }
    assert_eq!(
        Field::from_column_id("user_metadata.field"),
        Ok(Field::Metadata("field".into()))
    );
    assert_eq!(
        Field::from_column_id("metrics/duration_ns"),
        Ok(Field::Duration)
    );
    assert_eq!(
        Field::from_column_id("metrics/foo"),
        Ok(Field::Metric("foo".into()))
    );
}

#[test]
fn unknown_column_ids_list_the_columns() {
    let errors: String = ["nope", "Name", "metrics/", "user_metadata.", "tags"]
        .into_iter()
        .map(|id| format!("{}\n", Field::from_column_id(id).unwrap_err()))
        .collect();
    expect![[r#"
        unknown column "nope"; the columns are id, trace_id, parent_id, session_id, external_id, name, type, model, status_code, created_at, input, output, is_complete, tags, metrics/duration_ns, metrics/num_input_tokens, metrics/num_output_tokens, metrics/num_total_tokens, metrics/<key> and user_metadata.<key>
        unknown column "Name"; the columns are id, trace_id, parent_id, session_id, external_id, name, type, model, status_code, created_at, input, output, is_complete, tags, metrics/duration_ns, metrics/num_input_tokens, metrics/num_output_tokens, metrics/num_total_tokens, metrics/<key> and user_metadata.<key>
        column id "metrics/" has no key after the prefix
        column id "user_metadata." has no key after the prefix
        column "tags" is the tag list, not a single value
    "#]].assert_eq(&errors);
}
