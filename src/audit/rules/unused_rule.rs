use super::{Rule, RuleMeta, rule_label, rule_position};
use crate::audit::{Candidate, Context, IsolationMode, RuleSet, judged, needs, rule_allows};

declare_rule! {
    /// ## What it does
    /// With `--against PATH`: flags a user-defined rule naming hosts or a private
    /// endpoint that allows nothing the scan of PATH needs. Rules Azure adds itself
    /// (`Required`, `Recommended`), service-tag and NSG rules are not judged. A note:
    /// the rule may serve something pkgallow does not scan (a data source, a model
    /// download at run time).
    ///
    /// ## Why is this bad?
    /// Every allowed host is a way out of the network. Rules copied from guides pile
    /// up, and nobody remembers why they exist.
    ///
    /// ## Example
    /// A rule for `anaconda.org` in a project that installs only from the public Python index.
    UnusedRule {
        code: "A015",
        name: "unused-rule",
        severity: Note,
        summary: "with `--against`: a rule that allows nothing the project needs",
        help: "remove the rule if nothing else needs it",
    }
}

impl Rule for UnusedRule {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], context: &Context<'_>, out: &mut Vec<Candidate>) {
        let Some(needed) = context.needed else {
            return;
        };
        let open = sets.iter().any(|set| {
            matches!(
                set.isolation_mode,
                Some(IsolationMode::AllowInternetOutbound | IsolationMode::Disabled)
            )
        });
        if open {
            return;
        }
        let needs = needs(sets, needed);
        for set in sets {
            for rule in set.rules.iter().filter(|rule| judged(rule)) {
                if !needs.iter().any(|need| rule_allows(rule, need)) {
                    out.push(Candidate::new(
                        set,
                        rule_position(rule),
                        format!("{} allows nothing the project needs", rule_label(rule)),
                    ));
                }
            }
        }
    }
}
