use std::collections::BTreeMap;

use super::{Rule, RuleMeta};
use crate::audit::{Candidate, Context, RuleKind, RuleSet, resource_of};

declare_rule! {
    /// ## What it does
    /// Flags a destination allowed twice in one file by rules of the same kind, ports
    /// and protocols: the same host in two FQDN rules (or twice in one firewall rule),
    /// the same line twice in a hosts list, the same resource and subresource in two
    /// private-endpoint rules. Hosts compare without case; rules Azure adds itself
    /// (`Required`, `Recommended`) are not counted.
    ///
    /// ## Why is this bad?
    /// Nothing breaks, but the copy is noise that hides what the rules really allow,
    /// and removing one of the two later leaves the host allowed, which surprises
    /// reviewers. Each managed FQDN rule is also one more managed-firewall rule.
    ///
    /// ## Example
    /// ```yaml
    /// - name: github
    ///   type: fqdn
    ///   destination: github.com
    /// - name: github-again
    ///   type: fqdn
    ///   destination: GitHub.com     # A005
    /// ```
    DuplicateDestination {
        code: "A005",
        name: "duplicate-destination",
        severity: Warning,
        summary: "the same destination allowed twice by rules of the same kind",
        help: "keep one rule for the destination and remove the other",
    }
}

impl Rule for DuplicateDestination {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], _context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            let mut seen: BTreeMap<(RuleKind, String, String), u32> = BTreeMap::new();
            // Rules Azure adds itself are not the user's to remove.
            for rule in set.rules.iter().filter(|rule| rule.is_user_defined()) {
                let mut ports: Vec<String> = rule
                    .ports
                    .iter()
                    .chain(&rule.protocols)
                    .map(|value| value.to_ascii_lowercase())
                    .collect();
                ports.sort();
                let ports = ports.join(",");
                let keys: Vec<(String, crate::audit::Position, String)> = match rule.kind {
                    RuleKind::PrivateEndpoint => rule
                        .destinations
                        .iter()
                        .filter_map(|destination| {
                            let (kind, name) = resource_of(&destination.value)?;
                            let sub = rule.subresource.as_ref().map_or("", |s| s.value.as_str());
                            Some((
                                format!("{kind}/{name}#{sub}").to_ascii_lowercase(),
                                destination.at,
                                format!("{kind}/{name} ({sub})"),
                            ))
                        })
                        .collect(),
                    kind if kind.names_hosts() => rule
                        .destinations
                        .iter()
                        .map(|destination| {
                            (
                                destination.value.trim().to_ascii_lowercase(),
                                destination.at,
                                destination.value.clone(),
                            )
                        })
                        .collect(),
                    _ => continue,
                };
                for (key, at, shown) in keys {
                    let key = (rule.kind, key, ports.clone());
                    match seen.get(&key) {
                        Some(first) => out.push(Candidate::new(
                            set,
                            at,
                            format!("`{shown}` is already allowed on line {first}"),
                        )),
                        None => {
                            seen.insert(key, at.line);
                        }
                    }
                }
            }
        }
    }
}
