//! A Maven `settings.xml` kept in the repository (used with `mvn -s`, often named in
//! `.mvn/maven.config` or by CI). It governs the POMs in its directory tree (the
//! nearest one wins). A `<mirror>` of every repository (`*` or `external:*` without
//! `!` exclusions) replaces Central and every repository the POMs add; one that covers
//! Central (`central`, or `*` with exclusions) replaces Central; other mirrors and the
//! repositories of `<profiles>` add repositories. `<servers>` hold credentials and are never read.
//! Files named `settings.xml` whose root is not `<settings>` are not Maven's and give
//! nothing.

use std::collections::BTreeMap;

use crate::formats::pom_xml::{child, children, parse_xml, repository_url};
use crate::formats::{Candidate, ParseContext};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct MavenSettings;

pub const NAME: &str = "java/maven-settings";

impl super::Format for MavenSettings {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Maven settings"
    }

    fn files(&self) -> &'static str {
        "`settings.xml` whose root is `<settings>`"
    }

    fn reads(&self) -> &'static str {
        "`<mirrors>`: a mirror of `*` or `external:*` replaces every repository for the POMs in its tree (nearest wins), one of `central` (or `*,!x`) replaces Central, other mirrors add; `<profiles>` repositories add; `<servers>` (credentials) are never read"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "settings.xml"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Maven, Role::Config);
        let Some(document) = parse_xml(file, &mut manifest.diagnostics) else {
            return manifest;
        };
        let settings = document.root_element();
        if settings.tag_name().name() != "settings" {
            return manifest;
        }
        let properties = BTreeMap::new();
        for mirror in child(settings, "mirrors")
            .into_iter()
            .flat_map(|mirrors| children(mirrors, "mirror"))
        {
            let Some(url) = child(mirror, "url") else {
                continue;
            };
            let of = child(mirror, "mirrorOf")
                .and_then(|of| of.text())
                .unwrap_or_default();
            let patterns: Vec<&str> = of.split(',').map(str::trim).collect();
            // `*` (or `external:*`) without exclusions: every repository goes to it.
            let covers_all = patterns
                .iter()
                .any(|pattern| matches!(*pattern, "*" | "external:*" | "external:https:*"))
                && !patterns.iter().any(|pattern| pattern.starts_with('!'));
            let covers_central = covers_all
                || (patterns.iter().any(|pattern| {
                    matches!(
                        *pattern,
                        "*" | "external:*" | "central" | "external:https:*"
                    )
                }) && !of.contains("!central"));
            let declared = repository_url(&mut manifest, file, &document, url, &properties);
            if covers_all && manifest.options.mirror.is_none() {
                manifest.options.mirror = Some(declared);
            } else if covers_central && manifest.options.index_url.is_none() {
                manifest.options.index_url = Some(declared);
            } else {
                manifest.options.extra_index_urls.push(declared);
            }
        }
        for profile in child(settings, "profiles")
            .into_iter()
            .flat_map(|profiles| children(profiles, "profile"))
        {
            for (list, item) in [
                ("repositories", "repository"),
                ("pluginRepositories", "pluginRepository"),
            ] {
                for repository in child(profile, list)
                    .into_iter()
                    .flat_map(|list| children(list, item))
                {
                    if let Some(url) = child(repository, "url") {
                        let declared =
                            repository_url(&mut manifest, file, &document, url, &properties);
                        manifest.options.extra_index_urls.push(declared);
                    }
                }
            }
        }
        manifest
    }
}
