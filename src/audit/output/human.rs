//! Findings for people: severity, code and message, `path:line:col`, the source line
//! underlined, and a help line; then one summary line.
//!
//! ```text
//! warning[A002]: `*.github.com` does not cover `github.com`, which serves …
//!   --> rules.yml:12:18
//!    |
//! 12 |     destination: '*.github.com'
//!    |                  ^^^^^^^^^^^^^^
//!    = help: a wildcard never matches its apex: add a rule for `github.com`
//! ```

use std::fmt::Write;

use super::{Inputs, counts};
use crate::audit::Finding;
use crate::report::one_line;

pub fn render(findings: &[Finding], inputs: &Inputs<'_>) -> String {
    let mut out = String::new();
    for finding in findings {
        let location = &finding.location;
        let _ = writeln!(
            out,
            "{}[{}]: {}",
            finding.severity.as_str(),
            finding.code,
            one_line(&finding.message)
        );
        let _ = writeln!(out, "  --> {}", one_line(&location.to_string()));
        let number = location.line.to_string();
        let gutter = " ".repeat(number.len());
        if let Some(source) = &finding.source_line {
            let source = one_line(source);
            let column = usize::try_from(location.column.max(1)).unwrap_or(1);
            let available = source.chars().count().saturating_sub(column - 1).max(1);
            let width = usize::try_from(finding.width)
                .unwrap_or(1)
                .clamp(1, available);
            let _ = writeln!(out, " {gutter} |");
            let _ = writeln!(out, " {number} | {source}");
            let _ = writeln!(
                out,
                " {gutter} | {}{}",
                " ".repeat(column - 1),
                "^".repeat(width)
            );
        }
        let _ = writeln!(out, " {gutter} = help: {}", one_line(&finding.help));
        out.push('\n');
    }
    let (errors, warnings, notes) = counts(findings);
    let rules: usize = inputs.sets.iter().map(|set| set.rules.len()).sum();
    let files = inputs.sets.len();
    if findings.is_empty() {
        let _ = writeln!(
            out,
            "no findings in {rules} rule{} of {files} file{}",
            plural(rules),
            plural(files)
        );
    } else {
        let _ = writeln!(
            out,
            "{errors} error{}, {warnings} warning{}, {notes} note{} in {rules} rule{} of {files} file{}",
            plural(errors),
            plural(warnings),
            plural(notes),
            plural(rules),
            plural(files)
        );
    }
    out
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
