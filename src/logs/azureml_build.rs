//! Azure Machine Learning image-build logs (`azureml-logs/20_image_build_log.txt`, the
//! environment's build log in the studio). They wrap a Docker build of the environment
//! — the legacy builder's `Step 1/17 : FROM mcr.microsoft.com/azureml/…`, often with a
//! `2025-02-16T00:22:57: ` timestamp on every line (Azure/azure-sdk-for-python#39764), or
//! an ACR task with `2019/10/15 11:08:47 ` timestamps and `acb_step_0`
//! (microsoft/MLOpsPython#80) — and inside it conda's and pip's output.
//!
//! This kind recognises the wrapper so that such a file counts as a known log (a
//! successful build shows no blocked host, and says so). It has no failure lines of its
//! own: the tools inside print those, and their extractors read them through the
//! shared line reader, which strips the wrapper's timestamps.

use std::sync::LazyLock;

use regex::Regex;

use super::{Blocked, LogKind, strongest};

pub struct AzuremlBuild;

impl LogKind for AzuremlBuild {
    fn name(&self) -> &'static str {
        "azureml-build"
    }

    fn title(&self) -> &'static str {
        "Azure ML image build log"
    }

    fn detect(&self, text: &str) -> u8 {
        static BASE_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"Step \d+/\d+ : FROM mcr\.microsoft\.com/azureml/").expect("valid pattern")
        });
        let score = strongest(
            text,
            &[
                ("azureml-environment-setup", 95),
                ("/azureml/azureml_", 90),
                ("acb_step_", 80),
                ("AzureML image build", 80),
            ],
        );
        if BASE_IMAGE.is_match(text) {
            score.max(95)
        } else {
            score
        }
    }

    fn extract(&self, _path: &str, _text: &str) -> Vec<Blocked> {
        Vec::new()
    }
}
