//! A one-line-per-item outline of the public API in generated code, for a snapshot that a
//! reviewer can read: a spec change shows up as added, removed or changed lines here.

use quote::ToTokens;
use syn::{Fields, ImplItem, Item, Visibility};

/// The outline of `code`: public types with their fields or variants, and public methods with
/// their signatures. The per-type builders in `types::builder` mirror the fields and are left out.
pub fn public_outline(code: &str) -> Result<String, syn::Error> {
    let file = syn::parse_file(code)?;
    let mut lines = Vec::new();
    walk(&file.items, "", &mut lines);
    Ok(lines.join("\n") + "\n")
}

/// The outline split by product: each operation's client method and builder under its
/// product (`x-persona-product`), and what products share (types, the client itself) under
/// `None`. Every line lands in exactly one part, in its original order.
pub fn outline_by_product(
    outline: &str,
    model: &crate::model::Model,
) -> std::collections::BTreeMap<Option<String>, String> {
    let owners: Vec<(String, String, &str)> = model
        .operations
        .iter()
        .map(|operation| {
            let snake = crate::method_name(&operation.id);
            (
                format!("fn Client::{snake}("),
                crate::pascal_case(&snake),
                operation.product.as_str(),
            )
        })
        .collect();
    let mut parts: std::collections::BTreeMap<Option<String>, String> = Default::default();
    let mut owner: Option<String> = None;
    for line in outline.lines() {
        // A member line (indented) belongs where its item went.
        if !line.starts_with(' ') {
            owner = owners
                .iter()
                .find(|(method, builder, _)| {
                    line.starts_with(method.as_str())
                        || line == format!("struct builder::{builder}")
                        || line.starts_with(&format!("fn builder::{builder}<'a>::"))
                })
                .map(|(_, _, product)| product.to_string());
        }
        let part = parts.entry(owner.clone()).or_default();
        part.push_str(line);
        part.push('\n');
    }
    parts
}

fn walk(items: &[Item], module: &str, lines: &mut Vec<String>) {
    for item in items {
        match item {
            Item::Mod(inner)
                if is_public(&inner.vis) && !(module == "types::" && inner.ident == "builder") =>
            {
                if let Some((_, items)) = &inner.content {
                    walk(items, &format!("{module}{}::", inner.ident), lines);
                }
            }
            Item::Struct(item) if is_public(&item.vis) => {
                lines.push(format!("struct {module}{}", item.ident));
                for field in item.fields.iter().filter(|field| is_public(&field.vis)) {
                    let name = field
                        .ident
                        .as_ref()
                        .map(|ident| format!("{ident}: "))
                        .unwrap_or_default();
                    lines.push(format!("    {name}{}", compact(&field.ty)));
                }
            }
            Item::Enum(item) if is_public(&item.vis) => {
                lines.push(format!("enum {module}{}", item.ident));
                for variant in &item.variants {
                    let payload = match &variant.fields {
                        Fields::Unit => String::new(),
                        fields => compact(fields),
                    };
                    lines.push(format!("    {}{payload}", variant.ident));
                }
            }
            Item::Impl(item) if item.trait_.is_none() => {
                for method in item.items.iter().filter_map(|entry| match entry {
                    ImplItem::Fn(method) if is_public(&method.vis) => Some(method),
                    _ => None,
                }) {
                    let signature = compact(&method.sig);
                    let signature = signature.strip_prefix("fn ").unwrap_or(&signature);
                    lines.push(format!(
                        "fn {module}{}::{signature}",
                        compact(&item.self_ty)
                    ));
                }
            }
            _ => {}
        }
    }
}

fn is_public(visibility: &Visibility) -> bool {
    matches!(visibility, Visibility::Public(_))
}

/// Tokens as one line, spaced as rustfmt would in a signature, without the absolute paths of
/// std types.
fn compact(tokens: &impl ToTokens) -> String {
    const TIGHT: &str = "<>()[]:&,'!;";
    let raw = tokens.to_token_stream().to_string();
    let raw: Vec<char> = raw.chars().collect();
    // `to_string` puts a space between all tokens; keep only those between words.
    let mut tight = String::with_capacity(raw.len());
    for (index, &character) in raw.iter().enumerate() {
        let beside_punctuation = tight
            .chars()
            .last()
            .is_some_and(|previous| TIGHT.contains(previous))
            || raw.get(index + 1).is_some_and(|next| TIGHT.contains(*next));
        if character != ' ' || !beside_punctuation {
            tight.push(character);
        }
    }
    let tight = tight.replace(",)", ")").replace(",>", ">");
    let mut spaced = String::with_capacity(tight.len() + 16);
    let characters: Vec<char> = tight.chars().collect();
    for (index, &character) in characters.iter().enumerate() {
        spaced.push(character);
        let single_colon = character == ':'
            && characters.get(index + 1) != Some(&':')
            && index
                .checked_sub(1)
                .and_then(|previous| characters.get(previous))
                != Some(&':');
        if character == ',' || single_colon {
            spaced.push(' ');
        }
    }
    let mut text = spaced.trim_end_matches(", ").replace("->", " -> ");
    for prefix in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::collections::",
        "::std::result::",
        "::std::convert::",
        "std::convert::",
    ] {
        text = text.replace(prefix, "");
    }
    text
}
