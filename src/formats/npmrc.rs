//! `.npmrc` files in the repository: `registry=` replaces the default npm registry for the
//! projects in the directory tree the file sits in (the nearest one wins);
//! `@scope:registry=` adds a registry for that scope's packages. Auth lines
//! (`//host/:_authToken=…`) carry secrets and name no new host: they are skipped, and
//! nothing from them reaches any output.

use crate::formats::{Candidate, ParseContext, declared, expand_variables, warn_plain_http};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct Npmrc;

pub const NAME: &str = "npm/npmrc";

impl super::Format for Npmrc {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "npm configuration"
    }

    fn files(&self) -> &'static str {
        "`.npmrc`"
    }

    fn reads(&self) -> &'static str {
        "`registry=` (replaces the default registry for the projects in its tree; nearest wins), `@scope:registry=` (adds one); auth lines are never read into output"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == ".npmrc"
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Npm, Role::Config);
        for (index, line) in file.text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with(['#', ';']) || line.starts_with("//") {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim().trim_matches('"'));
            let column = line.find(value).map_or(1, |offset| offset + 1);
            let at = file.line_location(index + 1, column);
            let value = expand_variables(value, context);
            if key == "registry" {
                let declared = declared(&value, file, &at, &mut manifest.diagnostics);
                warn_plain_http(&mut manifest, &declared, file);
                manifest.options.index_url = Some(declared);
            } else if key.starts_with('@') && key.ends_with(":registry") {
                let declared = declared(&value, file, &at, &mut manifest.diagnostics);
                warn_plain_http(&mut manifest, &declared, file);
                manifest.options.extra_index_urls.push(declared);
            }
        }
        manifest
    }
}
