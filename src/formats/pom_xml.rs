//! Maven's `pom.xml`. Maven always resolves from its built-in `central` repository
//! (Maven Central; dependencies and the plugins of every build), so a POM needs the
//! default index unless a settings mirror replaces it; `<repositories>` and
//! `<pluginRepositories>` (also inside `<profiles>`) add repositories, and one with
//! `<id>central</id>` replaces Central. `${property}` in a URL is expanded from the
//! POM's `<properties>`. `<distributionManagement>` is where `mvn deploy` publishes, not
//! where installs come from: it is not reported. Parent POMs outside the repository
//! are not read.

use std::collections::BTreeMap;

use roxmltree::{Document, Node};

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, declared, warn_plain_http};
use crate::model::{Declared, Installer, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct PomXml;

pub const NAME: &str = "java/pom-xml";

impl super::Format for PomXml {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Maven projects"
    }

    fn files(&self) -> &'static str {
        "`pom.xml`"
    }

    fn reads(&self) -> &'static str {
        "every POM needs Maven Central (dependencies and build plugins) unless a settings mirror replaces it; `<repositories>` and `<pluginRepositories>` (also in profiles) add repositories, `<id>central</id>` replaces Central; `${property}` from `<properties>`; `<distributionManagement>` (deploy only) is not reported"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "pom.xml"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Maven, Role::Install);
        let Some(document) = parse_xml(file, &mut manifest.diagnostics) else {
            return manifest;
        };
        let project = document.root_element();
        let properties: BTreeMap<String, String> = child(project, "properties")
            .into_iter()
            .flat_map(|properties| properties.children().filter(Node::is_element))
            .map(|property| {
                (
                    property.tag_name().name().to_string(),
                    property.text().unwrap_or_default().trim().to_string(),
                )
            })
            .collect();
        let first_use = project.descendants().find(|node| {
            matches!(
                node.tag_name().name(),
                "dependency" | "plugin" | "parent" | "extension"
            )
        });
        manifest.need_index(location(file, &document, first_use.unwrap_or(project)));
        let scopes = std::iter::once(project).chain(
            child(project, "profiles")
                .into_iter()
                .flat_map(|profiles| children(profiles, "profile")),
        );
        for scope in scopes {
            for (list, item) in [
                ("repositories", "repository"),
                ("pluginRepositories", "pluginRepository"),
            ] {
                for repository in child(scope, list)
                    .into_iter()
                    .flat_map(|list| children(list, item))
                {
                    let Some(url) = child(repository, "url") else {
                        continue;
                    };
                    let declared = repository_url(&mut manifest, file, &document, url, &properties);
                    let id = child(repository, "id").and_then(|id| id.text());
                    if id.map(str::trim) == Some("central") {
                        manifest.options.index_url = Some(declared);
                    } else {
                        manifest.options.extra_index_urls.push(declared);
                    }
                }
            }
        }
        manifest
    }
}

/// Parses XML, reporting where it is broken. DTDs are allowed (some POMs carry one) but
/// never fetched: roxmltree does no I/O.
pub(crate) fn parse_xml<'a>(
    file: &'a SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Document<'a>> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    match Document::parse_with_options(&file.text, options) {
        Ok(document) => Some(document),
        Err(error) => {
            let position = error.pos();
            diagnostics.push(Diagnostic::at(
                Code::SyntaxError,
                file,
                file.line_location(position.row as usize, position.col as usize),
                format!("not valid XML: {error}"),
            ));
            None
        }
    }
}

/// Where a node starts.
pub(crate) fn location(file: &SourceFile, document: &Document<'_>, node: Node<'_, '_>) -> Location {
    let position = document.text_pos_at(node.range().start);
    file.line_location(position.row as usize, position.col as usize)
}

/// Where a node's text starts (after its opening tag), or the node itself.
pub(crate) fn text_location(
    file: &SourceFile,
    document: &Document<'_>,
    node: Node<'_, '_>,
) -> Location {
    match node.first_child().filter(Node::is_text) {
        Some(text) => {
            let leading = text
                .text()
                .map_or(0, |text| text.len() - text.trim_start().len());
            let position = document.text_pos_at(text.range().start + leading);
            file.line_location(position.row as usize, position.col as usize)
        }
        None => location(file, document, node),
    }
}

/// The first child element with a local name.
pub(crate) fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
}

/// Every child element with a local name.
pub(crate) fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children()
        .filter(move |child| child.is_element() && child.tag_name().name() == name)
}

/// A repository `<url>` with `${property}` expanded from the POM's properties.
pub(crate) fn repository_url(
    manifest: &mut Manifest,
    file: &SourceFile,
    document: &Document<'_>,
    url: Node<'_, '_>,
    properties: &BTreeMap<String, String>,
) -> Declared {
    let at = text_location(file, document, url);
    let raw = url.text().unwrap_or_default().trim();
    let expanded = expand_properties(raw, properties);
    if let Some(start) = expanded.find("${") {
        let name = expanded[start + 2..]
            .split('}')
            .next()
            .unwrap_or_default()
            .to_string();
        manifest.diagnostics.push(
            Diagnostic::at(
                Code::UnresolvedBuildProperty,
                file,
                at.clone(),
                format!(
                    "`${{{name}}}` is not defined in this file, so the host of `{raw}` is unknown"
                ),
            )
            .with_help("define the property in <properties> or write the URL"),
        );
        return Declared { remote: None, at };
    }
    let declared = declared(&expanded, file, &at, &mut manifest.diagnostics);
    warn_plain_http(manifest, &declared, file);
    declared
}

/// `${name}` replaced from `properties`, a few rounds deep (properties may refer to
/// properties); what is not defined stays as written.
fn expand_properties(text: &str, properties: &BTreeMap<String, String>) -> String {
    let mut text = text.to_string();
    for _ in 0..8 {
        let mut changed = false;
        for (name, value) in properties {
            let placeholder = format!("${{{name}}}");
            if text.contains(&placeholder) {
                text = text.replace(&placeholder, value);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    text
}
