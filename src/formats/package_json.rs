//! npm's `package.json`: every dependency (`dependencies`, `devDependencies`,
//! `optionalDependencies`, `peerDependencies`) installed from a registry needs the npm
//! registry (or the one `.npmrc` names); `git+https://…`, `git+ssh://…`, `github:owner/repo`
//! and `owner/repo` specs are cloned or downloaded from their git host (GitHub shorthands
//! as tarballs from codeload.github.com); `https://…tgz` specs are downloaded directly;
//! `file:`, `link:` and `workspace:` are local. Scripts are never run.

use crate::formats::{Candidate, ParseContext, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct PackageJson;

pub const NAME: &str = "npm/package-json";

const GROUPS: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

impl super::Format for PackageJson {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "npm packages"
    }

    fn files(&self) -> &'static str {
        "`package.json`"
    }

    fn reads(&self) -> &'static str {
        "`dependencies`, `devDependencies`, `optionalDependencies`, `peerDependencies`: registry packages need the npm registry (or `.npmrc`'s; yarn's registry or `.yarnrc`/`.yarnrc.yml`'s when `packageManager` or a `yarn.lock` or `.yarnrc.yml` beside it says yarn), git specs (`git+https`, `git+ssh`, `github:`, `owner/repo`) their git host, tarball URLs their host; `file:`, `link:`, `workspace:` are local"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "package.json"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Npm, Role::Install);
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&file.text) else {
            manifest.diagnostics.push(crate::diagnostic::Diagnostic::at(
                crate::diagnostic::Code::SyntaxError,
                file,
                file.line_location(1, 1),
                "not valid JSON",
            ));
            return manifest;
        };
        // Corepack's `packageManager` says which yarn installs the project, and so which
        // configuration files and default registry apply.
        if let Some(tool) = value
            .get("packageManager")
            .and_then(serde_json::Value::as_str)
            && let Some(version) = tool.strip_prefix("yarn@")
        {
            manifest.installer = if version.starts_with("1.") {
                Installer::Yarn
            } else {
                Installer::YarnBerry
            };
        }
        for group in GROUPS {
            let Some(dependencies) = value.get(group).and_then(serde_json::Value::as_object) else {
                continue;
            };
            for (name, spec) in dependencies {
                let Some(spec) = spec.as_str() else {
                    continue;
                };
                let at = locate(file, name);
                dependency(&mut manifest, file, &at, spec);
            }
        }
        manifest
    }
}

fn dependency(manifest: &mut Manifest, file: &SourceFile, at: &Location, spec: &str) {
    let spec = spec.trim();
    if ["file:", "link:", "workspace:", "portal:"]
        .iter()
        .any(|prefix| spec.starts_with(prefix))
    {
        return;
    }
    let shorthand = spec.strip_prefix("github:").or_else(|| {
        (!spec.contains(':')
            && spec.matches('/').count() == 1
            && !spec.starts_with('@')
            && !spec.starts_with('.'))
        .then_some(spec)
    });
    if let Some(repository) = shorthand {
        let repository = repository.split('#').next().unwrap_or(repository);
        push_direct_in(
            manifest,
            Ecosystem::Npm,
            Kind::Vcs,
            &format!("https://github.com/{repository}"),
            file,
            at,
        );
        push_direct_in(
            manifest,
            Ecosystem::Npm,
            Kind::Redirect,
            &format!("https://codeload.github.com/{repository}"),
            file,
            at,
        );
        return;
    }
    for (prefix, host) in [("gitlab:", "gitlab.com"), ("bitbucket:", "bitbucket.org")] {
        if let Some(repository) = spec.strip_prefix(prefix) {
            push_direct_in(
                manifest,
                Ecosystem::Npm,
                Kind::Vcs,
                &format!("https://{host}/{repository}"),
                file,
                at,
            );
            return;
        }
    }
    if crate::remote::vcs_of(spec).is_some()
        || spec.starts_with("git://")
        || spec.starts_with("git@")
    {
        push_direct_in(manifest, Ecosystem::Npm, Kind::Vcs, spec, file, at);
        return;
    }
    if spec.starts_with("http://") || spec.starts_with("https://") {
        push_direct_in(manifest, Ecosystem::Npm, Kind::Archive, spec, file, at);
        return;
    }
    manifest.need_index(at.clone());
}

/// JSON has no positions: the line where `"name":` is written.
fn locate(file: &SourceFile, name: &str) -> Location {
    let key = format!("{}:", serde_json::to_string(name).unwrap_or_default());
    let compact = file.text.find(&key);
    let spaced = file.text.find(&format!(
        "{} :",
        serde_json::to_string(name).unwrap_or_default()
    ));
    match compact.or(spaced) {
        Some(offset) => file.location(offset + 1),
        None => file.line_location(1, 1),
    }
}
