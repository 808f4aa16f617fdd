//! The values that flow through the pipeline. A format parser turns one file into a
//! [`Manifest`]: what that file declares about where packages come from (indexes it
//! replaces or adds, direct and VCS URLs, includes) plus whether it needs an index at
//! all. `resolve` combines manifests by scope and maps them to [`Endpoint`]s.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::remote::Remote;
use crate::source::Location;

/// The program that reads a manifest; scoping rules differ per installer (uv ignores
/// pip's configuration and pip ignores uv's).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Installer {
    Pip,
    Uv,
    Poetry,
    Pipenv,
    Pdm,
    /// npm and pnpm: both read `.npmrc`.
    Npm,
    Cargo,
    Go,
    Julia,
    /// pixi: conda channels (resolved like conda's, without `.condarc`) and Python packages.
    Pixi,
    /// apt source lists: archives as written, no default.
    Apt,
    /// yarn 1 (classic): reads `.npmrc` and `.yarnrc`.
    Yarn,
    /// yarn 2+ (berry): reads only `.yarnrc.yml`.
    YarnBerry,
    /// R's `install.packages`, remotes, pak and renv.
    R,
    Maven,
    Gradle,
    Nuget,
    Bundler,
}

impl Installer {
    /// The ecosystem whose default index this installer falls back to.
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Installer::Npm | Installer::Yarn | Installer::YarnBerry => Ecosystem::Npm,
            Installer::Cargo => Ecosystem::Rust,
            Installer::Go => Ecosystem::Go,
            Installer::Julia => Ecosystem::Julia,
            Installer::Apt => Ecosystem::Os,
            Installer::R => Ecosystem::R,
            Installer::Maven | Installer::Gradle => Ecosystem::Java,
            Installer::Nuget => Ecosystem::Dotnet,
            Installer::Bundler => Ecosystem::Ruby,
            Installer::Pip
            | Installer::Uv
            | Installer::Poetry
            | Installer::Pipenv
            | Installer::Pdm
            | Installer::Pixi => Ecosystem::Python,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Installer::Pip => "pip",
            Installer::Uv => "uv",
            Installer::Poetry => "poetry",
            Installer::Pipenv => "pipenv",
            Installer::Pdm => "pdm",
            Installer::Npm => "npm",
            Installer::Cargo => "cargo",
            Installer::Go => "go",
            Installer::Julia => "julia",
            Installer::Pixi => "pixi",
            Installer::Apt => "apt",
            Installer::Yarn => "yarn",
            Installer::YarnBerry => "yarn-berry",
            Installer::R => "r",
            Installer::Maven => "maven",
            Installer::Gradle => "gradle",
            Installer::Nuget => "nuget",
            Installer::Bundler => "bundler",
        }
    }
}

/// What a manifest is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Installs packages (a requirements file, a pyproject, a Pipfile).
    Install,
    /// Configures an installer for a directory tree (`pip.conf`, `uv.toml`).
    Config,
    /// Code that runs (Python source): installs nothing, may download at run time.
    Code,
}

/// Why a host is contacted. Serialised in kebab case in the JSON contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A package index (Simple API or equivalent).
    Index,
    /// A host that serves the files an index lists.
    Files,
    /// A find-links page or directory listing.
    FindLinks,
    /// A version-control repository cloned during install.
    Vcs,
    /// A direct download of a package archive.
    Archive,
    /// A host an HTTP redirect sends downloads to.
    Redirect,
    /// An API a client calls before downloading.
    Api,
    /// A remote requirements file named by `-r URL`.
    RemoteInclude,
    /// A `dependency_links` entry (setuptools only).
    DependencyLink,
    /// A conda channel (its repodata and package files).
    Channel,
    /// A container registry.
    Registry,
    /// An operating system's package archive (apt, apk).
    OsPackages,
    /// A host a library downloads from when the code runs (a model hub, a dataset host),
    /// not while installing.
    Runtime,
    /// A host a command contacted while `pkgallow record` watched it.
    Observed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Index => "index",
            Kind::Files => "files",
            Kind::FindLinks => "find-links",
            Kind::Archive => "direct-download",
            Kind::Vcs => "vcs",
            Kind::Redirect => "redirect",
            Kind::Api => "api",
            Kind::RemoteInclude => "remote-include",
            Kind::DependencyLink => "dependency-link",
            Kind::Channel => "channel",
            Kind::Registry => "container-registry",
            Kind::OsPackages => "os-packages",
            Kind::Runtime => "runtime",
            Kind::Observed => "observed",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        [
            Kind::Index,
            Kind::Files,
            Kind::FindLinks,
            Kind::Archive,
            Kind::Vcs,
            Kind::Redirect,
            Kind::Api,
            Kind::RemoteInclude,
            Kind::DependencyLink,
            Kind::Channel,
            Kind::Registry,
            Kind::OsPackages,
            Kind::Runtime,
            Kind::Observed,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// A remote address declared at a place. `remote` is `None` when the host is unknown
/// (an unexpanded variable, an invalid URL) or local: the declaration still counts, so an
/// index replaced by an unknown one is still replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    pub remote: Option<Remote>,
    pub at: Location,
}

/// Index options of one scope, as written. `index_url` replaces the default index;
/// `extra_index_urls` add to it; `no_index` removes every index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexOptions {
    pub index_url: Option<Declared>,
    pub extra_index_urls: Vec<Declared>,
    pub no_index: Option<Location>,
    pub find_links: Vec<Declared>,
    /// Indexes defined by name for packages that pin them (Cargo's `[registries.NAME]`);
    /// a name defined again in a higher layer wins.
    pub named: Vec<(String, Declared)>,
    /// A mirror every index request goes to (Maven's `<mirrorOf>*</mirrorOf>`): it
    /// replaces the default index and every added one.
    pub mirror: Option<Declared>,
    /// This scope drops every index the scopes below it declared, the default included,
    /// before its own (`NuGet`'s `<clear/>`): what a farther configuration file said no
    /// longer counts.
    pub clears_inherited: Option<Location>,
    /// The default index is off, while added indexes stay (`NuGet`'s `<clear/>` or
    /// `disabledPackageSources` for nuget.org). Unlike `index_url`, it does not replace
    /// an index a scope below added: after layering, the first added index takes the
    /// default's place, and with none added there is no index at all.
    pub default_off: Option<Location>,
    /// Sources defined by name that serve packages themselves (Cargo's `[source.NAME]`
    /// with a `registry`, `git` or local directory, in-file `replace-with` chains
    /// followed): a `replace-with` in another file may name them.
    pub sources: Vec<(String, Declared)>,
    /// The name of the source or registry the default registry is replaced with
    /// (Cargo's `[source.crates-io] replace-with`): resolution follows it over the
    /// `sources` and `named` of every merged file, since another file may define it.
    pub replaced_by_name: Option<(String, Location)>,
}

impl IndexOptions {
    /// Every place these options were written.
    fn places<'a>(&'a self, out: &mut Vec<&'a Location>) {
        let Self {
            index_url,
            extra_index_urls,
            no_index,
            find_links,
            named,
            mirror,
            clears_inherited,
            default_off,
            sources,
            replaced_by_name,
        } = self;
        out.extend(index_url.iter().map(|declared| &declared.at));
        out.extend(extra_index_urls.iter().map(|declared| &declared.at));
        out.extend(no_index);
        out.extend(find_links.iter().map(|declared| &declared.at));
        out.extend(named.iter().map(|(_, declared)| &declared.at));
        out.extend(mirror.iter().map(|declared| &declared.at));
        out.extend(clears_inherited);
        out.extend(default_off);
        out.extend(sources.iter().map(|(_, declared)| &declared.at));
        out.extend(replaced_by_name.iter().map(|(_, at)| at));
    }

    pub fn is_empty(&self) -> bool {
        self.index_url.is_none()
            && self.extra_index_urls.is_empty()
            && self.no_index.is_none()
            && self.find_links.is_empty()
            && self.named.is_empty()
            && self.mirror.is_none()
            && self.clears_inherited.is_none()
            && self.default_off.is_none()
            && self.sources.is_empty()
            && self.replaced_by_name.is_none()
    }
}

/// A source that is contacted whatever the index configuration: direct URLs, VCS
/// repositories, remote includes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Direct {
    pub ecosystem: Ecosystem,
    pub kind: Kind,
    pub remote: Remote,
    pub at: Location,
}

/// A `-r`/`-c` include to follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// The path as written (variables already expanded), relative to the including file.
    pub target: String,
    /// `-c`: a constraints file; its requirements install nothing by themselves.
    pub constraint: bool,
    pub at: Location,
}

/// A conda channel as written: resolved to URLs in `resolve`, where the governing
/// `.condarc` (channel alias, default channels, custom channels) is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CondaChannel {
    /// A name, a label path (`nvidia/label/cuda-11.8.0`), `defaults`, `nodefaults` or a URL.
    pub name: String,
    pub at: Location,
    /// No `channels:` was written: the configured channels (or `defaults`) apply.
    pub implicit: bool,
}

/// Channel settings of a `.condarc` in the repository.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CondaConfig {
    pub channels: Vec<(String, Location)>,
    pub channel_alias: Option<(String, Location)>,
    pub default_channels: Vec<(String, Location)>,
    /// Channel name → base URL (the channel is `URL/name`).
    pub custom_channels: Vec<(String, String, Location)>,
}

/// What one file declares.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// Display path of the file.
    pub path: String,
    /// The format module that parsed it (`python/requirements-txt`).
    pub format: &'static str,
    pub installer: Installer,
    pub role: Role,
    pub options: IndexOptions,
    /// The first requirement that is fetched from an index, if any.
    pub needs_index: Option<Location>,
    pub direct: Vec<Direct>,
    pub includes: Vec<Include>,
    /// Packages pinned to an index by a name that configuration defines (Cargo's
    /// `registry = "NAME"`), resolved against [`IndexOptions::named`] in `resolve`.
    pub index_pins: Vec<(String, Location)>,
    /// Conda channels this file installs from (only when it installs conda packages).
    pub conda_channels: Vec<CondaChannel>,
    /// For `.condarc` files: their channel settings.
    pub conda_config: Option<CondaConfig>,
    /// Packages this file installs (normalised names, first place each), which may
    /// download at run time.
    pub packages: BTreeMap<String, Location>,
    /// Calls and settings in code (and environment settings in images and jobs) that
    /// decide run-time downloads.
    pub runtime: Vec<RuntimeUse>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Manifest {
    pub fn new(path: &str, format: &'static str, installer: Installer, role: Role) -> Self {
        Self {
            path: path.to_string(),
            format,
            installer,
            role,
            options: IndexOptions::default(),
            needs_index: None,
            direct: Vec::new(),
            includes: Vec::new(),
            index_pins: Vec::new(),
            conda_channels: Vec::new(),
            conda_config: None,
            packages: BTreeMap::new(),
            runtime: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Records a package this file installs, keeping the first place it is named. Names
    /// are normalised as PEP 503 says (`Sentence_Transformers` is `sentence-transformers`).
    pub fn use_package(&mut self, name: &str, at: &Location) {
        let is_normal = name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if is_normal {
            if !self.packages.contains_key(name) {
                self.packages.insert(name.to_string(), at.clone());
            }
        } else {
            self.packages
                .entry(normalise_package(name))
                .or_insert_with(|| at.clone());
        }
    }

    /// Records that a requirement at `at` comes from an index (keeps the first).
    pub fn need_index(&mut self, at: Location) {
        if self.needs_index.is_none() {
            self.needs_index = Some(at);
        }
    }

    /// The line of every place this manifest points at, unordered and possibly repeated:
    /// the lines of its file that later stages may show (see [`crate::source::Excerpt`]).
    pub fn lines(&self) -> Vec<u32> {
        // Taken apart field by field, so that a field added with places in it does not
        // compile until it is counted here.
        let Self {
            path: _,
            format: _,
            installer: _,
            role: _,
            options,
            needs_index,
            direct,
            includes,
            index_pins,
            conda_channels,
            conda_config,
            packages,
            runtime,
            diagnostics,
        } = self;
        let mut places: Vec<&Location> = Vec::new();
        options.places(&mut places);
        places.extend(needs_index);
        places.extend(direct.iter().map(|direct| &direct.at));
        places.extend(includes.iter().map(|include| &include.at));
        places.extend(index_pins.iter().map(|(_, at)| at));
        places.extend(conda_channels.iter().map(|channel| &channel.at));
        if let Some(CondaConfig {
            channels,
            channel_alias,
            default_channels,
            custom_channels,
        }) = conda_config
        {
            places.extend(channels.iter().map(|(_, at)| at));
            places.extend(channel_alias.iter().map(|(_, at)| at));
            places.extend(default_channels.iter().map(|(_, at)| at));
            places.extend(custom_channels.iter().map(|(_, _, at)| at));
        }
        places.extend(packages.values());
        places.extend(runtime.iter().map(|used| match used {
            RuntimeUse::Library { at, .. }
            | RuntimeUse::Url { at, .. }
            | RuntimeUse::Setting { at, .. } => at,
        }));
        places.extend(diagnostics.iter().map(|diagnostic| &diagnostic.location));
        places.into_iter().map(|at| at.line).collect()
    }
}

/// A package name as PEP 503 compares them: lower case, runs of `-`, `_`, `.` as one `-`.
pub fn normalise_package(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Something in code or configuration that decides a run-time download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeUse {
    /// A call into a library that downloads (`from_pretrained("org/model")`): the
    /// library's knowledge id and what it fetches (`model org/model`).
    Library {
        library: &'static str,
        fetches: Option<String>,
        at: Location,
    },
    /// A literal URL the code fetches (`requests.get("https://…")`).
    Url {
        remote: Remote,
        fetches: String,
        at: Location,
    },
    /// An environment variable set to a literal value (`os.environ["HF_ENDPOINT"] = …`,
    /// a Dockerfile `ENV`, a job's `environment_variables`).
    Setting {
        name: String,
        value: String,
        at: Location,
    },
}

/// The ecosystem an endpoint serves; the table groups by it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Ecosystem {
    Python,
    Conda,
    Container,
    /// Operating-system packages installed while building an image.
    Os,
    Npm,
    Rust,
    Go,
    Julia,
    /// R packages (CRAN, Bioconductor, remotes).
    R,
    /// Maven repositories (Maven and Gradle builds).
    Java,
    /// `NuGet` feeds.
    Dotnet,
    /// `RubyGems` sources (Bundler).
    Ruby,
}

impl Ecosystem {
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Python => "python",
            Ecosystem::Conda => "conda",
            Ecosystem::Container => "container",
            Ecosystem::Os => "os",
            Ecosystem::Npm => "npm",
            Ecosystem::Rust => "rust",
            Ecosystem::Go => "go",
            Ecosystem::Julia => "julia",
            Ecosystem::R => "r",
            Ecosystem::Java => "java",
            Ecosystem::Dotnet => "dotnet",
            Ecosystem::Ruby => "ruby",
        }
    }
}

/// Where an endpoint's need was read: a file and line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Evidence {
    pub path: String,
    pub line: u32,
    /// What a run-time call there fetches (`model org/name`), already redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetches: Option<String>,
}

impl From<&Location> for Evidence {
    fn from(location: &Location) -> Self {
        Self {
            path: location.path.clone(),
            line: location.line,
            fetches: None,
        }
    }
}

/// The knowledge-base fact behind an endpoint.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Fact {
    pub id: String,
    pub source: String,
    /// The knowledge entry's `owned-by`: the resource is a third party's.
    #[serde(skip)]
    pub owned_by: Option<String>,
}

/// A host and port the scanned project needs to reach, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// A host name, or `*.suffix` where the knowledge base says subdomains rotate.
    pub host: String,
    pub port: u16,
    pub scheme: String,
    pub ecosystem: Ecosystem,
    pub kind: Kind,
    pub purpose: String,
    pub evidence: BTreeSet<Evidence>,
    /// The knowledge-base entry that explains this host, if one does.
    pub knowledge: Option<Fact>,
    /// `*.domain` when the knowledge base says every subdomain of `domain` is this same
    /// service (what `--wildcards collapse` may use).
    #[serde(skip)]
    pub service_domain: Option<String>,
}

impl Endpoint {
    pub fn is_wildcard(&self) -> bool {
        self.host.starts_with("*.")
    }
}
