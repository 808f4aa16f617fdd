//! Go modules: `go.mod` (`require`, `replace`, `toolchain`) and `go.sum` (every module it
//! records). By default `go` downloads modules from the module mirror (the first entry
//! of `GOPROXY`, which redirects archive downloads to Google Cloud Storage) and checks
//! them against the checksum database (`GOSUMDB`). Only with `--env` do `GOPROXY`
//! (comma- or pipe-separated URLs, `direct`, `off`), `GOPRIVATE`/`GONOPROXY` (module
//! path patterns fetched directly from their repository), `GONOSUMDB` (patterns not
//! checked) and `GOSUMDB` (`off`, another database) change that. A module fetched
//! directly goes to its repository: GitHub, GitLab and Bitbucket paths name the host;
//! any other domain is asked `https://DOMAIN/PATH?go-get=1` first, and the repository
//! host it answers with is only known at run time (a warning says so).

use std::collections::BTreeSet;
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, declared, file_name, push_direct_in};
use crate::model::{Declared, Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct GoMod;

pub const NAME: &str = "go/go-mod";

/// Hosting services whose module paths are the repository: `go` clones them directly.
const FORGES: [&str; 3] = ["github.com", "gitlab.com", "bitbucket.org"];

impl super::Format for GoMod {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Go modules"
    }

    fn files(&self) -> &'static str {
        "`go.mod`, `go.sum`"
    }

    fn reads(&self) -> &'static str {
        "`require`, `replace` (local paths need no host; a replacement module is fetched instead), `toolchain` (downloaded through the module proxy), every module in `go.sum`: the module mirror and its storage redirect, and the checksum database; with `--env`, `GOPROXY` (URLs, `direct`, `off`), `GOPRIVATE`/`GONOPROXY` (fetched directly: GitHub/GitLab/Bitbucket repositories, other domains through `?go-get=1`), `GONOSUMDB`, `GOSUMDB`"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(candidate.lower_name(), "go.mod" | "go.sum")
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Go, Role::Install);
        let modules = if file_name(Path::new(&file.path)).ends_with("go.sum") {
            go_sum(file, &mut manifest)
        } else {
            go_mod(file, &mut manifest)
        };
        let settings = Settings::from_context(context);
        settings.apply(&modules, file, &mut manifest);
        manifest
    }
}

/// How `go` reaches modules, from the environment (defaults without `--env`).
#[derive(Default)]
struct Settings {
    /// `GOPROXY` entries; `None` is the default (the module mirror, then `direct` only
    /// for what the mirror does not have).
    proxy: Option<(Vec<Proxy>, Location)>,
    /// `GONOPROXY` (defaulting to `GOPRIVATE`) patterns.
    no_proxy: Vec<String>,
    /// `GONOSUMDB` (defaulting to `GOPRIVATE`) patterns.
    no_sumdb: Vec<String>,
    /// `GOSUMDB`: `None` off, else the URL to reach it and where it was set.
    sumdb: Option<(String, Option<Location>)>,
}

enum Proxy {
    Url(String),
    Direct,
    Off,
}

impl Settings {
    fn from_context(context: &ParseContext) -> Self {
        let default_sumdb = Some(("https://sum.golang.org".to_string(), None));
        let Some(env) = &context.env else {
            return Self {
                sumdb: default_sumdb,
                ..Self::default()
            };
        };
        let at = |name: &str| Location::new(format!("env:{name}"), 0, 0);
        let patterns = |name: &str| -> Option<Vec<String>> {
            env.get(name).map(|value| {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|pattern| !pattern.is_empty())
                    .map(str::to_string)
                    .collect()
            })
        };
        let private = patterns("GOPRIVATE").unwrap_or_default();
        let proxy = env.get("GOPROXY").map(|value| {
            let entries = value
                .split([',', '|'])
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(|entry| match entry {
                    "direct" => Proxy::Direct,
                    "off" => Proxy::Off,
                    url if url.contains("://") => Proxy::Url(url.to_string()),
                    // `go` accepts a proxy without a scheme and uses HTTPS.
                    host => Proxy::Url(format!("https://{host}")),
                })
                .collect();
            (entries, at("GOPROXY"))
        });
        let sumdb = match env.get("GOSUMDB").map(|value| value.trim()) {
            None | Some("") => default_sumdb,
            Some("off") => None,
            Some(value) => {
                // `NAME[+KEY] [URL]`: the URL when given, else the name is the host.
                let mut words = value.split_whitespace();
                let name = words.next().unwrap_or_default();
                let url = words.next().map_or_else(
                    || format!("https://{}", name.split('+').next().unwrap_or(name)),
                    str::to_string,
                );
                Some((url, Some(at("GOSUMDB"))))
            }
        };
        Self {
            proxy,
            no_proxy: patterns("GONOPROXY").unwrap_or_else(|| private.clone()),
            no_sumdb: patterns("GONOSUMDB").unwrap_or(private),
            sumdb,
        }
    }

    fn apply(&self, modules: &[(String, Location)], file: &SourceFile, manifest: &mut Manifest) {
        if let Some((entries, at)) = &self.proxy {
            let mut urls = entries
                .iter()
                .take_while(|entry| !matches!(entry, Proxy::Off))
                .filter_map(|entry| match entry {
                    Proxy::Url(url) => Some(url.as_str()),
                    _ => None,
                });
            // The configured list replaces the module mirror, even when it holds no URL.
            let mut ignored = Vec::new();
            manifest.options.index_url = Some(match urls.next() {
                Some(url) => declared(url, file, at, &mut ignored),
                None => Declared {
                    remote: None,
                    at: at.clone(),
                },
            });
            for url in urls {
                let extra = declared(url, file, at, &mut ignored);
                manifest.options.extra_index_urls.push(extra);
            }
            manifest.diagnostics.extend(ignored);
        }
        let direct_fallback = self.proxy.as_ref().is_some_and(|(entries, _)| {
            entries
                .iter()
                .take_while(|entry| !matches!(entry, Proxy::Off))
                .any(|entry| matches!(entry, Proxy::Direct))
        });
        // `GOPROXY=off` (or a list that starts with it) downloads nothing.
        let proxied = self.proxy.as_ref().is_none_or(|(entries, _)| {
            entries
                .first()
                .is_some_and(|entry| !matches!(entry, Proxy::Off))
        });
        let mut discovered: BTreeSet<String> = BTreeSet::new();
        let mut checked = false;
        for (module, at) in modules {
            let private = matches_any(&self.no_proxy, module);
            if private || direct_fallback {
                direct(module, at, file, manifest, &mut discovered);
            }
            if !private {
                manifest.need_index(at.clone());
            }
            if !checked
                && (private || proxied)
                && !matches_any(&self.no_sumdb, module)
                && let Some((url, set_at)) = &self.sumdb
            {
                checked = true;
                let at = set_at.clone().unwrap_or_else(|| at.clone());
                push_direct_in(manifest, Ecosystem::Go, Kind::Api, url, file, &at);
            }
        }
    }
}

/// A module fetched from its repository rather than a proxy.
fn direct(
    module: &str,
    at: &Location,
    file: &SourceFile,
    manifest: &mut Manifest,
    discovered: &mut BTreeSet<String>,
) {
    let host = module.split('/').next().unwrap_or(module);
    if FORGES.contains(&host) {
        let repository: Vec<&str> = module.split('/').take(3).collect();
        let url = format!("https://{}", repository.join("/"));
        push_direct_in(manifest, Ecosystem::Go, Kind::Vcs, &url, file, at);
        return;
    }
    let url = format!("https://{module}?go-get=1");
    push_direct_in(manifest, Ecosystem::Go, Kind::Api, &url, file, at);
    if discovered.insert(host.to_string()) {
        manifest.diagnostics.push(
            Diagnostic::at(
                Code::ModuleDiscovery,
                file,
                at.clone(),
                format!("`{module}` is fetched directly: `go` asks `{host}` (`?go-get=1`) for its repository, whose host is only known at run time"),
            )
            .with_help("look up the repository the page's `go-import` meta tag names and allow its host too, or fetch the module through a proxy"),
        );
    }
}

/// Whether a module path matches one of `GOPRIVATE`-style patterns: each pattern is a
/// glob matched against the path's leading elements (`*.corp.example.com`,
/// `github.com/acme`).
fn matches_any(patterns: &[String], module: &str) -> bool {
    patterns.iter().any(|pattern| {
        let wanted = pattern.trim_end_matches('/').split('/').count();
        let elements: Vec<&str> = module.split('/').collect();
        elements.len() >= wanted
            && pattern
                .trim_end_matches('/')
                .split('/')
                .zip(&elements)
                .all(|(glob, element)| glob_matches(glob, element))
    })
}

/// `*` (any run of characters) and `?` (one character) within one path element.
fn glob_matches(glob: &str, text: &str) -> bool {
    let glob: Vec<char> = glob.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut g, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if g < glob.len() && (glob[g] == '?' || glob[g] == text[t]) {
            g += 1;
            t += 1;
        } else if g < glob.len() && glob[g] == '*' {
            star = Some((g, t));
            g += 1;
        } else if let Some((star_g, star_t)) = star {
            g = star_g + 1;
            t = star_t + 1;
            star = Some((star_g, star_t + 1));
        } else {
            return false;
        }
    }
    glob[g..].iter().all(|&c| c == '*')
}

/// The modules `go.mod` makes `go` download, with where each is named.
fn go_mod(file: &SourceFile, manifest: &mut Manifest) -> Vec<(String, Location)> {
    let mut requires: Vec<(String, Location)> = Vec::new();
    let mut local: BTreeSet<String> = BTreeSet::new();
    let mut replacements: Vec<(String, Location)> = Vec::new();
    let mut block: Option<(String, usize)> = None;
    for (index, raw_line) in file.text.lines().enumerate() {
        let line = raw_line.split("//").next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let column = raw_line.len() - raw_line.trim_start().len() + 1;
        let at = file.line_location(index + 1, column);
        let (verb, rest) = match &block {
            Some(_) if line == ")" => {
                block = None;
                continue;
            }
            Some((verb, _)) => (verb.clone(), line),
            None => {
                let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                let rest = rest.trim();
                if rest == "(" {
                    block = Some((verb.to_string(), index + 1));
                    check_verb(verb, file, &at, manifest);
                    continue;
                }
                if !check_verb(verb, file, &at, manifest) {
                    continue;
                }
                (verb.to_string(), rest)
            }
        };
        let words: Vec<&str> = rest.split_whitespace().map(unquote).collect();
        match verb.as_str() {
            "require" => match words.as_slice() {
                [module, _version, ..] => requires.push(((*module).to_string(), at)),
                _ => syntax(
                    manifest,
                    file,
                    &at,
                    "a `require` needs a module path and a version",
                ),
            },
            "replace" => match words.iter().position(|word| *word == "=>") {
                Some(arrow) if arrow >= 1 && arrow + 1 < words.len() => {
                    let target = words[arrow + 1];
                    if is_local_path(target) {
                        local.insert(words[0].to_string());
                    } else if words.len() > arrow + 2 {
                        replacements.push((target.to_string(), at));
                    } else {
                        syntax(
                            manifest,
                            file,
                            &at,
                            "a `replace` by a module needs its version",
                        );
                    }
                }
                _ => syntax(
                    manifest,
                    file,
                    &at,
                    "a `replace` is written `old [version] => new [version]`",
                ),
            },
            // Newer than the local Go, the toolchain is downloaded as a module.
            "toolchain" if words.first().is_some_and(|name| *name != "default") => {
                requires.push(("golang.org/toolchain".to_string(), at));
            }
            _ => {}
        }
    }
    if let Some((verb, line)) = block {
        let at = file.line_location(line, 1);
        syntax(
            manifest,
            file,
            &at,
            &format!("the `{verb} (` block is never closed"),
        );
    }
    requires.retain(|(module, _)| !local.contains(module));
    requires.extend(replacements);
    requires
}

/// Whether a `go.mod` directive is known; reports it when it is not.
fn check_verb(verb: &str, file: &SourceFile, at: &Location, manifest: &mut Manifest) -> bool {
    const VERBS: [&str; 9] = [
        "module",
        "go",
        "toolchain",
        "require",
        "replace",
        "exclude",
        "retract",
        "godebug",
        "tool",
    ];
    if VERBS.contains(&verb) {
        return true;
    }
    syntax(
        manifest,
        file,
        at,
        &format!("unknown go.mod directive `{verb}`"),
    );
    false
}

/// The modules `go.sum` records, each once.
fn go_sum(file: &SourceFile, manifest: &mut Manifest) -> Vec<(String, Location)> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut modules = Vec::new();
    for (index, line) in file.text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = file.line_location(index + 1, 1);
        match words.as_slice() {
            [] => {}
            [module, _version, hash] if hash.contains(':') => {
                if seen.insert(module) {
                    modules.push(((*module).to_string(), at));
                }
            }
            _ => syntax(
                manifest,
                file,
                &at,
                "a go.sum line is `module version hash`",
            ),
        }
    }
    modules
}

fn syntax(manifest: &mut Manifest, file: &SourceFile, at: &Location, message: &str) {
    manifest.diagnostics.push(
        Diagnostic::at(Code::SyntaxError, file, at.clone(), message)
            .with_help("this line is skipped; the rest of the file is still read"),
    );
}

fn unquote(word: &str) -> &str {
    word.trim_matches(|c| c == '"' || c == '`')
}

fn is_local_path(target: &str) -> bool {
    target.starts_with("./")
        || target.starts_with("../")
        || target.starts_with('/')
        || target == "."
        || target == ".."
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::formats::Format;

    const GO_MOD: &str = "module example.com/app\n\nrequire (\n\tgithub.com/google/uuid v1.6.0\n\tgit.corp.example.com/team/lib v0.1.0\n\tgithub.com/contoso/private/v2 v2.0.0\n\tgolang.org/x/sync v0.7.0\n)\n";

    /// (kind, host) of every direct source, the replaced index's host, and the codes.
    fn scan(env: &[(&str, &str)]) -> (Vec<(String, String)>, Option<String>, Vec<&'static str>) {
        let context = ParseContext {
            env: Some(
                env.iter()
                    .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
                    .collect::<BTreeMap<_, _>>(),
            ),
        };
        let manifest = GoMod.parse(&SourceFile::new("go.mod", GO_MOD), &context);
        let mut direct: Vec<(String, String)> = manifest
            .direct
            .iter()
            .map(|d| (d.kind.as_str().to_string(), d.remote.host.clone()))
            .collect();
        direct.sort();
        direct.dedup();
        let index = manifest.options.index_url.map(|declared| {
            declared
                .remote
                .map_or_else(|| "<none>".to_string(), |r| r.host)
        });
        let codes = manifest
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        (direct, index, codes)
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect()
    }

    #[test]
    fn by_default_modules_come_from_the_mirror_and_are_checked() {
        let (direct, index, codes) = scan(&[]);
        assert_eq!(direct, pairs(&[("api", "sum.golang.org")]));
        assert_eq!(index, None);
        assert!(codes.is_empty());
    }

    #[test]
    fn private_modules_go_to_their_repository_and_skip_the_checksum_database() {
        let (direct, index, codes) = scan(&[
            ("GOPRIVATE", "*.corp.example.com,github.com/contoso"),
            ("GOSUMDB", "sum.golang.google.cn"),
        ]);
        assert_eq!(
            direct,
            pairs(&[
                ("api", "git.corp.example.com"),
                ("api", "sum.golang.google.cn"),
                ("vcs", "github.com"),
            ])
        );
        assert_eq!(index, None, "the module mirror stays the default");
        assert_eq!(codes, ["P320"]);
    }

    #[test]
    fn goproxy_replaces_the_mirror_and_direct_reaches_every_repository() {
        let (direct, index, codes) = scan(&[
            ("GOPROXY", "https://goproxy.corp.example.com|direct"),
            ("GOSUMDB", "off"),
        ]);
        assert_eq!(index.as_deref(), Some("goproxy.corp.example.com"));
        assert_eq!(
            direct,
            pairs(&[
                ("api", "git.corp.example.com"),
                ("api", "golang.org"),
                ("vcs", "github.com"),
            ])
        );
        assert_eq!(codes, ["P320", "P320"]);
    }

    #[test]
    fn goproxy_off_downloads_nothing() {
        let (direct, index, _) = scan(&[("GOPROXY", "off")]);
        assert!(direct.is_empty(), "{direct:?}");
        assert_eq!(index.as_deref(), Some("<none>"));
    }

    #[test]
    fn private_patterns_match_leading_elements() {
        let patterns = vec![
            "*.corp.example.com".to_string(),
            "github.com/acme".to_string(),
        ];
        assert!(matches_any(&patterns, "git.corp.example.com/team/lib"));
        assert!(matches_any(&patterns, "github.com/acme/tool/v2"));
        assert!(!matches_any(&patterns, "github.com/acmex/tool"));
        assert!(!matches_any(&patterns, "corp.example.com/lib"));
        assert!(glob_matches("a*c", "abbbc"));
        assert!(!glob_matches("a?c", "abbc"));
    }
}
