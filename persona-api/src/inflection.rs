//! Persona's key inflections: the same JSON with kebab-case, camelCase or snake_case keys.
//!
//! Persona answers in the inflection a request asks for (`Key-Inflection`), and each webhook
//! subscription picks its own. This crate's types are kebab-case, so JSON in another
//! inflection is brought to kebab-case before it is typed. Only keys change: values (`type`
//! names, statuses, event names) are never inflected.
//!
//! ```
//! use persona_api::inflection::Inflection;
//! use serde_json::json;
//!
//! let mut body = json!({"data": {"attributes": {"referenceId": "user-1", "addressStreet1": "600 California St"}}});
//! Inflection::normalize(&mut body);
//! assert_eq!(body, json!({"data": {"attributes": {"reference-id": "user-1", "address-street-1": "600 California St"}}}));
//!
//! Inflection::Snake.apply(&mut body);
//! assert_eq!(body["data"]["attributes"]["address_street_1"], "600 California St");
//! ```

use serde_json::Value;

/// One of the three key styles Persona speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Inflection {
    /// `reference-id`: Persona's default and this crate's.
    Kebab,
    /// `referenceId`
    Camel,
    /// `reference_id`
    Snake,
}

impl Inflection {
    /// The inflection a `Key-Inflection` header value names (`kebab`, `camel` or `snake`).
    pub fn from_name(name: &str) -> Option<Inflection> {
        match name {
            "kebab" => Some(Inflection::Kebab),
            "camel" => Some(Inflection::Camel),
            "snake" => Some(Inflection::Snake),
            _ => None,
        }
    }

    /// The header value for this inflection.
    pub fn name(self) -> &'static str {
        match self {
            Inflection::Kebab => "kebab",
            Inflection::Camel => "camel",
            Inflection::Snake => "snake",
        }
    }

    /// Rewrites every key of a kebab-case document into this inflection.
    pub fn apply(self, value: &mut Value) {
        if self != Inflection::Kebab {
            rewrite_keys(value, &|key| self.inflect(key));
        }
    }

    /// Rewrites every key, in whichever of the three inflections, into kebab-case.
    pub fn normalize(value: &mut Value) {
        rewrite_keys(value, &|key| kebab_case(key, false));
    }

    /// Rewrites every key of a document known to be in this inflection into kebab-case. Unlike
    /// [`normalize`](Self::normalize), a camelCase document's every letter-digit boundary had
    /// a dash (`street1` is `street-1`: Persona's keys have no letter before a digit), even in
    /// a key without a capital.
    pub fn to_kebab(self, value: &mut Value) {
        match self {
            Inflection::Kebab => {}
            Inflection::Camel => rewrite_keys(value, &|key| kebab_case(key, true)),
            Inflection::Snake => Inflection::normalize(value),
        }
    }

    /// One kebab-case key in this inflection.
    pub fn inflect(self, kebab: &str) -> String {
        match self {
            Inflection::Kebab => kebab.to_string(),
            Inflection::Snake => kebab.replace('-', "_"),
            Inflection::Camel => {
                let mut camel = String::with_capacity(kebab.len());
                let mut upper_next = false;
                for character in kebab.chars() {
                    if character == '-' {
                        upper_next = true;
                    } else if upper_next {
                        camel.extend(character.to_uppercase());
                        upper_next = false;
                    } else {
                        camel.push(character);
                    }
                }
                camel
            }
        }
    }
}

/// One key, in any inflection, in kebab-case. A camelCase key loses the dash before a digit
/// (`addressStreet1`, as Rails camelizes `address_street_1`), so one is put back there: in a
/// key with a capital, or in every key when the document is known to be camelCase.
fn kebab_case(key: &str, camel_document: bool) -> String {
    let camel = camel_document || key.chars().any(char::is_uppercase);
    let mut kebab = String::with_capacity(key.len() + 4);
    let mut previous: Option<char> = None;
    for character in key.chars() {
        let starts_word = previous.is_some_and(|previous| {
            (character.is_uppercase() && previous != '-' && previous != '_')
                || (camel && character.is_ascii_digit() && previous.is_alphabetic())
        });
        if starts_word {
            kebab.push('-');
        }
        match character {
            '_' => kebab.push('-'),
            _ => kebab.extend(character.to_lowercase()),
        }
        previous = Some(character);
    }
    kebab
}

fn rewrite_keys(value: &mut Value, rewrite: &dyn Fn(&str) -> String) {
    match value {
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                rewrite_keys(&mut item, rewrite);
                map.insert(rewrite(&key), item);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rewrite_keys(item, rewrite)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_inflection_comes_back_to_the_same_kebab_keys() {
        let kebab = json!({
            "data": {"type": "inquiry", "attributes": {
                "reference-id": "user-1", "address-street-1": "x", "name-first": "Jane",
                "fields": {"name-first": {"type": "string", "value": "Jane"}},
                "tags": ["vip-customer"],
            }},
            "included": [{"type": "verification/government-id", "attributes": {"checks": [{"name": "id_barcode_detection"}]}}],
        });
        for inflection in [Inflection::Kebab, Inflection::Camel, Inflection::Snake] {
            let mut inflected = kebab.clone();
            inflection.apply(&mut inflected);
            Inflection::normalize(&mut inflected);
            assert_eq!(inflected, kebab, "{inflection:?}");
        }
    }

    #[test]
    fn keys_change_and_values_do_not() {
        let mut camel = json!({"reference-id": "name-first", "address-street-1": ["a-b"]});
        Inflection::Camel.apply(&mut camel);
        assert_eq!(
            camel,
            json!({"referenceId": "name-first", "addressStreet1": ["a-b"]})
        );
        let mut snake = json!({"reference-id": {"created-at": "2023-01-01"}});
        Inflection::Snake.apply(&mut snake);
        assert_eq!(snake, json!({"reference_id": {"created_at": "2023-01-01"}}));
    }

    #[test]
    fn names_are_the_header_values() {
        for inflection in [Inflection::Kebab, Inflection::Camel, Inflection::Snake] {
            assert_eq!(Inflection::from_name(inflection.name()), Some(inflection));
        }
        assert_eq!(Inflection::from_name("pascal"), None);
    }
}
