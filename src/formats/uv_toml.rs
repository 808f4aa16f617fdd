//! Stub: being written.

use std::path::Path;

use crate::formats::{ParseContext, file_name};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct UvToml;

pub const NAME: &str = "python/uv-toml";

impl super::Format for UvToml {
    fn name(&self) -> &'static str {
        "python/uv-toml"
    }

    fn matches(&self, path: &Path) -> bool {
        let _ = file_name(path);
        false
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        Manifest::new(&file.path, "python/uv-toml", Installer::Pip, Role::Install)
    }
}
