//! `POST /inquiries/search`: the documented attributes, `eq/gt/gte/lt/lte`, and `and/or/not`.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use persona_api::types::{SearchOperator, SearchQuery, SearchSort, SearchValue, SortDirection};

use crate::error::ApiError;
use crate::records::Record;

const SEARCHABLE: &[&str] = &[
    "status",
    "created_at",
    "updated_at",
    "reference_id",
    "inquiry_template_id",
];

/// Checks every predicate of the query before any inquiry is read, so a bad query fails the
/// same way on an empty sandbox.
pub fn validate(query: &SearchQuery, at: &str) -> Result<(), ApiError> {
    match query {
        SearchQuery::Predicate(predicate) => {
            if !SEARCHABLE.contains(&predicate.attribute.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "{at}.attribute '{}' is not searchable (searchable: {})",
                    predicate.attribute,
                    SEARCHABLE.join(", ")
                )));
            }
            if predicate.attribute.ends_with("_at") && timestamp(&predicate.value).is_none() {
                return Err(ApiError::bad_request(format!(
                    "{at}.value must be a date or date-time for {}",
                    predicate.attribute
                )));
            }
            Ok(())
        }
        SearchQuery::And(and) => and
            .and
            .iter()
            .enumerate()
            .try_for_each(|(index, part)| validate(part, &format!("{at}.and[{index}]"))),
        SearchQuery::Or(or) => or
            .or
            .iter()
            .enumerate()
            .try_for_each(|(index, part)| validate(part, &format!("{at}.or[{index}]"))),
        SearchQuery::Not(not) => validate(&not.not, &format!("{at}.not")),
    }
}

/// Whether an inquiry matches a validated query.
pub fn matches(query: &SearchQuery, inquiry: &Record) -> bool {
    match query {
        SearchQuery::Predicate(predicate) => {
            let ordering = match predicate.attribute.as_str() {
                "status" | "reference_id" => compare_text(
                    inquiry
                        .attribute(&predicate.attribute.replace('_', "-"))
                        .as_str(),
                    &predicate.value,
                ),
                "inquiry_template_id" => {
                    compare_text(inquiry.linked_id("inquiry-template"), &predicate.value)
                }
                "created_at" => {
                    timestamp(&predicate.value).map(|value| inquiry.created_at.cmp(&value))
                }
                "updated_at" => {
                    timestamp(&predicate.value).map(|value| inquiry.updated_at.cmp(&value))
                }
                _ => None,
            };
            ordering.is_some_and(|ordering| match predicate.operator {
                SearchOperator::Eq => ordering == Ordering::Equal,
                SearchOperator::Gt => ordering == Ordering::Greater,
                SearchOperator::Gte => ordering != Ordering::Less,
                SearchOperator::Lt => ordering == Ordering::Less,
                SearchOperator::Lte => ordering != Ordering::Greater,
            })
        }
        SearchQuery::And(and) => and.and.iter().all(|part| matches(part, inquiry)),
        SearchQuery::Or(or) => or.or.iter().any(|part| matches(part, inquiry)),
        SearchQuery::Not(not) => !matches(&not.not, inquiry),
    }
}

/// Sorts by `created_at` or `updated_at`; Persona's default is newest created first.
pub fn sort(inquiries: &mut [&Record], sort: Option<&SearchSort>) -> Result<(), ApiError> {
    let (attribute, direction) = sort.map_or(("created_at", SortDirection::Desc), |sort| {
        (sort.attribute.as_str(), sort.direction)
    });
    let key = match attribute {
        "created_at" => |inquiry: &Record| inquiry.created_at,
        "updated_at" => |inquiry: &Record| inquiry.updated_at,
        other => {
            return Err(ApiError::bad_request(format!(
                "sort.attribute '{other}' is not sortable (sortable: created_at, updated_at)"
            )));
        }
    };
    // Stable, so inquiries created in the same instant keep their creation order.
    inquiries.sort_by(|left, right| match direction {
        SortDirection::Asc => key(left).cmp(&key(right)),
        SortDirection::Desc => key(right).cmp(&key(left)),
    });
    Ok(())
}

fn compare_text(actual: Option<&str>, value: &SearchValue) -> Option<Ordering> {
    match value {
        SearchValue::String(expected) => actual.map(|actual| actual.cmp(expected.as_str())),
        _ => None,
    }
}

/// A date (midnight UTC) or an RFC 3339 date-time.
fn timestamp(value: &SearchValue) -> Option<DateTime<Utc>> {
    let SearchValue::String(text) = value else {
        return None;
    };
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
                .map(|at| at.and_utc())
        })
}
