//! What must hold for the ecosystems beyond Python, conda and npm (Cargo, `NuGet`, Go,
//! Julia, pixi, apt), asserted on small projects written here: the default registry comes with every
//! host it needs, configuration replaces it only in its own tree, pixi ignores
//! `.condarc`, plain-HTTP apt archives keep port 80, and no input makes a parser panic.

use std::collections::{BTreeMap, BTreeSet};

use pkgallow::discover::{ScanOptions, discover};
use pkgallow::knowledge::Knowledge;
use pkgallow::resolve::{Resolution, resolve};

use crate::support;

/// Writes `files` (placeholders expanded) into a temporary directory and scans it.
fn scan(files: &[(&str, &str)], env: Option<&[(&str, &str)]>) -> Resolution {
    let temp = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let target = temp.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, support::expand(text)).unwrap();
    }
    let options = ScanOptions {
        env: env.map(|pairs| {
            pairs
                .iter()
                .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
                .collect::<BTreeMap<_, _>>()
        }),
        ..ScanOptions::default()
    };
    let project = discover(&[temp.path().to_path_buf()], &options).unwrap();
    resolve(&project, &Knowledge::embedded().unwrap())
}

/// Host → the evidence paths that need it.
fn needs(resolution: &Resolution) -> BTreeMap<String, BTreeSet<String>> {
    let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for endpoint in &resolution.endpoints {
        needs
            .entry(format!("{}:{}", endpoint.host, endpoint.port))
            .or_default()
            .extend(endpoint.evidence.iter().map(|e| e.path.clone()));
    }
    needs
}

fn host(placeholder: &str) -> String {
    support::expand(placeholder)
}

#[test]
fn cargo_source_replacement_replaces_the_default_registry_in_its_tree_only() {
    let resolution = scan(
        &[
            ("public/Cargo.toml", "[dependencies]\nserde = \"1\"\n"),
            ("mirrored/Cargo.toml", "[dependencies]\nserde = \"1\"\n"),
            (
                "mirrored/.cargo/config.toml",
                "[source.crates-io]\nreplace-with = \"corp\"\n\n[source.corp]\nregistry = \"sparse+https://crates.corp.example.com/index/\"\n",
            ),
        ],
        None,
    );
    let needs = needs(&resolution);
    for placeholder in [
        "{{host:io.crates.index}}:443",
        "{{host:io.crates.static}}:443",
        "{{host:io.crates}}:443",
    ] {
        assert_eq!(
            needs.get(&host(placeholder)),
            Some(&BTreeSet::from(["public/Cargo.toml".to_string()])),
            "{placeholder}: {needs:?}"
        );
    }
    assert!(
        needs["crates.corp.example.com:443"].contains("mirrored/.cargo/config.toml"),
        "{needs:?}"
    );
}

/// Cargo merges every `.cargo/config.toml` from a project's directory up, the deeper
/// winning: a mirror at the root applies under a directory whose own configuration only
/// adds a registry, a deeper replacement wins over it, and a registry defined above is
/// known below.
#[test]
fn cargo_configuration_files_above_a_project_are_merged() {
    let project =
        "[dependencies]\nserde = \"1\"\nmetrics = { version = \"1\", registry = \"corp\" }\n";
    let resolution = scan(
        &[
            (
                ".cargo/config.toml",
                "[source.crates-io]\nreplace-with = \"mirror\"\n\n[source.mirror]\nregistry = \"sparse+https://mirror.example.com/index/\"\n",
            ),
            (
                "services/.cargo/config.toml",
                "[registries.corp]\nindex = \"sparse+https://corp.example.com/index/\"\n",
            ),
            (
                "services/own/.cargo/config.toml",
                "[source.crates-io]\nreplace-with = \"own\"\n\n[source.own]\nregistry = \"sparse+https://own.example.com/index/\"\n",
            ),
            ("services/api/Cargo.toml", project),
            ("services/own/Cargo.toml", project),
            ("tools/Cargo.toml", "[dependencies]\nanyhow = \"1\"\n"),
        ],
        None,
    );
    let needs = needs(&resolution);
    let hosts: BTreeSet<&str> = needs.keys().map(String::as_str).collect();
    assert_eq!(
        hosts,
        BTreeSet::from([
            "corp.example.com:443",
            "mirror.example.com:443",
            "own.example.com:443"
        ]),
        "{needs:?}"
    );
    assert!(
        needs["corp.example.com:443"].is_superset(&BTreeSet::from([
            "services/api/Cargo.toml".to_string(),
            "services/own/Cargo.toml".to_string()
        ])),
        "{needs:?}"
    );
    assert!(
        resolution.diagnostics.is_empty(),
        "{:?}",
        resolution.diagnostics
    );
}

/// A `replace-with` may name a source another `.cargo/config.toml` defines: above it, or
/// below it (a deeper file defining or redefining the name wins, as Cargo merges them);
/// a name no file defines is reported and the default registry stays.
#[test]
fn cargo_replace_with_follows_sources_of_other_files() {
    let project = "[dependencies]\nserde = \"1\"\n";
    let replace = "[source.crates-io]\nreplace-with = \"corp\"\n";
    let corp = |host: &str| format!("[source.corp]\nregistry = \"sparse+https://{host}/index/\"\n");
    let resolution = scan(
        &[
            (
                ".cargo/config.toml",
                &format!("{replace}\n{}", corp("root.example.com")),
            ),
            // Redefines `corp` for its tree, without a `replace-with` of its own.
            ("team/.cargo/config.toml", &corp("team.example.com")),
            ("team/app/Cargo.toml", project),
            ("tool/Cargo.toml", project),
            // Names `corp` but defines it nowhere in its own file.
            ("split/.cargo/config.toml", replace),
            ("split/inner/.cargo/config.toml", &corp("split.example.com")),
            ("split/inner/app/Cargo.toml", project),
        ],
        None,
    );
    let found = needs(&resolution);
    assert_eq!(
        found.get("team.example.com:443"),
        Some(&BTreeSet::from(["team/.cargo/config.toml".to_string()])),
        "{found:?}"
    );
    assert_eq!(
        found.get("root.example.com:443"),
        Some(&BTreeSet::from([".cargo/config.toml".to_string()])),
        "{found:?}"
    );
    assert_eq!(
        found.get("split.example.com:443"),
        Some(&BTreeSet::from([
            "split/inner/.cargo/config.toml".to_string()
        ])),
        "{found:?}"
    );
    assert!(
        !found.contains_key(&host("{{host:io.crates.index}}:443")),
        "{found:?}"
    );
    assert!(
        resolution.diagnostics.is_empty(),
        "{:?}",
        resolution.diagnostics
    );

    // Nothing defines the name: reported where it is written; the default registry stays.
    let resolution = scan(
        &[(".cargo/config.toml", replace), ("app/Cargo.toml", project)],
        None,
    );
    assert!(
        needs(&resolution).contains_key(&host("{{host:io.crates.index}}:443")),
        "{:?}",
        resolution.endpoints
    );
    let codes: Vec<(&str, u32)> = resolution
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code.as_str(), diagnostic.location.line))
        .collect();
    assert_eq!(codes, [("P307", 2)]);
}

/// `NuGet` merges every `NuGet.Config` from a project's directory up: feeds add up, a
/// `<clear/>` drops what the files above said, disabling nuget.org keeps the other
/// feeds, and a project's `<RestoreSources>` replaces them all unless it keeps them with
/// `$(RestoreSources)`.
#[test]
fn nuget_configuration_files_above_a_project_are_merged() {
    fn config(body: &str) -> String {
        format!("<?xml version=\"1.0\"?>\n<configuration>\n{body}\n</configuration>\n")
    }
    fn sources(body: &str) -> String {
        config(&format!("  <packageSources>\n{body}\n  </packageSources>"))
    }
    fn feed(name: &str) -> String {
        format!("    <add key=\"{name}\" value=\"https://{name}.example.com/v3/index.json\" />")
    }
    fn project(properties: &str) -> String {
        format!(
            "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>{properties}</PropertyGroup>\n  <ItemGroup>\n    <PackageReference Include=\"Newtonsoft.Json\" Version=\"13.0.3\" />\n  </ItemGroup>\n</Project>\n"
        )
    }
    let hosts = |files: &[(&str, String)]| -> BTreeSet<String> {
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(path, text)| (*path, text.as_str()))
            .collect();
        let resolution = scan(&files, None);
        assert!(
            resolution.diagnostics.is_empty(),
            "{:?}",
            resolution.diagnostics
        );
        needs(&resolution)
            .into_keys()
            .map(|host| host.trim_end_matches(":443").to_string())
            .collect()
    };
    let nuget_org = hosts(&[("App/App.csproj", project(""))]);
    assert!(nuget_org.contains("api.nuget.org"), "{nuget_org:?}");
    let with_nuget_org = |added: &[&str]| -> BTreeSet<String> {
        let mut all = nuget_org.clone();
        all.extend(added.iter().map(|name| format!("{name}.example.com")));
        all
    };
    let only = |added: &[&str]| -> BTreeSet<String> {
        added
            .iter()
            .map(|name| format!("{name}.example.com"))
            .collect()
    };
    let cleared_root = sources(&format!("    <clear />\n{}", feed("corp")));
    // A file below adds to the root's cleared list.
    assert_eq!(
        hosts(&[
            ("NuGet.Config", cleared_root.clone()),
            ("src/NuGet.Config", sources(&feed("team"))),
            ("src/App/App.csproj", project("")),
        ]),
        only(&["corp", "team"])
    );
    // A `<clear/>` below drops the root's feeds.
    assert_eq!(
        hosts(&[
            ("NuGet.Config", cleared_root),
            (
                "tools/NuGet.Config",
                sources(&format!("    <clear />\n{}", feed("tools")))
            ),
            ("tools/Tool/Tool.csproj", project("")),
        ]),
        only(&["tools"])
    );
    let shared_root = sources(&feed("shared"));
    assert_eq!(
        hosts(&[
            ("NuGet.Config", shared_root.clone()),
            ("App/App.csproj", project(""))
        ]),
        with_nuget_org(&["shared"])
    );
    // Disabling nuget.org below keeps the feeds added above.
    assert_eq!(
        hosts(&[
            ("NuGet.Config", shared_root.clone()),
            (
                "b/NuGet.Config",
                config(
                    "  <disabledPackageSources>\n    <add key=\"nuget.org\" value=\"true\" />\n  </disabledPackageSources>"
                ),
            ),
            ("b/B/B.csproj", project("")),
        ]),
        only(&["shared"])
    );
    // `<RestoreSources>` replaces every feed; with `$(RestoreSources)` it adds.
    assert_eq!(
        hosts(&[
            ("NuGet.Config", shared_root.clone()),
            (
                "C/C.csproj",
                project("<RestoreSources>https://own.example.com/v3/index.json</RestoreSources>"),
            ),
        ]),
        only(&["own"])
    );
    assert_eq!(
        hosts(&[
            ("NuGet.Config", shared_root),
            (
                "D/D.csproj",
                project(
                    "<RestoreSources>$(RestoreSources);https://more.example.com/v3/index.json</RestoreSources>"
                ),
            ),
        ]),
        with_nuget_org(&["shared", "more"])
    );
}

#[test]
fn go_private_modules_skip_the_mirror_only_with_env() {
    let files = [(
        "svc/go.mod",
        "module example.com/svc\n\nrequire github.com/contoso/private v1.0.0\n",
    )];
    let default = needs(&scan(&files, None));
    assert!(default.contains_key("proxy.golang.org:443"), "{default:?}");
    assert!(default.contains_key("sum.golang.org:443"), "{default:?}");
    assert!(!default.contains_key("github.com:443"), "{default:?}");
    let private = needs(&scan(&files, Some(&[("GOPRIVATE", "github.com/contoso")])));
    assert!(private.contains_key("github.com:443"), "{private:?}");
    assert!(!private.contains_key("proxy.golang.org:443"), "{private:?}");
    assert!(!private.contains_key("sum.golang.org:443"), "{private:?}");
}

#[test]
fn pixi_channels_ignore_condarc() {
    let resolution = scan(
        &[
            (
                ".condarc",
                "channel_alias: https://conda.corp.example.com\nchannels: [corp]\n",
            ),
            ("env/environment.yml", "dependencies:\n  - numpy\n"),
            (
                "pixi/pixi.toml",
                "[workspace]\nchannels = [\"conda-forge\"]\nplatforms = [\"linux-64\"]\n",
            ),
        ],
        None,
    );
    let needs = needs(&resolution);
    assert_eq!(
        needs.get("conda.anaconda.org:443"),
        Some(&BTreeSet::from(["pixi/pixi.toml".to_string()])),
        "{needs:?}"
    );
    assert!(needs["conda.corp.example.com:443"].contains(".condarc"));
}

#[test]
fn apt_sources_keep_the_port_of_their_scheme() {
    let resolution = scan(
        &[(
            "docker/sources.list",
            "deb http://{{host:org.debian.deb}}/debian bookworm main\ndeb https://apt.example.com/debian bookworm main\n",
        )],
        None,
    );
    let needs = needs(&resolution);
    assert!(
        needs.contains_key(&host("{{host:org.debian.deb}}:80")),
        "{needs:?}"
    );
    assert!(needs.contains_key("apt.example.com:443"), "{needs:?}");
    assert_eq!(needs.len(), 2, "{needs:?}");
}

#[test]
fn julia_packages_come_from_the_package_server_and_its_regional_servers() {
    let resolution = scan(
        &[(
            "Project.toml",
            "[deps]\nFlux = \"587475ba-b771-5e3f-ad9e-33799f191a9c\"\n",
        )],
        None,
    );
    let hosts: BTreeSet<&str> = resolution
        .endpoints
        .iter()
        .map(|endpoint| endpoint.host.as_str())
        .collect();
    assert_eq!(
        hosts,
        BTreeSet::from(["pkg.julialang.org", "*.pkg.julialang.org"])
    );
}

/// Every prefix of every fixture of these formats (a file cut off anywhere), and variants
/// with CRLF line ends and non-ASCII whitespace, parse without a panic.
#[test]
fn truncated_and_odd_inputs_never_panic() {
    use pkgallow::formats::{FORMATS, ParseContext};
    use pkgallow::source::SourceFile;

    let folders = [
        "apt_sources",
        "cargo_config",
        "cargo_lock",
        "cargo_toml",
        "go_mod",
        "pixi_lock",
        "pixi_toml",
        "project_toml",
    ];
    let context = ParseContext::default();
    let mut parsed = 0;
    for folder in folders {
        let name = folder.replace('_', "-");
        let format = FORMATS
            .iter()
            .find(|format| format.name().ends_with(&format!("/{name}")))
            .unwrap();
        let directory = support::root().join("tests/fixtures/formats").join(folder);
        for path in support::files(&directory) {
            let file_name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = support::expand(&std::fs::read_to_string(&path).unwrap());
            let variants = [
                text.clone(),
                text.replace('\n', "\r\n"),
                text.replace(' ', "\u{3000}").replace('\t', "\u{a0}"),
            ];
            for (index, variant) in variants.iter().enumerate() {
                // Every character of the file as written; the variants at line ends.
                let cuts = variant
                    .char_indices()
                    .filter(|(_, c)| index == 0 || *c == '\n')
                    .map(|(cut, _)| cut)
                    .chain([variant.len()]);
                for cut in cuts {
                    let file = SourceFile::new(file_name.clone(), &variant[..cut]);
                    let _ = format.parse(&file, &context);
                    parsed += 1;
                }
            }
        }
    }
    assert!(parsed > 1000, "only {parsed} inputs parsed");
}
