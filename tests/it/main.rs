//! The one integration-test binary: fixture snapshots, end-to-end CLI cases, and the
//! check of generated YAML by Microsoft's own `azure-ai-ml` loader.

// Helpers outside `#[test]` functions panic on purpose: a failed set-up fails the test.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

mod audit;
mod azure_loader;
mod cli;
mod corpus;
mod distribution;
mod ecosystems;
mod formats;
mod fuzz_regressions;
mod html_report;
mod iac_parsers;
mod logs;
mod policy;
mod properties;
mod python;
mod repos;
mod robustness;
mod schema;
mod semantics;
mod support;
mod walk;
mod wire;
