//! Secret removal. Credentials appear in index URLs (`https://user:token@host/…`), in
//! query strings (`?sig=…`, `?token=…`) and in configuration (`_authToken=…`,
//! `npmAuthToken: …`, `<password>…</password>`, the `NuGet` `key="ClearTextPassword"
//! value="…"`); none of them may reach any output. Everything that can show user-written
//! text (URLs in messages, the source line under a diagnostic, evidence lines in the HTML
//! report) goes through this module.

use std::sync::LazyLock;

use regex::Regex;

/// Placeholder written where a secret was.
pub const MASK: &str = "***";

/// Query parameters whose values are secrets (Azure SAS signatures, tokens, keys).
const SECRET_PARAMETERS: [&str; 12] = [
    "access_token",
    "api_key",
    "apikey",
    "auth",
    "code",
    "key",
    "password",
    "secret",
    "sig",
    "signature",
    "token",
    "x-amz-signature",
];

/// Removes credentials from one URL-ish string.
pub fn url(raw: &str) -> String {
    text(raw)
}

/// Removes credentials from any text: the userinfo of every `scheme://user:pass@host`,
/// the value of secret-looking query parameters, and the password of scp-like
/// `user:pass@host` forms.
pub fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(index) = rest.find("://") {
        let (head, tail) = rest.split_at(index + 3);
        out.push_str(head);
        // The authority ends at the first `/`, `?`, `#` or whitespace.
        let end = tail
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\''
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        if let Some(at) = authority.rfind('@') {
            out.push_str(MASK);
            out.push_str(&authority[at..]);
        } else {
            out.push_str(authority);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    settings(&query(&out))
}

/// What names a secret setting: any key containing one of these words.
const SECRET_WORDS: &str =
    "password|passwd|passphrase|token|secret|apikey|api_key|api-key|privatekey|credential|_auth";

/// `<password>value</password>` (Maven `settings.xml`, any element whose name holds a
/// secret word).
static SECRET_ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)(<[\w.:-]*(?:{SECRET_WORDS})[\w.:-]*>)([^<]+)(</)"
    ))
    .unwrap_or_else(|error| unreachable!("a fixed pattern compiles: {error}"))
});

/// The `NuGet` form `<add key="ClearTextPassword" value="…"/>`.
static SECRET_ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?i)(key\s*=\s*["'][^"']*(?:{SECRET_WORDS})[^"']*["']\s+value\s*=\s*["'])([^"']+)"#
    ))
    .unwrap_or_else(|error| unreachable!("a fixed pattern compiles: {error}"))
});

/// `name=value`, `name = "value"`, `name: value` where the name holds a secret word
/// (`.npmrc` `//host/:_authToken=…`, `.yarnrc.yml` `npmAuthToken: …`, `password = …`).
static SECRET_ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?i)([\w./@:-]*(?:{SECRET_WORDS})[\w-]*["']?\s*[:=]\s*["']?)([^\s"',;}}<>]+)"#
    ))
    .unwrap_or_else(|error| unreachable!("a fixed pattern compiles: {error}"))
});

/// Masks the values of secret-named settings.
fn settings(text: &str) -> String {
    // Cheap test first: most text names no secret at all.
    let lower = text.to_ascii_lowercase();
    if !SECRET_WORDS.split('|').any(|word| lower.contains(word)) {
        return text.to_string();
    }
    let text = SECRET_ELEMENT.replace_all(text, format!("${{1}}{MASK}${{3}}"));
    let text = SECRET_ATTRIBUTE.replace_all(&text, format!("${{1}}{MASK}"));
    let text = SECRET_ASSIGNMENT.replace_all(&text, |captures: &regex::Captures<'_>| {
        let value = &captures[2];
        // A URL is already cleaned of its userinfo and query secrets above, and `***`
        // is a value this module wrote.
        if value.contains("://") || value == MASK {
            captures[0].to_string()
        } else {
            format!("{}{MASK}", &captures[1])
        }
    });
    text.into_owned()
}

fn query(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let bytes = text.as_bytes();
    let mut last = 0;
    while let Some((index, c)) = chars.next() {
        if c != '?' && c != '&' && c != ';' {
            continue;
        }
        let name_start = index + 1;
        let Some(eq) = text[name_start..].find('=') else {
            continue;
        };
        let name = &text[name_start..name_start + eq];
        if name.is_empty()
            || name.contains(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
        {
            continue;
        }
        if !SECRET_PARAMETERS.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let value_start = name_start + eq + 1;
        let mut value_end = value_start;
        while value_end < bytes.len()
            && !matches!(
                bytes[value_end],
                b'&' | b'#' | b' ' | b'\t' | b'"' | b'\'' | b'\n'
            )
        {
            value_end += 1;
        }
        out.push_str(&text[last..value_start]);
        out.push_str(MASK);
        last = value_end;
        while chars.peek().is_some_and(|&(i, _)| i < value_end) {
            chars.next();
        }
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_settings_are_masked() {
        assert_eq!(
            text("<server><id>x</id><password>Hunter2</password></server>"),
            "<server><id>x</id><password>***</password></server>"
        );
        assert_eq!(
            text(r#"<add key="ClearTextPassword" value="Hunter2" />"#),
            r#"<add key="ClearTextPassword" value="***" />"#
        );
        assert_eq!(
            text("//npm.example.com/:_authToken=Hunter2"),
            "//npm.example.com/:_authToken=***"
        );
        assert_eq!(text("npmAuthToken: \"Hunter2\""), "npmAuthToken: \"***\"");
        assert_eq!(text("password = Hunter2"), "password = ***");
        // Not settings: prose, and URLs (already cleaned of their credentials).
        assert_eq!(
            text("auth lines are never read into output"),
            "auth lines are never read into output"
        );
        assert_eq!(
            text("token_url=https://login.example.com/token"),
            "token_url=https://login.example.com/token"
        );
    }

    #[test]
    fn userinfo_is_masked() {
        assert_eq!(
            text("-i https://bob:hunter2@example.com/simple --trusted-host x"),
            "-i https://***@example.com/simple --trusted-host x"
        );
        assert_eq!(text("https://token@example.com"), "https://***@example.com");
        assert_eq!(text("no urls here"), "no urls here");
        assert_eq!(
            text("git+https://a:b@h/r.git@v1#egg=x"),
            "git+https://***@h/r.git@v1#egg=x"
        );
    }

    #[test]
    fn secret_query_values_are_masked() {
        assert_eq!(
            text("https://acct.blob.core.windows.net/c/x.whl?sv=1&sig=abc%2Fdef&se=2"),
            "https://acct.blob.core.windows.net/c/x.whl?sv=1&sig=***&se=2"
        );
        assert_eq!(text("https://h/x?token=zzz"), "https://h/x?token=***");
        assert_eq!(text("https://h/x?page=2"), "https://h/x?page=2");
    }
}
