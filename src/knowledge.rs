//! The knowledge base: which hosts a package source really needs, and why. Reviewed
//! TOML files in `knowledge/` are compiled in with `include_str!`; `--knowledge FILE`
//! adds a user file in the same format. Every entry carries an id, a purpose sentence,
//! its ports and a source URL saying where the fact comes from. Hosts are stored
//! reverse-labelled (see [`crate::host`]).
//!
//! Two kinds of entries:
//! - `[[endpoint]]`: a host (or a documented wildcard for rotating subdomains) with the
//!   `companions` that are always needed with it (an index and the host serving its
//!   files);
//! - `[[trigger]]`: extra endpoints needed when a URL on a host has a given path (a
//!   GitHub release download redirects to the release-asset hosts).
//!
//! `[[shared-suffix]]` lists shared-hosting domains under which a wildcard is never
//! allowed (`*.blob.core.windows.net` would open every storage account on earth).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use thiserror::Error;

use crate::host;
use crate::model::{Ecosystem, Kind};

/// The embedded files, with the names used in error messages.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "knowledge/conda.toml",
        include_str!("../knowledge/conda.toml"),
    ),
    (
        "knowledge/containers.toml",
        include_str!("../knowledge/containers.toml"),
    ),
    (
        "knowledge/dotnet.toml",
        include_str!("../knowledge/dotnet.toml"),
    ),
    (
        "knowledge/git-hosting.toml",
        include_str!("../knowledge/git-hosting.toml"),
    ),
    ("knowledge/go.toml", include_str!("../knowledge/go.toml")),
    (
        "knowledge/java.toml",
        include_str!("../knowledge/java.toml"),
    ),
    (
        "knowledge/julia.toml",
        include_str!("../knowledge/julia.toml"),
    ),
    ("knowledge/npm.toml", include_str!("../knowledge/npm.toml")),
    (
        "knowledge/os-packages.toml",
        include_str!("../knowledge/os-packages.toml"),
    ),
    (
        "knowledge/python.toml",
        include_str!("../knowledge/python.toml"),
    ),
    ("knowledge/r.toml", include_str!("../knowledge/r.toml")),
    (
        "knowledge/ruby.toml",
        include_str!("../knowledge/ruby.toml"),
    ),
    (
        "knowledge/runtime.toml",
        include_str!("../knowledge/runtime.toml"),
    ),
    (
        "knowledge/rust.toml",
        include_str!("../knowledge/rust.toml"),
    ),
    (
        "knowledge/shared-hosting.toml",
        include_str!("../knowledge/shared-hosting.toml"),
    ),
];

/// The review date as a literal, so that [`VERSION`] is built at compile time.
macro_rules! reviewed {
    () => {
        "2026-11-27"
    };
}

/// The date the embedded knowledge was last reviewed (`YYYY-MM-DD`); bump it whenever
/// `knowledge/*.toml` is reviewed against its sources.
pub const REVIEWED: &str = reviewed!();

/// What `pkgallow --version` prints after the name: the release and how fresh the
/// knowledge base is, since the hosts a package source needs change over time.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (knowledge base reviewed ",
    reviewed!(),
    ")"
);

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct KnowledgeFile {
    #[serde(default)]
    endpoint: Vec<EndpointEntry>,
    #[serde(default)]
    trigger: Vec<TriggerEntry>,
    #[serde(default)]
    shared_suffix: Vec<SharedSuffix>,
    #[serde(default)]
    runtime: Vec<RuntimeEntry>,
}

/// A library that downloads when the code runs, and from where.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuntimeEntry {
    pub id: String,
    pub purpose: String,
    /// Normalised package names whose presence as a dependency means the downloads
    /// happen; empty when only calls in code reveal them.
    pub packages: Vec<String>,
    /// Endpoint ids the library contacts.
    pub endpoints: Vec<String>,
    /// An environment variable whose URL replaces the endpoints (a mirror).
    #[serde(default)]
    pub endpoint_variable: Option<String>,
    /// Variables that stop the downloads when set to a true value.
    #[serde(default)]
    pub offline_variables: Vec<String>,
    /// Reverse-labelled domain under which every customer has its own host: only a host
    /// the code names can be reported.
    #[serde(default)]
    pub per_resource: Option<String>,
    pub source: String,
}

/// A host and why it is needed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EndpointEntry {
    pub id: String,
    /// Reverse-labelled host; a last label `*` makes it a wildcard.
    pub host: String,
    #[serde(default = "default_ports")]
    pub ports: Vec<u16>,
    #[serde(default = "default_scheme")]
    pub scheme: String,
    /// Needed only for `default-index` entries; shared hosts (git hosting) serve every
    /// ecosystem and take the ecosystem of whatever needs them.
    #[serde(default)]
    pub ecosystem: Option<Ecosystem>,
    pub kind: KindName,
    pub purpose: String,
    pub source: String,
    #[serde(default)]
    pub companions: Vec<String>,
    /// Marks the ecosystem's default index, used when nothing replaces it.
    #[serde(default)]
    pub default_index: bool,
    /// With `default-index`: the package managers whose own default this is, where they
    /// differ from the rest of the ecosystem (yarn's registry host, Gradle's plugin portal).
    #[serde(default)]
    pub installers: Vec<crate::model::Installer>,
    /// Required for wildcard hosts: why exact names cannot work.
    #[serde(default)]
    pub wildcard_reason: Option<String>,
    /// Reverse-labelled domain whose subdomains are all this same service, so that
    /// `generate --wildcards collapse` may group its hosts under `*.domain`. Never a
    /// shared-hosting domain.
    #[serde(default)]
    pub service_domain: Option<String>,
    /// The ecosystem whose organisation mirror (a policy's `[[mirrors]]`, see
    /// [`crate::policy`]) replaces this public host: the default index, the host serving
    /// its files, their aliases.
    #[serde(default)]
    pub replaced_by_mirror: Option<Ecosystem>,
    /// Who owns this Azure resource, when it is a third party's (a library publisher's
    /// public storage account): `generate` cannot suggest a private endpoint to it, which
    /// only its owner could approve, and says so instead.
    #[serde(default)]
    pub owned_by: Option<String>,
}

/// Extra endpoints needed for URLs on a host whose path contains a string.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TriggerEntry {
    pub id: String,
    pub host: String,
    pub path_contains: String,
    pub adds: Vec<String>,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SharedSuffix {
    /// Reverse-labelled suffix, e.g. `net.windows.core.blob`.
    pub suffix: String,
    pub purpose: String,
    pub source: String,
}

/// A kind as written in TOML (`index`, `files`, …).
#[derive(Debug, Clone, Copy)]
pub struct KindName(pub Kind);

impl<'de> Deserialize<'de> for KindName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Kind::parse(&text)
            .map(KindName)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown kind `{text}`")))
    }
}

fn default_ports() -> Vec<u16> {
    vec![443]
}

fn default_scheme() -> String {
    "https".to_string()
}

/// A knowledge file that cannot be used.
#[derive(Debug, Error)]
pub enum KnowledgeError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: entry `{id}`: {message}")]
    Invalid {
        file: String,
        id: String,
        message: String,
    },
}

/// The loaded, validated knowledge base.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    endpoints: Vec<EndpointEntry>,
    by_id: HashMap<String, usize>,
    /// Reverse-labelled exact host → entry index.
    by_host: BTreeMap<String, usize>,
    /// Reverse-labelled wildcard suffix (without `.*`) → entry index.
    by_wildcard: BTreeMap<String, usize>,
    triggers: Vec<TriggerEntry>,
    shared: Vec<SharedSuffix>,
    runtimes: Vec<RuntimeEntry>,
}

impl Knowledge {
    /// The embedded knowledge base.
    pub fn embedded() -> Result<Self, KnowledgeError> {
        Self::load(&[])
    }

    /// The embedded knowledge plus user files given as (name, text).
    pub fn load(extra: &[(String, String)]) -> Result<Self, KnowledgeError> {
        let mut knowledge = Knowledge::default();
        let files = EMBEDDED
            .iter()
            .map(|(name, text)| ((*name).to_string(), (*text).to_string()))
            .chain(extra.iter().cloned());
        let mut parsed = Vec::new();
        for (name, text) in files {
            let file: KnowledgeFile =
                toml_edit::de::from_str(&text).map_err(|error| KnowledgeError::Syntax {
                    file: name.clone(),
                    message: error.to_string().trim().replace('\n', " "),
                })?;
            parsed.push((name, file));
        }
        for (name, file) in &parsed {
            knowledge.shared.extend(file.shared_suffix.iter().cloned());
            for entry in &file.endpoint {
                if knowledge.by_id.contains_key(&entry.id) {
                    return Err(invalid(name, &entry.id, "the id is used twice"));
                }
                knowledge
                    .by_id
                    .insert(entry.id.clone(), knowledge.endpoints.len());
                knowledge.endpoints.push(entry.clone());
            }
            knowledge.triggers.extend(file.trigger.iter().cloned());
            for entry in &file.runtime {
                if knowledge.runtime(&entry.id).is_some() {
                    return Err(invalid(name, &entry.id, "the id is used twice"));
                }
                knowledge.runtimes.push(entry.clone());
            }
        }
        for (name, file) in &parsed {
            for entry in &file.endpoint {
                knowledge.validate_endpoint(name, entry)?;
                let index = knowledge.by_id[&entry.id];
                let map = match entry.host.strip_suffix(".*") {
                    Some(suffix) => knowledge.by_wildcard.insert(suffix.to_string(), index),
                    None => knowledge.by_host.insert(entry.host.clone(), index),
                };
                if map.is_some() {
                    return Err(invalid(name, &entry.id, "another entry has the same host"));
                }
            }
            for trigger in &file.trigger {
                knowledge.validate_trigger(name, trigger)?;
            }
            for entry in &file.runtime {
                knowledge.validate_runtime(name, entry)?;
            }
            for shared in &file.shared_suffix {
                if !host::is_valid_reversed(&shared.suffix) || shared.suffix.ends_with('*') {
                    return Err(invalid(
                        name,
                        &shared.suffix,
                        "not a reverse-labelled suffix",
                    ));
                }
                check_source(name, &shared.suffix, &shared.source)?;
            }
        }
        Ok(knowledge)
    }

    fn validate_endpoint(&self, file: &str, entry: &EndpointEntry) -> Result<(), KnowledgeError> {
        let fail = |message: &str| Err(invalid(file, &entry.id, message));
        if !is_valid_id(&entry.id) {
            return fail("ids are lower-case kebab-case");
        }
        if !host::is_valid_reversed(&entry.host) || host::looks_forward(&entry.host) {
            return fail("`host` must be reverse-labelled (`org.example.www`, or `org.example.*`)");
        }
        if entry.ports.is_empty() {
            return fail("`ports` is empty");
        }
        if entry.purpose.trim().is_empty() {
            return fail("`purpose` is empty");
        }
        if entry.default_index && entry.ecosystem.is_none() {
            return fail("a `default-index` entry needs `ecosystem`");
        }
        if !entry.installers.is_empty() && !entry.default_index {
            return fail("`installers` is only meaningful on a `default-index` entry");
        }
        check_source(file, &entry.id, &entry.source)?;
        if entry.host.ends_with(".*") {
            if entry
                .wildcard_reason
                .as_deref()
                .is_none_or(|reason| reason.trim().is_empty())
            {
                return fail("a wildcard host needs `wildcard-reason`");
            }
            let suffix = entry.host.trim_end_matches(".*");
            if let Some(shared) = self.shared_suffix_of(suffix) {
                return Err(invalid(
                    file,
                    &entry.id,
                    &format!(
                        "a wildcard over the shared-hosting domain `{}` would allow every tenant",
                        host::reverse(&shared.suffix)
                    ),
                ));
            }
        }
        if let Some(domain) = &entry.service_domain {
            let concrete = entry.host.trim_end_matches(".*");
            if !host::is_valid_reversed(domain)
                || domain.ends_with('*')
                || !concrete.starts_with(&format!("{domain}."))
            {
                return fail(
                    "`service-domain` must be a reverse-labelled domain the host is under",
                );
            }
            if self.shared_suffix_of(domain).is_some() {
                return fail("`service-domain` may not be a shared-hosting domain");
            }
        }
        if let Some(owner) = &entry.owned_by
            && (owner.trim().is_empty()
                || crate::plan::private_endpoint_target(&host::reverse(&entry.host)).is_none())
        {
            return fail(
                "`owned-by` names the owner of an Azure resource a private endpoint would reach",
            );
        }
        for companion in &entry.companions {
            if !self.by_id.contains_key(companion) {
                return fail(&format!("companion `{companion}` does not exist"));
            }
        }
        Ok(())
    }

    fn validate_trigger(&self, file: &str, trigger: &TriggerEntry) -> Result<(), KnowledgeError> {
        if !is_valid_id(&trigger.id) || !host::is_valid_reversed(&trigger.host) {
            return Err(invalid(file, &trigger.id, "invalid id or host"));
        }
        check_source(file, &trigger.id, &trigger.source)?;
        for added in &trigger.adds {
            if !self.by_id.contains_key(added) {
                return Err(invalid(
                    file,
                    &trigger.id,
                    &format!("`{added}` does not exist"),
                ));
            }
        }
        Ok(())
    }

    fn validate_runtime(&self, file: &str, entry: &RuntimeEntry) -> Result<(), KnowledgeError> {
        let fail = |message: &str| Err(invalid(file, &entry.id, message));
        if !is_valid_id(&entry.id) {
            return fail("ids are lower-case kebab-case");
        }
        if entry.purpose.trim().is_empty() {
            return fail("`purpose` is empty");
        }
        check_source(file, &entry.id, &entry.source)?;
        for package in &entry.packages {
            if *package != crate::model::normalise_package(package) || package.is_empty() {
                return fail(&format!(
                    "package `{package}` is not a normalised name (lower case, `-`)"
                ));
            }
        }
        for id in &entry.endpoints {
            if !self.by_id.contains_key(id) {
                return fail(&format!("endpoint `{id}` does not exist"));
            }
        }
        let variables = entry
            .endpoint_variable
            .iter()
            .chain(&entry.offline_variables);
        for variable in variables {
            if variable.is_empty()
                || !variable
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            {
                return fail(&format!("`{variable}` is not an environment variable name"));
            }
        }
        if let Some(domain) = &entry.per_resource
            && (!host::is_valid_reversed(domain) || domain.ends_with('*'))
        {
            return fail("`per-resource` must be a reverse-labelled domain");
        }
        if entry.endpoints.is_empty() && entry.per_resource.is_none() {
            return fail("a runtime entry needs `endpoints` or `per-resource`");
        }
        Ok(())
    }

    /// A run-time download entry by id.
    pub fn runtime(&self, id: &str) -> Option<&RuntimeEntry> {
        self.runtimes.iter().find(|entry| entry.id == id)
    }

    /// Every run-time download entry, in file order.
    pub fn runtimes(&self) -> &[RuntimeEntry] {
        &self.runtimes
    }

    /// The entry for a forward host: exact first, then the longest wildcard covering it.
    pub fn lookup(&self, forward_host: &str) -> Option<&EndpointEntry> {
        let reversed = host::reverse(forward_host);
        if let Some(&index) = self.by_host.get(&reversed) {
            return Some(&self.endpoints[index]);
        }
        // Longest covering wildcard: walk the suffixes from the longest.
        let labels: Vec<&str> = reversed.split('.').collect();
        (1..labels.len())
            .rev()
            .find_map(|end| self.by_wildcard.get(&labels[..end].join(".")))
            .map(|&index| &self.endpoints[index])
    }

    pub fn get(&self, id: &str) -> Option<&EndpointEntry> {
        self.by_id.get(id).map(|&index| &self.endpoints[index])
    }

    /// The default index of an ecosystem.
    pub fn default_index(&self, ecosystem: Ecosystem) -> Option<&EndpointEntry> {
        self.endpoints.iter().find(|entry| {
            entry.default_index && entry.ecosystem == Some(ecosystem) && entry.installers.is_empty()
        })
    }

    /// The default index of one package manager: its own where the knowledge base names
    /// one, else its ecosystem's.
    pub fn default_index_for(&self, installer: crate::model::Installer) -> Option<&EndpointEntry> {
        self.endpoints
            .iter()
            .find(|entry| entry.default_index && entry.installers.contains(&installer))
            .or_else(|| self.default_index(installer.ecosystem()))
    }

    /// Triggers that fire for a URL on `forward_host` with `path`.
    pub fn triggers<'a>(
        &'a self,
        forward_host: &str,
        path: &'a str,
    ) -> impl Iterator<Item = &'a TriggerEntry> + 'a {
        let reversed = host::reverse(forward_host);
        self.triggers.iter().filter(move |trigger| {
            trigger.host == reversed && path.contains(&trigger.path_contains)
        })
    }

    /// The shared-hosting suffix a reverse-labelled host falls under, if any.
    pub fn shared_suffix_of(&self, reversed: &str) -> Option<&SharedSuffix> {
        self.shared.iter().find(|shared| {
            reversed == shared.suffix
                || reversed
                    .strip_prefix(shared.suffix.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// Every shared-hosting suffix (for `audit`'s wildcard checks).
    pub fn shared_suffixes(&self) -> &[SharedSuffix] {
        &self.shared
    }

    pub fn endpoints(&self) -> &[EndpointEntry] {
        &self.endpoints
    }
}

impl EndpointEntry {
    /// The host written forward (`*.example.org` for wildcards).
    pub fn forward_host(&self) -> String {
        host::reverse(&self.host)
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_source(file: &str, id: &str, source: &str) -> Result<(), KnowledgeError> {
    if source.starts_with("https://") && !source.contains(char::is_whitespace) {
        Ok(())
    } else {
        Err(invalid(
            file,
            id,
            "`source` must be an https:// URL saying where the fact comes from",
        ))
    }
}

fn invalid(file: &str, id: &str, message: &str) -> KnowledgeError {
    KnowledgeError::Invalid {
        file: file.to_string(),
        id: id.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewed_is_a_calendar_date_shown_in_the_version() {
        let parts: Vec<u32> = REVIEWED
            .split('-')
            .map(|part| part.parse().unwrap())
            .collect();
        assert_eq!(REVIEWED.len(), 10, "{REVIEWED} is not YYYY-MM-DD");
        assert!(
            parts.len() == 3
                && (2024..2100).contains(&parts[0])
                && (1..=12).contains(&parts[1])
                && (1..=31).contains(&parts[2]),
            "{REVIEWED} is not YYYY-MM-DD"
        );
        assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")));
        assert!(VERSION.ends_with(&format!("(knowledge base reviewed {REVIEWED})")));
    }

    #[test]
    fn embedded_knowledge_is_valid() {
        Knowledge::embedded().expect("embedded knowledge loads");
    }

    /// Reviewers read the files as lists: keep each sorted by id, and ids unique.
    #[test]
    fn embedded_files_are_sorted() {
        for (name, text) in EMBEDDED {
            let file: KnowledgeFile = toml_edit::de::from_str(text).unwrap();
            let ids: Vec<&str> = file
                .endpoint
                .iter()
                .map(|entry| entry.id.as_str())
                .collect();
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                ids, sorted,
                "{name}: endpoints must be sorted by id and unique"
            );
            let triggers: Vec<&str> = file.trigger.iter().map(|entry| entry.id.as_str()).collect();
            let mut sorted = triggers.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                triggers, sorted,
                "{name}: triggers must be sorted by id and unique"
            );
            let runtimes: Vec<&str> = file.runtime.iter().map(|entry| entry.id.as_str()).collect();
            let mut sorted = runtimes.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                runtimes, sorted,
                "{name}: runtime entries must be sorted by id and unique"
            );
            for entry in &file.runtime {
                let mut sorted = entry.packages.clone();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(entry.packages, sorted, "{name}: `{}` packages", entry.id);
                let mut sorted = entry.endpoints.clone();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(entry.endpoints, sorted, "{name}: `{}` endpoints", entry.id);
            }
            let suffixes: Vec<&str> = file
                .shared_suffix
                .iter()
                .map(|entry| entry.suffix.as_str())
                .collect();
            let mut sorted = suffixes.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                suffixes, sorted,
                "{name}: shared suffixes must be sorted and unique"
            );
        }
    }

    /// A knowledge file that is not embedded is knowledge nobody uses.
    #[test]
    fn every_knowledge_file_is_embedded() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        let mut on_disk: Vec<String> = std::fs::read_dir(directory)
            .unwrap()
            .map(|entry| format!("knowledge/{}", entry.unwrap().file_name().to_string_lossy()))
            .filter(|name| {
                std::path::Path::new(name)
                    .extension()
                    .is_some_and(|extension| extension == "toml")
            })
            .collect();
        on_disk.sort();
        // Files with another schema, loaded by their own modules.
        on_disk.retain(|name| name != "knowledge/azureml-core.toml");
        let embedded: Vec<String> = EMBEDDED
            .iter()
            .map(|(name, _)| (*name).to_string())
            .collect();
        assert_eq!(
            on_disk, embedded,
            "EMBEDDED must list every knowledge file, sorted"
        );
    }

    #[test]
    fn default_python_index_has_its_files_host() {
        let knowledge = Knowledge::embedded().unwrap();
        let index = knowledge.default_index(Ecosystem::Python).unwrap();
        assert_eq!(index.companions.len(), 1);
        let files = knowledge.get(&index.companions[0]).unwrap();
        assert_ne!(files.host, index.host);
        assert_eq!(files.kind.0, Kind::Files);
    }

    #[test]
    fn user_files_are_checked() {
        let bad_host = r#"
[[endpoint]]
id = "mine"
host = "cdn.example.com"
kind = "files"
purpose = "x"
source = "https://example.com"
"#;
        let error = Knowledge::load(&[("mine.toml".into(), bad_host.into())]).unwrap_err();
        assert!(error.to_string().contains("reverse-labelled"), "{error}");

        let unknown_key = "[[endpoint]]\nid = \"x\"\nhots = \"com.example\"\n";
        let error = Knowledge::load(&[("mine.toml".into(), unknown_key.into())]).unwrap_err();
        assert!(error.to_string().contains("mine.toml"), "{error}");
        assert!(error.to_string().contains("hots"), "{error}");

        let shared_wildcard = r#"
[[endpoint]]
id = "all-blobs"
host = "net.windows.core.blob.*"
kind = "files"
purpose = "x"
source = "https://example.com"
wildcard-reason = "lazy"
"#;
        let error = Knowledge::load(&[("mine.toml".into(), shared_wildcard.into())]).unwrap_err();
        assert!(error.to_string().contains("shared-hosting"), "{error}");
    }

    #[test]
    fn service_domains_are_checked() {
        let shared = r#"
[[endpoint]]
id = "pages"
host = "io.github.someone"
kind = "files"
purpose = "x"
source = "https://example.com"
service-domain = "io.github"
"#;
        let error = Knowledge::load(&[("mine.toml".into(), shared.into())]).unwrap_err();
        assert!(error.to_string().contains("shared-hosting"), "{error}");
        let outside = shared
            .replace("io.github.someone", "com.example.cdn")
            .replace("\"io.github\"", "\"com.other\"");
        let error = Knowledge::load(&[("mine.toml".into(), outside)]).unwrap_err();
        assert!(error.to_string().contains("under"), "{error}");
    }

    /// `owned-by` is only for a resource a private endpoint would reach, and names someone.
    #[test]
    fn owners_are_checked() {
        let entry = r#"
[[endpoint]]
id = "theirs"
host = "net.windows.core.blob.theirs"
kind = "runtime"
purpose = "x"
source = "https://example.com"
owned-by = "Someone"
"#;
        assert!(Knowledge::load(&[("mine.toml".into(), entry.into())]).is_ok());
        for wrong in [
            entry.replace("net.windows.core.blob.theirs", "com.example.cdn"),
            entry.replace("\"Someone\"", "\" \""),
        ] {
            let error = Knowledge::load(&[("mine.toml".into(), wrong)]).unwrap_err();
            assert!(error.to_string().contains("owned-by"), "{error}");
        }
    }

    #[test]
    fn wildcard_lookup_prefers_exact_then_longest() {
        let text = r#"
[[endpoint]]
id = "cdn-any"
host = "com.example.cdn.*"
kind = "files"
purpose = "rotating CDN"
source = "https://example.com"
wildcard-reason = "numbered shards"
"#;
        let knowledge = Knowledge::load(&[("x.toml".into(), text.into())]).unwrap();
        assert_eq!(
            knowledge.lookup("a7.cdn.example.com").unwrap().id,
            "cdn-any"
        );
        assert!(knowledge.lookup("cdn.example.com").is_none());
    }
}
