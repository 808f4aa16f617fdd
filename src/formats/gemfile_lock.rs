//! Bundler's `Gemfile.lock` (or `gems.locked`): the `remote:` of each `GEM` section is
//! a gem source the locked gems come from, of each `GIT` section a repository cloned,
//! of `PLUGIN SOURCE` a plugin source; `PATH` remotes are local. Each host is reported
//! once per kind.

use std::collections::BTreeSet;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, column_of, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct GemfileLock;

pub const NAME: &str = "ruby/gemfile-lock";

impl super::Format for GemfileLock {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Bundler lockfiles"
    }

    fn files(&self) -> &'static str {
        "`Gemfile.lock`, `gems.locked`"
    }

    fn reads(&self) -> &'static str {
        "`remote:` of `GEM` sections (gem sources) and `PLUGIN SOURCE`, of `GIT` sections (repositories); `PATH` is local; each host once per kind"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(candidate.name(), "Gemfile.lock" | "gems.locked")
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Bundler, Role::Install);
        let mut section: Option<&str> = None;
        let mut seen: BTreeSet<(String, Kind)> = BTreeSet::new();
        for (index, line) in file.text.lines().enumerate() {
            if !line.starts_with(' ') && !line.trim().is_empty() {
                section = Some(line.trim());
                continue;
            }
            let Some(url) = line.trim().strip_prefix("remote:") else {
                continue;
            };
            let url = url.trim();
            let at = file.line_location(index + 1, column_of(line, url));
            let kind = match section {
                Some("GEM" | "PLUGIN SOURCE") => Kind::Index,
                Some("GIT") => Kind::Vcs,
                Some("PATH") => continue,
                _ => {
                    manifest.diagnostics.push(Diagnostic::at(
                        Code::UnexpectedValue,
                        file,
                        at,
                        "a `remote:` outside a GEM, GIT, PATH or PLUGIN SOURCE section",
                    ));
                    continue;
                }
            };
            let host = crate::remote::parse(url).map(|remote| remote.host).ok();
            if host.is_none_or(|host| seen.insert((host, kind))) {
                push_direct_in(&mut manifest, Ecosystem::Ruby, kind, url, file, &at);
                if kind == Kind::Index {
                    let declared = crate::model::Declared {
                        remote: crate::remote::parse(url).ok(),
                        at,
                    };
                    crate::formats::warn_plain_http(&mut manifest, &declared, file);
                }
            }
        }
        manifest
    }
}
