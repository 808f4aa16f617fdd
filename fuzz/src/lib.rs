//! Shared pieces of the fuzz targets: how an input picks the file it pretends to be, the
//! file names each target covers, and the checks every parse must pass.
//!
//! An input is one selector byte and then the file's text. The selector's low bits pick
//! a file name from the target's list (so one target covers a family of formats and the
//! fuzzer can move an input between them); its top bit parses with a fixed `--env`
//! environment, which some formats read (pip, Go, Julia, conda, Hugging Face variables).
//! Seeds are the test fixtures, which write registry hosts as `{{host:reversed.labels}}`;
//! the text is expanded here, in memory, as the test harness does, so seeds reach the
//! code paths of the real hosts.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use pkgallow::audit::{self, Context, Needed};
use pkgallow::emit::{EMITTERS, Language};
use pkgallow::formats::{self, ParseContext};
use pkgallow::knowledge::Knowledge;
use pkgallow::model::Manifest;
use pkgallow::plan::{self, Cloud, NetworkMode, PlanOptions, Wildcards};
use pkgallow::policy::Policy;
use pkgallow::report::{self, explain_log::LogFile};
use pkgallow::resolve::{self, Edge, Project};
use pkgallow::source::SourceFile;

/// What a target does with one input.
pub type Body = fn(&[u8]);

/// Every target by name, with its body: the `fuzz_targets/*.rs` files call these, and
/// the regression test (tests/it/fuzz_regressions.rs) replays saved inputs through them.
pub const TARGETS: &[(&str, Body)] = &[
    ("requirements", |data| fuzz_formats(REQUIREMENTS, data)),
    ("toml", |data| fuzz_formats(TOML, data)),
    ("yaml", |data| fuzz_formats(YAML, data)),
    ("dockerfile", |data| fuzz_formats(DOCKERFILE, data)),
    ("lockfiles", |data| fuzz_formats(LOCKFILES, data)),
    ("notebook", |data| fuzz_formats(NOTEBOOK, data)),
    ("python_source", |data| fuzz_formats(PYTHON_SOURCE, data)),
    ("other_formats", |data| fuzz_formats(OTHER_FORMATS, data)),
    ("audit_inputs", audit_inputs),
    ("policy", policy),
    ("logs", logs),
    ("end_to_end", end_to_end),
];

/// Runs the target called `name` on one input; `false` if there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    match TARGETS.iter().find(|(target, _)| *target == name) {
        Some((_, body)) => {
            body(data);
            true
        }
        None => false,
    }
}

/// pip requirements files (the formats that embed requirements reach the same parser
/// through their own targets).
pub const REQUIREMENTS: &[&str] = &[
    "requirements.txt",
    "requirements/dev.txt",
    "constraints.txt",
];

/// TOML configuration and manifests (lockfiles written in TOML are in [`LOCKFILES`]).
pub const TOML: &[&str] = &[
    "pyproject.toml",
    "Pipfile",
    "uv.toml",
    "Cargo.toml",
    ".cargo/config.toml",
    "pixi.toml",
    "Project.toml",
];

/// YAML read by the one YAML pass: Azure ML assets and conda environments, plus the
/// other YAML configuration formats.
pub const YAML: &[&str] = &[
    "environment.yml",
    "conda.yaml",
    "job.yml",
    ".condarc",
    ".yarnrc.yml",
];

pub const DOCKERFILE: &[&str] = &["Dockerfile", "docker/train.Dockerfile"];

/// Every lockfile format.
pub const LOCKFILES: &[&str] = &[
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "Pipfile.lock",
    "pylock.toml",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "Cargo.lock",
    "conda-linux-64.lock",
    "conda-lock.yml",
    "pixi.lock",
    "Gemfile.lock",
    "renv.lock",
    "go.sum",
    "Manifest.toml",
];

pub const NOTEBOOK: &[&str] = &["notebook.ipynb"];

pub const PYTHON_SOURCE: &[&str] = &["train.py"];

/// The formats no other target covers: INI, XML, Gradle, Ruby, R, Go, apt, npm/yarn
/// configuration.
pub const OTHER_FORMATS: &[&str] = &[
    "setup.cfg",
    "pip.conf",
    "package.json",
    ".npmrc",
    ".yarnrc",
    "DESCRIPTION",
    "pom.xml",
    ".mvn/settings.xml",
    "build.gradle",
    "settings.gradle.kts",
    "gradle/wrapper/gradle-wrapper.properties",
    "NuGet.Config",
    "Scoring.csproj",
    "packages.config",
    "Gemfile",
    "go.mod",
    "etc/apt/sources.list",
    "etc/apt/sources.list.d/debian.sources",
];

/// The names of every family, for the end-to-end target.
pub const ALL: &[&[&str]] = &[
    REQUIREMENTS,
    TOML,
    YAML,
    DOCKERFILE,
    LOCKFILES,
    NOTEBOOK,
    PYTHON_SOURCE,
    OTHER_FORMATS,
];

/// The embedded knowledge base, loaded once per process.
pub static KNOWLEDGE: LazyLock<Knowledge> =
    LazyLock::new(|| Knowledge::embedded().expect("the embedded knowledge base loads"));

/// A fixed environment, as `--env` would pass it: no machine's environment may reach a
/// fuzz run, or runs would not reproduce.
fn environment() -> BTreeMap<String, String> {
    [
        (
            "PIP_INDEX_URL",
            "https://user:secret@mirror.example.com/simple",
        ),
        ("PIP_EXTRA_INDEX_URL", "https://extra.example.com/simple"),
        ("UV_INDEX_URL", "https://uv.example.com/simple"),
        ("GOPROXY", "https://goproxy.example.com,direct"),
        ("GOPRIVATE", "example.com/private"),
        ("JULIA_PKG_SERVER", "https://julia.example.com"),
        ("CONDA_CHANNEL_ALIAS", "https://conda.example.com"),
        ("HF_ENDPOINT", "https://hf.example.com"),
        ("NPM_CONFIG_REGISTRY", "https://npm.example.com/"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect()
}

/// Splits an input into (selector, text): the text is the rest read lossily, as
/// discovery reads invalid UTF-8, with `{{host:…}}` placeholders expanded.
pub fn split(data: &[u8]) -> Option<(u8, String)> {
    let (&selector, rest) = data.split_first()?;
    Some((selector, expand_hosts(&String::from_utf8_lossy(rest))))
}

/// Picks a name from `names` by the selector's low bits.
pub fn pick<'a>(names: &[&'a str], selector: u8) -> &'a str {
    names[usize::from(selector & 0x7f) % names.len()]
}

/// The parse context the selector asks for.
pub fn context(selector: u8) -> ParseContext {
    ParseContext {
        env: (selector & 0x80 != 0).then(environment),
    }
}

/// Parses `text` as the file `name` with the format discovery would pick, and checks
/// what every parse must give. Panics (a finding) if no format claims the name: the
/// target's name list is wrong.
pub fn parse_as(name: &str, text: String, context: &ParseContext) -> (Manifest, SourceFile) {
    let format = formats::format_for(Path::new(name))
        .unwrap_or_else(|| panic!("no format claims `{name}`: fix the target's name list"));
    let file = SourceFile::new(name, text);
    let manifest = format.parse(&file, context);
    check_manifest(&manifest, &file);
    (manifest, file)
}

/// Invariants of any parse beyond "no panic": every diagnostic points into the file it
/// came from, and renders.
pub fn check_manifest(manifest: &Manifest, file: &SourceFile) {
    for diagnostic in &manifest.diagnostics {
        assert_eq!(
            diagnostic.location.path, file.path,
            "diagnostic for another file: {diagnostic:?}"
        );
    }
    let _ = pkgallow::report::human::render(&manifest.diagnostics);
}

/// Fuzzes one family of formats: the whole body of the per-format targets.
pub fn fuzz_formats(names: &[&str], data: &[u8]) {
    let Some((selector, text)) = split(data) else {
        return;
    };
    let name = pick(names, selector);
    parse_as(name, text, &context(selector));
}

/// Replaces every `{{host:reversed.labels}}` with the host written forward; an
/// unterminated placeholder stays as written.
pub fn expand_hosts(text: &str) -> String {
    if !text.contains("{{host:") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{host:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{{host:".len()..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let mut labels: Vec<&str> = after[..end].split('.').collect();
        labels.reverse();
        out.push_str(&labels.join("."));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The names `audit` is given in practice; readers recognise files by content, but the
/// name shows in every position.
pub const AUDIT_NAMES: &[&str] = &[
    "rules.json",
    "workspace.yml",
    "main.bicep",
    "main.tf",
    "rules.sh",
    "hosts.txt",
    "azuredeploy.json",
];

/// `audit`'s rule-file readers (`pkgallow::audit::inputs::read`): any text is read or
/// refused with an error, never a panic, and a rule set that is read goes through every
/// audit rule and the machine-readable outputs (SARIF must stay valid JSON).
pub fn audit_inputs(data: &[u8]) {
    let Some((selector, text)) = split(data) else {
        return;
    };
    let file = SourceFile::new(pick(AUDIT_NAMES, selector), text);
    let Ok(set) = audit::inputs::read_file(&file) else {
        return;
    };
    let _ = set.allowed_hosts();
    // The top bit audits against a small needed set too (`--against`), which runs the
    // rules that compare rules with needs.
    let needed = (selector & 0x80 != 0).then(|| {
        let project = small_project();
        Needed::new(resolve::resolve(&project, &KNOWLEDGE).endpoints)
    });
    let context = Context {
        knowledge: &KNOWLEDGE,
        needed: needed.as_ref(),
    };
    let sets = vec![(set, file)];
    let findings = audit::audit(&sets, &context);
    let sarif = audit::output::sarif::render(&findings);
    assert_json("audit SARIF", &sarif);
    let _ = audit::output::annotations::github(&findings);
    let _ = audit::output::annotations::azure(&findings);
    if let Some(needed) = &needed {
        let only: Vec<_> = sets.iter().map(|(set, _)| set).collect();
        let _ = audit::diff(&only, needed);
    }
}

/// A one-file project that needs an added index, the default one with its file host,
/// a Git host and a conda channel: what the audit and policy targets hold rules up to.
fn small_project() -> Project {
    let (manifest, file) = parse_as(
        "requirements.txt",
        "--extra-index-url https://pkgs.example.com/simple\nnumpy\ngit+https://github.com/org/repo.git\n"
            .to_string(),
        &ParseContext::default(),
    );
    Project {
        excerpts: [(file.path.clone(), file.excerpt(manifest.lines()))]
            .into_iter()
            .collect(),
        manifests: [(file.path.clone(), Box::new(manifest))]
            .into_iter()
            .collect(),
        ..Project::default()
    }
}

/// The policy file reader (`Policy::parse`): any text is read or refused with an error,
/// never a panic; a policy that is read is applied to a small scan (mirrors,
/// expectations, denials), and the plan built with its defaults renders through every
/// emitter (the scan JSON must stay valid).
pub fn policy(data: &[u8]) {
    let Some((_, text)) = split(data) else {
        return;
    };
    let Ok(policy) = Policy::parse("pkgallow.toml", &text) else {
        return;
    };
    let project = small_project();
    let mut resolution = resolve::resolve(&project, &KNOWLEDGE);
    let denied = policy.apply(&mut resolution, &KNOWLEDGE, &project.excerpts);
    assert_json("scan JSON", &report::json::render(&resolution));
    let _ = report::human::render(&resolution.diagnostics);
    let mut plan = plan::build(&resolution.endpoints, policy.plan_options());
    plan.denied = denied;
    for emitter in EMITTERS {
        let _ = emitter.render(&plan);
    }
}

/// Log names as people save them; kinds are recognised by content.
pub const LOG_NAMES: &[&str] = &[
    "build.log",
    "pip.log",
    "firewall.csv",
    "firewall.json",
    "std_log.txt",
];

/// `explain-log`'s log readers (`pkgallow::logs::explain`): any text is recognised or
/// not, never a panic, and what is blocked is summarised, turned into endpoints and
/// rules, and rendered (the JSON must stay valid).
pub fn logs(data: &[u8]) {
    let Some((selector, text)) = split(data) else {
        return;
    };
    let name = pick(LOG_NAMES, selector);
    let Some(explained) = pkgallow::logs::explain(name, &text) else {
        return;
    };
    let summary = pkgallow::logs::summarize(&explained.blocked, &KNOWLEDGE);
    let _ = summary.hosts_to_allow();
    let endpoints = pkgallow::logs::endpoints(&summary, &KNOWLEDGE);
    let plan = plan::build(&endpoints, PlanOptions::default());
    for emitter in EMITTERS {
        let _ = emitter.render(&plan);
    }
    let logs = [LogFile {
        path: name.to_string(),
        kinds: explained.kinds,
    }];
    let _ = report::explain_log::human(&logs, &summary);
    assert_json(
        "explain-log JSON",
        &report::explain_log::json(&logs, &summary),
    );
}

/// Files in one end-to-end input at most.
const MAX_FILES: usize = 6;

/// The whole pipeline after discovery: a tiny project built from the input is resolved,
/// and every output renders: the scan reports (JSON, table, Markdown, HTML) and every
/// emitter in `EMITTERS` under the plan options the input picks. Beyond "no panic": the
/// scan JSON and the JSON emitters' outputs parse, and resolving twice gives the same
/// bytes (scans are deterministic).
///
/// Input: one byte of plan options, then up to [`MAX_FILES`] files separated by NUL
/// bytes, each one selector byte (which file name, from every family's list, and whether
/// it sits in a subdirectory) and its text.
pub fn end_to_end(data: &[u8]) {
    let Some((&options, rest)) = data.split_first() else {
        return;
    };
    let names: Vec<&str> = ALL
        .iter()
        .flat_map(|family| family.iter().copied())
        .collect();
    let context = ParseContext::default();
    let mut project = Project::default();
    for chunk in rest.split(|&byte| byte == 0).take(MAX_FILES) {
        let Some((selector, text)) = split(chunk) else {
            continue;
        };
        let name = pick(&names, selector);
        // The top bit moves the file one directory down, under configuration files
        // that may sit above it.
        let path = if selector & 0x80 == 0 {
            name.to_string()
        } else {
            format!("sub/{name}")
        };
        if project.manifests.contains_key(&path) {
            continue;
        }
        let (manifest, file) = parse_as(&path, text, &context);
        project
            .excerpts
            .insert(path.clone(), file.excerpt(manifest.lines()));
        project.manifests.insert(path, Box::new(manifest));
    }
    // Includes that name a file of the project become edges, as discovery makes them
    // (cycles and self-includes included).
    let mut edges: BTreeMap<String, Vec<Edge>> = BTreeMap::new();
    for (path, manifest) in &project.manifests {
        let directory = path.rfind('/').map_or("", |index| &path[..=index]);
        for include in &manifest.includes {
            let target = format!("{directory}{}", include.target.trim_start_matches("./"));
            if project.manifests.contains_key(&target) {
                edges.entry(path.clone()).or_default().push(Edge {
                    target,
                    constraint: include.constraint,
                    at: include.at.clone(),
                });
            }
        }
    }
    project.edges = edges;
    project.no_runtime = options & 0x40 != 0;

    let resolution = resolve::resolve(&project, &KNOWLEDGE);
    let json = report::json::render(&resolution);
    assert_json("scan JSON", &json);
    let again = report::json::render(&resolve::resolve(&project, &KNOWLEDGE));
    assert_eq!(json, again, "resolving the same project twice differs");
    let _ = report::table::render(&resolution);
    let _ = report::markdown::render(&resolution);
    let _ = report::human::render(&resolution.diagnostics);

    let named = options & 0x80 != 0;
    let options = PlanOptions {
        network: [
            NetworkMode::Managed,
            NetworkMode::CustomerManaged,
            NetworkMode::Hybrid,
        ][usize::from(options & 0x03) % 3],
        wildcards: if options & 0x04 == 0 {
            Wildcards::Exact
        } else {
            Wildcards::Collapse
        },
        cloud: [Cloud::Public, Cloud::China, Cloud::UsGov][usize::from((options >> 3) & 0x03) % 3],
        include_azureml_core: options & 0x20 != 0,
        workspace_name: named.then(|| "ws-fuzz".to_string()),
        resource_group: named.then(|| "rg-fuzz".to_string()),
        rule_prefix: named.then(|| "org".to_string()),
        // As `explain-log` makes plans, with log paths a shell must quote.
        from_logs: if options & 0x40 == 0 {
            Vec::new()
        } else {
            vec![
                "logs/build 1.log".to_string(),
                "it's\n\"odd\".log".to_string(),
            ]
        },
    };
    let plan = plan::build(&resolution.endpoints, options);
    let _ = report::html::render(&resolution, &plan, &project.excerpts);
    for emitter in EMITTERS {
        let text = emitter.render(&plan);
        if matches!(emitter.language(), Language::ArmJson | Language::Json) {
            assert_json(emitter.target(), &text);
        }
    }
}

/// Panics, showing the text, unless it is one JSON document.
fn assert_json(what: &str, text: &str) {
    if let Err(error) = serde_json::from_str::<serde_json::Value>(text) {
        panic!("{what} is not valid JSON: {error}\n{text}");
    }
}
