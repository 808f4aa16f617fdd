//! What the walk skips: only the tree's own `.gitignore` files (and the policy's
//! `exclude`). The per-machine `.git/info/exclude`, the user's global excludes file and
//! ripgrep's `.ignore` files are not read, so that the same repository gives the same
//! answer on every machine and no dependency file is hidden from review unnoticed.

use std::path::Path;

use crate::support;

fn requirements(root: &Path, directory: &str, host: &str) {
    std::fs::create_dir_all(root.join(directory)).unwrap();
    std::fs::write(
        root.join(directory).join("requirements.txt"),
        format!("--extra-index-url https://{host}/simple\nnumpy\n"),
    )
    .unwrap();
}

#[test]
fn only_the_trees_gitignore_files_skip_files() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("repo");
    requirements(&root, "kept", "kept.example.com");
    requirements(&root, "gitignored", "gitignored.example.com");
    requirements(&root, "nested/gitignored-below", "below.example.com");
    requirements(&root, "in-dot-ignore", "dot-ignore.example.com");
    requirements(&root, "in-info-exclude", "info-exclude.example.com");
    requirements(&root, "in-global-excludes", "global.example.com");
    std::fs::write(root.join(".gitignore"), "gitignored/\n").unwrap();
    std::fs::write(root.join("nested/.gitignore"), "gitignored-below/\n").unwrap();
    std::fs::write(root.join(".ignore"), "in-dot-ignore/\n").unwrap();
    std::fs::create_dir_all(root.join(".git/info")).unwrap();
    std::fs::write(root.join(".git/info/exclude"), "in-info-exclude/\n").unwrap();
    // A requirements file inside `.git` is never read either.
    requirements(&root, ".git", "inside-git.example.com");
    let config = temp.path().join("config");
    std::fs::create_dir_all(config.join("git")).unwrap();
    std::fs::write(config.join("git/ignore"), "in-global-excludes/\n").unwrap();

    let json = support::scan_json(
        &root,
        &[("XDG_CONFIG_HOME", &config), ("HOME", temp.path())],
    );
    let hosts: Vec<&str> = support::endpoint_hosts(&json)
        .into_iter()
        .filter(|host| host.ends_with(".example.com"))
        .collect();
    assert_eq!(
        hosts,
        [
            "dot-ignore.example.com",
            "global.example.com",
            "info-exclude.example.com",
            "kept.example.com",
        ]
    );
}
