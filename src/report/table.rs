//! `scan --format table` (the default): one section per ecosystem, one row per endpoint
//! with host, port, kind, why, and where it was read.

use std::fmt::Write;

use crate::report::{evidence_list, group, one_line};
use crate::resolve::Resolution;

/// At most this many evidence places per row.
const EVIDENCE_SHOWN: usize = 3;

pub fn render(resolution: &Resolution) -> String {
    let mut out = String::new();
    if resolution.endpoints.is_empty() {
        out.push_str("no endpoints found\n");
        return out;
    }
    let mut ecosystems: Vec<&str> = resolution.endpoints.iter().map(group).collect();
    ecosystems.dedup();
    for (position, ecosystem) in ecosystems.into_iter().enumerate() {
        if position > 0 {
            out.push('\n');
        }
        let rows: Vec<[String; 5]> = resolution
            .endpoints
            .iter()
            .filter(|endpoint| group(endpoint) == ecosystem)
            .map(|endpoint| {
                [
                    endpoint.host.clone(),
                    endpoint.port.to_string(),
                    endpoint.kind.as_str().to_string(),
                    endpoint.purpose.clone(),
                    one_line(&evidence_list(&endpoint.evidence, EVIDENCE_SHOWN)),
                ]
            })
            .collect();
        let _ = writeln!(
            out,
            "{} ({} endpoint{})",
            ecosystem,
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        );
        let header = ["HOST", "PORT", "KIND", "WHY", "EVIDENCE"].map(str::to_string);
        let widths: Vec<usize> = (0..4)
            .map(|column| {
                rows.iter()
                    .chain(std::iter::once(&header))
                    .map(|row| row[column].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in std::iter::once(&header).chain(rows.iter()) {
            let mut line = String::from("  ");
            for column in 0..4 {
                let _ = write!(line, "{:width$}  ", row[column], width = widths[column]);
            }
            line.push_str(&row[4]);
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}
