//! persona-mock's tables, written from the [`Model`]: every operation with the parameters it
//! takes and the types it answers with, and every resource type with its attributes and
//! relationships. The mock routes, refuses and renders from these, with no list of its own.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::constant;
use crate::model::{Model, Resource};

/// persona-mock's table of operations.
pub const OPERATIONS_PATH: &str = "persona-mock/src/operations.rs";
/// persona-mock's table of resource types.
pub const RESOURCE_TYPES_PATH: &str = "persona-mock/src/resource_types.rs";

/// Each operation with its query parameters (so the mock refuses any other by name, a missing
/// required one, a value outside a fixed set), the attributes its body takes, and what its
/// success looks like; and what later API versions remove from each resource type.
pub fn operations(model: &Model) -> TokenStream {
    let operations = model.operations.iter().map(|operation| {
        let name = constant(&operation.id);
        let (id, product, method, path) = (
            &operation.id,
            &operation.product,
            &operation.method,
            &operation.path,
        );
        let family = |family: &str| -> Vec<String> {
            operation
                .query
                .iter()
                .filter_map(|name| {
                    name.strip_prefix(family)?
                        .strip_prefix('[')?
                        .strip_suffix(']')
                })
                .map(str::to_string)
                .collect()
        };
        let (filters, pages, fieldsets) = (family("filter"), family("page"), family("fields"));
        let resource = match &operation.resource {
            Some(resource) => quote!(Some(#resource)),
            None => quote!(None),
        };
        let (types, schemas, attributes) = (
            &operation.types,
            &operation.schemas,
            &operation.body_attributes,
        );
        let (body_required, many, links) = (
            operation.body_required,
            operation.answers_many,
            operation.answers_links,
        );
        let plainest = match operation
            .success_plainest
            .as_ref()
            .filter(|_| operation.types.is_empty())
        {
            Some(body) => {
                let body = body.to_string();
                quote!(Some(#body))
            }
            None => quote!(None),
        };
        let required = operation
            .required
            .iter()
            .filter(|name| operation.query.contains(name));
        let values = operation
            .query_values
            .iter()
            .map(|(name, values)| quote!((#name, &[#(#values),*])));
        let from_overlay = operation.shape_from_overlay;
        let upload = match &operation.upload {
            Some(upload) => {
                let required = upload
                    .parts
                    .iter()
                    .filter(|part| part.required)
                    .map(|part| &part.name);
                quote!(Some(&[#(#required),*]))
            }
            None => quote!(None),
        };
        let headers = operation
            .required
            .iter()
            .filter(|name| !operation.query.contains(name));
        // A create that documents 201 beside 200 (an upsert that finds the record) creates.
        let successes: Vec<u16> = operation
            .responses
            .iter()
            .filter(|response| response.is_success())
            .filter_map(|response| response.status.parse().ok())
            .collect();
        let status = if successes.contains(&201) {
            201
        } else {
            successes.first().copied().unwrap_or(200)
        };
        let meta = match &operation.success_meta {
            Some(meta) => {
                let meta = meta.to_string();
                quote!(Some(#meta))
            }
            None => quote!(None),
        };
        let security = &operation.security;
        let patterns = operation
            .body_patterns
            .iter()
            .map(|(pointer, pattern)| quote!((#pointer, #pattern)));
        quote! {
            pub const #name: Operation = Operation {
                id: #id,
                product: #product,
                method: #method,
                path: #path,
                filters: &[#(#filters),*],
                pages: &[#(#pages),*],
                fieldsets: &[#(#fieldsets),*],
                resource: #resource,
                types: &[#(#types),*],
                schemas: &[#(#schemas),*],
                body_attributes: &[#(#attributes),*],
                body_required: #body_required,
                body_patterns: &[#(#patterns),*],
                status: #status,
                meta: #meta,
                many: #many,
                links: #links,
                plainest: #plainest,
                required: &[#(#required),*],
                required_headers: &[#(#headers),*],
                values: &[#(#values),*],
                upload: #upload,
                from_overlay: #from_overlay,
                security: &[#(#security),*],
            };
        }
    });
    let removed = model.resources.iter().flat_map(|resource| {
        resource
            .removed_in
            .iter()
            .map(move |(version, attributes)| {
                let json_type = &resource.json_type;
                quote! { (#version, #json_type, &[#(#attributes),*]) }
            })
    });
    let all = model
        .operations
        .iter()
        .map(|operation| constant(&operation.id));
    let mut events: Vec<&str> = model
        .events
        .iter()
        .map(|event| event.name.as_str())
        .collect();
    events.sort_unstable();
    quote! {
        //! Every operation of the spec, with the query parameters it takes, the attributes its
        //! body takes and the resource types it answers with.

        /// An operation of the spec.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Operation {
            /// The spec's operation id: `listInquiries`.
            pub id: &'static str,
            /// The product it belongs to: `Inquiries`.
            pub product: &'static str,
            /// Lower case: `get`.
            pub method: &'static str,
            /// The path template under the base path: `/inquiries/{inquiry-id}`.
            pub path: &'static str,
            /// The `filter[..]` parameters, by the name in brackets: `status`.
            pub filters: &'static [&'static str],
            /// The `page[..]` parameters, by the name in brackets: `after`.
            pub pages: &'static [&'static str],
            /// The `fields[..]` parameters, by the type in brackets: `inquiry`.
            pub fieldsets: &'static [&'static str],
            /// The JSON:API type of the resource it answers with in `data`, when there is one:
            /// `inquiry`.
            pub resource: Option<&'static str>,
            /// Every JSON:API type its `data` can hold: the one resource, or each kind of a
            /// union (`report/watchlist`, ...).
            pub types: &'static [&'static str],
            /// The schema of each of those types, in the same order: what a type looks like
            /// in this answer (`webhook-with-secret` on create, `webhook` in a list).
            pub schemas: &'static [&'static str],
            /// The attribute names its body takes in `data.attributes`, sorted.
            pub body_attributes: &'static [&'static str],
            /// Whether the spec requires a request body.
            pub body_required: bool,
            /// Where its JSON body's strings must match a pattern: `(JSON pointer, pattern)`.
            pub body_patterns: &'static [(&'static str, &'static str)],
            /// The status of its success: `200`, `201` for a create (where the spec documents
            /// it), `202` for work that goes on after the answer.
            pub status: u16,
            /// JSON of the `meta` its success must carry, at its plainest.
            pub meta: Option<&'static str>,
            /// Whether its success's `data` is an array (a list, or a search).
            pub many: bool,
            /// Whether its success has `links` to neighbouring pages.
            pub links: bool,
            /// For an operation that answers with no resource (a token, a relay): JSON of a
            /// success, the spec's example of one or else the plainest its schema allows.
            pub plainest: Option<&'static str>,
            /// The query parameters it requires.
            pub required: &'static [&'static str],
            /// The headers it requires.
            pub required_headers: &'static [&'static str],
            /// The values of each query parameter that takes a fixed set.
            pub values: &'static [(&'static str, &'static [&'static str])],
            /// Where its body may be a multipart upload, the parts it requires.
            pub upload: Option<&'static [&'static str]>,
            /// Whether our overlays write its shape (the inquiry family and events): the mock
            /// has a handler of its own for it; every other operation is served from these
            /// tables.
            pub from_overlay: bool,
            /// The security schemes a request authenticates with: `bearerAuth` (the API key),
            /// `privacyPassAuth` (a relay's claim); none for one anyone may send.
            pub security: &'static [&'static str],
        }

        #(#operations)*

        /// Every operation, in the spec's order.
        pub const ALL: &[Operation] = &[#(#all),*];

        /// The attributes a later API version removes from a resource type:
        /// `(version, type, attributes)`.
        pub const REMOVED_IN: &[(&str, &str, &[&str])] = &[#(#removed),*];

        /// Every webhook event of the spec, by name, sorted: `account.created`.
        pub const EVENTS: &[&str] = &[#(#events),*];
    }
}

/// Every resource schema by its JSON:API type, sorted: its id prefix, its attributes (whether
/// each may be `null`, and the JSON of a value to render when nothing set one that may not)
/// and its relationships. Where the spec has several schemas of one type (a webhook, and a
/// webhook with its secret), each operation names the one it answers with.
pub fn resource_types(model: &Model) -> TokenStream {
    // The schema a retrieve answers with speaks for its type (a webhook, not a webhook with
    // its secret); else the one with the most attributes (a report, not a report request).
    let retrieved: std::collections::BTreeSet<&str> = model
        .operations
        .iter()
        .filter(|operation| operation.method == "get")
        .flat_map(|operation| &operation.responses)
        .filter_map(|response| Some(response.data.as_ref()?.item.as_str()))
        .collect();
    let rank = |resource: &Resource| {
        (
            retrieved.contains(resource.schema.as_str()),
            resource.attributes.len(),
        )
    };
    let mut ordered: Vec<&Resource> = model.resources.iter().collect();
    ordered.sort_by(|left, right| {
        (&left.json_type, std::cmp::Reverse(rank(left)), &left.schema).cmp(&(
            &right.json_type,
            std::cmp::Reverse(rank(right)),
            &right.schema,
        ))
    });
    let types = ordered.into_iter().map(|resource| {
        let (json_type, schema) = (resource.json_type.as_str(), &resource.schema);
        // The id kind's prefix, as persona-api checks it; else what the examples show; else
        // the kind of the path id that retrieves it (`/reports/{report-id}` for any report).
        let kind_prefix = |kind: &str| model.id_kind(kind).map(|kind| kind.prefix.as_str());
        let retrieved_by = || {
            model
                .operations
                .iter()
                .filter(|operation| operation.method == "get" && operation.types.iter().any(|type_| type_ == json_type))
                .find_map(|operation| kind_prefix(operation.path_ids.last()?.kind.as_deref()?))
        };
        let prefix = resource
            .id_kind
            .as_deref()
            .and_then(kind_prefix)
            .or(resource.example_prefix.as_deref())
            .or_else(retrieved_by);
        let prefix = match prefix {
            Some(prefix) => quote!(Some(#prefix)),
            None => quote!(None),
        };
        let attributes = resource.attributes.iter().map(|attribute| {
            let (name, nullable, integer) = (&attribute.name, attribute.nullable, attribute.integer);
            let fallback = attribute.fallback.to_string();
            quote!(Attribute { name: #name, nullable: #nullable, integer: #integer, fallback: #fallback })
        });
        let relationships = resource.relationships.iter().map(|relationship| {
            let (name, many, nullable) = (
                &relationship.name,
                relationship.many,
                relationship.nullable,
            );
            let target = match &relationship.target {
                Some(target) => quote!(Some(#target)),
                None => quote!(None),
            };
            quote!(Relationship { name: #name, many: #many, nullable: #nullable, target: #target })
        });
        let open_relationships = resource.open_relationships;
        quote! {
            ResourceType {
                json_type: #json_type,
                schema: #schema,
                prefix: #prefix,
                attributes: &[#(#attributes),*],
                relationships: &[#(#relationships),*],
                open_relationships: #open_relationships,
            }
        }
    });
    quote! {
        //! Every resource type of the spec: what the mock renders for a record of it.

        /// A JSON:API resource type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ResourceType {
            /// On the wire: `report/watchlist`.
            pub json_type: &'static str,
            /// The spec's schema for it: `webhook`, or `webhook-with-secret`.
            pub schema: &'static str,
            /// Its ids' prefix: its id kind's (`rep_`), else the one the spec's examples show.
            pub prefix: Option<&'static str>,
            pub attributes: &'static [Attribute],
            pub relationships: &'static [Relationship],
            /// Its schema's `relationships` take any name: a record renders every link it
            /// holds, beside the ones listed.
            pub open_relationships: bool,
        }

        /// An attribute of a resource type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Attribute {
            /// Kebab-case: `created-at`.
            pub name: &'static str,
            pub nullable: bool,
            /// A whole number: a request's `2.0` is rendered `2`.
            pub integer: bool,
            /// JSON of the value rendered when nothing set it and it may not be `null`: the
            /// spec's examples' value, else the plainest its schema takes.
            pub fallback: &'static str,
        }

        /// A relationship of a resource type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Relationship {
            pub name: &'static str,
            /// To-many: `data` is an array.
            pub many: bool,
            /// A to-one whose `data` may be `null`.
            pub nullable: bool,
            /// What it points at, when the spec says: a type (`account`), or a family
            /// (`report`: any `report/...`).
            pub target: Option<&'static str>,
        }

        /// Every schema of a resource, sorted by type; of a type's schemas, the one that
        /// speaks for it comes first (the one a retrieve answers with, else the fullest).
        pub const TYPES: &[ResourceType] = &[#(#types),*];
    }
}

/// persona-mock's decoder of request bodies into persona-api's generated types.
pub const BODIES_PATH: &str = "persona-mock/src/bodies.rs";

/// Each operation's JSON (or form) request body decoded as persona-api's generated type, so the
/// mock refuses what the spec refuses (a wrong type, an unknown member) with the JSON path.
pub fn bodies(model: &Model) -> TokenStream {
    let arms = model.operations.iter().filter_map(|operation| {
        let id = &operation.id;
        let body = crate::emit::ident(operation.body.as_deref()?);
        Some(quote!(#id => decode::<types::#body>(body),))
    });
    quote! {
        //! Each operation's request body as persona-api's generated type.

        use persona_api::types;
        use serde_json::Value;

        /// Decodes `body` as the operation's body type: `Err` names the JSON path of what is
        /// wrong; `None` for an operation without a JSON body.
        pub fn check(operation_id: &str, body: &Value) -> Option<Result<(), String>> {
            fn decode<T: serde::de::DeserializeOwned>(body: &Value) -> Result<(), String> {
                serde_path_to_error::deserialize::<_, T>(body)
                    .map(drop)
                    .map_err(|error| format!("{}: {}", error.path(), error.inner()))
            }
            Some(match operation_id {
                #(#arms)*
                _ => return None,
            })
        }
    }
}
