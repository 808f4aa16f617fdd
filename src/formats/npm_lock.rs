//! npm's lockfiles with exact URLs: `package-lock.json` and `npm-shrinkwrap.json`
//! (`packages.*.resolved`, and `dependencies.*.resolved` in lockfile version 1). Each
//! host is reported once, at its first occurrence. yarn's and pnpm's lockfiles have
//! their own modules (`yarn_lock`, `pnpm_lock`).

use std::collections::BTreeSet;

use crate::formats::{Candidate, ParseContext, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct NpmLock;

pub const NAME: &str = "npm/lockfile";

impl super::Format for NpmLock {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "npm lockfiles"
    }

    fn files(&self) -> &'static str {
        "`package-lock.json`, `npm-shrinkwrap.json`"
    }

    fn reads(&self) -> &'static str {
        "every `resolved` URL (registry tarballs, git and tarball dependencies), each host once"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(
            candidate.lower_name(),
            "package-lock.json" | "npm-shrinkwrap.json"
        )
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Npm, Role::Install);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        // npm writes one `resolved` per line: scan lines, no full parse needed.
        for (index, line) in file.text.lines().enumerate() {
            let trimmed = line.trim_start();
            let Some(rest) = trimmed.strip_prefix("\"resolved\":") else {
                continue;
            };
            let url = rest.trim().trim_end_matches(',').trim_matches('"');
            let url = url.split('#').next().unwrap_or(url);
            if !crate::remote::has_scheme(url) {
                continue;
            }
            let Ok(remote) = crate::remote::parse(url) else {
                continue;
            };
            if seen.insert(remote.host) {
                let column = line.find(url).map_or(1, |offset| offset + 1);
                let kind = if url.starts_with("git") {
                    Kind::Vcs
                } else {
                    Kind::Files
                };
                push_direct_in(
                    &mut manifest,
                    Ecosystem::Npm,
                    kind,
                    url,
                    file,
                    &file.line_location(index + 1, column),
                );
            }
        }
        manifest
    }
}
