//! Bad input never stops a scan and never panics: symlink loops, binary files, files over
//! the size limit and invalid UTF-8 each give a warning and the rest of the tree is still
//! scanned; a missing path is a usage error (exit 2).

use std::process::Command;

use crate::support;

#[test]
fn hostile_trees_give_warnings_not_failures() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    std::fs::create_dir_all(root.join("nested")).unwrap();
    std::fs::write(
        root.join("requirements.txt"),
        "-i https://good.example.com/simple\nnumpy\n",
    )
    .unwrap();
    std::fs::write(root.join("nested/requirements-bin.txt"), b"numpy\0\x01\x02").unwrap();
    std::fs::write(
        root.join("nested/requirements-latin1.txt"),
        b"caf\xe9 == 1\n-i https://latin.example.com/simple\n",
    )
    .unwrap();
    let big = std::fs::File::create(root.join("nested/requirements-huge.txt")).unwrap();
    big.set_len(129 * 1024 * 1024).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", root.join("nested/loop")).unwrap();
    // Python that would exhaust a recursive walker: deep parentheses, a long attribute
    // chain, an unterminated docstring.
    std::fs::write(
        root.join("nested/deep.py"),
        format!(
            "m = A.from_pretrained({}\"org/deep\"{})\nx = a{}.from_pretrained(\"org/chain\")\n\"\"\"open",
            "(".repeat(100_000),
            ")".repeat(100_000),
            ".b".repeat(100_000)
        ),
    )
    .unwrap();

    let json = support::scan_json(root, &[]);
    let hosts = support::endpoint_hosts(&json);
    assert!(hosts.contains(&"good.example.com"), "{hosts:?}");
    assert!(hosts.contains(&"latin.example.com"), "{hosts:?}");
    assert!(hosts.contains(&"huggingface.co"), "{hosts:?}");
    let codes: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"P102"),
        "binary file not reported: {codes:?}"
    );
    assert!(codes.contains(&"P103"), "huge file not reported: {codes:?}");
    #[cfg(unix)]
    assert!(
        codes.contains(&"P104"),
        "symlink loop not reported: {codes:?}"
    );
}

#[test]
fn missing_paths_are_usage_errors() {
    let output = Command::new(support::binary())
        .args(["scan", "/no/such/path/at/all"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error: "));
}

/// The progress line appears on a terminal once the scan outlasts the delay, and is erased
/// before the results; without a terminal (pipes, CI logs) it never appears.
#[test]
fn progress_shows_on_a_terminal_only() {
    let tree = tempfile::tempdir().unwrap();
    for index in 0..2000 {
        let directory = tree.path().join(format!("service-{}", index / 100));
        std::fs::create_dir_all(&directory).unwrap();
        std::fs::write(
            directory.join(format!("requirements-{index}.txt")),
            "numpy==2.0\n--extra-index-url https://download.pytorch.org/whl/cpu\n",
        )
        .unwrap();
    }
    let command = format!(
        "{} scan {}",
        support::binary().display(),
        tree.path().display()
    );
    // `script` runs the command on a pseudo-terminal and copies what it writes.
    let on_terminal = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("PKGALLOW_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    assert!(on_terminal.status.success());
    let shown = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(
        shown.contains("scanning: "),
        "no progress line in {shown:.300}"
    );
    assert!(
        shown.contains("dependency files read\r\x1b[2K"),
        "progress line not erased"
    );
    assert!(shown.contains("download.pytorch.org"));

    let piped = std::process::Command::new(support::binary())
        .args(["scan"])
        .arg(tree.path())
        .env("PKGALLOW_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("scanning"));
    assert!(!String::from_utf8_lossy(&piped.stdout).contains("scanning"));
}
