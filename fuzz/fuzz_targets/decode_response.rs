//! Any bytes as a response body: decoding never panics, and a failure becomes an error that
//! names a JSON path and shows a bounded snippet, without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use persona_api::types::{InquiryDocument, InquiryList};

fuzz_target!(|body: &[u8]| {
    let _ = serde_json::from_slice::<InquiryList>(body);
    if let Err(error) = serde_json::from_slice::<InquiryDocument>(body) {
        let generated =
            persona_api::generated::Error::<persona_api::types::ErrorBody>::InvalidResponsePayload(
                body.to_vec().into(),
                error,
            );
        let error = persona_api::Error::from(generated);
        let shown = error.to_string();
        assert!(shown.len() < 1_000, "error text is bounded");
    }
});
