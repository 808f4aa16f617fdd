//! Whole-project snapshots: every folder in `tests/fixtures/repos/` is copied (with
//! placeholders expanded), scanned, and its JSON report and generated outputs are
//! snapshotted. These are the projects the `azure-ai-ml` loader check also reads.

use std::path::Path;

use pkgallow::discover::{ScanOptions, discover};
use pkgallow::emit::EMITTERS;
use pkgallow::knowledge::Knowledge;
use pkgallow::plan;
use pkgallow::report;
use pkgallow::resolve::{Resolution, resolve};

use crate::support;

/// Scans a fixture repository copied into a temporary directory.
pub(crate) fn scan_fixture(fixture: &Path) -> (tempfile::TempDir, Resolution) {
    let temp = tempfile::tempdir().unwrap();
    support::copy_tree(fixture, temp.path());
    let project = discover(&[temp.path().to_path_buf()], &ScanOptions::default()).unwrap();
    let resolution = resolve(&project, &Knowledge::embedded().unwrap());
    (temp, resolution)
}

#[test]
fn repository_fixtures() {
    let base = support::root().join("tests/fixtures/repos");
    let repos = support::subdirectories(&base);
    assert!(!repos.is_empty());
    for repo in repos {
        let name = repo.file_name().unwrap().to_string_lossy().to_string();
        let (_temp, resolution) = scan_fixture(&repo);
        let json = report::json::render(&resolution);
        let plan = plan::build(
            &resolution.endpoints,
            plan::PlanOptions {
                workspace_name: Some(format!("ws-{name}")),
                ..plan::PlanOptions::default()
            },
        );
        insta::with_settings!({snapshot_path => "../fixtures/repos/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("{name}__scan.json"), support::redact(&json));
            for emitter in EMITTERS {
                insta::assert_snapshot!(format!("{name}__{}", emitter.target()), support::redact(&emitter.render(&plan)));
            }
        });
    }
}

/// The same files in another order and under other names give identical output.
#[test]
fn scanning_is_deterministic() {
    let base = support::root().join("tests/fixtures/repos");
    for repo in support::subdirectories(&base) {
        let (_a, first) = scan_fixture(&repo);
        let (_b, second) = scan_fixture(&repo);
        assert_eq!(report::json::render(&first), report::json::render(&second));
    }
}
