//! What the generator does to progenitor's output before it is written: changes that progenitor
//! has no setting for, made on the syntax tree so they cannot drift from the spec.

use syn::{
    Block, Expr, Fields, GenericArgument, ImplItem, Item, Local, Pat, PathArguments, ReturnType,
    Stmt, Type, parse_quote,
};

use crate::TaskError;
use crate::model::{Model, OpenUnion, UnionMember};

/// The items of one of progenitor's modules (`types`, `builder`).
pub fn module_items<'a>(
    file: &'a mut syn::File,
    name: &str,
) -> Result<&'a mut Vec<Item>, TaskError> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == name => module.content.as_mut(),
            _ => None,
        })
        .map(|(_, items)| items)
        .ok_or_else(|| TaskError::Format(format!("progenitor's output has no `{name}` module")))
}

/// The one pass over progenitor's builders. Every operation's `send()` returns `crate::Error`
/// (persona-api's one error type) instead of progenitor's `Error<types::ErrorBody>`, so `?`
/// into any error type (`Box<dyn Error>`, anyhow) prints Persona's message rather than
/// progenitor's debug dump; the generated body is kept as it is, in an async block whose error
/// is converted once. And every builder takes the options of its own call,
/// `.retry_policy(..)` and `.timeout(..)`, which `send()` hands to the client's `exec` hook
/// for the length of the call (`crate::call::CallOptions`). Returns how many `send()`s it
/// rewrote.
pub fn rewrite_builders(file: &mut syn::File) -> Result<usize, TaskError> {
    let builders = module_items(file, "builder")?;
    let mut changed = 0;
    for item in builders.iter_mut() {
        match item {
            Item::Struct(builder) => {
                let Fields::Named(fields) = &mut builder.fields else {
                    continue;
                };
                fields
                    .named
                    .push(parse_quote!(call: crate::call::CallOptions));
            }
            Item::Impl(block) => {
                let mut has_send = false;
                for member in &mut block.items {
                    let ImplItem::Fn(function) = member else {
                        continue;
                    };
                    if CALL_OPTION_SETTERS.contains(&function.sig.ident.to_string().as_str()) {
                        return Err(TaskError::Format(format!(
                            "a builder has a parameter setter named {}, which is a per-call option",
                            function.sig.ident
                        )));
                    }
                    if function.sig.ident == "new" {
                        initialize_call_options(function)?;
                    } else if takes_an_id(function) {
                        keep_the_id_error(function)?;
                    } else if function.sig.ident == "send" {
                        rewrite_send(function)?;
                        has_send = true;
                        changed += 1;
                    }
                }
                if has_send {
                    block.items.push(parse_quote! {
                        /// Retries for this call only, instead of the client's
                        /// [`RetryPolicy`](crate::RetryPolicy) (`RetryPolicy::none()` for none).
                        pub fn retry_policy(mut self, policy: crate::RetryPolicy) -> Self {
                            self.call.retry = Some(policy);
                            self
                        }
                    });
                    block.items.push(parse_quote! {
                        /// The time each attempt of this call may take, instead of the client's
                        /// `timeout`; the client's `overall_timeout` still bounds the call.
                        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                            self.call.timeout = Some(timeout);
                            self
                        }
                    });
                }
            }
            _ => {}
        }
    }
    Ok(changed)
}

/// Whether a setter takes one of the id kinds (`V: TryInto<crate::generated::ids::InquiryId>`).
fn takes_an_id(function: &syn::ImplItemFn) -> bool {
    let Some(clause) = &function.sig.generics.where_clause else {
        return false;
    };
    clause.predicates.iter().any(|predicate| {
        quote::quote!(#predicate)
            .to_string()
            .replace(' ', "")
            .contains("TryInto<crate::generated::ids::")
    })
}

/// progenitor's setter replaces a failed conversion's error with its own text; an id's says
/// which prefix was expected and what was sent, so the setter keeps it (`send()` then fails
/// with it, before anything is sent).
fn keep_the_id_error(function: &mut syn::ImplItemFn) -> Result<(), TaskError> {
    let bound = function
        .sig
        .generics
        .where_clause
        .as_ref()
        .and_then(|clause| clause.predicates.first())
        .cloned()
        .ok_or_else(|| TaskError::Format("an id setter without its bound".to_string()))?;
    let syn::WherePredicate::Type(bound) = bound else {
        return Err(TaskError::Format(
            "an id setter's bound is not on V".to_string(),
        ));
    };
    let target = &bound.bounds;
    if let Some(clause) = function.sig.generics.where_clause.as_mut() {
        clause
            .predicates
            .push(parse_quote!(<V as #target>::Error: std::fmt::Display));
    }
    let [Stmt::Expr(Expr::Assign(assign), _), ..] = &mut function.block.stmts[..] else {
        return Err(TaskError::Format(format!(
            "the setter {} does not start with `self.field = ..`",
            function.sig.ident
        )));
    };
    let Expr::MethodCall(map_err) = assign.right.as_mut() else {
        return Err(TaskError::Format(format!(
            "the setter {} does not convert with map_err",
            function.sig.ident
        )));
    };
    map_err.args = parse_quote!(|error| error.to_string());
    Ok(())
}

/// The setters `rewrite_builders` adds to every builder.
const CALL_OPTION_SETTERS: [&str; 2] = ["retry_policy", "timeout"];

/// `new()` builds `Self { .. }`: the call options start as the client's.
fn initialize_call_options(function: &mut syn::ImplItemFn) -> Result<(), TaskError> {
    let constructed = function
        .block
        .stmts
        .iter_mut()
        .find_map(|statement| match statement {
            Stmt::Expr(Expr::Struct(constructed), _) => Some(constructed),
            _ => None,
        });
    let constructed = constructed.ok_or_else(|| {
        TaskError::Format("a builder's new() does not end in `Self { .. }`".to_string())
    })?;
    constructed
        .fields
        .push(parse_quote!(call: crate::call::CallOptions::default()));
    Ok(())
}

fn rewrite_send(function: &mut syn::ImplItemFn) -> Result<(), TaskError> {
    let ReturnType::Type(_, output) = &mut function.sig.output else {
        return Err(TaskError::Format(
            "a builder's send() returns nothing".to_string(),
        ));
    };
    let progenitor_output = output.as_ref().clone();
    let Some(error) = result_error_type(output) else {
        return Err(TaskError::Format(format!(
            "a builder's send() does not return a Result: {}",
            quote::quote!(#progenitor_output)
        )));
    };
    *error = parse_quote!(crate::Error);
    // The body takes the builder apart (`let Self { client, .. } = self;`): the call options
    // were taken out before, so they are passed over there.
    let destructured = function
        .block
        .stmts
        .iter_mut()
        .find_map(|statement| match statement {
            Stmt::Local(Local {
                pat: Pat::Struct(pattern),
                ..
            }) => Some(pattern),
            _ => None,
        });
    let destructured = destructured.ok_or_else(|| {
        TaskError::Format("a builder's send() does not take `Self { .. }` apart".to_string())
    })?;
    destructured.fields.push(syn::FieldPat {
        attrs: Vec::new(),
        member: syn::Member::Named(quote::format_ident!("call")),
        colon_token: Some(Default::default()),
        pat: Box::new(parse_quote!(_)),
    });
    let body = &function.block;
    let wrapped: Block = parse_quote!({
        let call = self.call.clone();
        let sent: #progenitor_output = call.scope(async move #body).await;
        sent.map_err(crate::Error::from)
    });
    function.block = wrapped;
    Ok(())
}

/// The `E` of a `Result<T, E>` type.
fn result_error_type(output: &mut Type) -> Option<&mut Type> {
    let Type::Path(path) = output else {
        return None;
    };
    let last = path.path.segments.last_mut()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &mut last.arguments else {
        return None;
    };
    match arguments.args.iter_mut().nth(1)? {
        GenericArgument::Type(error) => Some(error),
        _ => None,
    }
}

/// Adds to the `types` module, for each open union whose every kind is a resource with an id
/// kind, what makes a relationship of each of those id kinds resolve in a list of the union
/// (`crate::jsonapi::IncludedKind`): the object of its one kind (`AccountId` finds an
/// `Account`), or the union itself where the id kind has several (`VerificationId`; an `Other`
/// with that id too). `features::gate` then compiles each with the types it names.
pub fn add_included_kinds(file: &mut syn::File, model: &Model) -> Result<(), TaskError> {
    let mut impls = Vec::new();
    for (union, by_kind) in model.included_unions() {
        let name = syn::Ident::new(&union.name, proc_macro2::Span::call_site());
        for (kind, members) in by_kind {
            let kind = syn::Ident::new(kind, proc_macro2::Span::call_site());
            let variants: Vec<syn::Ident> = members
                .iter()
                .map(|member| variant_ident(&member.value))
                .collect();
            let block: syn::ItemImpl = match members.as_slice() {
                [only] => {
                    let payload = syn::Ident::new(&only.payload, proc_macro2::Span::call_site());
                    let variant = &variants[0];
                    parse_quote! {
                        impl crate::jsonapi::IncludedKind<#name> for crate::generated::ids::#kind {
                            type Object = #payload;
                            fn find<'a>(item: &'a #name, id: &str) -> ::std::option::Option<&'a #payload> {
                                match item {
                                    #name::#variant(object) if *object.id == *id => ::std::option::Option::Some(object),
                                    _ => ::std::option::Option::None,
                                }
                            }
                        }
                    }
                }
                _ => parse_quote! {
                    impl crate::jsonapi::IncludedKind<#name> for crate::generated::ids::#kind {
                        type Object = #name;
                        fn find<'a>(item: &'a #name, id: &str) -> ::std::option::Option<&'a #name> {
                            match item {
                                #(#name::#variants(_))|* | #name::Other(_) if item.id() == ::std::option::Option::Some(id) => ::std::option::Option::Some(item),
                                _ => ::std::option::Option::None,
                            }
                        }
                    }
                },
            };
            impls.push(Item::Impl(block));
        }
    }
    module_items(file, "types")?.extend(impls);
    Ok(())
}

/// Adds each open union to the `types` module: an enum with a variant per tag value holding
/// its component's type, plus `Other` holding an unknown kind as it was sent, and serde impls
/// through `crate::open_union` that read the tag first. (typify's own enum for a `oneOf`
/// refuses a tag it does not know, which would fail a whole response on Persona's next kind.)
pub fn add_open_unions(file: &mut syn::File, unions: &[OpenUnion]) -> Result<(), TaskError> {
    let types = module_items(file, "types")?;
    for union in unions {
        let name = syn::Ident::new(&union.name, proc_macro2::Span::call_site());
        let tag = &union.tag;
        let doc = union
            .description
            .clone()
            .unwrap_or_else(|| format!("`{}`", union.name));
        let mut seen = std::collections::BTreeSet::new();
        let variants: Vec<(syn::Ident, &str, syn::Ident)> = union
            .members
            .iter()
            .map(|UnionMember { value, payload, .. }| {
                let variant = variant_ident(value);
                if !seen.insert(variant.to_string()) || variant == "Other" {
                    return Err(TaskError::Unsupported(vec![format!(
                        "{}: '{value}' gives the variant name {variant} twice",
                        union.name
                    )]));
                }
                let payload = syn::Ident::new(payload, proc_macro2::Span::call_site());
                Ok((variant, value.as_str(), payload))
            })
            .collect::<Result<_, _>>()?;
        let declarations = variants.iter().map(|(variant, value, payload)| {
            let doc = format!("`{tag}: {value}`");
            quote::quote!(#[doc = #doc] #variant(#payload),)
        });
        let kinds = variants
            .iter()
            .map(|(variant, value, _)| quote::quote!(Self::#variant(_) => #value,));
        let serializers = variants.iter().map(|(variant, value, _)| {
            quote::quote!(Self::#variant(payload) => crate::open_union::serialize(serializer, #tag, #value, payload),)
        });
        // A payload that declares the tag itself (a resource's `type`) keeps it.
        let declares_tag = |payload: &syn::Ident| {
            types.iter().any(|item| {
                matches!(item, Item::Struct(item) if item.ident == *payload
                && item.fields.iter().any(|field| {
                    field.ident.as_ref().is_some_and(|ident| {
                        ident.to_string().trim_end_matches('_') == tag.as_str()
                    })
                }))
            })
        };
        let known = variants.iter().map(|(_, value, payload)| {
            let keeps_tag = declares_tag(payload);
            quote::quote!(#value => ::std::option::Option::Some(#keeps_tag),)
        });
        let readers = variants.iter().map(|(variant, value, payload)| {
            quote::quote!(#value => <#payload as ::serde::Deserialize>::deserialize(payload).map(Self::#variant),)
        });
        let other_doc = format!(
            "A kind this version of the crate does not know, kept as it was sent (`{tag}` included)."
        );
        let kind_doc = format!("The `{tag}` this value has on the wire.");
        // When every kind has an `id` (JSON:API resources), the union gives it too.
        // Each kind's `id` field, and whether it is optional (the bundle's resources do not
        // require one).
        let id_of = |payload: &syn::Ident| {
            types.iter().find_map(|item| match item {
                Item::Struct(item) if item.ident == *payload => item
                    .fields
                    .iter()
                    .find(|field| field.ident.as_ref().is_some_and(|ident| ident == "id"))
                    .map(|field| {
                        let ty = quote::ToTokens::to_token_stream(&field.ty)
                            .to_string()
                            .replace(' ', "");
                        ty.starts_with("::std::option::Option<") || ty.starts_with("Option<")
                    }),
                _ => None,
            })
        };
        let all_have_ids = variants
            .iter()
            .all(|(_, _, payload)| id_of(payload).is_some());
        let id_accessor = all_have_ids.then(|| {
            let ids = variants.iter().map(|(variant, _, payload)| {
                if id_of(payload) == Some(true) {
                    quote::quote!(Self::#variant(payload) => payload.id.as_deref(),)
                } else {
                    quote::quote!(Self::#variant(payload) => ::std::option::Option::Some(&payload.id),)
                }
            });
            quote::quote! {
                #[doc = "The object's id as sent, whatever its kind."]
                pub fn id(&self) -> ::std::option::Option<&str> {
                    match self {
                        #(#ids)*
                        Self::Other(object) => object.get("id").and_then(|id| id.as_str()),
                    }
                }
            }
        });
        let items: syn::File = parse_quote! {
            #[doc = #doc]
            #[derive(Clone, Debug)]
            pub enum #name {
                #(#declarations)*
                #[doc = #other_doc]
                Other(::serde_json::Map<::std::string::String, ::serde_json::Value>),
            }
            impl #name {
                #[doc = #kind_doc]
                pub fn kind(&self) -> &str {
                    match self {
                        #(#kinds)*
                        Self::Other(object) => object.get(#tag).and_then(|kind| kind.as_str()).unwrap_or_default(),
                    }
                }
                #id_accessor
            }
            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                    match self {
                        #(#serializers)*
                        Self::Other(object) => ::serde::Serialize::serialize(object, serializer),
                    }
                }
            }
            impl crate::open_union::TaggedUnion for #name {
                const TAG: &'static str = #tag;
                fn known(kind: &str) -> ::std::option::Option<bool> {
                    match kind {
                        #(#known)*
                        _ => ::std::option::Option::None,
                    }
                }
                fn read<'de, D: ::serde::Deserializer<'de>>(kind: &str, payload: D) -> ::std::result::Result<Self, D::Error> {
                    match kind {
                        #(#readers)*
                        other => ::std::result::Result::Err(<D::Error as ::serde::de::Error>::custom(
                            ::std::format!("no variant for {other}"),
                        )),
                    }
                }
                fn other(object: ::serde_json::Map<::std::string::String, ::serde_json::Value>) -> Self {
                    Self::Other(object)
                }
            }
            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                    crate::open_union::deserialize(deserializer)
                }
            }
        };
        types.extend(items.items);
    }
    Ok(())
}

/// `relation-schema` → `RelationSchema`.
fn variant_ident(value: &str) -> syn::Ident {
    syn::Ident::new(&crate::pascal_case(value), proc_macro2::Span::call_site())
}
