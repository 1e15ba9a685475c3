//! The inquiry product's intent constructors, search queries and simulate actions.

use crate::generated::types::{
    SearchAnd, SearchNot, SearchOperator, SearchOr, SearchPredicate, SearchQuery, SearchValue,
    SimulateAction, SimulateActionType,
};

use super::*;
use crate::{InquiryTemplateVersionId, TemplateId};

impl NewInquiry {
    /// An inquiry from a template, named by its id: an inquiry template (`itmpl_`), a pinned
    /// template version (`itmplv_`) or a legacy template (`tmpl_`), each sent as the attribute
    /// Persona reads it from. Any other id is taken for an inquiry template's, and refused for
    /// its prefix before anything is sent.
    pub fn from_template(template_id: impl AsRef<str>) -> NewInquiry {
        let id = template_id.as_ref();
        if id.starts_with(InquiryTemplateVersionId::PREFIX) {
            NewInquiry::new().inquiry_template_version_id(id)
        } else if id.starts_with(TemplateId::PREFIX) {
            NewInquiry::new().template_id(id)
        } else {
            NewInquiry::new().inquiry_template_id(id)
        }
    }
}

impl Decision {
    /// A decision with a comment for reviewers.
    pub fn with_comment(comment: impl Into<String>) -> Decision {
        Decision::new().comment(comment)
    }
}

/// An action without data: all but the two that create verifications.
impl From<SimulateActionType> for SimulateAction {
    fn from(kind: SimulateActionType) -> SimulateAction {
        SimulateAction {
            type_: kind,
            data: None,
        }
    }
}

/// Search queries in one expression:
/// `SearchQuery::eq("status", "approved").and(SearchQuery::gte("created-at", "2025-01-01"))`.
impl SearchQuery {
    /// `attribute` equals `value`.
    pub fn eq(attribute: impl Into<String>, value: impl Into<SearchValue>) -> SearchQuery {
        predicate(attribute, SearchOperator::Eq, value)
    }

    /// `attribute` is greater than `value`.
    pub fn gt(attribute: impl Into<String>, value: impl Into<SearchValue>) -> SearchQuery {
        predicate(attribute, SearchOperator::Gt, value)
    }

    /// `attribute` is at least `value`.
    pub fn gte(attribute: impl Into<String>, value: impl Into<SearchValue>) -> SearchQuery {
        predicate(attribute, SearchOperator::Gte, value)
    }

    /// `attribute` is less than `value`.
    pub fn lt(attribute: impl Into<String>, value: impl Into<SearchValue>) -> SearchQuery {
        predicate(attribute, SearchOperator::Lt, value)
    }

    /// `attribute` is at most `value`.
    pub fn lte(attribute: impl Into<String>, value: impl Into<SearchValue>) -> SearchQuery {
        predicate(attribute, SearchOperator::Lte, value)
    }

    /// Both this and `other` (one `and` for a chain of them).
    pub fn and(self, other: SearchQuery) -> SearchQuery {
        match self {
            SearchQuery::And(mut all) => {
                all.and.push(other);
                SearchQuery::And(all)
            }
            first => SearchQuery::And(SearchAnd {
                and: vec![first, other],
            }),
        }
    }

    /// This or `other` (one `or` for a chain of them).
    pub fn or(self, other: SearchQuery) -> SearchQuery {
        match self {
            SearchQuery::Or(mut any) => {
                any.or.push(other);
                SearchQuery::Or(any)
            }
            first => SearchQuery::Or(SearchOr {
                or: vec![first, other],
            }),
        }
    }
}

/// `!query`: what does not match it.
impl std::ops::Not for SearchQuery {
    type Output = SearchQuery;

    fn not(self) -> SearchQuery {
        SearchQuery::Not(SearchNot {
            not: Box::new(self),
        })
    }
}

fn predicate(
    attribute: impl Into<String>,
    operator: SearchOperator,
    value: impl Into<SearchValue>,
) -> SearchQuery {
    SearchQuery::Predicate(SearchPredicate {
        attribute: attribute.into(),
        operator,
        value: value.into(),
    })
}

impl From<&str> for SearchValue {
    fn from(text: &str) -> SearchValue {
        SearchValue::String(text.to_string())
    }
}

impl From<String> for SearchValue {
    fn from(text: String) -> SearchValue {
        SearchValue::String(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::types;
    use serde_json::json;

    #[test]
    fn the_guides_request_in_one_expression() {
        let body = NewInquiry::from_template("itmpl_YOURTEMPLATEID")
            .name_first("Jane")
            .name_last("Doe")
            .birthdate(chrono::NaiveDate::from_ymd_opt(1994, 4, 12).expect("a date"));
        assert_eq!(
            wire::<_, types::CreateInquiryRequest>(body),
            json!({"data": {"attributes": {"inquiry-template-id": "itmpl_YOURTEMPLATEID",
                "fields": {"name-first": "Jane", "name-last": "Doe", "birthdate": "1994-04-12"}}}})
        );
    }

    #[test]
    fn the_template_id_goes_where_its_prefix_says_and_meta_only_when_set() {
        let version = wire::<_, types::CreateInquiryRequest>(NewInquiry::from_template(
            "itmplv_fjBZQqibonc9GdzB6xXR6qymyMph",
        ));
        assert_eq!(
            version,
            json!({"data": {"attributes": {"inquiry-template-version-id": "itmplv_fjBZQqibonc9GdzB6xXR6qymyMph"}}})
        );
        let legacy = wire::<_, types::CreateInquiryRequest>(
            NewInquiry::from_template("tmpl_x").auto_create_inquiry_session(true),
        );
        assert_eq!(
            legacy,
            json!({"data": {"attributes": {"template-id": "tmpl_x"}}, "meta": {"auto-create-inquiry-session": true}})
        );
    }

    #[test]
    fn an_update_sets_clears_and_adds_custom_fields() {
        let update = InquiryUpdate::new()
            .clear_note()
            .name_first("Janet")
            .field("favorite-color", "green")
            .tags(["vip"]);
        assert_eq!(
            wire::<_, types::UpdateInquiryRequest>(update),
            json!({"data": {"attributes": {"note": null, "tags": ["vip"],
                "fields": {"name-first": "Janet", "favorite-color": "green"}}}})
        );
        let cleared = InquiryUpdate::new().name_first("Janet").clear_fields();
        assert_eq!(
            wire::<_, types::UpdateInquiryRequest>(cleared),
            json!({"data": {"attributes": {"fields": null}}})
        );
    }

    #[test]
    fn actions_tags_links_and_sessions_are_one_expression_each() {
        assert_eq!(
            wire::<_, types::SimulateActionsRequest>(SimulateActions::new([
                SimulateActionType::StartInquiry,
                SimulateActionType::CompleteInquiry
            ])),
            json!({"meta": {"simulate-actions": [{"type": "start_inquiry"}, {"type": "complete_inquiry"}]}})
        );
        assert_eq!(
            wire::<_, types::InquiryTagRequest>(Tag::named("vip")),
            json!({"meta": {"tag-name": "vip"}})
        );
        assert_eq!(
            wire::<_, types::SetInquiryTagsRequest>(TagSet::named(["a", "b"])),
            json!({"meta": {"tag-name": ["a", "b"]}})
        );
        assert_eq!(
            wire::<_, types::InquiryDecisionRequest>(Decision::new()),
            json!({})
        );
        assert_eq!(
            wire::<_, types::ExpireAllInquirySessionsRequest>(ExpireSessions::new(["inq_1"])),
            json!({"meta": {"inquiry-ids": ["inq_1"]}})
        );
        assert_eq!(
            wire::<_, types::CreateInquirySessionRequest>(NewInquirySession::new("inq_1")),
            json!({"data": {"attributes": {"inquiry-id": "inq_1"}}})
        );
    }

    #[test]
    fn a_search_is_one_expression() {
        let search = InquirySearch::new().query(
            SearchQuery::eq("status", "approved")
                .and(SearchQuery::gte("created-at", "2025-01-01"))
                .and(!SearchQuery::eq("reference-id", "test")),
        );
        assert_eq!(
            wire::<_, types::SearchInquiriesRequest>(search),
            json!({"query": {"and": [
                {"attribute": "status", "operator": "eq", "value": "approved"},
                {"attribute": "created-at", "operator": "gte", "value": "2025-01-01"},
                {"not": {"attribute": "reference-id", "operator": "eq", "value": "test"}}
            ]}})
        );
    }

    #[test]
    fn a_value_the_spec_refuses_is_an_error_naming_it() {
        let error = types::GenerateOneTimeLinkRequest::try_from(
            OneTimeLinkOptions::new().expires_in_seconds(0),
        )
        .expect_err("0 seconds");
        assert_eq!(error.to_string(), "expires_in_seconds must not be 0");
        assert_eq!(
            wire::<_, types::GenerateOneTimeLinkRequest>(
                OneTimeLinkOptions::new().expires_in_seconds(3600)
            ),
            json!({"meta": {"expires-in-seconds": 3600}})
        );
    }
}
