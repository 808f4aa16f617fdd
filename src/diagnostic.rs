//! Findings about the input that are not failures: a line pip would reject, an include
//! that does not exist, a variable that cannot be expanded. One model, many renderings
//! (human, JSON; SARIF and CI annotations come with `audit`). Codes are stable and
//! assigned only in [`Code`]; a code is never reused for another meaning.

use serde::Serialize;

use crate::redact;
use crate::source::{Location, SourceFile};

/// Every diagnostic code pkgallow emits while scanning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// P101: a file could not be read.
    ReadError,
    /// P102: a file that looks binary was skipped.
    BinaryFile,
    /// P103: a file over the size limit was skipped.
    FileTooLarge,
    /// P104: the directory walk hit an error (symlink loop, permission).
    WalkError,
    /// P201: a file is not valid in its own syntax (TOML, INI).
    SyntaxError,
    /// P202: a requirement that is not valid PEP 508.
    InvalidRequirement,
    /// P203: an option pip does not know in a requirements file.
    UnknownOption,
    /// P204: an option that needs a value has none.
    MissingOptionValue,
    /// P205: a URL that names no usable host.
    InvalidUrl,
    /// P206: a known key with a value of the wrong type.
    UnexpectedValue,
    /// P301: `-r`/`-c` includes form a cycle.
    IncludeCycle,
    /// P302: an included file does not exist.
    IncludeNotFound,
    /// P303: a remote `-r https://…` include is reported but not followed.
    RemoteIncludeNotFollowed,
    /// P304: `${VAR}` could not be expanded, so a host is unknown.
    UnresolvedVariable,
    /// P305: `dependency_links` are ignored by pip.
    DependencyLinksIgnored,
    /// P306: an explicit index no package uses.
    UnusedExplicitIndex,
    /// P307: a package pinned to an index name that is not defined.
    UnknownIndexName,
    /// P308: an index or file host reached over plain HTTP.
    PlainHttp,
    /// P309: the primary index is set more than once in one scope.
    IndexOverridden,
    /// P310: includes nest deeper than the limit.
    IncludeTooDeep,
    /// P311: an Azure ML registered environment, not readable offline.
    RegisteredEnvironment,
    /// P312: OS packages are installed on a base image of unknown distribution.
    UnknownBaseImage,
    /// P401: a needed host the organisation's policy denies.
    DeniedHost,
    /// P402: hosts the policy expects that the scan does not need.
    ExpectedHostUnused,
    /// P320: a Go module fetched directly from a custom domain: its repository host is
    /// found at run time.
    ModuleDiscovery,
    /// P321: an apt `mirror+` list: the archive hosts it names are read at run time.
    MirrorList,
    /// P330: a repository URL built from a build-file property or expression (Maven
    /// `${…}`, Gradle variables) whose value is not in the file.
    UnresolvedBuildProperty,
    /// P501: the scan stopped at `--max-files`; later files were not read.
    TooManyFiles,
    /// P502: a file with a line over `--max-line-length` was skipped.
    LineTooLong,
    /// P340: an offline setting stops a library's run-time downloads.
    RuntimeOffline,
    /// P341: a library calls a per-resource host the code does not name.
    PerResourceHost,
}

impl Code {
    pub const ALL: [Code; 31] = [
        Code::ReadError,
        Code::BinaryFile,
        Code::FileTooLarge,
        Code::WalkError,
        Code::SyntaxError,
        Code::InvalidRequirement,
        Code::UnknownOption,
        Code::MissingOptionValue,
        Code::InvalidUrl,
        Code::UnexpectedValue,
        Code::IncludeCycle,
        Code::IncludeNotFound,
        Code::RemoteIncludeNotFollowed,
        Code::UnresolvedVariable,
        Code::DependencyLinksIgnored,
        Code::UnusedExplicitIndex,
        Code::UnknownIndexName,
        Code::PlainHttp,
        Code::IndexOverridden,
        Code::IncludeTooDeep,
        Code::RegisteredEnvironment,
        Code::UnknownBaseImage,
        Code::DeniedHost,
        Code::ExpectedHostUnused,
        Code::ModuleDiscovery,
        Code::MirrorList,
        Code::TooManyFiles,
        Code::LineTooLong,
        Code::UnresolvedBuildProperty,
        Code::RuntimeOffline,
        Code::PerResourceHost,
    ];

    /// The stable code shown to users and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ReadError => "P101",
            Code::BinaryFile => "P102",
            Code::FileTooLarge => "P103",
            Code::WalkError => "P104",
            Code::SyntaxError => "P201",
            Code::InvalidRequirement => "P202",
            Code::UnknownOption => "P203",
            Code::MissingOptionValue => "P204",
            Code::InvalidUrl => "P205",
            Code::UnexpectedValue => "P206",
            Code::IncludeCycle => "P301",
            Code::IncludeNotFound => "P302",
            Code::RemoteIncludeNotFollowed => "P303",
            Code::UnresolvedVariable => "P304",
            Code::DependencyLinksIgnored => "P305",
            Code::UnusedExplicitIndex => "P306",
            Code::UnknownIndexName => "P307",
            Code::PlainHttp => "P308",
            Code::IndexOverridden => "P309",
            Code::IncludeTooDeep => "P310",
            Code::RegisteredEnvironment => "P311",
            Code::UnknownBaseImage => "P312",
            Code::DeniedHost => "P401",
            Code::ExpectedHostUnused => "P402",
            Code::ModuleDiscovery => "P320",
            Code::MirrorList => "P321",
            Code::TooManyFiles => "P501",
            Code::LineTooLong => "P502",
            Code::UnresolvedBuildProperty => "P330",
            Code::RuntimeOffline => "P340",
            Code::PerResourceHost => "P341",
        }
    }

    /// The kebab-case name, accepted wherever a code is.
    pub fn name(self) -> &'static str {
        match self {
            Code::ReadError => "read-error",
            Code::BinaryFile => "binary-file",
            Code::FileTooLarge => "file-too-large",
            Code::WalkError => "walk-error",
            Code::SyntaxError => "syntax-error",
            Code::InvalidRequirement => "invalid-requirement",
            Code::UnknownOption => "unknown-option",
            Code::MissingOptionValue => "missing-option-value",
            Code::InvalidUrl => "invalid-url",
            Code::UnexpectedValue => "unexpected-value",
            Code::IncludeCycle => "include-cycle",
            Code::IncludeNotFound => "include-not-found",
            Code::RemoteIncludeNotFollowed => "remote-include-not-followed",
            Code::UnresolvedVariable => "unresolved-variable",
            Code::DependencyLinksIgnored => "dependency-links-ignored",
            Code::UnusedExplicitIndex => "unused-explicit-index",
            Code::UnknownIndexName => "unknown-index-name",
            Code::PlainHttp => "plain-http",
            Code::IndexOverridden => "index-overridden",
            Code::IncludeTooDeep => "include-too-deep",
            Code::RegisteredEnvironment => "registered-environment",
            Code::UnknownBaseImage => "unknown-base-image",
            Code::DeniedHost => "denied-host",
            Code::ExpectedHostUnused => "expected-host-unused",
            Code::ModuleDiscovery => "module-discovery",
            Code::MirrorList => "mirror-list",
            Code::TooManyFiles => "too-many-files",
            Code::LineTooLong => "line-too-long",
            Code::UnresolvedBuildProperty => "unresolved-build-property",
            Code::RuntimeOffline => "runtime-offline",
            Code::PerResourceHost => "per-resource-host",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One finding with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub location: Location,
    pub code: Code,
    /// One line, lower case, no trailing period; already free of secrets.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The offending source line, secrets removed.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `location`; the message is redacted here so no caller can leak.
    pub fn new(code: Code, location: Location, message: impl AsRef<str>) -> Self {
        Self {
            location,
            code,
            message: redact::text(message.as_ref()),
            help: None,
            source_line: None,
        }
    }

    /// A diagnostic that also shows its source line.
    pub fn at(code: Code, file: &SourceFile, location: Location, message: impl AsRef<str>) -> Self {
        let source_line = file.line_text(location.line).map(redact::text);
        Self {
            source_line,
            ..Self::new(code, location, message)
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl AsRef<str>) -> Self {
        self.help = Some(redact::text(help.as_ref()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique() {
        let codes: HashSet<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let names: HashSet<_> = Code::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(codes.len(), Code::ALL.len());
        assert_eq!(names.len(), Code::ALL.len());
    }

    /// The README's warning table lists every code with its name, in order.
    #[test]
    fn readme_lists_every_code() {
        let readme = include_str!("../README.md");
        let rows: Vec<&str> = readme
            .lines()
            .filter(|line| {
                line.starts_with("| P") && line[3..].starts_with(|c: char| c.is_ascii_digit())
            })
            .collect();
        let expected: Vec<String> = Code::ALL
            .iter()
            .map(|code| format!("| {} | {} |", code.as_str(), code.name()))
            .collect();
        assert_eq!(
            rows.len(),
            expected.len(),
            "README warning table is out of date"
        );
        for (row, prefix) in rows.iter().zip(&expected) {
            assert!(
                row.starts_with(prefix.as_str()),
                "README row `{row}` should start with `{prefix}`"
            );
        }
    }

    #[test]
    fn messages_are_redacted() {
        let file = SourceFile::new("r.txt", "-i https://u:topsecret@example.com/simple\n");
        let diagnostic = Diagnostic::at(
            Code::InvalidUrl,
            &file,
            file.line_location(1, 1),
            "bad https://u:topsecret@example.com/simple",
        );
        assert!(!diagnostic.message.contains("topsecret"));
        assert!(!diagnostic.source_line.unwrap().contains("topsecret"));
    }
}
