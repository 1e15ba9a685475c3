//! The checked-in generated client and CLI are exactly what the spec gives, and the client's
//! public surface is pinned so that a spec change shows up as a reviewable snapshot diff (the
//! CLI's command tree is pinned in persona-cli's own tests).

use persona_api_tests::workspace_root;

fn checked_in() -> String {
    std::fs::read_to_string(workspace_root().join(xtask::GENERATED_PATH))
        .expect("generated client is readable")
}

#[test]
fn checked_in_code_is_what_the_spec_generates() {
    let generated = xtask::generate_from_workspace().unwrap_or_else(|error| panic!("{error}"));
    for (path, expected) in generated.files() {
        let actual = std::fs::read_to_string(workspace_root().join(path))
            .unwrap_or_else(|error| panic!("{path}: {error}"));
        if actual != expected {
            let diff = similar::TextDiff::from_lines(actual.as_str(), expected)
                .unified_diff()
                .context_radius(2)
                .header(path, "what the spec generates")
                .to_string();
            panic!("{path} is stale; run `cargo xtask generate`.\n{diff}");
        }
    }
}

#[test]
fn generation_is_deterministic() {
    let first = xtask::generate_from_workspace().expect("generates");
    let second = xtask::generate_from_workspace().expect("generates");
    assert!(
        first == second,
        "two runs over the same spec gave different code"
    );
}

/// The outline is pinned in parts: each product's operations (client methods and builders) in
/// its own folder, and what the products share (types, the client) here, so a change to one
/// product shows as a diff in its own place.
#[test]
fn public_surface_of_the_generated_client() {
    let outline = xtask::public_outline(&checked_in()).expect("the generated client parses");
    let parts = xtask::outline_by_product(&outline, persona_api_tests::model());
    let lines: usize = parts.values().map(|part| part.lines().count()).sum();
    assert_eq!(lines, outline.lines().count(), "every line in one part");
    for (product, part) in parts {
        match product {
            None => insta::assert_snapshot!(part),
            Some(product) => {
                insta::with_settings!({ snapshot_path => persona_api_tests::product_folder(&product) }, {
                    insta::assert_snapshot!("public_surface_of_the_operations", part);
                });
            }
        }
    }
}
