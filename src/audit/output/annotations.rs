//! CI annotations, one line per finding: GitHub Actions workflow commands
//! (`::warning file=…,line=…,col=…,title=…::message`,
//! <https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands>)
//! and Azure Pipelines logging commands
//! (`##vso[task.logissue type=warning;sourcepath=…;linenumber=…;columnnumber=…;code=…]message`,
//! <https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands>).
//! Values are escaped as each runner expects, so a message cannot end the command early.

use std::fmt::Write;

use crate::audit::{Finding, Severity};

pub fn github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut properties = format!("file={}", github_property(&finding.location.path));
        if finding.location.line > 0 {
            let _ = write!(
                properties,
                ",line={},col={}",
                finding.location.line, finding.location.column
            );
        }
        let _ = write!(properties, ",title={}", github_property(finding.code));
        let _ = writeln!(
            out,
            "::{command} {properties}::{}",
            github_data(&format!("{} (help: {})", finding.message, finding.help))
        );
    }
    out
}

fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn azure(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        // Azure Pipelines has errors and warnings only.
        let kind = match finding.severity {
            Severity::Error => "error",
            Severity::Warning | Severity::Note => "warning",
        };
        let mut properties = format!(
            "type={kind};sourcepath={}",
            azure_property(&finding.location.path)
        );
        if finding.location.line > 0 {
            let _ = write!(
                properties,
                ";linenumber={};columnnumber={}",
                finding.location.line, finding.location.column
            );
        }
        let _ = write!(properties, ";code={}", azure_property(finding.code));
        let _ = writeln!(
            out,
            "##vso[task.logissue {properties};]{}",
            azure_data(&format!("{} (help: {})", finding.message, finding.help))
        );
    }
    out
}

fn azure_data(text: &str) -> String {
    text.replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn azure_property(text: &str) -> String {
    azure_data(text).replace(';', "%3B").replace(']', "%5D")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Location;

    #[test]
    fn values_cannot_break_the_command() {
        let finding = Finding {
            location: Location::new("a,b:c;d].yml", 3, 4),
            width: 1,
            code: "A001",
            severity: Severity::Warning,
            message: "x\ny %".into(),
            help: "h".into(),
            source_line: None,
        };
        let github = github(std::slice::from_ref(&finding));
        assert_eq!(
            github,
            "::warning file=a%2Cb%3Ac;d].yml,line=3,col=4,title=A001::x%0Ay %25 (help: h)\n"
        );
        let azure = azure(&[finding]);
        assert_eq!(
            azure,
            "##vso[task.logissue type=warning;sourcepath=a,b:c%3Bd%5D.yml;linenumber=3;columnnumber=4;code=A001;]x%0Ay %AZP25 (help: h)\n"
        );
    }
}
