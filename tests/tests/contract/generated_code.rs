//! The checked-in generated client is exactly what the spec gives, and its public surface is
//! pinned so that a spec change shows up as a reviewable snapshot diff.

use persona_api_tests::workspace_root;

fn checked_in() -> String {
    std::fs::read_to_string(workspace_root().join(xtask::GENERATED_PATH))
        .expect("generated client is readable")
}

#[test]
fn checked_in_client_is_what_the_spec_generates() {
    let expected = xtask::generate_from_workspace().unwrap_or_else(|error| panic!("{error}"));
    let actual = checked_in();
    if actual != expected {
        let diff = similar::TextDiff::from_lines(&actual, &expected)
            .unified_diff()
            .context_radius(2)
            .header(xtask::GENERATED_PATH, "what the spec generates")
            .to_string();
        panic!(
            "{} is stale; run `cargo xtask generate`.\n{diff}",
            xtask::GENERATED_PATH
        );
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
