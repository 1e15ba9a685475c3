//! One cargo feature per Persona product: each operation's builder and client method are
//! compiled when its product's feature is on, and each generated type when a product that
//! uses it is. Users compile only the products they turn on.
//!
//! What an operation uses is known from the model (its product and feature); what a type
//! uses is read from the generated items themselves, so a type is never left out of a
//! product that needs it: a type is in every feature whose operations reach it through the
//! types they name, transitively. A type no operation reaches (an intent builder such as
//! `NewInquiry`) is compiled when every type it names is. A type every product reaches (the
//! error body, the JSON:API pieces) is not gated: the hand-written runtime may use it.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{ImplItem, Item};

use crate::TaskError;
use crate::model::Model;
use crate::refine::module_items;

/// persona-api's manifest, whose product features are generated.
pub const MANIFEST_PATH: &str = "persona-api/Cargo.toml";

/// Features that are not products: a product's feature must not take one of these names.
pub const OTHER_FEATURES: [&str; 8] = [
    "default",
    "full",
    "rustls",
    "rustls-ring",
    "native-tls",
    "tracing",
    "webhooks",
    "uploads",
];

/// When an item is compiled: every one of the sets has one feature on. Empty: always.
type Gate = BTreeSet<BTreeSet<String>>;

/// Adds the `cfg` (and, for docs.rs, `doc(cfg)`) of its feature to every item of the
/// generated client. Returns how many items were gated.
pub fn gate(file: &mut syn::File, model: &Model) -> Result<usize, TaskError> {
    check_names(model)?;
    // Each operation's feature, by the name of its builder and of its client method.
    let by_name = |name: fn(&str) -> String| -> BTreeMap<String, &str> {
        model
            .operations
            .iter()
            .map(|operation| (name(&operation.id), model.feature_of(operation)))
            .collect()
    };
    let operations = by_name(crate::pascal_case);
    let methods = by_name(crate::method_name);
    let every_feature: BTreeSet<String> = model.features.values().cloned().collect();

    // The object of each event is reached from its product too, and so is the body a shared
    // request builder holds its parts as (`Tag` holds one product's tag body and builds every
    // product's).
    let mut reached_too: Vec<(String, &str)> = model
        .events
        .iter()
        .filter_map(|event| {
            Some((
                event.payload.clone()?,
                model.features[&event.product].as_str(),
            ))
        })
        .collect();
    for (_, bodies, operations) in model.builders() {
        if bodies.len() < 2 {
            continue;
        }
        for operation in operations {
            reached_too.push((bodies[0].to_string(), model.feature_of(operation)));
        }
    }
    let types = type_gates(file, &operations, &reached_too, &every_feature)?;
    let mut gated = 0;
    // An item of `types` or of its modules (typify's builders, defaults) is compiled when every
    // type it names is.
    let type_items = module_items(file, "types")?;
    gated += gate_by_names(type_items, &types);
    for item in type_items.iter_mut() {
        if let Item::Mod(module) = item
            && let Some((_, items)) = module.content.as_mut()
        {
            gated += gate_by_names(items, &types);
            // typify's default values are named in `serde(default = "..")` strings, so which
            // of them a build uses depends on the products it has on.
            if module.ident == "defaults" {
                module.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
            }
        }
    }
    // The envelope-free request bodies, which name the types they become.
    gated += gate_by_names(module_items(file, "requests")?, &types);
    let builders = module_items(file, "builder")?;
    // With no product on, the builders' imports name nothing.
    for item in builders.iter_mut() {
        if let Item::Use(import) = item
            && !import
                .attrs
                .iter()
                .any(|attribute| attribute.path().is_ident("allow"))
        {
            import
                .attrs
                .push(syn::parse_quote!(#[allow(unused_imports)]));
        }
    }
    for item in builders.iter_mut() {
        if let Some(feature) = item_name(item).and_then(|name| operations.get(&name)) {
            add_gate(item, &one(feature));
            gated += 1;
        }
    }
    let found = builders
        .iter()
        .filter_map(|item| match item {
            Item::Struct(item) => Some(item.ident.to_string()),
            _ => None,
        })
        .filter(|name| operations.contains_key(name))
        .count();
    if found != operations.len() {
        return Err(TaskError::Format(format!(
            "{found} of {} operations' builders found by name",
            operations.len()
        )));
    }

    for item in &mut file.items {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some()
            || item_name(&Item::Impl(block.clone())).as_deref() != Some("Client")
        {
            continue;
        }
        for member in &mut block.items {
            let ImplItem::Fn(function) = member else {
                continue;
            };
            if let Some(feature) = methods.get(&function.sig.ident.to_string()) {
                let predicate = predicate(&one(feature));
                function.attrs.push(syn::parse_quote!(#[cfg(#predicate)]));
                function
                    .attrs
                    .push(syn::parse_quote!(#[cfg_attr(docsrs, doc(cfg(#predicate)))]));
                gated += 1;
            }
        }
    }
    Ok(gated)
}

/// Where the product features sit in persona-api's Cargo.toml, which is ours otherwise.
const BLOCK_START: &str = "# @generated by `cargo xtask generate`: one feature per product.\n";
const BLOCK_END: &str = "# @generated: end of the product features.\n";

/// persona-api's Cargo.toml with its product features as the model gives them.
pub fn cargo_toml(current: &str, model: &Model) -> Result<String, TaskError> {
    replace_block(
        current,
        MANIFEST_PATH,
        (BLOCK_START, BLOCK_END),
        &cargo_features(model),
    )
}

/// The README, whose table of product features is generated.
pub const README_PATH: &str = "README.md";
const README_START: &str = "<!-- @generated by `cargo xtask generate`: the product features. -->\n";
const README_END: &str = "<!-- @generated: end of the product features. -->\n";
/// The same table in persona-api's crate docs.
pub const DOCS_TABLE_PATH: &str = "persona-api/src/generated/features.md";

/// The README with its feature table as the model gives it.
pub fn readme(current: &str, model: &Model) -> Result<String, TaskError> {
    replace_block(
        current,
        README_PATH,
        (README_START, README_END),
        &table(model),
    )
}

/// The table of product features: feature, product, operations, what it is for.
pub fn table(model: &Model) -> String {
    let mut table = String::from(
        "| feature | Persona product | operations | what it is for |\n| --- | --- | ---: | --- |\n",
    );
    for (product, feature) in &model.features {
        let count = model.operations_of(product);
        let default = if DEFAULT_PRODUCTS.contains(&feature.as_str()) {
            " (default)"
        } else {
            ""
        };
        table.push_str(&format!(
            "| `{feature}`{default} | {product} | {count} | {} |\n",
            model.abouts[product]
        ));
    }
    table.push_str(&format!(
        "| `full` | all of them | {} | every product |\n",
        model.operations.len()
    ));
    table
}

/// The products `default` turns on: what users compiled before products had features.
const DEFAULT_PRODUCTS: [&str; 2] = ["inquiries", "events"];

/// `current` with what lies between `start` and `end` replaced by `content`.
fn replace_block(
    current: &str,
    path: &str,
    (start, end): (&str, &str),
    content: &str,
) -> Result<String, TaskError> {
    let missing = || {
        TaskError::Format(format!(
            "{path} has no generated block (`{}` ... `{}`)",
            start.trim_end(),
            end.trim_end()
        ))
    };
    let from = current.find(start).ok_or_else(missing)? + start.len();
    let to = current[from..].find(end).ok_or_else(missing)? + from;
    Ok(format!("{}{content}{}", &current[..from], &current[to..]))
}

/// The `[features]` lines of persona-api's Cargo.toml that the model gives: one per product,
/// and `full` for all of them.
fn cargo_features(model: &Model) -> String {
    let defaults: Vec<String> = DEFAULT_PRODUCTS
        .iter()
        .map(|f| format!(", \"{f}\""))
        .collect();
    let mut lines = format!(
        "# The inquiry family and events, as before products had features: no existing build grows.\ndefault = [\"rustls\"{}]\n",
        defaults.concat()
    );
    for (product, feature) in &model.features {
        let count = model.operations_of(product);
        let noun = if count == 1 {
            "operation"
        } else {
            "operations"
        };
        // A product with a multipart upload needs the runtime's encoder of them.
        let needs = if model
            .operations
            .iter()
            .any(|operation| &operation.product == product && operation.upload.is_some())
        {
            "\"uploads\""
        } else {
            ""
        };
        lines.push_str(&format!(
            "# {product}: {count} {noun}.\n{feature} = [{needs}]\n"
        ));
    }
    let all: Vec<String> = model
        .features
        .values()
        .map(|feature| format!("\"{feature}\""))
        .collect();
    lines.push_str(&format!("# Every product.\nfull = [{}]\n", all.join(", ")));
    lines
}

fn check_names(model: &Model) -> Result<(), TaskError> {
    let clashes: Vec<String> = model
        .features
        .iter()
        .filter(|(_, feature)| OTHER_FEATURES.contains(&feature.as_str()))
        .map(|(product, feature)| {
            format!("product {product}'s feature {feature} is a feature of persona-api already")
        })
        .collect();
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(TaskError::Unsupported(clashes))
    }
}

/// Gates each item by the types it names; returns how many were gated.
fn gate_by_names(items: &mut [Item], types: &BTreeMap<String, Gate>) -> usize {
    let names: BTreeSet<String> = types.keys().cloned().collect();
    let mut gated = 0;
    for item in items.iter_mut() {
        if matches!(item, Item::Mod(_) | Item::Use(_)) {
            continue;
        }
        let mut named = BTreeSet::new();
        collect_idents(item.to_token_stream(), &names, &mut named);
        let gate = simplified(
            named
                .iter()
                .flat_map(|name| types[name].iter().cloned())
                .collect(),
        );
        if !gate.is_empty() {
            add_gate(item, &gate);
            gated += 1;
        }
    }
    gated
}

/// Leaves out each set another set of the gate implies (one of its subsets).
fn simplified(gate: Gate) -> Gate {
    gate.iter()
        .filter(|features| {
            !gate
                .iter()
                .any(|other| other != *features && other.is_subset(features))
        })
        .cloned()
        .collect()
}

fn one(feature: &str) -> Gate {
    BTreeSet::from([BTreeSet::from([feature.to_string()])])
}

/// The gate of each type of `types`, from the operations' builders that name it.
fn type_gates(
    file: &mut syn::File,
    operations: &BTreeMap<String, &str>,
    reached_too: &[(String, &str)],
    every_feature: &BTreeSet<String>,
) -> Result<BTreeMap<String, Gate>, TaskError> {
    let type_items = module_items(file, "types")?;
    let mut names = BTreeSet::new();
    let mut names_used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in type_items.iter() {
        if let Some(name) = defined_type(item) {
            names.insert(name);
        }
    }
    let mut record = |items: &[Item]| {
        for item in items {
            if let Some(name) = item_name(item) {
                let used = names_used.entry(name).or_default();
                collect_idents(item.to_token_stream(), &names, used);
            }
        }
    };
    record(type_items);
    record(types_builder(type_items)?);

    // The features whose operations (or events) reach each type: the types each builder
    // names, each event's object and each shared request builder's body, then what those
    // name in turn.
    let mut seeds: Vec<(BTreeSet<String>, &str)> = Vec::new();
    for item in module_items(file, "builder")?.iter() {
        let Some(feature) = item_name(item).and_then(|name| operations.get(&name).copied()) else {
            continue;
        };
        let mut named = BTreeSet::new();
        collect_idents(item.to_token_stream(), &names, &mut named);
        seeds.push((named, feature));
    }
    for (name, feature) in reached_too {
        seeds.push((BTreeSet::from([name.clone()]), feature));
    }
    let mut reached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (named, feature) in seeds {
        let mut pending: Vec<String> = named.into_iter().collect();
        while let Some(name) = pending.pop() {
            if reached
                .entry(name.clone())
                .or_default()
                .insert(feature.to_string())
            {
                pending.extend(names_used.get(&name).into_iter().flatten().cloned());
            }
        }
    }

    let mut gates = BTreeMap::new();
    for name in &names {
        let gate = match reached.get(name) {
            Some(features) if features == every_feature => Gate::new(),
            Some(features) => BTreeSet::from([features.clone()]),
            None => unreached_gate(
                name,
                &names_used,
                &reached,
                every_feature,
                &mut BTreeSet::new(),
            ),
        };
        gates.insert(name.clone(), gate);
    }
    Ok(gates)
}

/// A type no operation reaches is compiled when every type it names is.
fn unreached_gate(
    name: &str,
    names_used: &BTreeMap<String, BTreeSet<String>>,
    reached: &BTreeMap<String, BTreeSet<String>>,
    every_feature: &BTreeSet<String>,
    seen: &mut BTreeSet<String>,
) -> Gate {
    let mut gate = Gate::new();
    if !seen.insert(name.to_string()) {
        return gate;
    }
    for used in names_used.get(name).into_iter().flatten() {
        match reached.get(used) {
            Some(features) if features == every_feature => {}
            Some(features) => {
                gate.insert(features.clone());
            }
            None => gate.extend(unreached_gate(
                used,
                names_used,
                reached,
                every_feature,
                seen,
            )),
        }
    }
    gate
}

/// `types::builder`, typify's builders of the types.
fn types_builder(type_items: &mut [Item]) -> Result<&mut Vec<Item>, TaskError> {
    type_items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == "builder" => module.content.as_mut(),
            _ => None,
        })
        .map(|(_, items)| items)
        .ok_or_else(|| TaskError::Format("typify's output has no `types::builder` module".into()))
}

/// The name of a type an item defines.
fn defined_type(item: &Item) -> Option<String> {
    match item {
        Item::Struct(item) => Some(item.ident.to_string()),
        Item::Enum(item) => Some(item.ident.to_string()),
        Item::Type(item) => Some(item.ident.to_string()),
        _ => None,
    }
}

/// The type an item defines or implements.
fn item_name(item: &Item) -> Option<String> {
    match item {
        Item::Impl(block) => match &*block.self_ty {
            syn::Type::Path(path) => path.path.segments.last().map(|last| last.ident.to_string()),
            _ => None,
        },
        other => defined_type(other),
    }
}

fn collect_idents(tokens: TokenStream, names: &BTreeSet<String>, into: &mut BTreeSet<String>) {
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => {
                let ident = ident.to_string();
                if names.contains(&ident) {
                    into.insert(ident);
                }
            }
            TokenTree::Group(group) => collect_idents(group.stream(), names, into),
            _ => {}
        }
    }
}

/// `feature = "a"`, `any(feature = "a", feature = "b")`, `all(any(..), ..)`.
/// The `cfg` and `doc(cfg)` attributes of an item compiled when any of `features` is on.
pub(crate) fn any_of(features: &BTreeSet<&str>) -> TokenStream {
    let gate: Gate = BTreeSet::from([features.iter().map(|f| f.to_string()).collect()]);
    let predicate = predicate(&gate);
    quote! {
        #[cfg(#predicate)]
        #[cfg_attr(docsrs, doc(cfg(#predicate)))]
    }
}

fn predicate(gate: &Gate) -> TokenStream {
    let alternatives: Vec<TokenStream> = gate
        .iter()
        .map(|features| {
            let each: Vec<TokenStream> = features.iter().map(|f| quote!(feature = #f)).collect();
            match each.as_slice() {
                [only] => only.clone(),
                _ => quote!(any(#(#each),*)),
            }
        })
        .collect();
    match alternatives.as_slice() {
        [only] => only.clone(),
        _ => quote!(all(#(#alternatives),*)),
    }
}

fn add_gate(item: &mut Item, gate: &Gate) {
    let predicate = predicate(gate);
    let cfg: syn::Attribute = syn::parse_quote!(#[cfg(#predicate)]);
    let doc: syn::Attribute = syn::parse_quote!(#[cfg_attr(docsrs, doc(cfg(#predicate)))]);
    let attrs = match item {
        Item::Struct(item) => &mut item.attrs,
        Item::Enum(item) => &mut item.attrs,
        Item::Type(item) => &mut item.attrs,
        Item::Impl(item) => {
            item.attrs.insert(0, cfg);
            return;
        }
        Item::Fn(item) => {
            item.attrs.insert(0, cfg);
            return;
        }
        _ => return,
    };
    attrs.insert(0, doc);
    attrs.insert(0, cfg);
}

/// `cargo xtask check-features`: `cargo check` of persona-api with each product's feature
/// alone (and `rustls`), and with `webhooks` for a product that has events, so no product
/// misses a type another one brings; a warning fails too.
pub fn check_each(model: &Model) -> Result<String, TaskError> {
    let mut builds = Vec::new();
    for (product, feature) in &model.features {
        builds.push(format!("rustls,{feature}"));
        // Its typed webhook events too, when it has some.
        if model.events.iter().any(|event| &event.product == product) {
            builds.push(format!("rustls,{feature},webhooks"));
        }
    }
    let mut report = Vec::new();
    for features in builds {
        let started = std::time::Instant::now();
        let output = crate::cargo()
            .args(["check", "--quiet", "--locked", "-p", "persona-api"])
            .args(["--no-default-features", "--features", &features])
            .current_dir(crate::workspace_root())
            .output()
            .map_err(|error| TaskError::Build(format!("cargo check: {error}")))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() || stderr.contains("warning") {
            return Err(TaskError::Build(format!(
                "persona-api with only `{features}` does not build cleanly:\n{stderr}"
            )));
        }
        report.push(format!(
            "{features}: builds ({:.1} s)",
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(report.join("\n"))
}
