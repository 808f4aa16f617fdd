//! Secret removal. Credentials appear in index URLs (`https://user:token@host/…`), in
//! query strings (`?sig=…`, `?token=…`) and in configuration; none of them may reach any
//! output. Everything that can show user-written text (URLs in messages, the source line
//! under a diagnostic) goes through this module.

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
    query(&out)
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
