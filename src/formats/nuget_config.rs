//! `NuGet.Config` (any casing) in the repository: `<packageSources>` `<add key value>`
//! adds a feed to nuget.org, the source `NuGet` has by default; `<clear/>` drops the
//! sources inherited so far (from the files above and earlier in this one), nuget.org
//! included, so the first feed added after it takes nuget.org's place (and with none
//! added, nothing is left). `<disabledPackageSources>` `<add key="nuget.org"
//! value="true"/>` drops nuget.org but keeps the other feeds. Like `NuGet`, resolution
//! merges every `NuGet.Config` from a project's directory up to the repository root
//! (user- and machine-wide files are outside it); a feed disabled by key is dropped only
//! within its own file. `<packageSourceCredentials>` and `<apikeys>` hold secrets and are
//! never read. Local folders are not hosts.

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
        "`<packageSources>`: `<add key value>` adds a feed, `<clear/>` drops nuget.org (the first feed after it replaces it), `<disabledPackageSources>` for nuget.org (other keys within the file); every `NuGet.Config` from a project up to the root is merged, `<clear/>` dropping what the files above said; credentials are never read"
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
        let disabled: Vec<(String, roxmltree::Node<'_, '_>)> =
            child(configuration, "disabledPackageSources")
                .into_iter()
                .flat_map(|list| children(list, "add"))
                .filter(|add| {
                    add.attribute("value")
                        .is_some_and(|value| value.eq_ignore_ascii_case("true"))
                })
                .filter_map(|add| Some((add.attribute("key")?.to_ascii_lowercase(), add)))
                .collect();
        if let Some((_, add)) = disabled.iter().find(|(key, _)| key == "nuget.org") {
            manifest.options.default_off = Some(text_location(file, &document, *add));
        }
        let Some(sources) = child(configuration, "packageSources") else {
            return manifest;
        };
        for node in sources.children().filter(roxmltree::Node::is_element) {
            match node.tag_name().name() {
                "clear" => {
                    // Drops what the files above said and what this one said so far;
                    // nuget.org goes with it.
                    let at = text_location(file, &document, node);
                    manifest.options.clears_inherited = Some(at.clone());
                    manifest.options.default_off = Some(at);
                    manifest.options.extra_index_urls.clear();
                }
                "add" => {
                    let key = node.attribute("key").unwrap_or_default();
                    if disabled
                        .iter()
                        .any(|(disabled, _)| key.eq_ignore_ascii_case(disabled))
                    {
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
                    // Sources add up, across files too; with nuget.org off, resolution
                    // lets the first one take its place.
                    manifest.options.extra_index_urls.push(declared);
                }
                _ => {}
            }
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
