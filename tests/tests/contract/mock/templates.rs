//! Every inquiry-template and template-version operation through the generated client.

use persona_api::types;
use serde_json::json;

use super::{Exercised, sandbox};

pub(super) const OPERATIONS: &[&str] = &[
    "listInquiryTemplates",
    "retrieveInquiryTemplate",
    "importInquiryTemplateTranslations",
    "retrieveInquiryTemplateTranslations",
    "listInquiryTemplateVersions",
];

#[tokio::test]
async fn templates_versions_and_translations_go_through_every_operation() {
    let (mock, c) = sandbox().await;
    let mut exercised = Exercised::default();
    let mut saw = |id: &str| exercised.saw(id);

    let templates = c
        .list_inquiry_templates()
        .send()
        .await
        .expect("lists templates")
        .into_inner();
    assert!(
        templates
            .data
            .iter()
            .any(|template| template.id == mock.template_id())
    );
    saw("listInquiryTemplates");
    let template = c
        .retrieve_inquiry_template()
        .inquiry_template_id(mock.template_id())
        .include("latest-published-version")
        .send()
        .await
        .expect("retrieves")
        .into_inner();
    let field_schemas = template
        .data
        .attributes
        .field_schemas
        .clone()
        .expect("field schemas");
    let kinds: Vec<&str> = field_schemas.iter().map(types::FieldSchema::kind).collect();
    assert!(
        kinds.contains(&"relation-schema") && kinds.contains(&"string"),
        "{kinds:?}"
    );
    assert!(
        !field_schemas
            .iter()
            .any(|schema| matches!(schema, types::FieldSchema::Other(_))),
        "the mock renders only kinds Persona documents: {kinds:?}"
    );
    assert_eq!(template.included.expect("included").len(), 1);
    saw("retrieveInquiryTemplate");
    let translation: types::Translation =
        serde_json::from_value(json!({"step": "start", "component": "title", "attribute-name": "text", "locale-values": [{"locale": "fr", "value": "Bonjour"}]}))
            .expect("translation");
    let import = types::ImportTranslationsRequest::builder().data(
        types::ImportTranslationsRequestData::builder().attributes(
            types::ImportTranslationsRequestDataAttributes::builder()
                .translations(vec![translation]),
        ),
    );
    let draft = c
        .import_inquiry_template_translations()
        .inquiry_template_id(mock.template_id())
        .body(import)
        .send()
        .await
        .expect("imports")
        .into_inner();
    assert_eq!(
        draft.data.attributes.status,
        Some(persona_api::InquiryTemplateVersionStatus::Draft)
    );
    saw("importInquiryTemplateTranslations");
    let translations = c
        .retrieve_inquiry_template_translations()
        .inquiry_template_id(mock.template_id())
        .send()
        .await
        .expect("translations");
    assert!(
        translations
            .into_inner()
            .data
            .attributes
            .translations
            .is_empty(),
        "imports land in a draft, not the published version"
    );
    saw("retrieveInquiryTemplateTranslations");
    let versions = c
        .list_inquiry_template_versions()
        .filter_inquiry_template_id(mock.template_id())
        .send()
        .await
        .expect("lists versions")
        .into_inner();
    assert_eq!(versions.data.len(), 2);
    assert_eq!(versions.data[0].id, draft.data.id, "newest first");
    saw("listInquiryTemplateVersions");

    exercised.assert_exactly(OPERATIONS);
}
