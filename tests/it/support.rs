//! Test helpers. Fixtures write registry hosts as `{{host:org.example.www}}` (repository
//! rule: those hosts are never written forward); [`expand`] turns placeholders into
//! hosts before a test runs, and [`redact`] turns the hosts in any output back into
//! placeholders before it is compared with a snapshot.

use std::path::{Path, PathBuf};

/// Suffixes of the registry hosts that are never written forward, reverse-labelled.
const REVERSED_REGISTRY_SUFFIXES: [&str; 9] = [
    "org.pypi",
    "org.pythonhosted",
    "io.pypi",
    "org.npmjs",
    "com.npmjs",
    "io.crates",
    "org.debian",
    "org.yarnpkg",
    // yarn's registry host: written only reverse-labelled, like the registries above.
    "com.yarnpkg.registry",
];

fn reverse(host: &str) -> String {
    let mut labels: Vec<&str> = host.split('.').collect();
    labels.reverse();
    labels.join(".")
}

/// Replaces every `{{host:reversed}}` with the host written forward.
pub(crate) fn expand(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{host:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 7..];
        let end = after
            .find("}}")
            .expect("unterminated {{host:…}} placeholder");
        out.push_str(&reverse(&after[..end]));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Replaces every registry host in `text` with its `{{host:reversed}}` placeholder.
pub(crate) fn redact(text: &str) -> String {
    let suffixes: Vec<String> = REVERSED_REGISTRY_SUFFIXES
        .iter()
        .map(|s| reverse(s))
        .collect();
    let is_host_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        let lower = token.to_ascii_lowercase();
        let trimmed = lower.trim_end_matches('.');
        let matched = suffixes
            .iter()
            .any(|suffix| trimmed == suffix.as_str() || trimmed.ends_with(&format!(".{suffix}")));
        if matched {
            let trailing = &token[trimmed.len()..];
            out.push_str("{{host:");
            out.push_str(&reverse(trimmed));
            out.push_str("}}");
            out.push_str(trailing);
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in text.chars() {
        if is_host_char(c) {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// Copies a fixture tree into `to`, expanding placeholders in every text file.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            let bytes = std::fs::read(entry.path()).unwrap();
            match String::from_utf8(bytes) {
                Ok(text) => std::fs::write(&target, expand(&text)).unwrap(),
                Err(error) => std::fs::write(&target, error.into_bytes()).unwrap(),
            }
        }
    }
}

/// The repository root.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Directories directly under `dir`, sorted; `snapshots` folders are not cases.
pub(crate) fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|name| name != "snapshots"))
        .collect();
    dirs.sort();
    dirs
}

/// Files directly under `dir`, sorted.
pub(crate) fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The pkgallow binary built for this test run.
pub(crate) fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pkgallow"))
}

/// `pkgallow scan --format json` run in `directory` with extra environment variables:
/// it must succeed; its document.
pub(crate) fn scan_json(directory: &Path, env: &[(&str, &Path)]) -> serde_json::Value {
    let output = std::process::Command::new(binary())
        .args(["scan", "--format", "json"])
        .current_dir(directory)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The hosts of a scan document's endpoints, in its order.
pub(crate) fn endpoint_hosts(document: &serde_json::Value) -> Vec<&str> {
    document["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|endpoint| endpoint["host"].as_str().unwrap())
        .collect()
}

#[test]
fn placeholders_round_trip() {
    let placeholder = "see {{host:org.pypi}} and {{host:org.pythonhosted.files}}.";
    let forward = expand(placeholder);
    assert!(!forward.contains("{{"));
    assert_eq!(redact(&forward), placeholder);
    assert_eq!(redact("github.com stays"), "github.com stays");
}
