//! Response bodies decoded into our types: the getting-started guide's response and error,
//! Persona's example for each operation, and what Persona may send that the spec does not say.

use persona_api::types::{
    ErrorBody, InquiryCreated, InquiryDocument, InquirySessionDocument, InquiryTemplateDocument,
};
use persona_api::{InquirySessionStatus, InquiryStatus};
use persona_api_tests::decode::decode;
use persona_api_tests::fixtures::{guide, persona_examples};
use persona_api_tests::{operations, product_snapshots};
use serde_json::{Value, json};

fn typed<T: serde::de::DeserializeOwned>(json: &Value) -> T {
    serde_json::from_value(json.clone()).unwrap_or_else(|error| panic!("does not decode: {error}"))
}

#[test]
fn the_seed_response_decodes_into_a_created_inquiry() {
    let created: InquiryCreated = typed(&guide().response);
    let inquiry = &created.data;
    assert_eq!(inquiry.id, "inq_YOURTEMPLATEID");
    assert_eq!(inquiry.attributes.status, Some(InquiryStatus::Created));
    assert_eq!(inquiry.attributes.name_first.as_deref(), Some("Jane"));
    assert_eq!(
        inquiry.attributes.birthdate,
        Some("1994-04-12".parse().expect("date"))
    );
    let fields = inquiry.attributes.fields.as_ref().expect("fields");
    assert_eq!(fields["name-first"].value, json!("Jane"));
    assert_eq!(fields["selected-country-code"].value, json!("US"));
    assert_eq!(fields["name-middle"].value, Value::Null);
    let relationships = inquiry.relationships.as_ref().expect("relationships");
    assert_eq!(
        relationships
            .inquiry_template
            .as_ref()
            .and_then(|link| link.id())
            .map(|id| id.as_str()),
        Some("itmpl_zxDohzpCMnKNnj4no2dDuah8")
    );
    assert_eq!(
        relationships.template.as_ref().and_then(|link| link.id()),
        None
    );
    insta::assert_debug_snapshot!(created);
}

#[test]
fn the_seed_error_decodes_with_title_and_details() {
    let body: ErrorBody = typed(&guide().error);
    assert_eq!(body.errors[0].title.as_deref(), Some("Bad request"));
    assert_eq!(
        body.errors[0].details.as_deref(),
        Some(
            "data.attributes.inquiry_template_id must start with itmpl (sent 'itm_zxDohzpCMnKNnj4no2dDuah8')"
        )
    );
    insta::assert_debug_snapshot!(body);
}

#[test]
fn persona_example_responses_decode_into_our_types() {
    for operation in operations() {
        let Some(schema) = &operation.response_schema else {
            continue;
        };
        let (_, responses) = persona_examples(&operation.method, &operation.path);
        for (name, example) in responses {
            let decoded = decode(schema, &example)
                .unwrap_or_else(|error| panic!("{}: {error}", operation.id));
            insta::with_settings!({ snapshot_path => product_snapshots(operation) }, {
                insta::assert_snapshot!(
                    format!("persona_{}_{}", operation.id, name.to_lowercase()),
                    decoded
                );
            });
        }
    }
}

/// The seed's inquiry with `change` applied to its JSON.
fn seed_inquiry_with(change: impl FnOnce(&mut Value)) -> InquiryDocument {
    let mut body = guide().response.clone();
    change(&mut body);
    typed(&body)
}

#[test]
fn an_unknown_status_is_kept() {
    let document = seed_inquiry_with(|body| {
        body["data"]["attributes"]["status"] = json!("escalated_to_legal")
    });
    assert_eq!(
        document.data.attributes.status,
        Some(InquiryStatus::Other("escalated_to_legal".to_string()))
    );
    let resent = serde_json::to_value(&document).expect("serializes");
    assert_eq!(resent["data"]["attributes"]["status"], "escalated_to_legal");

    let session: InquirySessionDocument = typed(&json!({
        "data": {"type": "inquiry-session", "id": "iqse_1", "attributes": {"status": "paused"}}
    }));
    assert_eq!(
        session.data.attributes.status,
        Some(InquirySessionStatus::Other("paused".to_string()))
    );
}

#[test]
fn an_unknown_included_type_is_kept() {
    let document = seed_inquiry_with(|body| {
        body["included"] = json!([
            {"type": "verification/quantum-id", "id": "ver_Q1", "attributes": {"status": "passed", "score": 0.97}},
            {"type": "inquiry-template", "id": "itmpl_zxDohzpCMnKNnj4no2dDuah8", "attributes": {"name": "KYC"}}
        ]);
    });
    let included = document.included.as_ref().expect("included");
    assert_eq!(included[0].kind(), "verification/quantum-id");
    let persona_api::types::Included::Other(unknown) = &included[0] else {
        panic!("an unknown kind is Other: {:?}", included[0])
    };
    assert_eq!(unknown["attributes"]["score"], json!(0.97));
    insta::assert_debug_snapshot!(included);
}

#[test]
fn null_where_an_array_was_expected_decodes() {
    let document = seed_inquiry_with(|body| {
        body["data"]["attributes"]["tags"] = Value::Null;
        body["data"]["relationships"]["verifications"]["data"] = Value::Null;
        body["data"]["attributes"]["fields"] = Value::Null;
        body["included"] = Value::Null;
    });
    assert_eq!(document.data.attributes.tags, None);
    assert!(document.data.attributes.fields.is_none());
    assert!(document.included.is_none());
    let template: InquiryTemplateDocument = typed(&json!({
        "data": {"type": "inquiry-template", "id": "itmpl_1", "attributes": {"name": "KYC", "field-schemas": null, "hosted-flow-subdomains": null}}
    }));
    assert!(template.data.attributes.field_schemas.is_none());
}

#[test]
fn a_sparse_fieldset_decodes_with_the_rest_missing() {
    // What `fields[inquiry]=status` returns: one attribute and no relationships.
    let document: InquiryDocument = typed(&json!({
        "data": {"type": "inquiry", "id": "inq_1", "attributes": {"status": "approved"}}
    }));
    assert_eq!(
        document.data.attributes.status,
        Some(InquiryStatus::Approved)
    );
    assert!(document.data.attributes.created_at.is_none());
    assert!(document.data.relationships.is_none());
    insta::assert_debug_snapshot!(document);
}

#[test]
fn unknown_attributes_are_kept() {
    let document = seed_inquiry_with(|body| {
        body["data"]["attributes"]["risk-score"] = json!(12);
        body["data"]["attributes"]["reusable-persona"] = json!({"eligible": true});
    });
    let extra = &document.data.attributes.extra;
    assert_eq!(extra["risk-score"], json!(12));
    assert_eq!(extra["reusable-persona"], json!({"eligible": true}));
    let resent = serde_json::to_value(&document).expect("serializes");
    assert_eq!(
        resent["data"]["attributes"]["risk-score"],
        json!(12),
        "kept values are sent back"
    );
    insta::assert_debug_snapshot!(extra);
}

#[test]
fn field_schemas_decode_by_kind_keep_an_unknown_kind_and_write_back_every_value() {
    use persona_api::types::FieldSchema;
    let sent = json!([
        {"type": "string", "key": "name_first", "label": "First name", "default-value": null,
         "config": {"required": true, "max-char-length": 255, "sanitize": []}, "hint": "new key"},
        {"type": "relation-schema", "key": "current_selfie", "label": null,
         "config": {"required": false, "target": "selfie"}},
        {"type": "integer", "key": "age", "label": "Age", "default-value": 30, "config": {"min": 18}},
        {"type": "signature", "key": "consent", "config": {"pen-color": "blue"}},
    ]);
    let schemas: Vec<FieldSchema> = typed(&sent);
    let kinds: Vec<&str> = schemas.iter().map(FieldSchema::kind).collect();
    assert_eq!(kinds, ["string", "relation-schema", "integer", "signature"]);
    let FieldSchema::String(name) = &schemas[0] else {
        panic!("a string field: {:?}", schemas[0])
    };
    assert_eq!(name.key.as_deref(), Some("name_first"));
    assert_eq!(
        name.config.as_ref().and_then(|config| config.required),
        Some(true)
    );
    let FieldSchema::RelationSchema(selfie) = &schemas[1] else {
        panic!("a relation: {:?}", schemas[1])
    };
    assert_eq!(
        selfie
            .config
            .as_ref()
            .and_then(|config| config.target.as_deref()),
        Some("selfie")
    );
    assert!(matches!(&schemas[2], FieldSchema::Integer(age) if age.default_value == Some(30)));
    assert!(matches!(&schemas[3], FieldSchema::Other(object) if object["key"] == "consent"));
    // Typed optional attributes write `null` as absent, as every generated type does; any
    // other value, known or not, comes back as it was sent.
    let mut without_nulls = sent.clone();
    for schema in without_nulls.as_array_mut().expect("a list") {
        schema
            .as_object_mut()
            .expect("an object")
            .retain(|_, value| !value.is_null());
    }
    assert_eq!(
        serde_json::to_value(&schemas).expect("serializes"),
        without_nulls,
        "nothing that was sent is lost on the way back"
    );
}

#[test]
fn nothing_the_server_sends_is_dropped_on_the_way_back() {
    let mut sent = guide().response.clone();
    sent["data"]["relationships"]["cases"] = json!({"data": [{"type": "case", "id": "case_1"}]});
    sent["data"]["links"] = json!({"self": "/api/v1/inquiries/inq_1"});
    sent["meta"] = json!({"session-token": "eyJ.x.y", "trace": "abc"});
    sent["jsonapi"] = json!({"version": "1.0"});
    let document: persona_api::types::InquiryCreated = typed(&sent);
    let extra = document
        .data
        .relationships
        .as_ref()
        .expect("relationships")
        .extra
        .get("cases")
        .cloned();
    assert_eq!(extra, Some(sent["data"]["relationships"]["cases"].clone()));
    let resent = serde_json::to_value(&document).expect("serializes");
    for unnamed in [
        "/data/relationships/cases",
        "/data/links",
        "/meta/trace",
        "/jsonapi",
    ] {
        assert_eq!(resent.pointer(unnamed), sent.pointer(unnamed), "{unnamed}");
    }
    // Named members come back as their types write them (timestamps in chrono's form,
    // unset optional ones absent); reading that again changes nothing.
    let again: persona_api::types::InquiryCreated = typed(&resent);
    assert_eq!(serde_json::to_value(&again).expect("serializes"), resent);
}

#[test]
fn included_kinds_decode_typed_an_unknown_one_is_other_and_nothing_is_lost_on_the_way_back() {
    use persona_api::types::Included;
    use persona_api::{CheckRequirement, CheckStatus, IncludedObjects, Resolve};

    let mut sent = guide().response.clone();
    sent["data"]["relationships"]["verifications"] = json!({"data": [
        {"type": "verification/selfie", "id": "ver_S"},
        {"type": "verification/government-id", "id": "ver_G"},
        {"type": "verification/database", "id": "ver_D"},
    ]});
    sent["data"]["relationships"]["reports"] =
        json!({"data": [{"type": "report/watchlist", "id": "rep_W"}]});
    sent["data"]["relationships"]["documents"] =
        json!({"data": [{"type": "document/government-id", "id": "doc_G"}]});
    sent["included"] = json!([
        {"type": "verification/government-id", "id": "ver_G", "attributes": {
            "status": "passed", "name-first": "JANE", "name-last": "DOE", "birthdate": "1994-04-12",
            "id-class": "dl", "photo-urls": [{"page": "front", "url": "https://files.example/f"}],
            "checks": [
                {"name": "id_barcode_detection", "status": "passed", "reasons": [], "requirement": "required", "metadata": {}},
                {"name": "id_new_check", "status": "inconclusive", "reasons": ["glare"], "requirement": "advisory", "metadata": {"score": 0.4}}
            ],
            "a-new-attribute": 7
        }, "relationships": {"inquiry": {"data": {"type": "inquiry", "id": "inq_YOURTEMPLATEID"}}}},
        {"type": "verification/selfie", "id": "ver_S", "attributes": {"status": "passed", "checks": []}},
        {"type": "verification/database", "id": "ver_D", "attributes": {"status": "failed"}},
        {"type": "report/watchlist", "id": "rep_W", "attributes": {"status": "ready", "has-match": false}},
        {"type": "document/government-id", "id": "doc_G", "attributes": {"status": "processed"}},
        {"type": "verification/quantum", "id": "ver_Q", "attributes": {"score": 0.97}}
    ]);
    let document: persona_api::types::InquiryCreated = typed(&sent);
    let included = document.included.objects();
    let kinds: Vec<&str> = included.iter().map(Included::kind).collect();
    assert_eq!(
        kinds,
        [
            "verification/government-id",
            "verification/selfie",
            "verification/database",
            "report/watchlist",
            "document/government-id",
            "verification/quantum"
        ]
    );
    let Included::VerificationGovernmentId(government_id) = &included[0] else {
        panic!("typed: {:?}", included[0])
    };
    let attributes = government_id.attributes.as_ref().expect("attributes");
    assert_eq!(attributes.name_first.as_deref(), Some("JANE"));
    let checks = attributes.checks.as_ref().expect("checks");
    assert_eq!(checks[0].status, Some(CheckStatus::Passed));
    assert_eq!(checks[0].requirement, Some(CheckRequirement::Required));
    assert_eq!(
        checks[1].status,
        Some(CheckStatus::Other("inconclusive".to_string())),
        "a new check status is kept"
    );
    assert!(
        matches!(&included[5], Included::Other(object) if object["attributes"]["score"] == json!(0.97))
    );

    // Relationships lead to the typed objects, in the relationship's order.
    let links = document.data.relationships.as_ref().expect("links");
    let verifications: Vec<&str> = links
        .verifications
        .resolve(&document.included)
        .iter()
        .map(|object| object.kind())
        .collect();
    assert_eq!(
        verifications,
        [
            "verification/selfie",
            "verification/government-id",
            "verification/database"
        ]
    );
    assert!(matches!(
        links.reports.resolve(&document.included).as_slice(),
        [Included::ReportWatchlist(_)]
    ));
    assert!(matches!(
        links.documents.resolve(&document.included).as_slice(),
        [Included::DocumentGovernmentId(_)]
    ));

    let resent = serde_json::to_value(&document).expect("serializes");
    assert_eq!(
        resent["included"], sent["included"],
        "every included value comes back"
    );
}

#[test]
fn an_included_object_reads_the_same_whether_its_type_comes_first_or_last() {
    use persona_api::types::Included;
    let first = br#"[{"type": "report/watchlist", "id": "rep_1", "attributes": {"status": "ready", "has-match": true}},
                     {"type": "report/new-kind", "id": "rep_2", "attributes": {"x": 1}}]"#;
    let last = br#"[{"id": "rep_1", "attributes": {"status": "ready", "has-match": true}, "type": "report/watchlist"},
                    {"attributes": {"x": 1}, "id": "rep_2", "type": "report/new-kind"}]"#;
    for bytes in [&first[..], &last[..]] {
        let read: Vec<Included> = serde_json::from_slice(bytes).expect("decodes");
        let Included::ReportWatchlist(report) = &read[0] else {
            panic!("typed: {:?}", read[0])
        };
        assert_eq!(report.id, "rep_1");
        assert_eq!(
            report.type_, "report/watchlist",
            "the resource keeps its type"
        );
        assert_eq!(
            report.attributes.as_ref().and_then(|a| a.has_match),
            Some(true)
        );
        assert!(
            matches!(&read[1], Included::Other(object) if object["attributes"]["x"] == 1 && object["type"] == "report/new-kind")
        );
    }
}

/// A link of every id kind resolves, typed, to its object among others in `included`: for each
/// kind of each union `included` holds (the model's table), the least object of its schema with
/// an id of the kind, beside another of the same kind, found by a to-one and a to-many link.
#[test]
fn a_link_of_every_included_kind_resolves_to_its_object() {
    use persona_api_tests::included_kinds::included_kinds;

    let cases = included_kinds();
    assert!(cases.len() >= 16, "the inquiry family's kinds at least");
    for case in cases {
        let object = |id: &str| {
            let mut object = persona_api_tests::least_instance(
                &json!({ "$ref": format!("#/components/schemas/{}", case.schema) }),
            );
            object["type"] = json!(case.tag);
            object["id"] = json!(id);
            object
        };
        let (wanted, other) = (
            format!("{}wanted", case.prefix),
            format!("{}other", case.prefix),
        );
        let included = json!([object(&other), object(&wanted)]);
        let link = json!({ "type": case.tag, "id": wanted });
        let found = (case.resolve)(&included, &link)
            .unwrap_or_else(|error| panic!("{} {} ({}): {error}", case.union, case.tag, case.kind));
        let ids: Vec<&Value> = found.iter().map(|object| &object["id"]).collect();
        assert_eq!(
            ids,
            [&json!(wanted), &json!(wanted)],
            "{} {}: the to-one and the to-many link find it",
            case.union,
            case.tag
        );
        assert_eq!(found[0]["type"], json!(case.tag), "{}", case.tag);
    }
}
