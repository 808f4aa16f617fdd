//! `generate azureml-yaml --merge FILE`: pkgallow's FQDN rules inserted into an existing
//! workspace YAML, with every byte of the rest of the file kept: other keys, their
//! order, comments, quoting, blank lines and line endings. Pure: text and plan in, text
//! and a report out; `commands::generate` reads and writes the files.
//!
//! How: the file is parsed with `saphyr` (YAML 1.2, with the position of every node) to
//! validate it and to find `managed_network`, its `isolation_mode` and `outbound_rules`,
//! and the rules already there. The edit itself is textual: whole lines are inserted, and
//! an empty value written on a key's line (`outbound_rules: []`, `managed_network: {}`,
//! `null`, `~`) is removed when the block that replaces it is inserted below; nothing
//! else changes. The result is then parsed again and compared with the original
//! (every other key equal, the user's rules equal and in place, ours appended); a
//! mismatch is an internal error and nothing is written.
//!
//! Decisions:
//! - A host an existing FQDN rule already allows is *kept*, not added: an exact rule, or a
//!   wildcard that covers it under Azure Firewall semantics ([`crate::host::allows`]:
//!   `*.x.org` covers `a.x.org` and `*.a.x.org`, never `x.org`). A destination holding
//!   a comma-separated list counts for each of its names.
//! - The user's rules are never changed, reordered or dropped. A rule of ours whose name
//!   is already taken (Azure names are unique per workspace; compared case-insensitively)
//!   is renamed `NAME-pkgallow`, trimmed to Azure's 33 characters (`-pkgallow2`, … if
//!   that is taken too), and the report says so.
//! - New items take the indentation of the existing items (the column of their `-` and of
//!   their keys). In a new or empty list they are written like the normal output: `-`
//!   under the `o` of `outbound_rules:`. Each gets the same purpose and evidence comments
//!   as in the normal output.
//! - No `managed_network`: one is appended at the end of the file with
//!   `isolation_mode: allow_only_approved_outbound`. A `managed_network` without
//!   `isolation_mode` gets that line too (the loader cannot read a managed network
//!   without one). Both are reported.
//! - `isolation_mode: allow_internet_outbound` or `disabled` is left alone and the rules
//!   are still inserted, with a warning that FQDN rules only apply under
//!   `allow_only_approved_outbound`. Switching modes provisions a billed firewall and
//!   cannot be undone, so it is the user's call; dropping the rules instead would hide
//!   what the project needs; and the file still loads (the loader does not check rule
//!   types against the mode).
//! - Nothing to add (every host already allowed, or no host at all): the file comes back
//!   unchanged; in particular no empty `managed_network` is created, which would lock a
//!   workspace down with no rules.
//! - Private-endpoint suggestions and hosts no FQDN rule can serve are reported, not
//!   written: a private-endpoint rule needs a subscription and resource group no
//!   repository knows, and a commented-out suggestion could not be recognised by a later
//!   merge, which would add it again. So a second merge adds nothing: merging is
//!   idempotent.
//! - Refused, with the line and column: text that is not YAML; YAML that is not one
//!   workspace (not a mapping, no `name:`, another Azure ML schema in `$schema`, or keys
//!   only jobs, components, environments, assets or endpoints have); a non-empty
//!   `managed_network` or `outbound_rules` written in flow style (`[…]`, `{…}`); aliases
//!   there; lone carriage returns as line breaks.

use std::collections::BTreeSet;
use std::fmt;

use saphyr::{LoadableYamlNode, MarkedYamlOwned, Marker, ScalarOwned, YamlDataOwned};

use super::write_rule;
use crate::plan::{Plan, Rule};

/// The only isolation mode in which FQDN rules apply.
const APPROVED_ONLY: &str = "allow_only_approved_outbound";

/// Azure's longest rule name (`^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`).
const MAX_RULE_NAME: usize = 33;

/// Appended to a rule name the file already uses.
const RENAME_SUFFIX: &str = "-pkgallow";

/// Top-level keys that other Azure ML YAML files have and a workspace's does not (the
/// workspace schema of azure-ai-ml 1.35 has none of them; hubs and projects use `kind`),
/// with what has them.
const FOREIGN_KEYS: [(&str, &str); 13] = [
    (
        "type",
        "jobs, components, computes, datastores, connections and endpoints",
    ),
    ("command", "command jobs and components"),
    ("jobs", "pipeline jobs"),
    ("inputs", "jobs and components"),
    ("outputs", "jobs and components"),
    ("code", "jobs, components and deployments"),
    ("environment", "jobs, components and deployments"),
    ("compute", "jobs"),
    ("image", "environments"),
    ("conda_file", "environments"),
    ("path", "data and model assets"),
    ("endpoint_name", "deployments"),
    ("auth_mode", "endpoints"),
];

/// Why a file cannot be merged into. Lines and columns are 1-based.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("not valid YAML: {message}")]
    InvalidYaml {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("not a workspace YAML: {reason}")]
    NotWorkspace {
        line: usize,
        column: usize,
        reason: String,
    },
    #[error(
        "{what} is written in flow style ([…] or {{…}}); --merge edits block style only: write one `- name: …` item per rule and one key per line"
    )]
    FlowStyle {
        line: usize,
        column: usize,
        what: String,
    },
    #[error("cannot merge: {reason}")]
    Unsupported {
        line: usize,
        column: usize,
        reason: String,
    },
    #[error(
        "internal error: the merged YAML does not read back as expected ({detail}); nothing was written"
    )]
    Internal { detail: String },
}

impl MergeError {
    /// Where in the file the problem is: 1-based line and column.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            MergeError::InvalidYaml { line, column, .. }
            | MergeError::NotWorkspace { line, column, .. }
            | MergeError::FlowStyle { line, column, .. }
            | MergeError::Unsupported { line, column, .. } => Some((*line, *column)),
            MergeError::Internal { .. } => None,
        }
    }
}

/// The merged file and what the merge did, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    pub text: String,
    pub notes: Vec<Note>,
}

/// One line of the merge report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// `--workspace-name` differs from the file's `name:`, which wins.
    WorkspaceNameIgnored {
        requested: String,
        actual: String,
        line: usize,
    },
    /// The file had no `managed_network`; one was appended.
    AddedManagedNetwork,
    /// `managed_network` had no `isolation_mode`; approved-only was inserted.
    AddedIsolationMode,
    /// The isolation mode is not approved-only, so FQDN rules are not enforced.
    IsolationNotApproved { mode: String, line: usize },
    /// A rule was appended, under another name when `renamed_from` is set.
    Added {
        name: String,
        destination: String,
        renamed_from: Option<Clash>,
    },
    /// The destination is already allowed by the file's rule `by_name`.
    Kept {
        destination: String,
        by_name: String,
        by_destination: String,
    },
    /// A private endpoint the project needs is already in the file.
    PrivateEndpointKept {
        host: String,
        by_name: String,
        resource: String,
    },
    /// A private endpoint the project needs, not written (see the module doc).
    PrivateEndpointSuggested {
        host: String,
        name: String,
        resource: String,
        subresource: String,
    },
    /// A host no FQDN rule can serve.
    NotARule { host: String, reason: String },
    /// Nothing was added; the file is unchanged.
    NothingAdded { found_rules: bool },
}

/// The name pkgallow wanted and the rule that already has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    pub wanted: String,
    /// The file's rule with that name, as a phrase (`-> api.github.com`); `None` when
    /// another rule of this merge took it.
    pub holder: Option<String>,
}

impl Note {
    /// Warnings are printed as `warning: FILE:LINE: …`.
    pub fn warning_line(&self) -> Option<usize> {
        match self {
            Note::WorkspaceNameIgnored { line, .. } | Note::IsolationNotApproved { line, .. } => {
                Some(*line)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::WorkspaceNameIgnored {
                requested, actual, ..
            } => write!(
                f,
                "--workspace-name {requested} is ignored: the merged file names the workspace {actual}"
            ),
            Note::AddedManagedNetwork => write!(
                f,
                "added managed_network with isolation_mode {APPROVED_ONLY} (the file had none); the first FQDN rule provisions a managed Azure Firewall, which is billed"
            ),
            Note::AddedIsolationMode => write!(
                f,
                "added isolation_mode: {APPROVED_ONLY} to managed_network (it had none, and the loader requires one)"
            ),
            Note::IsolationNotApproved { mode, .. } => write!(
                f,
                "isolation_mode is {mode}, and FQDN rules apply only under {APPROVED_ONLY}: the rules were added, but Azure enforces them only once you switch (which provisions a billed firewall and cannot be undone, so pkgallow leaves it to you)"
            ),
            Note::Added {
                name,
                destination,
                renamed_from: None,
            } => write!(f, "added rule {name} -> {destination}"),
            Note::Added {
                name,
                destination,
                renamed_from: Some(clash),
            } => match &clash.holder {
                Some(holder) => write!(
                    f,
                    "added rule {name} -> {destination} (renamed: the file already has a rule {} {holder})",
                    clash.wanted
                ),
                None => write!(
                    f,
                    "added rule {name} -> {destination} (renamed: another rule added here took {})",
                    clash.wanted
                ),
            },
            Note::Kept {
                destination,
                by_name,
                by_destination,
            } => write!(
                f,
                "kept {destination}: already allowed by the file's rule {by_name} -> {by_destination}"
            ),
            Note::PrivateEndpointKept {
                host,
                by_name,
                resource,
            } => write!(
                f,
                "kept {host}: the file's private-endpoint rule {by_name} reaches {resource}"
            ),
            Note::PrivateEndpointSuggested {
                host,
                name,
                resource,
                subresource,
            } => write!(
                f,
                "not added: {host} needs a private-endpoint rule ({name}: {resource}, subresource {subresource}) with your subscription and resource group; run without --merge to see it written out"
            ),
            Note::NotARule { host, reason } => write!(f, "not a rule: {host} {reason}"),
            Note::NothingAdded { found_rules: true } => write!(
                f,
                "nothing added: the file's rules already allow every host that needs an FQDN rule; it is unchanged"
            ),
            Note::NothingAdded { found_rules: false } => write!(
                f,
                "nothing added: the scan found no host that needs an FQDN rule; the file is unchanged"
            ),
        }
    }
}

/// A workspace YAML, parsed and checked, ready to merge into.
#[derive(Debug)]
pub struct Workspace<'a> {
    /// A byte-order mark, kept in front of the output.
    bom: &'a str,
    source: Source<'a>,
    root: MarkedYamlOwned,
    name: Option<(String, usize)>,
    root_indent: usize,
    indent_unit: usize,
    network: Option<Network>,
}

/// `managed_network` as found.
#[derive(Debug)]
struct Network {
    /// 0-based line of the key.
    key_line: usize,
    key_indent: usize,
    /// An empty value on the key's line, removed when children are inserted.
    empty_value: Option<Token>,
    /// Column of the children's keys; `None` when there are none.
    child_indent: Option<usize>,
    isolation: Option<(String, usize)>,
    rules: Option<RuleList>,
}

/// `outbound_rules` as found.
#[derive(Debug)]
struct RuleList {
    key_line: usize,
    key_indent: usize,
    empty_value: Option<Token>,
    /// Column of the existing items' `-` and of their keys; `None` when there are none.
    layout: Option<(usize, usize)>,
    existing: Vec<Existing>,
}

/// A byte range on one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Token {
    line: usize,
    start: usize,
    end: usize,
}

/// One of the user's rules.
#[derive(Debug)]
struct Existing {
    name: Option<String>,
    destination: Destination,
}

#[derive(Debug)]
enum Destination {
    Fqdn(String),
    ServiceTag(String),
    PrivateEndpoint {
        resource_id: String,
        subresource: String,
    },
    Unknown,
}

impl<'a> Workspace<'a> {
    /// Parses and checks a workspace YAML.
    pub fn parse(text: &'a str) -> Result<Self, MergeError> {
        let (bom, body) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (&text[..text.len() - rest.len()], rest),
            None => ("", text),
        };
        let source = Source::new(body);
        // saphyr and this module would count lines differently; such files are rare.
        if let Some(line) = source.lone_carriage_return() {
            return Err(MergeError::Unsupported {
                line: line + 1,
                column: 1,
                reason: "a carriage return without a line feed ends a line; convert the file to LF or CRLF line endings".into(),
            });
        }
        let mut documents =
            MarkedYamlOwned::load_from_str(body).map_err(|error| MergeError::InvalidYaml {
                line: error.marker().line(),
                column: error.marker().col() + 1,
                message: error.info().to_string(),
            })?;
        if let [_, second, ..] = documents.as_slice() {
            return Err(not_workspace(
                second.span.start.line(),
                second.span.start.col() + 1,
                &format!(
                    "it holds {} YAML documents; a workspace YAML is one",
                    documents.len()
                ),
            ));
        }
        let Some(root) = documents.pop() else {
            return Err(not_workspace(1, 1, "the file is empty"));
        };
        let YamlDataOwned::Mapping(map) = &root.data else {
            return Err(not_workspace(
                root.span.start.line(),
                root.span.start.col() + 1,
                &format!(
                    "the top level is {}, not a mapping of workspace fields",
                    describe(&root)
                ),
            ));
        };
        if source.char_at(root.span.start) == Some('{') {
            return Err(MergeError::FlowStyle {
                line: root.span.start.line(),
                column: root.span.start.col() + 1,
                what: "the workspace mapping".into(),
            });
        }
        if let Some((_, value)) = entry(map, "$schema")
            && let Some(schema) = scalar_text(value)
            && !is_workspace_schema(&schema)
        {
            return Err(not_workspace(
                value.span.start.line(),
                value.span.start.col() + 1,
                &format!("its $schema is {schema}, not the workspace schema"),
            ));
        }
        for key in map.keys() {
            if let Some(text) = key_text(key)
                && let Some((_, owners)) = FOREIGN_KEYS.iter().find(|(name, _)| *name == text)
            {
                return Err(not_workspace(
                    key.span.start.line(),
                    key.span.start.col() + 1,
                    &format!(
                        "it has a top-level `{text}:` key, which {owners} have and a workspace does not"
                    ),
                ));
            }
        }
        let Some((name_key, name_value)) = entry(map, "name") else {
            return Err(not_workspace(
                root.span.start.line(),
                root.span.start.col() + 1,
                "it has no top-level `name:` (the workspace name, which the loader requires)",
            ));
        };
        let name = scalar_text(name_value).map(|name| (name, name_key.span.start.line()));
        let root_indent = map.keys().next().map_or(0, |key| key.span.start.col());
        let indent_unit = indent_unit(&source, map);
        let network = match entry(map, "managed_network") {
            Some((key, value)) => Some(parse_network(&source, key, value)?),
            None => None,
        };
        Ok(Workspace {
            bom,
            source,
            root,
            name,
            root_indent,
            indent_unit,
            network,
        })
    }

    /// The workspace's `name:`, when it is a scalar.
    pub fn name(&self) -> Option<&str> {
        self.name.as_ref().map(|(name, _)| name.as_str())
    }

    /// Inserts the plan's FQDN rules the file does not already allow.
    pub fn merge(&self, plan: &Plan) -> Result<Merged, MergeError> {
        let existing: &[Existing] = self
            .network
            .as_ref()
            .and_then(|network| network.rules.as_ref())
            .map_or(&[], |rules| rules.existing.as_slice());
        let mut taken: BTreeSet<String> = existing
            .iter()
            .filter_map(|rule| rule.name.as_deref())
            .map(str::to_ascii_lowercase)
            .collect();

        let mut rule_notes = Vec::new();
        let mut added: Vec<(&Rule, String)> = Vec::new();
        for rule in &plan.rules {
            if let Some((by_name, by_destination)) = covering(existing, &rule.destination) {
                rule_notes.push(Note::Kept {
                    destination: rule.destination.clone(),
                    by_name,
                    by_destination,
                });
                continue;
            }
            let wanted = rule.name.to_ascii_lowercase();
            let (name, renamed_from) = if taken.contains(&wanted) {
                let holder = existing
                    .iter()
                    .find(|e| {
                        e.name.as_deref().map(str::to_ascii_lowercase) == Some(wanted.clone())
                    })
                    .map(Existing::describe);
                (
                    free_name(&rule.name, &taken),
                    Some(Clash {
                        wanted: rule.name.clone(),
                        holder,
                    }),
                )
            } else {
                (rule.name.clone(), None)
            };
            taken.insert(name.to_ascii_lowercase());
            rule_notes.push(Note::Added {
                name: name.clone(),
                destination: rule.destination.clone(),
                renamed_from,
            });
            added.push((rule, name));
        }
        for endpoint in &plan.private_endpoints {
            let resource = format!("{}/{}", endpoint.resource_type, endpoint.resource_name);
            let suffix = format!("/providers/{resource}").to_ascii_lowercase();
            let found = existing.iter().find(|rule| match &rule.destination {
                Destination::PrivateEndpoint {
                    resource_id,
                    subresource,
                } => {
                    resource_id.to_ascii_lowercase().ends_with(&suffix)
                        && subresource.eq_ignore_ascii_case(endpoint.subresource_target)
                }
                _ => false,
            });
            rule_notes.push(match found {
                Some(rule) => Note::PrivateEndpointKept {
                    host: endpoint.host.clone(),
                    by_name: rule.name.clone().unwrap_or_else(|| "(unnamed)".into()),
                    resource: format!("{resource} ({})", endpoint.subresource_target),
                },
                None => Note::PrivateEndpointSuggested {
                    host: endpoint.host.clone(),
                    name: endpoint.name.clone(),
                    resource,
                    subresource: endpoint.subresource_target.to_string(),
                },
            });
        }
        for skipped in &plan.skipped {
            rule_notes.push(Note::NotARule {
                host: skipped.host.clone(),
                reason: skipped.reason.clone(),
            });
        }

        let mut notes = Vec::new();
        if let (Some(requested), Some((actual, line))) = (plan.workspace_name(), &self.name)
            && requested != actual
        {
            notes.push(Note::WorkspaceNameIgnored {
                requested: requested.to_string(),
                actual: actual.clone(),
                line: *line,
            });
        }
        if added.is_empty() {
            notes.extend(rule_notes);
            notes.push(Note::NothingAdded {
                found_rules: !plan.rules.is_empty(),
            });
            return Ok(Merged {
                text: format!("{}{}", self.bom, self.source.text),
                notes,
            });
        }
        match &self.network {
            None => notes.push(Note::AddedManagedNetwork),
            Some(Network {
                isolation: None, ..
            }) => notes.push(Note::AddedIsolationMode),
            Some(Network {
                isolation: Some((mode, line)),
                ..
            }) if normalize_mode(mode) != normalize_mode(APPROVED_ONLY) => {
                notes.push(Note::IsolationNotApproved {
                    mode: mode.clone(),
                    line: *line,
                });
            }
            Some(_) => {}
        }
        notes.extend(rule_notes);

        let edits = self.edits(&added);
        let body = self.source.apply(&edits);
        self.verify(&body, &added)?;
        Ok(Merged {
            text: format!("{}{body}", self.bom),
            notes,
        })
    }

    /// Where the new lines go and what they are.
    fn edits(&self, added: &[(&Rule, String)]) -> Edits {
        let mut edits = Edits::default();
        let unit = self.indent_unit;
        let Some(network) = &self.network else {
            let base = self.root_indent;
            let mut chunk = format!(
                "{}managed_network:\n{}isolation_mode: {APPROVED_ONLY}\n{}outbound_rules:\n",
                spaces(base),
                spaces(base + unit),
                spaces(base + unit)
            );
            push_rules(&mut chunk, added, base + unit, base + unit + 2);
            edits.insert(self.source.document_end(), chunk);
            return edits;
        };
        let child = network.child_indent.unwrap_or(network.key_indent + unit);
        edits.remove = network.empty_value;
        if network.isolation.is_none() {
            edits.insert(
                network.key_line + 1,
                format!("{}isolation_mode: {APPROVED_ONLY}\n", spaces(child)),
            );
        }
        match &network.rules {
            None => {
                let end = self
                    .source
                    .block_end(network.key_line, network.key_indent, false, child);
                let mut chunk = format!("{}outbound_rules:\n", spaces(child));
                push_rules(&mut chunk, added, child, child + 2);
                edits.insert(end + 1, chunk);
            }
            Some(rules) => {
                if rules.empty_value.is_some() {
                    edits.remove = rules.empty_value;
                }
                let (dash, key) = rules
                    .layout
                    .unwrap_or((rules.key_indent, rules.key_indent + 2));
                let end = self.source.block_end(
                    rules.key_line,
                    rules.key_indent,
                    dash == rules.key_indent,
                    dash,
                );
                let mut chunk = String::new();
                push_rules(&mut chunk, added, dash, key);
                edits.insert(end + 1, chunk);
            }
        }
        edits
    }

    /// Parses the merged text and checks that it is the original plus our rules and
    /// nothing else, so that a layout this module misjudged can never be written.
    fn verify(&self, merged: &str, added: &[(&Rule, String)]) -> Result<(), MergeError> {
        let fail = |detail: String| MergeError::Internal { detail };
        let documents = MarkedYamlOwned::load_from_str(merged).map_err(|error| {
            fail(format!(
                "{} at line {}",
                error.info(),
                error.marker().line()
            ))
        })?;
        let [document] = documents.as_slice() else {
            return Err(fail(format!("{} documents", documents.len())));
        };
        let (YamlDataOwned::Mapping(before), YamlDataOwned::Mapping(after)) =
            (&self.root.data, &document.data)
        else {
            return Err(fail("the top level is no longer a mapping".into()));
        };
        for (key, value) in before {
            if key_text(key) == Some("managed_network") {
                continue;
            }
            if after.get(key) != Some(value) {
                return Err(fail(format!(
                    "`{}` changed",
                    key_text(key).unwrap_or("a key")
                )));
            }
        }
        let expected_keys = before.len() + usize::from(self.network.is_none());
        if after.len() != expected_keys {
            return Err(fail("top-level keys were added or lost".into()));
        }
        let Some((_, YamlDataOwned::Mapping(network_after))) =
            entry(after, "managed_network").map(|(key, value)| (key, &value.data))
        else {
            return Err(fail("managed_network is not a mapping".into()));
        };
        let network_before = match entry(before, "managed_network").map(|(_, v)| &v.data) {
            Some(YamlDataOwned::Mapping(map)) => Some(map),
            _ => None,
        };
        let mut before_rules: &[MarkedYamlOwned] = &[];
        let mut expected_keys = 0;
        if let Some(map) = network_before {
            expected_keys = map.len();
            for (key, value) in map {
                if key_text(key) == Some("outbound_rules") {
                    if let YamlDataOwned::Sequence(items) = &value.data {
                        before_rules = items;
                    }
                    continue;
                }
                if network_after.get(key) != Some(value) {
                    return Err(fail(format!(
                        "managed_network.{} changed",
                        key_text(key).unwrap_or("a key")
                    )));
                }
            }
        }
        let had = |name: &str| network_before.is_some_and(|map| entry(map, name).is_some());
        expected_keys += usize::from(!had("isolation_mode")) + usize::from(!had("outbound_rules"));
        if network_after.len() != expected_keys {
            return Err(fail("managed_network gained or lost keys".into()));
        }
        if !had("isolation_mode")
            && entry(network_after, "isolation_mode")
                .and_then(|(_, v)| scalar_text(v))
                .as_deref()
                != Some(APPROVED_ONLY)
        {
            return Err(fail("isolation_mode is not the one inserted".into()));
        }
        let after_rules = match entry(network_after, "outbound_rules").map(|(_, v)| &v.data) {
            Some(YamlDataOwned::Sequence(items)) => items.as_slice(),
            _ => return Err(fail("outbound_rules is not a list".into())),
        };
        if after_rules.len() != before_rules.len() + added.len()
            || after_rules[..before_rules.len()] != *before_rules
        {
            return Err(fail("the file's own rules changed".into()));
        }
        for (item, (rule, name)) in after_rules[before_rules.len()..].iter().zip(added) {
            let YamlDataOwned::Mapping(map) = &item.data else {
                return Err(fail(format!("rule {name} is not a mapping")));
            };
            let field = |key: &str| entry(map, key).and_then(|(_, v)| scalar_text(v));
            if map.len() != 3
                || field("name").as_deref() != Some(name.as_str())
                || field("type").as_deref() != Some("fqdn")
                || field("destination").as_deref() != Some(rule.destination.as_str())
            {
                return Err(fail(format!("rule {name} does not read back")));
            }
        }
        Ok(())
    }
}

impl Existing {
    fn describe(&self) -> String {
        match &self.destination {
            Destination::Fqdn(destination) => format!("-> {destination}"),
            Destination::ServiceTag(tag) => format!("(a service_tag rule for {tag})"),
            Destination::PrivateEndpoint { resource_id, .. } => {
                format!("(a private_endpoint rule for {resource_id})")
            }
            Destination::Unknown => "(of another kind)".into(),
        }
    }
}

/// Inserted chunks by position, and at most one empty value to remove.
#[derive(Debug, Default)]
struct Edits {
    /// `(line, text)`: `text` goes before 0-based `line` (`line == count` is the end).
    inserts: Vec<(usize, String)>,
    remove: Option<Token>,
}

impl Edits {
    fn insert(&mut self, line: usize, text: String) {
        self.inserts.push((line, text));
    }
}

/// The file's lines, each with its own line ending, so that untouched lines are copied
/// byte for byte whatever their endings.
#[derive(Debug)]
struct Source<'a> {
    text: &'a str,
    lines: Vec<&'a str>,
    /// The ending of inserted lines: the first line's.
    eol: &'static str,
}

impl<'a> Source<'a> {
    fn new(text: &'a str) -> Self {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let eol = if lines.first().is_some_and(|line| line.ends_with("\r\n")) {
            "\r\n"
        } else {
            "\n"
        };
        Source { text, lines, eol }
    }

    /// A line without its ending (0-based).
    fn content(&self, line: usize) -> &'a str {
        self.lines.get(line).map_or("", |text| {
            let text = text.strip_suffix('\n').unwrap_or(text);
            text.strip_suffix('\r').unwrap_or(text)
        })
    }

    /// The 0-based line holding a `\r` that no `\n` follows.
    fn lone_carriage_return(&self) -> Option<usize> {
        self.lines.iter().position(|line| {
            let line = line.strip_suffix("\r\n").unwrap_or(line);
            line.contains('\r')
        })
    }

    /// The byte offset in its line of a marker (whose column counts characters).
    fn byte_column(&self, marker: Marker) -> usize {
        let content = self.content(marker.line().saturating_sub(1));
        content
            .char_indices()
            .nth(marker.col())
            .map_or(content.len(), |(offset, _)| offset)
    }

    fn char_at(&self, marker: Marker) -> Option<char> {
        let content = self.content(marker.line().saturating_sub(1));
        content[self.byte_column(marker)..].chars().next()
    }

    /// The text of a marker's line before it.
    fn before(&self, marker: Marker) -> &'a str {
        &self.content(marker.line().saturating_sub(1))[..self.byte_column(marker)]
    }

    /// Whether a node is the first thing on its line (a block mapping key is).
    fn starts_line(&self, marker: Marker) -> bool {
        self.before(marker).trim().is_empty()
    }

    /// The value written after `key:` on the key's line, comment excluded, as a byte range.
    fn value_after_key(&self, key: &MarkedYamlOwned) -> Token {
        let line = key.span.end.line().saturating_sub(1);
        let content = self.content(line);
        let from = self.byte_column(key.span.end);
        let colon = content[from..]
            .find(':')
            .map_or(content.len(), |i| from + i + 1);
        let rest = &content[colon..];
        // A comment starts at a `#` after white space.
        let comment = rest
            .char_indices()
            .find(|&(i, c)| c == '#' && (i == 0 || rest[..i].ends_with([' ', '\t'])))
            .map_or(rest.len(), |(i, _)| i);
        let value = &rest[..comment];
        let start = colon + (value.len() - value.trim_start().len());
        let end = colon + value.trim_end().len();
        Token {
            line,
            start,
            end: end.max(start),
        }
    }

    fn token_text(&self, token: Token) -> &'a str {
        &self.content(token.line)[token.start..token.end]
    }

    /// The last 0-based line of the block that starts with the key on `key_line` at column
    /// `key_indent`: the lines indented deeper (and, for a sequence whose items are not
    /// indented, the `-` lines at the key's column), then the comment lines right after
    /// them indented at least to `comment_indent` (they describe the block's last items or
    /// are commented-out items), up to a blank line, unless they sit right on top of a
    /// key at their own column.
    fn block_end(
        &self,
        key_line: usize,
        key_indent: usize,
        indentless_items: bool,
        comment_indent: usize,
    ) -> usize {
        let mut last = key_line;
        for line in key_line + 1..self.lines.len() {
            let content = self.content(line);
            let text = content.trim_start();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let indent = leading_spaces(content);
            let item = text == "-" || text.starts_with("- ") || text.starts_with("-\t");
            if indent > key_indent || (indentless_items && indent == key_indent && item) {
                last = line;
            } else {
                break;
            }
        }
        let mut end = last;
        for line in last + 1..self.lines.len() {
            let content = self.content(line);
            if content.trim_start().starts_with('#') && leading_spaces(content) >= comment_indent {
                end = line;
            } else {
                break;
            }
        }
        // Comments right above a key at their own column describe that key, not the block.
        let next = self.content(end + 1);
        if end > last
            && !next.trim().is_empty()
            && leading_spaces(next) == leading_spaces(self.content(end))
        {
            return last;
        }
        end
    }

    /// Where a block appended to the document goes: the end, or before a `...` marker.
    fn document_end(&self) -> usize {
        for line in (0..self.lines.len()).rev() {
            let text = self.content(line).trim_start();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let marker = text
                .strip_prefix("...")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
            return if marker { line } else { self.lines.len() };
        }
        self.lines.len()
    }

    /// The text with the edits applied; every other byte as it was.
    fn apply(&self, edits: &Edits) -> String {
        let mut inserts = edits.inserts.clone();
        inserts.sort_by_key(|(line, _)| *line);
        let mut out = String::with_capacity(self.text.len() + 256);
        let mut pending = inserts.iter().peekable();
        for index in 0..=self.lines.len() {
            while let Some((_, text)) = pending.next_if(|(line, _)| *line == index) {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push_str(self.eol);
                }
                out.push_str(&text.replace('\n', self.eol));
            }
            let Some(line) = self.lines.get(index) else {
                break;
            };
            match edits.remove {
                Some(token) if token.line == index => {
                    let content = self.content(index);
                    out.push_str(content[..token.start].trim_end());
                    out.push_str(&content[token.end..]);
                    out.push_str(&line[content.len()..]);
                }
                _ => out.push_str(line),
            }
        }
        out
    }
}

fn parse_network(
    source: &Source<'_>,
    key: &MarkedYamlOwned,
    value: &MarkedYamlOwned,
) -> Result<Network, MergeError> {
    let key_line = key.span.start.line() - 1;
    check_block_key(source, key, "managed_network")?;
    check_not_alias(source, value, "managed_network")?;
    let mut network = Network {
        key_line,
        key_indent: key.span.start.col(),
        empty_value: None,
        child_indent: None,
        isolation: None,
        rules: None,
    };
    match &value.data {
        YamlDataOwned::Value(ScalarOwned::Null) => {
            network.empty_value = empty_value(source, key, "managed_network", &[])?;
        }
        YamlDataOwned::Mapping(map) => {
            let Some(first) = map.keys().next() else {
                network.empty_value = empty_value(source, key, "managed_network", &["{}"])?;
                return Ok(network);
            };
            if !source.starts_line(first.span.start) {
                return Err(flow(first, "managed_network"));
            }
            network.child_indent = Some(first.span.start.col());
            if let Some((_, mode)) = entry(map, "isolation_mode") {
                network.isolation = Some((
                    scalar_text(mode).unwrap_or_else(|| "empty".into()),
                    mode.span.start.line(),
                ));
            }
            if let Some((rules_key, rules_value)) = entry(map, "outbound_rules") {
                network.rules = Some(parse_rules(source, rules_key, rules_value)?);
            }
        }
        _ => {
            return Err(unsupported(
                value,
                &format!("`managed_network` is {}, not a mapping", describe(value)),
            ));
        }
    }
    Ok(network)
}

fn parse_rules(
    source: &Source<'_>,
    key: &MarkedYamlOwned,
    value: &MarkedYamlOwned,
) -> Result<RuleList, MergeError> {
    const WHAT: &str = "managed_network.outbound_rules";
    check_block_key(source, key, WHAT)?;
    check_not_alias(source, value, WHAT)?;
    let mut rules = RuleList {
        key_line: key.span.start.line() - 1,
        key_indent: key.span.start.col(),
        empty_value: None,
        layout: None,
        existing: Vec::new(),
    };
    match &value.data {
        YamlDataOwned::Value(ScalarOwned::Null) => {
            rules.empty_value = empty_value(source, key, WHAT, &[])?;
        }
        YamlDataOwned::Sequence(items) if items.is_empty() => {
            rules.empty_value = empty_value(source, key, WHAT, &["[]"])?;
        }
        YamlDataOwned::Sequence(items) => {
            if source.char_at(value.span.start) == Some('[') {
                return Err(flow(value, WHAT));
            }
            rules.layout = Some(item_layout(source, &items[0])?);
            rules.existing = items.iter().map(existing_rule).collect();
        }
        _ => {
            return Err(unsupported(
                value,
                &format!(
                    "`{WHAT}` is {}, not a list of `- name: …` rules (the REST API's map keyed by rule name is not the YAML form)",
                    describe(value)
                ),
            ));
        }
    }
    Ok(rules)
}

/// The columns of a block-sequence item's `-` and of its keys.
fn item_layout(source: &Source<'_>, item: &MarkedYamlOwned) -> Result<(usize, usize), MergeError> {
    let start = item.span.start;
    let before = source.before(start).trim_end();
    let is_mapping = matches!(item.data, YamlDataOwned::Mapping(_));
    if let Some(head) = before.strip_suffix('-')
        && head.chars().all(|c| c == ' ')
    {
        let dash = head.len();
        let key = if is_mapping { start.col() } else { dash + 2 };
        return Ok((dash, key));
    }
    if before.is_empty() {
        // `-` alone on a line, the item's keys below it.
        let dash_line = (0..start.line().saturating_sub(1)).rev().find(|&line| {
            let text = source.content(line).trim_start();
            !text.is_empty() && !text.starts_with('#')
        });
        if let Some(line) = dash_line
            && source.content(line).trim() == "-"
        {
            return Ok((leading_spaces(source.content(line)), start.col()));
        }
    }
    if before.ends_with(['[', ',']) {
        return Err(flow(item, "managed_network.outbound_rules"));
    }
    Err(unsupported(
        item,
        "the layout of the first rule in `managed_network.outbound_rules` is not one --merge understands; write each rule as `- name: …` with its keys below",
    ))
}

fn existing_rule(item: &MarkedYamlOwned) -> Existing {
    let YamlDataOwned::Mapping(map) = &item.data else {
        return Existing {
            name: None,
            destination: Destination::Unknown,
        };
    };
    let name = entry(map, "name").and_then(|(_, value)| scalar_text(value));
    let destination = match entry(map, "destination").map(|(_, value)| &value.data) {
        Some(YamlDataOwned::Value(ScalarOwned::String(host))) => Destination::Fqdn(host.clone()),
        Some(YamlDataOwned::Mapping(fields)) => {
            let field = |key: &str| entry(fields, key).and_then(|(_, v)| scalar_text(v));
            // The loader tries the private-endpoint shape first, then the service tag.
            if let Some(resource_id) = field("service_resource_id") {
                Destination::PrivateEndpoint {
                    resource_id,
                    subresource: field("subresource_target").unwrap_or_default(),
                }
            } else if let Some(tag) = field("service_tag") {
                Destination::ServiceTag(tag)
            } else {
                Destination::Unknown
            }
        }
        _ => Destination::Unknown,
    };
    Existing { name, destination }
}

/// The file's FQDN rule that already allows `destination`: its name and destination.
fn covering(existing: &[Existing], destination: &str) -> Option<(String, String)> {
    let host = destination.to_ascii_lowercase();
    existing.iter().find_map(|rule| {
        let Destination::Fqdn(patterns) = &rule.destination else {
            return None;
        };
        patterns
            .split(',')
            .map(|pattern| pattern.trim().to_ascii_lowercase())
            .any(|pattern| !pattern.is_empty() && crate::host::allows(&pattern, &host))
            .then(|| {
                (
                    rule.name.clone().unwrap_or_else(|| "(unnamed)".into()),
                    patterns.clone(),
                )
            })
    })
}

/// `NAME-pkgallow` within Azure's length limit, or `NAME-pkgallow2`, … when taken.
fn free_name(wanted: &str, taken: &BTreeSet<String>) -> String {
    let mut counter = 1_usize;
    loop {
        let suffix = if counter == 1 {
            RENAME_SUFFIX.to_string()
        } else {
            format!("{RENAME_SUFFIX}{counter}")
        };
        let mut head: String = wanted
            .chars()
            .take(MAX_RULE_NAME.saturating_sub(suffix.len()))
            .collect();
        while head.ends_with(['-', '_']) {
            head.pop();
        }
        let candidate = format!("{head}{suffix}");
        if !taken.contains(&candidate.to_ascii_lowercase()) {
            return candidate;
        }
        counter += 1;
    }
}

/// The rules as block-sequence items, comments included, as the normal output writes them.
fn push_rules(out: &mut String, added: &[(&Rule, String)], dash: usize, key: usize) {
    for (rule, name) in added {
        write_rule(out, rule, name, &spaces(dash), &spaces(key));
    }
}

/// The indentation step of the file's nested mappings (2 when it has none).
fn indent_unit(source: &Source<'_>, map: &saphyr::AnnotatedMappingOwned<MarkedYamlOwned>) -> usize {
    map.iter()
        .find_map(|(key, value)| {
            let YamlDataOwned::Mapping(children) = &value.data else {
                return None;
            };
            let child = children.keys().next()?;
            let step = child.span.start.col().checked_sub(key.span.start.col())?;
            (step > 0 && source.starts_line(child.span.start) && source.starts_line(key.span.start))
                .then_some(step)
        })
        .unwrap_or(2)
}

fn check_block_key(
    source: &Source<'_>,
    key: &MarkedYamlOwned,
    what: &str,
) -> Result<(), MergeError> {
    if source.starts_line(key.span.start) {
        Ok(())
    } else {
        Err(flow(key, what))
    }
}

fn check_not_alias(
    source: &Source<'_>,
    value: &MarkedYamlOwned,
    what: &str,
) -> Result<(), MergeError> {
    if source.char_at(value.span.start) == Some('*') {
        Err(unsupported(
            value,
            &format!("`{what}` is an alias (`*name`); --merge cannot edit through an alias"),
        ))
    } else {
        Ok(())
    }
}

/// The empty value written after `key:`, if any: nothing, `null`, `~` or one of `flow`
/// (`{}`, `[]`, white space inside ignored). Anything else on that line is refused.
fn empty_value(
    source: &Source<'_>,
    key: &MarkedYamlOwned,
    what: &str,
    flow_forms: &[&str],
) -> Result<Option<Token>, MergeError> {
    let token = source.value_after_key(key);
    let text: String = source
        .token_text(token)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.is_empty() {
        if flow_forms.is_empty() {
            return Ok(None);
        }
        // `key:` with `{}` or `[]` on a later line.
        return Err(flow(key, what));
    }
    if flow_forms.contains(&text.as_str())
        || (flow_forms.is_empty() && matches!(text.as_str(), "null" | "Null" | "NULL" | "~"))
    {
        return Ok(Some(token));
    }
    if text.starts_with(['[', '{']) {
        return Err(flow(key, what));
    }
    Err(unsupported(
        key,
        &format!("the empty `{what}` has `{text}` on its line; write the key alone on its line"),
    ))
}

fn not_workspace(line: usize, column: usize, reason: &str) -> MergeError {
    MergeError::NotWorkspace {
        line,
        column,
        reason: reason.to_string(),
    }
}

fn flow(node: &MarkedYamlOwned, what: &str) -> MergeError {
    MergeError::FlowStyle {
        line: node.span.start.line(),
        column: node.span.start.col() + 1,
        what: format!("`{what}`"),
    }
}

fn unsupported(node: &MarkedYamlOwned, reason: &str) -> MergeError {
    MergeError::Unsupported {
        line: node.span.start.line(),
        column: node.span.start.col() + 1,
        reason: reason.to_string(),
    }
}

fn entry<'m>(
    map: &'m saphyr::AnnotatedMappingOwned<MarkedYamlOwned>,
    key: &str,
) -> Option<(&'m MarkedYamlOwned, &'m MarkedYamlOwned)> {
    map.iter()
        .find(|(candidate, _)| key_text(candidate) == Some(key))
}

fn key_text(key: &MarkedYamlOwned) -> Option<&str> {
    match &key.data {
        YamlDataOwned::Value(ScalarOwned::String(text)) => Some(text),
        _ => None,
    }
}

/// A scalar as text (`name: 123` is a name too); `None` for null and collections.
fn scalar_text(node: &MarkedYamlOwned) -> Option<String> {
    match &node.data {
        YamlDataOwned::Value(ScalarOwned::String(text)) => Some(text.clone()),
        YamlDataOwned::Value(ScalarOwned::Integer(number)) => Some(number.to_string()),
        YamlDataOwned::Value(ScalarOwned::FloatingPoint(number)) => Some(number.to_string()),
        YamlDataOwned::Value(ScalarOwned::Boolean(flag)) => Some(flag.to_string()),
        YamlDataOwned::Tagged(_, inner) => scalar_text(inner),
        _ => None,
    }
}

fn describe(node: &MarkedYamlOwned) -> &'static str {
    match &node.data {
        YamlDataOwned::Sequence(_) => "a list",
        YamlDataOwned::Mapping(_) => "a mapping",
        YamlDataOwned::Value(ScalarOwned::Null) => "empty",
        YamlDataOwned::Value(ScalarOwned::String(_)) => "a string",
        YamlDataOwned::Value(ScalarOwned::Boolean(_)) => "a boolean",
        YamlDataOwned::Value(_) => "a number",
        _ => "a value of another kind",
    }
}

/// Azure ML's workspace schemas: `…/workspace.schema.json` and its hub and project
/// variants.
fn is_workspace_schema(url: &str) -> bool {
    url.rsplit('/')
        .next()
        .is_some_and(|file| file.to_ascii_lowercase().starts_with("workspace"))
}

/// The loader accepts `AllowOnlyApprovedOutbound` as well as `allow_only_approved_outbound`.
fn normalize_mode(mode: &str) -> String {
    mode.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn leading_spaces(text: &str) -> usize {
    text.len() - text.trim_start_matches(' ').len()
}

fn spaces(count: usize) -> String {
    " ".repeat(count)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::Evidence;
    use crate::plan::{PrivateEndpoint, Skipped, rule_name};

    fn rule(host: &str) -> Rule {
        Rule {
            name: rule_name(host),
            destination: host.to_string(),
            ports: BTreeSet::from([443]),
            purposes: BTreeSet::from([format!("serves {host}")]),
            evidence: BTreeSet::from([Evidence {
                path: "requirements.txt".into(),
                line: 1,
                fetches: None,
            }]),
        }
    }

    fn plan(hosts: &[&str]) -> Plan {
        Plan {
            rules: hosts.iter().map(|host| rule(host)).collect(),
            ..Plan::default()
        }
    }

    fn merge(text: &str, hosts: &[&str]) -> Merged {
        Workspace::parse(text).unwrap().merge(&plan(hosts)).unwrap()
    }

    fn error(text: &str) -> MergeError {
        Workspace::parse(text).unwrap_err()
    }

    /// The lines `merged` has beyond `original`, after checking that every line of
    /// `original` is in `merged`, byte for byte (line endings included) and in order.
    fn inserted(original: &str, merged: &str) -> Vec<String> {
        let mut extra = Vec::new();
        let mut merged_lines = merged.split_inclusive('\n');
        for line in original.split_inclusive('\n') {
            loop {
                let candidate = merged_lines
                    .next()
                    .unwrap_or_else(|| panic!("{line:?} is missing from:\n{merged}"));
                if candidate == line
                    // The original's last line may have gained a line ending.
                    || (!line.ends_with('\n') && candidate.strip_suffix('\n') == Some(line))
                {
                    break;
                }
                extra.push(candidate.to_string());
            }
        }
        extra.extend(merged_lines.map(str::to_string));
        extra
    }

    fn notes(merged: &Merged) -> Vec<String> {
        merged.notes.iter().map(ToString::to_string).collect()
    }

    const WORKSPACE: &str = "\
# Production workspace: owned by the platform team.
$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json
name: ml-prod   # do not rename
location: westeurope
tags:
    team: platform
managed_network:
    isolation_mode: allow_only_approved_outbound   # locked down
    outbound_rules:
      # the corporate mirror
      - name: mirror
        type: fqdn
        destination: 'mirror.corp.example.com'
      - name: datafactory
        type: service_tag
        destination:
          service_tag: DataFactory
          protocol: TCP
          port_ranges: \"80, 8080\"
      - name: storage-blob
        type: private_endpoint
        destination:
          service_resource_id: /subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/data
          subresource_target: blob
          spark_enabled: true
      # - name: retired
      #   destination: old.example.com

    firewall_sku: basic
public_network_access: Disabled
";

    #[test]
    fn appends_after_the_last_rule_with_its_indentation_and_keeps_every_other_byte() {
        let merged = merge(WORKSPACE, &["github.com", "download.pytorch.org"]);
        let added = inserted(WORKSPACE, &merged.text);
        assert_eq!(
            added,
            [
                "      # serves github.com\n",
                "      # evidence: requirements.txt:1\n",
                "      - name: github-com\n",
                "        type: fqdn\n",
                "        destination: github.com\n",
                "      # serves download.pytorch.org\n",
                "      # evidence: requirements.txt:1\n",
                "      - name: download-pytorch-org\n",
                "        type: fqdn\n",
                "        destination: download.pytorch.org\n",
            ]
        );
        // After the commented-out rule, before the blank line and `firewall_sku`.
        assert!(
            merged
                .text
                .contains("      #   destination: old.example.com\n      # serves github.com\n")
        );
        assert!(
            merged
                .text
                .contains("download.pytorch.org\n\n    firewall_sku: basic\n")
        );
        assert_eq!(
            notes(&merged),
            [
                "added rule github-com -> github.com",
                "added rule download-pytorch-org -> download.pytorch.org",
            ]
        );
    }

    #[test]
    fn the_users_rules_are_never_rewritten_or_dropped() {
        let merged = merge(WORKSPACE, &["github.com"]);
        for line in WORKSPACE
            .lines()
            .filter(|line| line.trim_start().starts_with("- name"))
        {
            assert_eq!(merged.text.matches(line).count(), 1, "{line}");
        }
        assert!(
            merged
                .text
                .contains("destination: 'mirror.corp.example.com'\n")
        );
        assert!(merged.text.contains("port_ranges: \"80, 8080\"\n"));
    }

    #[test]
    fn hosts_an_existing_rule_allows_are_kept_not_added() {
        let text = "\
name: ws
managed_network:
  isolation_mode: allow_only_approved_outbound
  outbound_rules:
  - name: gh
    type: fqdn
    destination: GitHub.com
  - name: any-github-user-content
    type: fqdn
    destination: '*.githubusercontent.com'
  - name: torch
    type: fqdn
    destination: 'pytorch.org, *.pytorch.org'
";
        let merged = merge(
            text,
            &[
                "github.com",
                "objects.githubusercontent.com",
                "a.b.githubusercontent.com",
                "githubusercontent.com",
                "download.pytorch.org",
                "pytorch.org",
            ],
        );
        assert_eq!(
            notes(&merged),
            [
                "kept github.com: already allowed by the file's rule gh -> GitHub.com",
                "kept objects.githubusercontent.com: already allowed by the file's rule any-github-user-content -> *.githubusercontent.com",
                "kept a.b.githubusercontent.com: already allowed by the file's rule any-github-user-content -> *.githubusercontent.com",
                // A wildcard never covers its apex.
                "added rule githubusercontent-com -> githubusercontent.com",
                "kept download.pytorch.org: already allowed by the file's rule torch -> pytorch.org, *.pytorch.org",
                "kept pytorch.org: already allowed by the file's rule torch -> pytorch.org, *.pytorch.org",
            ]
        );
        assert_eq!(inserted(text, &merged.text).len(), 5);
    }

    #[test]
    fn a_wider_wildcard_covers_a_narrower_one() {
        let text = "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  - name: any-example\n    destination: '*.example.org'\n";
        let mut wildcard = plan(&[]);
        wildcard.rules.push(rule("*.cdn.example.org"));
        wildcard.rules.push(rule("*.example.org"));
        let merged = Workspace::parse(text).unwrap().merge(&wildcard).unwrap();
        assert_eq!(merged.text, text);
        assert!(matches!(
            merged.notes.last(),
            Some(Note::NothingAdded { found_rules: true })
        ));
    }

    #[test]
    fn merging_twice_adds_nothing_the_second_time() {
        let hosts = ["github.com", "download.pytorch.org"];
        let once = merge(WORKSPACE, &hosts);
        let twice = merge(&once.text, &hosts);
        assert_eq!(twice.text, once.text);
        assert_eq!(
            notes(&twice),
            [
                "kept github.com: already allowed by the file's rule github-com -> github.com",
                "kept download.pytorch.org: already allowed by the file's rule download-pytorch-org -> download.pytorch.org",
                "nothing added: the file's rules already allow every host that needs an FQDN rule; it is unchanged",
            ]
        );
    }

    #[test]
    fn a_taken_name_gets_a_suffix_within_the_length_limit() {
        let text = "\
name: ws
managed_network:
  isolation_mode: allow_only_approved_outbound
  outbound_rules:
  - name: github-com
    type: fqdn
    destination: api.github.com
  - name: GitHub-com-pkgallow
    type: service_tag
    destination: {service_tag: AzureCloud, protocol: TCP, port_ranges: '443'}
  - name: download-r2-pytorch-org_ec3b1157
    type: fqdn
    destination: other.example.com
";
        let merged = merge(text, &["github.com", "download-r2.pytorch.org"]);
        assert_eq!(
            notes(&merged),
            [
                "added rule github-com-pkgallow2 -> github.com (renamed: the file already has a rule github-com -> api.github.com)",
                "added rule download-r2-pytorch-org-pkgallow -> download-r2.pytorch.org (renamed: the file already has a rule download-r2-pytorch-org_ec3b1157 -> other.example.com)",
            ]
        );
        for note in &merged.notes {
            let Note::Added { name, .. } = note else {
                panic!("{note}")
            };
            assert!(crate::plan::is_valid_rule_name(name), "{name}");
        }
        assert!(merged.text.contains("    destination: api.github.com\n"));
        assert!(merged.text.contains("  - name: github-com-pkgallow2\n"));
        assert_eq!(
            free_name("github-com", &BTreeSet::new()),
            "github-com-pkgallow"
        );
    }

    #[test]
    fn no_managed_network_appends_one_that_is_approved_only() {
        let text = "$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\nname: ws\n# the end\n";
        let merged = merge(text, &["github.com"]);
        assert_eq!(
            merged.text,
            format!(
                "{text}managed_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  # serves github.com\n  # evidence: requirements.txt:1\n  - name: github-com\n    type: fqdn\n    destination: github.com\n"
            )
        );
        assert_eq!(merged.notes[0], Note::AddedManagedNetwork);
    }

    #[test]
    fn appending_follows_the_files_indentation_its_last_line_and_its_end_marker() {
        let text = "name: ws\nidentity:\n    type: system_assigned\n...\n";
        let merged = merge(text, &["github.com"]);
        assert!(merged.text.starts_with(
            "name: ws\nidentity:\n    type: system_assigned\nmanaged_network:\n    isolation_mode: allow_only_approved_outbound\n    outbound_rules:\n    # serves github.com\n"
        ));
        assert!(
            merged
                .text
                .ends_with("      destination: github.com\n...\n")
        );

        let unterminated = "name: ws";
        let merged = merge(unterminated, &["github.com"]);
        assert!(merged.text.starts_with("name: ws\nmanaged_network:\n"));
    }

    #[test]
    fn managed_network_without_rules_gets_outbound_rules_at_its_indentation() {
        let text = "\
name: ws
managed_network:
   isolation_mode: allow_only_approved_outbound
   firewall_sku: basic
   # more later
tags: {}
";
        let merged = merge(text, &["github.com"]);
        assert_eq!(
            merged.text,
            "\
name: ws
managed_network:
   isolation_mode: allow_only_approved_outbound
   firewall_sku: basic
   # more later
   outbound_rules:
   # serves github.com
   # evidence: requirements.txt:1
   - name: github-com
     type: fqdn
     destination: github.com
tags: {}
"
        );
    }

    #[test]
    fn managed_network_without_isolation_mode_gets_approved_only() {
        let text = "name: ws\nmanaged_network:\n  outbound_rules:\n  - name: a-rule\n    destination: a.example.com\n";
        let merged = merge(text, &["github.com"]);
        assert!(merged.text.starts_with(
            "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  - name: a-rule\n"
        ));
        assert_eq!(merged.notes[0], Note::AddedIsolationMode);
    }

    #[test]
    fn empty_values_become_blocks() {
        let cases = [
            (
                "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules: [ ]  # none yet\nlocation: x\n",
                "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:  # none yet\n  # serves github.com\n  # evidence: requirements.txt:1\n  - name: github-com\n    type: fqdn\n    destination: github.com\nlocation: x\n",
            ),
            (
                "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\nlocation: x\n",
                "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  # serves github.com\n  # evidence: requirements.txt:1\n  - name: github-com\n    type: fqdn\n    destination: github.com\nlocation: x\n",
            ),
            (
                "name: ws\nmanaged_network: {}\n",
                "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  # serves github.com\n  # evidence: requirements.txt:1\n  - name: github-com\n    type: fqdn\n    destination: github.com\n",
            ),
            (
                "name: ws\nmanaged_network: ~\nlocation: x\n",
                "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  # serves github.com\n  # evidence: requirements.txt:1\n  - name: github-com\n    type: fqdn\n    destination: github.com\nlocation: x\n",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(merge(text, &["github.com"]).text, expected, "{text}");
        }
    }

    #[test]
    fn other_flow_style_is_refused_with_its_position() {
        let text = "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules: [{name: a, destination: a.example.com}]\n";
        let error = error(text);
        assert_eq!(error.position(), Some((4, 19)));
        assert!(matches!(error, MergeError::FlowStyle { .. }), "{error}");
        assert!(error.to_string().contains("flow style"), "{error}");

        let error = self::error(
            "name: ws\nmanaged_network: {isolation_mode: allow_only_approved_outbound}\n",
        );
        assert!(
            matches!(error, MergeError::FlowStyle { line: 2, .. }),
            "{error}"
        );

        let error = self::error("{name: ws, managed_network: {}}\n");
        assert!(
            matches!(error, MergeError::FlowStyle { line: 1, .. }),
            "{error}"
        );
    }

    #[test]
    fn an_open_isolation_mode_is_kept_with_a_warning() {
        for mode in [
            "allow_internet_outbound",
            "disabled",
            "AllowInternetOutbound",
        ] {
            let text = format!(
                "name: ws\nmanaged_network:\n  isolation_mode: {mode}\n  outbound_rules: []\n"
            );
            let merged = merge(&text, &["github.com"]);
            assert!(
                merged
                    .text
                    .contains(&format!("  isolation_mode: {mode}\n  outbound_rules:\n")),
                "{}",
                merged.text
            );
            assert!(merged.text.contains("destination: github.com"));
            assert_eq!(
                merged.notes[0],
                Note::IsolationNotApproved {
                    mode: mode.to_string(),
                    line: 3
                }
            );
            assert_eq!(merged.notes[0].warning_line(), Some(3));
        }
        let text = "name: ws\nmanaged_network:\n  isolation_mode: AllowOnlyApprovedOutbound\n";
        let merged = merge(text, &["github.com"]);
        assert!(
            merged
                .notes
                .iter()
                .all(|note| note.warning_line().is_none())
        );
    }

    #[test]
    fn invalid_yaml_is_reported_with_its_line_and_column() {
        let error = error("name: ws\nmanaged_network:\n  isolation_mode: x\n   bad: [\n");
        assert_eq!(
            error,
            MergeError::InvalidYaml {
                line: 4,
                column: 7,
                message: "mapping values are not allowed in this context".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "not valid YAML: mapping values are not allowed in this context"
        );
        let error = self::error("name: ws\nname: again\n");
        assert!(
            matches!(error, MergeError::InvalidYaml { line: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn yaml_that_is_not_a_workspace_is_refused() {
        let cases = [
            ("", "the file is empty", 1),
            ("# nothing\n", "the file is empty", 1),
            ("- name: ws\n", "the top level is a list", 1),
            ("just text\n", "the top level is a string", 1),
            ("location: westeurope\n", "no top-level `name:`", 1),
            (
                "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\nname: train\n",
                "its $schema is https://azuremlschemas.azureedge.net/latest/commandJob.schema.json",
                1,
            ),
            (
                "name: train\ncommand: python train.py\n",
                "top-level `command:` key, which command jobs and components have",
                2,
            ),
            ("name: cpu\ntype: amlcompute\n", "top-level `type:` key", 2),
            ("name: a\n---\nname: b\n", "2 YAML documents", 3),
        ];
        for (text, reason, line) in cases {
            let error = error(text);
            let MergeError::NotWorkspace { line: at, .. } = &error else {
                panic!("{text:?}: {error}")
            };
            assert!(error.to_string().contains(reason), "{text:?}: {error}");
            assert_eq!(*at, line, "{text:?}");
        }
        // Hubs and projects are workspaces.
        assert!(
            Workspace::parse("$schema: https://azuremlschemas.azureedge.net/latest/workspaceHub.schema.json\nname: hub\nkind: hub\n")
                .is_ok()
        );
    }

    #[test]
    fn other_shapes_are_refused_not_guessed() {
        let alias = "rules: &r\n  - name: a\n    destination: a.example.com\nname: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules: *r\n";
        let error = error(alias);
        assert!(
            matches!(error, MergeError::Unsupported { line: 7, .. })
                && error.to_string().contains("alias"),
            "{error}"
        );
        let map = "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n    a-rule: {type: fqdn, destination: a.example.com}\n";
        assert!(matches!(
            error_of(map),
            MergeError::Unsupported { line: 5, .. }
        ));
        let scalar = "name: ws\nmanaged_network: approved\n";
        assert!(matches!(
            error_of(scalar),
            MergeError::Unsupported { line: 2, .. }
        ));
        let carriage = "name: ws\rlocation: x\n";
        assert!(matches!(
            error_of(carriage),
            MergeError::Unsupported { line: 1, .. }
        ));
    }

    fn error_of(text: &str) -> MergeError {
        error(text)
    }

    #[test]
    fn crlf_files_get_crlf_lines_and_keep_their_bytes() {
        let text = "name: ws\r\nmanaged_network:\r\n  isolation_mode: allow_only_approved_outbound\r\n  outbound_rules:\r\n  - name: a-rule\r\n    destination: a.example.com\r\n";
        let merged = merge(text, &["github.com"]);
        let added = inserted(text, &merged.text);
        assert_eq!(added.len(), 5);
        assert!(added.iter().all(|line| line.ends_with("\r\n")), "{added:?}");
        assert!(!merged.text.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn a_byte_order_mark_stays_in_front() {
        let text = "\u{feff}name: ws\n";
        let merged = merge(text, &["github.com"]);
        assert!(
            merged
                .text
                .starts_with("\u{feff}name: ws\nmanaged_network:\n")
        );
    }

    #[test]
    fn nothing_to_add_leaves_the_file_as_it_was() {
        let text = "name: ws  # no network yet\n";
        let merged = merge(text, &[]);
        assert_eq!(merged.text, text);
        assert_eq!(
            notes(&merged),
            [
                "nothing added: the scan found no host that needs an FQDN rule; the file is unchanged"
            ]
        );
    }

    #[test]
    fn indentless_items_followed_by_more_keys() {
        let text = "\
name: ws
managed_network:
  isolation_mode: allow_only_approved_outbound
  outbound_rules:
  - name: a-rule
    type: fqdn
    destination: a.example.com
  # about the firewall
  firewall_sku: basic
";
        let merged = merge(text, &["github.com"]);
        assert!(merged.text.contains(
            "    destination: a.example.com\n  # serves github.com\n  # evidence: requirements.txt:1\n  - name: github-com\n    type: fqdn\n    destination: github.com\n  # about the firewall\n  firewall_sku: basic\n"
        ), "{}", merged.text);
    }

    #[test]
    fn a_last_rule_without_a_line_ending_and_comments_at_the_end() {
        let text = "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  - name: a-rule\n    destination: a.example.com";
        let merged = merge(text, &["github.com"]);
        assert_eq!(
            merged.text,
            format!(
                "{text}\n  # serves github.com\n  # evidence: requirements.txt:1\n  - name: github-com\n    type: fqdn\n    destination: github.com\n"
            )
        );
        let text = "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  - name: a-rule\n    destination: a.example.com\n  # the end\n# really\n";
        let merged = merge(text, &["github.com"]);
        assert!(
            merged
                .text
                .ends_with("  # the end\n  # serves github.com\n  # evidence: requirements.txt:1\n  - name: github-com\n    type: fqdn\n    destination: github.com\n# really\n"),
            "{}",
            merged.text
        );
    }

    #[test]
    fn a_name_taken_by_another_new_rule_says_so() {
        let note = Note::Added {
            name: "a-pkgallow".into(),
            destination: "a.example.org".into(),
            renamed_from: Some(Clash {
                wanted: "a".into(),
                holder: None,
            }),
        };
        assert_eq!(
            note.to_string(),
            "added rule a-pkgallow -> a.example.org (renamed: another rule added here took a)"
        );
    }

    /// Every combination of indentation, item style, trailing comments, position of
    /// `managed_network` and line ending merges, reads back (the merge checks that
    /// itself) and only gains lines.
    #[test]
    fn layouts_merge_and_only_gain_lines() {
        let mut count = 0;
        for unit in [2, 4] {
            for indentless in [false, true] {
                for trailing in ["", "# after\n", "\n# apart\n"] {
                    let trailing = trailing.replace('#', &format!("{}#", " ".repeat(unit * 2)));
                    for last in [false, true] {
                        for crlf in [false, true] {
                            let pad = " ".repeat(unit);
                            let dash = if indentless {
                                pad.clone()
                            } else {
                                pad.repeat(2)
                            };
                            let network = format!(
                                "managed_network:\n{pad}isolation_mode: allow_only_approved_outbound\n{pad}outbound_rules:\n{dash}- name: a-rule\n{dash}  type: fqdn\n{dash}  destination: a.example.com\n{trailing}"
                            );
                            let mut text = if last {
                                format!("name: ws\ntags:\n{pad}a: b\n{network}")
                            } else {
                                format!("name: ws\n{network}tags:\n{pad}a: b\n")
                            };
                            if crlf {
                                text = text.replace('\n', "\r\n");
                            }
                            let merged = Workspace::parse(&text)
                                .and_then(|workspace| workspace.merge(&plan(&["github.com"])))
                                .unwrap_or_else(|error| panic!("{error}\n{text}"));
                            let added = inserted(&text, &merged.text);
                            assert_eq!(added.len(), 5, "{text}\n---\n{}", merged.text);
                            assert!(added[2].starts_with(&format!("{dash}- name: github-com")));
                            count += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(count, 48);
    }

    #[test]
    fn a_dash_on_its_own_line_sets_the_item_layout() {
        let text = "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n    -\n      name: a-rule\n      destination: a.example.com\n";
        let merged = merge(text, &["github.com"]);
        assert!(
            merged.text.ends_with(
                "    - name: github-com\n      type: fqdn\n      destination: github.com\n"
            ),
            "{}",
            merged.text
        );
    }

    #[test]
    fn private_endpoints_and_other_ports_are_reported_not_written() {
        let endpoint = |host: &str, account: &str| PrivateEndpoint {
            name: rule_name(&format!("pe.{account}.blob")),
            host: host.to_string(),
            resource_type: "Microsoft.Storage/storageAccounts",
            resource_name: account.to_string(),
            subresource_target: "blob",
            spark_enabled: false,
            purposes: BTreeSet::new(),
            evidence: BTreeSet::new(),
        };
        let mut plan = plan(&["github.com"]);
        plan.private_endpoints = vec![
            endpoint("data.blob.core.windows.net", "data"),
            endpoint("other.blob.core.windows.net", "other"),
        ];
        plan.skipped = vec![Skipped {
            host: "gitlab.com".into(),
            ports: BTreeSet::from([22]),
            reason: "needs port 22".into(),
            evidence: BTreeSet::new(),
        }];
        let merged = Workspace::parse(WORKSPACE).unwrap().merge(&plan).unwrap();
        assert_eq!(
            notes(&merged),
            [
                "added rule github-com -> github.com",
                "kept data.blob.core.windows.net: the file's private-endpoint rule storage-blob reaches Microsoft.Storage/storageAccounts/data (blob)",
                "not added: other.blob.core.windows.net needs a private-endpoint rule (pe-other-blob: Microsoft.Storage/storageAccounts/other, subresource blob) with your subscription and resource group; run without --merge to see it written out",
                "not a rule: gitlab.com needs port 22",
            ]
        );
        assert!(!merged.text.contains("other.blob"));
    }

    #[test]
    fn a_different_workspace_name_is_a_warning() {
        let mut plan = plan(&["github.com"]);
        plan.options.workspace_name = Some("elsewhere".into());
        let merged = Workspace::parse(WORKSPACE).unwrap().merge(&plan).unwrap();
        assert_eq!(merged.notes[0].warning_line(), Some(3));
        assert_eq!(
            merged.notes[0].to_string(),
            "--workspace-name elsewhere is ignored: the merged file names the workspace ml-prod"
        );
    }

    #[test]
    fn the_read_back_check_catches_a_wrong_edit() {
        let workspace = Workspace::parse(WORKSPACE).unwrap();
        let github = rule("github.com");
        let added = [(&github, "github-com".to_string())];
        assert!(matches!(
            workspace.verify(WORKSPACE, &added),
            Err(MergeError::Internal { .. })
        ));
        let dropped = WORKSPACE.replace("public_network_access: Disabled\n", "");
        assert!(matches!(
            workspace.verify(&dropped, &[]),
            Err(MergeError::Internal { .. })
        ));
        assert!(workspace.verify(WORKSPACE, &[]).is_ok());
    }
}
