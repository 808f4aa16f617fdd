//! The semantics that decide correctness, asserted directly on the fixture projects (the
//! snapshots show everything; these say what must hold): an index that replaces the
//! default is not one that adds to it, includes are followed, comments are ignored,
//! configuration applies to its own tree, and credentials never appear.

use std::collections::BTreeSet;

use crate::repos::scan_fixture;
use crate::support;

fn hosts(fixture: &str) -> BTreeSet<String> {
    let (_temp, resolution) =
        scan_fixture(&support::root().join("tests/fixtures/repos").join(fixture));
    // Install-time semantics: run-time downloads (transformers in a fixture brings the
    // Hugging Face Hub) are asserted in the runtime tests and snapshots.
    resolution
        .endpoints
        .iter()
        .filter(|endpoint| endpoint.kind != pkgallow::model::Kind::Runtime)
        .map(|endpoint| endpoint.host.clone())
        .collect()
}

fn default_index() -> String {
    support::expand("{{host:org.pypi}}")
}

fn default_files() -> String {
    support::expand("{{host:org.pythonhosted.files}}")
}

#[test]
fn the_default_index_comes_with_its_files_host() {
    let found = hosts("pip-basic");
    assert_eq!(found, BTreeSet::from([default_index(), default_files()]));
}

#[test]
fn an_index_url_replaces_the_default_for_the_file_and_its_includes() {
    let found = hosts("index-replaced");
    assert_eq!(
        found,
        BTreeSet::from(["artifactory.example.com".to_string()])
    );
}

#[test]
fn an_extra_index_adds_includes_are_followed_and_comments_ignored() {
    let found = hosts("includes-and-extras");
    for host in [
        default_index(),
        default_files(),
        "download.pytorch.org".into(),
        "github.com".into(),
        "gitlab.com".into(),
    ] {
        assert!(found.contains(&host), "{host} missing from {found:?}");
    }
    // GitHub release downloads redirect to the release-asset hosts.
    assert!(found.contains("release-assets.githubusercontent.com"));
    assert!(
        !found
            .iter()
            .any(|host| host.contains("ignored") || host.contains("commented")),
        "{found:?}"
    );
}

#[test]
fn no_index_removes_every_index_but_keeps_find_links() {
    assert_eq!(
        hosts("no-index"),
        BTreeSet::from(["wheels.example.com".to_string()])
    );
}

#[test]
fn pip_conf_governs_its_own_tree_and_the_nearest_wins() {
    let (_temp, resolution) =
        scan_fixture(&support::root().join("tests/fixtures/repos/pip-conf-scope"));
    let evidence_of = |host: &str| -> Vec<String> {
        resolution
            .endpoints
            .iter()
            .filter(|endpoint| endpoint.host == host)
            .flat_map(|endpoint| {
                endpoint
                    .evidence
                    .iter()
                    .map(|e| format!("{}:{}", e.path, e.line))
            })
            .collect()
    };
    // team-a is governed by the root pip.conf: the mirror replaces the default there.
    assert_eq!(evidence_of("nexus.example.com"), ["pip.conf:2"]);
    // team-b's own pip.conf is nearer: the root mirror does not apply, the default does.
    assert_eq!(evidence_of(&default_index()), ["team-b/requirements.txt:2"]);
    assert_eq!(evidence_of("pypi.nvidia.com"), ["team-b/pip.conf:3"]);
}

#[test]
fn credentials_are_redacted_but_their_hosts_are_kept() {
    let (_temp, resolution) = scan_fixture(&support::root().join("tests/fixtures/repos/secrets"));
    let json = pkgallow::report::json::render(&resolution);
    assert!(json.contains("pkgs.dev.azure.com"));
    assert!(json.contains("gitlab.example.com"));
    assert!(!json.contains("ghp_SuperSecretToken123"));
    assert!(!json.contains("SecretSignatureValue"));
}

#[test]
fn uv_ignores_pip_configuration_and_reads_its_own() {
    let (_temp, resolution) =
        scan_fixture(&support::root().join("tests/fixtures/repos/installer-scopes"));
    let evidence_of = |host: &str| -> Vec<String> {
        resolution
            .endpoints
            .iter()
            .filter(|endpoint| endpoint.host == host)
            .flat_map(|endpoint| endpoint.evidence.iter().map(|e| e.path.clone()))
            .collect()
    };
    // pip's project uses the pip.conf mirror; the default index is needed only by uv.
    assert_eq!(evidence_of("pip-mirror.example.com"), ["pip.conf"]);
    assert_eq!(evidence_of(&default_index()), ["uv-project/pyproject.toml"]);
    assert_eq!(evidence_of("uv-extra.example.com"), ["uv-project/uv.toml"]);
}

/// `PIP_INDEX_URL` and friends change results only with `--env`.
#[test]
fn index_variables_apply_only_with_env() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("requirements.txt"), "numpy\n").unwrap();
    std::fs::create_dir(temp.path().join("uvproj")).unwrap();
    std::fs::write(
        temp.path().join("uvproj/pyproject.toml"),
        "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"numpy\"]\n[tool.uv]\n",
    )
    .unwrap();
    let hosts = |env: bool| -> Vec<String> {
        let mut command = std::process::Command::new(support::binary());
        command.args(["generate", "hosts"]).current_dir(temp.path());
        command.env("PIP_INDEX_URL", "https://env-mirror.example.com/simple");
        command.env("UV_INDEX", "internal=https://uv-env.example.com/simple");
        if env {
            command.arg("--env");
        }
        let output = command.output().unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let without = hosts(false);
    assert!(without.contains(&default_index()));
    assert!(
        !without.iter().any(|host| host.contains("env")),
        "{without:?}"
    );
    let with = hosts(true);
    // pip's unit now uses the mirror; uv adds its own index and still needs the default.
    assert!(
        with.contains(&"env-mirror.example.com".to_string()),
        "{with:?}"
    );
    assert!(with.contains(&"uv-env.example.com".to_string()), "{with:?}");
    assert!(
        with.contains(&default_index()),
        "uv's project still needs the default: {with:?}"
    );
}

/// A repository `.condarc` decides where channel names, `defaults` and custom channels
/// live, for the environments in its tree.
#[test]
fn condarc_redirects_every_channel() {
    let found = hosts("condarc");
    assert_eq!(
        found,
        BTreeSet::from([
            "artifactory.example.com".to_string(),
            "conda.internal.example.com".to_string()
        ])
    );
}

/// Per package manager: a configuration replaces a default only for the projects it
/// governs, and each package manager falls back to its own default (issue 3).
#[test]
fn other_ecosystems_replace_defaults_only_where_their_configuration_applies() {
    let (_temp, resolution) = scan_fixture(&support::root().join("tests/fixtures/repos/polyglot"));
    let evidence = |host: &str| -> BTreeSet<String> {
        resolution
            .endpoints
            .iter()
            .filter(|endpoint| endpoint.host == host)
            .flat_map(|endpoint| endpoint.evidence.iter().map(|e| e.path.clone()))
            .collect()
    };
    // A settings.xml mirror of `*` replaces Central for the POM beside it only.
    let central = evidence("repo.maven.apache.org");
    assert!(central.contains("maven-service/pom.xml"), "{central:?}");
    assert!(
        !central
            .iter()
            .any(|path| path.starts_with("maven-mirrored/"))
    );
    // … and the repositories that POM adds: the mirror serves them all.
    assert!(evidence("maven.vendor.example.com").is_empty());
    assert!(!evidence("maven.corp.example.com").is_empty());
    // `<clear/>` removes nuget.org for the project under that NuGet.Config only.
    assert_eq!(
        evidence("api.nuget.org"),
        BTreeSet::from(["dotnet-default/src/App.csproj".to_string()])
    );
    // yarn projects use yarn's registry host, npm and pnpm the npm registry.
    let npm = evidence(&support::expand("{{host:org.npmjs.registry}}"));
    assert!(
        npm.iter().all(|path| path.starts_with("pnpm-app/")),
        "{npm:?}"
    );
    let yarn = evidence(&support::expand("{{host:com.yarnpkg.registry}}"));
    assert!(yarn.contains("yarn-berry-app/package.json"), "{yarn:?}");
    assert!(yarn.contains("yarn-classic-app/package.json"), "{yarn:?}");
    // Gradle plugins with a version come from the plugin portal and its artifact host;
    // the wrapper's download redirects twice.
    for host in [
        "plugins.gradle.org",
        "plugins-artifacts.gradle.org",
        "services.gradle.org",
        "downloads.gradle.org",
        "index.rubygems.org",
        "cloud.r-project.org",
        "bioconductor.org",
        "api.github.com",
    ] {
        assert!(!evidence(host).is_empty(), "{host} missing");
    }
}
