//! `pkgallow audit FILE...`: reads each rule file (recognised by content), runs the audit
//! rules, prints the findings in the chosen format and exits 1 when a finding reaches
//! `--fail-on`. With `--against PATH` the project is scanned first and the rules are
//! compared with what it needs. A file that cannot be read or recognised is an error
//! (exit 2): an audit that silently skipped a file would pass when it should not.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::audit::{self, Context, Needed, RuleSet, Severity, output};
use crate::cli::{AuditArgs, AuditFormat, FailOn, ScanInput};
use crate::knowledge::Knowledge;
use crate::source::SourceFile;

pub(crate) fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let sets = read_rule_files(&args.files)?;
    let knowledge = load_knowledge(&args.knowledge)?;
    let needed = if args.against.is_empty() {
        None
    } else {
        // The scan `scan --against` would run by default: the scanned directory's policy
        // file applies, limits are the defaults.
        let limits = crate::limits::Limits::default();
        let input = ScanInput {
            paths: args.against.clone(),
            env: args.env,
            knowledge: args.knowledge.clone(),
            config: None,
            no_runtime: false,
            max_file_size: limits.max_file_size,
            max_line_length: limits.max_line_length,
            max_files: limits.max_files,
            max_include_depth: limits.max_include_depth,
        };
        Some(Needed::new(super::run_scan(&input)?.resolution.endpoints))
    };
    let context = Context {
        knowledge: &knowledge,
        needed: needed.as_ref(),
    };
    let findings = audit::audit(&sets, &context);
    let only: Vec<&RuleSet> = sets.iter().map(|(set, _)| set).collect();
    let inputs = output::Inputs { sets: &only };
    let text = match args.format {
        AuditFormat::Human => output::human::render(&findings, &inputs),
        AuditFormat::Json => output::json::render(&findings, &inputs),
        AuditFormat::Sarif => output::sarif::render(&findings),
        AuditFormat::Github => output::annotations::github(&findings),
        AuditFormat::Azure => output::annotations::azure(&findings),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    let failed = threshold
        .is_some_and(|threshold| findings.iter().any(|finding| finding.severity >= threshold));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads and recognises every rule file, keeping its text for source lines.
pub(crate) fn read_rule_files(
    paths: &[std::path::PathBuf],
) -> anyhow::Result<Vec<(RuleSet, SourceFile)>> {
    let mut sets = Vec::new();
    for path in paths {
        let text = fs_err::read_to_string(path).context("cannot read the rule file")?;
        let file = SourceFile::new(path.display().to_string(), text);
        let set = audit::inputs::read_file(&file)?;
        sets.push((set, file));
    }
    Ok(sets)
}

pub(crate) fn load_knowledge(paths: &[std::path::PathBuf]) -> anyhow::Result<Knowledge> {
    let mut extra = Vec::new();
    for path in paths {
        let text = fs_err::read_to_string(path).context("cannot read the knowledge file")?;
        extra.push((path.display().to_string(), text));
    }
    Knowledge::load(&extra).context("invalid knowledge file")
}
