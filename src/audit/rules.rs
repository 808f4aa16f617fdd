//! The audit rules: one file per rule in `rules/`, each a unit struct declared with
//! [`declare_rule!`] (its doc comment is both the rustdoc and what `pkgallow explain`
//! prints) and implementing [`Rule`], listed once in [`RULES`]. Codes are `A001`…`A099`,
//! assigned only here and never reused.

use super::{Candidate, Context, ExistingRule, RuleSet, Severity, Spanned};

/// A rule's stable metadata.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    /// Kebab-case name, accepted by `explain` like the code.
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// One line: what to do about it (a finding may give a more specific one).
    pub help: &'static str,
    /// The documentation, from the doc comment.
    pub doc: &'static str,
}

/// One audit rule.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Reports what the rule flags in the rule sets (all files of one audit together, so
    /// that rules about coverage see every file).
    fn check(&self, sets: &[&RuleSet], context: &Context<'_>, out: &mut Vec<Candidate>);
}

/// Declares a rule's unit struct and its [`RuleMeta`] from its doc comment.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $name:ident {
            code: $code:literal,
            name: $kebab:literal,
            severity: $severity:ident,
            summary: $summary:literal,
            help: $help:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub(crate) struct $name;

        impl $name {
            pub(crate) const META: $crate::audit::rules::RuleMeta = $crate::audit::rules::RuleMeta {
                code: $code,
                name: $kebab,
                severity: $crate::audit::Severity::$severity,
                summary: $summary,
                help: $help,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}

mod duplicate_destination;
mod duplicate_rule_name;
mod invalid_destination;
mod invalid_rule_name;
mod invalid_subresource;
mod missing_companion;
mod needed_not_allowed;
mod nsg_host_name;
mod overly_broad_wildcard;
mod private_endpoint_spark_unset;
mod rule_needs_approved_outbound;
mod storage_needs_private_endpoint;
mod unused_rule;
mod web_rule_other_port;
mod wildcard_misses_apex;

/// Every rule, in code order.
pub const RULES: &[&dyn Rule] = &[
    &invalid_destination::InvalidDestination,
    &wildcard_misses_apex::WildcardMissesApex,
    &overly_broad_wildcard::OverlyBroadWildcard,
    &duplicate_rule_name::DuplicateRuleName,
    &duplicate_destination::DuplicateDestination,
    &invalid_rule_name::InvalidRuleName,
    &rule_needs_approved_outbound::RuleNeedsApprovedOutbound,
    &storage_needs_private_endpoint::StorageNeedsPrivateEndpoint,
    &nsg_host_name::NsgHostName,
    &web_rule_other_port::WebRuleOtherPort,
    &missing_companion::MissingCompanion,
    &private_endpoint_spark_unset::PrivateEndpointSparkUnset,
    &invalid_subresource::InvalidSubresource,
    &needed_not_allowed::NeededNotAllowed,
    &unused_rule::UnusedRule,
];

/// The rule with this code or name (case-insensitive).
pub fn find(code_or_name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|rule| {
        let meta = rule.meta();
        meta.code.eq_ignore_ascii_case(code_or_name) || meta.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// The documentation as `explain` prints it: the doc comment without rustdoc's leading
/// space on each line.
pub fn documentation(meta: &RuleMeta) -> String {
    let mut out = format!(
        "{} {} ({})\n\n{}\n\n",
        meta.code,
        meta.name,
        meta.severity.as_str(),
        meta.summary
    );
    for line in meta.doc.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Host-name destinations (FQDN, firewall and hosts-list rules) of a set.
pub(crate) fn host_destinations(set: &RuleSet) -> impl Iterator<Item = (&ExistingRule, &Spanned)> {
    set.rules
        .iter()
        .filter(|rule| rule.kind.names_hosts())
        .flat_map(|rule| {
            rule.destinations
                .iter()
                .map(move |destination| (rule, destination))
        })
}

/// Where to point at a rule: its name if written, else its start.
pub(crate) fn rule_position(rule: &ExistingRule) -> super::Position {
    rule.name.as_ref().map_or(rule.at, |name| name.at)
}

/// How a rule is called in messages.
pub(crate) fn rule_label(rule: &ExistingRule) -> String {
    match &rule.name {
        Some(name) => format!("rule `{}`", name.value),
        None => format!("the {} rule", rule.kind.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_in_order() {
        let codes: Vec<&str> = RULES.iter().map(|rule| rule.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
        let unique: HashSet<&str> = codes.iter().copied().collect();
        assert_eq!(unique.len(), RULES.len());
        let names: HashSet<&str> = RULES.iter().map(|rule| rule.meta().name).collect();
        assert_eq!(names.len(), RULES.len());
        for rule in RULES {
            let meta = rule.meta();
            assert!(
                meta.code.starts_with('A') && meta.code.len() == 4,
                "{}",
                meta.code
            );
            assert!(
                meta.doc.contains("## What it does"),
                "{} has no documentation",
                meta.code
            );
            assert!(!meta.summary.ends_with('.'), "{}", meta.code);
        }
    }

    /// README's rule table lists every rule: code, name, severity and summary.
    #[test]
    fn readme_lists_every_rule() {
        let readme = include_str!("../../README.md");
        let rows: Vec<&str> = readme
            .lines()
            .filter(|line| line.starts_with("| A0"))
            .collect();
        let expected: Vec<String> = RULES
            .iter()
            .map(|rule| {
                let meta = rule.meta();
                format!(
                    "| {} | {} | {} | {} |",
                    meta.code,
                    meta.name,
                    meta.severity.as_str(),
                    meta.summary
                )
            })
            .collect();
        assert_eq!(rows, expected, "README's audit rule table is out of date");
    }

    #[test]
    fn rules_are_found_by_code_or_name() {
        assert_eq!(find("a002").map(|rule| rule.meta().code), Some("A002"));
        assert_eq!(
            find("wildcard-misses-apex").map(|rule| rule.meta().code),
            Some("A002")
        );
        assert!(find("A999").is_none());
    }
}
