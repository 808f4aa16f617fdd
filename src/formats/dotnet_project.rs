//! .NET project files: `*.csproj`, `*.fsproj`, `*.vbproj` (`<PackageReference>`) and
//! the older `packages.config` (`<package id>`). A package reference is restored from
//! the feeds the governing `NuGet.Config` leaves (nuget.org by default). The `MSBuild`
//! properties `<RestoreSources>` (replaces every feed, unless it keeps them with
//! `$(RestoreSources)`) and `<RestoreAdditionalProjectSources>` (adds) are read too,
//! `;`-separated. `global.json`
//! names an SDK version, not a feed, and is not read.

use crate::formats::pom_xml::{location, parse_xml, text_location};
use crate::formats::{Candidate, ParseContext, declared, expand_variables, warn_plain_http};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct DotnetProject;

pub const NAME: &str = "dotnet/project";

impl super::Format for DotnetProject {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        ".NET projects"
    }

    fn files(&self) -> &'static str {
        "`*.csproj`, `*.fsproj`, `*.vbproj`, `packages.config`"
    }

    fn reads(&self) -> &'static str {
        "`<PackageReference>` and `<package id>` need the feeds of every `NuGet.Config` from its directory up (nuget.org unless cleared); `<RestoreSources>` (replaces them, unless it names `$(RestoreSources)`) and `<RestoreAdditionalProjectSources>` (adds)"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        let name = candidate.lower_name();
        name == "packages.config"
            || [".csproj", ".fsproj", ".vbproj"]
                .iter()
                .any(|extension| name.ends_with(extension))
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Nuget, Role::Install);
        let Some(document) = parse_xml(file, &mut manifest.diagnostics) else {
            return manifest;
        };
        for node in document
            .root_element()
            .descendants()
            .filter(roxmltree::Node::is_element)
        {
            match node.tag_name().name() {
                "PackageReference" | "package" | "PackageDownload" => {
                    manifest.need_index(location(file, &document, node));
                }
                name @ ("RestoreSources" | "RestoreAdditionalProjectSources") => {
                    let at = text_location(file, &document, node);
                    let text = node.text().unwrap_or_default();
                    // `RestoreSources` replaces every feed the `NuGet.Config` files give,
                    // nuget.org included, unless it names `$(RestoreSources)` to keep them.
                    if name == "RestoreSources"
                        && !text.trim().is_empty()
                        && !text.contains("$(RestoreSources)")
                    {
                        manifest.options.clears_inherited = Some(at.clone());
                        manifest.options.default_off = Some(at.clone());
                    }
                    for source in text.split(';') {
                        let source = source.trim();
                        // `$(RestoreSources)` keeps the sources set elsewhere.
                        if !crate::remote::has_scheme(source) {
                            continue;
                        }
                        let source = expand_variables(source, context);
                        let declared = declared(&source, file, &at, &mut manifest.diagnostics);
                        warn_plain_http(&mut manifest, &declared, file);
                        // With the feeds replaced, resolution lets the first take
                        // nuget.org's place.
                        manifest.options.extra_index_urls.push(declared);
                    }
                }
                _ => {}
            }
        }
        manifest
    }
}
