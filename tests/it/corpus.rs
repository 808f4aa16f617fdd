//! The azureml-examples corpus (`../shared/corpus/azureml-examples`: the dependency files,
//! Azure ML YAML and notebooks of a large public repository, listed in `MANIFEST.tsv`):
//! the scan never panics, every file of a supported kind is recognised by the right
//! format, every reported host is a valid host name, and the host set equals the reviewed
//! list in `tests/fixtures/corpus-hosts.txt` (registry hosts as `{{host:…}}`).

use std::collections::BTreeSet;

use pkgallow::discover::{ScanOptions, discover};
use pkgallow::knowledge::Knowledge;
use pkgallow::plan::PlanOptions;
use pkgallow::resolve::resolve;

use crate::support;

/// MANIFEST.tsv kinds and the format that must claim files of that kind.
const KINDS: [(&str, &[&str]); 8] = [
    ("requirements", &["python/requirements-txt"]),
    (
        "conda env yaml",
        &["conda/environment-yaml", "azureml/asset-yaml"],
    ),
    ("ipynb", &["python/jupyter-notebook"]),
    ("Dockerfile", &["container/dockerfile"]),
    ("AML environment", &["azureml/asset-yaml"]),
    ("AML job", &["azureml/asset-yaml"]),
    ("AML component", &["azureml/asset-yaml"]),
    ("AML deployment", &["azureml/asset-yaml"]),
];

#[test]
fn azureml_examples_corpus() {
    let corpus = support::root().join("../shared/corpus/azureml-examples");
    assert!(
        corpus.is_dir(),
        "the corpus is missing at {}",
        corpus.display()
    );
    let project = discover(std::slice::from_ref(&corpus), &ScanOptions::default()).unwrap();
    let manifest_list = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let mut missing = Vec::new();
    for row in manifest_list.lines().skip(1) {
        let Some((path, kind)) = row.split_once('\t') else {
            continue;
        };
        let Some((_, formats)) = KINDS.iter().find(|(name, _)| *name == kind) else {
            continue;
        };
        if !corpus.join(path).exists() {
            continue;
        }
        match project.manifests.get(path) {
            Some(manifest) if formats.contains(&manifest.format) => {}
            Some(manifest) => missing.push(format!("{path} ({kind}) read as {}", manifest.format)),
            None => missing.push(format!("{path} ({kind}) not read")),
        }
    }
    assert!(
        missing.is_empty(),
        "{} files not recognised:\n{}",
        missing.len(),
        missing.join("\n")
    );

    let resolution = resolve(&project, &Knowledge::embedded().unwrap());
    let hosts: BTreeSet<String> = resolution
        .endpoints
        .iter()
        .map(|e| e.host.clone())
        .collect();
    for host in &hosts {
        let concrete = host.strip_prefix("*.").unwrap_or(host);
        assert!(
            pkgallow::remote::normalise_host(concrete).as_deref() == Some(concrete)
                && concrete.contains('.'),
            "not a valid host: {host}"
        );
    }
    let mut actual = String::new();
    for host in &hosts {
        actual.push_str(&support::redact(host));
        actual.push('\n');
    }
    let expected_path = support::root().join("tests/fixtures/corpus-hosts.txt");
    if std::env::var_os("PKGALLOW_BLESS").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "the corpus host set changed; review it and bless with PKGALLOW_BLESS=1"
    );

    // A private endpoint is suggested only to a resource the user could own: the public
    // storage accounts of Microsoft's samples and data sets, and OpenAI's, are "not a
    // rule" (only their owners could approve one).
    let plan = pkgallow::plan::build(&resolution.endpoints, PlanOptions::default());
    let suggested: Vec<&str> = plan
        .private_endpoints
        .iter()
        .map(|suggestion| suggestion.host.as_str())
        .collect();
    assert_eq!(suggested, ["placeholder.azurecr.io", "ptebic.azurecr.io"]);
    for host in [
        "azuremlexamples.blob.core.windows.net",
        "azureopendatastorage.blob.core.windows.net",
        "openaipublic.blob.core.windows.net",
    ] {
        let skipped = plan.skipped.iter().find(|skipped| skipped.host == host);
        assert!(
            skipped.is_some_and(|skipped| skipped.reason.starts_with("belongs to ")),
            "{host}: {skipped:?}"
        );
    }
}
