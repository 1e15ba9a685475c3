//! Decodes JSON into the generated Rust type of a schema, by the schema's name in the spec, so
//! that every example can be checked against the type its operation declares.

use persona_api::types;
use serde_json::Value;

/// Decodes `json` as the Rust type generated for schema `schema`, returning the pretty `Debug`
/// form of the value, or the decoding error with its JSON path.
pub fn decode(schema: &str, json: &Value) -> Result<String, String> {
    macro_rules! registry {
        ($($name:ident),+ $(,)?) => {
            match schema {
                $(stringify!($name) => typed::<types::$name>(json),)+
                other => panic!("no decoder for schema {other}: add it to tests/src/decode.rs"),
            }
        };
    }
    registry!(
        CreateInquiryRequest,
        CreateInquirySessionRequest,
        ErrorBody,
        EventDocument,
        EventList,
        ExpireAllInquirySessionsRequest,
        ExpiredInquirySessions,
        GenerateOneTimeLinkRequest,
        ImportTranslationsRequest,
        InquiryCreated,
        InquiryDecisionRequest,
        InquiryDocument,
        InquiryList,
        InquiryOneTimeLink,
        InquiryResumed,
        InquirySessionDocument,
        InquirySessionList,
        InquirySessionOneTimeLink,
        InquiryTagRequest,
        InquiryTemplateDocument,
        InquiryTemplateList,
        InquiryTemplateTranslationsDocument,
        InquiryTemplateVersionDocument,
        InquiryTemplateVersionList,
        SearchInquiriesRequest,
        SetInquiryTagsRequest,
        SimulateActionsRequest,
        UpdateInquiryRequest,
    )
}

/// Decodes through the JSON text, as the client does, so that the error names the JSON path.
fn typed<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &Value) -> Result<String, String> {
    let text = json.to_string();
    let deserializer = &mut serde_json::Deserializer::from_str(&text);
    match serde_path_to_error::deserialize::<_, T>(deserializer) {
        Ok(value) => Ok(format!("{value:#?}")),
        Err(error) => Err(format!("at `{}`: {}", error.path(), error.inner())),
    }
}
