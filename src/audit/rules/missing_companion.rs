use std::collections::BTreeSet;

use super::{Rule, RuleMeta, host_destinations};
use crate::audit::{Candidate, Context, RuleSet, covers};
use crate::host;
use crate::plan;

declare_rule! {
    /// ## What it does
    /// Flags a host allowed without a companion the knowledge base says it always needs:
    /// a package index without the host its files are served from (the public Python
    /// index and its files host, Azure Artifacts and its blob hosts), a container
    /// registry without its blob or CDN host (Docker Hub, GHCR, MCR, Quay). Every file
    /// of one audit counts: a companion allowed in another file is allowed.
    ///
    /// ## Why is this bad?
    /// The index answers and the install still fails when it downloads the files;
    /// the registry answers and the image pull fails on the first layer. People add
    /// the host they saw in the error, one failure at a time.
    ///
    /// ## Example
    /// A rule for `mcr.microsoft.com` alone: pulls fail on
    /// `*.data.mcr.microsoft.com`, which serves the layers.
    ///
    /// The companions and their sources are in `knowledge/*.toml` (`companions`).
    MissingCompanion {
        code: "A011",
        name: "missing-companion",
        severity: Warning,
        summary: "a host allowed without the companion it always needs (an index's files host, a registry's blob host)",
        help: "add a rule for the companion host",
    }
}

impl Rule for MissingCompanion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], context: &Context<'_>, out: &mut Vec<Candidate>) {
        let allowed: BTreeSet<String> = sets.iter().flat_map(|set| set.allowed_hosts()).collect();
        for set in sets {
            for (_, destination) in host_destinations(set) {
                let value = destination.value.trim().to_ascii_lowercase();
                let Some(entry) = context.knowledge.lookup(&value) else {
                    continue;
                };
                if entry.host != host::reverse(&value) {
                    continue;
                }
                for id in &entry.companions {
                    let Some(companion) = context.knowledge.get(id) else {
                        continue;
                    };
                    let companion_host = companion.forward_host();
                    // Reached with a private-endpoint rule, never an FQDN rule.
                    if plan::private_endpoint_target(&companion_host).is_some() {
                        continue;
                    }
                    if allowed
                        .iter()
                        .any(|pattern| covers(pattern, &companion_host))
                    {
                        continue;
                    }
                    out.push(
                        Candidate::new(
                            set,
                            destination.at,
                            format!(
                                "`{}` is allowed without `{companion_host}` ({})",
                                destination.value, companion.purpose
                            ),
                        )
                        .with_help(format!(
                            "add a rule for `{companion_host}` (source: {})",
                            companion.source
                        )),
                    );
                }
            }
        }
    }
}
