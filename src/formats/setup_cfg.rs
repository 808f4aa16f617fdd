//! setuptools' `setup.cfg`: `[options] install_requires` (PEP 508 lines, fetched from the
//! index), `setup_requires` (build-time, also from the index) and `dependency_links`
//! (URLs that setuptools' legacy installer reads and pip has ignored since pip 19). No
//! code runs: `setup.py` is never executed.

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, ini, push_direct};
use crate::model::{Installer, Kind, Manifest, Role};
use crate::remote;
use crate::source::SourceFile;

pub struct SetupCfg;

pub const NAME: &str = "python/setup-cfg";

impl super::Format for SetupCfg {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "setuptools"
    }

    fn files(&self) -> &'static str {
        r"`setup.cfg`"
    }

    fn reads(&self) -> &'static str {
        r"`install_requires`, `setup_requires`, `extras_require`, `dependency_links` (reported, with a warning that pip ignores them)"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "setup.cfg"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Install);
        let (entries, _malformed) = ini::parse(&file.text);
        for entry in &entries {
            let requirements = entry.section == "options"
                && matches!(entry.key.as_str(), "install-requires" | "setup-requires")
                || entry.section == "options.extras-require"
                || entry.section == "options.extras_require";
            if requirements {
                for (line, column, text) in &entry.values {
                    let at = file.line_location(*line, *column);
                    let text = text.split(" #").next().unwrap_or(text).trim();
                    if text.is_empty() || text.starts_with("file:") || text.starts_with("attr:") {
                        continue;
                    }
                    parse_requirement(&mut manifest, file, &at, text);
                }
            } else if entry.section == "options" && entry.key == "dependency-links" {
                for (line, column, text) in &entry.values {
                    let at = file.line_location(*line, *column);
                    for url in text.split([',', ' ']).filter(|url| !url.is_empty()) {
                        push_direct(&mut manifest, Kind::DependencyLink, url, file, &at);
                    }
                    manifest.diagnostics.push(
                        Diagnostic::at(
                            Code::DependencyLinksIgnored,
                            file,
                            at,
                            "pip ignores dependency_links (since pip 19); only setuptools' legacy installer reads them",
                        )
                        .with_help("move the URL into a requirement (`name @ URL`) or an index option"),
                    );
                }
            }
        }
        manifest
    }
}

fn parse_requirement(
    manifest: &mut Manifest,
    file: &SourceFile,
    at: &crate::source::Location,
    text: &str,
) {
    match crate::formats::parse_pep508(text) {
        Ok(requirement) => {
            manifest.use_package(requirement.name.as_ref(), at);
            match requirement.version_or_url {
                Some(pep508_rs::VersionOrUrl::Url(url)) => {
                    let kind = if remote::vcs_of(&url.0).is_some() {
                        Kind::Vcs
                    } else {
                        Kind::Archive
                    };
                    push_direct(manifest, kind, &url.0, file, at);
                    manifest.need_index(at.clone());
                }
                _ => manifest.need_index(at.clone()),
            }
        }
        Err(error) => manifest.diagnostics.push(Diagnostic::at(
            Code::InvalidRequirement,
            file,
            at.clone(),
            format!("not a valid requirement: {}", error.message),
        )),
    }
}
