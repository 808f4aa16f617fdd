//! pixi's `pixi.lock` (YAML, lock format 4 to 6): exact URLs beat defaults. Each
//! environment's `channels[].url` (conda channels) and `indexes` (Python indexes), and
//! every entry of the top-level `packages` list: `conda: URL` (conda package files) and
//! `pypi: URL` (Python package files; `git+…` is cloned), or in older locks `kind:` with
//! `url:`. Local paths name no host. Each host is reported once per kind, at its first
//! occurrence. pixi's `[mirrors]` configuration substitutes hosts at download time while
//! the lock keeps the canonical URLs; it lives outside the repository.

use std::collections::BTreeSet;

use saphyr::{LoadableYamlNode, MarkedYamlOwned, YamlDataOwned};

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::conda_environment::{entry, location, scalar_text};
use crate::formats::{Candidate, ParseContext, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct PixiLock;

pub const NAME: &str = "conda/pixi-lock";

impl super::Format for PixiLock {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "pixi lockfiles"
    }

    fn files(&self) -> &'static str {
        "`pixi.lock`"
    }

    fn reads(&self) -> &'static str {
        "every environment's `channels[].url` and `indexes`, and every package URL (`conda:` as channel hosts, `pypi:` as Python file hosts, `git+` as repositories; `kind:`/`url:` in older locks), each host once per kind"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "pixi.lock"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Pixi, Role::Install);
        let documents = match MarkedYamlOwned::load_from_str(&file.text) {
            Ok(documents) => documents,
            Err(error) => {
                manifest
                    .diagnostics
                    .push(crate::formats::conda_environment::yaml_error(file, &error));
                return manifest;
            }
        };
        let Some(YamlDataOwned::Mapping(root)) = documents.first().map(|document| &document.data)
        else {
            manifest.diagnostics.push(Diagnostic::at(
                Code::UnexpectedValue,
                file,
                file.line_location(1, 1),
                "a pixi lockfile is a mapping with `environments` and `packages`",
            ));
            return manifest;
        };
        let mut seen: BTreeSet<(Kind, String)> = BTreeSet::new();
        let mut record = |manifest: &mut Manifest, kind: Kind, node: &MarkedYamlOwned| {
            let Some(url) = scalar_text(node) else {
                return;
            };
            let (ecosystem, kind) = match kind {
                Kind::Channel => (Ecosystem::Conda, Kind::Channel),
                _ if url.starts_with("git+") => (Ecosystem::Python, Kind::Vcs),
                other => (Ecosystem::Python, other),
            };
            let url = url.split('#').next().unwrap_or(&url).to_string();
            if !crate::remote::has_scheme(&url) {
                return;
            }
            let host = crate::remote::parse(&url)
                .map(|remote| remote.host)
                .unwrap_or_default();
            if seen.insert((kind, host)) {
                push_direct_in(manifest, ecosystem, kind, &url, file, &location(file, node));
            }
        };
        if let Some((_, environments)) = entry(root, "environments")
            && let YamlDataOwned::Mapping(environments) = &environments.data
        {
            for environment in environments.values() {
                let YamlDataOwned::Mapping(environment) = &environment.data else {
                    continue;
                };
                for channel in sequence(environment, "channels") {
                    if let YamlDataOwned::Mapping(channel) = &channel.data
                        && let Some((_, url)) = entry(channel, "url")
                    {
                        record(&mut manifest, Kind::Channel, url);
                    }
                }
                for index in sequence(environment, "indexes") {
                    record(&mut manifest, Kind::Index, index);
                }
                for link in sequence(environment, "find-links") {
                    if let YamlDataOwned::Mapping(link) = &link.data
                        && let Some((_, url)) = entry(link, "url")
                    {
                        record(&mut manifest, Kind::FindLinks, url);
                    }
                }
            }
        }
        for package in sequence(root, "packages") {
            let YamlDataOwned::Mapping(package) = &package.data else {
                manifest.diagnostics.push(Diagnostic::at(
                    Code::UnexpectedValue,
                    file,
                    location(file, package),
                    "a `packages` entry should be a mapping with `conda:` or `pypi:`",
                ));
                continue;
            };
            if let Some((_, url)) = entry(package, "conda") {
                record(&mut manifest, Kind::Channel, url);
            } else if let Some((_, url)) = entry(package, "pypi") {
                record(&mut manifest, Kind::Files, url);
            } else if let Some((_, url)) = entry(package, "url") {
                let kind = entry(package, "kind").and_then(|(_, kind)| scalar_text(kind));
                let kind = if kind.as_deref() == Some("pypi") {
                    Kind::Files
                } else {
                    Kind::Channel
                };
                record(&mut manifest, kind, url);
            }
        }
        manifest
    }
}

/// The items of a sequence at `key`, or nothing.
fn sequence<'m>(
    map: &'m saphyr::AnnotatedMappingOwned<MarkedYamlOwned>,
    key: &str,
) -> &'m [MarkedYamlOwned] {
    match entry(map, key).map(|(_, value)| &value.data) {
        Some(YamlDataOwned::Sequence(items)) => items,
        _ => &[],
    }
}
