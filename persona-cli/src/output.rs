//! Printing a reply: pretty JSON by default (for people and `jq`), one compact item per line
//! with `--ndjson` (for streams), raw bytes for a body that is not JSON.

use std::io::Write;

use futures::TryStreamExt;
use serde_json::Value;

use crate::invocation::{Failure, Reply};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Pretty,
    Ndjson,
}

pub(crate) async fn print(
    reply: Reply<'_>,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    match (reply, format) {
        (Reply::Document(document), Format::Pretty) => write_pretty(out, &document, "")?,
        (Reply::Document(document), Format::Ndjson) => match document.get("data") {
            Some(Value::Array(items)) => {
                for item in items {
                    write_line(out, item)?;
                }
            }
            _ => write_line(out, &document)?,
        },
        (Reply::Items(mut items), Format::Ndjson) => {
            while let Some(item) = items.try_next().await? {
                write_line(out, &item)?;
                out.flush().map_err(Failure::Output)?;
            }
        }
        (Reply::Items(mut items), Format::Pretty) => {
            // Streamed as an array, so a long list shows its first items at once.
            out.write_all(b"[").map_err(Failure::Output)?;
            let mut first = true;
            while let Some(item) = items.try_next().await? {
                out.write_all(if first { b"\n  " } else { b",\n  " })
                    .map_err(Failure::Output)?;
                first = false;
                write_pretty(out, &item, "  ")?;
            }
            out.write_all(if first { b"]\n" } else { b"\n]\n" })
                .map_err(Failure::Output)?;
        }
        (Reply::Bytes(bytes), _) => {
            let mut bytes = bytes.into_inner();
            while let Some(chunk) = bytes
                .try_next()
                .await
                .map_err(|error| Failure::Api(persona_api::Error::Transport(error)))?
            {
                out.write_all(&chunk).map_err(Failure::Output)?;
            }
        }
    }
    out.flush().map_err(Failure::Output)
}

/// Pretty JSON, each line after the first indented by `indent`; a final newline when not nested.
fn write_pretty(out: &mut impl Write, value: &Value, indent: &str) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|error| Failure::Output(std::io::Error::other(error)))?;
    let text = if indent.is_empty() {
        text + "\n"
    } else {
        text.replace('\n', &format!("\n{indent}"))
    };
    out.write_all(text.as_bytes()).map_err(Failure::Output)
}

fn write_line(out: &mut impl Write, value: &Value) -> Result<(), Failure> {
    serde_json::to_writer(&mut *out, value)
        .map_err(|error| Failure::Output(std::io::Error::other(error)))?;
    out.write_all(b"\n").map_err(Failure::Output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use serde_json::json;

    fn printed(reply: Reply<'static>, format: Format) -> String {
        let mut out = Vec::new();
        futures::executor::block_on(print(reply, format, &mut out)).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn items(values: Vec<Value>) -> Reply<'static> {
        Reply::Items(futures::stream::iter(values.into_iter().map(Ok)).boxed())
    }

    #[test]
    fn a_streamed_list_is_one_json_array() {
        let text = printed(
            items(vec![json!({"id": "inq_1"}), json!({"id": "inq_2"})]),
            Format::Pretty,
        );
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, json!([{"id": "inq_1"}, {"id": "inq_2"}]));
        assert_eq!(printed(items(vec![]), Format::Pretty), "[]\n");
    }

    #[test]
    fn ndjson_is_one_item_per_line() {
        assert_eq!(
            printed(
                items(vec![json!({"id": "inq_1"}), json!({"id": "inq_2"})]),
                Format::Ndjson
            ),
            "{\"id\":\"inq_1\"}\n{\"id\":\"inq_2\"}\n"
        );
        let page = Reply::Document(json!({"data": [{"id": "inq_1"}], "links": {"next": null}}));
        assert_eq!(printed(page, Format::Ndjson), "{\"id\":\"inq_1\"}\n");
    }
}
