//! Validation of `audit --format sarif` output against the OASIS SARIF 2.1.0 JSON schema
//! (`tests/sarif/sarif-schema-2.1.0.json`, see `tests/sarif/README.md` for its source)
//! with the Python `jsonschema` package, in a small virtualenv under `target/` built by
//! the shared helper. Missing Python or a failed install fails the test.

use std::path::Path;
use std::process::Command;

use crate::python::{Pip, Venv, describe, venv_python};
use crate::support;

pub(crate) fn validate_sarif(documents: &[&str]) {
    let root = support::root();
    let requirements_path = root.join("tests/sarif/requirements.txt");
    let requirements = std::fs::read_to_string(&requirements_path).unwrap();
    let works = |venv: &Path| {
        Command::new(venv_python(venv))
            .args(["-c", "import jsonschema"])
            .output()
            .is_ok_and(|output| output.status.success())
    };
    let install = |_: &Path, pip: &Pip<'_>| pip.install(&[], &requirements_path);
    let venv = Venv {
        name: "sarif-venv",
        purpose: "the SARIF schema check",
        requirements: &requirements,
        works: &works,
        install: &install,
    }
    .ensure(&root.join("target"));
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        let path = dir.path().join(format!("{index}.sarif"));
        std::fs::write(&path, document).unwrap();
        paths.push(path);
    }
    let output = Command::new(venv_python(&venv))
        .arg(root.join("tests/sarif/check.py"))
        .arg(root.join("tests/sarif/sarif-schema-2.1.0.json"))
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "SARIF output is not valid SARIF 2.1.0\n{}",
        describe(&output)
    );
}
