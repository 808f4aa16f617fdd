//! The one integration-test binary: fixture snapshots, end-to-end CLI cases, and the
//! check of generated YAML by Microsoft's own `azure-ai-ml` loader.

mod cli;
mod formats;
mod repos;
mod support;
