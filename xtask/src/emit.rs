//! The tables other crates need, each written from the [`Model`] alone: persona-api's id kinds,
//! open enums and paged operations, and the tests' decoder for every body schema. Each emitter
//! is a function of the model; none reads another's output or the generated client.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::TaskError;
use crate::model::{Data, Model};

/// The modules of `persona-api/src/generated/`, the progenitor client first.
pub const CLIENT_PATH: &str = "persona-api/src/generated/client.rs";
pub const MODULE_PATH: &str = "persona-api/src/generated/mod.rs";
pub const IDS_PATH: &str = "persona-api/src/generated/ids.rs";
pub const ENUMS_PATH: &str = "persona-api/src/generated/enums.rs";
pub const PAGINATION_PATH: &str = "persona-api/src/generated/pagination.rs";
pub const ENVELOPES_PATH: &str = "persona-api/src/generated/envelopes.rs";
pub const UPLOADS_PATH: &str = "persona-api/src/generated/uploads.rs";
pub const EVENTS_PATH: &str = "persona-api/src/generated/events.rs";
/// The tests' decoder by schema name.
pub const DECODERS_PATH: &str = "tests/src/decoders.rs";
/// The tests' table of id kinds.
pub const TEST_ID_KINDS_PATH: &str = "tests/src/id_kinds.rs";
/// The tests' table of the kinds `included` holds, by id kind.
pub const TEST_INCLUDED_KINDS_PATH: &str = "tests/src/included_kinds.rs";
/// The calls of the operations taken from Persona's bundle as they are, for the request test.
pub const IMPORTED_REQUESTS_PATH: &str = "tests/tests/contract/imported_requests.rs";

/// An operation's constant: `listInquiries` as `LIST_INQUIRIES`.
pub(crate) fn constant(operation_id: &str) -> Ident {
    ident(&crate::method_name(operation_id).to_ascii_uppercase())
}

pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Formats an emitted file with the header every generated file carries.
pub(crate) fn file(tokens: TokenStream) -> Result<String, TaskError> {
    let file =
        syn::parse2::<syn::File>(tokens).map_err(|error| TaskError::Format(error.to_string()))?;
    Ok(formatted(&file))
}

/// A generated syntax tree as the file that is checked in: the header, then prettyplease's
/// layout. The client, the CLI and every table go through here.
pub(crate) fn formatted(file: &syn::File) -> String {
    format!("{}{}", header(), prettyplease::unparse(file))
}

/// `generated/mod.rs`: progenitor's client, re-exported as it always was, beside the tables.
pub fn module() -> TokenStream {
    quote! {
        //! The half of persona-api written by `cargo xtask generate`: the operations and body
        //! types (progenitor's client), and the tables read off the spec's model.
        mod client;
        pub use client::*;
        pub mod enums;
        pub mod ids;
        mod envelopes;
        mod pagination;
        mod uploads;
        #[cfg(feature = "webhooks")]
        pub(crate) mod events;
    }
}

/// Every id kind of the spec, with its prefix, through the runtime's `id_kinds!`. Written as
/// text, one kind a line, since prettyplease cannot lay out a macro's input.
pub fn ids(model: &Model) -> Result<String, TaskError> {
    let mut body = String::new();
    for kind in &model.ids {
        body += &doc_lines(&kind.description, "    ");
        body += &format!("    {} => {:?}, {:?};\n", kind.name, kind.prefix, kind.noun);
    }
    macro_file(
        "The kinds of id the spec names, each with the prefix its ids start with.",
        &format!("crate::ids::id_kinds! {{\n{body}}}\n"),
    )
}

/// Every enum the spec marks open, with its values, through the runtime's `open_enum!`.
pub fn enums(model: &Model) -> Result<String, TaskError> {
    let mut invocations = Vec::new();
    for open in &model.open_enums {
        let mut body = doc_lines(&open.description, "    ");
        body += &format!("    {} {{\n", open.name);
        for value in &open.values {
            body += &doc_lines(value.description.as_deref().unwrap_or_default(), "        ");
            body += &format!("        {} => {:?},\n", value.variant, value.wire);
        }
        invocations.push(format!(
            "crate::open_enum::open_enum! {{\n{body}    }}\n}}\n"
        ));
    }
    macro_file(
        "The sets of values the spec marks open: unknown values are kept, not refused.",
        &invocations.join("\n"),
    )
}

/// `text` as doc comment lines at `indent`; nothing for no text.
fn doc_lines(text: &str, indent: &str) -> String {
    text.lines()
        .map(|line| format!("{indent}/// {}\n", line.trim()).replace("/// \n", "///\n"))
        .collect()
}

/// A file of macro invocations, checked to be Rust, with the generated header.
fn macro_file(doc: &str, code: &str) -> Result<String, TaskError> {
    let text = format!("//! {doc}\n\n{code}");
    syn::parse_file(&text).map_err(|error| TaskError::Format(error.to_string()))?;
    Ok(format!("{}{text}", header()))
}

fn header() -> String {
    format!(
        "// @generated by `cargo xtask generate` from {}. Do not edit: change the spec and regenerate.\n\n",
        crate::SPEC_PATH
    )
}

/// `Paginate` for every operation that returns a page and takes the next page's cursor
/// (`page[after]`, which the runtime's `paged_operations!` sets), one operation a line.
pub fn pagination(model: &Model) -> Result<String, TaskError> {
    // One invocation per product, under its feature.
    let mut by_feature: std::collections::BTreeMap<&str, String> = Default::default();
    for operation in &model.operations {
        if let Some(page) = &operation.page {
            *by_feature.entry(model.feature_of(operation)).or_default() += &format!(
                "    {} => {},\n",
                crate::pascal_case(&operation.id),
                crate::pascal_case(&page.item)
            );
        }
    }
    // Unused when no product with a paged list is on.
    let mut body = String::from("#[allow(unused_imports)]\nuse super::{builder, types};\n");
    for (feature, entries) in by_feature {
        body += &format!(
            "\n#[cfg(feature = \"{feature}\")]\ncrate::pagination::paged_operations! {{\n    builder, types;\n{entries}}}\n"
        );
    }
    macro_file(
        "Every paged list and search as a `futures::Stream` of its items.",
        &body,
    )
}

/// `Envelope` for every success body whose `data` is a schema by name or an array of one, under
/// the features of the products whose operations answer with it.
pub fn envelopes(model: &Model) -> TokenStream {
    let mut bodies: BTreeMap<&str, (&Data, BTreeSet<&str>)> = BTreeMap::new();
    for operation in &model.operations {
        let answers = operation
            .responses
            .iter()
            .filter(|response| response.is_success());
        for response in answers {
            if let (Some(schema), Some(data)) = (&response.schema, &response.data) {
                let (_, features) = bodies.entry(schema).or_insert((data, BTreeSet::new()));
                features.insert(model.feature_of(operation));
            }
        }
    }
    let impls = bodies.into_iter().map(|(schema, (data, features))| {
        let gate = crate::features::any_of(&features);
        let document = ident(schema);
        let item = ident(&crate::pascal_case(&data.item));
        let data = if data.many {
            quote!(::std::vec::Vec<types::#item>)
        } else {
            quote!(types::#item)
        };
        quote! {
            #gate
            impl Envelope for types::#document {
                type Data = #data;

                fn data(&self) -> &Self::Data {
                    &self.data
                }

                fn into_data(self) -> Self::Data {
                    self.data
                }
            }
        }
    });
    quote! {
        //! Every answer whose `data` is a resource or a page of them, read in one hop.

        #[allow(unused_imports)]
        use super::types;
        #[allow(unused_imports)]
        use crate::envelope::Envelope;

        #(#impls)*
    }
}

/// For every operation whose body can be a multipart upload (the importers), a
/// `<operation>_from_file` method on the client: its text parts as arguments, then the file,
/// through the runtime's `UploadRequest`.
pub fn uploads(model: &Model) -> Result<TokenStream, TaskError> {
    let mut methods = Vec::new();
    for operation in &model.operations {
        let Some(upload) = &operation.upload else {
            continue;
        };
        if !operation.path_ids.is_empty() || upload.parts.iter().any(|part| !part.required) {
            return Err(TaskError::Unsupported(vec![format!(
                "{}: the upload emitter writes uploads to a fixed path, every part required",
                operation.id
            )]));
        }
        let feature = model.feature_of(operation);
        let json_method = crate::method_name(&operation.id);
        let method = ident(&format!("{json_method}_from_file"));
        let success = operation
            .responses
            .iter()
            .filter(|response| response.is_success())
            .find_map(|response| response.schema.as_deref())
            .map(ident)
            .ok_or_else(|| {
                TaskError::Unsupported(vec![format!("{}: no JSON success", operation.id)])
            })?;
        let texts: Vec<Ident> = upload
            .parts
            .iter()
            .filter(|part| !part.is_file)
            .map(|part| ident(&crate::snake_case(&part.member)))
            .collect();
        let parts = upload.parts.iter().map(|part| {
            let name = &part.name;
            if part.is_file {
                quote!(.file(#name, file))
            } else {
                let value = ident(&crate::snake_case(&part.member));
                quote!(.text(#name, #value))
            }
        });
        let path = &operation.path;
        let doc = format!(
            " `{} {path}` with the file sent as it is, in a multipart body; \
             [`{json_method}`](Self::{json_method}) sends the same call as JSON, the file \
             base64-encoded in it.",
            operation.method.to_uppercase()
        );
        let gate = crate::features::any_of(&BTreeSet::from([feature]));
        methods.push(quote! {
            #gate
            #[doc = #doc]
            pub fn #method(
                &self,
                #(#texts: impl Into<String>,)*
                file: crate::Upload,
            ) -> crate::UploadRequest<'_, types::#success> {
                crate::UploadRequest::new(self, #json_method, #path) #(#parts)*
            }
        });
    }
    Ok(quote! {
        //! The operations whose body can be a multipart upload, each as a method that takes
        //! the file.
        #[allow(unused_imports)]
        use super::types;

        impl super::Client {
            #(#methods)*
        }
    })
}

/// The object a webhook event is about, typed by the event's name: one variant per schema the
/// model's events are about, under the features of the products whose events name it, so
/// turning a product on moves its events from `Other` to typed and never breaks a match.
pub fn events(model: &Model) -> TokenStream {
    let mut by_payload: std::collections::BTreeMap<&str, (BTreeSet<&str>, Vec<&str>)> =
        Default::default();
    for event in &model.events {
        let Some(payload) = &event.payload else {
            continue;
        };
        let (features, names) = by_payload.entry(payload).or_default();
        features.insert(&model.features[&event.product]);
        names.push(&event.name);
    }
    let gate = crate::features::any_of;
    let variants = by_payload.iter().map(|(payload, (features, names))| {
        let variant = ident(payload);
        let gate = gate(features);
        let doc = format!(" The object of `{}`.", names.join("`, `"));
        quote! {
            #gate
            #[doc = #doc]
            #variant(Box<types::#variant>),
        }
    });
    let arms = by_payload.iter().map(|(payload, (features, names))| {
        let variant = ident(payload);
        let gate = gate(features);
        quote! {
            #gate
            #(#names)|* => EventObject::#variant(Box::new(retype(object)?)),
        }
    });
    let ids = by_payload.iter().map(|(payload, (features, _))| {
        let variant = ident(payload);
        let gate = gate(features);
        // An open union has its own `id()`, whatever its kind.
        let id = if model.open_unions.iter().any(|union| variant == union.name) {
            quote!(object.id())
        } else {
            quote!(crate::ids::ObjectId::object_id(&object.id))
        };
        quote! {
            #gate
            EventObject::#variant(object) => #id,
        }
    });
    quote! {
        //! The object of every webhook event the spec has, by the event's name.
        #[allow(unused_imports)]
        use super::types::{self, IncludedObject};
        #[allow(unused_imports)]
        use crate::webhooks::{WebhookError, retype};

        /// The object an event is about, typed where the event's product is a feature that is
        /// on; any other (an event this version does not know, or of a product left out) is
        /// kept whole in `Other`. It serializes as the object alone.
        #[derive(Debug, Clone, serde::Serialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum EventObject {
            #(#variants)*
            /// An event of a product whose feature is off, or one the spec does not have, kept
            /// whole.
            Other(Box<IncludedObject>),
            /// The payload had no object.
            None,
        }

        impl EventObject {
            /// The id of the object the event is about (`inq_...`, `rep_...`), typed or not:
            /// what a service matches an event to the object it waits on by.
            pub fn id(&self) -> Option<&str> {
                match self {
                    #(#ids)*
                    EventObject::Other(object) => crate::ids::ObjectId::object_id(&object.id),
                    EventObject::None => None,
                }
            }
        }

        /// The object of the event named `name`, typed as the spec says that event's is.
        pub(crate) fn typed(name: &str, object: &IncludedObject) -> Result<EventObject, WebhookError> {
            Ok(match name {
                #(#arms)*
                _ => EventObject::Other(Box::new(object.clone())),
            })
        }
    }
}

/// The tests' decoder: each request and response schema by name, as its generated type.
pub fn decoders(model: &Model) -> TokenStream {
    let arms = model.body_schemas().into_iter().map(|schema| {
        let ty = ident(schema);
        quote! { #schema => task.run::<types::#ty>(), }
    });
    quote! {
        //! Every request and response body schema of the spec, by name, as its generated type.
        use persona_api::types;

        use crate::decode::ForType;

        /// Runs `task` with the type generated for `schema`; `None` when no operation has a
        /// body of that schema.
        pub fn with_type<F: ForType>(schema: &str, task: F) -> Option<F::Output> {
            Some(match schema {
                #(#arms)*
                _ => return None,
            })
        }
    }
}

/// The tests' table of id kinds: each kind with the prefix and noun the spec gives it, its
/// Each kind of each union `included` holds, with its id kind, for the test that resolves a
/// link of every one of them (`Model::included_unions`).
pub fn test_included_kinds(model: &Model) -> TokenStream {
    let mut rows = Vec::new();
    for (union, by_kind) in model.included_unions() {
        let union_type = ident(&union.name);
        let union_name = &union.name;
        for (kind, members) in by_kind {
            let prefix = model
                .id_kind(kind)
                .map(|id| id.prefix.clone())
                .unwrap_or_default();
            let kind_type = ident(kind);
            for member in members {
                let (tag, schema) = (&member.value, &member.schema);
                rows.push(quote! {
                    IncludedKindCase {
                        union: #union_name,
                        kind: #kind,
                        tag: #tag,
                        schema: #schema,
                        prefix: #prefix,
                        resolve: resolve::<types::#union_type, persona_api::#kind_type>,
                    }
                });
            }
        }
    }
    quote! {
        //! Every kind of every union that `included` holds, with the id kind that links to it.
        use persona_api::types;
        use persona_api::{IncludedKind, Resolve, ToManyRelationship, ToOneRelationship};
        use serde_json::Value;

        /// One kind of a union: where it comes from, and how a link of its id kind resolves.
        pub struct IncludedKindCase {
            pub union: &'static str,
            pub kind: &'static str,
            pub tag: &'static str,
            pub schema: &'static str,
            pub prefix: &'static str,
            /// Reads `included` as a list of the union, then resolves a to-one and a to-many
            /// link to `link` (a resource identifier) in it: each object found, written back.
            pub resolve: fn(&Value, &Value) -> Result<Vec<Value>, String>,
        }

        fn resolve<U, Id>(included: &Value, link: &Value) -> Result<Vec<Value>, String>
        where
            U: serde::de::DeserializeOwned,
            Id: IncludedKind<U> + std::ops::Deref<Target = str> + serde::de::DeserializeOwned,
            Id::Object: serde::Serialize,
        {
            let text = |error: serde_json::Error| error.to_string();
            let included: Vec<U> = serde_json::from_value(included.clone()).map_err(text)?;
            let one: ToOneRelationship<Id> =
                serde_json::from_value(serde_json::json!({ "data": link })).map_err(text)?;
            let many: ToManyRelationship<Id> =
                serde_json::from_value(serde_json::json!({ "data": [link] })).map_err(text)?;
            one.resolve(&included)
                .into_iter()
                .chain(many.resolve(&included))
                .map(|object| serde_json::to_value(object).map_err(text))
                .collect()
        }

        /// Every kind of every union `included` holds.
        pub fn included_kinds() -> Vec<IncludedKindCase> {
            vec![#(#rows),*]
        }
    }
}

/// `PREFIX`, and what parsing an id of no kind into it says, so one test covers every kind.
pub fn test_id_kinds(model: &Model) -> TokenStream {
    let rows = model.ids.iter().map(|kind| {
        let (name, prefix, noun) = (&kind.name, &kind.prefix, &kind.noun);
        let ty = ident(&kind.name);
        quote! {
            IdKindCase {
                name: #name,
                prefix: #prefix,
                noun: #noun,
                declared_prefix: persona_api::#ty::PREFIX,
                refusal: WRONG_ID.parse::<persona_api::#ty>().map(|_| ()).map_err(|error| error.to_string()),
            }
        }
    });
    quote! {
        //! Every id kind of the spec, as persona-api defines it, for the tests that walk them.

        /// An id with no kind's prefix.
        pub const WRONG_ID: &str = "wrong_1";

        /// One id kind: what the spec says of it and what persona-api does with it.
        pub struct IdKindCase {
            pub name: &'static str,
            pub prefix: &'static str,
            pub noun: &'static str,
            pub declared_prefix: &'static str,
            pub refusal: Result<(), String>,
        }

        /// Every id kind of the spec.
        pub fn id_kinds() -> Vec<IdKindCase> {
            vec![#(#rows),*]
        }
    }
}

/// One call of every operation taken from Persona's bundle as it is (those of our overlays are
/// pinned by hand): made-up ids of the right prefix, each required parameter, and the body
/// from the spec's example. `requests.rs` sends them through a recording server and pins what
/// each sends.
pub fn imported_requests(model: &Model) -> TokenStream {
    let calls = model
        .operations
        .iter()
        .filter(|operation| !operation.shape_from_overlay)
        .map(|operation| {
            let id = &operation.id;
            let method = ident(&crate::method_name(id));
            let ids = operation.path_ids.iter().map(|path_id| {
                let setter = ident(&crate::snake_case(&path_id.name));
                let prefix = path_id
                    .kind
                    .as_ref()
                    .and_then(|kind| model.ids.iter().find(|known| &known.name == kind))
                    .map_or("", |kind| kind.prefix.as_str());
                let value = format!("{prefix}made_up_1");
                quote!(.#setter(#value))
            });
            let required = operation.required.iter().map(|name| {
                let setter = ident(&crate::snake_case(name));
                quote!(.#setter("made_up_1"))
            });
            let body = operation.body.as_ref().map(|body| {
                let body = ident(body);
                quote!(.body(super::requests::example_or_least::<types::#body>(#id)))
            });
            // Boxed: one state machine holding 177 calls' futures would overflow a test's stack.
            quote! {
                r.record(#id, Box::pin(c.#method() #(#ids)* #(#required)* #body .send())).await;
            }
        });
    let uploads = model.operations.iter().filter_map(|operation| {
        let upload = operation.upload.as_ref()?;
        let id = &operation.id;
        let method = ident(&format!("{}_from_file", crate::method_name(id)));
        let texts = upload
            .parts
            .iter()
            .filter(|part| !part.is_file)
            .map(|_| quote!("made_up_1",));
        let file_name = format!("{id}.csv");
        Some(quote! {
            r.record_upload(#id, Box::pin(
                c.#method(#(#texts)* persona_api::Upload::csv(#file_name, "name,value\nmade up,1\n")).send()
            )).await;
        })
    });
    quote! {
        //! One call of every operation taken from Persona's bundle as it is, with made-up ids
        //! and its example body, and of every multipart upload with a made-up file;
        //! `requests.rs` pins the request each sends.
        use persona_api::types;

        use super::requests::Recorder;

        pub(super) async fn record_each(r: &mut Recorder) {
            let c = r.client.clone();
            #(#calls)*
        }

        pub(super) async fn upload_each(r: &mut Recorder) {
            let c = r.client.clone();
            #(#uploads)*
        }
    }
}
