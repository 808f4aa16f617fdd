//! An R package's `DESCRIPTION` (Debian control format: `Field: value`, continuation
//! lines indented), as `remotes::install_deps()`, pak and `devtools` read it.
//! `Depends` (other than `R` itself), `Imports` and `LinkingTo` are installed from the
//! package repositories (CRAN unless configured otherwise); `Additional_repositories`
//! adds repositories; a `biocViews` field makes the installers use Bioconductor too;
//! `Remotes` names where particular packages come from: `owner/repo` and `github::`
//! (downloaded through GitHub's API), `gitlab::`, `bitbucket::`, `git::URL`,
//! `svn::URL`, `url::URL`, `bioc::` (Bioconductor), `cran::` (the repositories) and
//! `local::` (nothing). A `DESCRIPTION` without a `Package:` field is not an R
//! package's and gives nothing.

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, declared, expand_variables, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct RDescription;

pub const NAME: &str = "r/description";

const BIOCONDUCTOR: &str = "https://bioconductor.org/packages";

impl super::Format for RDescription {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "R package description"
    }

    fn files(&self) -> &'static str {
        "`DESCRIPTION`"
    }

    fn reads(&self) -> &'static str {
        "`Depends` (not `R`), `Imports`, `LinkingTo` (need the repositories: CRAN's cloud mirror by default), `Additional_repositories` (add), `biocViews` (Bioconductor), `Remotes`: `owner/repo` and `github::` (GitHub's API), `gitlab::`, `bitbucket::`, `git::`, `svn::`, `url::`, `bioc::`, `cran::`, `local::`"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.name() == "DESCRIPTION"
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::R, Role::Install);
        // Other projects have files named DESCRIPTION too (prose); an R package's always
        // names the package.
        if !file.text.lines().any(|line| line.starts_with("Package:")) {
            return manifest;
        }
        for field in fields(file, &mut manifest.diagnostics) {
            match field.name.as_str() {
                "Depends" | "Imports" | "LinkingTo" => {
                    if let Some((_, at)) = field.items.iter().find(|(item, _)| {
                        let name = item.split(['(', ' ']).next().unwrap_or_default();
                        !name.is_empty() && name != "R"
                    }) {
                        manifest.need_index(at.clone());
                    }
                }
                "Additional_repositories" => {
                    for (url, at) in &field.items {
                        let url = expand_variables(url, context);
                        let declared = declared(&url, file, at, &mut manifest.diagnostics);
                        manifest.options.extra_index_urls.push(declared);
                    }
                }
                "biocViews" => {
                    push_direct_in(
                        &mut manifest,
                        Ecosystem::R,
                        Kind::Index,
                        BIOCONDUCTOR,
                        file,
                        &field.at,
                    );
                }
                "Remotes" => {
                    for (remote, at) in &field.items {
                        remote_source(&mut manifest, file, remote, at);
                    }
                }
                _ => {}
            }
        }
        manifest
    }
}

/// One `Field: value` with its comma-separated items and where each item starts.
struct Field {
    name: String,
    at: Location,
    items: Vec<(String, Location)>,
}

fn fields(file: &SourceFile, diagnostics: &mut Vec<Diagnostic>) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    for (index, line) in file.text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (text, offset) = if line.starts_with([' ', '\t']) {
            if fields.is_empty() {
                diagnostics.push(Diagnostic::at(
                    Code::SyntaxError,
                    file,
                    file.line_location(index + 1, 1),
                    "a continuation line before any field",
                ));
                continue;
            }
            (line, 0)
        } else if let Some((name, _)) = line.split_once(':')
            && !name.is_empty()
            && !name.contains(char::is_whitespace)
        {
            fields.push(Field {
                name: name.to_string(),
                at: file.line_location(index + 1, 1),
                items: Vec::new(),
            });
            (&line[name.len() + 1..], name.len() + 1)
        } else {
            diagnostics.push(Diagnostic::at(
                Code::SyntaxError,
                file,
                file.line_location(index + 1, 1),
                "not a `Field: value` line (continuation lines start with a space)",
            ));
            continue;
        };
        let Some(field) = fields.last_mut() else {
            continue;
        };
        let mut start = offset;
        for piece in text.split(',') {
            let item = piece.trim();
            if !item.is_empty() {
                let column = line[..start + piece.find(item).unwrap_or(0)]
                    .chars()
                    .count()
                    + 1;
                field
                    .items
                    .push((item.to_string(), file.line_location(index + 1, column)));
            }
            start += piece.len() + 1;
        }
    }
    fields
}

fn remote_source(manifest: &mut Manifest, file: &SourceFile, remote: &str, at: &Location) {
    // `pkg=type::spec` names the package the remote provides.
    let remote = match remote.split_once('=') {
        Some((name, spec)) if !name.contains("::") && !name.contains('/') => spec.trim(),
        _ => remote,
    };
    let (kind, spec) = remote.split_once("::").unwrap_or(("github", remote));
    // `owner/repo/subdir@ref` and `owner/repo#123`: the repository is the first two parts.
    let repository = || {
        let path = spec.split(['@', '#']).next().unwrap_or(spec);
        let mut parts = path.splitn(3, '/');
        match (parts.next(), parts.next()) {
            (Some(owner), Some(repo)) if !owner.is_empty() && !repo.is_empty() => {
                Some(format!("{owner}/{repo}"))
            }
            _ => None,
        }
    };
    let mut push = |kind: Kind, url: &str| {
        push_direct_in(manifest, Ecosystem::R, kind, url, file, at);
    };
    match kind.to_ascii_lowercase().as_str() {
        "github" | "gitlab" | "bitbucket" => {
            let Some(repository) = repository() else {
                manifest.diagnostics.push(Diagnostic::at(
                    Code::UnexpectedValue,
                    file,
                    at.clone(),
                    format!("`{remote}` is not `owner/repo`"),
                ));
                return;
            };
            match kind {
                // remotes downloads GitHub tarballs through the API (`api.github.com`),
                // which redirects to codeload.
                "github" => push(
                    Kind::Api,
                    &format!("https://api.github.com/repos/{repository}"),
                ),
                "gitlab" => push(Kind::Vcs, &format!("https://gitlab.com/{repository}")),
                _ => {
                    push(
                        Kind::Api,
                        &format!("https://api.bitbucket.org/2.0/repositories/{repository}"),
                    );
                    push(Kind::Vcs, &format!("https://bitbucket.org/{repository}"));
                }
            }
        }
        "git" | "svn" => push(Kind::Vcs, spec),
        "url" => push(Kind::Archive, spec),
        "bioc" => push(Kind::Index, BIOCONDUCTOR),
        "cran" => manifest.need_index(at.clone()),
        "local" => {}
        _ => manifest.diagnostics.push(Diagnostic::at(
            Code::UnexpectedValue,
            file,
            at.clone(),
            format!("unknown remote type `{kind}::` in `{remote}`"),
        )),
    }
}
