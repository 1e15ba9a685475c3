//! What request types get and response types do not.
//!
//! - `null` read as sent. serde reads `null` on an optional field as if the field were left
//!   out, so a generated type takes `{"tag-id": null}` although the spec says `tag-id` is a
//!   string, and reads an update's `{"note": null}` as "leave the note" rather than "clear
//!   it". The client writes request bodies, but persona-mock and the `persona` CLI read them
//!   with these types. So each optional property of a request body (and of the objects inside
//!   it) that is not nullable, or whose type is `Clearable`, gets
//!   `#[serde(default, deserialize_with = "crate::jsonapi::as_sent")]`: the first then refuses
//!   `null`, the second reads it as `Clearable::Clear`. Response types stay lenient.
//! - typify's builders. A response type is read, never built, and its builder (a struct, four
//!   impls, a setter per field) is most of what it costs to compile; only the types a request
//!   body reaches keep theirs.

use std::collections::BTreeSet;

use serde_json::Value;
use syn::{Fields, Item, ItemStruct, Type, parse_quote};

use crate::TaskError;
use crate::document::Document;

/// Marks the fields; returns how many.
pub fn refuse_nulls(file: &mut syn::File, document: &Document) -> Result<usize, TaskError> {
    refuse_nulls_in(file, document)
}

/// Removes the builders of the types no request body reaches; returns how many went.
pub fn drop_response_builders(
    file: &mut syn::File,
    document: &Document,
) -> Result<usize, TaskError> {
    let types = crate::refine::module_items(file, "types")?;
    let keep = reached_from(
        types,
        request_bodies(document).into_iter().map(|(name, _)| name),
    );
    let dropped: BTreeSet<String> = types
        .iter()
        .filter_map(|item| match item {
            Item::Struct(item) if !keep.contains(&item.ident.to_string()) => {
                Some(item.ident.to_string())
            }
            _ => None,
        })
        .collect();
    let subject_dropped = |item: &Item| matches!(item, Item::Impl(block) if self_type_name(&block.self_ty).is_some_and(|name| dropped.contains(&name)));
    // `impl X { pub fn builder() -> builder::X }` in `types`...
    types.retain(|item| {
        !(subject_dropped(item)
            && matches!(item, Item::Impl(block) if block.trait_.is_none()
                && block.items.iter().all(|member| matches!(member, syn::ImplItem::Fn(function) if function.sig.ident == "builder"))))
    });
    // ...and `builder::X` with its impls.
    let builders = types
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == "builder" => module.content.as_mut(),
            _ => None,
        })
        .map(|(_, items)| items)
        .ok_or_else(|| {
            TaskError::Format("typify's output has no `types::builder` module".into())
        })?;
    builders.retain(|item| match item {
        Item::Struct(item) => !dropped.contains(&item.ident.to_string()),
        other => !subject_dropped(other),
    });
    Ok(dropped.len())
}

/// The structs and enums of `types` that the named ones reach through their fields and
/// variants, the named ones included.
fn reached_from(types: &[Item], roots: impl Iterator<Item = String>) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let mut work: Vec<String> = roots.collect();
    while let Some(name) = work.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        let field_types: Vec<&Type> = types
            .iter()
            .flat_map(|item| match item {
                Item::Struct(item) if item.ident == name => {
                    item.fields.iter().map(|field| &field.ty).collect()
                }
                Item::Enum(item) if item.ident == name => item
                    .variants
                    .iter()
                    .flat_map(|variant| variant.fields.iter().map(|field| &field.ty))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        work.extend(field_types.into_iter().filter_map(innermost_name));
    }
    reached
}

/// The last path segment of an impl's self type: `super::Inquiry` gives `Inquiry`.
fn self_type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|last| last.ident.to_string()),
        _ => None,
    }
}

fn refuse_nulls_in(file: &mut syn::File, document: &Document) -> Result<usize, TaskError> {
    let mut structs: Vec<&mut ItemStruct> = crate::refine::module_items(file, "types")?
        .iter_mut()
        .filter_map(|item| match item {
            Item::Struct(item) => Some(item),
            _ => None,
        })
        .collect();

    let mut work: Vec<(String, Value)> = request_bodies(document);
    let mut seen = BTreeSet::new();
    let mut marked = 0;
    while let Some((name, schema)) = work.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(item) = structs.iter_mut().find(|item| item.ident == name) else {
            continue;
        };
        let schema = document.merged(&schema);
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        let Fields::Named(fields) = &mut item.fields else {
            continue;
        };
        for (property, property_schema) in properties {
            let Some(field) = fields
                .named
                .iter_mut()
                .find(|field| json_name(field) == *property)
            else {
                continue;
            };
            let resolved = document.merged(property_schema);
            let nullable = [property_schema, &resolved]
                .iter()
                .any(|schema| schema["nullable"] == Value::Bool(true));
            if !required.contains(property.as_str())
                && is_option(&field.ty)
                && (!nullable || is_clearable(&field.ty))
            {
                field.attrs.push(parse_quote!(
                    #[serde(default, deserialize_with = "crate::jsonapi::as_sent")]
                ));
                marked += 1;
            }
            // The objects inside: the struct the field's type names, with the schema it came
            // from (an array's items).
            if let Some(inner) = innermost_name(&field.ty) {
                let inner_schema = match resolved.get("items") {
                    Some(items) => items.clone(),
                    None => resolved.clone(),
                };
                work.push((inner, inner_schema));
            }
        }
    }
    Ok(marked)
}

/// Each operation's request body schema, by the name of the struct typify gives it.
fn request_bodies(document: &Document) -> Vec<(String, Value)> {
    document
        .operations()
        .filter_map(|operation| {
            let (_, schema) = document.request_body(operation.node)?;
            let id = operation.node["operationId"].as_str()?;
            Some((crate::model::type_name(schema, id, "Body"), schema.clone()))
        })
        .collect()
}

/// The JSON name of a field: its serde `rename`, else its identifier.
fn json_name(field: &syn::Field) -> String {
    field
        .attrs
        .iter()
        .filter(|attribute| attribute.path().is_ident("serde"))
        .find_map(|attribute| {
            let text = quote::quote!(#attribute).to_string();
            let start = text.find("rename = \"")? + "rename = \"".len();
            let end = start + text[start..].find('"')?;
            Some(text[start..end].to_string())
        })
        .unwrap_or_else(|| {
            field
                .ident
                .as_ref()
                .map(|ident| ident.to_string().trim_end_matches('_').to_string())
                .unwrap_or_default()
        })
}

/// `Option<crate::jsonapi::Clearable<..>>`: an update's attribute with three states.
fn is_clearable(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return false;
    };
    last.ident == "Option"
        && arguments.args.iter().any(|argument| {
            matches!(argument, syn::GenericArgument::Type(Type::Path(inner))
                if inner.path.segments.last().is_some_and(|segment| segment.ident == "Clearable"))
        })
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|last| last.ident == "Option"))
}

/// The last named type inside `Option`/`Vec` wrappers: `Option<Vec<SimulateAction>>` gives
/// `SimulateAction`.
fn innermost_name(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident == "Option" || last.ident == "Vec" {
        let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return None;
        };
        return arguments.args.iter().find_map(|argument| match argument {
            syn::GenericArgument::Type(inner) => innermost_name(inner),
            _ => None,
        });
    }
    Some(last.ident.to_string())
}
