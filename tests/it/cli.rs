//! End-to-end CLI cases as data: each folder in `tests/cli/` holds `cmd` (the arguments,
//! one per line, `pkgallow` itself omitted) and optionally `in/`, a miniature project
//! the command runs in. The exit status, standard output and standard error are
//! snapshotted, with registry hosts redacted to placeholders and the temporary
//! directory shown as `[ROOT]`. Review changes with `cargo insta review`.
//!
//! Two optional files name files of `in/`, one per line: those in `unchanged` must be
//! byte for byte what they were after the command (a failed command wrote nothing), and
//! those in `show` are added to the snapshot as they are after it (a file the command
//! rewrote). An optional `env` file sets more environment variables, `NAME=value` one
//! per line (an empty value is kept: `NAME=`).

use std::process::Command;

use crate::support;

#[test]
fn cli_cases() {
    let base = support::root().join("tests/cli");
    let cases: Vec<_> = support::subdirectories(&base)
        .into_iter()
        .filter(|dir| dir.join("cmd").is_file())
        .collect();
    assert!(!cases.is_empty());
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let temp = tempfile::tempdir().unwrap();
        if case.join("in").is_dir() {
            support::copy_tree(&case.join("in"), temp.path());
        }
        let command = support::expand(&std::fs::read_to_string(case.join("cmd")).unwrap());
        let args: Vec<&str> = command
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect();
        let case_env = listed(&case.join("env"));
        let output = Command::new(support::binary())
            .args(&args)
            .current_dir(temp.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CASE_TOKEN", "s3cr3t-token-value")
            .env("CASE_HOST", "from-env.example.com")
            .envs(case_env.iter().filter_map(|line| line.split_once('=')))
            // Read only with --env (runtime-env); runtime-scan shows it is ignored otherwise.
            .env("HF_ENDPOINT", "https://hf-env-mirror.example.com")
            .output()
            .unwrap();
        let root = temp.path().to_string_lossy().to_string();
        let clean = |bytes: &[u8]| {
            support::redact(&String::from_utf8_lossy(bytes).replace(&root, "[ROOT]"))
        };
        for file in listed(&case.join("unchanged")) {
            let before =
                support::expand(&std::fs::read_to_string(case.join("in").join(&file)).unwrap());
            let after = std::fs::read_to_string(temp.path().join(&file)).unwrap();
            assert_eq!(after, before, "{name}: {file} changed");
        }
        let mut snapshot = format!(
            "args: {}\nstatus: {}\n--- stdout\n{}--- stderr\n{}",
            support::redact(&args.join(" ")),
            output
                .status
                .code()
                .map_or("signal".to_string(), |code| code.to_string()),
            clean(&output.stdout),
            clean(&output.stderr),
        );
        for file in listed(&case.join("show")) {
            let after = std::fs::read(temp.path().join(&file)).unwrap();
            snapshot.push_str("--- file ");
            snapshot.push_str(&file);
            snapshot.push('\n');
            snapshot.push_str(&clean(&after));
        }
        assert!(
            !snapshot.contains("s3cr3t"),
            "{name}: a secret leaked:\n{snapshot}"
        );
        insta::with_settings!({snapshot_path => "../cli/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}

/// The lines of an optional list file, without blanks and `#` comments.
fn listed(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Credentials in URLs (userinfo, SAS signatures, values expanded from the environment)
/// never reach any output of any command, in any format.
#[test]
fn secrets_never_leak() {
    let fixture = support::root().join("tests/fixtures/repos/secrets");
    let temp = tempfile::tempdir().unwrap();
    support::copy_tree(&fixture, temp.path());
    // A broken line holding a secret, so that a diagnostic shows its source line.
    std::fs::write(
        temp.path().join("more-requirements.txt"),
        "--extra-index-url https://user:LineSecret999@broken host.example.com/simple\n-i https://x:QuerySecret777@${UNSET_HOST}/simple\n",
    )
    .unwrap();
    // Credentials in the configuration files of other ecosystems (issue 3).
    for (path, text) in [
        (
            "berry/.yarnrc.yml",
            "npmRegistryServer: \"https://u:YarnUrlSecret1@npm.example.com\"\nnpmAuthToken: YarnAuthSecret2\n",
        ),
        (
            "classic/.yarnrc",
            "registry \"https://npm.example.com/\"\n\"//npm.example.com/:_authToken\" \"YarnrcSecret3\"\n",
        ),
        (
            "dotnet/NuGet.Config",
            "<configuration><packageSources><add key=\"f\" value=\"https://nuget.example.com/v3/index.json\"/></packageSources><packageSourceCredentials><f><add key=\"ClearTextPassword\" value=\"NugetSecret4\"/></f></packageSourceCredentials></configuration>\n",
        ),
        (
            "java/settings.xml",
            "<settings><servers><server><id>x</id><password>MavenSecret5</password></server></servers><mirrors><mirror><mirrorOf>*</mirrorOf><url>https://u:MavenUrlSecret6@maven.example.com/m2</url></mirror></mirrors></settings>\n",
        ),
        (
            "ruby/Gemfile",
            "source \"https://u:GemSecret7@gems.example.com\"\ngem \"rake\"\n",
        ),
    ] {
        let target = temp.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
    let secrets = [
        "YarnUrlSecret1",
        "YarnAuthSecret2",
        "YarnrcSecret3",
        "NugetSecret4",
        "MavenSecret5",
        "MavenUrlSecret6",
        "GemSecret7",
        "ghp_SuperSecretToken123",
        "SecretSignatureValue",
        "EnvSecret555",
        "LineSecret999",
        "QuerySecret777",
        "npm_RegistryPassword7",
        "npm_LiteralToken42",
    ];
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["scan"],
        vec!["scan", "--format", "json"],
        vec!["scan", "--format", "markdown"],
        vec!["scan", "--format", "html"],
    ];
    for emitter in pkgallow::emit::EMITTERS {
        commands.push(vec!["generate", emitter.target()]);
    }
    for mut args in commands {
        for env in [false, true] {
            if env {
                args.push("--env");
            }
            let output = Command::new(support::binary())
                .args(&args)
                .current_dir(temp.path())
                .env("PRIVATE_TOKEN", "EnvSecret555")
                .output()
                .unwrap();
            assert!(output.status.success(), "{args:?} failed");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(!text.is_empty());
            for secret in secrets {
                assert!(!text.contains(secret), "{args:?} leaked {secret}:\n{text}");
            }
        }
    }
}
