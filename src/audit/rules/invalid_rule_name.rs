use super::{Rule, RuleMeta};
use crate::audit::{Candidate, Context, RuleSet};
use crate::plan;

declare_rule! {
    /// ## What it does
    /// Flags a managed-network outbound rule whose name Azure rejects: names match
    /// `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$` (3 to 33 letters, digits, `_` and `-`,
    /// starting with a letter or digit). Names that are unevaluated expressions
    /// (`var.name`, `parameters('name')`) and the names of rules Azure adds itself
    /// (category `Required` or `Recommended`) are not checked.
    ///
    /// ## Why is this bad?
    /// The deployment fails (`az ml workspace update`, ARM, Bicep, Terraform), often
    /// after other rules were already written. Guides that name rules after their host
    /// (`download.pytorch.org`) produce such names: dots are not allowed.
    ///
    /// ## Example
    /// ```yaml
    /// - name: download.pytorch.org   # A006
    ///   type: fqdn
    ///   destination: download.pytorch.org
    /// ```
    /// Use `download-pytorch-org` (what `pkgallow generate` derives).
    ///
    /// Source: the `name` pattern of `Microsoft.MachineLearningServices/workspaces/outboundRules`,
    /// <https://learn.microsoft.com/azure/templates/microsoft.machinelearningservices/workspaces/outboundrules>.
    InvalidRuleName {
        code: "A006",
        name: "invalid-rule-name",
        severity: Error,
        summary: "an outbound rule name Azure rejects (not `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`)",
        help: "use 3 to 33 letters, digits, `_` or `-`, starting with a letter or digit",
    }
}

impl Rule for InvalidRuleName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], _context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            // Rules Azure adds itself (`__SYS_…`, category `Required`) follow their own names.
            for rule in set
                .rules
                .iter()
                .filter(|rule| rule.kind.is_managed() && rule.is_user_defined())
            {
                let Some(name) = &rule.name else {
                    continue;
                };
                if !plan::is_valid_rule_name(&name.value) {
                    out.push(
                        Candidate::new(
                            set,
                            name.at,
                            format!("rule name `{}` does not match Azure's pattern", name.value),
                        )
                        .with_help(format!(
                            "use 3 to 33 letters, digits, `_` or `-`, starting with a letter or digit, e.g. `{}`",
                            plan::rule_name(&name.value)
                        )),
                    );
                }
            }
        }
    }
}
