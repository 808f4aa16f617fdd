//! Helpers shared by the TOML formats: parsing with spans and turning spans into
//! locations.

use toml_edit::{Document, Item};

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Location, SourceFile};

/// Parses TOML keeping spans; a syntax error becomes one diagnostic.
pub fn parse(file: &SourceFile) -> Result<Document<String>, Diagnostic> {
    Document::parse(file.text.clone()).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        let message = error.message().trim().to_string();
        Diagnostic::at(
            Code::SyntaxError,
            file,
            file.location(offset),
            format!("not valid TOML: {message}"),
        )
    })
}

/// The location of an item, or of the fallback offset when it has no span.
pub fn location_of(file: &SourceFile, item: &Item, fallback: usize) -> Location {
    file.location(item.span().map_or(fallback, |span| span.start))
}

/// The location of a value.
pub fn value_location(file: &SourceFile, value: &toml_edit::Value, fallback: usize) -> Location {
    file.location(value.span().map_or(fallback, |span| span.start))
}
