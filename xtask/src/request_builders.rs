//! The envelope-free request builders (`NewAccount`, `NewInquiry`, `Tag`, ...): one for each
//! JSON request body, named as the model names it (`Operation::builder`), written from the
//! generated types so they cannot drift from them. Bodies that share a builder's name must
//! share its shape: it holds the first body's parts and moves them field by field into the
//! others. A body that is a choice of kinds (an enum, itself or in its `data`: a report of one
//! of 14 kinds) has none; its kinds are types of their own.
//!
//! A builder holds the body's parts, `data.attributes` and `meta` (or, for a body without
//! either, the body's own fields), and offers a setter per optional field and a constructor
//! argument per required one. The fields of a type the spec marks `x-rust-flatten` (the
//! template `fields`) become setters of the builder itself, plus `field(name, value)` for the
//! rest. `TryFrom<Builder>` for the body type lets progenitor's `.body(..)` take it.

use std::collections::BTreeSet;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{
    Attribute, Fields, GenericArgument, Ident, Item, ItemEnum, ItemStruct, PathArguments, Type,
    Variant,
};

use crate::TaskError;

/// A builder: its name and the body types it builds, which share one shape (the first is the
/// one it holds; the others take its parts field by field).
pub struct Wanted {
    builder: String,
    requests: Vec<String>,
}

/// One builder per body of the model's operations, bodies that share a builder's name together;
/// and the `x-rust-flatten` schemas.
pub fn wanted(
    document: &serde_json::Value,
    model: &crate::model::Model,
) -> (Vec<Wanted>, BTreeSet<String>) {
    let builders = model
        .builders()
        .into_iter()
        .map(|(builder, bodies, _)| Wanted {
            builder: builder.to_string(),
            requests: bodies.into_iter().map(str::to_string).collect(),
        })
        .collect();
    let flatten = document
        .pointer("/components/schemas")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, schema)| schema["x-rust-flatten"] == serde_json::Value::Bool(true))
        .map(|(name, _)| name.clone())
        .collect();
    (builders, flatten)
}

/// Adds `pub mod requests` with every wanted builder.
pub fn add(
    file: &mut syn::File,
    wanted: &[Wanted],
    flatten: &BTreeSet<String>,
) -> Result<(), TaskError> {
    let structs = Structs::of(file)?;
    let mut builders = Vec::new();
    let mut choices = Vec::new();
    for wanted in wanted {
        if !wanted
            .requests
            .iter()
            .all(|request| structs.is_choice(request))
        {
            let held = layout(&structs, &wanted.requests[0], &held_value, None, None)
                .map_err(named(&wanted.builder))?;
            builders.push(
                builder(
                    &structs,
                    &wanted.builder,
                    &held,
                    &wanted.requests[1..],
                    flatten,
                )
                .map_err(named(&wanted.builder))?,
            );
            continue;
        }
        for request in &wanted.requests {
            let Some(kinds) = structs.data_choice(request) else {
                choices.push(format!("`{request}`"));
                continue;
            };
            // `NewReport`'s kinds: `NewWatchlistReport`, ...
            let noun = wanted.builder.trim_start_matches("New");
            for kind in &kinds.variants {
                let name = format!(
                    "New{}{noun}",
                    kind.ident.to_string().trim_end_matches("Request")
                );
                let held = layout(&structs, request, &held_value, None, Some(kind))
                    .map_err(named(&name))?;
                builders.push(builder(&structs, &name, &held, &[], flatten).map_err(named(&name))?);
            }
        }
    }
    let choices = format!(
        " A body that is itself a choice of kinds ({}) has none: build the kind's own type.",
        choices.join(", ")
    );
    let module: syn::ItemMod = syn::parse_quote! {
        /// Request bodies without their JSON:API envelopes: build one, pass it to `.body(..)`.
        ///
        #[doc = #choices]
        pub mod requests {
            // The field types are written as typify wrote them, relative to `types`.
            #[allow(unused_imports)]
            use super::types::{self, *};
            #(#builders)*
        }
    };
    file.items.push(Item::Mod(module));
    Ok(())
}

/// Names the builder in an error about it.
fn named(name: &str) -> impl Fn(TaskError) -> TaskError + '_ {
    move |error| TaskError::Format(format!("the builder {name}: {error}"))
}

/// The structs of the generated `types` module, by name.
struct Structs<'a> {
    structs: Vec<&'a ItemStruct>,
    enums: Vec<&'a ItemEnum>,
}

impl<'a> Structs<'a> {
    fn of(file: &'a mut syn::File) -> Result<Structs<'a>, TaskError> {
        let items = crate::refine::module_items(file, "types")?;
        Ok(Structs {
            structs: items
                .iter()
                .filter_map(|item| match item {
                    Item::Struct(item) => Some(item),
                    _ => None,
                })
                .collect(),
            enums: items
                .iter()
                .filter_map(|item| match item {
                    Item::Enum(item) => Some(item),
                    _ => None,
                })
                .collect(),
        })
    }

    /// Whether a body is a choice of kinds, itself or in its `data` (a report of one of 14
    /// kinds, an OAuth grant): each kind is a type to build as it is, not parts of one body.
    fn is_choice(&self, request: &str) -> bool {
        self.enum_named(request).is_some() || self.data_choice(request).is_some()
    }

    /// The enum of a body's `data` when it is a choice of kinds (a report's), whose each kind
    /// gets a builder of its own.
    fn data_choice(&self, request: &str) -> Option<&'a ItemEnum> {
        let item = self.named(request).ok()?;
        fields(item).iter().find_map(|field| {
            (field.ident == "data")
                .then(|| optional(field.ty))
                .flatten()
                .and_then(|(data, _)| self.enum_named(&data))
        })
    }

    /// A struct that derives `Default` and of which every field is optional.
    fn all_optional(&self, name: &str) -> Option<&'a ItemStruct> {
        let item = self.named(name).ok()?;
        let derives_default = item.attrs.iter().any(|attribute| {
            attribute.path().is_ident("derive")
                && quote!(#attribute).to_string().contains("Default")
        });
        let every_field_optional = fields(item).iter().all(|field| {
            field.is_extra
                || field.has_default
                || optional(field.ty).is_some_and(|(_, optional)| optional)
        });
        (derives_default && every_field_optional).then_some(item)
    }

    fn enum_named(&self, name: &str) -> Option<&'a ItemEnum> {
        self.enums.iter().copied().find(|item| item.ident == name)
    }

    fn named(&self, name: &str) -> Result<&'a ItemStruct, TaskError> {
        self.structs
            .iter()
            .copied()
            .find(|item| item.ident == name)
            .ok_or_else(|| TaskError::Format(format!("no generated struct {name}")))
    }
}

/// One field of a part: how it is named, typed and documented.
struct Field<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    docs: Vec<&'a Attribute>,
    /// `#[serde(flatten)]`: the map of keys the schema does not name.
    is_extra: bool,
    /// `#[serde(default)]`: optional without an `Option` (typify's optional arrays).
    has_default: bool,
}

fn fields(item: &ItemStruct) -> Vec<Field<'_>> {
    let Fields::Named(named) = &item.fields else {
        return Vec::new();
    };
    named
        .named
        .iter()
        .filter_map(|field| {
            let attribute_text = |attribute: &Attribute| quote!(#attribute).to_string();
            Some(Field {
                ident: field.ident.as_ref()?,
                ty: &field.ty,
                docs: field
                    .attrs
                    .iter()
                    .filter(|attribute| attribute.path().is_ident("doc"))
                    .collect(),
                is_extra: field
                    .attrs
                    .iter()
                    .any(|attribute| attribute_text(attribute).contains("flatten")),
                has_default: field.attrs.iter().any(|attribute| {
                    let text = attribute_text(attribute);
                    text.contains("serde") && text.contains("default")
                }),
            })
        })
        .collect()
}

/// The last segment of a type path and its type arguments: `Option<String>` gives
/// (`Option`, [`String`]).
fn shape(ty: &Type) -> Option<(String, Vec<&Type>)> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let arguments = match &last.arguments {
        PathArguments::AngleBracketed(arguments) => arguments
            .args
            .iter()
            .filter_map(|argument| match argument {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((last.ident.to_string(), arguments))
}

/// A part of the body the builder holds: `attributes`, `meta`, or the body itself.
struct Part<'a> {
    /// The builder's field holding it.
    slot: Ident,
    item: &'a ItemStruct,
}

/// What a setter or constructor argument takes, and how it becomes the field's value.
struct Input {
    parameter: TokenStream,
    value: TokenStream,
    /// The value is checked, and a refusal is recorded in `errors` for `try_from` to report:
    /// ids (by prefix) and `NonZero*` numbers.
    checked: Checked,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Checked {
    No,
    /// Recorded, and the value stands in: possible in a constructor too.
    Recorded,
    /// The setter returns early: only in a setter.
    ReturnsEarly,
}

/// Whether the type is one of the id kinds (`crate::generated::ids::InquiryId`).
fn is_id(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    segments.len() == 4 && segments[..3] == ["crate", "generated", "ids"]
}

/// An id of the kind `ty` from `value` (an id, or text that is checked for its prefix); a
/// refused one is recorded in `errors`, which `try_from` reports before anything is sent.
fn checked_id(ty: &Type, value: TokenStream, errors: TokenStream) -> TokenStream {
    quote!(
        match ::std::convert::TryInto::<#ty>::try_into(#value) {
            ::std::result::Result::Ok(id) => id,
            ::std::result::Result::Err(error) => {
                #errors.push(::std::string::ToString::to_string(&error));
                <#ty>::from_server("")
            }
        }
    )
}

/// The input of a setter (`errors` is `self.errors`) or constructor argument (a local).
fn input(ty: &Type, name: &Ident, errors: TokenStream) -> Input {
    let plain = |parameter: TokenStream| Input {
        parameter,
        value: quote!(value.into()),
        checked: Checked::No,
    };
    let id_parameter =
        |ty: &Type| quote!(impl ::std::convert::TryInto<#ty, Error: ::std::fmt::Display>);
    if is_id(ty) {
        return Input {
            parameter: id_parameter(ty),
            value: checked_id(ty, quote!(value), errors),
            checked: Checked::Recorded,
        };
    }
    match shape(ty) {
        Some((outer, arguments)) if outer == "String" && arguments.is_empty() => {
            plain(quote!(impl ::std::convert::Into<::std::string::String>))
        }
        Some((outer, arguments)) if outer == "Vec" && is_id(arguments[0]) => {
            let item = arguments[0];
            let checked = checked_id(item, quote!(item), errors);
            Input {
                parameter: quote!(impl ::std::iter::IntoIterator<Item = impl ::std::convert::TryInto<#item, Error: ::std::fmt::Display>>),
                value: quote!(value.into_iter().map(|item| #checked).collect()),
                checked: Checked::Recorded,
            }
        }
        Some((outer, arguments)) if outer == "Vec" => {
            let item = arguments[0];
            Input {
                parameter: quote!(impl ::std::iter::IntoIterator<Item = impl ::std::convert::Into<#item>>),
                value: quote!(value.into_iter().map(::std::convert::Into::into).collect()),
                checked: Checked::No,
            }
        }
        Some((outer, _)) if outer.starts_with("NonZero") => {
            let primitive = format_ident!("{}", outer.trim_start_matches("NonZero").to_lowercase());
            let message = format!("{name} must not be 0");
            Input {
                parameter: quote!(#primitive),
                value: quote!(
                    match <#ty>::new(value) {
                        Some(value) => value,
                        None => {
                            #errors.push(::std::string::ToString::to_string(#message));
                            return self;
                        }
                    }
                ),
                checked: Checked::ReturnsEarly,
            }
        }
        _ => plain(quote!(impl ::std::convert::Into<#ty>)),
    }
}

/// How a body type is held in parts and put back together.
struct Layout<'a> {
    request: &'a ItemStruct,
    /// `attributes`, `meta`, `data` (when it holds more than attributes), or the body itself.
    parts: Vec<Part<'a>>,
    /// The body, put together from the builder's parts.
    body: TokenStream,
    /// `meta` is optional: sent only when a meta setter was called.
    meta_is_optional: bool,
    /// It makes one kind of a choice (a watchlist report).
    of_kind: bool,
}

/// The type in an `Option`, and whether it was in one.
fn optional(ty: &Type) -> Option<(String, bool)> {
    let (outer, arguments) = shape(ty)?;
    if outer == "Option" {
        Some((shape(arguments.first()?)?.0, true))
    } else {
        Some((outer, false))
    }
}

/// A part's value as the builder that holds it has it: `builder.meta`.
fn held_value(slot: &Ident, _: &ItemStruct) -> TokenStream {
    quote!(builder.#slot)
}

/// The parts of the body type `request_name`; `value` gives the expression of a part's value
/// from the builder (`builder.meta`), as the body's own part type. `meta_set`: whether the
/// builder records that a meta setter was called, when another body's layout decided it.
/// `kind`: the variant of a `data` that is a choice of kinds, which the builder makes.
fn layout<'a>(
    structs: &Structs<'a>,
    request_name: &str,
    value: &dyn Fn(&Ident, &ItemStruct) -> TokenStream,
    meta_set: Option<bool>,
    kind: Option<&Variant>,
) -> Result<Layout<'a>, TaskError> {
    let problem = TaskError::Format;
    let request = structs.named(request_name)?;
    let request_ident = &request.ident;
    let request_fields = fields(request);
    let some = |value: TokenStream, optional: bool| {
        if optional {
            quote!(::std::option::Option::Some(#value))
        } else {
            value
        }
    };
    let has_envelope = request_fields
        .iter()
        .any(|field| field.ident == "data" || field.ident == "meta");
    if !has_envelope {
        let slot = format_ident!("body");
        return Ok(Layout {
            request,
            body: value(&slot, request),
            parts: vec![Part {
                slot,
                item: request,
            }],
            meta_is_optional: false,
            of_kind: false,
        });
    }
    let mut parts = Vec::new();
    let mut assembled = Vec::new();
    let mut meta_is_optional = false;
    for field in &request_fields {
        let (inner, is_optional) =
            optional(field.ty).ok_or_else(|| problem("an unnamed type".into()))?;
        match field.ident.to_string().as_str() {
            "data" if kind.is_some() => {
                let kind = kind.expect("matched");
                let (slot, item, data) = kind_data(structs, &inner, kind, value)?;
                let data = some(data, is_optional);
                assembled.push(quote!(data: #data));
                parts.push(Part { slot, item });
            }
            "data" => {
                let data = structs.named(&inner)?;
                let data_ident = &data.ident;
                let data_fields = fields(data);
                let attributes = match data_fields.as_slice() {
                    [attributes] if attributes.ident == "attributes" => optional(attributes.ty)
                        .and_then(|(name, optional)| Some((structs.named(&name).ok()?, optional))),
                    _ => None,
                };
                match attributes {
                    Some((item, attributes_optional)) => {
                        let slot = format_ident!("attributes");
                        let attributes = some(value(&slot, item), attributes_optional);
                        let data = some(
                            quote!(types::#data_ident { attributes: #attributes }),
                            is_optional,
                        );
                        assembled.push(quote!(data: #data));
                        parts.push(Part { slot, item });
                    }
                    // More than attributes (an action's id and parameters), or attributes
                    // of no fixed shape (a workflow's): a part itself.
                    None => {
                        let slot = format_ident!("data");
                        let data_value = some(value(&slot, data), is_optional);
                        assembled.push(quote!(data: #data_value));
                        parts.push(Part { slot, item: data });
                    }
                }
            }
            "meta" => {
                meta_is_optional = is_optional;
                let slot = format_ident!("meta");
                let item = structs.named(&inner)?;
                let meta = value(&slot, item);
                // A builder that holds a required `meta` always has one to send.
                assembled.push(match (is_optional, meta_set.unwrap_or(is_optional)) {
                    (true, true) => quote!(meta: builder.meta_set.then_some(#meta)),
                    (true, false) => quote!(meta: ::std::option::Option::Some(#meta)),
                    (false, _) => quote!(meta: #meta),
                });
                parts.push(Part { slot, item });
            }
            other => {
                return Err(problem(format!(
                    "a body field `{other}` beside data and meta"
                )));
            }
        }
    }
    Ok(Layout {
        request,
        parts,
        body: quote!(types::#request_ident { #(#assembled),* }),
        meta_is_optional,
        of_kind: kind.is_some(),
    })
}

/// One kind of a `data` that is a choice (`CreateReportBodyData::WatchlistRequest`): the
/// part the builder holds (the kind's `attributes`), and the `data` put together from it, its
/// `type` the one value the kind's type takes.
fn kind_data<'a>(
    structs: &Structs<'a>,
    choice: &str,
    kind: &Variant,
    value: &dyn Fn(&Ident, &ItemStruct) -> TokenStream,
) -> Result<(Ident, &'a ItemStruct, TokenStream), TaskError> {
    let problem = |what: &str| TaskError::Format(format!("{choice}::{}: {what}", kind.ident));
    let Fields::Unnamed(unnamed) = &kind.fields else {
        return Err(problem("not one type"));
    };
    let member_name = unnamed
        .unnamed
        .first()
        .and_then(|field| shape(&field.ty))
        .map(|(name, _)| name)
        .ok_or_else(|| problem("not one type"))?;
    let member = structs.named(&member_name)?;
    let (choice_ident, kind_ident, member_ident) =
        (format_ident!("{choice}"), &kind.ident, &member.ident);
    let slot = format_ident!("attributes");
    let mut attributes = None;
    let mut assembled = Vec::new();
    for field in fields(member) {
        let ident = field.ident;
        let (inner, is_optional) = optional(field.ty).ok_or_else(|| problem("an unnamed type"))?;
        let wrap = |value: TokenStream| {
            if is_optional {
                quote!(::std::option::Option::Some(#value))
            } else {
                value
            }
        };
        if ident == "attributes" {
            let item = structs.named(&inner)?;
            let held = wrap(value(&slot, item));
            assembled.push(quote!(attributes: #held));
            attributes = Some(item);
        } else if ident == "type_" {
            let type_enum = structs
                .enum_named(&inner)
                .filter(|item| item.variants.len() == 1)
                .ok_or_else(|| problem("a type of more than one value"))?;
            let (type_ident, only) = (&type_enum.ident, &type_enum.variants[0].ident);
            let type_value = wrap(quote!(types::#type_ident::#only));
            assembled.push(quote!(type_: #type_value));
        } else {
            return Err(problem(&format!(
                "a field `{ident}` beside attributes and type"
            )));
        }
    }
    let item = attributes.ok_or_else(|| problem("no attributes"))?;
    let data = quote!(types::#choice_ident::#kind_ident(types::#member_ident { #(#assembled),* }));
    Ok((slot, item, data))
}

/// A part's fields, by name and type: what two bodies must share to share a builder.
fn part_shape(item: &ItemStruct) -> Vec<(String, String)> {
    fields(item)
        .iter()
        .map(|field| {
            let ty = field.ty;
            (field.ident.to_string(), quote!(#ty).to_string())
        })
        .collect()
}

/// `TryFrom<builder>` for a body type: the builder's recorded refusal, else the body.
fn try_from(
    name: &Ident,
    request_ident: &Ident,
    errors_check: &Option<TokenStream>,
    body: &TokenStream,
) -> TokenStream {
    quote! {
        impl ::std::convert::TryFrom<#name> for types::#request_ident {
            type Error = types::error::ConversionError;
            fn try_from(builder: #name) -> ::std::result::Result<Self, Self::Error> {
                #errors_check
                ::std::result::Result::Ok(#body)
            }
        }
    }
}

/// `TryFrom<builder>` for a body type that shares the builder with the one it holds: each
/// part moved field by field into the body's own part type, which has the same fields.
fn conversion(
    structs: &Structs,
    name: &Ident,
    held: &Layout,
    request_name: &str,
    errors_check: &Option<TokenStream>,
) -> Result<TokenStream, TaskError> {
    let moved = |slot: &Ident, item: &ItemStruct| {
        let part_ident = &item.ident;
        let names = fields(item).into_iter().map(|field| field.ident);
        quote!(types::#part_ident { #(#names: builder.#slot.#names),* })
    };
    let other = layout(
        structs,
        request_name,
        &moved,
        Some(held.meta_is_optional),
        None,
    )?;
    let other_ident = &other.request.ident;
    let same = held.parts.len() == other.parts.len()
        && held
            .parts
            .iter()
            .zip(&other.parts)
            .all(|(a, b)| a.slot == b.slot && part_shape(a.item) == part_shape(b.item));
    if !same {
        return Err(TaskError::Format(format!(
            "{other_ident} has another shape than {}: give it a builder of its own",
            held.request.ident
        )));
    }
    Ok(try_from(name, other_ident, errors_check, &other.body))
}

/// A setter on the builder itself for each field of a nested part (`access` reaches it, as
/// `&mut`), and `field(name, value)` for its map of other keys.
fn nested_setters(
    nested: &ItemStruct,
    parent: &Ident,
    access: &TokenStream,
    marks_meta: &Option<TokenStream>,
    setter_names: &mut BTreeSet<String>,
    uses_errors: &mut bool,
) -> Result<Vec<TokenStream>, TaskError> {
    let problem = TaskError::Format;
    let nested_name = &nested.ident;
    let mut setters = Vec::new();
    for inner_field in fields(nested) {
        let inner_ident = inner_field.ident;
        let inner_docs = &inner_field.docs;
        if inner_field.is_extra {
            let doc = format!("Any other `{parent}` value, by its name in the template.");
            setters.push(quote! {
                #[doc = #doc]
                pub fn field(mut self, name: impl ::std::convert::Into<::std::string::String>, value: impl ::std::convert::Into<::serde_json::Value>) -> Self {
                    #marks_meta
                    #access.#inner_ident.insert(name.into(), value.into());
                    self
                }
            });
            continue;
        }
        if !setter_names.insert(inner_ident.to_string()) {
            return Err(problem(format!("two setters named {inner_ident}")));
        }
        let inner_type = shape(inner_field.ty)
            .and_then(|(outer, arguments)| (outer == "Option").then(|| arguments[0]))
            .ok_or_else(|| problem(format!("{nested_name}.{inner_ident} is not optional")))?;
        let Input {
            parameter,
            value,
            checked,
        } = input(inner_type, inner_ident, quote!(self.errors));
        *uses_errors |= checked != Checked::No;
        setters.push(quote! {
            #(#inner_docs)*
            pub fn #inner_ident(mut self, value: #parameter) -> Self {
                #marks_meta
                #access.#inner_ident = ::std::option::Option::Some(#value);
                self
            }
        });
    }
    Ok(setters)
}

/// The builder `name`, holding the parts of `held`, and converting into `others` too.
fn builder(
    structs: &Structs,
    name: &str,
    held: &Layout,
    others: &[String],
    flatten: &BTreeSet<String>,
) -> Result<TokenStream, TaskError> {
    // `add` names the builder in any error.
    let problem = TaskError::Format;
    let name = Ident::new(name, Span::call_site());
    let request_ident = &held.request.ident;
    let parts = &held.parts;
    let meta_is_optional = held.meta_is_optional;

    let mut slots = Vec::new();
    let mut constructor_parameters = Vec::new();
    let mut constructor_parts = Vec::new();
    let mut setters = Vec::new();
    let mut setter_names = BTreeSet::new();
    let mut uses_errors = false;
    // A constructor argument is checked: `new` collects into a local before `Self` exists.
    let mut constructor_checks = false;
    for part in parts {
        let slot = &part.slot;
        let part_type = &part.item.ident;
        slots.push(quote!(#slot: types::#part_type,));
        let marks_meta =
            (slot == "meta" && meta_is_optional).then(|| quote!(self.meta_set = true;));
        let mut initial = Vec::new();
        for field in fields(part.item) {
            let ident = field.ident;
            let docs = &field.docs;
            if field.is_extra {
                initial.push(quote!(#ident: ::std::default::Default::default(),));
                continue;
            }
            let Some((outer, arguments)) = shape(field.ty) else {
                return Err(problem(format!("{ident} has an unnamed type")));
            };
            if outer != "Option" && field.has_default {
                // Optional with a default (an empty list): a setter that replaces it.
                if !setter_names.insert(ident.to_string()) {
                    return Err(problem(format!("two setters named {ident}")));
                }
                let Input {
                    parameter,
                    value,
                    checked,
                } = input(field.ty, ident, quote!(self.errors));
                uses_errors |= checked != Checked::No;
                initial.push(quote!(#ident: ::std::default::Default::default(),));
                setters.push(quote! {
                    #(#docs)*
                    pub fn #ident(mut self, value: #parameter) -> Self {
                        #marks_meta
                        self.#slot.#ident = #value;
                        self
                    }
                });
                continue;
            }
            if let Some(nested) = (held.of_kind && outer != "Option")
                .then(|| structs.all_optional(&outer))
                .flatten()
            {
                // A kind's required part of which nothing is required (a watchlist report's
                // `query`) is set field by field: the builder's name already says what the
                // fields are for. Elsewhere such a part (an import's `file`) is an argument.
                initial.push(quote!(#ident: ::std::default::Default::default(),));
                setters.extend(nested_setters(
                    nested,
                    ident,
                    &quote!(self.#slot.#ident),
                    &marks_meta,
                    &mut setter_names,
                    &mut uses_errors,
                )?);
                continue;
            }
            if outer != "Option" {
                // Required: a constructor argument.
                let Input {
                    parameter,
                    value,
                    checked,
                } = input(field.ty, ident, quote!(errors));
                match checked {
                    Checked::ReturnsEarly => {
                        return Err(problem(format!("required {ident} cannot be checked")));
                    }
                    Checked::Recorded => {
                        uses_errors = true;
                        constructor_checks = true;
                    }
                    Checked::No => {}
                }
                constructor_parameters.push(quote!(#ident: #parameter));
                initial.push(quote!(#ident: { let value = #ident; #value },));
                continue;
            }
            initial.push(quote!(#ident: ::std::option::Option::None,));
            let inner = arguments[0];
            let (inner_outer, inner_arguments) = shape(inner).unwrap_or_default();
            let clearable = inner_outer == "Clearable";
            let value_type = if clearable { inner_arguments[0] } else { inner };
            let value_name = shape(value_type).map(|(name, _)| name).unwrap_or_default();
            let wrap = |value: TokenStream| {
                if clearable {
                    quote!(::std::option::Option::Some(crate::jsonapi::Clearable::Set(#value)))
                } else {
                    quote!(::std::option::Option::Some(#value))
                }
            };
            if flatten.contains(&value_name) {
                let flattened = structs.named(&value_name)?;
                // typify derives no Default here: the empty value is written out.
                let flattened_ident = &flattened.ident;
                let empty_fields = fields(flattened).into_iter().map(|field| {
                    let field_ident = field.ident;
                    if field.is_extra {
                        quote!(#field_ident: ::std::default::Default::default())
                    } else {
                        quote!(#field_ident: ::std::option::Option::None)
                    }
                });
                let empty = quote!(|| types::#flattened_ident { #(#empty_fields),* });
                let reach = if clearable {
                    quote!(crate::jsonapi::Clearable::set_value(&mut self.#slot.#ident, #empty))
                } else {
                    quote!(self.#slot.#ident.get_or_insert_with(#empty))
                };
                let accessor = format_ident!("{}_mut", ident);
                setters.push(quote! {
                    fn #accessor(&mut self) -> &mut types::#flattened_ident {
                        #reach
                    }
                });
                let access = quote!(self.#accessor());
                setters.extend(nested_setters(
                    flattened,
                    ident,
                    &access,
                    &marks_meta,
                    &mut setter_names,
                    &mut uses_errors,
                )?);
            } else {
                if !setter_names.insert(ident.to_string()) {
                    return Err(problem(format!("two setters named {ident}")));
                }
                let Input {
                    parameter,
                    value,
                    checked,
                } = input(value_type, ident, quote!(self.errors));
                uses_errors |= checked != Checked::No;
                let set = wrap(value);
                setters.push(quote! {
                    #(#docs)*
                    pub fn #ident(mut self, value: #parameter) -> Self {
                        #marks_meta
                        self.#slot.#ident = #set;
                        self
                    }
                });
            }
            if clearable {
                let clear = format_ident!("clear_{}", ident);
                let doc = format!("Sends `{ident}: null`, which clears it.");
                setters.push(quote! {
                    #[doc = #doc]
                    pub fn #clear(mut self) -> Self {
                        #marks_meta
                        self.#slot.#ident = ::std::option::Option::Some(crate::jsonapi::Clearable::Clear);
                        self
                    }
                });
            }
        }
        constructor_parts.push(quote!(#slot: types::#part_type { #(#initial)* },));
    }
    let meta_flag = meta_is_optional.then(|| quote!(meta_set: bool,));
    let meta_flag_initial = meta_is_optional.then(|| quote!(meta_set: false,));
    let errors_slot = uses_errors.then(|| quote!(errors: ::std::vec::Vec<::std::string::String>,));
    let errors_local = constructor_checks.then(
        || quote!(let mut errors: ::std::vec::Vec<::std::string::String> = ::std::vec::Vec::new();),
    );
    let errors_initial = match (uses_errors, constructor_checks) {
        (_, true) => Some(quote!(errors,)),
        (true, false) => Some(quote!(errors: ::std::vec::Vec::new(),)),
        (false, false) => None,
    };
    let errors_check = uses_errors.then(|| {
        quote!(
            if let ::std::option::Option::Some(error) = builder.errors.first() {
                return ::std::result::Result::Err(error.clone().into());
            }
        )
    });
    let held_conversion = try_from(&name, request_ident, &errors_check, &held.body);
    let conversions = others
        .iter()
        .map(|other| conversion(structs, &name, held, other, &errors_check))
        .collect::<Result<Vec<_>, TaskError>>()?;
    let targets = std::iter::once(request_ident.to_string())
        .chain(others.iter().cloned())
        // Code, not links: a builder several products share names bodies of products a
        // build may leave out, and a link to one would not resolve.
        .map(|request| format!("`types::{request}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let doc =
        format!("The body of a request, without its envelope: becomes {targets} in `.body(..)`.");
    let constructor_doc = if constructor_parameters.is_empty() {
        "An empty body: add what to send with the setters.".to_string()
    } else {
        "A body with what it needs; add the rest with the setters.".to_string()
    };
    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Debug)]
        #[must_use = "a body does nothing until it is passed to `.body(..)`"]
        pub struct #name {
            #(#slots)*
            #meta_flag
            #errors_slot
        }
        impl #name {
            #[doc = #constructor_doc]
            pub fn new(#(#constructor_parameters),*) -> Self {
                #errors_local
                Self {
                    #(#constructor_parts)*
                    #meta_flag_initial
                    #errors_initial
                }
            }
            #(#setters)*
        }
        #held_conversion
        #(#conversions)*
    })
}
