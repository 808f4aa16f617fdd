//! The files `audit` reads, recognised by content whatever their name: one module per
//! kind behind [`Input`], listed once in [`INPUTS`]. Each turns a file into a
//! [`RuleSet`] with the position of every rule, name and destination. The Azure
//! resource shapes (outbound rules, firewall rule collection groups, NSG rules) are the
//! same whatever the syntax, so `azure.rs` reads them from the spanned tree once for
//! every reader.
//!
//! [`read`] is the entry point for other commands: `read("rules.yml", text)?` gives the
//! rules, and [`RuleSet::allowed_hosts`] the host names they allow.

mod arm_template;
mod az_cli;
mod azure;
mod bicep;
mod cli_json;
mod hosts;
mod network_json;
mod terraform;
mod workspace_yaml;

use thiserror::Error;

use super::tree::{Braces, Node, Syntax};
use super::{RuleSet, SourceKind};
use crate::source::SourceFile;

/// An input that cannot be read as rules.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuditInputError {
    /// The file is not valid in its own syntax.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: String,
        line: u32,
        column: u32,
        message: String,
    },
    /// The file is none of the kinds `audit` reads.
    #[error("{path}: {reason}")]
    Unrecognised { path: String, reason: String },
}

/// The file as parsed once, for every reader to look at.
pub struct Probe<'a> {
    pub file: &'a SourceFile,
    /// The document, when the file is JSON.
    pub json: Option<Node>,
}

/// One kind of input.
pub trait Input: Sync {
    fn kind(&self) -> SourceKind;
    /// What it reads, for messages.
    fn description(&self) -> &'static str;
    /// `None` when the file is not of this kind; an error when it is but is broken.
    fn read(&self, probe: &Probe<'_>) -> Option<Result<RuleSet, AuditInputError>>;
}

/// Every input kind, tried in this order (the hosts list, which takes almost any text,
/// last).
pub const INPUTS: &[&dyn Input] = &[
    &cli_json::CliJson,
    &arm_template::ArmTemplate,
    &network_json::NetworkJson,
    &workspace_yaml::WorkspaceYaml,
    &terraform::Terraform,
    &az_cli::AzCli,
    &bicep::Bicep,
    &hosts::Hosts,
];

/// Reads one rule file. `display_path` is used in positions and messages; `text` is the
/// file's content. Pure: no I/O.
pub fn read(display_path: &str, text: &str) -> Result<RuleSet, AuditInputError> {
    let file = SourceFile::new(display_path, text);
    read_file(&file)
}

/// [`read`] for a file already loaded (so that callers keep its line index).
pub fn read_file(file: &SourceFile) -> Result<RuleSet, AuditInputError> {
    let trimmed = file.text.trim_start();
    let json = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(&file.text) {
            return Err(AuditInputError::Syntax {
                path: file.path.clone(),
                line: u32::try_from(error.line()).unwrap_or(0),
                column: u32::try_from(error.column()).unwrap_or(0),
                message: format!("not valid JSON: {}", strip_position(&error.to_string())),
            });
        }
        let start = file.text.len() - trimmed.len();
        match Braces::new(file, Syntax::Json, start).value() {
            Ok(node) => Some(node),
            Err(error) => return Err(syntax(file, error.offset, &error.message)),
        }
    } else {
        None
    };
    let probe = Probe { file, json };
    for input in INPUTS {
        if let Some(result) = input.read(&probe) {
            return result;
        }
    }
    let kinds: Vec<&str> = INPUTS.iter().map(|input| input.description()).collect();
    Err(AuditInputError::Unrecognised {
        path: file.path.clone(),
        reason: format!(
            "not a rule file pkgallow can read; it reads {}",
            kinds.join(", ")
        ),
    })
}

/// `serde_json` appends ` at line L column C`, which the error already shows.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |index| &message[..index])
}

pub(crate) fn syntax(file: &SourceFile, offset: usize, message: &str) -> AuditInputError {
    let location = file.location(offset);
    AuditInputError::Syntax {
        path: file.path.clone(),
        line: location.line,
        column: location.column,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_content_is_named() {
        let error = read("x.json", "{\"a\": 1}").unwrap_err();
        assert!(error.to_string().contains("not a rule file"), "{error}");
        let error = read("x.json", "{\"a\": }").unwrap_err();
        assert!(error.to_string().starts_with("x.json:1:"), "{error}");
    }
}
