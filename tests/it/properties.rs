//! Property tests (proptest): determinism under renaming and reordering, redaction of
//! credentials wherever they are written, valid and unique Azure rule names whose YAML
//! reads back to the same rules, and no quadratic behaviour on large inputs. Case counts
//! are small so the suite stays fast; proptest shrinks any failure to a minimal input.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::Config;

use pkgallow::discover::{ScanOptions, discover};
use pkgallow::emit::EMITTERS;
use pkgallow::knowledge::Knowledge;
use pkgallow::limits::Limits;
use pkgallow::model::{Ecosystem, Endpoint, Evidence, Kind};
use pkgallow::plan::{self, NetworkMode, PlanOptions};
use pkgallow::report;
use pkgallow::resolve::{Project, Resolution, resolve};

fn scan(root: &Path, limits: Limits) -> (Project, Resolution) {
    let project = discover(
        &[root.to_path_buf()],
        &ScanOptions {
            limits,
            ..ScanOptions::default()
        },
    )
    .unwrap();
    let resolution = resolve(&project, &Knowledge::embedded().unwrap());
    (project, resolution)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

// ---------------------------------------------------------------------------------------
// Determinism

/// One line of a requirements file, over a small pool of hosts so that files share hosts.
fn requirement_line() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        (0..5u8).prop_map(|n| format!("h{n}.example.com")),
        Just("github.com".to_string()),
    ];
    (0..8u8, host, 0..50u16).prop_map(|(shape, host, n)| match shape {
        0 => format!("-i https://{host}/simple"),
        1 => format!("--extra-index-url https://{host}/simple"),
        2 => format!("--find-links https://{host}/links/"),
        3 => format!("git+https://{host}/org/repo{n}@v1#egg=pkg{n}"),
        4 => format!("pkg{n} @ https://{host}/files/pkg{n}-1.0.tar.gz"),
        5 => "# a comment".to_string(),
        6 => format!("--no-binary pkg{n}"),
        _ => format!("pkg{n}=={n}.0"),
    })
}

/// Files as (content) lists plus two sets of distinct directory names and a creation
/// order, so the same files can be laid out twice under different names.
fn layouts() -> impl Strategy<Value = (Vec<String>, Vec<String>, Vec<String>, Vec<usize>)> {
    prop::collection::vec(
        prop::collection::vec(requirement_line(), 0..6).prop_map(|lines| lines.join("\n")),
        1..6,
    )
    .prop_flat_map(|files| {
        let count = files.len();
        let names = || {
            prop::collection::btree_set("[a-z]{2,6}", count)
                .prop_map(|set| set.into_iter().collect::<Vec<_>>())
                .prop_shuffle()
        };
        let order = Just((0..count).collect::<Vec<_>>()).prop_shuffle();
        (Just(files), names(), names(), order)
    })
}

/// The JSON report with each path written under `names` mapped to its index, and the
/// lists whose order follows paths sorted, so two layouts compare equal exactly when they
/// say the same about the same files.
fn normalised(json: &str, names: &[String]) -> serde_json::Value {
    let index: BTreeMap<String, usize> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (format!("{name}/"), i))
        .collect();
    let rename = |path: &str| -> String {
        let (directory, rest) = path.split_at(path.find('/').map_or(0, |at| at + 1));
        match index.get(directory) {
            Some(i) => format!("file{i}/{rest}"),
            None => path.to_string(),
        }
    };
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    for endpoint in value["endpoints"].as_array_mut().unwrap() {
        let evidence = endpoint["evidence"].as_array_mut().unwrap();
        for place in evidence.iter_mut() {
            let path = rename(place["path"].as_str().unwrap());
            place["path"] = path.into();
        }
        evidence.sort_by_key(|place| (place["path"].to_string(), place["line"].as_u64()));
    }
    let warnings = value["warnings"].as_array_mut().unwrap();
    for warning in warnings.iter_mut() {
        let path = rename(warning["path"].as_str().unwrap());
        warning["path"] = path.into();
        let message = warning["message"].as_str().unwrap().to_string();
        warning["message"] = names
            .iter()
            .enumerate()
            .fold(message, |text, (i, name)| {
                text.replace(&format!("{name}/"), &format!("file{i}/"))
            })
            .into();
    }
    warnings.sort_by_key(ToString::to_string);
    value
}

proptest! {
    #![proptest_config(Config { cases: 24, ..Config::default() })]

    /// The same files, created in any order under any directory names, give the same
    /// report (paths renamed back), byte for byte in JSON once lists ordered by path are
    /// re-sorted.
    #[test]
    fn scans_do_not_depend_on_names_or_order(
        (files, first_names, second_names, order) in layouts()
    ) {
        let render = |names: &[String]| {
            let temp = tempfile::tempdir().unwrap();
            for &i in &order {
                write(&temp.path().join(&names[i]).join("requirements.txt"), &files[i]);
            }
            let (_, resolution) = scan(temp.path(), Limits::default());
            let json = report::json::render(&resolution);
            // And the run itself is repeatable.
            let (_, again) = scan(temp.path(), Limits::default());
            assert_eq!(json, report::json::render(&again));
            json
        };
        let first = render(&first_names);
        let second = render(&second_names);
        prop_assert_eq!(normalised(&first, &first_names), normalised(&second, &second_names));
    }
}

// ---------------------------------------------------------------------------------------
// Redaction

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{8,16}".prop_map(|tail| format!("SeCrEt{tail}"))
}

proptest! {
    #![proptest_config(Config { cases: 16, ..Config::default() })]

    /// Credentials written in URLs (userinfo, secret query parameters) and configuration
    /// (`.npmrc` tokens and passwords, pip.conf and conda URLs) appear in no scan format
    /// and no generate target, under every network mode.
    #[test]
    fn credentials_never_reach_any_output(
        secrets in prop::collection::vec(secret(), 9),
        parameter in prop::sample::select(vec!["token", "sig", "access_token", "api_key", "password"]),
        broken in any::<bool>(),
    ) {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path();
        let s = &secrets;
        write(&root.join("requirements.txt"), &format!(
            "-i https://build:{}@pkgs.example.com/simple\n\
             --extra-index-url https://extra.example.com/simple?{parameter}={}\n\
             pkg @ https://files.example.com/pkg-1.0.tar.gz?sv=1&sig={}\n\
             {}\n",
            s[0], s[1], s[2],
            if broken { format!("--extra-index-url https://u:{}@bad host/simple", s[3]) } else { "numpy".to_string() },
        ));
        write(&root.join("tool/pip.conf"), &format!(
            "[global]\nindex-url = https://pip:{}@pip.example.com/simple\n", s[4]
        ));
        write(&root.join("tool/requirements.txt"), "requests\n");
        write(&root.join("web/.npmrc"), &format!(
            "registry=https://npm:{}@npm.example.com/\n//npm.example.com/:_authToken={}\n//npm.example.com/:_password={}\n",
            s[5], s[6], s[7]
        ));
        write(&root.join("web/package.json"), "{\"dependencies\": {\"left-pad\": \"1.3.0\"}}\n");
        write(&root.join("environment.yml"), &format!(
            "channels:\n  - https://conda:{}@conda.example.com/main\ndependencies:\n  - numpy\n", s[8]
        ));
        let (project, resolution) = scan(root, Limits::default());
        let mut outputs = vec![
            report::table::render(&resolution),
            report::json::render(&resolution),
            report::markdown::render(&resolution),
            report::human::render(&resolution.diagnostics),
        ];
        for network in [NetworkMode::Managed, NetworkMode::Hybrid] {
            let plan = plan::build(&resolution.endpoints, PlanOptions {
                network,
                include_azureml_core: network == NetworkMode::Hybrid,
                ..PlanOptions::default()
            });
            outputs.push(report::html::render(&resolution, &plan, &project.excerpts));
            for emitter in EMITTERS {
                outputs.push(emitter.render(&plan));
            }
        }
        // The scan saw the places the secrets were written.
        let all = outputs.join("\n");
        for host in ["pkgs.example.com", "extra.example.com", "files.example.com", "pip.example.com", "npm.example.com", "conda.example.com"] {
            prop_assert!(all.contains(host), "{} not found", host);
        }
        for secret in s {
            prop_assert!(!all.contains(secret.as_str()), "{} leaked:\n{}", secret, all);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rule names and the workspace YAML

fn host() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec("[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?", 1..4),
        prop::sample::select(vec!["com", "org", "io", "net", "ai", "example.com", "1"]),
    )
        .prop_map(|(wildcard, labels, tld)| {
            format!(
                "{}{}.{tld}",
                if wildcard { "*." } else { "" },
                labels.join(".")
            )
        })
}

fn endpoint(host: String, purpose: String, path: String) -> Endpoint {
    Endpoint {
        host,
        port: 443,
        scheme: "https".to_string(),
        ecosystem: Ecosystem::Python,
        kind: Kind::Index,
        purpose,
        evidence: [Evidence {
            path,
            line: 3,
            fetches: None,
        }]
        .into_iter()
        .collect(),
        knowledge: None,
        service_domain: None,
    }
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    /// Every host gets a valid Azure rule name, distinct hosts distinct names, and the
    /// generated workspace YAML reads back (saphyr) to exactly the plan's rules, whatever
    /// the purposes and paths in its comments hold.
    #[test]
    fn rule_names_are_valid_unique_and_the_yaml_reads_back(
        hosts in prop::collection::btree_set(host(), 1..12),
        purpose in ".{0,40}",
        path in "[a-z#:'\" {}\\[\\]&*!|>%@`-]{1,20}/requirements.txt",
    ) {
        let mut names = BTreeMap::new();
        for host in &hosts {
            let name = plan::rule_name(host);
            prop_assert!(plan::is_valid_rule_name(&name), "{} -> {}", host, name);
            if let Some(other) = names.insert(name.clone(), host.clone()) {
                prop_assert!(false, "{} and {} share {}", other, host, name);
            }
        }
        let endpoints: Vec<Endpoint> = hosts
            .iter()
            .map(|host| endpoint(host.clone(), purpose.clone(), path.clone()))
            .collect();
        let plan = plan::build(&endpoints, PlanOptions::default());
        let expected: Vec<(String, String)> = plan
            .rules
            .iter()
            .map(|rule| (rule.name.clone(), rule.destination.clone()))
            .collect();
        for (name, _) in &expected {
            prop_assert!(plan::is_valid_rule_name(name), "{}", name);
        }
        let yaml = pkgallow::emit::emitter("azureml-yaml").unwrap().render(&plan);
        let documents = <saphyr::YamlOwned as saphyr::LoadableYamlNode>::load_from_str(&yaml)
            .map_err(|error| TestCaseError::fail(format!("{error}\n{yaml}")))?;
        prop_assert_eq!(documents.len(), 1);
        let rules = &documents[0]["managed_network"]["outbound_rules"];
        let read: Vec<(String, String)> = rules
            .as_vec()
            .map(|rules| {
                rules
                    .iter()
                    .filter(|rule| rule["type"].as_str() == Some("fqdn"))
                    .map(|rule| {
                        (
                            rule["name"].as_str().unwrap_or("<not a string>").to_string(),
                            rule["destination"].as_str().unwrap_or("<not a string>").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        prop_assert_eq!(read, expected, "{}", yaml);
    }
}

// ---------------------------------------------------------------------------------------
// No quadratic behaviour

/// CPU time of this thread (user and system): a scan runs on the calling thread, and
/// unlike wall time this barely moves when other processes compete for the two cores.
fn thread_time() -> Duration {
    let time = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID).unwrap();
    Duration::from(time)
}

/// The timing tests run one at a time, so at least they do not disturb each other.
static TIMING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Scans what `make(size)` lays out at `size` and at twice that; doubling the input
/// may at most roughly double the (thread CPU) time. The bound is generous (3.5) and each size keeps
/// its fastest of three interleaved runs, the one least disturbed by a busy 2-core
/// machine; a measurement over the bound is taken once more before failing, since a
/// quadratic cost exceeds it every time and noise rarely twice.
fn scales_linearly(what: &str, size: usize, make: impl Fn(&Path, usize), limits: Limits) {
    let _serial = TIMING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let small = tempfile::tempdir().unwrap();
    let large = tempfile::tempdir().unwrap();
    make(small.path(), size);
    make(large.path(), size * 2);
    let run = |root: &Path| {
        let started = thread_time();
        let (_, resolution) = scan(root, limits);
        assert!(!resolution.endpoints.is_empty());
        thread_time().saturating_sub(started)
    };
    // Warm the page cache and the knowledge base once.
    run(small.path());
    let mut measured = Vec::new();
    for _attempt in 0..2 {
        let mut small_time = Duration::MAX;
        let mut large_time = Duration::MAX;
        for _ in 0..3 {
            small_time = small_time.min(run(small.path()));
            large_time = large_time.min(run(large.path()));
        }
        let ratio = large_time.as_secs_f64() / small_time.as_secs_f64().max(1e-6);
        if ratio < 3.5 {
            return;
        }
        measured.push(format!(
            "{size}: {small_time:?}, {}: {large_time:?} (ratio {ratio:.2})",
            size * 2
        ));
    }
    panic!("{what} scale worse than linearly: {}", measured.join("; "));
}

#[test]
fn a_long_requirements_file_scales_linearly() {
    scales_linearly(
        "requirements lines",
        16_000,
        |root, size| {
            let mut text = String::from("-i https://mirror.example.com/simple\n");
            for n in 0..size {
                match n % 4 {
                    0 => {
                        let _ = writeln!(text, "pkg{n}=={n}.0 --hash=sha256:{n:064x}");
                    }
                    1 => {
                        let _ = writeln!(
                            text,
                            "pkg{n} @ https://files{}.example.com/p{n}.tar.gz",
                            n % 50
                        );
                    }
                    2 => {
                        let _ = writeln!(
                            text,
                            "--extra-index-url https://extra{}.example.com/simple",
                            n % 50
                        );
                    }
                    _ => {
                        let _ = writeln!(text, "git+https://github.com/org/r{n}@v1#egg=r{n}");
                    }
                }
            }
            write(&root.join("requirements.txt"), &text);
        },
        Limits::default(),
    );
}

#[test]
fn a_deep_include_chain_scales_linearly() {
    let limits = Limits {
        max_include_depth: 10_000,
        ..Limits::default()
    };
    scales_linearly(
        "-r chain depth",
        1_500,
        |root, size| {
            for n in 0..size {
                let next = if n + 1 < size {
                    format!("-r r{}.txt\n", n + 1)
                } else {
                    String::new()
                };
                let name = if n == 0 {
                    "requirements.txt".to_string()
                } else {
                    format!("r{n}.txt")
                };
                write(
                    &root.join(name),
                    &format!(
                        "{next}--extra-index-url https://i{}.example.com/simple\npkg{n}\n",
                        n % 40
                    ),
                );
            }
        },
        limits,
    );
}

#[test]
fn a_wide_conda_environment_scales_linearly() {
    scales_linearly(
        "conda dependencies",
        8_000,
        |root, size| {
            let mut text = String::from("name: wide\nchannels:\n");
            for n in 0..size / 100 {
                {
                    let _ = writeln!(text, "  - https://conda{n}.example.com/channel");
                };
            }
            text.push_str("dependencies:\n");
            for n in 0..size {
                {
                    let _ = writeln!(text, "  - package-{n}=1.{n}");
                };
            }
            text.push_str("  - pip\n  - pip:\n");
            for n in 0..size {
                {
                    let _ = writeln!(text, "    - pypkg-{n}=={n}.0");
                };
            }
            write(&root.join("environment.yml"), &text);
        },
        Limits::default(),
    );
}
