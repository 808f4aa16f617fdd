//! Renderers for `audit`: one module per `--format` value. Each takes the findings (and
//! what was read) and returns text; nothing here prints.

pub mod annotations;
pub mod human;
pub mod json;
pub mod sarif;

use super::{Finding, RuleSet, Severity};

/// Counts per severity: (errors, warnings, notes).
pub fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    )
}

/// What was read, for the summary lines.
pub struct Inputs<'a> {
    pub sets: &'a [&'a RuleSet],
}
