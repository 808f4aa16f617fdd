//! Diagnostics for people: code, message, `path:line:col`, the source line with a caret,
//! and a help line.
//!
//! ```text
//! warning[P304]: `${INDEX}` is not expanded, so the host of `https://${INDEX}/simple` is unknown
//!   --> requirements.txt:3:4
//!    |
//!  3 | -i https://${INDEX}/simple
//!    |    ^
//!    = help: pass --env to expand variables from the environment, or write the host
//! ```

use std::fmt::Write;

use crate::diagnostic::Diagnostic;
use crate::report::one_line;

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let location = &diagnostic.location;
        let _ = writeln!(
            out,
            "warning[{}]: {}",
            diagnostic.code.as_str(),
            one_line(&diagnostic.message)
        );
        let _ = writeln!(out, "  --> {}", one_line(&location.to_string()));
        if let Some(source) = &diagnostic.source_line {
            let number = location.line.to_string();
            let gutter = " ".repeat(number.len());
            let _ = writeln!(out, " {gutter} |");
            let _ = writeln!(out, " {number} | {}", one_line(source));
            let column = usize::try_from(location.column.max(1)).unwrap_or(1);
            let _ = writeln!(out, " {gutter} | {}^", " ".repeat(column - 1));
            if let Some(help) = &diagnostic.help {
                let _ = writeln!(out, " {gutter} = help: {}", one_line(help));
            }
        } else if let Some(help) = &diagnostic.help {
            let _ = writeln!(out, "   = help: {}", one_line(help));
        }
        out.push('\n');
    }
    out
}
