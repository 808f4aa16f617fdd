//! Cargo's configuration in the repository: `.cargo/config.toml` (and the older
//! `.cargo/config`). It governs the Cargo projects in the directory tree it sits in, merged
//! as Cargo merges them with every ancestor's (`resolve`: the deeper file wins where both
//! set something). `[registries.NAME] index`
//! defines the registries that dependencies pin with `registry = "NAME"`;
//! `[registry] default` makes one of them the default; `[source.crates-io] replace-with`
//! *replaces* the default registry with the source it names (like pip's `--index-url`),
//! following `replace-with` chains to a `registry`/`git` URL, or to a `local-registry` or
//! `directory` on disk, which needs no host at all. Every source is kept by name too, and
//! the name crates-io is replaced with: `resolve` follows it over all the merged files,
//! so a `replace-with` may name a source another file defines (or redefines).

use toml_edit::TableLike;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::toml_support::{self, Reader};
use crate::formats::{Candidate, ParseContext, expand_variables};
use crate::model::{Declared, Installer, Role};
use crate::source::{Location, SourceFile};

pub struct CargoConfig;

pub const NAME: &str = "rust/cargo-config";

/// `replace-with` chains longer than this are reported as a loop.
const MAX_REPLACEMENTS: usize = 16;

impl super::Format for CargoConfig {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Cargo configuration"
    }

    fn files(&self) -> &'static str {
        "`.cargo/config.toml`, `.cargo/config`"
    }

    fn reads(&self) -> &'static str {
        "`[registries.NAME] index` (for dependencies with `registry = \"NAME\"`), `[registry] default`, `[source.crates-io] replace-with` chains to a `registry`/`git` URL (replaces the default registry) or a `local-registry`/`directory` (no host), across files too; applies to the Cargo projects in its tree, merged with the files above it (the deeper wins)"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(candidate.lower_name(), "config.toml" | "config")
            && candidate.directory().as_deref() == Some(".cargo")
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> crate::model::Manifest {
        let document = match toml_support::parse(file) {
            Ok(document) => document,
            Err(error) => {
                return Reader::failed(file, NAME, Installer::Cargo, Role::Config, error);
            }
        };
        let mut reader = Reader::new(file, NAME, Installer::Cargo, Role::Config);
        let root = document.as_table();
        if let Some(item) = root.get("registries")
            && let Some(registries) = reader.table(item, "registries")
        {
            for (name, item) in registries.iter() {
                let path = format!("registries.{name}");
                let Some(registry) = reader.table(item, &path) else {
                    continue;
                };
                if let Some((raw, at)) = reader.string_key(registry, "index", &path) {
                    let declared = registry_index(&mut reader, raw, &at, context);
                    reader
                        .manifest
                        .options
                        .named
                        .push((name.to_string(), declared));
                }
            }
        }
        if let Some(item) = root.get("registry")
            && let Some(registry) = reader.table(item, "registry")
            && let Some((name, at)) = reader.string_key(registry, "default", "registry")
        {
            let found = reader
                .manifest
                .options
                .named
                .iter()
                .find(|(defined, _)| defined == name)
                .map(|(_, declared)| Declared {
                    remote: declared.remote.clone(),
                    at: at.clone(),
                });
            match found {
                Some(declared) => reader.manifest.options.index_url = Some(declared),
                None => unknown_source(&mut reader, name, &at),
            }
        }
        if let Some(item) = root.get("source")
            && let Some(sources) = reader.table(item, "source")
        {
            replacement(&mut reader, sources, context);
        }
        reader.finish()
    }
}

/// Keeps the name `[source.crates-io] replace-with` gives, and what every other source
/// serves by name (its in-file `replace-with` chain followed), for `resolve` to follow
/// the name over every merged file.
fn replacement(reader: &mut Reader<'_>, sources: &dyn TableLike, context: &ParseContext) {
    // Only the name is kept: resolution follows it over the sources of every merged
    // file, since a deeper file may define it, or define it anew.
    if let Some(item) = sources.get("crates-io")
        && let Some(table) = reader.table(item, "source.crates-io")
        && let Some((name, at)) = reader.string_key(table, "replace-with", "source.crates-io")
    {
        if name == "crates-io" {
            reader.problem(at, "`crates-io` cannot be replaced with itself".to_string());
        } else {
            reader.manifest.options.replaced_by_name = Some((name.to_string(), at));
        }
    }
    let names: Vec<String> = sources
        .iter()
        .map(|(name, _)| name.to_string())
        .filter(|name| name != "crates-io")
        .collect();
    for name in names {
        if let Some(declared) = follow(reader, sources, &name, context) {
            reader.manifest.options.sources.push((name, declared));
        }
    }
    // Chains through shared sources meet their problems more than once: report each once.
    let mut seen = std::collections::BTreeSet::new();
    reader
        .manifest
        .diagnostics
        .retain(|diagnostic| seen.insert(diagnostic.clone()));
}

/// What the source `start` leads to through this file's `replace-with` chain: a URL or a
/// directory on disk (`remote: None`); `None` where the chain ends at the default
/// registry or at a name only another file may define.
fn follow(
    reader: &mut Reader<'_>,
    sources: &dyn TableLike,
    start: &str,
    context: &ParseContext,
) -> Option<Declared> {
    let mut current = start.to_string();
    for _ in 0..MAX_REPLACEMENTS {
        let path = format!("source.{current}");
        let source = sources
            .get(&current)
            .and_then(|item| reader.table(item, &path))?;
        if let Some((next, at)) = reader.string_key(source, "replace-with", &path) {
            if sources.contains_key(next) {
                current = next.to_string();
                continue;
            }
            // `replace-with` may also name a registry from `[registries]`.
            let named = reader
                .manifest
                .options
                .named
                .iter()
                .find(|(name, _)| name == next)
                .map(|(_, declared)| Declared {
                    remote: declared.remote.clone(),
                    at: at.clone(),
                });
            return named;
        }
        if current == "crates-io" {
            // The default source itself, not replaced.
            return None;
        }
        for key in ["registry", "git"] {
            if let Some((raw, at)) = reader.string_key(source, key, &path) {
                return Some(registry_index(reader, raw, &at, context));
            }
        }
        for key in ["local-registry", "directory"] {
            if let Some((_, at)) = reader.string_key(source, key, &path) {
                // Vendored crates: the default registry is replaced by files on disk.
                return Some(Declared { remote: None, at });
            }
        }
        return None;
    }
    // Reported from every source on the loop: the same problem, kept once.
    let at = reader.file.line_location(1, 1);
    reader.problem(
        at,
        format!("`replace-with` chains loop or nest deeper than {MAX_REPLACEMENTS} sources"),
    );
    None
}

fn unknown_source(reader: &mut Reader<'_>, name: &str, at: &Location) {
    reader.manifest.diagnostics.push(
        Diagnostic::at(
            Code::UnknownIndexName,
            reader.file,
            at.clone(),
            format!("no source or registry named `{name}` is defined in this file"),
        )
        .with_help("define it under `[source.NAME]` or `[registries.NAME]`"),
    );
}

/// A registry index URL as Cargo writes it: `sparse+https://…` for the sparse protocol,
/// `registry+https://…` in lockfiles, a plain `https://…` for a git index.
pub(crate) fn strip_protocol(raw: &str) -> &str {
    raw.strip_prefix("sparse+")
        .or_else(|| raw.strip_prefix("registry+"))
        .unwrap_or(raw)
}

/// Whether a registry URL is the default registry's (its sparse index host, or the git
/// index on GitHub that lockfiles name even when the sparse protocol is used).
pub(crate) fn is_default_registry(raw: &str) -> bool {
    let url = strip_protocol(raw).trim_end_matches('/');
    let Ok(remote) = crate::remote::parse(url) else {
        return false;
    };
    remote.host == crate::host::reverse("io.crates.index")
        || (remote.host == "github.com"
            && remote
                .path
                .trim_end_matches(".git")
                .eq_ignore_ascii_case("/rust-lang/crates.io-index"))
}

fn registry_index(
    reader: &mut Reader<'_>,
    raw: &str,
    at: &Location,
    context: &ParseContext,
) -> Declared {
    let expanded = expand_variables(raw, context);
    reader.index(strip_protocol(&expanded), at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;
    use std::path::Path;

    #[test]
    fn only_files_in_a_cargo_directory_match() {
        assert!(CargoConfig.matches(&Candidate::new(Path::new(".cargo/config.toml"))));
        assert!(CargoConfig.matches(&Candidate::new(Path::new("crates/a/.cargo/config"))));
        assert!(!CargoConfig.matches(&Candidate::new(Path::new("config.toml"))));
        assert!(!CargoConfig.matches(&Candidate::new(Path::new("cargo/config.toml"))));
    }

    /// A `replace-with` loop is one problem however many sources it passes through, and
    /// crates-io cannot name itself; sources that serve crates are kept by name.
    #[test]
    fn replacement_loops_are_reported_once() {
        let text = "[source.crates-io]\nreplace-with = \"a\"\n[source.a]\nreplace-with = \"b\"\n[source.b]\nreplace-with = \"a\"\n[source.c]\nregistry = \"sparse+https://c.example.com/index/\"\n";
        let file = SourceFile::new(".cargo/config.toml", text);
        let manifest = CargoConfig.parse(&file, &ParseContext::default());
        let loops = manifest
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.message.contains("chains loop"))
            .count();
        assert_eq!(loops, 1, "{:?}", manifest.diagnostics);
        assert_eq!(
            manifest
                .options
                .replaced_by_name
                .as_ref()
                .map(|(name, _)| name.as_str()),
            Some("a")
        );
        let named: Vec<&str> = manifest
            .options
            .sources
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(named, ["c"]);

        let file = SourceFile::new(
            ".cargo/config.toml",
            "[source.crates-io]\nreplace-with = \"crates-io\"\n",
        );
        let manifest = CargoConfig.parse(&file, &ParseContext::default());
        assert!(manifest.options.replaced_by_name.is_none());
        assert_eq!(manifest.diagnostics.len(), 1, "{:?}", manifest.diagnostics);
    }

    #[test]
    fn the_default_registry_is_recognised_in_every_spelling() {
        let sparse = format!(
            "sparse+https://{}/",
            crate::host::reverse("io.crates.index")
        );
        assert!(is_default_registry(&sparse));
        assert!(is_default_registry(
            "registry+https://github.com/rust-lang/crates.io-index"
        ));
        assert!(!is_default_registry(
            "sparse+https://cargo.example.com/index/"
        ));
        assert!(!is_default_registry("https://github.com/other/index"));
    }
}
