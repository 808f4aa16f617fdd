//! The command line, declared with clap. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Reads a repository's dependency files and says which hosts its package installs need,
/// with evidence, and writes the outbound rules for a locked-down Azure Machine Learning
/// workspace.
#[derive(Debug, Parser)]
#[command(name = "pkgallow", version = crate::knowledge::VERSION, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the hosts the project needs, why, and where each need was read.
    Scan(ScanArgs),
    /// Write outbound rules for the hosts the project needs.
    Generate(GenerateArgs),
    /// Check existing outbound rules (workspace YAML, CLI JSON, ARM, Bicep, Terraform,
    /// firewall policies, NSGs, hosts lists) for mistakes; with --against, compare them
    /// with what a scan needs.
    Audit(AuditArgs),
    /// Print what to add to and remove from existing rules to allow what a scan needs.
    Diff(DiffArgs),
    /// Print the documentation of an audit rule (`pkgallow explain A002`).
    Explain(ExplainArgs),
    /// Probe from here that each endpoint answers (DNS, TCP, TLS, HTTP).
    ///
    /// Each step has its own timeout; the exit code is 1 if any endpoint fails. Run it
    /// on a compute instance to prove the rules work.
    Check(CheckArgs),
    /// Run a command through a proxy that records (or allows) the hosts it asks for.
    ///
    /// The hosts are written as scan JSON; with `--enforce` only the hosts a rules file
    /// allows get through.
    Record(RecordArgs),
    /// Read install and firewall logs, list the hosts that were blocked or unreachable
    /// with the line that shows it, and write the rules to allow them (`--target`).
    ExplainLog(ExplainLogArgs),
    /// Write a commented starter policy file, `pkgallow.toml`.
    Init(InitArgs),
    /// List every supported file format, its files and what is read from them.
    Formats(FormatsArgs),
    /// Print a shell completion script.
    ///
    /// For example `pkgallow completions bash > /etc/bash_completion.d/pkgallow`.
    Completions(CompletionsArgs),
    /// Print a manual page (roff), generated from the command line's definition.
    ///
    /// For example `pkgallow man > /usr/local/share/man/man1/pkgallow.1`, and
    /// `pkgallow man scan` for pkgallow-scan(1).
    Man(ManArgs),
}

/// `pkgallow check`: what to probe and how.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scan these paths and probe the endpoints found (the default: the current
    /// directory).
    #[command(flatten)]
    pub input: ScanInput,

    /// Probe the hosts in FILE instead: `host`, `host:port` or a URL per line.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "rules"])]
    pub hosts: Option<PathBuf>,

    /// Probe the destinations of a rules file instead (workspace YAML or hosts list).
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    pub rules: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,

    /// Endpoints probed at the same time.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,

    /// Limit of each step (DNS, TCP, TLS, HTTP): `5s`, `500ms`, `2`.
    #[arg(long, default_value = "5s", value_parser = crate::wire::parse_duration)]
    pub timeout: std::time::Duration,

    /// Resolve HOST to IP instead of asking DNS (as curl's option; `*.suffix:IP` for
    /// every subdomain).
    #[arg(long, value_name = "HOST:IP")]
    pub resolve: Vec<String>,

    /// Trust the CA certificates in this PEM file too (`SSL_CERT_FILE` is read as well).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One aligned row per endpoint and a closing count.
    Table,
    /// `{"version":1,"results":[…]}` with timings.
    Json,
}

/// `pkgallow record`: the command to run and what the proxy does.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Write the recorded endpoints (scan JSON) to FILE instead of standard output (the
    /// command's standard output then stays its own; otherwise it goes to standard
    /// error).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Let only the hosts that RULES allows through (a hosts list or workspace YAML;
    /// Azure Firewall matching); others get 403.
    #[arg(long, value_name = "RULES")]
    pub enforce: Option<PathBuf>,

    /// The proxy resolves HOST to IP instead of asking DNS (`*.suffix:IP` for every
    /// subdomain).
    #[arg(long, value_name = "HOST:IP")]
    pub resolve: Vec<String>,

    /// The ecosystem the recorded endpoints are reported under (default: guessed from
    /// the command: pip, uv, … python; conda, mamba … conda; npm, yarn … npm).
    #[arg(long, value_enum)]
    pub ecosystem: Option<RecordEcosystem>,

    /// The command and its arguments, after `--`.
    #[arg(required = true, last = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordEcosystem {
    Python,
    Conda,
    Container,
    Os,
    Npm,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Rule files to audit, recognised by content.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Also scan PATH and report what it needs that no rule allows, and rules nothing
    /// needs.
    #[arg(long, value_name = "PATH")]
    pub against: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
    pub format: AuditFormat,

    /// Exit with 1 when a finding has this severity or a higher one.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,

    /// With --against: expand `${VAR}` and read index variables from the environment.
    #[arg(long)]
    pub env: bool,

    /// Add a knowledge file in the same TOML format as the built-in knowledge base.
    #[arg(long, value_name = "FILE")]
    pub knowledge: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// `path:line:col`, the source line underlined, and a help line.
    Human,
    /// The versioned JSON contract.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning, Azure DevOps).
    Sarif,
    /// GitHub Actions annotations (`::warning file=…`).
    Github,
    /// Azure Pipelines annotations (`##vso[task.logissue …]`).
    Azure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    /// Always exit 0 when the audit ran.
    Never,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The current rules (any file `audit` reads); repeat for rules spread over files.
    #[arg(long, value_name = "FILE", required = true)]
    pub current: Vec<PathBuf>,

    #[command(flatten)]
    pub input: ScanInput,

    /// Instead of scanning PATHs, read what is needed from `pkgallow scan --format json`
    /// output.
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    pub needed: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,

    /// Exit with 1 when anything needed is missing (for CI gates).
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// `+ add`, `- remove`, `= keep` lines.
    Human,
    /// The versioned JSON contract.
    Json,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`A002`) or name (`wildcard-misses-apex`); without one, every rule is
    /// listed.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write: a file, or a directory to write `pkgallow.toml` in (default: the
    /// current directory).
    #[arg(value_name = "PATH", conflicts_with = "output")]
    pub path: Option<PathBuf>,

    /// The same as PATH.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand's page (`pkgallow man scan` is pkgallow-scan(1)); without it, the
    /// main page pkgallow(1).
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ExplainLogArgs {
    /// Log files: the output of pip, uv, conda/mamba, npm, apt, docker, curl, wget or
    /// git (alone or inside a Docker or Azure ML image build), or Azure Firewall logs
    /// (JSON or CSV).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Report format (ignored with `--target`).
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,

    /// Write the rules that allow the blocked hosts (and the hosts the knowledge base
    /// says come with them), in any `generate` target, instead of the report.
    #[arg(long, value_enum, value_name = "TARGET")]
    pub target: Option<Target>,

    /// The workspace the rules are for (with `--target`).
    #[arg(long, value_name = "NAME")]
    pub workspace_name: Option<String>,

    /// The workspace's resource group (with `--target`).
    #[arg(long, value_name = "GROUP")]
    pub resource_group: Option<String>,

    /// Where the rules are enforced (with `--target`), as for `generate`.
    #[arg(long, value_enum, default_value_t = Network::Managed)]
    pub network: Network,

    /// Add a knowledge file in the same TOML format as the built-in knowledge base.
    #[arg(long, value_name = "FILE")]
    pub knowledge: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Each blocked host with its evidence lines, then the hosts to allow.
    Human,
    /// Everything as JSON (`version: 1`).
    Json,
}

#[derive(Debug, Args)]
pub struct FormatsArgs {
    /// Print the table in Markdown (as in the README).
    #[arg(long)]
    pub markdown: bool,
}

/// Options shared by every command that scans.
#[derive(Debug, Args)]
pub struct ScanInput {
    /// Files or directories to scan (default: the current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Expand `${VAR}` and read index variables (`PIP_INDEX_URL`, `UV_INDEX`, …) from the
    /// environment. Without it the scanning machine's environment never changes a result.
    #[arg(long)]
    pub env: bool,

    /// Add a knowledge file in the same TOML format as the built-in knowledge base.
    #[arg(long, value_name = "FILE")]
    pub knowledge: Vec<PathBuf>,

    /// The organisation's policy file (deny, expect, mirrors, rule prefix, excludes,
    /// generate defaults); default: `pkgallow.toml` in the scanned directory, if any.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Leave out run-time downloads (model hubs, data sets, weights that libraries fetch
    /// when the code runs); Python source files are then not read.
    #[arg(long)]
    pub no_runtime: bool,

    /// Skip files larger than this (bytes, or with a unit: 512KiB, 16MiB); a skipped file
    /// is a P103 warning.
    #[arg(long, value_name = "SIZE", default_value = "128MiB", value_parser = crate::limits::parse_size, help_heading = "Limits")]
    pub max_file_size: u64,

    /// Skip files with a line longer than this (bytes, or with a unit); a skipped file is
    /// a P502 warning.
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = parse_line_length, help_heading = "Limits")]
    pub max_line_length: usize,

    /// Read at most this many dependency files; the first file not read is a P501
    /// warning.
    #[arg(long, value_name = "N", default_value_t = crate::limits::Limits::DEFAULT_MAX_FILES, help_heading = "Limits")]
    pub max_files: usize,

    /// Follow `-r`/`-c` includes at most this many files deep; a deeper include is a P310
    /// warning.
    #[arg(long, value_name = "N", default_value_t = crate::limits::Limits::DEFAULT_MAX_INCLUDE_DEPTH, help_heading = "Limits")]
    pub max_include_depth: usize,
}

impl ScanInput {
    /// The limits these options set.
    pub fn limits(&self) -> crate::limits::Limits {
        crate::limits::Limits {
            max_file_size: self.max_file_size,
            max_line_length: self.max_line_length,
            max_files: self.max_files,
            max_include_depth: self.max_include_depth,
        }
    }
}

fn parse_line_length(text: &str) -> Result<usize, String> {
    let size = crate::limits::parse_size(text)?;
    usize::try_from(size).map_err(|_| format!("`{text}` is too large"))
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: ScanInput,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,

    /// Write to this file (atomically: a temporary file, then a rename); `-` is standard
    /// output, the default.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Overwrite an existing `--output` file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// Aligned columns grouped by ecosystem; warnings go to standard error.
    Table,
    /// The versioned JSON contract (endpoints and warnings).
    Json,
    /// Markdown tables for pull requests and tickets.
    Markdown,
    /// One self-contained HTML page for a security review: hosts with purpose and
    /// evidence, filterable by ecosystem and kind, beside the generated rules.
    Html,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to write.
    #[arg(value_enum)]
    pub target: Target,

    #[command(flatten)]
    pub input: ScanInput,

    /// The workspace the rules are for.
    #[arg(long, value_name = "NAME")]
    pub workspace_name: Option<String>,

    /// The workspace's resource group.
    #[arg(long, value_name = "GROUP")]
    pub resource_group: Option<String>,

    /// Where the rules are enforced: the workspace's managed network, your own VNet's
    /// Azure Firewall, or both (managed network for the workspace's compute, firewall for
    /// attached compute). Default: the policy file's `generate.network`, else managed.
    #[arg(long, value_enum)]
    pub network: Option<Network>,

    /// `exact`: one rule per host. `collapse`: hosts the knowledge base marks as one
    /// service share a wildcard rule (never over shared hosting; the apex keeps its own).
    /// Default: the policy file's `generate.wildcards`, else exact.
    #[arg(long, value_enum)]
    pub wildcards: Option<WildcardMode>,

    /// Add the service tags and hosts Azure ML itself needs in a customer-managed VNet.
    #[arg(long)]
    pub include_azureml_core: bool,

    /// The Azure cloud of `--include-azureml-core`. Default: the policy file's
    /// `generate.cloud`, else public.
    #[arg(long, value_enum)]
    pub cloud: Option<CloudName>,

    /// Write to this file (atomically: a temporary file, then a rename); `-` is standard
    /// output, the default.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Overwrite an existing `--output` file.
    #[arg(long)]
    pub force: bool,

    /// `azureml-yaml` only: insert the rules into this existing workspace YAML, keeping
    /// its other keys, order, comments and rules; what was added or kept goes to standard
    /// error. The result goes to standard output or `--output`: FILE itself changes only
    /// when it is also the `--output` and `--force` is given.
    #[arg(long, value_name = "FILE")]
    pub merge: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Network {
    /// The workspace's managed network (`allow_only_approved_outbound`).
    Managed,
    /// Your own VNet behind Azure Firewall and NSGs.
    CustomerManaged,
    /// Both, each set labelled with where it applies.
    Hybrid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WildcardMode {
    Exact,
    Collapse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CloudName {
    Public,
    China,
    Usgov,
}

/// Output targets; each is one module in `emit/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Workspace YAML with a `managed_network` block (`az ml workspace update --file`).
    AzuremlYaml,
    /// Bash script of `az ml workspace outbound-rule set` calls.
    AzCli,
    /// One host per line, for any other firewall or proxy.
    Hosts,
    /// Bicep file of `workspaces/outboundRules` resources (`az deployment group create`).
    Bicep,
    /// ARM deployment template of `workspaces/outboundRules` resources.
    Arm,
    /// Terraform module of azurerm outbound-rule resources (azapi where azurerm lacks one).
    Terraform,
    /// Python script that adds the rules with the Azure ML SDK v2 (`azure-ai-ml`).
    PythonSdk,
    /// Customer-managed VNet: Bicep file of an Azure Firewall policy rule collection group.
    FirewallBicep,
    /// Customer-managed VNet: the Azure Firewall rules as an ARM deployment template.
    FirewallArm,
    /// Customer-managed VNet: bash script of `az network firewall policy` calls.
    FirewallAzCli,
    /// Customer-managed VNet: ARM template of outbound NSG rules (service tags only).
    Nsg,
    /// Customer-managed VNet: Bicep file of outbound NSG rules (service tags only).
    NsgBicep,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::AzuremlYaml => "azureml-yaml",
            Target::AzCli => "az-cli",
            Target::Hosts => "hosts",
            Target::Bicep => "bicep",
            Target::Arm => "arm",
            Target::Terraform => "terraform",
            Target::PythonSdk => "python-sdk",
            Target::FirewallBicep => "firewall-bicep",
            Target::FirewallArm => "firewall-arm",
            Target::FirewallAzCli => "firewall-az-cli",
            Target::Nsg => "nsg",
            Target::NsgBicep => "nsg-bicep",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_target_has_an_emitter() {
        for target in Target::value_variants() {
            assert!(
                crate::emit::emitter(target.name()).is_some(),
                "{}",
                target.name()
            );
        }
        assert_eq!(Target::value_variants().len(), crate::emit::EMITTERS.len());
    }
}
