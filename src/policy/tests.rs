use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::plan::{PlanOptions, is_valid_rule_name};

fn parse(text: &str) -> Result<Policy, PolicyError> {
    Policy::parse("pkgallow.toml", text)
}

fn error(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

fn endpoint(host: &str, ecosystem: Ecosystem, kind: Kind, line: u32) -> Endpoint {
    Endpoint {
        host: host.into(),
        port: 443,
        scheme: "https".into(),
        ecosystem,
        kind,
        purpose: format!("needs {host}"),
        evidence: BTreeSet::from([Evidence {
            path: "requirements.txt".into(),
            line,
            fetches: None,
        }]),
        knowledge: None,
        service_domain: None,
    }
}

/// The public hosts the knowledge base marks for a mirror of `ecosystem`.
fn public_hosts(knowledge: &Knowledge, ecosystem: Ecosystem) -> Vec<String> {
    knowledge
        .endpoints()
        .iter()
        .filter(|entry| entry.replaced_by_mirror == Some(ecosystem))
        .map(crate::knowledge::EndpointEntry::forward_host)
        .collect()
}

#[test]
fn an_empty_file_is_no_policy() {
    let policy = parse("").unwrap();
    assert!(policy.deny.is_empty() && policy.mirrors.is_empty());
    assert_eq!(policy.generate, GenerateDefaults::default());
}

#[test]
fn unknown_keys_are_errors_with_their_line_and_column() {
    let message = error("deny = []\n\nrule-prefx = \"x\"\n");
    assert!(message.starts_with("pkgallow.toml:3:1: "), "{message}");
    assert!(message.contains("rule-prefx"), "{message}");
    let message = error("[generate]\nworkspace-name = \"w\"\n  netwrok = \"managed\"\n");
    assert!(message.starts_with("pkgallow.toml:3:3: "), "{message}");
    assert!(message.contains("netwrok"), "{message}");
    let message = error(
        "[[mirrors]]\necosystem = \"python\"\nurl = \"https://m.example.com/simple\"\nuser = \"x\"\n",
    );
    assert!(message.starts_with("pkgallow.toml:4:1: "), "{message}");
}

#[test]
fn wrong_types_are_errors_with_their_line() {
    let message = error("deny = \"github.com\"\n");
    assert!(message.starts_with("pkgallow.toml:1:"), "{message}");
    assert!(message.contains("invalid type"), "{message}");
    let message = error("expect = [\"github.com\"]\nexclude = [1]\n");
    assert!(message.starts_with("pkgallow.toml:2:"), "{message}");
    let message = error("generate = 3\n");
    assert!(message.starts_with("pkgallow.toml:1:"), "{message}");
}

#[test]
fn bad_values_are_errors_with_their_position() {
    for (text, position, words) in [
        ("rule-prefix = \"-corp\"\n", "1:15", "rule-prefix"),
        ("rule-prefix = \"corp.\"\n", "1:15", "rule-prefix"),
        (
            "rule-prefix = \"a-very-long-prefix-indeed\"\n",
            "1:15",
            "rule-prefix",
        ),
        ("rule-prefix = \"\"\n", "1:15", "rule-prefix"),
        (
            "deny = [\"ok.example.com\", \"https://x.example.com/\"]\n",
            "1:27",
            "host names",
        ),
        ("expect = [\"*\"]\n", "1:11", "host names"),
        (
            "[[mirrors]]\necosystem = \"cargo\"\nurl = \"https://m.example.com\"\n",
            "2:13",
            "python, conda, npm, container",
        ),
        (
            "[[mirrors]]\necosystem = \"python\"\nurl = \"/srv/mirror\"\n",
            "3:7",
            "http(s) URL",
        ),
        ("exclude = [\"a/**\", \"b/[\"]\n", "1:20", "glob"),
        (
            "[generate]\nnetwork = \"vnet\"\n",
            "2:11",
            "managed, customer-managed, hybrid",
        ),
        (
            "[generate]\ncloud = \"mars\"\n",
            "2:9",
            "public, china, usgov",
        ),
        (
            "[generate]\nwildcards = \"all\"\n",
            "2:13",
            "exact, collapse",
        ),
    ] {
        let message = error(text);
        assert!(
            message.starts_with(&format!("pkgallow.toml:{position}: ")),
            "{text}: {message}"
        );
        assert!(message.contains(words), "{text}: {message}");
    }
}

#[test]
fn credentials_in_a_mirror_url_are_never_shown() {
    let policy = parse("[[mirrors]]\necosystem = \"npm\"\nurl = \"https://bot:Hunter2Secret@npm.example.com/api/npm/remote/\"\n").unwrap();
    assert_eq!(policy.mirrors[0].remote.host, "npm.example.com");
    assert!(!policy.mirrors[0].remote.display.contains("Hunter2Secret"));
    let message = error(
        "[[mirrors]]\necosystem = \"npm\"\nurl = \"ftp://bot:Hunter2Secret@npm.example.com\"\n",
    );
    assert!(!message.contains("Hunter2Secret"), "{message}");
    // A value of the wrong type is quoted in the message.
    let message = error("mirrors = \"https://bot:Hunter2Secret@npm.example.com\"\n");
    assert!(message.contains("invalid type"), "{message}");
    assert!(!message.contains("Hunter2Secret"), "{message}");
}

#[test]
fn the_starter_loads_and_so_do_its_examples() {
    let policy = parse(STARTER).unwrap();
    assert!(policy.deny.is_empty() && policy.mirrors.is_empty());
    // Every commented `key = value` and `[[mirrors]]` line, uncommented.
    let mut uncommented = String::new();
    for line in STARTER.lines() {
        {
            let example = line.strip_prefix("# ").filter(|rest| {
                rest.starts_with("[[")
                    || rest.split_once(" = ").is_some_and(|(key, _)| {
                        key.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    })
            });
            uncommented.push_str(example.unwrap_or(line));
            uncommented.push('\n');
        }
    }
    assert_ne!(uncommented, STARTER);
    let policy = parse(&uncommented).unwrap_or_else(|error| panic!("{error}\n{uncommented}"));
    assert_eq!(policy.deny.len(), 2);
    assert_eq!(policy.expect.len(), 1);
    assert_eq!(policy.mirrors.len(), 1);
    assert_eq!(policy.rule_prefix.as_deref(), Some("pkg-"));
    assert_eq!(policy.exclude.len(), 2);
    assert_eq!(policy.knowledge.len(), 1);
    assert_eq!(policy.generate.network, Some(NetworkMode::Managed));
    assert_eq!(policy.generate.cloud, Some(Cloud::Public));
    assert_eq!(policy.generate.wildcards, Some(Wildcards::Exact));
    assert!(policy.generate.workspace_name.is_some() && policy.generate.resource_group.is_some());
}

#[test]
fn patterns_follow_azure_wildcard_semantics() {
    let pattern = |text: &str| HostPattern {
        pattern: text.into(),
        at: Location::new("p", 1, 1),
    };
    assert!(pattern("github.com").covers("GitHub.com"));
    assert!(!pattern("github.com").covers("api.github.com"));
    assert!(pattern("*.github.com").covers("api.github.com"));
    assert!(pattern("*.github.com").covers("a.b.github.com"));
    assert!(!pattern("*.github.com").covers("github.com"));
    assert!(pattern("*.github.com").covers("*.github.com"));
    assert!(pattern("*.example.org").covers("*.cdn.example.org"));
    assert!(!pattern("*.cdn.example.org").covers("*.example.org"));
    assert!(!pattern("cdn.example.org").covers("*.example.org"));
}

#[test]
fn a_mirror_replaces_the_public_hosts_and_keeps_the_evidence() {
    let knowledge = Knowledge::embedded().unwrap();
    let public = public_hosts(&knowledge, Ecosystem::Python);
    assert!(public.len() >= 2, "{public:?}");
    let policy = parse("[[mirrors]]\necosystem = \"python\"\nurl = \"https://ci:Tok3nValue@artifactory.example.com/api/pypi/pypi-remote/simple\"\n").unwrap();
    let mut resolution = Resolution {
        endpoints: vec![
            endpoint(&public[0], Ecosystem::Python, Kind::Index, 1),
            endpoint(&public[1], Ecosystem::Python, Kind::Files, 2),
            endpoint("github.com", Ecosystem::Python, Kind::Vcs, 3),
        ],
        diagnostics: Vec::new(),
    };
    let denied = policy.apply(&mut resolution, &knowledge, &BTreeMap::new());
    assert!(denied.is_empty());
    let hosts: Vec<&str> = resolution
        .endpoints
        .iter()
        .map(|e| e.host.as_str())
        .collect();
    assert_eq!(hosts, ["artifactory.example.com", "github.com"]);
    let mirror = &resolution.endpoints[0];
    assert_eq!(mirror.kind, Kind::Index);
    assert_eq!(mirror.evidence.len(), 2);
    for host in &public[..2] {
        assert!(mirror.purpose.contains(host.as_str()), "{}", mirror.purpose);
    }
    assert!(
        mirror.purpose.contains("pkgallow.toml"),
        "{}",
        mirror.purpose
    );
    assert!(!mirror.purpose.contains("Tok3nValue"), "{}", mirror.purpose);
}

/// A project that already names the mirror, beside one that needs the public index: one
/// endpoint, both needs as evidence, the mirror's sentence.
#[test]
fn a_mirror_the_project_already_names_merges_with_what_it_replaces() {
    let knowledge = Knowledge::embedded().unwrap();
    let public = public_hosts(&knowledge, Ecosystem::Python);
    let policy = parse(
        "[[mirrors]]\necosystem = \"python\"\nurl = \"https://artifactory.example.com/api/pypi/pypi-remote/simple\"\n",
    )
    .unwrap();
    let mut resolution = Resolution {
        endpoints: vec![
            endpoint("artifactory.example.com", Ecosystem::Python, Kind::Index, 1),
            endpoint(&public[0], Ecosystem::Python, Kind::Index, 2),
        ],
        diagnostics: Vec::new(),
    };
    policy.apply(&mut resolution, &knowledge, &BTreeMap::new());
    assert_eq!(resolution.endpoints.len(), 1);
    let mirror = &resolution.endpoints[0];
    assert_eq!(mirror.evidence.len(), 2);
    assert!(
        mirror.purpose.starts_with("organisation mirror for python"),
        "{}",
        mirror.purpose
    );
}

#[test]
fn every_mirror_ecosystem_has_public_hosts_to_replace() {
    let knowledge = Knowledge::embedded().unwrap();
    for entry in knowledge.endpoints() {
        if let Some(ecosystem) = entry.replaced_by_mirror {
            assert!(
                mirror_ecosystems().any(|mirrorable| mirrorable == ecosystem),
                "{}: no mirror can name {ecosystem:?}",
                entry.id
            );
        }
    }
    for ecosystem in mirror_ecosystems() {
        assert!(
            !public_hosts(&knowledge, ecosystem).is_empty(),
            "{ecosystem:?}"
        );
    }
}

#[test]
fn denied_hosts_are_removed_and_reported_at_each_need() {
    let knowledge = Knowledge::embedded().unwrap();
    let policy = parse("deny = [\"*.example.net\"]\n").unwrap();
    let mut needed = endpoint("cdn.example.net", Ecosystem::Python, Kind::Archive, 4);
    needed.evidence.insert(Evidence {
        path: "requirements.txt".into(),
        line: 9,
        fetches: None,
    });
    let mut resolution = Resolution {
        endpoints: vec![
            needed,
            endpoint("example.net", Ecosystem::Python, Kind::Archive, 5),
        ],
        diagnostics: Vec::new(),
    };
    let excerpts = BTreeMap::from([(
        "requirements.txt".to_string(),
        Excerpt::whole(&SourceFile::new(
            "requirements.txt",
            "a\nb\nc\nhttps://cdn.example.net/x.whl\n",
        )),
    )]);
    let denied = policy.apply(&mut resolution, &knowledge, &excerpts);
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].host, "cdn.example.net");
    assert_eq!(denied[0].pattern, "*.example.net");
    assert_eq!(denied[0].evidence.len(), 2);
    let hosts: Vec<&str> = resolution
        .endpoints
        .iter()
        .map(|e| e.host.as_str())
        .collect();
    assert_eq!(hosts, ["example.net"], "the apex is not under `*.`");
    let lines: Vec<String> = resolution
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.as_str(), d.location))
        .collect();
    assert_eq!(
        lines,
        ["P401 requirements.txt:4:1", "P401 requirements.txt:9:1"]
    );
    assert_eq!(
        resolution.diagnostics[0].source_line.as_deref(),
        Some("https://cdn.example.net/x.whl")
    );
    assert!(
        resolution.diagnostics[0]
            .message
            .contains("pkgallow.toml:1:9")
    );
}

#[test]
fn expected_hosts_the_scan_does_not_need_are_one_warning() {
    let knowledge = Knowledge::embedded().unwrap();
    let policy = parse(
        "expect = [\n  \"github.com\",\n  \"*.example.org\",\n  \"quay.io\",\n  \"ghcr.io\",\n]\n",
    )
    .unwrap();
    let mut resolution = Resolution {
        endpoints: vec![
            endpoint("github.com", Ecosystem::Python, Kind::Vcs, 1),
            endpoint("cdn.example.org", Ecosystem::Python, Kind::Files, 2),
        ],
        diagnostics: Vec::new(),
    };
    policy.apply(&mut resolution, &knowledge, &BTreeMap::new());
    assert_eq!(resolution.diagnostics.len(), 1);
    let warning = &resolution.diagnostics[0];
    assert_eq!(warning.code, Code::ExpectedHostUnused);
    assert_eq!(warning.location.to_string(), "pkgallow.toml:4:3");
    assert_eq!(
        warning.message,
        "the policy expects 2 hosts this scan does not need: quay.io, ghcr.io"
    );
    assert_eq!(warning.source_line.as_deref(), Some("  \"quay.io\","));
}

#[test]
fn prefixed_rule_names_stay_valid_and_unique() {
    let hosts = [
        "github.com",
        "a-b.c",
        "a.b-c",
        "*.example.org",
        "a.very.long.host.name.that.goes.on.and.on.example.com",
        "a.very.long.host.name.that.goes.on.and.on.example.net",
        "x.y",
    ];
    for prefix in ["p", "corp-", "Team_ML-", "abcdefghijklmnop"] {
        assert!(is_valid_rule_prefix(prefix), "{prefix}");
        let options = PlanOptions {
            rule_prefix: Some(prefix.into()),
            ..PlanOptions::default()
        };
        let names: BTreeSet<String> = hosts.iter().map(|host| options.rule_name(host)).collect();
        assert_eq!(names.len(), hosts.len(), "{prefix}: {names:?}");
        for name in &names {
            assert!(name.starts_with(prefix), "{name}");
            assert!(is_valid_rule_name(name), "{prefix}: {name}");
        }
    }
    let options = PlanOptions {
        rule_prefix: Some("corp-".into()),
        ..PlanOptions::default()
    };
    assert_eq!(options.rule_name("github.com"), "corp-github-com");
}
