//! pnpm's `pnpm-lock.yaml` (lockfile versions 5 to 9). Registry packages are recorded
//! as `resolution: {integrity: …}` without a URL: they come from the registry `.npmrc`
//! names (pnpm reads `.npmrc`, default the npm registry), so they only say the registry
//! is needed. Packages fetched elsewhere carry their URL: `resolution: {tarball: URL}`
//! (tarball dependencies, or registry tarballs pnpm could not derive) and
//! `resolution: {type: git, repo: URL, commit: …}`. Each host is reported once.

use std::collections::BTreeSet;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, column_of, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct PnpmLock;

pub const NAME: &str = "npm/pnpm-lock";

impl super::Format for PnpmLock {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "pnpm lockfiles"
    }

    fn files(&self) -> &'static str {
        "`pnpm-lock.yaml`"
    }

    fn reads(&self) -> &'static str {
        "`resolution: {integrity: …}` needs the registry (`.npmrc`'s, default the npm registry), `resolution: {tarball: URL}` and `{type: git, repo: URL}` their host, each host once"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "pnpm-lock.yaml"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Npm, Role::Install);
        if let Some(error) = crate::formats::yarn_lock::yaml_syntax_error(file) {
            manifest.diagnostics.push(error);
        } else if !file
            .text
            .lines()
            .any(|line| line.starts_with("lockfileVersion:"))
        {
            manifest.diagnostics.push(Diagnostic::at(
                Code::UnexpectedValue,
                file,
                file.line_location(1, 1),
                "no `lockfileVersion`: not a pnpm lockfile pkgallow can read",
            ));
        }
        // Line by line, so that a broken entry does not hide the others; pnpm writes
        // `resolution` as a flow mapping on one line, or as a block below the key.
        let mut seen: BTreeSet<(String, Kind)> = BTreeSet::new();
        let mut in_resolution = false;
        for (index, line) in file.text.lines().enumerate() {
            let trimmed = line.trim_start();
            let resolution_line = trimmed.starts_with("resolution:");
            if resolution_line {
                in_resolution = true;
            } else if !in_resolution || !line.starts_with("      ") {
                in_resolution = false;
                continue;
            }
            let tarball = field(trimmed, "tarball:");
            let repository = field(trimmed, "repo:");
            for (value, kind) in [(tarball, Kind::Archive), (repository, Kind::Vcs)] {
                let Some(url) = value else {
                    continue;
                };
                let at = file.line_location(index + 1, column_of(line, url));
                let host = crate::remote::parse(url).map(|remote| remote.host).ok();
                if host.is_none_or(|host| seen.insert((host, kind))) {
                    push_direct_in(&mut manifest, Ecosystem::Npm, kind, url, file, &at);
                }
            }
            if resolution_line
                && trimmed.contains("integrity:")
                && tarball.is_none()
                && repository.is_none()
            {
                manifest.need_index(file.line_location(index + 1, column_of(line, "integrity")));
            }
        }
        manifest
    }
}

/// The value of `key` in a YAML line (`{tarball: URL, …}` or `tarball: URL`), unquoted.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(key)?;
    // `key` must start a key, not end another one (`tarball:` inside `xtarball:`).
    if start > 0 && !matches!(line.as_bytes()[start - 1], b'{' | b' ' | b',') {
        return None;
    }
    let rest = line[start + key.len()..].trim_start();
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    let value = rest[..end].trim().trim_matches(['\'', '"']);
    (!value.is_empty()).then_some(value)
}
