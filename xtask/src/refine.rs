//! What the generator does to progenitor's output before it is written: changes that progenitor
//! has no setting for, made on the syntax tree so they cannot drift from the spec.

use syn::{Block, GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type, parse_quote};

use crate::TaskError;

/// Every operation's `send()` returns `crate::Error` (persona-api's one error type) instead of
/// progenitor's `Error<types::ErrorBody>`, so `?` into any error type (`Box<dyn Error>`,
/// anyhow) prints Persona's message rather than progenitor's debug dump. The generated body is
/// kept as it is, in an async block whose error is converted once.
pub fn send_returns_crate_error(file: &mut syn::File) -> Result<usize, TaskError> {
    let builders = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == "builder" => module.content.as_mut(),
            _ => None,
        })
        .ok_or_else(|| TaskError::Format("progenitor's output has no `builder` module".into()))?;
    let mut changed = 0;
    for item in &mut builders.1 {
        let Item::Impl(block) = item else { continue };
        for member in &mut block.items {
            let ImplItem::Fn(function) = member else {
                continue;
            };
            if function.sig.ident != "send" {
                continue;
            }
            let ReturnType::Type(_, output) = &mut function.sig.output else {
                continue;
            };
            let progenitor_output = output.as_ref().clone();
            let Some(error) = result_error_type(output) else {
                return Err(TaskError::Format(format!(
                    "a builder's send() does not return a Result: {}",
                    quote::quote!(#progenitor_output)
                )));
            };
            *error = parse_quote!(crate::Error);
            let body = &function.block;
            let wrapped: Block = parse_quote!({
                let sent: #progenitor_output = async move #body.await;
                sent.map_err(crate::Error::from)
            });
            function.block = wrapped;
            changed += 1;
        }
    }
    Ok(changed)
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
