//! From what files declare to what the project needs. Pure: takes parsed manifests and
//! the knowledge base, returns endpoints and diagnostics.
//!
//! Scope decides correctness, so this module is about scopes:
//! - a pip *unit* is a requirements file that no other file includes, together with
//!   everything it includes through `-r`/`-c`; options anywhere in the unit apply to
//!   the whole unit (pip treats them as command-line options);
//! - `pip.conf` governs pip units in its directory tree (the nearest one wins); `uv.toml`
//!   governs uv projects the same way; uv never reads pip's configuration and pip never
//!   reads uv's; poetry, pipenv and pdm use only their own sources;
//! - a `.cargo/config.toml` governs the Cargo projects under the directory that holds its
//!   `.cargo/`, merged with every one above it as Cargo does (the deeper wins where both
//!   set something; a `replace-with` naming a source defined in another file is not
//!   followed); its source replacement replaces the default registry and
//!   its `[registries]` serve the dependencies that pin them by name; pixi, Go and Julia
//!   use only what their own files (and, with `--env`, the environment) say;
//! - layers, lowest first: the default index, the configuration file, the environment
//!   (only with `--env`), the unit's own options. `index-url` in a higher layer
//!   *replaces* the default, `extra-index-url` adds, `no-index` removes every index;
//! - the default index is needed only when some requirement is fetched from an index;
//!   an index the user declared is reported even when nothing uses it yet.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostic::{Code, Diagnostic};
use crate::formats;
use crate::knowledge::Knowledge;
use crate::model::{
    Declared, Direct, Ecosystem, Endpoint, Evidence, Fact, IndexOptions, Installer, Kind, Manifest,
    Role,
};
use crate::remote::Remote;
use crate::source::Location;

/// Includes deeper than this are reported and not followed, unless
/// `--max-include-depth` says otherwise.
pub const MAX_INCLUDE_DEPTH: usize = crate::limits::Limits::DEFAULT_MAX_INCLUDE_DEPTH;

/// A resolved include edge: the included file's display path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    pub target: String,
    pub constraint: bool,
    pub at: Location,
}

/// Everything discovery found, ready to resolve.
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// Parsed files by display path.
    pub manifests: BTreeMap<String, Box<Manifest>>,
    /// Include edges by the including file's display path.
    pub edges: BTreeMap<String, Vec<Edge>>,
    /// Index options from the environment, per installer (empty without `--env`).
    pub environment: BTreeMap<Installer, IndexOptions>,
    /// Conda settings from the environment (`CONDA_*`, only with `--env`).
    pub conda_environment: Option<crate::model::CondaConfig>,
    /// Problems found while walking and reading.
    pub diagnostics: Vec<Diagnostic>,
    /// The lines every parsed file's findings point at, by display path, so that
    /// diagnostics found after parsing (an include cycle, a missing include) and the
    /// evidence of reports can still show their source line.
    pub excerpts: BTreeMap<String, crate::source::Excerpt>,
    /// The scan's limits (resolution enforces the include depth).
    pub limits: crate::limits::Limits,
    /// `--no-runtime`: leave run-time downloads out.
    pub no_runtime: bool,
    /// The environment (only with `--env`), for run-time settings such as `HF_ENDPOINT`.
    pub runtime_environment: Option<BTreeMap<String, String>>,
}

/// The outcome of a scan.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    /// Sorted by ecosystem, host and port.
    pub endpoints: Vec<Endpoint>,
    /// Sorted by location and code, without duplicates.
    pub diagnostics: Vec<Diagnostic>,
}

/// A host needed because of something written at a place.
#[derive(Clone, Debug)]
struct Need {
    remote: Remote,
    kind: Kind,
    at: Location,
    /// For indexes: whether it replaces the default (`index-url`) or adds to it.
    replaces_default: bool,
}

/// The index configuration of a unit after layering.
#[derive(Default)]
struct Effective<'a> {
    index_url: Option<&'a Declared>,
    extra: Vec<&'a Declared>,
    no_index: Option<&'a Location>,
    find_links: Vec<&'a Declared>,
    named: Vec<&'a (String, Declared)>,
    /// Named indexes as needed by the packages that pin them (evidence: the pin).
    pinned: Vec<Declared>,
    mirror: Option<&'a Declared>,
    default_off: Option<&'a Location>,
    /// Sources defined by name in any layer, the deepest last.
    sources: Vec<&'a (String, Declared)>,
    /// The name the default registry is replaced with, followed once all are applied.
    replaced_by_name: Option<&'a (String, Location)>,
}

impl<'a> Effective<'a> {
    fn apply(&mut self, layer: &'a IndexOptions) {
        if layer.clears_inherited.is_some() {
            self.index_url = None;
            self.extra.clear();
            self.no_index = None;
            self.default_off = None;
        }
        if let Some(at) = &layer.default_off {
            self.default_off = Some(at);
        }
        if let Some(index_url) = &layer.index_url {
            self.index_url = Some(index_url);
            self.replaced_by_name = None;
        }
        if let Some(replaced) = &layer.replaced_by_name {
            self.index_url = None;
            self.replaced_by_name = Some(replaced);
        }
        self.sources.extend(&layer.sources);
        self.extra.extend(&layer.extra_index_urls);
        if let Some(no_index) = &layer.no_index {
            self.no_index = Some(no_index);
        }
        self.find_links.extend(&layer.find_links);
        self.named.extend(&layer.named);
        if let Some(mirror) = &layer.mirror {
            self.mirror = Some(mirror);
        }
    }

    /// The layers' outcome once all are applied: with the default index off and nothing
    /// replacing it, the first added index takes its place, or there is no index.
    fn settled(mut self) -> Self {
        if let Some(at) = self.default_off
            && self.index_url.is_none()
            && self.no_index.is_none()
        {
            if self.extra.is_empty() {
                self.no_index = Some(at);
            } else {
                self.index_url = Some(self.extra.remove(0));
            }
        }
        self
    }

    /// Follows the name the default registry is replaced with (Cargo's `replace-with`)
    /// to the source or registry the layers define by it, the deepest definition
    /// winning; a name no layer defines is reported, and the default registry stays.
    fn replace_by_name(&mut self, diagnostics: &mut Vec<Diagnostic>) {
        let Some((name, at)) = self.replaced_by_name.take() else {
            return;
        };
        let defined = self
            .sources
            .iter()
            .rev()
            .chain(self.named.iter().rev())
            .find(|(defined, _)| defined == name);
        match defined {
            Some((_, declared)) => self.index_url = Some(declared),
            None => diagnostics.push(
                Diagnostic::new(
                    Code::UnknownIndexName,
                    at.clone(),
                    format!(
                        "no source or registry named `{name}` is defined in this file or a `.cargo/config.toml` above it"
                    ),
                )
                .with_help("define it under `[source.NAME]` or `[registries.NAME]`; until then the default registry's hosts are reported"),
            ),
        }
    }

    /// Adds the index each pin names (the highest layer's definition wins); a name no
    /// layer defines is reported.
    fn pin(
        &mut self,
        pins: &[(String, Location)],
        defined_in: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        for (name, at) in pins {
            match self.named.iter().rev().find(|(defined, _)| defined == name) {
                Some((_, declared)) => {
                    self.extra.push(declared);
                    self.pinned.push(Declared {
                        remote: declared.remote.clone(),
                        at: at.clone(),
                    });
                }
                None => diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownIndexName,
                        at.clone(),
                        format!("no registry named `{name}` is defined"),
                    )
                    .with_help(format!(
                        "define it in {defined_in}; its host cannot be reported until then"
                    )),
                ),
            }
        }
    }
}

pub fn resolve(project: &Project, knowledge: &Knowledge) -> Resolution {
    // Run-time endpoints need nothing of the install-time ones: they are found on a
    // second thread meanwhile (a third of this step on the azureml-examples corpus, all
    // of it time only one core was working), and come after them, as they always have.
    let (mut endpoints, mut diagnostics, runtime) = std::thread::scope(|scope| {
        let runtime = (!project.no_runtime).then(|| {
            scope.spawn(|| {
                let mut notes = Vec::new();
                let found = crate::runtime::endpoints(project, knowledge, &mut notes);
                (found, notes)
            })
        });
        let (endpoints, diagnostics) = install_time(project, knowledge);
        let runtime = runtime.map(|handle| {
            handle
                .join()
                .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
        });
        (endpoints, diagnostics, runtime)
    });
    if let Some((found, notes)) = runtime {
        endpoints.extend(found);
        diagnostics.extend(notes);
    }
    for diagnostic in &mut diagnostics {
        if diagnostic.source_line.is_none()
            && let Some(file) = project.excerpts.get(&diagnostic.location.path)
        {
            diagnostic.source_line = file
                .line_text(diagnostic.location.line)
                .map(crate::redact::text);
        }
    }
    diagnostics.sort();
    diagnostics.dedup();
    Resolution {
        endpoints,
        diagnostics,
    }
}

/// The install-time endpoints of a project, with every diagnostic found so far (the
/// parsers', then the resolution's).
fn install_time(project: &Project, knowledge: &Knowledge) -> (Vec<Endpoint>, Vec<Diagnostic>) {
    let mut diagnostics: Vec<Diagnostic> = project.diagnostics.clone();
    for manifest in project.manifests.values() {
        diagnostics.extend(manifest.diagnostics.iter().cloned());
    }
    let mut needs: Vec<(Ecosystem, Need)> = Vec::new();
    let mut governed: BTreeSet<&str> = BTreeSet::new();
    let configs = Configs::new(project);
    let yarn = YarnFiles::new(project);

    // pip units rooted at requirements files.
    for root in unit_roots(project) {
        let mut files = Vec::new();
        collect_unit(project, root, &mut files, &mut diagnostics);
        let mut effective = Effective::default();
        if let Some(config) = configs.governing(root, formats::pip_conf::NAME) {
            governed.insert(&config.path);
            effective.apply(&config.options);
        }
        if let Some(environment) = project.environment.get(&Installer::Pip) {
            effective.apply(environment);
        }
        let mut needs_index = None;
        let mut direct: Vec<&Direct> = Vec::new();
        for (manifest, constraint) in &files {
            effective.apply(&manifest.options);
            if !constraint && needs_index.is_none() {
                needs_index.clone_from(&manifest.needs_index);
            }
            direct.extend(&manifest.direct);
        }
        unit_needs(
            Installer::Pip,
            &effective.settled(),
            needs_index.as_ref(),
            &direct,
            knowledge,
            &mut needs,
        );
    }

    // Projects: pyproject.toml, Pipfile, setup.cfg.
    for manifest in project.manifests.values() {
        if manifest.role != Role::Install || is_pip_unit(manifest) {
            continue;
        }
        let mut effective = Effective::default();
        let installer = installer_of(&yarn, manifest);
        match installer {
            Installer::Pip => {
                if let Some(config) = configs.governing(&manifest.path, formats::pip_conf::NAME) {
                    governed.insert(&config.path);
                    effective.apply(&config.options);
                }
                if let Some(environment) = project.environment.get(&Installer::Pip) {
                    effective.apply(environment);
                }
                effective.apply(&manifest.options);
            }
            Installer::Uv => {
                let config = configs.governing(&manifest.path, formats::uv_toml::NAME);
                let same_directory =
                    config.is_some_and(|config| parent(&config.path) == parent(&manifest.path));
                if let Some(config) = config {
                    governed.insert(&config.path);
                    if !same_directory {
                        effective.apply(&config.options);
                    }
                }
                effective.apply(&manifest.options);
                // uv.toml takes precedence over [tool.uv] in the same directory.
                if let Some(config) = config.filter(|_| same_directory) {
                    effective.apply(&config.options);
                }
                if let Some(environment) = project.environment.get(&Installer::Uv) {
                    effective.apply(environment);
                }
            }
            Installer::Poetry
            | Installer::Pipenv
            | Installer::Pdm
            | Installer::Go
            | Installer::Julia
            | Installer::Pixi
            | Installer::Apt => {
                effective.apply(&manifest.options);
            }
            Installer::Cargo | Installer::Nuget => {
                // Cargo merges every `.cargo/config.toml` from the project's directory up,
                // a deeper file winning where both set something; NuGet every
                // `NuGet.Config`, sources adding up and a `<clear/>` dropping those of the
                // files above it. Both are applied farthest first. (Cargo: a
                // `replace-with` naming a source another file defines is not followed.)
                let format = if installer == Installer::Cargo {
                    formats::cargo_config::NAME
                } else {
                    formats::nuget_config::NAME
                };
                let layers: Vec<&Manifest> =
                    configs.governing_all(&manifest.path, format).collect();
                for config in layers.into_iter().rev() {
                    governed.insert(&config.path);
                    effective.apply(&config.options);
                }
                effective.apply(&manifest.options);
                effective.replace_by_name(&mut diagnostics);
                effective.pin(
                    &manifest.index_pins,
                    "`[registries]` of a `.cargo/config.toml`",
                    &mut diagnostics,
                );
            }
            Installer::Npm
            | Installer::Yarn
            | Installer::YarnBerry
            | Installer::R
            | Installer::Maven
            | Installer::Gradle
            | Installer::Bundler => {
                // The configuration files this package manager reads, lowest first.
                for format in config_formats(installer) {
                    if let Some(config) = configs.governing(&manifest.path, format) {
                        governed.insert(&config.path);
                        effective.apply(&config.options);
                    }
                }
                effective.apply(&manifest.options);
            }
        }
        let direct: Vec<&Direct> = manifest.direct.iter().collect();
        unit_needs(
            installer,
            &effective.settled(),
            manifest.needs_index.as_ref(),
            &direct,
            knowledge,
            &mut needs,
        );
    }

    // Conda channels, resolved under the governing `.condarc` and `CONDA_*` settings.
    for manifest in project.manifests.values() {
        if !manifest.conda_channels.is_empty() {
            conda_needs(project, &configs, manifest, &mut needs);
        }
    }

    // Configuration that governs nothing still declares hosts.
    for manifest in project.manifests.values() {
        // A configuration that installs something itself (a Gradle settings script's
        // plugins) is read here too.
        if manifest.role == Role::Config
            && (!governed.contains(manifest.path.as_str()) || manifest.needs_index.is_some())
        {
            let mut effective = Effective::default();
            effective.apply(&manifest.options);
            effective.replace_by_name(&mut diagnostics);
            unit_needs(
                manifest.installer,
                &effective.settled(),
                manifest.needs_index.as_ref(),
                &[],
                knowledge,
                &mut needs,
            );
        }
    }

    (to_endpoints(&needs, knowledge), diagnostics)
}

/// The channels of one conda environment as URLs, with where each was decided.
fn conda_needs(
    project: &Project,
    configs: &Configs<'_>,
    manifest: &Manifest,
    needs: &mut Vec<(Ecosystem, Need)>,
) {
    // pixi resolves channel names itself and reads neither `.condarc` nor `CONDA_*`.
    let reads_condarc = manifest.installer != Installer::Pixi;
    let file_config = configs
        .governing(&manifest.path, formats::condarc::NAME)
        .filter(|_| reads_condarc)
        .and_then(|config| config.conda_config.clone());
    let environment = project.conda_environment.clone().filter(|_| reads_condarc);
    // `CONDA_*` variables override the file, setting by setting.
    let config = match (file_config, environment) {
        (Some(mut file), Some(environment)) => {
            if !environment.channels.is_empty() {
                file.channels = environment.channels;
            }
            if environment.channel_alias.is_some() {
                file.channel_alias = environment.channel_alias;
            }
            if !environment.default_channels.is_empty() {
                file.default_channels = environment.default_channels;
            }
            Some(file)
        }
        (file, environment) => file.or(environment),
    };
    let mut channels: Vec<(String, Location)> = Vec::new();
    for channel in &manifest.conda_channels {
        match (&config, channel.implicit) {
            (Some(config), true) if !config.channels.is_empty() => {
                channels.extend(config.channels.iter().cloned());
            }
            _ => channels.push((channel.name.clone(), channel.at.clone())),
        }
    }
    let no_defaults = channels.iter().any(|(name, _)| name == "nodefaults");
    for (name, at) in channels {
        for url in
            formats::conda_environment::channel_urls_with(&name, no_defaults, config.as_ref())
        {
            if let Ok(remote) = crate::remote::parse(&url) {
                needs.push((
                    Ecosystem::Conda,
                    Need {
                        remote,
                        kind: Kind::Channel,
                        at: at.clone(),
                        replaces_default: false,
                    },
                ));
            }
        }
    }
}

/// Conda settings from `CONDA_CHANNELS`, `CONDA_CHANNEL_ALIAS` and
/// `CONDA_DEFAULT_CHANNELS` (comma-separated lists), only with `--env`.
pub fn conda_environment_config(
    environment: &BTreeMap<String, String>,
) -> Option<crate::model::CondaConfig> {
    let location = |name: &str| Location::new(format!("env:{name}"), 0, 0);
    let list = |name: &str| -> Vec<(String, Location)> {
        environment
            .get(name)
            .map(|value| {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| (item.to_string(), location(name)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let config = crate::model::CondaConfig {
        channels: list("CONDA_CHANNELS"),
        channel_alias: environment
            .get("CONDA_CHANNEL_ALIAS")
            .map(|alias| (alias.clone(), location("CONDA_CHANNEL_ALIAS"))),
        default_channels: list("CONDA_DEFAULT_CHANNELS"),
        custom_channels: Vec::new(),
    };
    (config != crate::model::CondaConfig::default()).then_some(config)
}

/// Requirements files that start a unit: those no other file includes, then, for
/// files only reachable through a cycle, the first of each cycle by path.
fn unit_roots(project: &Project) -> Vec<&str> {
    let requirements: Vec<&str> = project
        .manifests
        .values()
        .filter(|manifest| is_pip_unit(manifest))
        .map(|manifest| manifest.path.as_str())
        .collect();
    let mut included: BTreeSet<&str> = BTreeSet::new();
    for (from, edges) in &project.edges {
        for edge in edges {
            if edge.target != *from {
                included.insert(&edge.target);
            }
        }
    }
    let mut roots: Vec<&str> = requirements
        .iter()
        .copied()
        .filter(|path| !included.contains(path))
        .collect();
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    for root in &roots {
        reach(project, root, &mut reached);
    }
    for path in requirements {
        if !reached.contains(path) {
            roots.push(path);
            reach(project, path, &mut reached);
        }
    }
    roots
}

/// Files read like a pip command line (requirements files, notebooks, the `pip:` list of
/// conda environments): they start units and follow `-r`/`-c`.
fn is_pip_unit(manifest: &Manifest) -> bool {
    [
        formats::requirements_txt::NAME,
        formats::jupyter_notebook::NAME,
        formats::conda_environment::NAME,
        formats::azureml_asset::NAME,
        formats::dockerfile::NAME,
    ]
    .contains(&manifest.format)
}

fn reach<'a>(project: &'a Project, path: &'a str, reached: &mut BTreeSet<&'a str>) {
    let mut stack = vec![path];
    while let Some(path) = stack.pop() {
        if !reached.insert(path) {
            continue;
        }
        for edge in project.edges.get(path).into_iter().flatten() {
            stack.push(&edge.target);
        }
    }
}

/// Depth-first, pre-order: the files of a unit with whether each came in as constraints.
/// Iterative, with an explicit stack, so that `--max-include-depth` can be raised as far
/// as a user likes without overflowing the thread's stack.
fn collect_unit<'a>(
    project: &'a Project,
    root: &'a str,
    files: &mut Vec<(&'a Manifest, bool)>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    /// A file being followed: its includes from `next` on are still to visit.
    struct Frame<'a> {
        path: &'a str,
        constraint: bool,
        next: usize,
    }
    let mut visited: BTreeSet<&str> = BTreeSet::new();
    let Some(manifest) = project.manifests.get(root) else {
        return;
    };
    visited.insert(root);
    files.push((manifest, false));
    let mut stack = vec![Frame {
        path: root,
        constraint: false,
        next: 0,
    }];
    let max_depth = project.limits.max_include_depth;
    while let Some(frame) = stack.last_mut() {
        let edges = project.edges.get(frame.path).map_or(&[][..], Vec::as_slice);
        let Some(edge) = edges.get(frame.next) else {
            stack.pop();
            continue;
        };
        frame.next += 1;
        let constraint = frame.constraint || edge.constraint;
        let target = edge.target.as_str();
        // Every file on the stack is visited, so only a visited target needs the linear
        // look at the stack (a deep chain would otherwise be quadratic).
        if visited.contains(target) && stack.iter().any(|frame| frame.path == target) {
            let mut cycle: Vec<&str> = stack
                .iter()
                .map(|frame| frame.path)
                .skip_while(|step| *step != target)
                .collect();
            cycle.push(target);
            diagnostics.push(
                Diagnostic::new(
                    Code::IncludeCycle,
                    edge.at.clone(),
                    format!("include cycle: {}", cycle.join(" -> ")),
                )
                .with_help("remove one of the includes; pip follows each file once"),
            );
            continue;
        }
        if stack.len() >= max_depth {
            diagnostics.push(
                Diagnostic::new(
                    Code::IncludeTooDeep,
                    edge.at.clone(),
                    format!(
                        "includes nest deeper than {max_depth} files (--max-include-depth); `{}` is not followed",
                        edge.target
                    ),
                )
                .with_help("raise --max-include-depth to follow it"),
            );
            continue;
        }
        let Some(manifest) = project.manifests.get(target) else {
            continue;
        };
        if !visited.insert(target) {
            continue;
        }
        files.push((manifest, constraint));
        stack.push(Frame {
            path: target,
            constraint,
            next: 0,
        });
    }
}

fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |index| &path[..index])
}

/// Manifests by format, for finding configuration files (`pip.conf`, `uv.toml`,
/// `.npmrc`, `.condarc`, `.cargo/config.toml`, …); built once per resolution: every
/// manifest asks for its governing configuration, and scanning all manifests for each
/// would be quadratic in a monorepo.
struct Configs<'a> {
    /// Format → governed directory → the configuration file governing it (the last in
    /// path order when a directory has several).
    by_format: BTreeMap<&'static str, HashMap<&'a str, &'a Manifest>>,
}

impl<'a> Configs<'a> {
    fn new(project: &'a Project) -> Self {
        let mut by_format: BTreeMap<&'static str, HashMap<&'a str, &'a Manifest>> = BTreeMap::new();
        // Only configuration files govern others (a Gradle build script shares its
        // format with the settings script that governs it).
        for manifest in project.manifests.values() {
            if manifest.role == Role::Config {
                by_format
                    .entry(manifest.format)
                    .or_default()
                    .insert(governed_directory(manifest), manifest);
            }
        }
        Self { by_format }
    }

    /// The nearest configuration file of a format in the directory of `path` or above:
    /// looked up directory by directory, from the nearest, so the cost does not grow
    /// with the number of configuration files in a monorepo.
    fn governing(&self, path: &str, format: &str) -> Option<&'a Manifest> {
        self.governing_all(path, format).next()
    }

    /// Every configuration file of a format in the directory of `path` or above, the
    /// nearest first: for package managers that merge them all (Cargo, `NuGet`).
    fn governing_all<'s, 'p>(
        &'s self,
        path: &'p str,
        format: &str,
    ) -> impl Iterator<Item = &'a Manifest> + use<'s, 'a, 'p> {
        let by_directory = self.by_format.get(format);
        path.rmatch_indices('/')
            .map(|(index, _)| &path[..index])
            .chain(std::iter::once(""))
            .filter_map(move |directory| by_directory?.get(directory).copied())
    }
}

/// The directory tree a configuration file governs: its own directory, or for files kept
/// in a tool's directory (`.cargo/config.toml`) the directory that holds that one.
fn governed_directory(manifest: &Manifest) -> &str {
    let directory = parent(&manifest.path);
    if manifest.format == formats::cargo_config::NAME {
        parent(directory)
    } else {
        directory
    }
}

/// The configuration formats a package manager reads, lowest precedence first.
fn config_formats(installer: Installer) -> &'static [&'static str] {
    match installer {
        Installer::Pip => &[formats::pip_conf::NAME],
        Installer::Uv => &[formats::uv_toml::NAME],
        Installer::Npm => &[formats::npmrc::NAME],
        // yarn 1 reads `.npmrc` too, and `.yarnrc` wins over it.
        Installer::Yarn => &[formats::npmrc::NAME, formats::yarnrc::NAME],
        // yarn 2+ reads only `.yarnrc.yml`.
        Installer::YarnBerry => &[formats::yarnrc_yml::NAME],
        Installer::Maven => &[formats::maven_settings::NAME],
        Installer::Gradle => &[formats::gradle::NAME],
        Installer::Nuget => &[formats::nuget_config::NAME],
        Installer::Cargo => &[formats::cargo_config::NAME],
        Installer::Poetry
        | Installer::Pipenv
        | Installer::Pdm
        | Installer::R
        | Installer::Bundler
        | Installer::Go
        | Installer::Julia
        | Installer::Pixi
        | Installer::Apt => &[],
    }
}

/// Yarn lockfiles and `.yarnrc.yml` files by directory (the first in path order), built
/// once per resolution for [`installer_of`]: scanning every manifest for each
/// `package.json` was quadratic in a monorepo.
struct YarnFiles<'a> {
    locks: BTreeMap<&'a str, &'a Manifest>,
    berry_configs: BTreeMap<&'a str, &'a Manifest>,
}

impl<'a> YarnFiles<'a> {
    fn new(project: &'a Project) -> Self {
        let mut locks = BTreeMap::new();
        let mut berry_configs = BTreeMap::new();
        for manifest in project.manifests.values() {
            let by_directory = if manifest.format == formats::yarn_lock::NAME {
                &mut locks
            } else if manifest.format == formats::yarnrc_yml::NAME {
                &mut berry_configs
            } else {
                continue;
            };
            by_directory
                .entry(parent(&manifest.path))
                .or_insert(&**manifest);
        }
        Self {
            locks,
            berry_configs,
        }
    }
}

/// The package manager that installs a manifest. A `package.json` that does not say
/// (`packageManager`) is installed by whichever yarn lockfile (or `.yarnrc.yml`) sits
/// beside it.
fn installer_of(yarn: &YarnFiles<'_>, manifest: &Manifest) -> Installer {
    if manifest.format != formats::package_json::NAME || manifest.installer != Installer::Npm {
        return manifest.installer;
    }
    let directory = parent(&manifest.path);
    // A `.yarnrc.yml` beside it means yarn 2+ even before a lockfile exists.
    yarn.locks
        .get(directory)
        .map(|lock| lock.installer)
        .or_else(|| {
            yarn.berry_configs
                .get(directory)
                .map(|_| Installer::YarnBerry)
        })
        .unwrap_or(manifest.installer)
}

fn unit_needs(
    installer: Installer,
    effective: &Effective<'_>,
    needs_index: Option<&Location>,
    direct: &[&Direct],
    knowledge: &Knowledge,
    needs: &mut Vec<(Ecosystem, Need)>,
) {
    let ecosystem = installer.ecosystem();
    if let Some(mirror) = effective.mirror {
        // Every index request goes to the mirror, whatever else is declared.
        if let Some(remote) = &mirror.remote {
            needs.push((
                ecosystem,
                Need {
                    remote: remote.clone(),
                    kind: Kind::Index,
                    at: mirror.at.clone(),
                    replaces_default: true,
                },
            ));
        }
    } else if effective.no_index.is_none() {
        match effective.index_url {
            Some(declared) => {
                if let Some(remote) = &declared.remote {
                    needs.push((
                        ecosystem,
                        Need {
                            remote: remote.clone(),
                            kind: Kind::Index,
                            at: declared.at.clone(),
                            replaces_default: true,
                        },
                    ));
                }
            }
            None => {
                if let Some(at) = needs_index
                    && let Some(entry) = knowledge.default_index_for(installer)
                {
                    let host = entry.forward_host();
                    for &port in &entry.ports {
                        needs.push((
                            ecosystem,
                            Need {
                                remote: Remote {
                                    scheme: entry.scheme.clone(),
                                    host: host.clone(),
                                    port,
                                    path: String::new(),
                                    display: String::new(),
                                },
                                kind: Kind::Index,
                                at: at.clone(),
                                replaces_default: false,
                            },
                        ));
                    }
                }
            }
        }
        for declared in effective.extra.iter().copied().chain(&effective.pinned) {
            if let Some(remote) = &declared.remote {
                needs.push((
                    ecosystem,
                    Need {
                        remote: remote.clone(),
                        kind: Kind::Index,
                        at: declared.at.clone(),
                        replaces_default: false,
                    },
                ));
            }
        }
    }
    for declared in &effective.find_links {
        if let Some(remote) = &declared.remote {
            needs.push((
                ecosystem,
                Need {
                    remote: remote.clone(),
                    kind: Kind::FindLinks,
                    at: declared.at.clone(),
                    replaces_default: false,
                },
            ));
        }
    }
    for source in direct {
        needs.push((
            source.ecosystem,
            Need {
                remote: source.remote.clone(),
                kind: source.kind,
                at: source.at.clone(),
                replaces_default: false,
            },
        ));
    }
}

type Key = (Ecosystem, String, u16);

/// Maps needs to endpoints through the knowledge base, adding companions and redirect
/// targets, and merges endpoints with the same ecosystem, host and port.
fn to_endpoints(needs: &[(Ecosystem, Need)], knowledge: &Knowledge) -> Vec<Endpoint> {
    let mut merged: BTreeMap<Key, Endpoint> = BTreeMap::new();
    // A need met before (same address, kind and role; only the evidence differs) adds
    // exactly the endpoints it added then, which are merged already and can only have
    // been bettered since: it adds its evidence to them and nothing else. In a monorepo
    // most needs are such repeats, and building their endpoints anew was most of this.
    let mut added_by: HashMap<(Ecosystem, Kind, bool, &Remote), Vec<Key>> = HashMap::new();
    for &(ecosystem, ref need) in needs {
        let evidence = Evidence::from(&need.at);
        let identity = (ecosystem, need.kind, need.replaces_default, &need.remote);
        if let Some(keys) = added_by.get(&identity) {
            for key in keys {
                if let Some(endpoint) = merged.get_mut(key) {
                    endpoint.evidence.insert(evidence.clone());
                }
            }
            continue;
        }
        let mut keys = vec![(ecosystem, need.remote.host.clone(), need.remote.port)];
        let entry = knowledge.lookup(&need.remote.host);
        let (purpose, fact) = match entry {
            Some(entry) => (entry.purpose.clone(), Some(fact_of(entry))),
            None => (
                generic_purpose(ecosystem, need.kind, need.replaces_default),
                None,
            ),
        };
        add(
            &mut merged,
            Endpoint {
                host: need.remote.host.clone(),
                port: need.remote.port,
                scheme: need.remote.scheme.clone(),
                ecosystem,
                kind: need.kind,
                purpose,
                evidence: BTreeSet::from([evidence.clone()]),
                knowledge: fact,
                service_domain: entry.and_then(service_wildcard),
            },
        );
        let mut companions: Vec<&str> = entry
            .map(|entry| entry.companions.iter().map(String::as_str).collect())
            .unwrap_or_default();
        for trigger in knowledge.triggers(&need.remote.host, &need.remote.path) {
            companions.extend(trigger.adds.iter().map(String::as_str));
        }
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        while let Some(id) = companions.pop() {
            if !seen.insert(id) {
                continue;
            }
            let Some(companion) = knowledge.get(id) else {
                continue;
            };
            companions.extend(companion.companions.iter().map(String::as_str));
            for &port in &companion.ports {
                keys.push((ecosystem, companion.forward_host(), port));
                add(
                    &mut merged,
                    Endpoint {
                        host: companion.forward_host(),
                        port,
                        scheme: companion.scheme.clone(),
                        ecosystem,
                        kind: companion.kind.0,
                        purpose: companion.purpose.clone(),
                        evidence: BTreeSet::from([evidence.clone()]),
                        knowledge: Some(fact_of(companion)),
                        service_domain: service_wildcard(companion),
                    },
                );
            }
        }
        added_by.insert(identity, keys);
    }
    merged.into_values().collect()
}

fn service_wildcard(entry: &crate::knowledge::EndpointEntry) -> Option<String> {
    entry
        .service_domain
        .as_ref()
        .map(|domain| format!("*.{}", crate::host::reverse(domain)))
}

fn fact_of(entry: &crate::knowledge::EndpointEntry) -> Fact {
    Fact {
        id: entry.id.clone(),
        source: entry.source.clone(),
        owned_by: entry.owned_by.clone(),
    }
}

fn add(merged: &mut BTreeMap<Key, Endpoint>, endpoint: Endpoint) {
    let key = (endpoint.ecosystem, endpoint.host.clone(), endpoint.port);
    match merged.get_mut(&key) {
        None => {
            merged.insert(key, endpoint);
        }
        Some(existing) => {
            let rank = |endpoint: &Endpoint| {
                (
                    endpoint.knowledge.is_none(),
                    endpoint.kind,
                    endpoint.purpose.clone(),
                )
            };
            let better = rank(&endpoint) < rank(existing);
            existing.evidence.extend(endpoint.evidence);
            // Keep the most specific explanation, deterministically: a knowledge fact
            // beats a generic sentence, then the lower kind, then the smaller purpose.
            if better {
                existing.kind = endpoint.kind;
                existing.purpose = endpoint.purpose;
                existing.knowledge = endpoint.knowledge;
                existing.scheme = endpoint.scheme;
            }
        }
    }
}

fn generic_purpose(ecosystem: Ecosystem, kind: Kind, replaces_default: bool) -> String {
    let index = match ecosystem {
        Ecosystem::Python => "Python package index",
        Ecosystem::Npm => "npm registry",
        Ecosystem::R => "R package repository",
        Ecosystem::Java => "Maven repository",
        Ecosystem::Dotnet => "NuGet feed",
        Ecosystem::Ruby => "gem source",
        Ecosystem::Rust => "Cargo registry",
        Ecosystem::Go => "Go module proxy",
        Ecosystem::Julia => "Julia package server",
        Ecosystem::Conda | Ecosystem::Container | Ecosystem::Os => "package index",
    };
    if (ecosystem, kind) == (Ecosystem::Go, Kind::Api) {
        return "module path host `go` asks (`?go-get=1`) for the repository of a module it fetches directly".into();
    }
    match kind {
        Kind::Index if replaces_default => format!("{index} that replaces the default index"),
        Kind::Index => format!("extra {index}, searched besides the default"),
        Kind::Files => "serves package files".into(),
        Kind::FindLinks => "find-links page pip reads archive links from".into(),
        Kind::Archive => "package archive downloaded directly".into(),
        Kind::Vcs => "version-control repository cloned during install".into(),
        Kind::Redirect => "target of a download redirect".into(),
        Kind::Api => "API called before downloading".into(),
        Kind::RemoteInclude => "remote requirements file named by -r (not followed)".into(),
        Kind::DependencyLink => "setuptools dependency_links URL (pip ignores these)".into(),
        Kind::Channel => "conda channel: its repodata and package files".into(),
        Kind::Registry => "container registry the image is pulled from".into(),
        Kind::OsPackages => "operating-system package archive".into(),
        Kind::Runtime => "downloaded from when the code runs".into(),
        Kind::Observed => "contacted by a recorded command".into(),
    }
}

/// Index options from the environment (only with `--env`), per installer.
pub fn environment_options(
    environment: &BTreeMap<String, String>,
) -> (BTreeMap<Installer, IndexOptions>, Vec<Diagnostic>) {
    let mut result = BTreeMap::new();
    let location = |name: &str| Location::new(format!("env:{name}"), 0, 0);
    let parse = |name: &str, value: &str, diagnostics: &mut Vec<Diagnostic>| -> Declared {
        let at = location(name);
        let remote = if let Ok(remote) = crate::remote::parse(value) {
            Some(remote)
        } else {
            diagnostics.push(Diagnostic::new(
                Code::InvalidUrl,
                at.clone(),
                format!("`{name}` is not a usable URL: `{value}`"),
            ));
            None
        };
        Declared { remote, at }
    };
    let mut unused: Vec<Diagnostic> = Vec::new();
    let mut pip = IndexOptions::default();
    if let Some(value) = environment.get("PIP_INDEX_URL") {
        pip.index_url = Some(parse("PIP_INDEX_URL", value, &mut unused));
    }
    for (name, target) in [("PIP_EXTRA_INDEX_URL", 0), ("PIP_FIND_LINKS", 1)] {
        if let Some(value) = environment.get(name) {
            for word in value.split_whitespace() {
                if target == 1 && !crate::remote::has_scheme(word) {
                    continue;
                }
                let declared = parse(name, word, &mut unused);
                if target == 0 {
                    pip.extra_index_urls.push(declared);
                } else {
                    pip.find_links.push(declared);
                }
            }
        }
    }
    if environment.get("PIP_NO_INDEX").is_some_and(|value| {
        matches!(
            value.to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    }) {
        pip.no_index = Some(location("PIP_NO_INDEX"));
    }
    let mut uv = IndexOptions::default();
    for name in ["UV_INDEX_URL", "UV_DEFAULT_INDEX"] {
        if let Some(value) = environment.get(name) {
            uv.index_url = Some(parse(name, value, &mut unused));
        }
    }
    for name in ["UV_EXTRA_INDEX_URL", "UV_INDEX"] {
        if let Some(value) = environment.get(name) {
            for word in value.split_whitespace() {
                // `UV_INDEX` accepts `name=url`.
                let url = match word.split_once('=') {
                    Some((name, url)) if !name.contains(':') => url,
                    _ => word,
                };
                uv.extra_index_urls.push(parse(name, url, &mut unused));
            }
        }
    }
    if !pip.is_empty() {
        result.insert(Installer::Pip, pip);
    }
    if !uv.is_empty() {
        result.insert(Installer::Uv, uv);
    }
    (result, unused)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nearest governing configuration: by whole directory names, the root's
    /// governing everything, `.cargo/config.toml` governing the directory above.
    #[test]
    fn governing_configuration_is_the_nearest_by_directory() {
        let mut project = Project::default();
        for (path, format) in [
            ("pip.conf", formats::pip_conf::NAME),
            ("a/pip.conf", formats::pip_conf::NAME),
            ("a/b/pip.conf", formats::pip_conf::NAME),
            ("a/b/pip.ini", formats::pip_conf::NAME),
            ("c/.cargo/config.toml", formats::cargo_config::NAME),
        ] {
            project.manifests.insert(
                path.to_string(),
                Box::new(Manifest::new(path, format, Installer::Pip, Role::Config)),
            );
        }
        let configs = Configs::new(&project);
        let governing = |path, format| {
            configs
                .governing(path, format)
                .map(|manifest| manifest.path.as_str())
        };
        let pip = |path| governing(path, formats::pip_conf::NAME);
        // Of two in one directory, the later in path order.
        assert_eq!(pip("a/b/c/requirements.txt"), Some("a/b/pip.ini"));
        assert_eq!(pip("a/b/requirements.txt"), Some("a/b/pip.ini"));
        assert_eq!(pip("a/requirements.txt"), Some("a/pip.conf"));
        // `ab` is not below `a`.
        assert_eq!(pip("ab/requirements.txt"), Some("pip.conf"));
        assert_eq!(pip("requirements.txt"), Some("pip.conf"));
        let cargo = |path| governing(path, formats::cargo_config::NAME);
        assert_eq!(cargo("c/crate/Cargo.toml"), Some("c/.cargo/config.toml"));
        assert_eq!(cargo("c/Cargo.toml"), Some("c/.cargo/config.toml"));
        assert_eq!(cargo("Cargo.toml"), None);
        assert_eq!(governing("x", formats::npmrc::NAME), None);
    }
}
