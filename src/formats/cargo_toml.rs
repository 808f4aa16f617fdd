//! Cargo's `Cargo.toml`. A dependency with only a version (`serde = "1"`,
//! `{ version = "1" }`) comes from the default registry (the Rust crate registry's sparse
//! index and the host serving its `.crate` files, unless a `.cargo/config.toml` replaces
//! it); `registry = "NAME"` from the registry that configuration defines under that name;
//! `git = "…"` is cloned from its host; `path = "…"` is local; `workspace = true`
//! inherits from `[workspace.dependencies]`, read where it is written. Dependency tables:
//! `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, the same under
//! `[target.'cfg(…)']`, `[workspace.dependencies]`, and the git sources of `[patch.*]` and
//! `[replace]`.

use toml_edit::{Item, TableLike};

use crate::formats::toml_support::{self, Reader, key_path};
use crate::formats::{Candidate, ParseContext, expand_variables, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};

pub struct CargoToml;

pub const NAME: &str = "rust/cargo-toml";

const GROUPS: [&str; 4] = [
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    // The pre-2018 spelling Cargo still accepts.
    "dev_dependencies",
];

impl super::Format for CargoToml {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Cargo manifests"
    }

    fn files(&self) -> &'static str {
        "`Cargo.toml`"
    }

    fn reads(&self) -> &'static str {
        "`[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` (also under `[target.…]` and `[workspace.dependencies]`): version-only dependencies need the default registry (sparse index, `.crate` file host and API, or what `.cargo/config.toml` replaces it with), `registry = \"NAME\"` the registry configuration (or, with `--env`, `CARGO_REGISTRIES_<NAME>_INDEX`) defines, `git = \"…\"` its host; `path` is local; git sources of `[patch.*]` and `[replace]`"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "cargo.toml"
    }

    fn parse(&self, file: &crate::source::SourceFile, context: &ParseContext) -> Manifest {
        let document = match toml_support::parse(file) {
            Ok(document) => document,
            Err(error) => {
                return Reader::failed(file, NAME, Installer::Cargo, Role::Install, error);
            }
        };
        let mut reader = Reader::new(file, NAME, Installer::Cargo, Role::Install);
        let root = document.as_table();
        groups(&mut reader, root, "", context);
        if let Some(item) = root.get("workspace")
            && let Some(workspace) = reader.table(item, "workspace")
            && let Some(item) = workspace.get("dependencies")
        {
            dependencies(&mut reader, item, "workspace.dependencies", context);
        }
        if let Some(item) = root.get("target")
            && let Some(targets) = reader.table(item, "target")
        {
            for (target, item) in targets.iter() {
                let path = format!("target.{target}");
                if let Some(table) = reader.table(item, &path) {
                    groups(&mut reader, table, &path, context);
                }
            }
        }
        // Patches and replacements only redirect crates that something depends on, but
        // their git sources are what gets cloned then.
        if let Some(item) = root.get("patch")
            && let Some(patches) = reader.table(item, "patch")
        {
            for (registry, item) in patches.iter() {
                let path = format!("patch.{registry}");
                if let Some(table) = reader.table(item, &path) {
                    overrides(&mut reader, table, &path, context);
                }
            }
        }
        if let Some(item) = root.get("replace")
            && let Some(table) = reader.table(item, "replace")
        {
            overrides(&mut reader, table, "replace", context);
        }
        reader.finish()
    }
}

fn groups(reader: &mut Reader<'_>, table: &dyn TableLike, prefix: &str, context: &ParseContext) {
    for group in GROUPS {
        if let Some(item) = table.get(group) {
            dependencies(reader, item, &key_path(prefix, group), context);
        }
    }
}

fn dependencies(reader: &mut Reader<'_>, item: &Item, path: &str, context: &ParseContext) {
    let Some(table) = reader.table(item, path) else {
        return;
    };
    for (name, item) in table.iter() {
        let at = reader.key_at(table, name, item);
        let path = key_path(path, name);
        if item.is_str() {
            reader.need_index(&at);
            continue;
        }
        let Some(spec) = item.as_table_like() else {
            reader.unexpected(
                reader.item_at(item),
                &path,
                "a version string or a table",
                item,
            );
            continue;
        };
        if reader.flag(spec, "workspace", &path) {
            continue;
        }
        if git_source(reader, spec, &path, context) {
            continue;
        }
        if let Some((registry, registry_at)) = reader.string_key(spec, "registry", &path) {
            // With `--env`, `CARGO_REGISTRIES_<NAME>_INDEX` defines the registry as
            // configuration would (and wins over it).
            let variable = format!(
                "CARGO_REGISTRIES_{}_INDEX",
                registry.to_ascii_uppercase().replace('-', "_")
            );
            if let Some(raw) = context.env.as_ref().and_then(|env| env.get(&variable)) {
                let at = crate::source::Location::new(format!("env:{variable}"), 0, 0);
                let declared = reader.index(super::cargo_config::strip_protocol(raw), &at);
                reader.manifest.options.extra_index_urls.push(declared);
            } else {
                reader
                    .manifest
                    .index_pins
                    .push((registry.to_string(), registry_at));
            }
            continue;
        }
        if let Some((raw, index_at)) = reader.string_key(spec, "registry-index", &path) {
            let expanded = expand_variables(raw, context);
            let declared = reader.index(super::cargo_config::strip_protocol(&expanded), &index_at);
            reader.manifest.options.extra_index_urls.push(declared);
            continue;
        }
        if spec.contains_key("path") {
            continue;
        }
        reader.need_index(&at);
    }
}

/// A `git = "…"` source: recorded, and `true` when the entry had one.
fn git_source(
    reader: &mut Reader<'_>,
    spec: &dyn TableLike,
    path: &str,
    context: &ParseContext,
) -> bool {
    let Some((raw, at)) = reader.string_key(spec, "git", path) else {
        return false;
    };
    let url = expand_variables(raw, context);
    push_direct_in(
        &mut reader.manifest,
        Ecosystem::Rust,
        Kind::Vcs,
        &url,
        reader.file,
        &at,
    );
    true
}

/// `[patch.*]` and `[replace]` entries: only their git sources reach a host.
fn overrides(reader: &mut Reader<'_>, table: &dyn TableLike, path: &str, context: &ParseContext) {
    for (name, item) in table.iter() {
        let path = key_path(path, name);
        if let Some(spec) = reader.table(item, &path) {
            git_source(reader, spec, &path, context);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::formats::Format;

    #[test]
    fn a_registry_index_from_the_environment_replaces_the_pin() {
        let file = crate::source::SourceFile::new(
            "Cargo.toml",
            "[dependencies]\nmetrics = { version = \"1\", registry = \"corp-tools\" }\n",
        );
        let pinned = CargoToml.parse(&file, &ParseContext::default());
        assert_eq!(pinned.index_pins.len(), 1);
        assert!(pinned.options.extra_index_urls.is_empty());
        let context = ParseContext {
            env: Some(BTreeMap::from([(
                "CARGO_REGISTRIES_CORP_TOOLS_INDEX".to_string(),
                "sparse+https://cargo.corp.example.com/index/".to_string(),
            )])),
        };
        let from_env = CargoToml.parse(&file, &context);
        assert!(from_env.index_pins.is_empty());
        let host = from_env.options.extra_index_urls[0]
            .remote
            .as_ref()
            .map(|remote| remote.host.as_str());
        assert_eq!(host, Some("cargo.corp.example.com"));
        assert!(from_env.needs_index.is_none());
    }
}
