//! `scan --format html`: one self-contained page for the security reviewer who approves a
//! rule set. It shows every host with its purpose, evidence and knowledge source; every
//! dependency file with the lines that need a host (as written, credentials removed);
//! the warnings; and beside them the rules `generate` would write (the `azureml-yaml`
//! output and the plain hosts list).
//!
//! The page must open inside a locked-down network, so it loads nothing: the styles and
//! the small filter script are inline, and a Content-Security-Policy allows only those
//! two (by hash) and no network access at all. Without JavaScript everything is shown;
//! the script only adds the ecosystem and kind filters (and marks `<html>` with
//! `data-filters="ready"`, which the browser test checks). Every value written into the
//! page passes through [`text`] (redaction, then HTML escaping), and nothing depends on
//! the time, so the same input gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::emit;
use crate::model::{Endpoint, Evidence};
use crate::plan::Plan;
use crate::redact;
use crate::resolve::Resolution;
use crate::source::Excerpt;

/// Evidence places listed before the rest fold into a `<details>`.
const EVIDENCE_SHOWN: usize = 6;

/// Source lines are cut to this many characters.
const LINE_SHOWN: usize = 160;

/// The stylesheet, inline. Its SHA-256 is allowed by [`CONTENT_SECURITY_POLICY`].
const STYLE: &str = include_str!("html/style.css");

/// The filter script, inline. Its SHA-256 is allowed by [`CONTENT_SECURITY_POLICY`].
const SCRIPT: &str = include_str!("html/filters.js");

/// Nothing may be fetched; only the page's own style and script (by hash) run. A test
/// recomputes both hashes, so editing either file without updating this fails the suite.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; \
     style-src 'sha256-ZMTSGOgoynRhL53UDX1ydAXg/pZJIFTWSWCVXO5tBo0='; \
     script-src 'sha256-RQUCnUN1j7MT8y/4qou12qhPMrJdNfoo4J6u0tYDe2o='; \
     img-src data:; base-uri 'none'; form-action 'none'";

/// Renders the page. `excerpts` give the text behind each evidence line (the lines the
/// project's parsed files point at); a line not there is shown by its location alone.
pub fn render(
    resolution: &Resolution,
    plan: &Plan,
    excerpts: &BTreeMap<String, Excerpt>,
) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let endpoints = &resolution.endpoints;
    let ecosystems: BTreeSet<&str> = endpoints.iter().map(|e| e.ecosystem.as_str()).collect();
    let kinds: BTreeSet<&str> = endpoints.iter().map(|e| e.kind.as_str()).collect();
    let file_count = endpoints
        .iter()
        .flat_map(|e| e.evidence.iter().map(|evidence| evidence.path.as_str()))
        .collect::<BTreeSet<_>>()
        .len();

    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        escape(CONTENT_SECURITY_POLICY)
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"pkgallow\">\n");
    out.push_str("<title>pkgallow: outbound access review</title>\n");
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str("</head>\n<body>\n<header>\n<h1>Outbound access review</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"summary\"><strong>{}</strong> host{} · <strong>{}</strong> rule{} · \
         <strong>{}</strong> dependency file{} · <strong>{}</strong> warning{} · \
         knowledge base reviewed {}</p>",
        plan.hosts.len(),
        plural(plan.hosts.len()),
        plan.rules.len() + plan.private_endpoints.len(),
        plural(plan.rules.len() + plan.private_endpoints.len()),
        file_count,
        plural(file_count),
        resolution.diagnostics.len(),
        plural(resolution.diagnostics.len()),
        escape(crate::knowledge::REVIEWED),
    );
    out.push_str(
        "<p class=\"lede\">Every host below is needed by a line of this repository's \
         dependency files, shown as evidence. Review each purpose and source before \
         approving the rules on the right.</p>\n",
    );
    filters(&mut out, &ecosystems, &kinds);
    out.push_str("</header>\n<div class=\"layout\">\n<main>\n");
    hosts_section(&mut out, endpoints, excerpts);
    files_section(&mut out, endpoints, excerpts);
    warnings_section(&mut out, resolution);
    out.push_str("</main>\n");
    rules_aside(&mut out, plan);
    out.push_str("</div>\n");
    let _ = writeln!(out, "<script>{SCRIPT}</script>");
    out.push_str("</body>\n</html>\n");
    out
}

/// The filter form: hidden until the script shows it, so a page read without
/// JavaScript shows no controls that do nothing.
fn filters(out: &mut String, ecosystems: &BTreeSet<&str>, kinds: &BTreeSet<&str>) {
    if ecosystems.is_empty() {
        return;
    }
    out.push_str("<form id=\"filters\" class=\"filters\" hidden>\n");
    for (name, label, values) in [
        ("ecosystem", "Ecosystem", ecosystems),
        ("kind", "Kind", kinds),
    ] {
        let _ = writeln!(out, "<fieldset><legend>{label}</legend>");
        for value in values {
            let value = escape(value);
            let _ = writeln!(
                out,
                "<label><input type=\"checkbox\" name=\"{name}\" value=\"{value}\" checked> {value}</label>"
            );
        }
        out.push_str("</fieldset>\n");
    }
    out.push_str("<p id=\"shown\" class=\"shown\" aria-live=\"polite\"></p>\n</form>\n");
}

fn hosts_section(out: &mut String, endpoints: &[Endpoint], excerpts: &BTreeMap<String, Excerpt>) {
    out.push_str("<section id=\"hosts\">\n<h2>Hosts</h2>\n");
    if endpoints.is_empty() {
        out.push_str("<p class=\"empty\">No dependency file here needs a host.</p>\n</section>\n");
        return;
    }
    let mut ecosystems: Vec<_> = endpoints.iter().map(|e| e.ecosystem).collect();
    ecosystems.dedup();
    for ecosystem in ecosystems {
        let rows: Vec<&Endpoint> = endpoints
            .iter()
            .filter(|e| e.ecosystem == ecosystem)
            .collect();
        let name = escape(ecosystem.as_str());
        let _ = writeln!(
            out,
            "<section class=\"ecosystem\" data-ecosystem=\"{name}\">\n<h3>{name} \
             <span class=\"count\">{} host{}</span></h3>",
            rows.len(),
            plural(rows.len())
        );
        out.push_str(
            "<table class=\"hosts\">\n<colgroup><col class=\"c-host\"><col class=\"c-kind\">\
             <col class=\"c-why\"><col class=\"c-evidence\"></colgroup>\n<thead><tr><th>Host</th><th>Kind</th><th>Why</th>\
             <th>Evidence</th></tr></thead>\n<tbody>\n",
        );
        for endpoint in rows {
            let _ = write!(
                out,
                "<tr data-ecosystem=\"{name}\" data-kind=\"{kind}\" data-host=\"{host}\">\
                 <td class=\"host\"><code>{shown}</code>{port}</td>\
                 <td><span class=\"badge kind\">{kind}</span></td><td>{purpose}",
                kind = escape(endpoint.kind.as_str()),
                host = text(&endpoint.host),
                shown = host_text(&endpoint.host),
                port = if endpoint.port == 443 {
                    String::new()
                } else {
                    format!("<span class=\"port\">port {}</span>", endpoint.port)
                },
                purpose = text(&endpoint.purpose),
            );
            if let Some(fact) = &endpoint.knowledge {
                let _ = write!(
                    out,
                    "<div class=\"fact\">knowledge <code>{id}</code> · <a href=\"{source}\" \
                     rel=\"noreferrer\">{source}</a></div>",
                    id = text(&fact.id),
                    source = text(&fact.source),
                );
            }
            out.push_str("</td><td class=\"evidence\">");
            evidence_cell(out, &endpoint.evidence, excerpts);
            out.push_str("</td></tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    out.push_str("</section>\n");
}

/// Evidence places, each with its line as written; past [`EVIDENCE_SHOWN`] the rest are
/// folded into a `<details>` (which opens without JavaScript).
fn evidence_cell(
    out: &mut String,
    evidence: &BTreeSet<Evidence>,
    excerpts: &BTreeMap<String, Excerpt>,
) {
    let item = |out: &mut String, place: &Evidence| {
        let _ = write!(
            out,
            "<li><span class=\"where\">{}</span>",
            text(&crate::report::evidence_text(place))
        );
        if let Some(line) = source_line(excerpts, place) {
            let _ = write!(out, " <code class=\"line\">{}</code>", line_text(line));
        }
        out.push_str("</li>");
    };
    out.push_str("<ul>");
    for place in evidence.iter().take(EVIDENCE_SHOWN) {
        item(out, place);
    }
    out.push_str("</ul>");
    if evidence.len() > EVIDENCE_SHOWN {
        let _ = write!(
            out,
            "<details><summary>{} more</summary><ul>",
            evidence.len() - EVIDENCE_SHOWN
        );
        for place in evidence.iter().skip(EVIDENCE_SHOWN) {
            item(out, place);
        }
        out.push_str("</ul></details>");
    }
}

/// Dependency file → line as written → host: the same facts read from the other side,
/// as a reviewer walks a repository.
fn files_section(out: &mut String, endpoints: &[Endpoint], excerpts: &BTreeMap<String, Excerpt>) {
    let mut by_file: BTreeMap<&str, BTreeMap<u32, Vec<&Endpoint>>> = BTreeMap::new();
    for endpoint in endpoints {
        for place in &endpoint.evidence {
            by_file
                .entry(place.path.as_str())
                .or_default()
                .entry(place.line)
                .or_default()
                .push(endpoint);
        }
    }
    if by_file.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"files\">\n<h2>By dependency file</h2>\n<table class=\"files\">\n\
         <colgroup><col class=\"c-line\"><col class=\"c-written\"><col></colgroup>\n\
         <thead><tr><th>Line</th><th>As written</th><th>Needs</th></tr></thead>\n",
    );
    for (path, lines) in by_file {
        let _ = writeln!(
            out,
            "<tbody data-file=\"{path}\"><tr class=\"file\"><th colspan=\"3\"><code>{path}</code></th></tr>",
            path = text(path),
        );
        for (line, needs) in lines {
            let place = Evidence {
                path: path.to_string(),
                line,
                fetches: None,
            };
            let written = source_line(excerpts, &place).map_or_else(String::new, |line| {
                format!("<code class=\"line\">{}</code>", line_text(line))
            });
            let _ = write!(
                out,
                "<tr class=\"need\"><td class=\"number\">{line}</td><td>{written}</td><td><ul class=\"needs\">",
                line = if line == 0 {
                    "—".to_string()
                } else {
                    line.to_string()
                },
            );
            for endpoint in needs {
                let _ = write!(
                    out,
                    "<li data-ecosystem=\"{ecosystem}\" data-kind=\"{kind}\"><code>{host}</code> \
                     <span class=\"badge kind\">{kind}</span></li>",
                    ecosystem = escape(endpoint.ecosystem.as_str()),
                    kind = escape(endpoint.kind.as_str()),
                    host = host_text(&endpoint.host),
                );
            }
            out.push_str("</ul></td></tr>\n");
        }
        out.push_str("</tbody>\n");
    }
    out.push_str("</table>\n</section>\n");
}

fn warnings_section(out: &mut String, resolution: &Resolution) {
    if resolution.diagnostics.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"warnings\">\n<h2>Warnings</h2>\n<table class=\"warnings\">\n\
         <colgroup><col class=\"c-code\"><col class=\"c-where\"><col></colgroup>\n\
         <thead><tr><th>Code</th><th>Where</th><th>Message</th></tr></thead>\n<tbody>\n",
    );
    for diagnostic in &resolution.diagnostics {
        let _ = write!(
            out,
            "<tr><td><span class=\"badge warn\">{code}</span> {name}</td><td><code>{location}</code></td><td>{message}",
            code = escape(diagnostic.code.as_str()),
            name = escape(diagnostic.code.name()),
            location = text(&diagnostic.location.to_string()),
            message = text(&diagnostic.message),
        );
        if let Some(line) = &diagnostic.source_line {
            let _ = write!(
                out,
                "<div><code class=\"line\">{}</code></div>",
                line_text(line)
            );
        }
        if let Some(help) = &diagnostic.help {
            let _ = write!(out, "<div class=\"help\">{}</div>", text(help));
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The rules `generate` writes for the same scan, to read beside the evidence.
fn rules_aside(out: &mut String, plan: &Plan) {
    out.push_str("<aside id=\"rules\">\n<h2>Generated rules</h2>\n");
    for (target, title, command) in [
        (
            "azureml-yaml",
            "Workspace YAML",
            "pkgallow generate azureml-yaml",
        ),
        ("hosts", "Hosts", "pkgallow generate hosts"),
    ] {
        let Some(emitter) = emit::emitter(target) else {
            continue;
        };
        let rendered = emitter.render(plan);
        let _ = writeln!(
            out,
            "<section class=\"rules\" data-target=\"{target}\">\n<h3>{title}</h3>\n\
             <p class=\"command\"><code>{command}</code></p>\n<pre>{}</pre>\n</section>",
            text(&rendered)
        );
    }
    out.push_str("</aside>\n");
}

/// The line a piece of evidence points at, if its file's excerpt holds it.
fn source_line<'a>(excerpts: &'a BTreeMap<String, Excerpt>, place: &Evidence) -> Option<&'a str> {
    if place.line == 0 {
        return None;
    }
    excerpts
        .get(&place.path)
        .and_then(|file| file.line_text(place.line))
        .map(str::trim)
        .filter(|line| !line.is_empty())
}

/// A host name, with a line-break opportunity after each dot so that a long name wraps
/// between labels rather than inside one.
fn host_text(host: &str) -> String {
    text(host).replace('.', ".<wbr>")
}

/// Any user-derived value on its way into the page: credentials removed, then escaped.
fn text(value: &str) -> String {
    escape(&redact::text(value))
}

/// A source line as written, credentials removed, cut to [`LINE_SHOWN`] characters (a
/// lockfile or notebook line can be very long).
fn line_text(line: &str) -> String {
    let redacted = redact::text(line);
    if redacted.chars().count() <= LINE_SHOWN {
        return escape(&redacted);
    }
    let cut: String = redacted.chars().take(LINE_SHOWN).collect();
    format!("{}…", escape(&cut))
}

/// Escapes the five characters that matter in HTML text and quoted attribute values.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(
            text("https://u:hunter2@h.example.com/<b>"),
            "https://***@h.example.com/&lt;b&gt;"
        );
    }

    /// The policy allows the inline style and script by hash: a change to either file
    /// must come with the new hash, or the browser would refuse to run it.
    #[test]
    fn the_policy_allows_exactly_the_inline_style_and_script() {
        use base64::Engine as _;
        use sha2::Digest as _;
        let hash = |text: &str| {
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()))
        };
        let style = format!("style-src 'sha256-{}'", hash(STYLE));
        let script = format!("script-src 'sha256-{}'", hash(SCRIPT));
        assert!(CONTENT_SECURITY_POLICY.contains(&style), "expected {style}");
        assert!(
            CONTENT_SECURITY_POLICY.contains(&script),
            "expected {script}"
        );
    }
}
