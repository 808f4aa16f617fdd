//! The organisation's policy file, `pkgallow.toml`: what a platform team decides once for
//! every repository it scans — hosts never to allow (`deny`), hosts it expects
//! (`expect`), mirrors that all of an ecosystem's traffic goes through (`[[mirrors]]`), a
//! prefix for rule names, paths discovery skips, extra knowledge files and defaults for
//! `generate`. Pure: [`Policy::parse`] turns text into a validated policy (every error
//! with `path:line:col`, unknown keys included, because a mistyped key silently ignored
//! would be a policy silently not applied), and [`Policy::apply`] rewrites a scan's
//! endpoints. Loading the file is `commands`' job.
//!
//! Order of application, after `resolve` and before `plan::build`, so that every output
//! (scan reports and every generate target) sees the same endpoints:
//! 1. mirrors: an endpoint whose host the knowledge base marks `replaced-by-mirror` for
//!    an ecosystem with a mirror becomes the mirror's host, keeping its evidence; the
//!    purpose names the hosts it replaced;
//! 2. expect: expected hosts that no endpoint matches are one warning;
//! 3. deny: endpoints a `deny` pattern matches are removed, each need reported at its
//!    evidence, and handed to the plan so that generated files can say so.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_spanned::Spanned;
use thiserror::Error;

use crate::diagnostic::{Code, Diagnostic};
use crate::host;
use crate::knowledge::Knowledge;
use crate::model::{Ecosystem, Endpoint, Evidence, Kind};
use crate::plan::{Cloud, Denied, MAX_RULE_PREFIX, NetworkMode, PlanOptions, Wildcards};
use crate::remote::{self, Remote};
use crate::resolve::Resolution;
use crate::source::{Excerpt, Location, SourceFile};

/// The file looked for at the scan root.
pub const FILE_NAME: &str = "pkgallow.toml";

/// Ecosystems a mirror can stand for (those whose public hosts the knowledge base marks
/// `replaced-by-mirror`), with what the mirror is to its clients and what it carries,
/// for its purpose sentence.
const MIRRORABLE: [(Ecosystem, Kind, &str); 4] = [
    (Ecosystem::Python, Kind::Index, "Python index traffic"),
    (Ecosystem::Conda, Kind::Channel, "conda channel traffic"),
    (Ecosystem::Npm, Kind::Index, "npm registry traffic"),
    (
        Ecosystem::Container,
        Kind::Registry,
        "Docker Hub image traffic",
    ),
];

/// The ecosystems a `[[mirrors]]` entry may name.
pub fn mirror_ecosystems() -> impl Iterator<Item = Ecosystem> {
    MIRRORABLE.iter().map(|(ecosystem, _, _)| *ecosystem)
}

/// The kind and traffic of a mirror of `ecosystem` (one of [`mirror_ecosystems`]).
fn mirror_role(ecosystem: Ecosystem) -> (Kind, &'static str) {
    MIRRORABLE
        .iter()
        .find(|(mirrorable, _, _)| *mirrorable == ecosystem)
        .map_or((Kind::Index, "index traffic"), |(_, kind, traffic)| {
            (*kind, *traffic)
        })
}

/// What `pkgallow init` writes. A test keeps it loading cleanly, with and without its
/// commented examples.
pub const STARTER: &str = r#"# pkgallow.toml: the organisation's policy for `pkgallow scan` and `pkgallow generate`.
# pkgallow reads it from the scanned directory (or `--config FILE`). Every key is
# optional; an unknown key or a value of the wrong type is an error. Uncomment what you need.

# Hosts never to allow, even when the project needs them: exact names, or `*.suffix` for
# every subdomain (not the suffix itself). They are left out of every generated rule and
# each need is reported with the file and line that needs it.
# deny = ["gist.github.com", "*.example-untrusted.com"]

# Hosts the organisation expects projects to need; those a scan does not need are
# reported in one warning.
# expect = ["github.com"]

# Prefix of generated workspace outbound rule names: at most 16 letters, digits, `_`
# and `-`, starting with a letter or digit. Names stay unique and valid for Azure.
# rule-prefix = "pkg-"

# Paths discovery skips: gitignore-style globs relative to the scanned directory.
# exclude = ["vendor/**", "**/testdata/**"]

# More knowledge files (the format of `--knowledge`), relative to this file.
# knowledge = ["knowledge/artifactory.toml"]

# All of an ecosystem's index traffic goes through an organisation mirror: the public
# index and the hosts serving its files are replaced by the mirror's host in every
# output. Ecosystems: python, conda, npm, container (Docker Hub). Repeat the block for
# each ecosystem. Credentials in the URL are never printed.
# [[mirrors]]
# ecosystem = "python"
# url = "https://artifactory.example.com/api/pypi/pypi-remote/simple"

# Defaults for `pkgallow generate`; command-line flags win.
[generate]
# workspace-name = "my-workspace"
# resource-group = "my-resource-group"
# cloud = "public"          # public, china, usgov
# network = "managed"       # managed, customer-managed, hybrid
# wildcards = "exact"       # exact, collapse
"#;

/// A policy file that cannot be used: where and why. Always fatal (exit code 2): a
/// policy applied partly would be worse than none.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{location}: {message}")]
pub struct PolicyError {
    pub location: Location,
    pub message: String,
}

/// A host or `*.suffix` pattern as written, lower-cased, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPattern {
    pub pattern: String,
    pub at: Location,
}

impl HostPattern {
    /// Whether the pattern covers `host` (a host or an endpoint's own `*.suffix`):
    /// Azure Firewall semantics, so `*.x.org` covers `a.x.org` and `*.a.x.org` but never
    /// `x.org`.
    pub fn covers(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if self.pattern == host {
            return true;
        }
        match host.strip_prefix("*.") {
            Some(suffix) => self
                .pattern
                .strip_prefix("*.")
                .is_some_and(|pattern| suffix == pattern || host::allows(&self.pattern, suffix)),
            None => host::allows(&self.pattern, &host),
        }
    }
}

/// An organisation mirror for one ecosystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mirror {
    pub ecosystem: Ecosystem,
    /// The address it is reached at; `remote.display` is the URL without credentials.
    pub remote: Remote,
    pub at: Location,
}

/// `[generate]`: defaults for `pkgallow generate`, each overridden by its flag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerateDefaults {
    pub workspace_name: Option<String>,
    pub resource_group: Option<String>,
    pub cloud: Option<Cloud>,
    pub network: Option<NetworkMode>,
    pub wildcards: Option<Wildcards>,
}

/// A validated policy. `Policy::default()` is no policy at all: applying it changes
/// nothing.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub deny: Vec<HostPattern>,
    pub expect: Vec<HostPattern>,
    pub mirrors: Vec<Mirror>,
    pub rule_prefix: Option<String>,
    /// Globs (gitignore syntax) discovery skips.
    pub exclude: Vec<String>,
    /// Knowledge files as written (relative to the policy file).
    pub knowledge: Vec<String>,
    pub generate: GenerateDefaults,
    /// The policy file, for the source lines of its diagnostics.
    file: Option<SourceFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    #[serde(default)]
    deny: Vec<Spanned<String>>,
    #[serde(default)]
    expect: Vec<Spanned<String>>,
    #[serde(default)]
    mirrors: Vec<RawMirror>,
    #[serde(default)]
    rule_prefix: Option<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    knowledge: Vec<Spanned<String>>,
    #[serde(default)]
    generate: Option<RawGenerate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMirror {
    ecosystem: Spanned<String>,
    url: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawGenerate {
    #[serde(default)]
    workspace_name: Option<String>,
    #[serde(default)]
    resource_group: Option<String>,
    #[serde(default)]
    cloud: Option<Spanned<String>>,
    #[serde(default)]
    network: Option<Spanned<String>>,
    #[serde(default)]
    wildcards: Option<Spanned<String>>,
}

impl Policy {
    /// Parses and validates a policy file's text; `path` is how errors and warnings
    /// name the file.
    pub fn parse(path: &str, text: &str) -> Result<Policy, PolicyError> {
        let file = SourceFile::new(path, text);
        // Serde's messages quote the offending value, which may be a URL with
        // credentials.
        let fail = |offset: usize, message: String| PolicyError {
            location: file.location(offset),
            message: crate::redact::text(&message),
        };
        let raw: RawPolicy = toml_edit::de::from_str(&file.text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            fail(offset, error.message().trim().replace('\n', " "))
        })?;
        let mut policy = Policy::default();
        for (list, key) in [(&raw.deny, "deny"), (&raw.expect, "expect")] {
            for entry in list {
                let pattern = entry.get_ref().trim().to_ascii_lowercase();
                if !is_host_pattern(&pattern) {
                    return Err(fail(
                        entry.span().start,
                        format!(
                            "`{key}` entries are host names or `*.suffix` patterns, not `{}`",
                            crate::redact::text(entry.get_ref())
                        ),
                    ));
                }
                let at = file.location(entry.span().start);
                let target = if key == "deny" {
                    &mut policy.deny
                } else {
                    &mut policy.expect
                };
                target.push(HostPattern { pattern, at });
            }
        }
        for mirror in &raw.mirrors {
            let name = mirror.ecosystem.get_ref();
            let Some(ecosystem) = mirror_ecosystems().find(|ecosystem| ecosystem.as_str() == name)
            else {
                let known: Vec<&str> = mirror_ecosystems().map(Ecosystem::as_str).collect();
                return Err(fail(
                    mirror.ecosystem.span().start,
                    format!(
                        "a mirror's `ecosystem` is one of {}, not `{name}`",
                        known.join(", ")
                    ),
                ));
            };
            let url = mirror.url.get_ref();
            let remote = remote::parse(url)
                .ok()
                .filter(|remote| matches!(remote.scheme.as_str(), "https" | "http"))
                .ok_or_else(|| {
                    fail(
                        mirror.url.span().start,
                        format!(
                            "a mirror's `url` is an http(s) URL with a host, not `{}`",
                            crate::redact::url(url)
                        ),
                    )
                })?;
            policy.mirrors.push(Mirror {
                ecosystem,
                remote,
                at: file.location(mirror.ecosystem.span().start),
            });
        }
        if let Some(prefix) = &raw.rule_prefix {
            if !is_valid_rule_prefix(prefix.get_ref()) {
                return Err(fail(
                    prefix.span().start,
                    format!(
                        "`rule-prefix` must be 1 to {MAX_RULE_PREFIX} letters, digits, `_` or `-`, starting with a letter or digit (Azure rule names match ^[a-zA-Z0-9][a-zA-Z0-9_-]{{2,32}}$), not `{}`",
                        prefix.get_ref()
                    ),
                ));
            }
            policy.rule_prefix = Some(prefix.get_ref().clone());
        }
        for glob in &raw.exclude {
            let mut overrides = ignore::overrides::OverrideBuilder::new("/");
            if glob.get_ref().trim().is_empty()
                || overrides.add(&format!("!{}", glob.get_ref())).is_err()
            {
                return Err(fail(
                    glob.span().start,
                    format!("`{}` is not a valid glob", glob.get_ref()),
                ));
            }
            policy.exclude.push(glob.get_ref().clone());
        }
        for path in &raw.knowledge {
            if path.get_ref().trim().is_empty() {
                return Err(fail(path.span().start, "a knowledge path is empty".into()));
            }
            policy.knowledge.push(path.get_ref().clone());
        }
        if let Some(generate) = raw.generate {
            policy.generate = GenerateDefaults {
                workspace_name: generate.workspace_name,
                resource_group: generate.resource_group,
                cloud: choice(&file, generate.cloud.as_ref(), "cloud", &CLOUDS)?,
                network: choice(&file, generate.network.as_ref(), "network", &NETWORKS)?,
                wildcards: choice(&file, generate.wildcards.as_ref(), "wildcards", &WILDCARDS)?,
            };
        }
        policy.file = Some(file);
        Ok(policy)
    }

    /// The policy file's display path, if the policy came from one.
    pub fn path(&self) -> Option<&str> {
        self.file.as_ref().map(|file| file.path.as_str())
    }

    /// The plan options of the `[generate]` defaults and the rule prefix: what
    /// `generate` writes when no flag overrides them.
    pub fn plan_options(&self) -> PlanOptions {
        let defaults = &self.generate;
        PlanOptions {
            network: defaults.network.unwrap_or_default(),
            wildcards: defaults.wildcards.unwrap_or_default(),
            cloud: defaults.cloud.unwrap_or_default(),
            workspace_name: defaults.workspace_name.clone(),
            resource_group: defaults.resource_group.clone(),
            rule_prefix: self.rule_prefix.clone(),
            ..PlanOptions::default()
        }
    }

    /// Applies mirrors, expectations and denials to a scan (see the module docs), adding
    /// diagnostics; `excerpts` give the source lines of the needs it reports. Returns the
    /// denied hosts for the plan.
    pub fn apply(
        &self,
        resolution: &mut Resolution,
        knowledge: &Knowledge,
        excerpts: &BTreeMap<String, Excerpt>,
    ) -> Vec<Denied> {
        if !self.mirrors.is_empty() {
            resolution.endpoints =
                self.mirror(std::mem::take(&mut resolution.endpoints), knowledge);
        }
        if let Some(diagnostic) = self.unneeded_expectations(&resolution.endpoints) {
            resolution.diagnostics.push(diagnostic);
        }
        let mut denied: BTreeMap<String, Denied> = BTreeMap::new();
        let mut kept = Vec::new();
        for endpoint in std::mem::take(&mut resolution.endpoints) {
            let Some(pattern) = self.deny.iter().find(|deny| deny.covers(&endpoint.host)) else {
                kept.push(endpoint);
                continue;
            };
            for evidence in &endpoint.evidence {
                resolution.diagnostics.push(denied_need(
                    &endpoint.host,
                    pattern,
                    evidence,
                    excerpts,
                ));
            }
            let entry = denied
                .entry(endpoint.host.clone())
                .or_insert_with(|| Denied {
                    host: endpoint.host.clone(),
                    pattern: pattern.pattern.clone(),
                    ports: BTreeSet::new(),
                    evidence: BTreeSet::new(),
                });
            entry.ports.insert(endpoint.port);
            entry.evidence.extend(endpoint.evidence);
        }
        resolution.endpoints = kept;
        resolution.diagnostics.sort();
        resolution.diagnostics.dedup();
        denied.into_values().collect()
    }

    /// Replaces the public hosts of every ecosystem with a mirror by the mirror's host.
    fn mirror(&self, endpoints: Vec<Endpoint>, knowledge: &Knowledge) -> Vec<Endpoint> {
        let mut merged: BTreeMap<Key, Endpoint> = BTreeMap::new();
        // Mirror index → the public hosts it replaced.
        let mut replaced: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        // Endpoint → the mirrors it stands for.
        let mut stands_for: BTreeMap<Key, BTreeSet<usize>> = BTreeMap::new();
        for endpoint in endpoints {
            let mirrored = knowledge
                .lookup(&endpoint.host)
                .and_then(|entry| entry.replaced_by_mirror);
            let mut mirrors = self
                .mirrors
                .iter()
                .enumerate()
                .filter(|(_, mirror)| Some(mirror.ecosystem) == mirrored)
                .peekable();
            if mirrors.peek().is_none() {
                merge(&mut merged, endpoint);
                continue;
            }
            for (index, mirror) in mirrors {
                replaced
                    .entry(index)
                    .or_default()
                    .insert(endpoint.host.clone());
                let replacement = Endpoint {
                    host: mirror.remote.host.clone(),
                    port: mirror.remote.port,
                    scheme: mirror.remote.scheme.clone(),
                    ecosystem: endpoint.ecosystem,
                    kind: mirror_role(mirror.ecosystem).0,
                    purpose: String::new(),
                    evidence: endpoint.evidence.clone(),
                    knowledge: None,
                    service_domain: None,
                };
                stands_for
                    .entry(key(&replacement))
                    .or_default()
                    .insert(index);
                merge(&mut merged, replacement);
            }
        }
        // Purposes once every replaced host is known: the same sentence wherever the
        // mirror appears.
        for (key, indexes) in stands_for {
            let sentences: Vec<String> = indexes
                .into_iter()
                .map(|index| {
                    let mirror = &self.mirrors[index];
                    let ecosystem = mirror.ecosystem.as_str();
                    let hosts: Vec<&str> = replaced
                        .get(&index)
                        .into_iter()
                        .flatten()
                        .map(String::as_str)
                        .collect();
                    format!(
                        "organisation mirror for {ecosystem} ({}) at {}: all {} goes through it; it replaces {}",
                        self.path().unwrap_or(FILE_NAME),
                        mirror.remote.display,
                        mirror_role(mirror.ecosystem).1,
                        hosts.join(", ")
                    )
                })
                .collect();
            if let Some(endpoint) = merged.get_mut(&key) {
                endpoint.purpose = sentences.join("; ");
                endpoint.knowledge = None;
                endpoint.service_domain = None;
            }
        }
        merged.into_values().collect()
    }

    /// One warning naming every expected host no endpoint matches.
    fn unneeded_expectations(&self, endpoints: &[Endpoint]) -> Option<Diagnostic> {
        let unneeded: Vec<&HostPattern> = self
            .expect
            .iter()
            .filter(|expected| {
                !endpoints.iter().any(|endpoint| {
                    expected.covers(&endpoint.host)
                        || HostPattern {
                            pattern: endpoint.host.clone(),
                            at: expected.at.clone(),
                        }
                        .covers(&expected.pattern)
                })
            })
            .collect();
        let first = unneeded.first()?;
        let names: Vec<&str> = unneeded.iter().map(|host| host.pattern.as_str()).collect();
        let message = format!(
            "the policy expects {} host{} this scan does not need: {}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        );
        Some(
            self.diagnostic(Code::ExpectedHostUnused, first.at.clone(), &message)
                .with_help("check that the scan covers the whole project, or remove the host from `expect`"),
        )
    }

    fn diagnostic(&self, code: Code, at: Location, message: &str) -> Diagnostic {
        match &self.file {
            Some(file) => Diagnostic::at(code, file, at, message),
            None => Diagnostic::new(code, at, message),
        }
    }
}

/// A denied need at its evidence, with the source line that needs it.
fn denied_need(
    host: &str,
    pattern: &HostPattern,
    evidence: &Evidence,
    excerpts: &BTreeMap<String, Excerpt>,
) -> Diagnostic {
    let location = Location::new(evidence.path.clone(), evidence.line, 1);
    let mut diagnostic = Diagnostic::new(
        Code::DeniedHost,
        location,
        format!(
            "`{host}` is needed here, but the policy denies it (`{}` at {}); no rule allows it",
            pattern.pattern, pattern.at
        ),
    )
    .with_help("remove or replace the dependency, or ask for the host to be allowed");
    diagnostic.source_line = excerpts
        .get(&evidence.path)
        .and_then(|file| file.line_text(evidence.line))
        .map(crate::redact::text);
    diagnostic
}

type Key = (Ecosystem, String, u16);

fn key(endpoint: &Endpoint) -> Key {
    (endpoint.ecosystem, endpoint.host.clone(), endpoint.port)
}

/// Adds an endpoint, merging with one of the same ecosystem, host and port (the lower
/// kind wins, as in `resolve`).
fn merge(merged: &mut BTreeMap<Key, Endpoint>, endpoint: Endpoint) {
    match merged.get_mut(&key(&endpoint)) {
        Some(existing) => {
            existing.evidence.extend(endpoint.evidence);
            existing.kind = existing.kind.min(endpoint.kind);
        }
        None => {
            merged.insert(key(&endpoint), endpoint);
        }
    }
}

const CLOUDS: [(&str, Cloud); 3] = [
    ("public", Cloud::Public),
    ("china", Cloud::China),
    ("usgov", Cloud::UsGov),
];

const NETWORKS: [(&str, NetworkMode); 3] = [
    ("managed", NetworkMode::Managed),
    ("customer-managed", NetworkMode::CustomerManaged),
    ("hybrid", NetworkMode::Hybrid),
];

const WILDCARDS: [(&str, Wildcards); 2] = [
    ("exact", Wildcards::Exact),
    ("collapse", Wildcards::Collapse),
];

/// One of a fixed set of words, or an error naming them.
fn choice<T: Copy>(
    file: &SourceFile,
    value: Option<&Spanned<String>>,
    key: &str,
    choices: &[(&str, T)],
) -> Result<Option<T>, PolicyError> {
    let Some(value) = value else {
        return Ok(None);
    };
    choices
        .iter()
        .find(|(name, _)| *name == value.get_ref())
        .map(|(_, choice)| Some(*choice))
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            PolicyError {
                location: file.location(value.span().start),
                message: format!(
                    "`generate.{key}` is one of {}, not `{}`",
                    names.join(", "),
                    value.get_ref()
                ),
            }
        })
}

/// A host name or `*.suffix`, lower case (checked on the reversed form, the one the
/// knowledge base validates).
fn is_host_pattern(pattern: &str) -> bool {
    host::is_valid_reversed(&host::reverse(pattern))
}

/// 1 to [`MAX_RULE_PREFIX`] characters that may start and continue an Azure rule name.
pub fn is_valid_rule_prefix(prefix: &str) -> bool {
    (1..=MAX_RULE_PREFIX).contains(&prefix.len())
        && prefix.starts_with(|c: char| c.is_ascii_alphanumeric())
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests;
