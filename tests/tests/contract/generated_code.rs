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

#[test]
fn public_surface_of_the_generated_client() {
    let outline = xtask::public_outline(&checked_in()).expect("the generated client parses");
    insta::assert_snapshot!(outline);
}
