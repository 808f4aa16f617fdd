//! Renderers for `scan`: one module per `--format` value. Each takes the resolution and
//! returns text; nothing here prints.

pub mod explain_log;
pub mod html;
pub mod human;
pub mod json;
pub mod markdown;
pub mod table;

use crate::model::{Endpoint, Evidence, Kind};

/// The section an endpoint is shown in: its ecosystem, or `runtime` for downloads made
/// when the code runs (after every install-time section, as `resolve` orders them).
pub(crate) fn group(endpoint: &Endpoint) -> &'static str {
    if endpoint.kind == Kind::Runtime {
        "runtime"
    } else {
        endpoint.ecosystem.as_str()
    }
}

/// Evidence as `path:line, path:line (+N more)`, at most `limit` shown.
pub(crate) fn evidence_list<'a>(
    evidence: impl IntoIterator<Item = &'a Evidence>,
    limit: usize,
) -> String {
    let all: Vec<&Evidence> = evidence.into_iter().collect();
    let mut shown: Vec<String> = all.iter().take(limit).map(|e| evidence_text(e)).collect();
    if all.len() > limit {
        shown.push(format!("(+{} more)", all.len() - limit));
    }
    shown.join(", ")
}

pub(crate) fn evidence_text(evidence: &Evidence) -> String {
    let place = if evidence.line == 0 {
        evidence.path.clone()
    } else {
        format!("{}:{}", evidence.path, evidence.line)
    };
    match &evidence.fetches {
        Some(fetches) => format!("{place} ({fetches})"),
        None => place,
    }
}

/// Replaces control characters (a newline in a file name) so that one value stays on one
/// line in every output; a tab (go.mod indents with them) becomes one space, which keeps
/// carets under the right character. Unicode's line and paragraph separators count too
/// (some readers break lines there), and so does the byte-order mark, which YAML forbids
/// inside a document (found by the rule-name property test).
pub(crate) fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => '?',
            c => c,
        })
        .collect()
}
