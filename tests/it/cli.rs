//! End-to-end CLI cases as data: each folder in `tests/cli/` holds `cmd` (the arguments,
//! one per line, `pkgallow` itself omitted) and optionally `in/`, a miniature project
//! the command runs in. The exit status, standard output and standard error are
//! snapshotted, with registry hosts redacted to placeholders and the temporary
//! directory shown as `[ROOT]`. Review changes with `cargo insta review`.
//!
//! Two optional files name files of `in/`, one per line: those in `unchanged` must be
//! byte for byte what they were after the command (a failed command wrote nothing), and
//! those in `show` are added to the snapshot as they are after it (a file the command
//! rewrote).

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
            // Read only with --env (runtime-env); runtime-scan shows it is ignored otherwise.
            .env("HF_ENDPOINT", "https://hf-env-mirror.example.com")
            .output()
            .unwrap();
        let root = temp.path().to_string_lossy().to_string();
        let clean = |bytes: &[u8]| {
            support::redact(&String::from_utf8_lossy(bytes).replace(&root, "[ROOT]"))
        };
        for file in listed(&case.join("unchanged")) {
            let before =
                support::expand(&std::fs::read_to_string(case.join("in").join(&file)).unwrap());
            let after = std::fs::read_to_string(temp.path().join(&file)).unwrap();
            assert_eq!(after, before, "{name}: {file} changed");
        }
        let mut snapshot = format!(
            "args: {}\nstatus: {}\n--- stdout\n{}--- stderr\n{}",
            support::redact(&args.join(" ")),
            output
                .status
                .code()
                .map_or("signal".to_string(), |code| code.to_string()),
            clean(&output.stdout),
            clean(&output.stderr),
        );
        for file in listed(&case.join("show")) {
            let after = std::fs::read(temp.path().join(&file)).unwrap();
            snapshot.push_str("--- file ");
            snapshot.push_str(&file);
            snapshot.push('\n');
            snapshot.push_str(&clean(&after));
        }
        assert!(
            !snapshot.contains("s3cr3t"),
            "{name}: a secret leaked:\n{snapshot}"
        );
        insta::with_settings!({snapshot_path => "../cli/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}

/// The lines of an optional list file, without blanks and `#` comments.
fn listed(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Credentials in URLs (userinfo, SAS signatures, values expanded from the environment)
/// never reach any output of any command, in any format.
#[test]
fn secrets_never_leak() {
    let fixture = support::root().join("tests/fixtures/repos/secrets");
    let temp = tempfile::tempdir().unwrap();
    support::copy_tree(&fixture, temp.path());
    // A broken line holding a secret, so that a diagnostic shows its source line.
    std::fs::write(
        temp.path().join("more-requirements.txt"),
        "--extra-index-url https://user:LineSecret999@broken host.example.com/simple\n-i https://x:QuerySecret777@${UNSET_HOST}/simple\n",
    )
    .unwrap();
    let secrets = [
        "ghp_SuperSecretToken123",
        "SecretSignatureValue",
        "EnvSecret555",
        "LineSecret999",
        "QuerySecret777",
        "npm_RegistryPassword7",
        "npm_LiteralToken42",
    ];
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["scan"],
        vec!["scan", "--format", "json"],
        vec!["scan", "--format", "markdown"],
    ];
    for emitter in pkgallow::emit::EMITTERS {
        commands.push(vec!["generate", emitter.target()]);
    }
    for mut args in commands {
        for env in [false, true] {
            if env {
                args.push("--env");
            }
            let output = Command::new(support::binary())
                .args(&args)
                .current_dir(temp.path())
                .env("PRIVATE_TOKEN", "EnvSecret555")
                .output()
                .unwrap();
            assert!(output.status.success(), "{args:?} failed");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(!text.is_empty());
            for secret in secrets {
                assert!(!text.contains(secret), "{args:?} leaked {secret}:\n{text}");
            }
        }
    }
}
