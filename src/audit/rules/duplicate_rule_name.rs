use std::collections::BTreeMap;

use super::{Rule, RuleMeta};
use crate::audit::{Candidate, Context, RuleKind, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags a rule name used twice where names must be unique: managed-network
    /// outbound rules of one file (one workspace), rules of one firewall rule
    /// collection, rules of one NSG. Names compare without case.
    ///
    /// ## Why is this bad?
    /// A workspace holds one rule per name: `az ml workspace outbound-rule set`, ARM and
    /// Bicep replace the earlier rule with the later one, so one of the two
    /// destinations is silently not allowed. Azure Firewall and NSG deployments fail.
    ///
    /// ## Example
    /// ```yaml
    /// - name: pytorch
    ///   type: fqdn
    ///   destination: download.pytorch.org
    /// - name: pytorch          # A004
    ///   type: fqdn
    ///   destination: download-r2.pytorch.org
    /// ```
    DuplicateRuleName {
        code: "A004",
        name: "duplicate-rule-name",
        severity: Error,
        summary: "a rule name used twice in one workspace, rule collection or NSG",
        help: "give every rule its own name; a later rule of the same name replaces the earlier one",
    }
}

impl Rule for DuplicateRuleName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], _context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            let mut seen: BTreeMap<(u8, Option<String>, String), u32> = BTreeMap::new();
            for rule in &set.rules {
                let Some(name) = &rule.name else {
                    continue;
                };
                let family = match rule.kind {
                    kind if kind.is_managed() => 0,
                    RuleKind::Nsg => 1,
                    RuleKind::FirewallApplication | RuleKind::FirewallNetwork => 2,
                    _ => continue,
                };
                let key = (
                    family,
                    rule.collection.clone(),
                    name.value.to_ascii_lowercase(),
                );
                match seen.get(&key) {
                    Some(first) => out.push(Candidate::new(
                        set,
                        name.at,
                        format!("rule name `{}` is already used on line {first}", name.value),
                    )),
                    None => {
                        seen.insert(key, name.at.line);
                    }
                }
            }
        }
    }
}
