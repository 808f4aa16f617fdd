//! `scan --format markdown`: tables to paste into a pull request or a ticket.

use std::fmt::Write;

use crate::report::{evidence_list, group, one_line};
use crate::resolve::Resolution;

const EVIDENCE_SHOWN: usize = 5;

pub fn render(resolution: &Resolution) -> String {
    let mut out = String::from("# Outbound endpoints\n");
    if resolution.endpoints.is_empty() {
        out.push_str("\nNo endpoints found.\n");
    }
    let mut ecosystems: Vec<&str> = resolution.endpoints.iter().map(group).collect();
    ecosystems.dedup();
    for ecosystem in ecosystems {
        let _ = writeln!(out, "\n## {ecosystem}\n");
        out.push_str("| Host | Port | Kind | Why | Evidence |\n|---|---|---|---|---|\n");
        for endpoint in resolution
            .endpoints
            .iter()
            .filter(|e| group(e) == ecosystem)
        {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                endpoint.host,
                endpoint.port,
                endpoint.kind.as_str(),
                cell(&endpoint.purpose),
                cell(&evidence_list(&endpoint.evidence, EVIDENCE_SHOWN)),
            );
        }
    }
    if !resolution.diagnostics.is_empty() {
        out.push_str("\n## Warnings\n\n| Where | Code | Message |\n|---|---|---|\n");
        for diagnostic in &resolution.diagnostics {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&diagnostic.location.to_string()),
                diagnostic.code.as_str(),
                cell(&diagnostic.message)
            );
        }
    }
    out
}

/// Escapes a table cell: pipes would end the cell, newlines the row.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}
