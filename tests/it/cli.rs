//! End-to-end CLI cases as data: each folder in `tests/cli/` holds `cmd` (the arguments,
//! one per line, `pkgallow` itself omitted) and optionally `in/`, a miniature project
//! the command runs in. The exit status, standard output and standard error are
//! snapshotted, with registry hosts redacted to placeholders and the temporary
//! directory shown as `[ROOT]`. Review changes with `cargo insta review`.

use std::process::Command;

use crate::support;

#[test]
fn cli_cases() {
    let base = support::root().join("tests/cli");
    let cases: Vec<_> = support::subdirectories(&base)
        .into_iter()
        .filter(|dir| dir.join("cmd").is_file())
        .collect();
    assert!(!cases.is_empty());
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let temp = tempfile::tempdir().unwrap();
        if case.join("in").is_dir() {
            support::copy_tree(&case.join("in"), temp.path());
        }
        let command = support::expand(&std::fs::read_to_string(case.join("cmd")).unwrap());
        let args: Vec<&str> = command
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect();
        let output = Command::new(support::binary())
            .args(&args)
            .current_dir(temp.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CASE_TOKEN", "s3cr3t-token-value")
            .env("CASE_HOST", "from-env.example.com")
            .output()
            .unwrap();
        let root = temp.path().to_string_lossy().to_string();
        let clean = |bytes: &[u8]| {
            support::redact(&String::from_utf8_lossy(bytes).replace(&root, "[ROOT]"))
        };
        let snapshot = format!(
            "args: {}\nstatus: {}\n--- stdout\n{}--- stderr\n{}",
            support::redact(&args.join(" ")),
            output
                .status
                .code()
                .map_or("signal".to_string(), |code| code.to_string()),
            clean(&output.stdout),
            clean(&output.stderr),
        );
        assert!(
            !snapshot.contains("s3cr3t"),
            "{name}: a secret leaked:\n{snapshot}"
        );
        insta::with_settings!({snapshot_path => "../cli/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}
