//! Conda lockfiles with exact URLs: `conda-lock.yml` (the unified format of conda-lock:
//! `package:` entries with a `url` and a `manager` of `conda` or `pip`) and explicit
//! environment specs (`@EXPLICIT`, one package URL per line, as written by
//! `conda list --explicit` and conda-lock's `conda-<platform>.lock` files). Their URLs
//! are used as written, each host once per kind, at its first occurrence.

use std::collections::BTreeSet;

use crate::formats::{Candidate, ParseContext, push_direct};
use crate::model::{Installer, Kind, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct CondaExplicit;

pub const NAME: &str = "conda/explicit-spec";

impl super::Format for CondaExplicit {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "conda lockfiles"
    }

    fn files(&self) -> &'static str {
        "`conda-*.lock`, `*explicit*.txt`, `spec-file.txt`, and `conda-lock.yml` (recognised by its content)"
    }

    fn reads(&self) -> &'static str {
        "the package URLs after `@EXPLICIT`, and every `package:` URL of a conda-lock file (conda packages as channel hosts, pip packages as Python file hosts), each host once"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        let name = candidate.lower_name();
        let extension = candidate.extension().unwrap_or_default();
        (name.starts_with("conda-") && extension == "lock")
            || (name.contains("explicit") && extension == "txt")
            || name == "spec-file.txt"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Install);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut explicit = false;
        for (index, line) in file.text.lines().enumerate() {
            let line = line.trim();
            if line == "@EXPLICIT" {
                explicit = true;
                continue;
            }
            if !explicit || line.starts_with('#') || line.is_empty() {
                continue;
            }
            record(
                &mut manifest,
                &mut seen,
                file,
                line,
                &file.line_location(index + 1, 1),
            );
        }
        manifest
    }
}

/// Records a package URL's host once.
pub(crate) fn record(
    manifest: &mut Manifest,
    seen: &mut BTreeSet<String>,
    file: &SourceFile,
    url: &str,
    at: &Location,
) {
    let url = url.split('#').next().unwrap_or(url);
    let host = crate::remote::parse(url)
        .map(|remote| remote.host)
        .unwrap_or_default();
    if seen.insert(host) {
        push_direct(manifest, Kind::Channel, url, file, at);
    }
}

/// `conda-lock.yml`: every `package:` entry's `url`, conda packages as channel hosts and
/// pip packages as Python file hosts, each host once.
pub(crate) fn read_conda_lock(
    file: &SourceFile,
    packages: &[saphyr::MarkedYamlOwned],
    manifest: &mut Manifest,
) {
    use crate::formats::conda_environment::{entry, location, scalar_text};
    let mut conda_seen: BTreeSet<String> = BTreeSet::new();
    let mut pip_seen: BTreeSet<String> = BTreeSet::new();
    for package in packages {
        let saphyr::YamlDataOwned::Mapping(map) = &package.data else {
            continue;
        };
        let Some((_, url_node)) = entry(map, "url") else {
            continue;
        };
        let Some(url) = scalar_text(url_node) else {
            continue;
        };
        let at = location(file, url_node);
        let manager = entry(map, "manager").and_then(|(_, value)| scalar_text(value));
        if manager.as_deref() == Some("pip") {
            let host = crate::remote::parse(&url)
                .map(|remote| remote.host)
                .unwrap_or_default();
            if pip_seen.insert(host) {
                push_direct(manifest, Kind::Files, &url, file, &at);
            }
        } else {
            record(manifest, &mut conda_seen, file, &url, &at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;
    use std::path::Path;

    #[test]
    fn explicit_specs_list_their_hosts_once() {
        let file = SourceFile::new(
            "conda-linux-64.lock",
            "# platform: linux-64\n@EXPLICIT\nhttps://conda.anaconda.org/conda-forge/linux-64/a-1.conda#abc\nhttps://conda.anaconda.org/conda-forge/noarch/b-2.conda\nhttps://repo.example.com/main/linux-64/c-3.tar.bz2\n",
        );
        let manifest = CondaExplicit.parse(&file, &ParseContext::default());
        let hosts: Vec<&str> = manifest
            .direct
            .iter()
            .map(|d| d.remote.host.as_str())
            .collect();
        assert_eq!(hosts, ["conda.anaconda.org", "repo.example.com"]);
        assert_eq!(manifest.direct[0].at.line, 3);
        assert!(CondaExplicit.matches(&Candidate::new(Path::new("locks/conda-osx-arm64.lock"))));
        assert!(!CondaExplicit.matches(&Candidate::new(Path::new("poetry.lock"))));
    }
}
