//! renv's `renv.lock` (JSON). `R.Repositories[].URL` are the repositories
//! `renv::restore()` installs from (the first takes the place of CRAN's default, the
//! others add to it); packages with `Source: Repository` need them. `Source: GitHub`,
//! `GitLab` and `Bitbucket` packages are downloaded from their `RemoteHost` (GitHub's API
//! by default), `Source: Bioconductor` from Bioconductor, and `URL` and `git` packages
//! from their `RemoteUrl`. JSON has no positions: evidence is the line where the value
//! is written, found in the text.

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, declared, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct RenvLock;

pub const NAME: &str = "r/renv-lock";

impl super::Format for RenvLock {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "renv lockfiles"
    }

    fn files(&self) -> &'static str {
        "`renv.lock`"
    }

    fn reads(&self) -> &'static str {
        "`R.Repositories[].URL` (the first replaces CRAN's default), packages by `Source`: `Repository` (the repositories), `GitHub`/`GitLab`/`Bitbucket` (their `RemoteHost`, GitHub's API by default), `Bioconductor`, `URL` and `git` (`RemoteUrl`)"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "renv.lock"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::R, Role::Install);
        let value = match serde_json::from_str::<Value>(&file.text) {
            Ok(value) => value,
            Err(error) => {
                manifest.diagnostics.push(Diagnostic::at(
                    Code::SyntaxError,
                    file,
                    file.line_location(error.line().max(1), error.column().max(1)),
                    format!("not valid JSON: {error}"),
                ));
                return manifest;
            }
        };
        let repositories = value
            .pointer("/R/Repositories")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for repository in repositories {
            let Some(url) = repository.get("URL").and_then(Value::as_str) else {
                continue;
            };
            let at = locate(file, 0, url);
            let declared = declared(url, file, &at, &mut manifest.diagnostics);
            if manifest.options.index_url.is_none() {
                manifest.options.index_url = Some(declared);
            } else {
                manifest.options.extra_index_urls.push(declared);
            }
        }
        let Some(packages) = value.get("Packages").and_then(Value::as_object) else {
            return manifest;
        };
        let packages_at = file.text.find("\"Packages\"").unwrap_or(0);
        for (name, package) in packages {
            // The key of the package's object, not a mention of it in another package's
            // `Requirements`.
            let rest = file.text.get(packages_at..).unwrap_or_default();
            let start = rest
                .find(&format!("\"{name}\": {{"))
                .or_else(|| rest.find(&format!("\"{name}\"")))
                .map_or(packages_at, |offset| packages_at + offset);
            let text = |key: &str| package.get(key).and_then(Value::as_str);
            let at = file.location(start + 1);
            match text("Source").unwrap_or("Repository") {
                "Repository" => manifest.need_index(at),
                "GitHub" | "GitLab" | "Bitbucket" => {
                    let source = text("Source").unwrap_or_default();
                    let default_host = match source {
                        "GitHub" => "api.github.com",
                        "GitLab" => "gitlab.com",
                        _ => "api.bitbucket.org/2.0",
                    };
                    let host = text("RemoteHost").unwrap_or(default_host);
                    let url = if host.contains("://") {
                        host.to_string()
                    } else {
                        format!("https://{host}")
                    };
                    let at = text("RemoteHost").map_or(at, |host| locate(file, start, host));
                    let kind = if source == "GitLab" {
                        Kind::Vcs
                    } else {
                        Kind::Api
                    };
                    push_direct_in(&mut manifest, Ecosystem::R, kind, &url, file, &at);
                }
                "Bioconductor" => push_direct_in(
                    &mut manifest,
                    Ecosystem::R,
                    Kind::Index,
                    "https://bioconductor.org/packages",
                    file,
                    &at,
                ),
                source @ ("URL" | "git" | "Git") => {
                    let Some(url) = text("RemoteUrl") else {
                        manifest.diagnostics.push(Diagnostic::at(
                            Code::UnexpectedValue,
                            file,
                            at,
                            format!("package `{name}` from `{source}` has no `RemoteUrl`"),
                        ));
                        continue;
                    };
                    let kind = if source == "URL" {
                        Kind::Archive
                    } else {
                        Kind::Vcs
                    };
                    let at = locate(file, start, url);
                    push_direct_in(&mut manifest, Ecosystem::R, kind, url, file, &at);
                }
                // `Local`, `unknown` (installed by hand) and the like: nothing to fetch.
                _ => {}
            }
        }
        manifest
    }
}

/// The place of a JSON string value at or after `from`.
fn locate(file: &SourceFile, from: usize, value: &str) -> Location {
    let needle = serde_json::to_string(value).unwrap_or_default();
    match file.text.get(from..).and_then(|rest| rest.find(&needle)) {
        Some(offset) => file.location(from + offset + 1),
        None => file.location(from),
    }
}
