//! yarn 2+'s `.yarnrc.yml`: `npmRegistryServer` replaces the default registry (yarn's
//! registry host) for the yarn 2+ projects in the directory tree the file sits in (the
//! nearest one wins; yarn 2+ never reads `.npmrc`), and
//! `npmScopes.<scope>.npmRegistryServer` adds one for a scope. `${NAME}` and
//! `${NAME:-fallback}` are expanded only with `--env` (the fallback is used otherwise).
//! `npmAuthToken`, `npmAuthIdent` and `npmRegistries` (per-registry credentials) are
//! never read, so nothing from them reaches any output.

use saphyr::{LoadableYamlNode, MarkedYamlOwned, YamlDataOwned};

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::conda_environment::{entry, key_text, location, scalar_text};
use crate::formats::{Candidate, ParseContext, declared, expand_variables, warn_plain_http};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct YarnrcYml;

pub const NAME: &str = "npm/yarnrc-yml";

impl super::Format for YarnrcYml {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "yarn 2+ configuration"
    }

    fn files(&self) -> &'static str {
        "`.yarnrc.yml`"
    }

    fn reads(&self) -> &'static str {
        "`npmRegistryServer` (replaces the default registry, yarn's registry host, for the yarn 2+ projects in its tree; nearest wins; `.npmrc` is not read by yarn 2+), `npmScopes.<scope>.npmRegistryServer` (adds one); `${VAR:-fallback}`; credentials are never read"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(candidate.lower_name(), ".yarnrc.yml" | ".yarnrc.yaml")
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::YarnBerry, Role::Config);
        let documents = match MarkedYamlOwned::load_from_str(&file.text) {
            Ok(documents) => documents,
            Err(error) => {
                manifest
                    .diagnostics
                    .push(crate::formats::conda_environment::yaml_error(file, &error));
                return manifest;
            }
        };
        let Some(YamlDataOwned::Mapping(root)) = documents.first().map(|document| &document.data)
        else {
            return manifest;
        };
        if let Some((_, value)) = entry(root, "npmRegistryServer")
            && let Some(url) = registry(&mut manifest, file, value, context)
        {
            manifest.options.index_url = Some(url);
        }
        if let Some((_, scopes)) = entry(root, "npmScopes") {
            let YamlDataOwned::Mapping(scopes) = &scopes.data else {
                manifest.diagnostics.push(Diagnostic::at(
                    Code::UnexpectedValue,
                    file,
                    location(file, scopes),
                    "`npmScopes` is not a mapping of scope names",
                ));
                return manifest;
            };
            for (scope, settings) in scopes {
                if key_text(scope).is_none() {
                    continue;
                }
                if let YamlDataOwned::Mapping(settings) = &settings.data
                    && let Some((_, value)) = entry(settings, "npmRegistryServer")
                    && let Some(url) = registry(&mut manifest, file, value, context)
                {
                    manifest.options.extra_index_urls.push(url);
                }
            }
        }
        manifest
    }
}

fn registry(
    manifest: &mut Manifest,
    file: &SourceFile,
    value: &MarkedYamlOwned,
    context: &ParseContext,
) -> Option<crate::model::Declared> {
    let at = location(file, value);
    let Some(text) = scalar_text(value) else {
        manifest.diagnostics.push(Diagnostic::at(
            Code::UnexpectedValue,
            file,
            at,
            "`npmRegistryServer` is not a string",
        ));
        return None;
    };
    let text = expand_variables(&with_fallbacks(&text, context), context);
    let declared = declared(&text, file, &at, &mut manifest.diagnostics);
    warn_plain_http(manifest, &declared, file);
    Some(declared)
}

/// `${NAME:-fallback}` → the variable's value with `--env`, else the fallback.
fn with_fallbacks(text: &str, context: &ParseContext) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        if let Some((end, (name, fallback))) = after
            .find('}')
            .and_then(|end| Some((end, after[..end].split_once(":-")?)))
        {
            let value = context.env.as_ref().and_then(|env| env.get(name));
            out.push_str(value.map_or(fallback, String::as_str));
            rest = &after[end + 1..];
        } else {
            out.push_str("${");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
