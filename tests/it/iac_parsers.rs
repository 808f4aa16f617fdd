//! Generated infrastructure code checked by parsers that share no code with pkgallow:
//! every emitter in `EMITTERS` whose language is Bicep, ARM JSON, Terraform, Python or
//! bash renders every fixture repository, plus plans made to be hard (hostile strings,
//! no rules, no workspace name), and `tests/iac_parsers/check.py` checks them all in one
//! Python process: checkov (pinned in `tests/iac_parsers/requirements.txt`) parses the
//! Bicep, ARM and Terraform offline and must report no parsing error; pycep, json and
//! python-hcl2 (pinned in `tests/iac_parsers/python-hcl2.txt`) read each rule back and
//! compare it with the plan; Python must compile, and bash pass `bash -n` and a run with
//! `az` stubbed that records each call. Targets of other kinds (firewall rules, say) are
//! only parsed: `check.py` knows what the outbound-rule targets must contain, not them.
//!
//! The tools live in a virtualenv under `target/` that the test builds on first use and
//! reuses while its marker matches the requirements files, as the azure-ai-ml loader
//! check does. Missing Python or a failed install fails the test: a skipped check would
//! look like a passed one.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;

use pkgallow::emit::{EMITTERS, Emitter, Language};
use pkgallow::model::Evidence;
use pkgallow::plan::{self, Plan, PlanOptions, PrivateEndpoint, Rule, Skipped};

use crate::python::{Pip, Venv, describe, venv_python};
use crate::repos::scan_fixture;
use crate::support;

/// Where python-hcl2 is installed inside the virtualenv, apart from its site-packages.
const PYTHON_HCL2_DIR: &str = "python-hcl2";

/// The targets that write managed-network outbound rules, whose content `check.py` reads
/// back and compares with the plan.
const OUTBOUND_RULE_TARGETS: [&str; 5] = ["bicep", "arm", "terraform", "python-sdk", "az-cli"];

/// The tools and the exact versions the requirements files pin.
struct Pins {
    requirements: String,
    checkov: String,
    python_hcl2: String,
}

#[test]
fn generated_infrastructure_code_parses() {
    let root = support::root();
    let pins = pins(&root);
    let works = |venv: &Path| tools_import(venv, &pins);
    let install = |building: &Path, pip: &Pip<'_>| {
        pip.install(&[], &root.join("tests/iac_parsers/requirements.txt"));
        // checkov's HCL fork and python-hcl2 are both the `hcl2` package: keep them apart.
        let hcl2_dir = building.join(PYTHON_HCL2_DIR);
        pip.install(
            &[
                OsStr::new("--no-deps"),
                OsStr::new("--target"),
                hcl2_dir.as_os_str(),
            ],
            &root.join("tests/iac_parsers/python-hcl2.txt"),
        );
    };
    let venv = Venv {
        name: "iac-venv",
        purpose: "the infrastructure-code parser check",
        requirements: &pins.requirements,
        works: &works,
        install: &install,
    }
    .ensure(&root.join("target"));

    let emitters: Vec<&dyn Emitter> = EMITTERS
        .iter()
        .copied()
        .filter(|emitter| language_name(emitter.language()).is_some())
        .collect();
    let targets: BTreeSet<&str> = emitters.iter().map(|emitter| emitter.target()).collect();
    for expected in OUTBOUND_RULE_TARGETS {
        assert!(
            targets.contains(expected),
            "{expected} is not checked: {targets:?}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for (index, (label, plan)) in plans(&root).iter().enumerate() {
        for emitter in &emitters {
            let language = emitter.language();
            let language_name = language_name(language).unwrap();
            // Each output in a folder of its own: checkov reads a folder of .tf files as
            // one module.
            let folder = dir.path().join(format!("{index:02}-{}", emitter.target()));
            fs::create_dir(&folder).unwrap();
            let path = folder.join(format!("{}.{}", emitter.target(), extension(language)));
            fs::write(&path, emitter.render(plan)).unwrap();
            outputs.push(serde_json::json!({
                "label": label,
                "target": emitter.target(),
                "language": language_name,
                "checks": if OUTBOUND_RULE_TARGETS.contains(&emitter.target()) { "rules" } else { "parse" },
                "path": path,
                "workspace": plan.workspace_name(),
                "rules": plan.rules.iter().map(|rule| serde_json::json!({
                    "name": rule.name,
                    "destination": rule.destination,
                })).collect::<Vec<_>>(),
                "private_endpoints": plan.private_endpoints.iter().map(|endpoint| serde_json::json!({
                    "name": endpoint.name,
                    "resource_type": endpoint.resource_type,
                    "resource_name": endpoint.resource_name,
                    "subresource_target": endpoint.subresource_target,
                    "spark_enabled": endpoint.spark_enabled,
                })).collect::<Vec<_>>(),
            }));
        }
    }
    let manifest = dir.path().join("manifest.json");
    let manifest_json = serde_json::json!({
        "versions": {"checkov": pins.checkov, "python-hcl2": pins.python_hcl2},
        "python_hcl2_path": venv.join(PYTHON_HCL2_DIR),
        "outputs": outputs,
    });
    fs::write(
        &manifest,
        serde_json::to_string_pretty(&manifest_json).unwrap(),
    )
    .unwrap();

    let output = Command::new(venv_python(&venv))
        // Isolated: no PYTHONPATH, user site-packages or current directory on the path.
        .arg("-I")
        .arg(root.join("tests/iac_parsers/check.py"))
        .arg(&manifest)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the generated files did not parse as expected ({}); they are in {}\n{}",
        output.status,
        dir.keep().display(),
        describe(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let checked = stdout
        .lines()
        .filter(|line| line.starts_with("ok "))
        .count();
    assert_eq!(checked, outputs.len(), "{}", describe(&output));
}

/// The name `check.py` knows a language by; `None` for languages it does not check here
/// (workspace YAML has Microsoft's loader, JSON and text have no parser to speak of).
fn language_name(language: Language) -> Option<&'static str> {
    match language {
        Language::Bicep => Some("bicep"),
        Language::ArmJson => Some("arm"),
        Language::Terraform => Some("terraform"),
        Language::Python => Some("python"),
        Language::Bash => Some("bash"),
        _ => None,
    }
}

fn extension(language: Language) -> &'static str {
    match language {
        Language::Bicep => "bicep",
        Language::ArmJson => "json",
        Language::Terraform => "tf",
        Language::Python => "py",
        Language::Bash => "sh",
        _ => "txt",
    }
}

/// Every fixture repository, the richest one without a workspace name, a plan of hostile
/// strings and an empty plan.
fn plans(root: &Path) -> Vec<(String, Plan)> {
    let fixtures = support::subdirectories(&root.join("tests/fixtures/repos"));
    assert!(
        fixtures.iter().any(|dir| dir.ends_with("every-target")),
        "the every-target fixture is missing"
    );
    let mut plans = Vec::new();
    for dir in fixtures {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (_temp, resolution) = scan_fixture(&dir);
        let plan = plan::build(
            &resolution.endpoints,
            PlanOptions {
                workspace_name: Some(format!("ws-{name}")),
                ..PlanOptions::default()
            },
        );
        plans.push((format!("fixture {name}"), plan));
    }
    let (_, every) = plans
        .iter()
        .find(|(label, _)| label == "fixture every-target")
        .unwrap();
    assert!(
        every.rules.len() >= 5
            && every.private_endpoints.len() >= 2
            && every.skipped.len() >= 2
            && every
                .rules
                .iter()
                .any(|rule| rule.destination.starts_with("*.")),
        "the every-target fixture no longer exercises every kind of rule"
    );
    let mut unnamed = every.clone();
    unnamed.options.workspace_name = None;
    plans.push(("every-target without a workspace name".to_string(), unnamed));
    // The customer-managed outputs carry much more with Azure ML's own requirements and
    // the hybrid label: parse those too, for every cloud.
    let (_temp, resolution) = scan_fixture(&root.join("tests/fixtures/repos/every-target"));
    for cloud in [plan::Cloud::Public, plan::Cloud::China, plan::Cloud::UsGov] {
        let plan = plan::build(
            &resolution.endpoints,
            PlanOptions {
                workspace_name: Some("ws-every-target".to_string()),
                network: plan::NetworkMode::Hybrid,
                include_azureml_core: true,
                cloud,
                ..PlanOptions::default()
            },
        );
        assert!(
            !plan.core.is_empty(),
            "no Azure ML core requirements for {}",
            cloud.as_str()
        );
        plans.push((
            format!(
                "every-target hybrid with Azure ML core ({})",
                cloud.as_str()
            ),
            plan,
        ));
    }
    plans.push(("hostile strings".to_string(), hostile_plan()));
    plans.push((
        "no rules".to_string(),
        Plan {
            options: PlanOptions {
                workspace_name: Some("ws-empty".to_string()),
                ..PlanOptions::default()
            },
            ..Plan::default()
        },
    ));
    plans
}

/// Strings no real scan yields but every quoting helper must survive: quotes of every
/// kind, backslashes, template and interpolation syntax, an ARM expression, control and
/// invisible characters, comment terminators.
fn hostile_plan() -> Plan {
    const HOSTILE: &str =
        "it's \"q\" \\ C:\\new\\u0041 ${x} %{y} $z [w] */ --> \u{202e}é\u{1F600}\n\t#";
    let evidence = |path: &str| {
        [Evidence {
            path: path.to_string(),
            line: 7,
            fetches: None,
        }]
        .into_iter()
        .collect::<BTreeSet<_>>()
    };
    let purposes: BTreeSet<String> = [format!("purpose {HOSTILE}")].into_iter().collect();
    let rules = [
        ("quote-rule", HOSTILE.to_string()),
        ("bracket-rule", "[expression]".to_string()),
        ("1digit-first", "files.example.org".to_string()),
        ("wildcard_1234abcd", "*.example.org".to_string()),
    ]
    .into_iter()
    .map(|(name, destination)| Rule {
        name: name.to_string(),
        destination,
        ports: [443].into_iter().collect(),
        purposes: purposes.clone(),
        evidence: evidence(&format!("dir/{HOSTILE}.txt")),
    })
    .collect();
    let private_endpoint =
        |name: &str, resource_name: &str, target: &'static str| PrivateEndpoint {
            name: name.to_string(),
            host: format!("{HOSTILE}.example.net"),
            resource_type: "Microsoft.Storage/storageAccounts",
            resource_name: resource_name.to_string(),
            subresource_target: target,
            spark_enabled: true,
            purposes: purposes.clone(),
            evidence: evidence("requirements.txt"),
        };
    Plan {
        rules,
        private_endpoints: vec![
            private_endpoint("pe-hostile-blob", HOSTILE, "blob"),
            private_endpoint("pe-hostile-registry", "[name]", "registry"),
        ],
        skipped: vec![Skipped {
            host: HOSTILE.to_string(),
            ports: [22].into_iter().collect(),
            reason: format!("needs port 22 {HOSTILE}"),
            evidence: evidence(HOSTILE),
        }],
        // The policy's denied hosts close every file with a comment (or ARM metadata).
        denied: vec![plan::Denied {
            host: HOSTILE.to_string(),
            pattern: format!("*.{HOSTILE}"),
            ports: [443].into_iter().collect(),
            evidence: evidence(HOSTILE),
        }],
        options: PlanOptions {
            workspace_name: Some(format!("ws {HOSTILE}")),
            ..PlanOptions::default()
        },
        ..Plan::default()
    }
}

/// The requirements files and the versions they pin exactly.
fn pins(root: &Path) -> Pins {
    let checkov_file = fs::read_to_string(root.join("tests/iac_parsers/requirements.txt")).unwrap();
    let hcl2_file = fs::read_to_string(root.join("tests/iac_parsers/python-hcl2.txt")).unwrap();
    let pinned = |text: &str, name: &str| {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(&format!("{name}==")))
            .map(|version| version.trim().to_string())
            .filter(|version| !version.is_empty())
            .unwrap_or_else(|| panic!("tests/iac_parsers must pin {name}==VERSION exactly"))
    };
    Pins {
        checkov: pinned(&checkov_file, "checkov"),
        python_hcl2: pinned(&hcl2_file, "python-hcl2"),
        requirements: format!("{checkov_file}\n{hcl2_file}"),
    }
}

/// Whether the virtualenv's interpreter imports checkov, pycep and python-hcl2 at their
/// pinned versions (a moved or upgraded base interpreter breaks a virtualenv without
/// touching its requirements).
fn tools_import(venv: &Path, pins: &Pins) -> bool {
    let probe = format!(
        "import importlib.metadata as m, sys, checkov, pycep\n\
         sys.path.insert(0, {hcl2:?})\n\
         print(m.version('checkov'), m.version('python-hcl2'))",
        hcl2 = venv.join(PYTHON_HCL2_DIR).to_string_lossy()
    );
    Command::new(venv_python(venv))
        .args(["-I", "-c", &probe])
        .output()
        .is_ok_and(|out| {
            out.status.success()
                && String::from_utf8_lossy(&out.stdout).trim()
                    == format!("{} {}", pins.checkov, pins.python_hcl2)
        })
}
