//! Bundler's `Gemfile` (or `gems.rb`), read line by line outside comments (it is Ruby,
//! and pkgallow never runs it). The first top-level `source "URL"` is where gems come
//! from (rubygems.org when none is written), later ones add; `source "URL" do … end`
//! blocks and `source:` options add a source for their gems only. `gem` lines with
//! `git:`, `github:`, `gitlab:` or `bitbucket:` are cloned from their host, and so are
//! the gems of `git "URL" do … end` blocks; `path:` and `path "…" do` are local. Other
//! gems and `gemspec` need the global source.

use crate::formats::{
    Candidate, ParseContext, column_of, declared, push_direct_in, warn_plain_http,
};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct Gemfile;

pub const NAME: &str = "ruby/gemfile";

/// What a `do … end` block changes for the gems inside it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    /// `source`, `git`, `path` blocks: their gems need no global source.
    OwnSource,
    Other,
}

impl super::Format for Gemfile {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Bundler Gemfiles"
    }

    fn files(&self) -> &'static str {
        "`Gemfile`, `gems.rb`"
    }

    fn reads(&self) -> &'static str {
        "the first top-level `source` (replaces rubygems.org, the default), other sources, `source … do` blocks and `source:` options (add), `gem … git:/github:/gitlab:/bitbucket:` and `git … do` blocks (their host), `path:` (local), other gems and `gemspec` (the global source); comments never count"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(candidate.name(), "Gemfile" | "gems.rb")
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Bundler, Role::Install);
        let mut blocks: Vec<Block> = Vec::new();
        for (index, raw_line) in file.text.lines().enumerate() {
            let line = without_comment(raw_line).trim();
            let opens_block = line.ends_with(" do") || line.contains(" do |");
            let word = line
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .next()
                .unwrap_or_default();
            if word == "end" {
                blocks.pop();
                continue;
            }
            let in_own_source = blocks.contains(&Block::OwnSource);
            let first_string = first_string(line);
            let at = |value: &str| file.line_location(index + 1, column_of(raw_line, value));
            match word {
                "source" if first_string.is_some() => {
                    let url = first_string.unwrap_or_default();
                    let declared = declared(url, file, &at(url), &mut manifest.diagnostics);
                    warn_plain_http(&mut manifest, &declared, file);
                    if !opens_block && manifest.options.index_url.is_none() && blocks.is_empty() {
                        manifest.options.index_url = Some(declared);
                    } else {
                        manifest.options.extra_index_urls.push(declared);
                    }
                }
                "git" if first_string.is_some() => {
                    let url = first_string.unwrap_or_default();
                    push_direct_in(
                        &mut manifest,
                        Ecosystem::Ruby,
                        Kind::Vcs,
                        url,
                        file,
                        &at(url),
                    );
                }
                "gem" => {
                    if let Some(url) = option(line, "git") {
                        push_direct_in(
                            &mut manifest,
                            Ecosystem::Ruby,
                            Kind::Vcs,
                            url,
                            file,
                            &at(url),
                        );
                    } else if let Some((key, repository)) = ["github", "gitlab", "bitbucket"]
                        .iter()
                        .find_map(|key| Some((*key, option(line, key)?)))
                    {
                        let host = match key {
                            "github" => "github.com",
                            "gitlab" => "gitlab.com",
                            _ => "bitbucket.org",
                        };
                        let url = format!("https://{host}/{repository}.git");
                        push_direct_in(
                            &mut manifest,
                            Ecosystem::Ruby,
                            Kind::Vcs,
                            &url,
                            file,
                            &at(repository),
                        );
                    } else if let Some(url) = option(line, "source") {
                        let declared = declared(url, file, &at(url), &mut manifest.diagnostics);
                        warn_plain_http(&mut manifest, &declared, file);
                        manifest.options.extra_index_urls.push(declared);
                    } else if option(line, "path").is_none() && !in_own_source {
                        manifest.need_index(at(first_string.unwrap_or("gem")));
                    }
                }
                "gemspec" if !in_own_source => manifest.need_index(at("gemspec")),
                _ => {}
            }
            // Ruby's other `… end` constructs, so that their `end` closes them and not
            // a source block.
            let opens_statement = matches!(
                word,
                "if" | "unless" | "case" | "begin" | "while" | "until" | "def"
            );
            if opens_block || opens_statement {
                blocks.push(
                    if opens_block && matches!(word, "source" | "git" | "path" | "github") {
                        Block::OwnSource
                    } else {
                        Block::Other
                    },
                );
            }
        }
        manifest
    }
}

/// The line without a `#` comment (a `#` inside a string literal is kept).
fn without_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (index, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, '#') => return &line[..index],
            _ => {}
        }
    }
    line
}

/// The contents of the first string literal.
fn first_string(text: &str) -> Option<&str> {
    let start = text.find(['"', '\''])?;
    let quote = text[start..].chars().next()?;
    let rest = &text[start + 1..];
    rest.find(quote).map(|end| &rest[..end])
}

/// The string value of a `key: "…"` or `:key => "…"` option.
fn option<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    for pattern in [format!("{key}:"), format!(":{key} =>"), format!(":{key}=>")] {
        let mut from = 0;
        while let Some(offset) = line[from..].find(&pattern) {
            let start = from + offset;
            let before = line[..start].chars().next_back();
            let boundary =
                before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_' && c != ':');
            let rest = line[start + pattern.len()..].trim_start();
            if boundary && rest.starts_with(['"', '\'']) {
                return first_string(rest);
            }
            from = start + pattern.len();
        }
    }
    None
}
