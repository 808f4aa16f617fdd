//! Julia's `Project.toml` and `Manifest.toml` (also `JuliaProject.toml`,
//! `JuliaManifest.toml` and versioned `Manifest-v1.11.toml`). Registered packages come
//! from the package server (`JULIA_PKG_SERVER`, by default the Julia package server,
//! which redirects to a regional one): a project's `[deps]` and `[extras]`, a manifest's
//! entries with a `git-tree-sha1` and no `repo-url`. `[sources]` entries with a `url`
//! and manifest entries with a `repo-url` are cloned from their host; `path` is local;
//! standard libraries are shipped with Julia. With `--env`, `JULIA_PKG_SERVER` replaces
//! the server; set to the empty string, Pkg clones the General registry from GitHub.

use std::collections::BTreeSet;
use std::path::Path;

use toml_edit::TableLike;

use crate::formats::toml_support::{self, Reader};
use crate::formats::{Candidate, ParseContext, file_name, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct JuliaProject;

pub const NAME: &str = "julia/project-toml";

/// Where Pkg gets the General registry when no package server is used.
const GENERAL_REGISTRY: &str = "https://github.com/JuliaRegistries/General.git";

impl super::Format for JuliaProject {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Julia projects"
    }

    fn files(&self) -> &'static str {
        "`Project.toml`, `JuliaProject.toml`, `Manifest.toml`, `JuliaManifest.toml`, `Manifest-v*.toml`"
    }

    fn reads(&self) -> &'static str {
        "`[deps]` and `[extras]` (the package server, regional servers included), `[sources]` `url`s; manifest entries: `repo-url` (cloned from its host), `git-tree-sha1` (the package server), `path` (local); with `--env`, `JULIA_PKG_SERVER` replaces the server (empty: the General registry from GitHub)"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        let name = candidate.lower_name();
        matches!(
            name,
            "project.toml" | "juliaproject.toml" | "manifest.toml" | "juliamanifest.toml"
        ) || (name.starts_with("manifest-v") && candidate.extension() == Some("toml"))
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let document = match toml_support::parse(file) {
            Ok(document) => document,
            Err(error) => {
                return Reader::failed(file, NAME, Installer::Julia, Role::Install, error);
            }
        };
        let mut reader = Reader::new(file, NAME, Installer::Julia, Role::Install);
        let root = document.as_table();
        if file_name(Path::new(&file.path)).contains("manifest") {
            manifest(&mut reader, root);
        } else {
            project(&mut reader, root);
        }
        if let Some(server) = context
            .env
            .as_ref()
            .and_then(|env| env.get("JULIA_PKG_SERVER"))
        {
            let server = server.trim();
            let url = if server.is_empty() {
                GENERAL_REGISTRY.to_string()
            } else if server.contains("://") {
                server.to_string()
            } else {
                format!("https://{server}")
            };
            let at = Location::new("env:JULIA_PKG_SERVER", 0, 0);
            let declared = reader.index(&url, &at);
            reader.manifest.options.index_url = Some(declared);
        }
        reader.finish()
    }
}

fn project(reader: &mut Reader<'_>, root: &dyn TableLike) {
    let mut from_sources: BTreeSet<String> = BTreeSet::new();
    if let Some(item) = root.get("sources")
        && let Some(sources) = reader.table(item, "sources")
    {
        for (name, item) in sources.iter() {
            let path = format!("sources.{name}");
            let Some(source) = reader.table(item, &path) else {
                continue;
            };
            if let Some((url, at)) = reader.string_key(source, "url", &path) {
                vcs(reader, url, &at);
                from_sources.insert(name.to_string());
            } else if source.contains_key("path") {
                from_sources.insert(name.to_string());
            }
        }
    }
    for group in ["deps", "extras"] {
        let Some(item) = root.get(group) else {
            continue;
        };
        let Some(table) = reader.table(item, group) else {
            continue;
        };
        for (name, item) in table.iter() {
            if !from_sources.contains(name) {
                let at = reader.key_at(table, name, item);
                reader.need_index(&at);
            }
        }
    }
}

fn manifest(reader: &mut Reader<'_>, root: &dyn TableLike) {
    // Format 2 keeps entries under `[deps]`; format 1 at the top level.
    let entries = match root.get("deps") {
        Some(item) => reader.table(item, "deps"),
        None => Some(root),
    };
    let Some(entries) = entries else {
        return;
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (name, item) in entries.iter() {
        if item.is_value() && !item.is_array() {
            // `julia_version`, `manifest_format`, `project_hash`.
            continue;
        }
        for (entry, at) in reader.tables(item, name) {
            if let Some((url, url_at)) = reader.string_key(entry, "repo-url", name) {
                let host = crate::remote::parse(url)
                    .map(|remote| remote.host)
                    .unwrap_or_default();
                if seen.insert(host) {
                    vcs(reader, url, &url_at);
                }
            } else if entry.contains_key("git-tree-sha1") && !entry.contains_key("path") {
                reader.need_index(&at);
            }
        }
    }
}

fn vcs(reader: &mut Reader<'_>, url: &str, at: &Location) {
    push_direct_in(
        &mut reader.manifest,
        Ecosystem::Julia,
        Kind::Vcs,
        url,
        reader.file,
        at,
    );
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::formats::Format;

    fn index_with(server: &str) -> Option<String> {
        let context = ParseContext {
            env: Some(BTreeMap::from([(
                "JULIA_PKG_SERVER".to_string(),
                server.to_string(),
            )])),
        };
        let file = SourceFile::new("Project.toml", "[deps]\nFlux = \"587475ba\"\n");
        let manifest = JuliaProject.parse(&file, &context);
        assert!(manifest.needs_index.is_some());
        manifest
            .options
            .index_url
            .and_then(|declared| declared.remote)
            .map(|remote| remote.host)
    }

    #[test]
    fn the_package_server_can_be_replaced_or_bypassed() {
        assert_eq!(
            index_with("mirrors.example.com/julia").as_deref(),
            Some("mirrors.example.com")
        );
        assert_eq!(
            index_with("https://pkg.corp.example.com").as_deref(),
            Some("pkg.corp.example.com")
        );
        // Empty: no package server; the General registry is cloned from GitHub.
        assert_eq!(index_with("").as_deref(), Some("github.com"));
    }

    #[test]
    fn manifests_and_projects_match_by_name() {
        for name in ["Project.toml", "JuliaManifest.toml", "Manifest-v1.11.toml"] {
            assert!(
                JuliaProject.matches(&Candidate::new(Path::new(name))),
                "{name}"
            );
        }
        assert!(!JuliaProject.matches(&Candidate::new(Path::new("pyproject.toml"))));
    }
}
