//! `pkgallow record` around real installers: `pip download` from a PEP 503 index this
//! test serves on 127.0.0.1 (plain HTTP, a wheel it builds, the file on a second host
//! name as on the public index), `curl` through `CONNECT` to a TLS server, an exit code,
//! and Ctrl-C. pip cannot reach any other index: `--index-url` is the test's,
//! `--no-deps`, `PIP_CONFIG_FILE=/dev/null`, an empty environment; and the proxy maps
//! the `.test` names to 127.0.0.1 (pip, like most tools, sends `localhost` around a
//! proxy, so the names must be real-looking ones).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::servers::{Net, TestCa};
use crate::support;

/// The interpreter behind `python3` (a shim on PATH may need the user's environment).
fn python() -> PathBuf {
    let output = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 is needed for the record tests");
    PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
}

/// `pkgallow record ARGS` in `dir` with an empty environment but PATH and HOME.
fn record(dir: &Path, args: &[&str]) -> Output {
    Command::new(support::binary())
        .arg("record")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("NO_PROXY", "*")
        .output()
        .unwrap()
}

/// A PEP 503 index of one project whose wheel lives on `files.test`, as on the public
/// index; returns the index port.
fn index(net: &Net, root: &Path) -> u16 {
    let port = net.files(root.to_path_buf());
    std::fs::create_dir_all(root.join("simple/demo-pkg")).unwrap();
    std::fs::create_dir_all(root.join("packages")).unwrap();
    std::fs::write(
        root.join("simple/index.html"),
        "<!DOCTYPE html><html><body><a href=\"demo-pkg/\">demo-pkg</a></body></html>\n",
    )
    .unwrap();
    let wheel = root.join("packages/demo_pkg-1.0-py3-none-any.whl");
    let built = Command::new(python())
        .args([
            "-c",
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w') as wheel:\n\
             \x20   wheel.writestr('demo_pkg/__init__.py', '')\n\
             \x20   wheel.writestr('demo_pkg-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: demo-pkg\\nVersion: 1.0\\n')\n\
             \x20   wheel.writestr('demo_pkg-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')\n\
             \x20   wheel.writestr('demo_pkg-1.0.dist-info/RECORD', '')\n",
        ])
        .arg(&wheel)
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    std::fs::write(
        root.join("simple/demo-pkg/index.html"),
        format!(
            "<!DOCTYPE html><html><body><a href=\"http://files.test:{port}/packages/demo_pkg-1.0-py3-none-any.whl\">demo_pkg-1.0-py3-none-any.whl</a></body></html>\n"
        ),
    )
    .unwrap();
    port
}

fn pip_download(port: u16) -> Vec<String> {
    [
        "--",
        &python().display().to_string(),
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--no-input",
        "--index-url",
        &format!("http://pkgs.test:{port}/simple/"),
        "--trusted-host",
        "pkgs.test",
        "--trusted-host",
        "files.test",
        "-d",
        "downloads",
        "demo-pkg",
    ]
    .map(str::to_string)
    .to_vec()
}

fn endpoints(path: &Path) -> Vec<Value> {
    let document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(document["version"], 1);
    document["endpoints"].as_array().unwrap().clone()
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn pip_download_is_recorded_and_then_enforced() {
    let net = Net::new();
    let temp = tempfile::tempdir().unwrap();
    let port = index(&net, &temp.path().join("index"));
    let pip = pip_download(port);
    let mut args = vec!["--out", "recorded.json", "--resolve", "*.test:127.0.0.1"];
    args.extend(pip.iter().map(String::as_str));
    let output = record(temp.path(), &args);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        temp.path()
            .join("downloads/demo_pkg-1.0-py3-none-any.whl")
            .is_file()
    );
    let found = endpoints(&temp.path().join("recorded.json"));
    let hosts: Vec<(&str, u64, &str, &str)> = found
        .iter()
        .map(|e| {
            (
                e["host"].as_str().unwrap(),
                e["port"].as_u64().unwrap(),
                e["scheme"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
            )
        })
        .collect();
    let port = u64::from(port);
    assert_eq!(
        hosts,
        [
            ("files.test", port, "http", "observed"),
            ("pkgs.test", port, "http", "observed")
        ]
    );
    assert_eq!(found[0]["ecosystem"], "python");
    assert_eq!(
        found[0]["purpose"],
        "contacted by the recorded command (plain HTTP)"
    );
    let evidence = &found[1]["evidence"][0];
    assert_eq!(evidence["line"], 0);
    let path = evidence["path"].as_str().unwrap();
    assert!(
        path.starts_with("record: ") && path.contains("-m pip download"),
        "{path}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("2 hosts asked for: 2 connected, 0 denied, 0 failed"),
        "{stderr}"
    );

    // Enforced with only the index allowed: the wheel's host is denied, pip fails, and
    // its exit code is record's; the summary names the rule to add.
    std::fs::write(temp.path().join("allow.txt"), "pkgs.test\n").unwrap();
    std::fs::remove_dir_all(temp.path().join("downloads")).unwrap();
    let mut args = vec![
        "--out",
        "enforced.json",
        "--enforce",
        "allow.txt",
        "--resolve",
        "*.test:127.0.0.1",
    ];
    args.extend(pip.iter().map(String::as_str));
    let output = record(temp.path(), &args);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        !temp
            .path()
            .join("downloads/demo_pkg-1.0-py3-none-any.whl")
            .exists()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("1 connected, 1 denied")
            && stderr.contains(&format!(
                "files.test:{port}  rule `files-test` type fqdn destination `files.test`"
            )),
        "{stderr}"
    );
    let found = endpoints(&temp.path().join("enforced.json"));
    assert_eq!(found[0]["host"], "files.test");
    assert!(
        found[0]["purpose"]
            .as_str()
            .unwrap()
            .contains("denied: not allowed by allow.txt"),
        "{}",
        found[0]
    );
    assert_eq!(
        found[1]["purpose"],
        "contacted by the recorded command (plain HTTP)"
    );

    // The same rules as workspace YAML, with both hosts allowed by a wildcard and the
    // apex: pip succeeds.
    std::fs::write(
        temp.path().join("workspace.yml"),
        "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  - name: index\n    type: fqdn\n    destination: pkgs.test\n  - name: files\n    type: fqdn\n    destination: '*.test'\n",
    )
    .unwrap();
    let mut args = vec![
        "--enforce",
        "workspace.yml",
        "--resolve",
        "*.test:127.0.0.1",
    ];
    args.extend(pip.iter().map(String::as_str));
    let output = record(temp.path(), &args);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    // Without --out the JSON is standard output and pip's own output went to stderr.
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["endpoints"].as_array().unwrap().len(), 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("Saved"));
}

#[test]
fn curl_tunnels_through_connect_and_a_wildcard_never_allows_its_apex() {
    let net = Net::new();
    let ca = TestCa::new();
    let port = net.https(ca.server(&["ok.test", "api.ok.test"]));
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(temp.path().join("allow.txt"), "*.ok.test\n").unwrap();
    let curl = |host: &str| {
        let url = format!("https://{host}:{port}/");
        let output = record(
            temp.path(),
            &[
                "--out",
                "r.json",
                "--enforce",
                "allow.txt",
                "--resolve",
                "*.test:127.0.0.1",
                "--",
                "curl",
                "-sS",
                "--cacert",
                "ca.pem",
                &url,
            ],
        );
        (output, endpoints(&temp.path().join("r.json")))
    };
    let (output, found) = curl("api.ok.test");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(found[0]["scheme"], "https");
    assert_eq!(
        found[0]["purpose"],
        "contacted by the recorded command (CONNECT tunnel)"
    );
    // curl exits 56 when the proxy refuses CONNECT; record passes that on.
    let (output, found) = curl("ok.test");
    assert_eq!(output.status.code(), Some(56), "{}", describe(&output));
    assert_eq!(found[0]["host"], "ok.test");
    assert!(String::from_utf8_lossy(&output.stderr).contains("rule `ok-test`"));
}

#[test]
fn exit_codes_pass_through_and_ctrl_c_stops_both() {
    let temp = tempfile::tempdir().unwrap();
    let output = record(temp.path(), &["--", "sh", "-c", "exit 7"]);
    assert_eq!(output.status.code(), Some(7), "{}", describe(&output));
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["endpoints"], serde_json::json!([]));

    let missing = record(temp.path(), &["--", "no-such-command-pkgallow"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot run"));

    // SIGINT to pkgallow alone reaches the command; both end, the JSON is written.
    let mut child = Command::new(support::binary())
        .args(["record", "--out", "r.json", "--", "sleep", "30"])
        .current_dir(temp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "record did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    assert!(temp.path().join("r.json").is_file());
}
