//! `pkgallow diff --current FILE [PATH...]`: what to add to and remove from the current
//! rules so that they allow what a scan of PATH (or a saved scan, `--needed FILE`)
//! needs, as `+ add`, `- remove` and `= keep` lines or JSON. With `--exit-code` it
//! exits 1 when anything needed is missing, for CI gates.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

use crate::audit::{self, DiffLine, Needed, RuleSet};
use crate::cli::{DiffArgs, DiffFormat};
use crate::model::{Ecosystem, Endpoint, Evidence, Kind};

pub(crate) fn run(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let sets = super::audit::read_rule_files(&args.current)?;
    let needed = match &args.needed {
        Some(path) => {
            let text = fs_err::read_to_string(path).context("cannot read the scan JSON")?;
            Needed::new(endpoints_from_scan_json(&text).with_context(|| {
                format!(
                    "{}: not `pkgallow scan --format json` output",
                    path.display()
                )
            })?)
        }
        None => Needed::new(super::run_scan(&args.input)?.resolution.endpoints),
    };
    let only: Vec<&RuleSet> = sets.iter().map(|(set, _)| set).collect();
    let lines = audit::diff(&only, &needed);
    let text = match args.format {
        DiffFormat::Human => human(&lines),
        DiffFormat::Json => json(&lines),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    let missing = lines.iter().any(|line| line.action == "add");
    Ok(if args.exit_code && missing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn human(lines: &[DiffLine]) -> String {
    let mut out = String::new();
    for line in lines {
        let sign = match line.action {
            "add" => '+',
            "remove" => '-',
            _ => '=',
        };
        let _ = write!(out, "{sign} {} {}", line.kind, line.target);
        match (&line.rule, &line.at) {
            (Some(rule), Some(at)) => {
                let _ = write!(out, "  (rule {rule}, {at})");
            }
            (None, Some(at)) => {
                let _ = write!(out, "  ({at})");
            }
            _ => {}
        }
        out.push('\n');
    }
    let count = |action: &str| lines.iter().filter(|line| line.action == action).count();
    let _ = writeln!(
        out,
        "{} to add, {} to remove, {} to keep",
        count("add"),
        count("remove"),
        count("keep")
    );
    out
}

#[derive(Serialize)]
struct DiffDocument<'a> {
    version: u32,
    changes: &'a [DiffLine],
}

fn json(lines: &[DiffLine]) -> String {
    let mut text = serde_json::to_string_pretty(&DiffDocument {
        version: 1,
        changes: lines,
    })
    .unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Deserialize)]
struct ScanDocument {
    version: u32,
    endpoints: Vec<ScanEndpoint>,
}

#[derive(Deserialize)]
struct ScanEndpoint {
    host: String,
    port: u16,
    scheme: String,
    ecosystem: Ecosystem,
    kind: String,
    purpose: String,
    #[serde(default)]
    evidence: Vec<ScanEvidence>,
}

#[derive(Deserialize)]
struct ScanEvidence {
    path: String,
    line: u32,
}

/// Endpoints from `scan --format json` (version 1), so that recorded or saved scans can
/// be diffed without the project at hand.
pub(crate) fn endpoints_from_scan_json(text: &str) -> anyhow::Result<Vec<Endpoint>> {
    let document: ScanDocument = serde_json::from_str(text)?;
    if document.version != crate::report::json::VERSION {
        bail!("unsupported version {}", document.version);
    }
    document
        .endpoints
        .into_iter()
        .map(|endpoint| {
            let kind = Kind::parse(&endpoint.kind)
                .with_context(|| format!("unknown kind `{}`", endpoint.kind))?;
            Ok(Endpoint {
                host: endpoint.host,
                port: endpoint.port,
                scheme: endpoint.scheme,
                ecosystem: endpoint.ecosystem,
                kind,
                purpose: endpoint.purpose,
                evidence: endpoint
                    .evidence
                    .into_iter()
                    .map(|e| Evidence {
                        path: e.path,
                        line: e.line,
                        fetches: None,
                    })
                    .collect::<BTreeSet<_>>(),
                knowledge: None,
                service_domain: None,
            })
        })
        .collect()
}
