//! Python virtualenvs for the checks that run real Python tools (Microsoft's `azure-ai-ml`
//! loader, checkov and python-hcl2). Each lives under `target/`, is built once and reused
//! while its requirements are unchanged and its tools still import, and is built in a
//! temporary sibling directory renamed into place only once complete, so an interrupted or
//! concurrent build never leaves a half-installed virtualenv that a later run would reuse.
//! (Only `bin/python` is used: console scripts keep the temporary path in their `#!`
//! lines.) A missing Python or a failed install fails the test; nothing is skipped.

use std::ffi::OsStr;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The file in a finished virtualenv that holds the requirements it was built from.
const MARKER: &str = ".pkgallow-requirements";

/// What a virtualenv is for and how to tell that it works.
pub(crate) struct Venv<'a> {
    /// Directory name under `target/`.
    pub name: &'a str,
    /// The check that needs it, for failure messages.
    pub purpose: &'a str,
    /// Every requirements file's text: a change rebuilds the virtualenv.
    pub requirements: &'a str,
    /// Whether the tools import at their pinned versions (given the virtualenv's root).
    pub works: &'a dyn Fn(&Path) -> bool,
    /// Installs into a new virtualenv (given its root and a pip runner).
    pub install: &'a dyn Fn(&Path, &Pip<'_>),
}

/// Runs `pip install` in a virtualenv being built.
pub(crate) struct Pip<'a> {
    python: PathBuf,
    purpose: &'a str,
}

impl Pip<'_> {
    /// `pip install EXTRA… -r REQUIREMENTS`, failing the test when it fails.
    pub(crate) fn install(&self, extra: &[&OsStr], requirements: &Path) {
        let installed = Command::new(&self.python)
            .args([
                "-I",
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
            ])
            .args(extra)
            .arg("-r")
            .arg(requirements)
            .output()
            .unwrap_or_else(|error| panic!("could not run {}: {error}", self.python.display()));
        assert!(
            installed.status.success(),
            "pip install -r {} failed ({}): {} cannot run\n{}",
            requirements.display(),
            installed.status,
            self.purpose,
            describe(&installed)
        );
    }
}

/// The interpreter of a virtualenv.
pub(crate) fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts/python.exe")
    } else {
        venv.join("bin/python")
    }
}

/// A process's standard output and standard error, for failure messages.
pub(crate) fn describe(output: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

impl Venv<'_> {
    /// Whether `venv` was fully built from these requirements and its tools work.
    fn is_ready(&self, venv: &Path) -> bool {
        fs::read_to_string(venv.join(MARKER)).ok().as_deref() == Some(self.requirements)
            && (self.works)(venv)
    }

    /// `target/NAME`, built when missing or outdated.
    pub(crate) fn ensure(&self, target: &Path) -> PathBuf {
        let venv = target.join(self.name);
        if self.is_ready(&venv) {
            return venv;
        }
        fs::create_dir_all(target).unwrap();
        // Removed when dropped, including when a failed step panics.
        let building = tempfile::Builder::new()
            .prefix(&format!("{}.building-", self.name))
            .tempdir_in(target)
            .unwrap();
        let created = Command::new("python3")
            .args([
                OsStr::new("-m"),
                OsStr::new("venv"),
                building.path().as_os_str(),
            ])
            .output();
        let created = match created {
            Ok(output) => output,
            Err(error) if error.kind() == ErrorKind::NotFound => panic!(
                "python3 is not on PATH: {} needs Python 3 with the venv module \
                 (Debian: apt-get install python3 python3-venv)",
                self.purpose
            ),
            Err(error) => panic!("could not run python3 -m venv: {error}"),
        };
        assert!(
            created.status.success(),
            "python3 -m venv failed ({}); on Debian the venv module is the python3-venv package\n{}",
            created.status,
            describe(&created)
        );
        let pip = Pip {
            python: venv_python(building.path()),
            purpose: self.purpose,
        };
        (self.install)(building.path(), &pip);
        fs::write(building.path().join(MARKER), self.requirements).unwrap();
        assert!(
            self.is_ready(building.path()),
            "the tools {} needs were installed into {} but do not import at their pinned versions",
            self.purpose,
            building.path().display()
        );
        // An outdated virtualenv is replaced; one another test run finished meanwhile is kept.
        if venv.exists() && !self.is_ready(&venv) {
            match fs::remove_dir_all(&venv) {
                Err(error) if error.kind() != ErrorKind::NotFound => {
                    panic!("could not remove the outdated {}: {error}", venv.display())
                }
                _ => {}
            }
        }
        if let Err(error) = fs::rename(building.path(), &venv) {
            assert!(
                self.is_ready(&venv),
                "could not move the new virtualenv to {}: {error}",
                venv.display()
            );
        }
        venv
    }
}
