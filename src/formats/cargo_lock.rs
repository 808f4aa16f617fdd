//! Cargo's `Cargo.lock`: every `[[package]]` `source`. `registry+URL` and `sparse+URL`
//! name the registry a crate was locked from: the default registry's (which lockfiles
//! name by its git index on GitHub even when the sparse index is used) needs the default
//! registry, or what `.cargo/config.toml` replaces it with; any other is reported as
//! written. `git+URL?rev#sha` is cloned from its host. Packages without `source` are
//! local. Each host is reported once per kind, at its first occurrence.

use std::collections::BTreeSet;

use crate::formats::cargo_config::{is_default_registry, strip_protocol};
use crate::formats::toml_support::{self, Reader};
use crate::formats::{Candidate, ParseContext, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct CargoLock;

pub const NAME: &str = "rust/cargo-lock";

impl super::Format for CargoLock {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Cargo lockfiles"
    }

    fn files(&self) -> &'static str {
        "`Cargo.lock`"
    }

    fn reads(&self) -> &'static str {
        "every `[[package]]` `source`: the default registry (named by its git index even when the sparse index is used) needs the default registry or its replacement, other `registry+`/`sparse+` URLs their host, `git+URL` its host; each host once"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "cargo.lock"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let document = match toml_support::parse(file) {
            Ok(document) => document,
            Err(error) => {
                return Reader::failed(file, NAME, Installer::Cargo, Role::Install, error);
            }
        };
        let mut reader = Reader::new(file, NAME, Installer::Cargo, Role::Install);
        let Some(item) = document.as_table().get("package") else {
            return reader.finish();
        };
        let mut seen: BTreeSet<(Kind, String)> = BTreeSet::new();
        for (package, _) in reader.tables(item, "package") {
            let Some((source, at)) = reader.string_key(package, "source", "package") else {
                continue;
            };
            let (kind, url) = if let Some(url) = source.strip_prefix("git+") {
                (Kind::Vcs, url.split(['?', '#']).next().unwrap_or(url))
            } else if source.starts_with("registry+") || source.starts_with("sparse+") {
                if is_default_registry(source) {
                    reader.need_index(&at);
                    continue;
                }
                (Kind::Index, strip_protocol(source))
            } else {
                reader.problem(
                    at,
                    format!("unknown package source `{source}`: expected `registry+`, `sparse+` or `git+`"),
                );
                continue;
            };
            let host = crate::remote::parse(url)
                .map(|remote| remote.host)
                .unwrap_or_default();
            if seen.insert((kind, host)) {
                push_direct_in(&mut reader.manifest, Ecosystem::Rust, kind, url, file, &at);
            }
        }
        reader.finish()
    }
}
