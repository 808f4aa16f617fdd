//! Bicep files: `resource NAME 'TYPE@VERSION' = { … }` declarations of the types
//! `azure.rs` knows (outbound rules, workspaces with `managedNetwork`, firewall policy
//! rule collection groups, NSGs and their rules). The resource bodies are Bicep object
//! literals, read by the tolerant brace reader; `existing` resources declare nothing,
//! and loops (`[for …]`) are not evaluated. A file of comments only (what `generate
//! nsg-bicep` writes when it has no rules) is an empty Bicep file.

use super::{AuditInputError, Input, Probe, azure, syntax};
use crate::audit::tree::{Braces, Syntax};
use crate::audit::{RuleSet, SourceKind};

pub(crate) struct Bicep;

/// Line starts only Bicep files have.
const KEYWORDS: [&str; 8] = [
    "resource ",
    "param ",
    "var ",
    "module ",
    "output ",
    "targetScope",
    "@description(",
    "metadata ",
];

impl Input for Bicep {
    fn kind(&self) -> SourceKind {
        SourceKind::Bicep
    }

    fn description(&self) -> &'static str {
        "Bicep files"
    }

    fn read(&self, probe: &Probe<'_>) -> Option<Result<RuleSet, AuditInputError>> {
        let file = probe.file;
        if probe.json.is_some() {
            return None;
        }
        let content: Vec<&str> = file
            .text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        let only_comments =
            !content.is_empty() && content.iter().all(|line| line.starts_with("//"));
        let bicep = content
            .iter()
            .any(|line| KEYWORDS.iter().any(|keyword| line.starts_with(keyword)));
        if !bicep && !only_comments {
            return None;
        }
        let mut set = RuleSet::empty(file.path.clone(), SourceKind::Bicep);
        let mut offset = 0;
        for line in file.text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let Some(declaration) = line.strip_prefix("resource ") else {
                continue;
            };
            let Some((resource_type, rest)) = quoted(declaration) else {
                continue;
            };
            let rest = rest.trim_start();
            // Only the bodies of the types that hold rules are read: a construct the
            // tolerant reader does not know elsewhere in the file cannot fail the audit.
            if rest.starts_with("existing") || !azure::is_known_type(&resource_type) {
                continue;
            }
            let Some(rest) = rest.strip_prefix('=') else {
                continue;
            };
            let rest = rest.trim_start();
            // `= if (condition) {`: the body is still the object.
            let brace = if rest.starts_with('{') {
                line.len() - rest.len()
            } else if rest.starts_with("if") {
                match line.rfind('{') {
                    Some(index) => index,
                    None => continue,
                }
            } else {
                continue;
            };
            let mut reader = Braces::new(file, Syntax::Bicep, start + brace);
            match reader.value() {
                Ok(body) => {
                    let name = body.get("name").and_then(azure::child_name);
                    azure::resource(&resource_type, name, &body, &mut set);
                    if set.anchor.line == 1 {
                        set.anchor = body.at;
                    }
                }
                Err(error) => return Some(Err(syntax(file, error.offset, &error.message))),
            }
        }
        Some(Ok(set))
    }
}

/// `symbolicName 'Type@version' rest` → (`Type@version`, rest).
fn quoted(declaration: &str) -> Option<(String, &str)> {
    let open = declaration.find('\'')?;
    let close = declaration[open + 1..].find('\'')? + open + 1;
    Some((
        declaration[open + 1..close].to_string(),
        &declaration[close + 1..],
    ))
}
