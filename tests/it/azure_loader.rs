//! Generated workspace YAML checked by Microsoft's own loader: every repository fixture
//! and every shipped example project is scanned, rendered with the `azureml-yaml`
//! emitter and loaded by `azure.ai.ml.load_workspace` (pinned in
//! `tests/azure_loader/requirements.txt`) in one Python process, which checks the
//! workspace name, the isolation mode and the exact set of FQDN rules it understood.
//!
//! `--merge` is checked the same way: the richest plan is merged into each existing
//! workspace YAML in `tests/azure_loader/workspaces/` (user rules of every type, comments,
//! other layouts) and into every generated file, and the loader must find every rule of
//! the original, unchanged, plus the rules the merge reported as added, and nothing else.
//!
//! The loader lives in a virtualenv under `target/` that the test builds on first use
//! and reuses while its marker matches the requirements file. Missing Python or a
//! failed install fails the test: a skipped check would look like a passed one.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use pkgallow::emit;
use pkgallow::emit::azureml_yaml::merge::{Note, Workspace};
use pkgallow::model::{Endpoint, Evidence};
use pkgallow::plan;

use crate::python::{Pip, Venv, describe, venv_python};
use crate::repos::scan_fixture;
use crate::support;

/// Workspace names that a careless YAML writer would turn into numbers, booleans or
/// nulls; each is rendered over the fixture with the most rules.
const TRICKY_WORKSPACE_NAMES: [&str; 4] = ["0123", "1e3", "yes", "null"];

/// The rule types the loader must find among a workspace fixture's own rules.
const ALL_RULE_TYPES: [&str; 3] = [
    "FqdnDestination",
    "ServiceTagDestination",
    "PrivateEndpointDestination",
];

/// One generated file and what the loader must find in it.
#[derive(Default)]
struct Case {
    label: String,
    workspace: String,
    yaml: String,
    /// The FQDN rules pkgallow wrote.
    rules: Vec<(String, String)>,
    /// A merge: the file merged into, whose every rule must be in `yaml` unchanged.
    original: Option<String>,
    /// The isolation mode to find, when not approved-only.
    isolation_mode: Option<String>,
    /// Rule types the original must have.
    user_rule_types: Vec<&'static str>,
}

#[test]
fn generated_yaml_loads_with_azure_ai_ml() {
    let root = support::root();
    let requirements_path = root.join("tests/azure_loader/requirements.txt");
    let requirements = fs::read_to_string(&requirements_path).unwrap();
    let pinned = pinned_version(&requirements);
    let works = |venv: &Path| azure_ai_ml_imports(venv, &pinned);
    let install = |_: &Path, pip: &Pip<'_>| pip.install(&[], &requirements_path);
    let venv = Venv {
        name: "azure-ai-ml-venv",
        purpose: "the azure-ai-ml loader check",
        requirements: &requirements,
        works: &works,
        install: &install,
    }
    .ensure(&root.join("target"));

    let cases = cases(&root);
    let richest = cases.iter().map(|case| case.rules.len()).max().unwrap_or(0);
    assert!(
        richest >= 3,
        "no fixture yields several rules ({richest} at most), so the loader check proves little"
    );

    let dir = tempfile::tempdir().unwrap();
    let mut workspaces = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let path = dir.path().join(format!("{index:02}-workspace.yml"));
        fs::write(&path, &case.yaml).unwrap();
        let rules: Vec<serde_json::Value> = case
            .rules
            .iter()
            .map(
                |(name, destination)| serde_json::json!({"name": name, "destination": destination}),
            )
            .collect();
        let mut entry = serde_json::json!({
            "label": case.label,
            "path": path,
            "workspace": case.workspace,
            "rules": rules,
        });
        if let Some(original) = &case.original {
            let original_path = dir.path().join(format!("{index:02}-original.yml"));
            fs::write(&original_path, original).unwrap();
            entry["original"] = serde_json::json!(original_path);
            entry["user_rule_types"] = serde_json::json!(case.user_rule_types);
        }
        if let Some(mode) = &case.isolation_mode {
            entry["isolation_mode"] = serde_json::json!(mode);
        }
        workspaces.push(entry);
    }
    let manifest = dir.path().join("manifest.json");
    let manifest_json =
        serde_json::json!({"azure_ai_ml_version": pinned, "workspaces": workspaces});
    fs::write(
        &manifest,
        serde_json::to_string_pretty(&manifest_json).unwrap(),
    )
    .unwrap();

    let output = Command::new(venv_python(&venv))
        // Isolated: no PYTHONPATH, user site-packages or current directory on the path.
        .arg("-I")
        .arg(root.join("tests/azure_loader/check_workspace.py"))
        .arg(&manifest)
        // load_workspace sends nothing, but azure-ai-ml pulls in OpenTelemetry; keep it off.
        .env("OTEL_SDK_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "azure-ai-ml {pinned} did not load the generated YAML as expected ({}); the files are in {}\n{}",
        output.status,
        dir.keep().display(),
        describe(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let checked = stdout
        .lines()
        .filter(|line| line.starts_with("ok "))
        .count();
    assert_eq!(checked, cases.len(), "{}", describe(&output));
}

/// Every fixture repository and example project, plus the tricky workspace names.
fn cases(root: &Path) -> Vec<Case> {
    let mut projects: Vec<(String, PathBuf)> =
        support::subdirectories(&root.join("tests/fixtures/repos"))
            .into_iter()
            .map(|dir| (format!("fixture {}", file_name(&dir)), dir))
            .collect();
    assert!(!projects.is_empty(), "no fixture repositories found");
    let examples = root.join("examples");
    if examples.is_dir() {
        projects.extend(
            support::subdirectories(&examples)
                .into_iter()
                .filter(|dir| has_files(dir))
                .map(|dir| (format!("example {}", file_name(&dir)), dir)),
        );
    }

    let emitter = emit::emitter("azureml-yaml").expect("the azureml-yaml emitter exists");
    let mut cases = Vec::new();
    let mut richest: Option<(String, plan::Plan, Vec<Endpoint>)> = None;
    for (label, dir) in projects {
        let (_temp, resolution) = scan_fixture(&dir);
        let workspace = format!("ws-{}", file_name(&dir));
        let plan = plan::build(
            &resolution.endpoints,
            plan::PlanOptions {
                workspace_name: Some(workspace.clone()),
                ..plan::PlanOptions::default()
            },
        );
        cases.push(Case {
            label: label.clone(),
            workspace,
            yaml: emitter.render(&plan),
            rules: rules(&plan),
            ..Case::default()
        });
        if richest
            .as_ref()
            .is_none_or(|(_, best, _)| plan.rules.len() > best.rules.len())
        {
            richest = Some((label, plan, resolution.endpoints));
        }
    }

    let (label, mut plan, endpoints) = richest.unwrap();
    cases.push(policy_case(&label, &endpoints));
    let generated: Vec<(String, String)> = cases
        .iter()
        .map(|case| (case.label.clone(), case.yaml.clone()))
        .collect();
    cases.extend(merge_cases(root, &label, &plan, &generated));
    for name in TRICKY_WORKSPACE_NAMES {
        plan.options.workspace_name = Some(name.to_string());
        cases.push(Case {
            label: format!("{label} as workspace {name:?}"),
            workspace: name.to_string(),
            yaml: emitter.render(&plan),
            rules: rules(&plan),
            ..Case::default()
        });
    }
    cases
}

/// The organisation's policy file at its most demanding: the longest rule prefix
/// (`rule-prefix` in `pkgallow.toml`), so every name is shortened to fit, and a denied
/// host, whose note closes the file.
fn policy_case(label: &str, endpoints: &[Endpoint]) -> Case {
    let workspace = "ws-policy".to_string();
    let mut plan = plan::build(
        endpoints,
        plan::PlanOptions {
            workspace_name: Some(workspace.clone()),
            rule_prefix: Some("corp-ml_team-01_".to_string()),
            ..plan::PlanOptions::default()
        },
    );
    assert_eq!(
        plan.options.rule_prefix.as_ref().unwrap().len(),
        plan::MAX_RULE_PREFIX
    );
    plan.denied.push(plan::Denied {
        host: "gist.github.com".to_string(),
        pattern: "*.github.com".to_string(),
        ports: [443].into(),
        evidence: [Evidence {
            path: "requirements.txt".to_string(),
            line: 7,
            fetches: None,
        }]
        .into(),
    });
    let emitter = emit::emitter("azureml-yaml").expect("the azureml-yaml emitter exists");
    let yaml = emitter.render(&plan);
    assert!(
        yaml.contains("Denied by the organisation's policy"),
        "{yaml}"
    );
    Case {
        label: format!("{label} with the longest rule prefix and a denied host"),
        workspace,
        yaml,
        rules: rules(&plan),
        ..Case::default()
    }
}

/// `plan` merged into each workspace fixture and into each generated file.
fn merge_cases(
    root: &Path,
    label: &str,
    plan: &plan::Plan,
    generated: &[(String, String)],
) -> Vec<Case> {
    let fixtures: Vec<(String, String)> =
        support::files(&root.join("tests/azure_loader/workspaces"))
            .into_iter()
            .map(|path| {
                let text = support::expand(&fs::read_to_string(&path).unwrap());
                (file_name(&path), text)
            })
            .collect();
    let with_every_type: Vec<&String> = fixtures
        .iter()
        .filter(|(_, text)| {
            [
                "type: fqdn",
                "type: service_tag",
                "type: private_endpoint",
                "spark_enabled:",
            ]
            .iter()
            .all(|needle| text.contains(needle))
        })
        .map(|(name, _)| name)
        .collect();
    assert!(
        with_every_type.len() >= 2,
        "fewer than two workspace fixtures hold user rules of every type: {with_every_type:?}"
    );
    let mut originals: Vec<(String, String, bool)> = fixtures
        .iter()
        .map(|(name, text)| (name.clone(), text.clone(), with_every_type.contains(&name)))
        .collect();
    // The same file with Windows line endings.
    let (name, text, _) = originals
        .iter()
        .find(|(_, _, every_type)| *every_type)
        .unwrap()
        .clone();
    originals.push((
        format!("{name} with CRLF line endings"),
        text.replace('\n', "\r\n"),
        true,
    ));
    originals.extend(
        generated
            .iter()
            .map(|(from, yaml)| (format!("the output for {from}"), yaml.clone(), false)),
    );

    let mut cases = Vec::new();
    let (mut kept, mut renamed) = (0, 0);
    for (name, original, every_type) in originals {
        let workspace =
            Workspace::parse(&original).unwrap_or_else(|error| panic!("{name}: {error:?}"));
        let merged = workspace
            .merge(plan)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let mut added = Vec::new();
        let mut isolation_mode = None;
        for note in &merged.notes {
            match note {
                Note::Added {
                    name,
                    destination,
                    renamed_from,
                } => {
                    added.push((name.clone(), destination.clone()));
                    renamed += usize::from(renamed_from.is_some());
                }
                Note::Kept { .. } => kept += 1,
                Note::IsolationNotApproved { mode, .. } => isolation_mode = Some(mode.clone()),
                _ => {}
            }
        }
        let accounted = merged
            .notes
            .iter()
            .filter(|note| matches!(note, Note::Added { .. } | Note::Kept { .. }))
            .count();
        assert_eq!(
            accounted,
            plan.rules.len(),
            "{name}: a rule was neither added nor kept"
        );
        cases.push(Case {
            label: format!("{label} merged into {name}"),
            workspace: workspace.name().unwrap().to_string(),
            yaml: merged.text,
            rules: added,
            original: Some(original),
            isolation_mode,
            user_rule_types: if every_type {
                ALL_RULE_TYPES.to_vec()
            } else {
                Vec::new()
            },
        });
    }
    assert!(
        kept > 0 && renamed > 0,
        "the workspace fixtures no longer exercise kept ({kept}) and renamed ({renamed}) rules"
    );
    cases
}

fn rules(plan: &plan::Plan) -> Vec<(String, String)> {
    plan.rules
        .iter()
        .map(|rule| (rule.name.clone(), rule.destination.clone()))
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(OsStr::to_string_lossy)
        .unwrap_or_default()
        .into_owned()
}

/// Whether `dir` holds at least one file at any depth.
fn has_files(dir: &Path) -> bool {
    fs::read_dir(dir).unwrap().any(|entry| {
        let path = entry.unwrap().path();
        path.is_file() || (path.is_dir() && has_files(&path))
    })
}

/// The version in the `azure-ai-ml==VERSION` line of the requirements file.
fn pinned_version(requirements: &str) -> String {
    requirements
        .lines()
        .find_map(|line| line.trim().strip_prefix("azure-ai-ml=="))
        .map(|version| version.trim().to_string())
        .filter(|version| !version.is_empty())
        .expect("tests/azure_loader/requirements.txt must pin azure-ai-ml==VERSION exactly")
}

/// Whether the virtualenv's interpreter imports the pinned loader (a moved or upgraded
/// base interpreter breaks a virtualenv without touching its requirements).
fn azure_ai_ml_imports(venv: &Path, pinned: &str) -> bool {
    Command::new(venv_python(venv))
        .args([
            "-I",
            "-c",
            "import importlib.metadata, azure.ai.ml; print(importlib.metadata.version('azure-ai-ml'))",
        ])
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == pinned)
}
