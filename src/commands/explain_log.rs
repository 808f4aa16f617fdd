//! `pkgallow explain-log FILE...`: reads install and firewall logs, finds the hosts that
//! were blocked or unreachable, and prints a report (human or JSON) or, with `--target`,
//! the rules that allow them in any `generate` target. Every file must be a log some
//! kind recognises: otherwise nothing is printed and the exit code is 2, so a wrong path
//! never passes for "nothing blocked".

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::cli::{ExplainFormat, ExplainLogArgs, Network};
use crate::knowledge::Knowledge;
use crate::logs;
use crate::plan::{self, NetworkMode, PlanOptions};
use crate::report::explain_log::{self, LogFile};
use crate::{emit, redact};

pub(crate) fn run(args: &ExplainLogArgs) -> anyhow::Result<ExitCode> {
    let mut extra = Vec::new();
    for path in &args.knowledge {
        let text = fs_err::read_to_string(path).context("cannot read the knowledge file")?;
        extra.push((path.display().to_string(), text));
    }
    let knowledge = Knowledge::load(&extra).context("invalid knowledge file")?;
    let mut files = Vec::new();
    let mut blocked = Vec::new();
    let mut unknown = Vec::new();
    for path in &args.files {
        let bytes = fs_err::read(path).context("cannot read the log")?;
        let text = decode(&bytes);
        let display = redact::text(&path.display().to_string());
        match logs::explain(&display, &text) {
            Some(explained) => {
                blocked.extend(explained.blocked);
                files.push(LogFile {
                    path: display,
                    kinds: explained.kinds,
                });
            }
            None => unknown.push(display),
        }
    }
    if !unknown.is_empty() {
        let kinds: Vec<&str> = logs::LOG_KINDS.iter().map(|kind| kind.name()).collect();
        bail!(
            "not a log pkgallow knows: {} (it reads {})",
            unknown.join(", "),
            kinds.join(", ")
        );
    }
    let summary = logs::summarize(&blocked, &knowledge);
    let text = match args.target {
        Some(target) => {
            let options = PlanOptions {
                network: match args.network {
                    Network::Managed => NetworkMode::Managed,
                    Network::CustomerManaged => NetworkMode::CustomerManaged,
                    Network::Hybrid => NetworkMode::Hybrid,
                },
                workspace_name: args.workspace_name.clone(),
                resource_group: args.resource_group.clone(),
                from_logs: files.iter().map(|file| file.path.clone()).collect(),
                ..PlanOptions::default()
            };
            let plan = plan::build(&logs::endpoints(&summary, &knowledge), options);
            emit::emitter(target.name())
                .context("no emitter for this target")?
                .render(&plan)
        }
        None => match args.format {
            ExplainFormat::Human => explain_log::human(&files, &summary),
            ExplainFormat::Json => explain_log::json(&files, &summary),
        },
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The text of a log. Windows PowerShell 5 redirects output (`pip install … > log.txt`)
/// as UTF-16 with a byte-order mark, so a BOM decides the encoding; anything else is read
/// as UTF-8, invalid bytes replaced.
fn decode(bytes: &[u8]) -> String {
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|pair| unit([pair[0], pair[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn byte_order_marks_decide_the_encoding() {
        let text = "curl: (6) Could not resolve host: github.com\r\n";
        let mut little: Vec<u8> = vec![0xFF, 0xFE];
        little.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&little), text);
        let mut big: Vec<u8> = vec![0xFE, 0xFF];
        big.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&big), text);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend(text.as_bytes());
        assert_eq!(decode(&bom), text);
        assert_eq!(decode(b"plain \xFF"), "plain \u{FFFD}");
    }
}
