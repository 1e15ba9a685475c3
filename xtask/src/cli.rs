//! The generated half of the `persona` command line (`persona-cli/src/generated.rs`): one
//! command per operation of the spec, as a noun and a verb from the model (`persona inquiry
//! create`), its flags, and the call of persona-api's builder that
//! the subcommand makes.
//!
//! The command tree (names, help, flags) comes from the spec; the type each parameter flag
//! parses into comes from the generated client's builder setter it feeds, so the CLI cannot
//! accept a value the library would refuse, and a spec change that the CLI does not follow is a
//! compile error or a failed generation, never a silent gap. Body flags write into the request
//! body at a JSON pointer (`data.attributes`, `meta`, or the body itself for bodies without the
//! JSON:API envelope, and the members of an `x-rust-flatten` object such as the template
//! `fields`); the CLI then decodes the body into the operation's body type, which checks it.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::{GenericArgument, ImplItem, Item, PathArguments, Type, TypeParamBound, WherePredicate};

use crate::TaskError;
use crate::document::{Document, Operation};
use crate::model::{self, Model};

/// The generated file, relative to the workspace root.
pub const CLI_GENERATED_PATH: &str = "persona-cli/src/generated.rs";

/// Flags every subcommand may carry besides its operation's own (see `persona-cli`).
const RESERVED_FLAGS: [&str; 10] = [
    "api-key",
    "base-url",
    "json-body",
    "field",
    "null",
    "all",
    "ndjson",
    "yes",
    "help",
    "version",
];

/// The CLI source for the spec, given its model and the generated client (whose builders it
/// calls).
pub fn generate(
    document: &Document,
    model: &Model,
    client: &syn::File,
) -> Result<String, TaskError> {
    let setters = builder_setters(client)?;
    // By noun, then verb: the order of `persona --help` and of each noun's help.
    let mut commands = BTreeMap::new();
    // The model reads the operations in document order, as `operations()` walks them.
    for (operation, modelled) in document.operations().zip(&model.operations) {
        let command = Command::read(document, &operation, modelled, &setters)?;
        let words = (command.noun.clone(), command.verb.clone());
        if let Some(twin) = commands.insert(words, command) {
            return Err(cli_error(format!("two operations are `{}`", twin.name())));
        }
    }
    let entries = commands.values().map(Command::entry);
    let arms = commands.values().map(Command::arm);
    let file: syn::File = syn::parse2(quote! {
        use crate::operation::{BodyFlag, FlagValue, Operation, Parameter};
        use crate::invocation::{Failure, Invocation, Reply};

        /// Every operation of the spec, by noun and verb.
        pub(crate) static OPERATIONS: &[Operation] = &[#(#entries),*];

        /// Sends the request of the subcommand `call` is for, through persona-api's builder.
        pub(crate) async fn send<'a>(
            client: &'a persona_api::Client,
            call: &Invocation<'_>,
        ) -> Result<Reply<'a>, Failure> {
            #[allow(unused_imports)]
            use persona_api::Paginate;
            let operation = call.operation();
            match (operation.noun, operation.verb) {
                #(#arms)*
                _ => Err(Failure::Usage(format!("no operation is `{}`", operation.command()))),
            }
        }
    })
    .map_err(|error| cli_error(error.to_string()))?;
    Ok(crate::emit::formatted(&file))
}

fn cli_error(message: String) -> TaskError {
    TaskError::Format(format!("the CLI cannot be generated: {message}"))
}

/// One subcommand, read from an operation.
struct Command {
    /// What it acts on, from the model: `inquiry`.
    noun: String,
    /// What it does, from the model: `create`.
    verb: String,
    /// The client method: `create_inquiry`.
    method: syn::Ident,
    about: String,
    long_about: String,
    parameters: Vec<ParameterFlag>,
    body: Option<Body>,
    list: bool,
    destructive: bool,
    bytes: bool,
}

struct ParameterFlag {
    flag: String,
    setter: syn::Ident,
    ty: Type,
    help: String,
    required: bool,
    /// The id the command acts on, given without a flag: `persona inquiry retrieve inq_..`.
    positional: bool,
}

struct Body {
    ty: Type,
    flags: Vec<BodyFlagSpec>,
    /// Where `--field NAME=VALUE` writes, if the body has an `x-rust-flatten` object.
    entries: Option<String>,
}

struct BodyFlagSpec {
    flag: String,
    pointer: String,
    help: String,
    /// The `FlagValue` variant (persona-cli's `operation.rs`) for the member's type.
    value: &'static str,
    possible: Vec<String>,
    /// The member takes `null` (which clears it, in an update).
    nullable: bool,
    /// The id kind of the member, or of each of its items (`CaseTemplateId`).
    id_kind: Option<String>,
}

impl Command {
    fn read(
        document: &Document,
        operation: &Operation<'_>,
        modelled: &model::Operation,
        setters: &BTreeMap<String, BTreeMap<String, Type>>,
    ) -> Result<Command, TaskError> {
        let node = operation.node;
        let id = node["operationId"].as_str().ok_or_else(|| {
            cli_error(format!(
                "{} {} has no operationId",
                operation.method, operation.path
            ))
        })?;
        let builder = crate::pascal_case(id);
        let builder_setters = setters
            .get(&builder)
            .ok_or_else(|| cli_error(format!("no generated builder {builder} for {id}")))?;
        let summary = node["summary"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_string();
        let description = node["description"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_string();
        let long_about = [summary.as_str(), description.as_str()]
            .into_iter()
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");

        let mut parameters = Vec::new();
        let declared = operation
            .shared_parameters
            .iter()
            .chain(node["parameters"].as_array().into_iter().flatten());
        for parameter in declared {
            let parameter = document.resolve(parameter);
            let wire_name = parameter["name"].as_str().unwrap_or_default();
            let setter = crate::snake_case(wire_name);
            let ty = builder_setters.get(&setter).ok_or_else(|| {
                cli_error(format!(
                    "{builder} has no setter {setter} for the parameter {wire_name}"
                ))
            })?;
            let path_id = modelled
                .path_ids
                .iter()
                .find(|path_id| parameter["in"] == "path" && path_id.name == wire_name)
                .and_then(|path_id| path_id.kind.as_deref());
            let ty = match path_id {
                Some(kind) => id_type(kind)?,
                None => in_persona_api(ty)?,
            };
            // The first path parameter is the id of what the command acts on.
            let positional = parameter["in"] == "path"
                && !parameters
                    .iter()
                    .any(|flag: &ParameterFlag| flag.positional);
            parameters.push(ParameterFlag {
                positional,
                flag: setter.replace('_', "-"),
                setter: format_ident!("{setter}"),
                ty,
                help: one_line(parameter["description"].as_str().unwrap_or(wire_name)),
                required: parameter["required"] == Value::Bool(true),
            });
        }

        let body = match document.request_body(node) {
            Some((_, schema)) => {
                let ty = builder_setters
                    .get("body")
                    .ok_or_else(|| cli_error(format!("{builder} takes no body")))?;
                Some(Body::read(document, schema, in_persona_api(ty)?))
            }
            None => None,
        };

        let command = Command {
            method: format_ident!("{}", crate::method_name(id)),
            about: one_line(&summary),
            long_about,
            list: modelled.page.is_some(),
            destructive: operation.method == "delete",
            bytes: success_is_binary(document, node),
            parameters,
            body,
            noun: modelled.command.noun.clone(),
            verb: modelled.command.verb.clone(),
        };
        command.check_flags()?;
        Ok(command)
    }

    /// Each flag once, and none that the CLI adds itself.
    fn check_flags(&self) -> Result<(), TaskError> {
        let mut seen = BTreeSet::new();
        let body_flags = self
            .body
            .iter()
            .flat_map(|body| body.flags.iter().map(|flag| &flag.flag));
        for flag in self
            .parameters
            .iter()
            .map(|parameter| &parameter.flag)
            .chain(body_flags)
        {
            if RESERVED_FLAGS.contains(&flag.as_str()) || !seen.insert(flag) {
                return Err(cli_error(format!(
                    "`{}` would have the flag --{flag} twice",
                    self.name()
                )));
            }
        }
        Ok(())
    }

    /// `inquiry create`, for errors.
    fn name(&self) -> String {
        format!("{} {}", self.noun, self.verb)
    }

    /// The operation's row of `OPERATIONS`.
    fn entry(&self) -> TokenStream {
        let Command {
            noun,
            verb,
            about,
            long_about,
            list,
            destructive,
            ..
        } = self;
        let parameters = self.parameters.iter().map(|parameter| {
            let ParameterFlag {
                flag,
                ty,
                help,
                required,
                positional,
                ..
            } = parameter;
            quote! {
                Parameter {
                    flag: #flag,
                    help: #help,
                    required: #required,
                    positional: #positional,
                    parser: || clap::value_parser!(#ty).into(),
                }
            }
        });
        let (body_flags, entries, has_body) = match &self.body {
            Some(body) => {
                let flags = body.flags.iter().map(|spec| {
                    let BodyFlagSpec { flag, pointer, help, possible, nullable, .. } = spec;
                    let value = format_ident!("{}", spec.value);
                    // An id is checked for its kind's prefix as clap reads it, and stays text.
                    let id = match &spec.id_kind {
                        Some(kind) => {
                            let kind = format_ident!("{kind}");
                            quote!(Some(|| clap::builder::ValueParser::new(|text: &str| {
                                persona_api::#kind::try_from(text).map(|id| id.to_string())
                            })))
                        }
                        None => quote!(None),
                    };
                    quote! {
                        BodyFlag { flag: #flag, pointer: #pointer, help: #help, value: FlagValue::#value, possible: &[#(#possible),*], nullable: #nullable, id: #id }
                    }
                });
                let entries = match &body.entries {
                    Some(pointer) => quote!(Some(#pointer)),
                    None => quote!(None),
                };
                (quote!(#(#flags),*), entries, true)
            }
            None => (quote!(), quote!(None), false),
        };
        quote! {
            Operation {
                noun: #noun,
                verb: #verb,
                about: #about,
                long_about: #long_about,
                parameters: &[#(#parameters),*],
                has_body: #has_body,
                body: &[#body_flags],
                entries: #entries,
                list: #list,
                destructive: #destructive,
            }
        }
    }

    /// The operation's arm of `send`: the builder, each given parameter, the body, the reply.
    fn arm(&self) -> TokenStream {
        let Command {
            noun, verb, method, ..
        } = self;
        let parameters = self.parameters.iter().map(|parameter| {
            let ParameterFlag {
                flag, setter, ty, ..
            } = parameter;
            quote! {
                if let Some(value) = call.parameter::<#ty>(#flag) {
                    request = request.#setter(value);
                }
            }
        });
        let body = self.body.as_ref().map(|body| {
            let ty = &body.ty;
            quote!(request = request.body(call.body::<#ty>()?);)
        });
        let reply = if self.list {
            quote! {
                if call.all() {
                    Ok(Reply::items(request.into_stream()))
                } else {
                    Reply::document(request.send().await?)
                }
            }
        } else if self.bytes {
            quote!(Ok(Reply::Bytes(request.send().await?.into_inner())))
        } else {
            quote!(Reply::document(request.send().await?))
        };
        quote! {
            (#noun, #verb) => {
                #[allow(unused_mut)]
                let mut request = client.#method();
                #(#parameters)*
                #body
                #reply
            }
        }
    }
}

impl Body {
    /// The flags of a request body: the members of `data.attributes` and `meta`, or of the body
    /// itself when it has neither.
    fn read(document: &Document, schema: &Value, ty: Type) -> Body {
        let schema = document.merged(schema);
        let properties = &schema["properties"];
        let mut parts = Vec::new();
        if let Some(data) = properties.get("data") {
            let data = document.merged(data);
            if let Some(attributes) = data["properties"].get("attributes") {
                parts.push(("/data/attributes".to_string(), document.merged(attributes)));
            }
        }
        if let Some(meta) = properties.get("meta") {
            parts.push(("/meta".to_string(), document.merged(meta)));
        }
        if parts.is_empty() {
            parts.push((String::new(), schema.clone()));
        }
        let mut body = Body {
            ty,
            flags: Vec::new(),
            entries: None,
        };
        for (part, part_schema) in parts {
            for (name, raw) in part_schema["properties"].as_object().into_iter().flatten() {
                let member = document.merged(raw);
                let pointer = format!("{part}/{name}");
                if member["x-rust-flatten"] == Value::Bool(true) {
                    for (inner, inner_schema) in
                        member["properties"].as_object().into_iter().flatten()
                    {
                        body.flags.push(BodyFlagSpec::read(
                            document,
                            inner,
                            format!("{pointer}/{inner}"),
                            inner_schema,
                        ));
                    }
                    body.entries = Some(pointer);
                } else {
                    body.flags
                        .push(BodyFlagSpec::read(document, name, pointer, raw));
                }
            }
        }
        body
    }
}

impl BodyFlagSpec {
    fn read(document: &Document, name: &str, pointer: String, schema: &Value) -> BodyFlagSpec {
        let id_kind = id_kind(document, schema)
            .or_else(|| id_kind(document, &document.resolve(schema)["items"]));
        let schema = document.merged(schema);
        let items = document.merged(&schema["items"]);
        let value = match schema["type"].as_str() {
            Some("string") => "String",
            Some("integer") => "Integer",
            Some("boolean") => "Boolean",
            Some("array") if items["type"] == "string" => "Strings",
            Some("array") => "JsonList",
            _ => "Json",
        };
        let possible = match (&schema["enum"], &schema["x-open-enum"]) {
            (Value::Array(values), open) if *open != Value::Bool(true) => values
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        };
        let target = pointer.trim_start_matches('/').replace('/', ".");
        let (description, shape) = match value {
            "Json" => (schema["description"].as_str(), "JSON"),
            // A list of objects: what one item is, and that the flag repeats.
            "JsonList" => (
                schema["description"]
                    .as_str()
                    .or_else(|| items["description"].as_str()),
                "one JSON item per flag, repeatable",
            ),
            "Strings" => (schema["description"].as_str(), "repeatable"),
            _ => (schema["description"].as_str(), ""),
        };
        let place = if shape.is_empty() {
            format!("[body: {target}]")
        } else {
            format!("[body: {target}; {shape}]")
        };
        let help = match description {
            Some(description) => format!("{} {place}", one_line(description)),
            None => place,
        };
        BodyFlagSpec {
            flag: name.to_string(),
            pointer,
            help,
            value,
            possible,
            nullable: schema["nullable"] == Value::Bool(true),
            id_kind,
        }
    }
}

/// The id kind a member's schema refers to, itself or as its one `allOf` member.
fn id_kind(document: &Document, schema: &Value) -> Option<String> {
    let reference = schema
        .get("$ref")
        .or_else(|| schema["allOf"].get(0)?.get("$ref"))?
        .as_str()?;
    document
        .root
        .pointer(reference.strip_prefix('#')?)?
        .get("x-id-prefix")?;
    let name = reference.strip_prefix("#/components/schemas/")?;
    Some(name.to_string())
}

/// Whether the operation's success body is something other than JSON (the inquiry PDF).
fn success_is_binary(document: &Document, operation: &Value) -> bool {
    operation["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .find(|(status, _)| status.starts_with('2'))
        .and_then(|(_, response)| document.resolve(response)["content"].as_object())
        .is_some_and(|content| !content.contains_key("application/json"))
}

/// For each generated builder (`CreateInquiry`), the type each setter takes, by setter name:
/// the `T` of its `V: TryInto<T>` bound.
fn builder_setters(
    client: &syn::File,
) -> Result<BTreeMap<String, BTreeMap<String, Type>>, TaskError> {
    let builders = client
        .items
        .iter()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == "builder" => module.content.as_ref(),
            _ => None,
        })
        .ok_or_else(|| cli_error("the client has no `builder` module".to_string()))?;
    let mut setters: BTreeMap<String, BTreeMap<String, Type>> = BTreeMap::new();
    for item in &builders.1 {
        let Item::Impl(block) = item else { continue };
        let Type::Path(self_type) = block.self_ty.as_ref() else {
            continue;
        };
        let Some(builder) = self_type.path.segments.last() else {
            continue;
        };
        let methods = setters.entry(builder.ident.to_string()).or_default();
        for item in &block.items {
            let ImplItem::Fn(method) = item else { continue };
            if let Some(ty) = try_into_target(&method.sig.generics) {
                methods.insert(method.sig.ident.to_string(), ty);
            }
        }
    }
    Ok(setters)
}

/// `T` of a `where V: TryInto<T>` clause.
fn try_into_target(generics: &syn::Generics) -> Option<Type> {
    let clause = generics.where_clause.as_ref()?;
    clause.predicates.iter().find_map(|predicate| {
        let WherePredicate::Type(predicate) = predicate else {
            return None;
        };
        predicate.bounds.iter().find_map(|bound| {
            let TypeParamBound::Trait(bound) = bound else {
                return None;
            };
            let last = bound.path.segments.last()?;
            if last.ident != "TryInto" {
                return None;
            }
            let PathArguments::AngleBracketed(arguments) = &last.arguments else {
                return None;
            };
            arguments.args.iter().find_map(|argument| match argument {
                GenericArgument::Type(ty) => Some(ty.clone()),
                _ => None,
            })
        })
    })
}

/// A type as the generated client names it (`types::X`, `crate::X`, `::chrono::X`), named from
/// outside it: persona-api re-exports chrono, so users of the CLI need not depend on it.
fn in_persona_api(ty: &Type) -> Result<Type, TaskError> {
    let text = quote!(#ty)
        .to_string()
        .replace(":: chrono ::", ":: persona_api :: chrono ::");
    let text = match text.split_once(' ') {
        Some(("crate", rest)) => format!("persona_api {rest}"),
        Some(("types", rest)) => format!("persona_api :: types {rest}"),
        _ => text,
    };
    syn::parse_str(&text).map_err(|error| cli_error(format!("the type `{text}`: {error}")))
}

/// The id type of a path parameter, by its kind (`InquiryId`), named as persona-api exports it.
/// Parsing into it checks the prefix, so a wrong id is refused by name before anything is sent
/// (the builder setters take any string, which every id converts into).
fn id_type(kind: &str) -> Result<Type, TaskError> {
    syn::parse_str(&format!("persona_api::{kind}"))
        .map_err(|error| cli_error(format!("the id type `{kind}`: {error}")))
}

/// A description folded onto one line (YAML block scalars keep their breaks).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_operation_and_the_setters() {
        assert_eq!(
            crate::kebab_case("generateInquiryOneTimeLink"),
            "generate-inquiry-one-time-link"
        );
        assert_eq!(crate::kebab_case("listEvents"), "list-events");
        assert_eq!(crate::snake_case("page[size]"), "page_size");
        assert_eq!(
            crate::snake_case("filter[created-at-start]"),
            "filter_created_at_start"
        );
        assert_eq!(crate::snake_case("Persona-Version"), "persona_version");
    }

    #[test]
    fn a_body_member_of_an_id_kind_is_a_flag_of_that_kind() {
        let document = Document {
            root: serde_json::json!({ "components": { "schemas": {
                "ListId": { "type": "string", "x-id-prefix": "lst_" },
                "Plain": { "type": "string" } } } }),
        };
        let flag = |schema: Value| {
            BodyFlagSpec::read(
                &document,
                "list-id",
                "/data/attributes/list-id".into(),
                &schema,
            )
            .id_kind
        };
        let list_id = serde_json::json!({ "allOf": [{ "$ref": "#/components/schemas/ListId" }] });
        assert_eq!(flag(list_id.clone()), Some("ListId".to_string()));
        assert_eq!(
            flag(serde_json::json!({ "type": "array", "items": list_id })),
            Some("ListId".to_string())
        );
        assert_eq!(
            flag(serde_json::json!({ "$ref": "#/components/schemas/Plain" })),
            None
        );
    }

    #[test]
    fn a_clashing_flag_is_refused() {
        let command = Command {
            noun: "thing".to_string(),
            verb: "create".to_string(),
            method: format_ident!("create_thing"),
            about: String::new(),
            long_about: String::new(),
            parameters: vec![],
            body: Some(Body {
                ty: syn::parse_quote!(Thing),
                flags: vec![BodyFlagSpec {
                    flag: "all".to_string(),
                    pointer: "/meta/all".to_string(),
                    help: String::new(),
                    value: "Boolean",
                    possible: vec![],
                    nullable: false,
                    id_kind: None,
                }],
                entries: None,
            }),
            list: false,
            destructive: false,
            bytes: false,
        };
        let error = command.check_flags().expect_err("--all is the CLI's own");
        assert!(error.to_string().contains("--all"), "{error}");
    }
}
