//! Build-tool wrapper settings: Gradle's `gradle/wrapper/gradle-wrapper.properties` and
//! Maven's `.mvn/wrapper/maven-wrapper.properties` (Java properties files). The
//! wrapper downloads the build tool from `distributionUrl` (and Maven's wrapper jar from
//! `wrapperUrl`) before anything else runs.

use std::path::Path;

use crate::formats::{Candidate, ParseContext, column_of, file_name, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct WrapperProperties;

pub const NAME: &str = "java/wrapper-properties";

impl super::Format for WrapperProperties {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "build-tool wrappers"
    }

    fn files(&self) -> &'static str {
        "`gradle-wrapper.properties`, `maven-wrapper.properties`"
    }

    fn reads(&self) -> &'static str {
        "`distributionUrl` (Gradle's: services.gradle.org and the hosts it redirects to) and `wrapperUrl`"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(
            candidate.lower_name(),
            "gradle-wrapper.properties" | "maven-wrapper.properties"
        )
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let installer = if file_name(Path::new(&file.path)).starts_with("maven") {
            Installer::Maven
        } else {
            Installer::Gradle
        };
        let mut manifest = Manifest::new(&file.path, NAME, installer, Role::Install);
        for (index, line) in file.text.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with(['#', '!']) {
                continue;
            }
            let Some(split) = trimmed.find(['=', ':']) else {
                continue;
            };
            let key = trimmed[..split].trim();
            if key != "distributionUrl" && key != "wrapperUrl" {
                continue;
            }
            let raw = trimmed[split + 1..].trim();
            // Properties files escape `:` and `=` with a backslash.
            let url = raw.replace("\\:", ":").replace("\\=", "=");
            let at = file.line_location(index + 1, column_of(line, raw));
            push_direct_in(
                &mut manifest,
                Ecosystem::Java,
                Kind::Archive,
                &url,
                file,
                &at,
            );
        }
        manifest
    }
}
