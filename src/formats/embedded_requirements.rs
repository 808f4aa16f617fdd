//! Requirements written inside other files — the `pip:` list of a conda environment, the
//! arguments of a `%pip install` in a notebook — are read by the requirements-file parser
//! itself, so that every format shares one set of pip rules. The lines are gathered with
//! their real positions, parsed as one synthetic requirements file, and every location in
//! the result is mapped back to the file they came from.

use crate::formats::{ParseContext, requirements_txt};
use crate::model::Manifest;
use crate::source::{Location, SourceFile};

/// Lines of a synthetic requirements file, each with the place it was written.
#[derive(Default)]
pub struct Embedded {
    text: String,
    origins: Vec<(usize, usize)>,
}

impl Embedded {
    /// Adds one requirements-file line written at `line:column` of the real file.
    pub fn push(&mut self, entry: &str, line: usize, column: usize) {
        // One logical line each: a newline inside would shift every later line.
        self.text.push_str(&entry.replace(['\n', '\r'], " "));
        self.text.push('\n');
        self.origins.push((line, column));
    }

    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    /// Parses the lines as a requirements file of `file` and maps every location back.
    pub fn parse(self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let synthetic = SourceFile::new(file.path.clone(), self.text);
        let mut manifest = requirements_txt::parse(&synthetic, context);
        let origins = self.origins;
        let map = |location: &mut Location| {
            let origin = usize::try_from(location.line)
                .ok()
                .and_then(|line| line.checked_sub(1))
                .and_then(|index| origins.get(index));
            if let Some(&(line, column)) = origin {
                location.line = u32::try_from(line).unwrap_or(u32::MAX);
                location.column = u32::try_from(column).unwrap_or(u32::MAX);
            }
        };
        if let Some(index) = &mut manifest.options.index_url {
            map(&mut index.at);
        }
        for declared in manifest
            .options
            .extra_index_urls
            .iter_mut()
            .chain(manifest.options.find_links.iter_mut())
        {
            map(&mut declared.at);
        }
        if let Some(at) = &mut manifest.options.no_index {
            map(at);
        }
        if let Some(at) = &mut manifest.needs_index {
            map(at);
        }
        for direct in &mut manifest.direct {
            map(&mut direct.at);
        }
        for include in &mut manifest.includes {
            map(&mut include.at);
        }
        for at in manifest.packages.values_mut() {
            map(at);
        }
        for diagnostic in &mut manifest.diagnostics {
            map(&mut diagnostic.location);
            diagnostic.source_line = file
                .line_text(diagnostic.location.line)
                .map(|line| crate::redact::text(line.trim()));
        }
        manifest
    }
}
