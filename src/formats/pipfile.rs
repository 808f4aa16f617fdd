//! Stub: being written.

use std::path::Path;

use crate::formats::{ParseContext, file_name};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct Pipfile;

impl super::Format for Pipfile {
    fn name(&self) -> &'static str {
        "python/pipfile"
    }

    fn matches(&self, path: &Path) -> bool {
        let _ = file_name(path);
        false
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        Manifest::new(&file.path, "python/pipfile", Installer::Pip, Role::Install)
    }
}
