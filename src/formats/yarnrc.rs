//! yarn 1's `.yarnrc`: `registry "URL"` replaces the default registry for the yarn 1
//! projects in the directory tree the file sits in (the nearest one wins, and it wins
//! over `.npmrc`, which yarn 1 also reads); `"@scope:registry" "URL"` adds one for a
//! scope. Auth lines (`"//host/:_authToken" …`) carry secrets and name no new host:
//! they are skipped and nothing from them reaches any output.

use crate::formats::{
    Candidate, ParseContext, column_of, declared, expand_variables, warn_plain_http,
};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct Yarnrc;

pub const NAME: &str = "npm/yarnrc";

impl super::Format for Yarnrc {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "yarn 1 configuration"
    }

    fn files(&self) -> &'static str {
        "`.yarnrc`"
    }

    fn reads(&self) -> &'static str {
        "`registry \"URL\"` (replaces the default registry for the yarn 1 projects in its tree, over `.npmrc`; nearest wins), `\"@scope:registry\" \"URL\"` (adds one); auth lines are never read into output"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == ".yarnrc"
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Yarn, Role::Config);
        for (index, line) in file.text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.starts_with('#') || trimmed.trim_start_matches('"').starts_with("//") {
                continue;
            }
            // `key value`, either of them possibly quoted.
            let (key, value) = match trimmed.strip_prefix('"') {
                Some(rest) => match rest.split_once('"') {
                    Some((key, value)) => (key, value),
                    None => continue,
                },
                None => match trimmed.split_once(char::is_whitespace) {
                    Some(pair) => pair,
                    None => continue,
                },
            };
            let value = value.trim().trim_matches('"');
            let is_scope = key.starts_with('@') && key.ends_with(":registry");
            if key != "registry" && !is_scope {
                continue;
            }
            let at = file.line_location(index + 1, column_of(line, value));
            let value = expand_variables(value, context);
            let declared = declared(&value, file, &at, &mut manifest.diagnostics);
            warn_plain_http(&mut manifest, &declared, file);
            if is_scope {
                manifest.options.extra_index_urls.push(declared);
            } else {
                manifest.options.index_url = Some(declared);
            }
        }
        manifest
    }
}
