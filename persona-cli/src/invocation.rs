//! One parsed subcommand: its parameters, its request body (from `--json-body` and the body
//! flags, checked by decoding it into the operation's body type), and what came back.

use std::fmt;
use std::io::Read;

use clap::ArgMatches;
use futures::stream::{BoxStream, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::operation::{BodyFlag, FlagValue, Operation};

/// Why a command did not succeed; each maps to an exit status.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line or the body is wrong; nothing was sent.
    Usage(String),
    /// The library's error: Persona's answer, or why there was none.
    Api(persona_api::Error),
    /// Standard output could not be written.
    Output(std::io::Error),
}

/// Exit statuses, as `persona --help` documents them.
pub(crate) mod exit {
    pub const PERSONA_ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const UNREACHABLE: u8 = 3;
}

impl Failure {
    pub(crate) fn exit_status(&self) -> u8 {
        use persona_api::Error;
        match self {
            Failure::Usage(_) => exit::USAGE,
            Failure::Api(Error::Timeout(_) | Error::Transport(_)) => exit::UNREACHABLE,
            Failure::Api(Error::InvalidRequest(_) | Error::InvalidId(_) | Error::Config(_)) => {
                exit::USAGE
            }
            Failure::Api(_) | Failure::Output(_) => exit::PERSONA_ERROR,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) => f.write_str(message),
            Failure::Api(error) => {
                write!(f, "{error}")?;
                match error.api().and_then(|api| api.request_id.as_deref()) {
                    Some(request_id) => write!(f, " (request {request_id})"),
                    None => Ok(()),
                }
            }
            Failure::Output(error) => write!(f, "could not write the output: {error}"),
        }
    }
}

impl From<persona_api::Error> for Failure {
    fn from(error: persona_api::Error) -> Failure {
        Failure::Api(error)
    }
}

/// What an operation gave back, to print.
pub(crate) enum Reply<'a> {
    /// A JSON document (one page, for a list).
    Document(Value),
    /// Every item of every page, fetched as they are read.
    Items(BoxStream<'a, Result<Value, Failure>>),
    /// A body that is not JSON (the inquiry PDF).
    Bytes(persona_api::ByteStream),
}

impl<'a> Reply<'a> {
    pub(crate) fn document<T: Serialize>(
        response: persona_api::ResponseValue<T>,
    ) -> Result<Reply<'a>, Failure> {
        Ok(Reply::Document(to_json(response.into_inner())?))
    }

    pub(crate) fn items<T: Serialize + 'a>(
        items: BoxStream<'a, Result<T, persona_api::Error>>,
    ) -> Reply<'a> {
        Reply::Items(
            items
                .map(|item| to_json(item.map_err(Failure::Api)?))
                .boxed(),
        )
    }
}

/// Our types serialize every value they decoded, unknown members included.
fn to_json(value: impl Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|error| {
        Failure::Output(std::io::Error::other(format!(
            "the response could not be written as JSON: {error}"
        )))
    })
}

/// The subcommand being run and its parsed flags.
pub(crate) struct Invocation<'a> {
    operation: &'static Operation,
    matches: &'a ArgMatches,
}

impl<'a> Invocation<'a> {
    pub(crate) fn new(operation: &'static Operation, matches: &'a ArgMatches) -> Invocation<'a> {
        Invocation { operation, matches }
    }

    pub(crate) fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// A parameter's value, already parsed into the type the builder setter takes.
    pub(crate) fn parameter<T: Clone + Send + Sync + 'static>(&self, flag: &str) -> Option<T> {
        self.matches.get_one::<T>(flag).cloned()
    }

    /// `--all` was given (list operations only).
    pub(crate) fn all(&self) -> bool {
        self.flag("all")
    }

    /// A switch such as `--all` or `--yes`; false where the subcommand does not have it.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.matches.try_get_one::<bool>(name).ok().flatten() == Some(&true)
    }

    /// The values of an option the CLI adds (`--json-body`, `--null`, `--field`); none where
    /// the subcommand does not have it (clap's `get_many` panics on an option not defined).
    fn values(&self, name: &str) -> impl Iterator<Item = &'a String> {
        self.matches
            .try_get_many::<String>(name)
            .ok()
            .flatten()
            .into_iter()
            .flatten()
    }

    /// The request body: `--json-body` (or an empty object), with each body flag given written
    /// at its place, decoded into the operation's body type.
    pub(crate) fn body<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        let mut body = match self.values("json-body").next() {
            Some(source) => read_json_body(source)?,
            None => Value::Object(Map::new()),
        };
        for flag in self.operation.body {
            if let Some(value) = self.flag_value(flag)? {
                set(&mut body, flag.pointer, value)?;
            }
        }
        for member in self.values("null") {
            let Some(flag) = self.operation.body.iter().find(|flag| flag.flag == member) else {
                continue;
            };
            if self.matches.contains_id(flag.flag) {
                return Err(Failure::Usage(format!(
                    "--{member} and --null {member} contradict each other"
                )));
            }
            set(&mut body, flag.pointer, Value::Null)?;
        }
        if let Some(entries) = self.operation.entries {
            for entry in self.values("field") {
                let (name, value) = entry.split_once('=').ok_or_else(|| {
                    Failure::Usage(format!("--field takes NAME=VALUE, not `{entry}`"))
                })?;
                let pointer = format!("{entries}/{}", name.replace('~', "~0").replace('/', "~1"));
                set(&mut body, &pointer, Value::String(value.to_string()))?;
            }
        }
        serde_path_to_error::deserialize(body).map_err(|error| {
            Failure::Usage(format!(
                "the body is not what `persona {}` takes: at `{}`: {}",
                self.operation.command(),
                error.path(),
                error.inner()
            ))
        })
    }

    /// A body flag's value as JSON, or `None` if it was not given.
    fn flag_value(&self, flag: &BodyFlag) -> Result<Option<Value>, Failure> {
        let matches = self.matches;
        let as_json = |text: &String| {
            serde_json::from_str::<Value>(text)
                .map_err(|error| Failure::Usage(format!("--{} takes JSON: {error}", flag.flag)))
        };
        Ok(match flag.value {
            FlagValue::String => matches
                .get_one::<String>(flag.flag)
                .cloned()
                .map(Value::from),
            FlagValue::Integer => matches.get_one::<i64>(flag.flag).copied().map(Value::from),
            FlagValue::Boolean => matches.get_one::<bool>(flag.flag).copied().map(Value::from),
            FlagValue::Strings => matches
                .get_many::<String>(flag.flag)
                .map(|values| values.cloned().map(Value::from).collect()),
            FlagValue::Json => matches
                .get_one::<String>(flag.flag)
                .map(as_json)
                .transpose()?,
            FlagValue::JsonList => matches
                .get_many::<String>(flag.flag)
                .map(|values| values.map(as_json).collect::<Result<Vec<_>, _>>())
                .transpose()?
                .map(Value::Array),
        })
    }
}

/// The JSON of `--json-body FILE`, or of standard input for `-`.
fn read_json_body(source: &str) -> Result<Value, Failure> {
    let text = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map(|_| text)
            .map_err(|error| Failure::Usage(format!("--json-body -: {error}")))?
    } else {
        std::fs::read_to_string(source)
            .map_err(|error| Failure::Usage(format!("--json-body {source}: {error}")))?
    };
    serde_json::from_str(&text)
        .map_err(|error| Failure::Usage(format!("--json-body {source} is not JSON: {error}")))
}

/// Writes `value` at `pointer`, making the objects on the way.
fn set(body: &mut Value, pointer: &str, value: Value) -> Result<(), Failure> {
    let mut node = body;
    let mut segments = pointer.split('/').skip(1).peekable();
    while let Some(segment) = segments.next() {
        let key = segment.replace("~1", "/").replace("~0", "~");
        let Value::Object(object) = node else {
            return Err(Failure::Usage(format!(
                "the body has a non-object where {pointer} goes"
            )));
        };
        if segments.peek().is_none() {
            object.insert(key, value);
            return Ok(());
        }
        node = object
            .entry(key)
            .or_insert_with(|| Value::Object(Map::new()));
        if node.is_null() {
            *node = Value::Object(Map::new());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_makes_the_objects_on_the_way_and_keeps_the_rest() {
        let mut body = json!({"data": {"attributes": {"note": "kept"}}});
        set(
            &mut body,
            "/data/attributes/fields/name-first",
            json!("Jane"),
        )
        .unwrap();
        set(&mut body, "/meta/auto-create-account", json!(false)).unwrap();
        assert_eq!(
            body,
            json!({
                "data": {"attributes": {"note": "kept", "fields": {"name-first": "Jane"}}},
                "meta": {"auto-create-account": false}
            })
        );
    }

    #[test]
    fn set_refuses_to_write_through_a_value() {
        let mut body = json!({"data": "text"});
        let error = set(&mut body, "/data/attributes/note", json!("x")).unwrap_err();
        assert!(
            error.to_string().contains("/data/attributes/note"),
            "{error}"
        );
        assert_eq!(error.exit_status(), exit::USAGE);
    }
}
