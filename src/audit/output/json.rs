//! `audit --format json`: a stable contract for other tools.
//!
//! ```json
//! {"version": 1,
//!  "inputs": [{"path", "kind", "rules"}],
//!  "findings": [{"path", "line", "column", "code", "name", "severity", "message", "help"}],
//!  "summary": {"errors", "warnings", "notes"}}
//! ```
//! Findings are sorted by path, line, column and code. Fields may be added within
//! version 1, never removed or renamed.

use serde::Serialize;

use super::{Inputs, counts};
use crate::audit::{Finding, rules};

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    inputs: Vec<Input<'a>>,
    findings: Vec<FindingOut<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Input<'a> {
    path: &'a str,
    kind: &'static str,
    rules: usize,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    help: &'a str,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
}

pub fn render(findings: &[Finding], inputs: &Inputs<'_>) -> String {
    let (errors, warnings, notes) = counts(findings);
    let document = Document {
        version: VERSION,
        inputs: inputs
            .sets
            .iter()
            .map(|set| Input {
                path: &set.path,
                kind: set.source_kind.as_str(),
                rules: set.rules.len(),
            })
            .collect(),
        findings: findings
            .iter()
            .map(|finding| FindingOut {
                path: &finding.location.path,
                line: finding.location.line,
                column: finding.location.column,
                code: finding.code,
                name: rules::find(finding.code).map_or("", |rule| rule.meta().name),
                severity: finding.severity.as_str(),
                message: &finding.message,
                help: &finding.help,
            })
            .collect(),
        summary: Summary {
            errors,
            warnings,
            notes,
        },
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
