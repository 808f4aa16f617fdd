//! `scan --format json`: the contract other tools rely on.
//!
//! ```json
//! {"version":1,
//!  "endpoints":[{"host","port","scheme","ecosystem","kind","purpose",
//!                "evidence":[{"path","line"}],"knowledge":{"id","source"}}],
//!  "warnings":[{"path","line","code","message","column","help"}]}
//! ```
//! Paths are relative to the scanned root; everything is sorted; output is
//! byte-identical across runs. `knowledge` is present only when a knowledge-base entry
//! explains the host. Fields may be added; none will be removed or renamed within
//! version 1.

use serde::Serialize;

use crate::model::Endpoint;
use crate::resolve::Resolution;

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    endpoints: Vec<EndpointOut<'a>>,
    warnings: Vec<Warning<'a>>,
}

#[derive(Serialize)]
struct EndpointOut<'a> {
    host: &'a str,
    port: u16,
    scheme: &'a str,
    ecosystem: &'a str,
    kind: &'a str,
    purpose: &'a str,
    evidence: &'a std::collections::BTreeSet<crate::model::Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    knowledge: Option<&'a crate::model::Fact>,
}

#[derive(Serialize)]
struct Warning<'a> {
    path: &'a str,
    line: u32,
    code: &'a str,
    message: &'a str,
    column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

pub fn render(resolution: &Resolution) -> String {
    let document = Document {
        version: VERSION,
        endpoints: resolution.endpoints.iter().map(endpoint).collect(),
        warnings: resolution
            .diagnostics
            .iter()
            .map(|diagnostic| Warning {
                path: &diagnostic.location.path,
                line: diagnostic.location.line,
                code: diagnostic.code.as_str(),
                message: &diagnostic.message,
                column: diagnostic.location.column,
                help: diagnostic.help.as_deref(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn endpoint(endpoint: &Endpoint) -> EndpointOut<'_> {
    EndpointOut {
        host: &endpoint.host,
        port: endpoint.port,
        scheme: &endpoint.scheme,
        ecosystem: endpoint.ecosystem.as_str(),
        kind: endpoint.kind.as_str(),
        purpose: &endpoint.purpose,
        evidence: &endpoint.evidence,
        knowledge: endpoint.knowledge.as_ref(),
    }
}
