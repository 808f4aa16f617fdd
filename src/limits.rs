//! Limits that keep a scan bounded on hostile or accidental input: a file too large, a
//! line too long, too many files, includes nested too deep. Each is configurable on the
//! command line (`--max-file-size`, `--max-line-length`, `--max-files`,
//! `--max-include-depth`) and each, when hit, is a diagnostic naming the path — a limit
//! never drops input silently. `discover` enforces the first three, `resolve` the depth.

/// How far a scan goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Files larger than this many bytes are skipped (P103).
    pub max_file_size: u64,
    /// A file with a line longer than this many bytes is skipped (P502).
    pub max_line_length: usize,
    /// At most this many files are read; the walk stops at the next one (P501).
    pub max_files: usize,
    /// `-r`/`-c` includes nested deeper than this many files are not followed (P310).
    pub max_include_depth: usize,
}

impl Limits {
    /// 128 MiB: dependency files are small, but a monorepo's npm lockfile of 100,000
    /// packages is about 35 MB; anything over this is generated data.
    pub const DEFAULT_MAX_FILE_SIZE: u64 = 128 * 1024 * 1024;
    /// 1 MiB: a line this long is minified or embedded data, never a requirement (a
    /// notebook's largest lines are base64 images, well under it).
    pub const DEFAULT_MAX_LINE_LENGTH: usize = 1024 * 1024;
    /// 100,000 files: far more dependency files than any repository holds, few enough
    /// that a scan of a wrong root (`/`) ends in seconds.
    pub const DEFAULT_MAX_FILES: usize = 100_000;
    /// 64 files: pip itself has no limit, but real include chains are a few files deep.
    pub const DEFAULT_MAX_INCLUDE_DEPTH: usize = 64;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: Self::DEFAULT_MAX_FILE_SIZE,
            max_line_length: Self::DEFAULT_MAX_LINE_LENGTH,
            max_files: Self::DEFAULT_MAX_FILES,
            max_include_depth: Self::DEFAULT_MAX_INCLUDE_DEPTH,
        }
    }
}

/// Parses a size such as `16MiB`, `512k`, `1G` or `2048` (bytes); suffixes are binary
/// (`k` = 1024) whatever their spelling, as `ls -h` and `du` read them.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(digits_end);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size (examples: 2048, 512KiB, 16MiB, 1G)"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "`{text}` has an unknown unit (use B, KiB, MiB or GiB)"
            ));
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("2048"), Ok(2048));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("16MiB"), Ok(16 * 1024 * 1024));
        assert_eq!(parse_size("1 GB"), Ok(1 << 30));
        assert_eq!(parse_size("10b"), Ok(10));
        assert!(parse_size("").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
        assert!(parse_size("18446744073709551615G").is_err());
    }

    #[test]
    fn defaults_match_the_documented_values() {
        let limits = Limits::default();
        assert_eq!(limits.max_file_size, 128 * 1024 * 1024);
        assert_eq!(limits.max_include_depth, 64);
        let readme = include_str!("../README.md");
        for flag in [
            "--max-file-size",
            "--max-line-length",
            "--max-files",
            "--max-include-depth",
        ] {
            assert!(readme.contains(flag), "README does not document {flag}");
        }
    }
}
