//! What a user installing pkgallow gets besides the commands: `--version` naming the
//! knowledge base's review date, shell completions and manual pages generated from the
//! command line's definition (written to `target/man/` as a build artifact), and no
//! colour when `NO_COLOR` is set.

use std::process::{Command, Output};

use crate::support;

fn pkgallow(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(support::binary());
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn version_names_the_knowledge_review_date() {
    let output = pkgallow(&["--version"], &[]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text, format!("pkgallow {}\n", pkgallow::knowledge::VERSION));
    assert!(text.contains(&format!(
        "knowledge base reviewed {}",
        pkgallow::knowledge::REVIEWED
    )));
}

#[test]
fn completions_cover_every_shell_and_flag() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = pkgallow(&["completions", shell], &[]);
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        for word in ["generate", "max-include-depth", "merge", "completions"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let temp = tempfile::tempdir().unwrap();
    let bash = temp.path().join("pkgallow.bash");
    std::fs::write(&bash, pkgallow(&["completions", "bash"], &[]).stdout).unwrap();
    let checked = Command::new("bash").arg("-n").arg(&bash).output().unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert_eq!(
        pkgallow(&["completions", "tcsh"], &[]).status.code(),
        Some(2)
    );
}

#[test]
fn manual_pages_are_generated_from_the_cli() {
    let directory = support::root().join("target/man");
    std::fs::create_dir_all(&directory).unwrap();
    let main = pkgallow(&["man"], &[]);
    assert!(main.status.success());
    let page = String::from_utf8(main.stdout.clone()).unwrap();
    assert!(page.contains(".TH pkgallow 1"), "{page}");
    assert!(page.contains(pkgallow::knowledge::REVIEWED));
    std::fs::write(directory.join("pkgallow.1"), &main.stdout).unwrap();
    for (subcommand, flags) in [
        ("scan", &["format", "max\\-files", "output"][..]),
        ("generate", &["workspace\\-name", "merge", "wildcards"][..]),
        ("formats", &["markdown"][..]),
        ("completions", &["SHELL"][..]),
        ("man", &["SUBCOMMAND"][..]),
    ] {
        assert!(
            page.contains(&format!("pkgallow\\-{subcommand}(1)")),
            "pkgallow(1) does not list {subcommand}"
        );
        let output = pkgallow(&["man", subcommand], &[]);
        assert!(output.status.success(), "{subcommand}");
        let text = String::from_utf8(output.stdout.clone()).unwrap();
        assert!(
            text.contains(&format!(".TH pkgallow-{subcommand} 1")),
            "{text}"
        );
        for flag in flags {
            assert!(text.contains(flag), "pkgallow-{subcommand}(1) lacks {flag}");
        }
        std::fs::write(
            directory.join(format!("pkgallow-{subcommand}.1")),
            &output.stdout,
        )
        .unwrap();
    }
    let unknown = pkgallow(&["man", "frobnicate"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("one of: scan, generate"));
}

/// pkgallow's own output is never coloured; clap styles help and usage errors on a
/// terminal, and `NO_COLOR` turns that off even when colour is forced.
#[test]
fn no_color_is_respected() {
    let escape = |output: &Output| output.stdout.contains(&0x1b) || output.stderr.contains(&0x1b);
    let forced = [("CLICOLOR_FORCE", "1")];
    let forced_but_no_color = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
    // The check can fail: forced colour does colour the help and a usage error.
    assert!(escape(&pkgallow(&["--help"], &forced)));
    assert!(escape(&pkgallow(&["scan", "--bogus"], &forced)));
    assert!(!escape(&pkgallow(&["--help"], &forced_but_no_color)));
    assert!(!escape(&pkgallow(
        &["scan", "--bogus"],
        &forced_but_no_color
    )));
    assert!(!escape(&pkgallow(
        &["generate", "--help"],
        &forced_but_no_color
    )));
    // Scan and generate output carry no colour even when it is forced.
    let example = support::root().join("examples/azureml-training");
    let example = example.to_str().unwrap();
    for args in [
        vec!["scan", example],
        vec!["scan", "--format", "markdown", example],
        vec!["generate", "azureml-yaml", example],
        vec!["formats"],
    ] {
        let output = pkgallow(&args, &forced);
        assert!(output.status.success(), "{args:?}");
        assert!(!escape(&output), "{args:?} printed colour");
    }
}

/// The CI recipes in docs/ci.md are valid YAML, and every pkgallow command in them parses
/// with today's command line (`audit` commands too, once the CLI has `audit`).
#[test]
fn ci_recipes_parse() {
    use clap::{CommandFactory, Parser};
    let text = std::fs::read_to_string(support::root().join("docs/ci.md")).unwrap();
    let mut blocks: Vec<(&str, String)> = Vec::new();
    let mut current: Option<(&str, String)> = None;
    for line in text.lines() {
        if let Some(fence) = line.strip_prefix("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => current = Some((fence.trim(), String::new())),
            }
        } else if let Some((_, body)) = &mut current {
            body.push_str(line);
            body.push('\n');
        }
    }
    let yaml: Vec<&String> = blocks
        .iter()
        .filter(|(language, _)| *language == "yaml")
        .map(|(_, body)| body)
        .collect();
    assert_eq!(
        yaml.len(),
        2,
        "a GitHub Actions and an Azure Pipelines example"
    );
    for body in &yaml {
        let documents =
            <saphyr::YamlOwned as saphyr::LoadableYamlNode>::load_from_str(body).unwrap();
        assert_eq!(documents.len(), 1, "{body}");
        assert!(documents[0].as_mapping().is_some(), "{body}");
    }
    let has_audit = pkgallow::cli::Cli::command()
        .find_subcommand("audit")
        .is_some();
    let mut checked = 0;
    for (language, body) in &blocks {
        if !matches!(*language, "yaml" | "sh") {
            continue;
        }
        for line in body.lines() {
            for (at, _) in line.match_indices("pkgallow ") {
                // Only where a command starts (not "Cache the pkgallow binary").
                let before = line[..at].trim_end();
                let starts_command = [
                    "",
                    "-",
                    "run:",
                    "- script:",
                    "script:",
                    "|",
                    "||",
                    "&&",
                    ";",
                ]
                .iter()
                .any(|lead| {
                    before.trim_start() == *lead
                        || (!lead.is_empty() && lead.len() <= 2 && before.ends_with(lead))
                });
                if !starts_command {
                    continue;
                }
                let rest = &line[at + "pkgallow ".len()..];
                let command = rest.split(['>', '|', ';', '&']).next().unwrap_or_default();
                let words: Vec<String> = command
                    .split_whitespace()
                    .map(|word| {
                        word.trim_matches('"')
                            .replace("$RULES", "rules.yml")
                            .replace("$(RULES)", "rules.yml")
                    })
                    .collect();
                let Some(first) = words.first() else { continue };
                if !(first.starts_with("--") || first.chars().all(|c| c.is_ascii_lowercase())) {
                    continue;
                }
                if first == "audit" && !has_audit {
                    continue;
                }
                let arguments = std::iter::once("pkgallow".to_string()).chain(words.clone());
                match pkgallow::cli::Cli::try_parse_from(arguments) {
                    Ok(_) => {}
                    Err(error) if error.kind() == clap::error::ErrorKind::DisplayVersion => {}
                    Err(error) => panic!("docs/ci.md: `pkgallow {}`: {error}", words.join(" ")),
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "only {checked} commands checked");
}
