//! Fixture snapshots of `explain-log`'s extraction: every file in
//! `tests/fixtures/logs/<kind>/` is read as a log, and the kinds recognised and every
//! blocked host (with `path:line:col`, reason and the redacted line) are snapshotted. The
//! folder names the kind that must recognise the file (`unknown/` holds files no kind may
//! recognise). Fixtures mix failures with the noise of successful installs, which must
//! not be reported, and credentials, which must not survive.

use std::fmt::Write;

use pkgallow::knowledge::Knowledge;
use pkgallow::logs::{self, LOG_KINDS};

use crate::support;

fn describe(path: &str, text: &str) -> String {
    let Some(explained) = logs::explain(path, text) else {
        return "not a known log\n".to_string();
    };
    let mut out = String::new();
    let kinds: Vec<String> = explained
        .kinds
        .iter()
        .map(|kind| format!("{} ({})", kind.name, kind.confidence))
        .collect();
    let _ = writeln!(out, "kinds: {}", kinds.join(", "));
    for blocked in &explained.blocked {
        let _ = writeln!(
            out,
            "{}:{}:{} {}:{} {} {}",
            blocked.path,
            blocked.line,
            blocked.column,
            blocked.host,
            blocked.port,
            blocked.tool,
            blocked.reason.as_str()
        );
        if let Some(how) = &blocked.inferred {
            let _ = writeln!(out, "  inferred: {how}");
        }
        let _ = writeln!(out, "  | {}", blocked.text);
    }
    let summary = logs::summarize(&explained.blocked, &Knowledge::embedded().unwrap());
    for also in &summary.also_needed {
        let _ = writeln!(
            out,
            "also needed: {} {:?} with {} ({})",
            also.host, also.ports, also.with, also.knowledge.id
        );
    }
    out
}

#[test]
fn log_fixtures() {
    let base = support::root().join("tests/fixtures/logs");
    let mut cases = 0;
    for directory in support::subdirectories(&base) {
        let kind = directory.file_name().unwrap().to_string_lossy().to_string();
        let expected = kind.replace('_', "-");
        assert!(
            kind == "unknown" || LOG_KINDS.iter().any(|k| k.name() == expected),
            "no log kind for fixture folder {kind}"
        );
        for path in support::files(&directory) {
            let file_name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = support::expand(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            let display = format!("{kind}/{file_name}");
            match logs::explain(&display, &text) {
                None => assert_eq!(kind, "unknown", "{display} was not recognised"),
                Some(explained) => {
                    assert_ne!(kind, "unknown", "{display} was recognised");
                    assert!(
                        explained.kinds.iter().any(|k| k.name == expected),
                        "{display}: {expected} did not recognise it: {:?}",
                        explained.kinds
                    );
                }
            }
            let snapshot = support::redact(&describe(&display, &text));
            assert!(!snapshot.contains("s3cr3t"), "{display} leaked a secret");
            insta::with_settings!({snapshot_path => "../fixtures/logs/snapshots", prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!(format!("{kind}__{file_name}"), snapshot);
            });
            cases += 1;
        }
    }
    assert!(cases > 0, "no log fixtures found");
}

/// Extraction never panics, whatever the bytes.
#[test]
fn extraction_survives_garbage() {
    let inputs = [
        String::new(),
        "\u{feff}".to_string(),
        "curl: (6)".to_string(),
        "fatal: unable to access '': ".to_string(),
        "CondaHTTPError: HTTP 000 CONNECTION FAILED for url <>".to_string(),
        "Err:1 \n".to_string(),
        "[{\"Fqdn\": 5, \"Action\": \"Deny\"}, 3, null]".to_string(),
        "Fqdn,Action\n\"unterminated,Deny\n".to_string(),
        "WARNING: Retrying (Retry(total=4)) after connection broken by '': /".to_string(),
        "#1 0.1 \x1b[31m".repeat(1000),
    ];
    for input in inputs {
        let _ = logs::explain("garbage", &input);
        for kind in LOG_KINDS {
            let _ = kind.extract("garbage", &input);
        }
    }
}
