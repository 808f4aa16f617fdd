//! `NuGet.Config` (any casing) in the repository: `<packageSources>` `<add key value>`
//! adds a feed to nuget.org, the source `NuGet` has by default; `<clear/>` drops the
//! sources inherited so far, nuget.org included, so the first feed added after it takes
//! nuget.org's place (and with none added, nothing is left). `<disabledPackageSources>`
//! `<add key="nuget.org" value="true"/>` drops nuget.org too. Applies to the .NET
//! projects in its directory tree (the nearest one wins; `NuGet` also merges the files
//! above it, which pkgallow does not). `<packageSourceCredentials>` and `<apikeys>` hold
//! secrets and are never read. Local folders are not hosts.

use crate::formats::pom_xml::{child, children, parse_xml, text_location};
use crate::formats::{Candidate, ParseContext, declared, expand_variables, warn_plain_http};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct NugetConfig;

pub const NAME: &str = "dotnet/nuget-config";

impl super::Format for NugetConfig {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "NuGet configuration"
    }

    fn files(&self) -> &'static str {
        "`NuGet.Config`, `nuget.config` (any casing)"
    }

    fn reads(&self) -> &'static str {
        "`<packageSources>`: `<add key value>` adds a feed, `<clear/>` drops nuget.org (the first feed after it replaces it), `<disabledPackageSources>` for nuget.org; applies to the projects in its tree (nearest wins); credentials are never read"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "nuget.config"
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Nuget, Role::Config);
        let Some(document) = parse_xml(file, &mut manifest.diagnostics) else {
            return manifest;
        };
        let configuration = document.root_element();
        let disabled: Vec<String> = child(configuration, "disabledPackageSources")
            .into_iter()
            .flat_map(|list| children(list, "add"))
            .filter(|add| {
                add.attribute("value")
                    .is_some_and(|value| value.eq_ignore_ascii_case("true"))
            })
            .filter_map(|add| add.attribute("key").map(str::to_ascii_lowercase))
            .collect();
        let Some(sources) = child(configuration, "packageSources") else {
            return manifest;
        };
        let mut cleared = disabled.iter().any(|key| key == "nuget.org");
        for node in sources.children().filter(roxmltree::Node::is_element) {
            match node.tag_name().name() {
                "clear" => {
                    cleared = true;
                    manifest.options.index_url = None;
                    manifest.options.extra_index_urls.clear();
                    manifest.options.no_index = Some(text_location(file, &document, node));
                }
                "add" => {
                    let key = node.attribute("key").unwrap_or_default();
                    if disabled.contains(&key.to_ascii_lowercase()) {
                        continue;
                    }
                    let Some(value) = node.attribute("value") else {
                        continue;
                    };
                    if !crate::remote::has_scheme(value) {
                        continue;
                    }
                    let at = value_location(file, &document, node, value);
                    let value = expand_variables(value, context);
                    let declared = declared(&value, file, &at, &mut manifest.diagnostics);
                    warn_plain_http(&mut manifest, &declared, file);
                    if cleared && manifest.options.index_url.is_none() {
                        manifest.options.no_index = None;
                        manifest.options.index_url = Some(declared);
                    } else {
                        manifest.options.extra_index_urls.push(declared);
                    }
                }
                _ => {}
            }
        }
        if cleared && manifest.options.index_url.is_none() && manifest.options.no_index.is_none() {
            // nuget.org disabled and nothing added after: no feed at all.
            manifest.options.no_index = Some(text_location(file, &document, sources));
        }
        manifest
    }
}

/// Where an attribute value is written (roxmltree gives the element; find the value on
/// its lines).
fn value_location(
    file: &SourceFile,
    document: &roxmltree::Document<'_>,
    node: roxmltree::Node<'_, '_>,
    value: &str,
) -> crate::source::Location {
    let range = node.range();
    match file
        .text
        .get(range.clone())
        .and_then(|text| text.find(value))
    {
        Some(offset) => {
            let position = document.text_pos_at(range.start + offset);
            file.line_location(position.row as usize, position.col as usize)
        }
        None => text_location(file, document, node),
    }
}
