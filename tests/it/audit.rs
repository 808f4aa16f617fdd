//! `audit`: one fixture folder per rule in `tests/fixtures/audit/<CODE>/`, with files
//! named `flagged*` (must raise the rule) and `clean*` (must raise nothing at all), and
//! an optional `project/` the files are audited `--against`. The human output of every
//! file is snapshotted. Real-world clean inputs give zero findings: the workspace YAMLs
//! of the azureml-examples corpus and every readable output `generate` writes for every
//! fixture repository. False positives are bugs.

use std::path::Path;

use pkgallow::audit::{self, Context, Finding, Needed, RuleSet, inputs, output, rules};
use pkgallow::emit::EMITTERS;
use pkgallow::knowledge::Knowledge;
use pkgallow::plan::{self, NetworkMode, PlanOptions, Wildcards};
use pkgallow::source::SourceFile;

use crate::repos::scan_fixture;
use crate::support;

/// The one output `audit` does not read: a Python program.
const SCRIPTS: [&str; 1] = ["python-sdk"];

fn run(display: &str, text: &str, needed: Option<&Needed>) -> (RuleSet, Vec<Finding>) {
    let knowledge = Knowledge::embedded().unwrap();
    let file = SourceFile::new(display, text);
    let set = inputs::read_file(&file).unwrap_or_else(|error| panic!("{display}: {error}"));
    let findings = audit::audit(
        &[(set.clone(), file)],
        &Context {
            knowledge: &knowledge,
            needed,
        },
    );
    (set, findings)
}

fn needed_of(project: &Path) -> Option<Needed> {
    project
        .is_dir()
        .then(|| Needed::new(scan_fixture(project).1.endpoints))
}

#[test]
fn rule_fixtures() {
    let base = support::root().join("tests/fixtures/audit");
    let dirs = support::subdirectories(&base);
    let codes: Vec<String> = dirs
        .iter()
        .map(|dir| dir.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    for rule in rules::RULES {
        assert!(
            codes.iter().any(|code| code == rule.meta().code),
            "{} has no fixture folder",
            rule.meta().code
        );
    }
    for dir in dirs {
        let code = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(rules::find(&code).is_some(), "{code} is no rule");
        let needed = needed_of(&dir.join("project"));
        let files = support::files(&dir);
        let names: Vec<String> = files
            .iter()
            .map(|file| file.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert!(
            names.iter().any(|name| name.starts_with("flagged"))
                && names.iter().any(|name| name.starts_with("clean")),
            "{code} needs a flagged and a clean fixture"
        );
        for (file, name) in files.iter().zip(&names) {
            let text = support::expand(&std::fs::read_to_string(file).unwrap());
            let display = format!("{code}/{name}");
            let (set, findings) = run(&display, &text, needed.as_ref());
            if name.starts_with("flagged") {
                assert!(
                    findings.iter().any(|finding| finding.code == code),
                    "{display} does not raise {code}: {findings:#?}"
                );
            } else {
                assert!(
                    findings.is_empty(),
                    "{display} should be clean: {findings:#?}"
                );
            }
            let human = output::human::render(&findings, &output::Inputs { sets: &[&set] });
            insta::with_settings!({snapshot_path => "../fixtures/audit/snapshots", prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!(format!("{code}__{name}"), support::redact(&human));
            });
        }
    }
}

/// What `generate` writes reads back with zero findings, without and with `--against`
/// the same project (the workspace YAML leaves private endpoints as comments to fill in,
/// so against the project it lacks exactly those).
#[test]
fn generated_outputs_audit_clean() {
    let base = support::root().join("tests/fixtures/repos");
    for repo in support::subdirectories(&base) {
        let name = repo.file_name().unwrap().to_string_lossy().to_string();
        let (_temp, resolution) = scan_fixture(&repo);
        let needed = Needed::new(resolution.endpoints.clone());
        let variants = [
            PlanOptions::default(),
            PlanOptions {
                wildcards: Wildcards::Collapse,
                ..PlanOptions::default()
            },
            PlanOptions {
                network: NetworkMode::CustomerManaged,
                include_azureml_core: true,
                ..PlanOptions::default()
            },
            PlanOptions {
                network: NetworkMode::Hybrid,
                include_azureml_core: true,
                cloud: plan::Cloud::UsGov,
                ..PlanOptions::default()
            },
        ];
        for (variant, options) in variants.into_iter().enumerate() {
            let core = options.include_azureml_core;
            let plan = plan::build(&resolution.endpoints, options);
            for emitter in EMITTERS {
                if SCRIPTS.contains(&emitter.target()) {
                    continue;
                }
                let display = format!("{name}/{variant}/{}", emitter.target());
                let text = emitter.render(&plan);
                let (_, findings) = run(&display, &text, None);
                assert!(findings.is_empty(), "{display}: {findings:#?}");
                // Azure ML's own requirements are rules the project does not need.
                if core {
                    continue;
                }
                let (_, findings) = run(&display, &text, Some(&needed));
                let expected = |finding: &Finding| {
                    emitter.target() == "azureml-yaml"
                        && finding.code == "A014"
                        && finding.message.starts_with("`Microsoft.")
                };
                assert!(
                    findings.iter().all(expected),
                    "{display} against its project: {findings:#?}"
                );
            }
        }
    }
}

/// The workspace YAMLs of the azureml-examples corpus are real, reviewed configurations.
#[test]
fn corpus_workspace_yamls_audit_clean() {
    let dir = support::root().join("../shared/corpus/azureml-examples/cli/resources/workspace");
    assert!(dir.is_dir(), "the corpus is missing at {}", dir.display());
    let files = support::files(&dir);
    assert!(
        files.len() >= 5,
        "the corpus at {} is incomplete",
        dir.display()
    );
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let display = file.file_name().unwrap().to_string_lossy().to_string();
        let (_, findings) = run(&display, &text, None);
        assert!(findings.is_empty(), "{display}: {findings:#?}");
    }
}

/// Every reader keeps its positions: a rule's destination is found at the line and
/// column the file writes it, in every syntax.
#[test]
fn positions_point_at_the_destination() {
    let cases = [
        (
            "w.yml",
            "name: w\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  - name: xyz\n    type: fqdn\n    destination: 'https://example.org/x'\n",
            (7, 18),
        ),
        (
            "r.json",
            "[{\"name\": \"xyz\", \"properties\": {\"type\": \"FQDN\", \"destination\": \"https://example.org/x\"}}]",
            (1, 64),
        ),
        (
            "m.tf",
            "resource \"azurerm_machine_learning_workspace_network_outbound_rule_fqdn\" \"x\" {\n  name             = \"xyz\"\n  destination_fqdn = \"https://example.org/x\"\n}\n",
            (3, 22),
        ),
        (
            "m.bicep",
            "resource r 'Microsoft.MachineLearningServices/workspaces/outboundRules@2025-12-01' = {\n  name: 'xyz'\n  properties: {\n    type: 'FQDN'\n    destination: 'https://example.org/x'\n  }\n}\n",
            (5, 18),
        ),
        ("hosts.txt", "github.com\n  https://example.org/x\n", (2, 3)),
    ];
    for (display, text, (line, column)) in cases {
        let (_, findings) = run(display, text, None);
        assert_eq!(findings.len(), 1, "{display}: {findings:#?}");
        assert_eq!(findings[0].code, "A001");
        assert_eq!(
            (findings[0].location.line, findings[0].location.column),
            (line, column),
            "{display}"
        );
    }
}

/// The SARIF output is valid SARIF 2.1.0: checked with the OASIS schema
/// (`tests/sarif/sarif-schema-2.1.0.json`) by the Python `jsonschema` package.
#[test]
fn sarif_is_valid() {
    let knowledge = Knowledge::embedded().unwrap();
    let base = support::root().join("tests/fixtures/audit");
    let mut sets = Vec::new();
    for dir in support::subdirectories(&base) {
        for file in support::files(&dir) {
            let code = dir.file_name().unwrap().to_string_lossy().to_string();
            let display = format!("{code}/{}", file.file_name().unwrap().to_string_lossy());
            let source = SourceFile::new(
                display,
                support::expand(&std::fs::read_to_string(&file).unwrap()),
            );
            sets.push((inputs::read_file(&source).unwrap(), source));
        }
    }
    let findings = audit::audit(
        &sets,
        &Context {
            knowledge: &knowledge,
            needed: None,
        },
    );
    assert!(findings.len() > 10);
    let sarif = output::sarif::render(&findings);
    let empty = output::sarif::render(&[]);
    crate::schema::validate_sarif(&[&sarif, &empty]);
}

/// Broken input is an error or a partial rule set, never a panic: every prefix of every
/// fixture and generated file, and the same with multi-byte characters after each
/// backslash and quote, is read and audited.
#[test]
fn truncated_and_mangled_inputs_never_panic() {
    let knowledge = Knowledge::embedded().unwrap();
    let mut texts = Vec::new();
    let base = support::root().join("tests/fixtures/audit");
    for dir in support::subdirectories(&base) {
        for file in support::files(&dir) {
            texts.push(support::expand(&std::fs::read_to_string(file).unwrap()));
        }
    }
    let (_temp, resolution) =
        scan_fixture(&support::root().join("tests/fixtures/repos/every-target"));
    let plan = plan::build(&resolution.endpoints, PlanOptions::default());
    for emitter in EMITTERS {
        texts.push(emitter.render(&plan));
    }
    let mangled: Vec<String> = texts
        .iter()
        .map(|text| {
            text.replace('\\', "\\é")
                .replace('"', "\"ü\\")
                .replace('\'', "'\\ß")
        })
        .collect();
    texts.extend(mangled);
    for text in &texts {
        let boundaries: Vec<usize> = text.char_indices().map(|(index, _)| index).collect();
        for &end in boundaries.iter().step_by(7) {
            let file = SourceFile::new("t", &text[..end]);
            if let Ok(set) = inputs::read_file(&file) {
                let _ = audit::audit(
                    &[(set, file)],
                    &Context {
                        knowledge: &knowledge,
                        needed: None,
                    },
                );
            }
        }
    }
}

/// Credentials written into rules (a destination pasted as a URL with userinfo) never
/// reach any output of `audit` or `diff`.
#[test]
fn secrets_never_leak_from_audit() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("hosts.txt"),
        "https://robot:TopSecret123@mirror.example.com/simple\ngithub.com\n",
    )
    .unwrap();
    std::fs::write(
        temp.path().join("requirements.txt"),
        "-i https://robot:TopSecret123@mirror.example.com/simple\nrequests\n",
    )
    .unwrap();
    let mut commands: Vec<Vec<&str>> = ["human", "json", "sarif", "github", "azure"]
        .iter()
        .map(|format| vec!["audit", "--format", format, "hosts.txt", "--against", "."])
        .collect();
    commands.push(vec!["diff", "--current", "hosts.txt", "."]);
    commands.push(vec![
        "diff",
        "--format",
        "json",
        "--current",
        "hosts.txt",
        ".",
    ]);
    for args in commands {
        let output = std::process::Command::new(support::binary())
            .args(&args)
            .current_dir(temp.path())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(text.contains("mirror.example.com"), "{args:?}:\n{text}");
        assert!(!text.contains("TopSecret123"), "{args:?} leaked:\n{text}");
    }
}
