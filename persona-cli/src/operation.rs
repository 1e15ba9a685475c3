//! What the generated table says about each operation, and the clap command tree built from it.

use clap::builder::{PossibleValuesParser, ValueParser};
use clap::{Arg, ArgAction, Command};

/// One operation of the spec: a verb of a noun's command, such as `persona inquiry create`.
pub(crate) struct Operation {
    /// What it acts on: `inquiry`.
    pub noun: &'static str,
    /// What it does: `create`.
    pub verb: &'static str,
    pub about: &'static str,
    pub long_about: &'static str,
    /// Path, query and header parameters.
    pub parameters: &'static [Parameter],
    /// Whether the operation takes a request body (then `--json-body` is offered).
    pub has_body: bool,
    /// The body members offered as flags.
    pub body: &'static [BodyFlag],
    /// Where `--field NAME=VALUE` writes, for bodies with free-form template fields.
    pub entries: Option<&'static str>,
    /// A cursor-paginated list: `--all` follows `links.next`.
    pub list: bool,
    /// Deletes data for good: with a production key it needs `--yes`.
    pub destructive: bool,
}

/// A path, query or header parameter.
pub(crate) struct Parameter {
    pub flag: &'static str,
    pub help: &'static str,
    pub required: bool,
    /// The id the command acts on, given without a flag (`persona inquiry retrieve inq_..`).
    pub positional: bool,
    /// Parses into the type the library's builder setter takes.
    pub parser: fn() -> ValueParser,
}

/// A member of the request body, set by a flag.
pub(crate) struct BodyFlag {
    pub flag: &'static str,
    /// Where the value goes in the body, as a JSON pointer.
    pub pointer: &'static str,
    pub help: &'static str,
    pub value: FlagValue,
    /// The values of a closed enum; empty for anything else.
    pub possible: &'static [&'static str],
    /// The member takes `null`, which `--null FLAG` sends (it clears the member in an update).
    pub nullable: bool,
    /// An id (or list of ids) of one kind: checks each for the kind's prefix.
    pub id: Option<fn() -> ValueParser>,
}

/// How a body flag's text becomes JSON, after the type of the member it sets.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FlagValue {
    String,
    Integer,
    Boolean,
    /// A list of strings: the flag is repeated.
    Strings,
    /// Any other JSON value (numbers too), given as JSON text.
    Json,
    /// A list of other JSON values: the flag is repeated, each one JSON text.
    JsonList,
}

impl FlagValue {
    fn value_name(self) -> &'static str {
        match self {
            FlagValue::String | FlagValue::Strings => "TEXT",
            FlagValue::Integer => "INTEGER",
            FlagValue::Boolean => "true|false",
            FlagValue::Json | FlagValue::JsonList => "JSON",
        }
    }

    fn repeated(self) -> bool {
        matches!(self, FlagValue::Strings | FlagValue::JsonList)
    }

    fn parser(self) -> ValueParser {
        match self {
            FlagValue::String | FlagValue::Strings | FlagValue::Json | FlagValue::JsonList => {
                ValueParser::string()
            }
            FlagValue::Integer => clap::value_parser!(i64).into(),
            FlagValue::Boolean => ValueParser::bool(),
        }
    }
}

const CONNECTION: &str = "Connection";
const PARAMETERS: &str = "Parameters";
const BODY: &str = "Body";

impl Operation {
    /// `inquiry create`, as it is typed after `persona`.
    pub(crate) fn command(&self) -> String {
        format!("{} {}", self.noun, self.verb)
    }
}

/// The whole `persona` command: global configuration, a command per noun with a subcommand
/// per verb, and `completions`.
pub(crate) fn command_tree(operations: &[Operation]) -> Command {
    let mut root = Command::new("persona")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Every operation of Persona's API, from the command line.")
        .long_about(
            "Every operation of Persona's API, from the command line. Responses are \
             printed as JSON on standard output; errors go to standard error.\n\n\
             Exit status: 0 success; 1 Persona answered with an error; 2 the command line or \
             body was wrong (nothing was sent); 3 Persona could not be reached.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("api-key")
                .long("api-key")
                .env("PERSONA_API_KEY")
                .hide_env_values(true)
                .global(true)
                .help_heading(CONNECTION)
                .value_name("KEY")
                .help("The API key (persona_sandbox_... or persona_production_...); prefer the environment variable, which other users cannot see"),
        )
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .env("PERSONA_API_BASE_URL")
                .hide_env_values(true)
                .global(true)
                .help_heading(CONNECTION)
                .value_name("URL")
                .help(format!(
                    "Where the API is, such as a local persona-mock [default: {}]",
                    persona_api::DEFAULT_BASE_URL
                )),
        );
    for noun in nouns(operations) {
        let verbs = operations.iter().filter(|operation| operation.noun == noun);
        let mut command = Command::new(noun)
            .subcommand_required(true)
            .arg_required_else_help(true);
        let mut names = Vec::new();
        for operation in verbs {
            names.push(operation.verb);
            command = command.subcommand(subcommand(operation));
        }
        root = root.subcommand(command.about(verb_summary(&names)));
    }
    root.subcommand(
        Command::new("completions")
            .about("Print a completion script for a shell")
            .arg(
                Arg::new("shell")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
    )
}

/// A noun's verbs for `persona --help`, cut short to keep to one line.
fn verb_summary(verbs: &[&str]) -> String {
    let mut line = String::new();
    for verb in verbs {
        if line.len() + verb.len() > 72 {
            return format!("{line}, ... ({} in all)", verbs.len());
        }
        if !line.is_empty() {
            line += ", ";
        }
        line += verb;
    }
    line
}

/// The nouns of the operations, each once, in the table's order.
pub(crate) fn nouns(operations: &[Operation]) -> Vec<&'static str> {
    let mut nouns: Vec<&'static str> = operations.iter().map(|operation| operation.noun).collect();
    nouns.dedup();
    nouns
}

fn subcommand(operation: &Operation) -> Command {
    let mut command = Command::new(operation.verb)
        .about(operation.about)
        .long_about(operation.long_about);
    for parameter in operation.parameters {
        let arg = Arg::new(parameter.flag)
            .help(parameter.help)
            .required(parameter.required)
            .value_parser((parameter.parser)());
        // A positional id shows as `<inquiry-id>` in the usage line.
        command = command.arg(if parameter.positional {
            arg
        } else {
            arg.long(parameter.flag).help_heading(PARAMETERS)
        });
    }
    if operation.has_body {
        command = command.arg(
            Arg::new("json-body")
                .long("json-body")
                .value_name("FILE")
                .help_heading(BODY)
                .help("The whole request body as JSON, from FILE or - for standard input; body flags given too override its members"),
        );
    }
    for flag in operation.body {
        let parser = match flag.id {
            Some(id) => id(),
            None if flag.possible.is_empty() => flag.value.parser(),
            None => PossibleValuesParser::new(flag.possible).into(),
        };
        command = command.arg(
            Arg::new(flag.flag)
                .long(flag.flag)
                .help(flag.help)
                .help_heading(BODY)
                .value_name(flag.value.value_name())
                .action(if flag.value.repeated() {
                    ArgAction::Append
                } else {
                    ArgAction::Set
                })
                .value_parser(parser),
        );
    }
    let nullable: Vec<&str> = operation
        .body
        .iter()
        .filter(|flag| flag.nullable)
        .map(|flag| flag.flag)
        .collect();
    if !nullable.is_empty() {
        command = command.arg(
            Arg::new("null")
                .long("null")
                .value_name("MEMBER")
                .help_heading(BODY)
                .action(ArgAction::Append)
                .value_parser(PossibleValuesParser::new(nullable))
                .help("Send null for this body member, which clears it in an update (repeatable)"),
        );
    }
    if let Some(pointer) = operation.entries {
        command = command.arg(
            Arg::new("field")
                .long("field")
                .value_name("NAME=VALUE")
                .help_heading(BODY)
                .action(ArgAction::Append)
                .help(format!(
                    "A template field without a flag of its own, as a string (repeatable) [body: {}]",
                    pointer.trim_start_matches('/').replace('/', ".")
                )),
        );
    }
    if operation.list {
        command = command
            .arg(
                Arg::new("all")
                    .long("all")
                    .action(ArgAction::SetTrue)
                    .help("Follow links.next and print every item of every page, as a JSON array"),
            )
            .arg(
                Arg::new("ndjson")
                    .long("ndjson")
                    .action(ArgAction::SetTrue)
                    .help("Print one item per line (compact JSON) as pages arrive, instead of the page document"),
            );
    }
    if operation.destructive {
        command = command.arg(
            Arg::new("yes")
                .long("yes")
                .action(ArgAction::SetTrue)
                .help("Confirm: needed with a production key, since this cannot be undone"),
        );
    }
    command
}
