//! yarn's `yarn.lock`, both generations. yarn 1 writes `resolved "URL#hash"` for every
//! package: exact hosts (registry tarballs on yarn's registry host or the configured one,
//! git and tarball dependencies), each reported once. yarn 2+ ("berry", recognised by
//! its `__metadata:` block) writes YAML whose `resolution: "name@npm:1.0.0"` entries
//! record no URL: they come from `npmRegistryServer` (`.yarnrc.yml`, default yarn's
//! registry host), so the lockfile says only that the registry is needed; `https:`,
//! `git+…` and `github:` resolutions are direct sources; `workspace:`, `portal:`,
//! `link:`, `file:` and `exec:` are local. A `patch:` resolution needs what it patches.

use std::collections::BTreeSet;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, column_of, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct YarnLock;

pub const NAME: &str = "npm/yarn-lock";

impl super::Format for YarnLock {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "yarn lockfiles"
    }

    fn files(&self) -> &'static str {
        "`yarn.lock` (yarn 1 and yarn 2+)"
    }

    fn reads(&self) -> &'static str {
        "yarn 1: every `resolved` URL, each host once; yarn 2+ (`__metadata:`): `resolution: \"name@npm:…\"` needs the registry of `.yarnrc.yml` (default yarn's registry host), `https:`/`git+…`/`github:` resolutions their host, `workspace:`/`portal:`/`link:`/`file:` nothing; a `package.json` beside it is installed by that yarn"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "yarn.lock"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let berry = file
            .text
            .lines()
            .any(|line| line.trim_end() == "__metadata:");
        if berry {
            parse_berry(file)
        } else {
            parse_classic(file)
        }
    }
}

fn parse_classic(file: &SourceFile) -> Manifest {
    let mut manifest = Manifest::new(&file.path, NAME, Installer::Yarn, Role::Install);
    let mut seen: BTreeSet<(String, Kind)> = BTreeSet::new();
    for (index, line) in file.text.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("resolved ") else {
            continue;
        };
        let value = rest.trim().trim_matches('"');
        let url = value.split('#').next().unwrap_or(value);
        let at = file.line_location(index + 1, column_of(line, value));
        if !crate::remote::has_scheme(url) {
            manifest.diagnostics.push(Diagnostic::at(
                Code::InvalidUrl,
                file,
                at,
                format!("`resolved` is not a URL: `{url}`"),
            ));
            continue;
        }
        let kind = if url.starts_with("git") || url.starts_with("ssh://") {
            Kind::Vcs
        } else {
            Kind::Files
        };
        let Ok(remote) = crate::remote::parse(url) else {
            push_direct_in(&mut manifest, Ecosystem::Npm, kind, url, file, &at);
            continue;
        };
        if seen.insert((remote.host, kind)) {
            push_direct_in(&mut manifest, Ecosystem::Npm, kind, url, file, &at);
        }
    }
    manifest
}

fn parse_berry(file: &SourceFile) -> Manifest {
    let mut manifest = Manifest::new(&file.path, NAME, Installer::YarnBerry, Role::Install);
    // The YAML is only checked; entries are read line by line so that a broken entry
    // does not hide the others.
    manifest.diagnostics.extend(yaml_syntax_error(file));
    let mut seen: BTreeSet<(String, Kind)> = BTreeSet::new();
    for (index, line) in file.text.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("resolution:") else {
            continue;
        };
        let value = rest.trim().trim_matches('"');
        let at = file.line_location(index + 1, column_of(line, value));
        // `name@reference`; a scoped name starts with `@`.
        let split = value
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '@')
            .map(|(offset, _)| offset);
        let Some(split) = split else {
            manifest.diagnostics.push(Diagnostic::at(
                Code::UnexpectedValue,
                file,
                at,
                format!("`resolution` is not `name@reference`: `{value}`"),
            ));
            continue;
        };
        let reference = &value[split + 1..];
        let Some((kind, url)) = berry_source(reference) else {
            if reference.starts_with("npm:")
                || (reference.starts_with("patch:") && reference.contains("npm%3A"))
            {
                manifest.need_index(at);
            }
            continue;
        };
        let host = crate::remote::parse(&url).map(|remote| remote.host).ok();
        if host.is_none_or(|host| seen.insert((host, kind))) {
            push_direct_in(&mut manifest, Ecosystem::Npm, kind, &url, file, &at);
        }
    }
    manifest
}

/// The remote a yarn 2+ reference is fetched from, if it is not a registry or local one.
fn berry_source(reference: &str) -> Option<(Kind, String)> {
    let url = reference.split('#').next().unwrap_or(reference);
    if let Some(repository) = url.strip_prefix("github:") {
        return Some((Kind::Vcs, format!("https://github.com/{repository}")));
    }
    if url.starts_with("git+")
        || url.starts_with("git://")
        || url.starts_with("git@")
        || url.starts_with("ssh://")
        || url.to_ascii_lowercase().ends_with(".git")
        || reference.contains("#commit=")
    {
        return Some((Kind::Vcs, url.to_string()));
    }
    if url.starts_with("https://") || url.starts_with("http://") {
        return Some((Kind::Archive, url.to_string()));
    }
    None
}

/// The first YAML syntax error of a file, found by streaming parser events: lockfiles
/// run to megabytes, and no tree is needed to check them.
pub(crate) fn yaml_syntax_error(file: &SourceFile) -> Option<Diagnostic> {
    let error = crate::formats::conda_environment::first_yaml_error(&file.text)?;
    Some(crate::formats::conda_environment::yaml_error(file, &error))
}
