//! Fixture snapshots per format: every file in `tests/fixtures/formats/<module>/` is
//! parsed by the format whose module name is the folder name, and what it declares is
//! snapshotted. A new fixture file is a new test case; broken inputs are fixtures too.

use std::fmt::Write;

use pkgallow::formats::{FORMATS, ParseContext};
use pkgallow::model::{Declared, Manifest, RuntimeUse};
use pkgallow::source::SourceFile;

use crate::support;

/// A readable, stable rendering of what a file declares.
pub(crate) fn describe(manifest: &Manifest) -> String {
    let mut out = String::new();
    let declared = |d: &Declared| match &d.remote {
        Some(remote) => format!(
            "{}://{}:{} ({}) at {}",
            remote.scheme, remote.host, remote.port, remote.display, d.at
        ),
        None => format!("<unknown host> at {}", d.at),
    };
    let _ = writeln!(
        out,
        "format: {}\ninstaller: {}\nrole: {:?}",
        manifest.format,
        manifest.installer.as_str(),
        manifest.role
    );
    if let Some(index) = &manifest.options.index_url {
        let _ = writeln!(out, "index-url (replaces the default): {}", declared(index));
    }
    for extra in &manifest.options.extra_index_urls {
        let _ = writeln!(out, "extra-index-url: {}", declared(extra));
    }
    if let Some(at) = &manifest.options.no_index {
        let _ = writeln!(out, "no-index at {at}");
    }
    if let Some(at) = &manifest.options.clears_inherited {
        let _ = writeln!(out, "clears what the scopes below declared at {at}");
    }
    if let Some(at) = &manifest.options.default_off {
        let _ = writeln!(out, "default index off at {at}");
    }
    for (name, source) in &manifest.options.sources {
        let _ = writeln!(out, "source {name}: {}", declared(source));
    }
    if let Some((name, at)) = &manifest.options.replaced_by_name {
        let _ = writeln!(
            out,
            "default index replaced by the source named {name} at {at}"
        );
    }
    for link in &manifest.options.find_links {
        let _ = writeln!(out, "find-links: {}", declared(link));
    }
    for (name, index) in &manifest.options.named {
        let _ = writeln!(out, "named index {name}: {}", declared(index));
    }
    for (name, at) in &manifest.index_pins {
        let _ = writeln!(out, "pinned to index {name} at {at}");
    }
    if let Some(mirror) = &manifest.options.mirror {
        let _ = writeln!(out, "mirror of every index: {}", declared(mirror));
    }
    match &manifest.needs_index {
        Some(at) => {
            let _ = writeln!(out, "needs an index: first at {at}");
        }
        None => out.push_str("needs no index\n"),
    }
    for direct in &manifest.direct {
        let _ = writeln!(
            out,
            "{}: {}://{}:{} ({}) at {}",
            direct.kind.as_str(),
            direct.remote.scheme,
            direct.remote.host,
            direct.remote.port,
            direct.remote.display,
            direct.at
        );
    }
    for channel in &manifest.conda_channels {
        let _ = writeln!(
            out,
            "conda channel {}{} at {}",
            channel.name,
            if channel.implicit { " (implicit)" } else { "" },
            channel.at
        );
    }
    if let Some(config) = &manifest.conda_config {
        let _ = writeln!(out, "conda config: {config:?}");
    }
    for include in &manifest.includes {
        let _ = writeln!(
            out,
            "{} {} at {}",
            if include.constraint {
                "constraint"
            } else {
                "include"
            },
            include.target,
            include.at
        );
    }
    for runtime_use in &manifest.runtime {
        let _ = match runtime_use {
            RuntimeUse::Library {
                library,
                fetches,
                at,
            } => writeln!(
                out,
                "runtime {library}{} at {at}",
                fetches
                    .as_ref()
                    .map(|fetches| format!(" ({fetches})"))
                    .unwrap_or_default()
            ),
            RuntimeUse::Url {
                remote,
                fetches,
                at,
            } => writeln!(
                out,
                "runtime url {}://{}:{} ({fetches}) at {at}",
                remote.scheme, remote.host, remote.port
            ),
            RuntimeUse::Setting { name, value, at } => {
                writeln!(out, "setting {name}={value} at {at}")
            }
        };
    }
    for diagnostic in &manifest.diagnostics {
        let _ = writeln!(
            out,
            "{} {} at {}",
            diagnostic.code.as_str(),
            diagnostic.message,
            diagnostic.location
        );
        if let Some(help) = &diagnostic.help {
            let _ = writeln!(out, "  help: {help}");
        }
    }
    out
}

#[test]
fn format_fixtures() {
    let base = support::root().join("tests/fixtures/formats");
    let mut cases = 0;
    for directory in support::subdirectories(&base) {
        let module = directory.file_name().unwrap().to_string_lossy().to_string();
        let name = module.replace('_', "-");
        let format = FORMATS
            .iter()
            .find(|format| {
                format.name().ends_with(&format!("/{name}"))
                    || format.name().replace('/', "-") == name
            })
            .unwrap_or_else(|| panic!("no format for fixture folder {module}"));
        for path in support::files(&directory) {
            let file_name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = support::expand(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            let file = SourceFile::new(file_name.clone(), text);
            let manifest = format.parse(&file, &ParseContext::default());
            let snapshot = support::redact(&describe(&manifest));
            insta::with_settings!({snapshot_path => "../fixtures/formats/snapshots", prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!(format!("{module}__{file_name}"), snapshot);
            });
            cases += 1;
        }
    }
    assert!(cases > 0, "no format fixtures found");
}

/// Parsers never panic: every prefix of the fixtures of the scanner-style formats (cut
/// at any character), and each with unbalanced quotes and brackets appended, parses.
#[test]
fn truncated_and_unbalanced_input_never_panics() {
    let base = support::root().join("tests/fixtures/formats");
    for module in [
        "gradle",
        "gemfile",
        "gemfile_lock",
        "description",
        "yarn_lock",
        "pnpm_lock",
        "yarnrc",
        "yarnrc_yml",
        "pom_xml",
        "nuget_config",
        "project",
        "renv_lock",
        "wrapper_properties",
        "maven_settings",
    ] {
        let name = module.replace('_', "-");
        let format = FORMATS
            .iter()
            .find(|format| format.name().ends_with(&format!("/{name}")))
            .unwrap();
        for path in support::files(&base.join(module)) {
            let text = support::expand(&std::fs::read_to_string(&path).unwrap());
            let file_name = path.file_name().unwrap().to_string_lossy().to_string();
            for (cut, _) in text.char_indices().step_by(3) {
                for tail in ["", "\"", "'", "{", "(", "/*", "\"\"\"", "é\\"] {
                    let input = format!("{}{tail}", &text[..cut]);
                    let file = SourceFile::new(file_name.clone(), input);
                    let _ = format.parse(&file, &ParseContext::default());
                }
            }
        }
    }
}
