//! The envelope-free request builders (`NewInquiry`, `SimulateActions`, ...): one per request
//! body the spec names with `x-rust-builder`, written from the generated types so they cannot
//! drift from them.
//!
//! A builder holds the body's parts, `data.attributes` and `meta` (or, for a body without
//! either, the body's own fields), and offers a setter per optional field and a constructor
//! argument per required one. The fields of a type the spec marks `x-rust-flatten` (the
//! template `fields`) become setters of the builder itself, plus `field(name, value)` for the
//! rest. `TryFrom<Builder>` for the body type lets progenitor's `.body(..)` take it.

use std::collections::BTreeSet;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Attribute, Fields, GenericArgument, Ident, Item, ItemStruct, PathArguments, Type};

use crate::TaskError;

/// A builder the spec asks for: its name and the body schema it builds.
pub struct Wanted {
    builder: String,
    request: String,
}

/// The `x-rust-builder` names, and the `x-rust-flatten` schemas.
pub fn wanted(document: &serde_json::Value) -> (Vec<Wanted>, BTreeSet<String>) {
    let mut builders = Vec::new();
    let mut flatten = BTreeSet::new();
    let schemas = document
        .pointer("/components/schemas")
        .and_then(serde_json::Value::as_object);
    for (name, schema) in schemas.into_iter().flatten() {
        if let Some(builder) = schema["x-rust-builder"].as_str() {
            builders.push(Wanted {
                builder: builder.to_string(),
                request: name.clone(),
            });
        }
        if schema["x-rust-flatten"] == serde_json::Value::Bool(true) {
            flatten.insert(name.clone());
        }
    }
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
    for wanted in wanted {
        builders.push(builder(&structs, wanted, flatten)?);
    }
    let module: syn::ItemMod = syn::parse_quote! {
        /// Request bodies without their JSON:API envelopes: build one, pass it to `.body(..)`.
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

/// The structs of the generated `types` module, by name.
struct Structs<'a>(Vec<&'a ItemStruct>);

impl<'a> Structs<'a> {
    fn of(file: &'a mut syn::File) -> Result<Structs<'a>, TaskError> {
        Ok(Structs(
            crate::refine::module_items(file, "types")?
                .iter()
                .filter_map(|item| match item {
                    Item::Struct(item) => Some(item),
                    _ => None,
                })
                .collect(),
        ))
    }

    fn named(&self, name: &str) -> Result<&'a ItemStruct, TaskError> {
        self.0
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

fn builder(
    structs: &Structs,
    wanted: &Wanted,
    flatten: &BTreeSet<String>,
) -> Result<TokenStream, TaskError> {
    let problem = |what: String| TaskError::Format(format!("{}: {what}", wanted.request));
    let request = structs.named(&wanted.request)?;
    let request_ident = &request.ident;
    let name = Ident::new(&wanted.builder, Span::call_site());
    let request_fields = fields(request);

    // The parts, and how the body is put back together from them.
    let mut parts = Vec::new();
    let mut assembled = Vec::new();
    let mut meta_is_optional = false;
    let has_envelope = request_fields
        .iter()
        .any(|field| field.ident == "data" || field.ident == "meta");
    if has_envelope {
        for field in &request_fields {
            let (outer, arguments) =
                shape(field.ty).ok_or_else(|| problem("an unnamed type".into()))?;
            match field.ident.to_string().as_str() {
                "data" => {
                    let data = structs.named(&outer)?;
                    let data_ident = &data.ident;
                    let data_fields = fields(data);
                    let [attributes] = data_fields.as_slice() else {
                        return Err(problem("`data` holds more than `attributes`".into()));
                    };
                    if attributes.ident != "attributes" {
                        return Err(problem("`data` holds more than `attributes`".into()));
                    }
                    let (attributes_type, _) = shape(attributes.ty)
                        .ok_or_else(|| problem("`attributes` has an unnamed type".into()))?;
                    parts.push(Part {
                        slot: format_ident!("attributes"),
                        item: structs.named(&attributes_type)?,
                    });
                    assembled
                        .push(quote!(data: types::#data_ident { attributes: builder.attributes }));
                }
                "meta" => {
                    let meta_type = if outer == "Option" {
                        meta_is_optional = true;
                        shape(arguments[0]).map(|(name, _)| name)
                    } else {
                        Some(outer)
                    }
                    .ok_or_else(|| problem("`meta` has an unnamed type".into()))?;
                    parts.push(Part {
                        slot: format_ident!("meta"),
                        item: structs.named(&meta_type)?,
                    });
                    assembled.push(if meta_is_optional {
                        quote!(meta: builder.meta_set.then_some(builder.meta))
                    } else {
                        quote!(meta: builder.meta)
                    });
                }
                other => {
                    return Err(problem(format!(
                        "a body field `{other}` beside data and meta"
                    )));
                }
            }
        }
    } else {
        parts.push(Part {
            slot: format_ident!("body"),
            item: request,
        });
    }

    let mut slots = Vec::new();
    let mut constructor_parameters = Vec::new();
    let mut constructor_parts = Vec::new();
    let mut setters = Vec::new();
    let mut setter_names = BTreeSet::new();
    let mut uses_errors = false;
    // A constructor argument is checked: `new` collects into a local before `Self` exists.
    let mut constructor_checks = false;
    for part in &parts {
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
                for inner_field in fields(flattened) {
                    let inner_ident = inner_field.ident;
                    let inner_docs = &inner_field.docs;
                    if inner_field.is_extra {
                        let doc =
                            format!("Any other `{ident}` value, by its name in the template.");
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
                        .ok_or_else(|| {
                            problem(format!("{value_name}.{inner_ident} is not optional"))
                        })?;
                    let Input {
                        parameter,
                        value,
                        checked,
                    } = input(inner_type, inner_ident, quote!(self.errors));
                    uses_errors |= checked != Checked::No;
                    setters.push(quote! {
                        #(#inner_docs)*
                        pub fn #inner_ident(mut self, value: #parameter) -> Self {
                            #marks_meta
                            #access.#inner_ident = ::std::option::Option::Some(#value);
                            self
                        }
                    });
                }
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
    let body = if has_envelope {
        quote!(types::#request_ident { #(#assembled),* })
    } else {
        quote!(builder.body)
    };
    let doc = format!(
        "The body of a request, without its envelope: becomes [`types::{request_ident}`] in `.body(..)`."
    );
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
        impl ::std::convert::TryFrom<#name> for types::#request_ident {
            type Error = types::error::ConversionError;
            fn try_from(builder: #name) -> ::std::result::Result<Self, Self::Error> {
                #errors_check
                ::std::result::Result::Ok(#body)
            }
        }
    })
}
