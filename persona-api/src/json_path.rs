//! Where in a JSON document a decoding error happened, as a path (`data.attributes.status`),
//! found from the line and column serde_json reports; and a bounded snippet around it.
//!
//! Everything here is built from bytes a server sent, so every output is bounded in length:
//! a hostile body cannot make an error message large.

/// The longest key shown in a path, and the longest path, in characters.
const MAX_KEY_CHARS: usize = 64;
const MAX_PATH_CHARS: usize = 256;

enum Container {
    Object {
        key: Option<String>,
        expecting_key: bool,
    },
    Array {
        index: usize,
    },
}

/// The path of the value at `line`/`column` (1-based, as serde_json counts) in `text`.
pub fn path_at(text: &[u8], line: usize, column: usize) -> String {
    let offset = offset_of(text, line, column);
    let mut stack: Vec<Container> = Vec::new();
    let mut index = 0;
    while index < text.len() && index < offset {
        match text[index] {
            b'{' => stack.push(Container::Object {
                key: None,
                expecting_key: true,
            }),
            b'[' => stack.push(Container::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Container::Object { expecting_key, .. }) => *expecting_key = true,
                Some(Container::Array { index }) => *index += 1,
                None => {}
            },
            b':' => {
                if let Some(Container::Object { expecting_key, .. }) = stack.last_mut() {
                    *expecting_key = false;
                }
            }
            b'"' => {
                let (string, end) = read_string(text, index);
                if let Some(Container::Object {
                    key,
                    expecting_key: true,
                }) = stack.last_mut()
                {
                    *key = Some(string);
                }
                index = end;
            }
            _ => {}
        }
        index += 1;
    }
    let mut path = String::new();
    for container in &stack {
        match container {
            Container::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&truncated(key, MAX_KEY_CHARS));
            }
            Container::Object { key: None, .. } => {}
            Container::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    if path.is_empty() {
        "(top level)".to_string()
    } else {
        truncated(&path, MAX_PATH_CHARS)
    }
}

/// At most `limit` characters of `text`, with `…` where it was cut.
pub fn truncated(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(limit).collect();
    cut.push('…');
    cut
}

/// Reads the string starting at the quote at `start`; returns it and the index of its closing quote.
fn read_string(text: &[u8], start: usize) -> (String, usize) {
    let mut index = start + 1;
    while index < text.len() && text[index] != b'"' {
        index += if text[index] == b'\\' { 2 } else { 1 };
    }
    let end = index.min(text.len());
    (
        String::from_utf8_lossy(&text[start + 1..end]).into_owned(),
        end,
    )
}

fn offset_of(text: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.iter()
            .enumerate()
            .filter(|(_, byte)| **byte == b'\n')
            .nth(line - 2)
            .map_or(text.len(), |(at, _)| at + 1)
    };
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// At most `limit` characters of `text` around line/column, on one line, marked where cut.
/// Bytes that are not UTF-8 show as U+FFFD, and count as characters like any other.
pub fn snippet(text: &[u8], line: usize, column: usize, limit: usize) -> String {
    let offset = offset_of(text, line, column);
    let start = offset.saturating_sub(limit / 2);
    let end = (start + limit).min(text.len());
    let mut shown: String = String::from_utf8_lossy(&text[start..end])
        .replace(['\n', '\r'], " ")
        .chars()
        .take(limit)
        .collect();
    if start > 0 {
        shown.insert(0, '…');
    }
    if end < text.len() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locate<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        let error = serde_json::from_str::<T>(json).unwrap_err();
        path_at(json.as_bytes(), error.line(), error.column())
    }

    #[test]
    fn finds_the_member_that_failed() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            status: u8,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            data: Vec<Inner>,
        }
        assert_eq!(
            locate::<Outer>(r#"{"data": [{"status": 1}, {"status": "x"}]}"#),
            "data[1].status"
        );
        assert_eq!(
            locate::<Outer>(
                "{\n  \"data\": [\n    {\"status\": 1, \"odd\\\"key\": 2},\n    {\"status\": true}\n  ]\n}"
            ),
            "data[1].status"
        );
        assert_eq!(locate::<Outer>(r#"{"data": 5}"#), "data");
    }

    #[test]
    fn paths_from_hostile_keys_are_bounded() {
        type Nested =
            std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<u8>>>;
        let long_key = "k".repeat(10_000);
        let json = format!("{{\"{long_key}\": {{\"{long_key}\": [\"x\"]}}}}");
        let error = serde_json::from_str::<Nested>(&json).unwrap_err();
        let path = path_at(json.as_bytes(), error.line(), error.column());
        assert!(
            path.chars().count() <= MAX_PATH_CHARS + 1,
            "{} characters",
            path.chars().count()
        );
        assert!(
            path.starts_with(&format!("{}….", "k".repeat(MAX_KEY_CHARS))),
            "{path}"
        );
    }

    #[test]
    fn snippets_are_bounded_and_marked() {
        let text = format!("{{\"a\": \"{}\"}}", "x".repeat(500));
        let shown = snippet(text.as_bytes(), 1, 250, 40);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(shown.chars().filter(|c| *c == 'x').count(), 40);
    }
}
