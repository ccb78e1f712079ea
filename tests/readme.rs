//! The README documents every finding code with its severity, and the two
//! commands CI and the before-stop checklist rely on.

const README: &str = include_str!("../README.md");

#[test]
fn readme_catalogue_lists_every_finding_code_with_its_severity() {
    for code in kine_tarif::FindingCode::ALL {
        let row = README
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", code.as_str())))
            .unwrap_or_else(|| panic!("README has no catalogue row for {code}"));
        assert!(
            row.contains(&format!("| {} |", code.severity().as_str())),
            "README gives {code} another severity: {row}"
        );
    }
}

#[test]
fn readme_shows_the_two_commands() {
    assert!(README.contains("cargo run --release -- price examples/invoices.csv"));
    assert!(README.contains("cargo test"));
}
