//! `audit --format sarif`: SARIF 2.1.0 (the format GitHub code scanning and Azure DevOps
//! read), one run whose driver lists every rule with its metadata, one result per
//! finding. Built with `serde_json` from the specification's object model:
//! <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>. No version or
//! date, so output is byte-identical for the same input.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::audit::{Finding, Severity, rules};

/// The schema the output declares (and the tests validate against).
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(findings: &[Finding]) -> String {
    let rules: Vec<Value> = rules::RULES
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            json!({
                "id": meta.code,
                "name": meta.name,
                "shortDescription": {"text": meta.summary},
                "fullDescription": {"text": rules::documentation(meta)},
                "help": {"text": meta.help},
                "defaultConfiguration": {"level": level(meta.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|finding| {
            let index = rules::RULES
                .iter()
                .position(|rule| rule.meta().code == finding.code)
                .unwrap_or(0);
            let mut physical = json!({
                "artifactLocation": {"uri": uri(&finding.location.path)},
            });
            if finding.location.line > 0 {
                physical["region"] = json!({
                    "startLine": finding.location.line,
                    "startColumn": finding.location.column.max(1),
                    "endColumn": finding.location.column.max(1) + finding.width.max(1),
                });
            }
            json!({
                "ruleId": finding.code,
                "ruleIndex": index,
                "level": level(finding.severity),
                "message": {"text": format!("{} (help: {})", finding.message, finding.help)},
                "locations": [{"physicalLocation": physical}],
            })
        })
        .collect();
    let document = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pkgallow",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A relative path as a URI reference: `/` separators, spaces and `%` escaped.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for c in path.replace('\\', "/").chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '.' | '_' | '~' | '/' => out.push(c),
            other => {
                let mut buffer = [0u8; 4];
                for byte in other.encode_utf8(&mut buffer).bytes() {
                    let _ = write!(out, "%{byte:02X}");
                }
            }
        }
    }
    out
}
