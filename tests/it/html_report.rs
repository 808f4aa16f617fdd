//! `scan --format html`: the page is escaped, redacted, deterministic and self-contained,
//! and it works in a real browser. Headless Chromium (Debian's `chromium`, installed by
//! `.ci/run`) renders it with networking off and dumps the DOM after the filter script
//! ran: the hosts and evidence are there, the script marked the page ready, and a filter
//! preselected in the URL hides what it should. It also takes a screenshot of the example
//! project's report, `target/html-report.png`, kept as a CI artifact. A missing Chromium
//! fails the test; nothing is skipped.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support;

const CHROMIUM: &str = "/usr/bin/chromium";

/// A project whose path, URL and credentials try to break out of the page.
fn hostile_project(root: &Path) {
    let directory = root.join("<script>alert(1)");
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(
        directory.join("requirements.txt"),
        "-i https://reviewer:HtmlSecret42@private.example.com/simple\n\
         --extra-index-url https://extra.example.com/<script>alert(2)</script>/simple?token=HtmlToken77\n\
         numpy\n",
    )
    .unwrap();
    std::fs::write(
        root.join("requirements.txt"),
        "git+https://github.com/example/tool@v1#egg=tool\n",
    )
    .unwrap();
}

fn scan_html(root: &Path, output: &Path) -> String {
    let result = Command::new(support::binary())
        .args(["scan", "--format", "html", "-o"])
        .arg(output)
        .arg(root)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read_to_string(output).unwrap()
}

#[test]
fn the_page_is_escaped_redacted_self_contained_and_deterministic() {
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("project");
    hostile_project(&project);
    let first = scan_html(&project, &temp.path().join("a.html"));
    let second = scan_html(&project, &temp.path().join("b.html"));
    assert_eq!(first, second, "the report is not deterministic");

    assert!(
        !first.contains("<script>alert"),
        "unescaped markup:\n{first}"
    );
    assert!(first.contains("&lt;script&gt;alert(1)/requirements.txt"));
    assert!(first.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
    for secret in ["HtmlSecret42", "HtmlToken77"] {
        assert!(!first.contains(secret), "{secret} leaked");
    }
    // Exactly one script, the page's own; nothing loaded from anywhere.
    assert_eq!(first.matches("<script").count(), 1);
    for external in ["src=\"http", "href=\"http", "@import", "url("] {
        let outside_links = first
            .lines()
            .filter(|line| line.contains(external))
            .all(|line| line.contains("class=\"fact\""));
        assert!(outside_links, "loads {external}");
    }
    assert!(first.contains("Content-Security-Policy"));
    assert!(first.contains("default-src &#39;none&#39;"));
    // --output refuses to overwrite without --force.
    let again = Command::new(support::binary())
        .args(["scan", "--format", "html", "-o"])
        .arg(temp.path().join("a.html"))
        .arg(&project)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn chromium_renders_the_report_and_runs_the_filters() {
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)"
    );
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("project");
    hostile_project(&project);
    let hostile = temp.path().join("hostile.html");
    scan_html(&project, &hostile);
    let dom = dump_dom(&file_url(&hostile, ""), temp.path());
    assert!(
        dom.contains("data-filters=\"ready\""),
        "the filter script did not run:\n{dom}"
    );
    assert!(dom.contains("Showing 5 of 5 hosts"), "{dom}");
    for host in ["private.example.com", "extra.example.com", "github.com"] {
        assert!(dom.contains(&format!("data-host=\"{host}\"")), "{host}");
    }
    assert!(dom.contains("&lt;script&gt;alert(1)/requirements.txt:1"));
    assert!(!dom.contains("HtmlSecret42"));

    // A filter preselected in the URL: only the VCS host stays visible.
    let filtered = dump_dom(&file_url(&hostile, "#kind=vcs"), temp.path());
    assert!(filtered.contains("Showing 1 of 5 hosts"), "{filtered}");
    let row = |host: &str| {
        let marker = format!("data-host=\"{host}\"");
        let start = filtered.find(&marker).unwrap();
        let open = filtered[..start].rfind("<tr").unwrap();
        let close = start + filtered[start..].find('>').unwrap();
        filtered[open..close].to_string()
    };
    assert!(
        !row("github.com").contains("hidden"),
        "{}",
        row("github.com")
    );
    assert!(row("private.example.com").contains("hidden"));

    // The example project, for the hosts and evidence a reviewer reads, and a screenshot.
    let example = support::root().join("examples/azureml-training");
    let report = temp.path().join("example.html");
    let page = scan_html(&example, &report);
    let dom = dump_dom(&file_url(&report, ""), temp.path());
    assert!(dom.contains("data-filters=\"ready\""));
    let hosts = Command::new(support::binary())
        .args(["generate", "hosts"])
        .arg(&example)
        .output()
        .unwrap();
    let hosts = String::from_utf8(hosts.stdout).unwrap();
    assert!(hosts.lines().count() >= 5, "{hosts}");
    for host in hosts.lines() {
        assert!(dom.contains(&format!("data-host=\"{host}\"")), "{host}");
    }
    for evidence in [
        "requirements/train.txt:9",
        "environment/conda.yaml:4",
        "notebooks/explore.ipynb:17",
    ] {
        assert!(
            page.contains(evidence) && dom.contains(evidence),
            "{evidence}"
        );
    }
    let screenshot = support::root().join("target/html-report.png");
    let _ = std::fs::remove_file(&screenshot);
    chromium(
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2000".to_string(),
            file_url(&report, ""),
        ],
        temp.path(),
    );
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
}

fn file_url(path: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", path.display())
}

fn dump_dom(url: &str, temp: &Path) -> String {
    chromium(&["--dump-dom".to_string(), url.to_string()], temp)
}

/// Runs headless Chromium with networking off and a fresh profile; gives up after two
/// minutes rather than hang the suite.
fn chromium(args: &[String], temp: &Path) -> String {
    let profile = tempfile::tempdir_in(temp).unwrap();
    // Beside the profile, not in it: Chromium owns that directory.
    let stdout = profile.path().with_extension("out");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {CHROMIUM}: {error}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in two minutes: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed ({status}): {args:?}");
    std::fs::read_to_string(stdout).unwrap()
}
