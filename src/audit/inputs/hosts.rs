//! A plain hosts list (what `pkgallow generate hosts` writes, or any proxy's allow
//! list): one destination per line, `#` comments and blank lines ignored. It takes
//! almost any text, so it is tried last and refuses text with structure (braces, YAML
//! keys) that no hosts list has.

use super::{AuditInputError, Input, Probe};
use crate::audit::tree::Position;
use crate::audit::{ExistingRule, RuleKind, RuleSet, SourceKind, Spanned};

pub(crate) struct Hosts;

impl Input for Hosts {
    fn kind(&self) -> SourceKind {
        SourceKind::Hosts
    }

    fn description(&self) -> &'static str {
        "hosts lists (one host per line)"
    }

    fn read(&self, probe: &Probe<'_>) -> Option<Result<RuleSet, AuditInputError>> {
        let file = probe.file;
        if probe.json.is_some() {
            return None;
        }
        let mut set = RuleSet::empty(file.path.clone(), SourceKind::Hosts);
        for (index, line) in file.text.lines().enumerate() {
            let content = line.split(" #").next().unwrap_or(line).trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            if content.contains(['{', '}'])
                || content.contains(" = ")
                || content.ends_with(':')
                || content.contains(": ")
            {
                return None;
            }
            let column = line.len() - line.trim_start().len();
            let at = Position {
                line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                column: u32::try_from(line[..column].chars().count() + 1).unwrap_or(1),
                width: u32::try_from(content.chars().count()).unwrap_or(1),
            };
            let mut rule = ExistingRule::new(RuleKind::Host, at);
            rule.destinations.push(Spanned {
                value: content.to_string(),
                at,
            });
            set.rules.push(rule);
        }
        Some(Ok(set))
    }
}
