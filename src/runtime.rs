//! Run-time downloads: the hosts libraries contact when the code runs, as endpoints of
//! kind `runtime`. Pure: takes the parsed project and the knowledge base.
//!
//! Three sources of need, each with its evidence:
//! - a dependency on a package that a `[[runtime]]` entry lists (`transformers` in a
//!   requirements file, a notebook's `%pip install`, a conda environment): the entry's
//!   endpoints, at the dependency line;
//! - a call in code (`from_pretrained("org/name")`, `torch.hub.load(…)`): the entry's
//!   endpoints, at the call, with what it fetches;
//! - a literal URL the code fetches: that host (and, through the knowledge base, its
//!   companions and redirect targets).
//!
//! Environment settings seen anywhere in the project (code, Dockerfile `ENV`, Azure ML
//! `environment_variables`, notebook `%env`) apply to the whole project, since the scan
//! cannot tell which process will run with them: an offline variable drops the entry's
//! endpoints (with a P340 note saying where), an endpoint variable (`HF_ENDPOINT`)
//! replaces them with its host.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostic::{Code, Diagnostic};
use crate::knowledge::{EndpointEntry, Knowledge, RuntimeEntry};
use crate::model::{Ecosystem, Endpoint, Evidence, Fact, Kind, RuntimeUse};
use crate::resolve::Project;
use crate::source::Location;

/// Values of an offline variable that switch downloads off.
const OFFLINE_VALUES: &[&str] = &["1", "true", "yes", "on", "offline", "disabled", "dryrun"];

/// The run-time endpoints of a project, sorted by host and port, and the notes found
/// on the way.
pub fn endpoints(
    project: &Project,
    knowledge: &Knowledge,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Endpoint> {
    let mut settings: Vec<(&str, &str, &Location)> = Vec::new();
    let mut urls: Vec<&RuntimeUse> = Vec::new();
    // Library id → evidence of the calls that need it.
    let mut calls: BTreeMap<&str, BTreeSet<Evidence>> = BTreeMap::new();
    for manifest in project.manifests.values() {
        for runtime_use in &manifest.runtime {
            match runtime_use {
                RuntimeUse::Setting { name, value, at } => settings.push((name, value, at)),
                RuntimeUse::Url { .. } => urls.push(runtime_use),
                RuntimeUse::Library {
                    library,
                    fetches,
                    at,
                } => {
                    calls.entry(library).or_default().insert(Evidence {
                        fetches: fetches.as_deref().map(crate::redact::text),
                        ..Evidence::from(at)
                    });
                }
            }
        }
    }
    // With `--env`, the scanning machine's settings count too (after the project's).
    let environment: Vec<(String, String, Location)> = project
        .runtime_environment
        .iter()
        .flatten()
        .filter(|(name, _)| {
            knowledge.runtimes().iter().any(|entry| {
                entry.endpoint_variable.as_ref() == Some(*name)
                    || entry.offline_variables.contains(name)
            })
        })
        .map(|(name, value)| {
            (
                name.clone(),
                value.clone(),
                Location::new(format!("env:{name}"), 0, 0),
            )
        })
        .collect();
    settings.extend(
        environment
            .iter()
            .map(|(name, value, at)| (name.as_str(), value.as_str(), at)),
    );
    // Evidence of the packages each run-time entry names, in one pass over the
    // manifests (a pass per entry touched every manifest of a monorepo dozens of times).
    // Looked up from the manifest's side: a manifest names a few dozen packages, the
    // entries together many more, and a hash lookup is cheaper than a tree search.
    let mut entries_naming: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, entry) in knowledge.runtimes().iter().enumerate() {
        for package in &entry.packages {
            entries_naming.entry(package).or_default().push(index);
        }
    }
    let mut package_evidence: Vec<BTreeSet<Evidence>> =
        vec![BTreeSet::new(); knowledge.runtimes().len()];
    for manifest in project.manifests.values() {
        for (package, at) in &manifest.packages {
            for &index in entries_naming.get(package.as_str()).into_iter().flatten() {
                package_evidence[index].insert(Evidence::from(at));
            }
        }
    }
    let mut merged: BTreeMap<(String, u16), Endpoint> = BTreeMap::new();
    for (entry, packages) in knowledge.runtimes().iter().zip(package_evidence) {
        let mut evidence = calls.remove(entry.id.as_str()).unwrap_or_default();
        evidence.extend(packages);
        if evidence.is_empty() {
            continue;
        }
        if let Some((name, value, at)) = settings.iter().find(|(name, value, _)| {
            entry
                .offline_variables
                .iter()
                .any(|offline| offline == name)
                && OFFLINE_VALUES.contains(&value.trim().to_ascii_lowercase().as_str())
        }) {
            diagnostics.push(
                Diagnostic::new(
                    Code::RuntimeOffline,
                    (*at).clone(),
                    format!(
                        "`{name}={value}` stops run-time downloads ({}), so their hosts are left out",
                        entry.id
                    ),
                )
                .with_help("remove the setting if the code does download at run time"),
            );
            continue;
        }
        let mirror = entry.endpoint_variable.as_ref().and_then(|variable| {
            settings
                .iter()
                .find(|(name, _, _)| *name == variable.as_str())
        });
        if let Some((name, value, at)) = mirror {
            match crate::remote::parse(value) {
                Ok(remote) => {
                    let mut evidence = evidence;
                    evidence.insert(Evidence::from(*at));
                    add(
                        &mut merged,
                        Endpoint {
                            host: remote.host.clone(),
                            port: remote.port,
                            scheme: remote.scheme.clone(),
                            ecosystem: Ecosystem::Python,
                            kind: Kind::Runtime,
                            purpose: format!(
                                "mirror named by {name}, in place of: {}",
                                entry.purpose
                            ),
                            evidence,
                            knowledge: None,
                            service_domain: None,
                        },
                    );
                }
                Err(_) => diagnostics.push(Diagnostic::new(
                    Code::InvalidUrl,
                    (*at).clone(),
                    format!(
                        "`{name}` is not a usable URL, so the mirror that replaces {} is unknown",
                        entry.id
                    ),
                )),
            }
            continue;
        }
        if let Some(domain) = &entry.per_resource {
            let suffix = format!(".{}", crate::host::reverse(domain));
            let named = urls.iter().any(|found| {
                matches!(found, RuntimeUse::Url { remote, .. } if remote.host.ends_with(&suffix))
            });
            if !named && let Some(first) = evidence.iter().next() {
                diagnostics.push(
                    Diagnostic::new(
                        Code::PerResourceHost,
                        Location::new(first.path.clone(), first.line, 1),
                        format!(
                            "{}; the code names no `<resource>{suffix}` host",
                            entry.purpose
                        ),
                    )
                    .with_help("allow your resource's host, or write its endpoint URL in the code or a --knowledge file"),
                );
            }
        }
        for id in &entry.endpoints {
            if let Some(host) = knowledge.get(id) {
                add_entry(&mut merged, host, Some(entry), &evidence);
            }
        }
    }
    for found in urls {
        if let RuntimeUse::Url {
            remote,
            fetches,
            at,
        } = found
        {
            let evidence = BTreeSet::from([Evidence {
                fetches: Some(fetches.clone()),
                ..Evidence::from(at)
            }]);
            let entry = knowledge.lookup(&remote.host);
            add(
                &mut merged,
                Endpoint {
                    host: remote.host.clone(),
                    port: remote.port,
                    scheme: remote.scheme.clone(),
                    ecosystem: Ecosystem::Python,
                    kind: Kind::Runtime,
                    purpose: entry.map_or_else(
                        || "fetched by the code when it runs".to_string(),
                        |entry| entry.purpose.clone(),
                    ),
                    evidence: evidence.clone(),
                    knowledge: entry.map(fact_of),
                    service_domain: entry.and_then(service_wildcard),
                },
            );
            let mut companions: Vec<&str> = entry
                .map(|entry| entry.companions.iter().map(String::as_str).collect())
                .unwrap_or_default();
            for trigger in knowledge.triggers(&remote.host, &remote.path) {
                companions.extend(trigger.adds.iter().map(String::as_str));
            }
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            while let Some(id) = companions.pop() {
                if !seen.insert(id) {
                    continue;
                }
                if let Some(companion) = knowledge.get(id) {
                    companions.extend(companion.companions.iter().map(String::as_str));
                    add_entry(&mut merged, companion, None, &evidence);
                }
            }
        }
    }
    merged.into_values().collect()
}

/// Adds the endpoints of a knowledge entry: its own purpose when it describes a
/// run-time host, else the purpose of the library that needs it (github.com is a git
/// host, but torch.hub downloads archives from it).
fn add_entry(
    merged: &mut BTreeMap<(String, u16), Endpoint>,
    host: &EndpointEntry,
    library: Option<&RuntimeEntry>,
    evidence: &BTreeSet<Evidence>,
) {
    let (purpose, fact) = match library {
        Some(library) if host.kind.0 != Kind::Runtime => (
            library.purpose.clone(),
            Fact {
                id: library.id.clone(),
                source: library.source.clone(),
                owned_by: host.owned_by.clone(),
            },
        ),
        _ => (host.purpose.clone(), fact_of(host)),
    };
    for &port in &host.ports {
        add(
            merged,
            Endpoint {
                host: host.forward_host(),
                port,
                scheme: host.scheme.clone(),
                ecosystem: Ecosystem::Python,
                kind: Kind::Runtime,
                purpose: purpose.clone(),
                evidence: evidence.clone(),
                knowledge: Some(fact.clone()),
                service_domain: service_wildcard(host),
            },
        );
    }
}

fn fact_of(entry: &EndpointEntry) -> Fact {
    Fact {
        id: entry.id.clone(),
        source: entry.source.clone(),
        owned_by: entry.owned_by.clone(),
    }
}

fn service_wildcard(entry: &EndpointEntry) -> Option<String> {
    entry
        .service_domain
        .as_ref()
        .map(|domain| format!("*.{}", crate::host::reverse(domain)))
}

/// Merges an endpoint by host and port, keeping all evidence and, deterministically,
/// the explanation with a knowledge fact and the smallest purpose.
fn add(merged: &mut BTreeMap<(String, u16), Endpoint>, endpoint: Endpoint) {
    let key = (endpoint.host.clone(), endpoint.port);
    match merged.get_mut(&key) {
        None => {
            merged.insert(key, endpoint);
        }
        Some(existing) => {
            let rank =
                |endpoint: &Endpoint| (endpoint.knowledge.is_none(), endpoint.purpose.clone());
            let better = rank(&endpoint) < rank(existing);
            existing.evidence.extend(endpoint.evidence);
            if better {
                existing.purpose = endpoint.purpose;
                existing.knowledge = endpoint.knowledge;
                existing.scheme = endpoint.scheme;
                existing.service_domain = endpoint.service_domain;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every library the code scanner reports has a `[[runtime]]` entry.
    #[test]
    fn every_scanned_library_is_known() {
        let knowledge = Knowledge::embedded().unwrap();
        for library in crate::formats::python_calls::LIBRARIES {
            assert!(knowledge.runtime(library).is_some(), "{library}");
        }
    }
}
