//! The organisation's policy file end to end, through the binary: a mirror policy must
//! make the public hosts disappear and the mirror appear in every scan format and every
//! generate target (`EMITTERS`), and denied hosts must leave every target and be
//! reported in each one that can hold a note. `tests/fixtures/policy/mirrors` has a need
//! for every public host a mirror replaces (Python, conda, npm, Docker Hub).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use pkgallow::emit::{EMITTERS, Language};
use pkgallow::knowledge::Knowledge;

use crate::support;

/// The mirror hosts of the fixture's `pkgallow.toml`.
const MIRROR_HOSTS: [&str; 4] = [
    "artifactory.example.com",
    "conda-mirror.example.com",
    "npm-mirror.example.com",
    "registry-mirror.example.com",
];

/// Every host the knowledge base says a mirror replaces, written forward.
fn public_hosts() -> BTreeSet<String> {
    Knowledge::embedded()
        .unwrap()
        .endpoints()
        .iter()
        .filter(|entry| entry.replaced_by_mirror.is_some())
        .map(pkgallow::knowledge::EndpointEntry::forward_host)
        .collect()
}

/// Runs pkgallow in `dir`; fails the test unless it succeeds. Returns stdout, stderr.
fn run(dir: &Path, args: &[&str]) -> (String, String) {
    let output = Command::new(support::binary())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{args:?} failed:\n{stderr}");
    (stdout, stderr)
}

/// The host-like words of a text (letters, digits, `.`, `-`), lower case.
fn host_words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|word| word.trim_matches('.').to_ascii_lowercase())
        .filter(|word| !word.is_empty())
        .collect()
}

/// Every output: the three scan formats and every generate target.
fn outputs(dir: &Path, extra: &[&str]) -> Vec<(String, String, String)> {
    let mut commands: Vec<(String, Vec<&str>)> = ["table", "json", "markdown"]
        .into_iter()
        .map(|format| (format!("scan {format}"), vec!["scan", "--format", format]))
        .collect();
    for emitter in EMITTERS {
        commands.push((
            format!("generate {}", emitter.target()),
            vec!["generate", emitter.target()],
        ));
    }
    commands
        .into_iter()
        .map(|(label, mut args)| {
            args.extend(extra);
            let (stdout, stderr) = run(dir, &args);
            (label, stdout, stderr)
        })
        .collect()
}

#[test]
fn mirrors_replace_the_public_hosts_in_every_output() {
    let temp = tempfile::tempdir().unwrap();
    support::copy_tree(
        &support::root().join("tests/fixtures/policy/mirrors"),
        temp.path(),
    );
    let public = public_hosts();
    assert!(public.len() >= 8, "{public:?}");

    // Without the policy the fixture needs every public host, so the test can fail.
    std::fs::write(temp.path().join("empty.toml"), "").unwrap();
    let (without, _) = run(
        temp.path(),
        &["scan", "--format", "json", "--config", "empty.toml"],
    );
    let needed = host_words(&without);
    for host in &public {
        assert!(needed.contains(host), "the fixture no longer needs {host}");
    }

    // The mirrors' purposes name the hosts they replace, on purpose; they are taken out
    // before looking for public hosts, so only a public host written anywhere else fails.
    let (json, _) = run(temp.path(), &["scan", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    let purposes: Vec<String> = document["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|endpoint| MIRROR_HOSTS.contains(&endpoint["host"].as_str().unwrap()))
        .map(|endpoint| endpoint["purpose"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(purposes.len(), MIRROR_HOSTS.len(), "{json}");
    for purpose in &purposes {
        assert!(purpose.contains("it replaces "), "{purpose}");
    }

    for (label, stdout, stderr) in outputs(temp.path(), &[]) {
        assert!(
            !stdout.contains("MirrorSecret42") && !stderr.contains("MirrorSecret42"),
            "{label} leaked the mirror credentials"
        );
        let mut rest = stdout.clone();
        for purpose in &purposes {
            rest = rest.replace(purpose.as_str(), "");
        }
        let words = host_words(&rest);
        for host in &public {
            assert!(
                !words.contains(host),
                "{label} still names {host}:\n{stdout}"
            );
        }
        for mirror in MIRROR_HOSTS {
            assert!(
                words.contains(mirror),
                "{label} lacks the mirror {mirror}:\n{stdout}"
            );
        }
    }
}

#[test]
fn denied_hosts_leave_every_target_and_are_reported_with_their_evidence() {
    let temp = tempfile::tempdir().unwrap();
    support::copy_tree(
        &support::root().join("tests/fixtures/policy/mirrors"),
        temp.path(),
    );
    std::fs::write(
        temp.path().join("deny.toml"),
        "deny = [\"github.com\", \"*.example.com\"]\n",
    )
    .unwrap();
    // `github.com` is needed at requirements.txt:6; no mirror here, so the public hosts
    // stay and nothing under example.com is needed: only github.com is denied.
    let (json, _) = run(
        temp.path(),
        &["scan", "--format", "json", "--config", "deny.toml"],
    );
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        document["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .all(|endpoint| endpoint["host"] != "github.com"),
        "{json}"
    );
    let warnings: Vec<String> = document["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|warning| {
            format!(
                "{} {}:{}",
                warning["code"].as_str().unwrap(),
                warning["path"].as_str().unwrap(),
                warning["line"]
            )
        })
        .collect();
    assert_eq!(warnings, ["P401 requirements.txt:6"], "{json}");

    for (label, stdout, stderr) in outputs(temp.path(), &["--config", "deny.toml"]) {
        if label.starts_with("generate") {
            assert!(
                stderr.contains("warning[P401]") && stderr.contains("requirements.txt:6"),
                "{label}: no report on standard error:\n{stderr}"
            );
        }
        let target = label.trim_start_matches("generate ");
        let language = EMITTERS
            .iter()
            .find(|emitter| emitter.target() == target)
            .map(|emitter| emitter.language());
        match language {
            // Scans report in their warnings (JSON, Markdown) or on standard error.
            None => assert!(
                !stdout.contains("| `github.com` | 443")
                    && !stdout.contains("\"host\": \"github.com\""),
                "{label}:\n{stdout}"
            ),
            // A plain host list has no room for a note.
            Some(Language::Text) => {
                assert!(
                    !host_words(&stdout).contains("github.com"),
                    "{label}:\n{stdout}"
                );
            }
            // JSON templates: in `metadata.deniedByPolicy`, and nowhere else.
            Some(_) if stdout.trim_start().starts_with('{') => {
                let mut template: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                let denied = template["metadata"]
                    .as_object_mut()
                    .unwrap()
                    .remove("deniedByPolicy")
                    .unwrap_or_else(|| panic!("{label}: no metadata.deniedByPolicy"));
                assert_eq!(denied[0]["host"], "github.com", "{label}");
                assert_eq!(denied[0]["deniedBy"], "github.com", "{label}");
                assert_eq!(denied[0]["evidence"], "requirements.txt:6", "{label}");
                assert!(
                    !template.to_string().contains("github.com"),
                    "{label}:\n{stdout}"
                );
            }
            // Everything else: in a closing comment block, and nowhere before it.
            Some(_) => {
                let (before, block) = stdout
                    .split_once("Denied by the organisation's policy")
                    .unwrap_or_else(|| panic!("{label}: no denied-host comment:\n{stdout}"));
                assert!(!before.contains("github.com"), "{label}:\n{stdout}");
                assert!(
                    block.contains("github.com (denied by `github.com`)")
                        && block.contains("evidence: requirements.txt:6"),
                    "{label}:\n{stdout}"
                );
            }
        }
    }
}
