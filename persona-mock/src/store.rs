//! The sandbox's state: every resource as a record of the generic store (`records.rs`), the
//! events that happened to them, and the one `paginate` every list uses. What operations do to
//! records is `generic.rs`'s, and each product's rules are in `families/`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use persona_api::EventId;

use crate::error::ApiError;
use crate::families::{inquiry_templates, reports};
use crate::ids::new_id;
use crate::operations::EVENTS;
use crate::records::{Record, family};

/// An event, by reference: it renders the object as it is now, where Persona keeps a copy of
/// it as it was (a simplification that keeps memory flat under load).
pub struct Event {
    pub id: String,
    pub name: &'static str,
    pub created_at: DateTime<Utc>,
    /// The id of the record it is about.
    pub object_id: String,
}

/// Objects kept in creation order, found by id.
pub struct Collection<T> {
    by_id: HashMap<String, T>,
    order: Vec<String>,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Collection {
            by_id: HashMap::new(),
            order: Vec::new(),
        }
    }
}

impl<T> Collection<T> {
    pub(crate) fn insert(&mut self, id: String, value: T) {
        self.order.push(id.clone());
        self.by_id.insert(id, value);
    }

    pub fn get(&self, id: &str) -> Result<&T, ApiError> {
        self.by_id.get(id).ok_or_else(ApiError::not_found)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Result<&mut T, ApiError> {
        self.by_id.get_mut(id).ok_or_else(ApiError::not_found)
    }

    /// Every object, in no order, to change.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.by_id.values_mut()
    }

    /// Newest first, as Persona lists.
    pub fn newest_first(&self) -> impl Iterator<Item = &T> {
        self.order.iter().rev().map(|id| &self.by_id[id])
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The ids inserted from position `start` on, oldest first.
    pub fn ids_from(&self, start: usize) -> &[String] {
        self.order.get(start..).unwrap_or_default()
    }
}

/// Every resource: one collection in creation order, and where each JSON:API type's records
/// are in it, so a type's records are found without walking every other
/// type's (an inquiry's account, a list of webhooks on each event).
#[derive(Default)]
pub struct Records {
    all: Collection<Record>,
    /// Positions in `all`, oldest first, by type.
    by_type: HashMap<&'static str, Vec<usize>>,
}

impl Records {
    pub(crate) fn insert(&mut self, record: Record) {
        self.by_type
            .entry(record.kind.json_type)
            .or_default()
            .push(self.all.len());
        self.all.insert(record.id.clone(), record);
    }

    pub fn get(&self, id: &str) -> Result<&Record, ApiError> {
        self.all.get(id)
    }

    /// The record with this id if it is of this type; 404 for a record of any other.
    pub fn get_of_type(&self, json_type: &str, id: &str) -> Result<&Record, ApiError> {
        self.get(id)
            .ok()
            .filter(|record| record.kind.json_type == json_type)
            .ok_or_else(ApiError::not_found)
    }

    /// [`Records::get_of_type`], to change.
    pub(crate) fn get_mut_of_type(
        &mut self,
        json_type: &str,
        id: &str,
    ) -> Result<&mut Record, ApiError> {
        self.get_mut(id)
            .ok()
            .filter(|record| record.kind.json_type == json_type)
            .ok_or_else(ApiError::not_found)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Result<&mut Record, ApiError> {
        self.all.get_mut(id)
    }

    /// Every record, in no order, to change.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut Record> {
        self.all.values_mut()
    }

    /// The records of these types, newest first, as Persona lists.
    pub fn of_types<'a>(&'a self, types: &[&str]) -> impl Iterator<Item = &'a Record> + use<'a> {
        let mut positions: Vec<usize> = types
            .iter()
            .filter_map(|json_type| self.by_type.get(json_type))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable_by(|left, right| right.cmp(left));
        let ids = self.all.ids_from(0);
        positions
            .into_iter()
            .filter_map(move |position| self.all.get(&ids[position]).ok())
    }
}

#[derive(Default)]
pub struct Store {
    pub events: Collection<Event>,
    /// Every resource, of any type.
    pub records: Records,
    /// When the reports made run.
    pub reports: reports::Schedule,
}

impl Store {
    /// Records the spec's event for what happened to a record, if the spec has one: named for
    /// its type (`report/watchlist.ready`), else for its type's family (`verification.passed`
    /// for a `verification/government-id`).
    pub fn announce(&mut self, json_type: &str, id: &str, happening: &str, now: DateTime<Utc>) {
        let name = [json_type, family(json_type)].into_iter().find_map(|name| {
            let name = format!("{name}.{happening}");
            EVENTS
                .binary_search(&name.as_str())
                .ok()
                .map(|index| EVENTS[index])
        });
        if let Some(name) = name {
            let event_id = new_id(EventId::PREFIX);
            self.events.insert(
                event_id.clone(),
                Event {
                    id: event_id,
                    name,
                    created_at: now,
                    object_id: id.to_string(),
                },
            );
        }
    }

    /// A store with the mock's templates: `default_template_id` and the guide's placeholder,
    /// and the sandbox's other templates and types (`sandbox.rs`).
    pub fn with_templates(default_template_id: &str, now: DateTime<Utc>) -> Store {
        let mut store = Store::default();
        for (id, name) in [
            (default_template_id, "Government ID and selfie"),
            ("itmpl_YOURTEMPLATEID", "Getting-started guide placeholder"),
        ] {
            inquiry_templates::seed(&mut store, id, name, now);
        }
        crate::sandbox::seed(&mut store, now);
        store
    }
}

/// `page[...]` parameters, checked.
#[derive(Debug, Default, Clone)]
pub struct PageRequest {
    pub after: Option<String>,
    pub before: Option<String>,
    pub size: usize,
}

pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_PAGE_SIZE: usize = 100;

impl PageRequest {
    pub fn new(
        after: Option<String>,
        before: Option<String>,
        size: Option<i64>,
    ) -> Result<PageRequest, ApiError> {
        let size = match size {
            None => DEFAULT_PAGE_SIZE,
            Some(size) if (1..=MAX_PAGE_SIZE as i64).contains(&size) => size as usize,
            Some(size) => {
                return Err(ApiError::bad_request(format!(
                    "page[size] must be between 1 and {MAX_PAGE_SIZE} (sent '{size}')"
                )));
            }
        };
        if after.is_some() && before.is_some() {
            return Err(ApiError::bad_request(
                "page[after] and page[before] cannot be used together",
            ));
        }
        Ok(PageRequest {
            after,
            before,
            size,
        })
    }
}

/// One page of `items` (already in display order) and the cursors of its neighbours.
pub struct Page<T> {
    pub items: Vec<T>,
    pub prev_cursor: Option<String>,
    pub next_cursor: Option<String>,
}

/// Cuts a page out of `items` by the ids in the cursor; every list and search uses it.
pub fn paginate<T>(
    items: Vec<T>,
    id_of: impl Fn(&T) -> &str,
    page: &PageRequest,
) -> Result<Page<T>, ApiError> {
    let position = |cursor: &str, name: &str| {
        items
            .iter()
            .position(|item| id_of(item) == cursor)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{name} must be the id of an object in this list (sent '{cursor}')"
                ))
            })
    };
    let (start, end) = match (&page.after, &page.before) {
        (Some(after), _) => {
            let start = position(after, "page[after]")? + 1;
            (start, (start + page.size).min(items.len()))
        }
        (None, Some(before)) => {
            let end = position(before, "page[before]")?;
            (end.saturating_sub(page.size), end)
        }
        (None, None) => (0, page.size.min(items.len())),
    };
    let more_before = start > 0;
    let more_after = end < items.len();
    let mut items = items;
    items.truncate(end);
    let items: Vec<T> = items.into_iter().skip(start).collect();
    Ok(Page {
        prev_cursor: if more_before {
            items.first().map(|item| id_of(item).to_string())
        } else {
            None
        },
        next_cursor: if more_after {
            items.last().map(|item| id_of(item).to_string())
        } else {
            None
        },
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_types_records_come_newest_first_without_the_others() {
        let mut records = Records::default();
        let now = Utc::now();
        let mut made = Vec::new();
        for json_type in [
            "report/watchlist",
            "account",
            "report/adverse-media",
            "account",
        ] {
            let record = Record::of_type(json_type, now).expect("a record of a type of the spec");
            made.push(record.id.clone());
            records.insert(record);
        }
        let ids = |types: &[&str]| -> Vec<String> {
            records
                .of_types(types)
                .map(|record| record.id.clone())
                .collect()
        };
        assert_eq!(ids(&["account"]), [made[3].clone(), made[1].clone()]);
        assert_eq!(
            ids(&["report/watchlist", "report/adverse-media"]),
            [made[2].clone(), made[0].clone()]
        );
        assert!(ids(&["case"]).is_empty());
    }
}
