//! Shell scripts of Azure ML CLI calls (what `pkgallow generate az-cli` writes, and what
//! guides paste): every `az ml workspace outbound-rule set` call is a rule (`--rule`,
//! `--type fqdn|private_endpoint|service_tag`, `--destination`,
//! `--service-resource-id`, `--subresource-target`, `--spark-enabled`, `--service-tag`,
//! `--protocol`, `--port-ranges`), and `az ml workspace create|update
//! --managed-network MODE` sets the isolation mode. Commands are split as a shell would
//! (quotes, backslash-newline continuations, `;`, `&&`, `||`, `|`, comments); values
//! holding `$` are variables, never evaluated. Azure Firewall policy scripts (what
//! `generate firewall-az-cli` writes) are read too: `az network firewall policy
//! rule-collection-group collection add-filter-collection` (its first rule) and
//! `… collection rule add`, with `--rule-type ApplicationRule|NetworkRule`,
//! `--target-fqdns`, `--protocols Https=443`, `--destination-fqdns`,
//! `--destination-addresses`, `--destination-ports`, `--ip-protocols`.
//! Flags: <https://learn.microsoft.com/cli/azure/ml/workspace/outbound-rule> and
//! <https://learn.microsoft.com/cli/azure/network/firewall/policy/rule-collection-group/collection>.

use super::{AuditInputError, Input, Probe};
use crate::audit::tree::{Position, normalize};
use crate::audit::{ExistingRule, IsolationMode, RuleKind, RuleSet, SourceKind, Spanned};
use crate::source::SourceFile;

pub(crate) struct AzCli;

const OUTBOUND_RULE_SET: [&str; 5] = ["az", "ml", "workspace", "outbound-rule", "set"];
const FIREWALL_COLLECTION: [&str; 6] = [
    "az",
    "network",
    "firewall",
    "policy",
    "rule-collection-group",
    "collection",
];

impl Input for AzCli {
    fn kind(&self) -> SourceKind {
        SourceKind::AzCli
    }

    fn description(&self) -> &'static str {
        "shell scripts of `az ml workspace outbound-rule set` and `az network firewall policy` calls"
    }

    fn read(&self, probe: &Probe<'_>) -> Option<Result<RuleSet, AuditInputError>> {
        let file = probe.file;
        if probe.json.is_some()
            || !(file.text.contains("outbound-rule") || file.text.contains("rule-collection-group"))
        {
            return None;
        }
        let commands = commands(file);
        let calls = commands.iter().any(|words| {
            starts_with(words, &OUTBOUND_RULE_SET) || starts_with(words, &FIREWALL_COLLECTION)
        });
        if !calls {
            return None;
        }
        let mut set = RuleSet::empty(file.path.clone(), SourceKind::AzCli);
        for words in &commands {
            if starts_with(words, &OUTBOUND_RULE_SET) {
                if let Some(rule) = rule(file, &words[OUTBOUND_RULE_SET.len()..]) {
                    if set.anchor.line == 1 {
                        set.anchor = rule.at;
                    }
                    set.rules.push(rule);
                }
            } else if starts_with(words, &FIREWALL_COLLECTION) {
                if let Some(rule) = firewall_rule(file, &words[FIREWALL_COLLECTION.len()..]) {
                    if set.anchor.line == 1 {
                        set.anchor = rule.at;
                    }
                    set.rules.push(rule);
                }
            } else if starts_with(words, &["az", "ml", "workspace"])
                && let Some((value, at)) = flag(file, &words[3..], &["--managed-network", "-m"])
            {
                set.isolation_mode = match normalize(&value).as_str() {
                    "disabled" => Some(IsolationMode::Disabled),
                    "allowinternetoutbound" => Some(IsolationMode::AllowInternetOutbound),
                    "allowonlyapprovedoutbound" => Some(IsolationMode::AllowOnlyApprovedOutbound),
                    _ => set.isolation_mode,
                };
                set.isolation_at = Some(at);
            }
        }
        Some(Ok(set))
    }
}

/// A shell word and its byte span in the file.
#[derive(Debug)]
struct Word {
    text: String,
    start: usize,
    end: usize,
}

fn starts_with(words: &[Word], prefix: &[&str]) -> bool {
    words.len() >= prefix.len()
        && words
            .iter()
            .zip(prefix)
            .all(|(word, want)| word.text == *want)
}

fn rule(file: &SourceFile, flags: &[Word]) -> Option<ExistingRule> {
    let at = |word: &Word| Position::span(file, word.start, word.end);
    let kind = match flag(file, flags, &["--type"])
        .map(|(value, _)| normalize(&value))
        .as_deref()
    {
        Some("fqdn") => RuleKind::Fqdn,
        Some("privateendpoint") => RuleKind::PrivateEndpoint,
        Some("servicetag") => RuleKind::ServiceTag,
        _ => return None,
    };
    let mut rule = ExistingRule::new(kind, flags.first().map_or(Position::default(), at));
    let literal = |names: &[&str]| {
        flag(file, flags, names)
            .filter(|(value, _)| !value.contains('$'))
            .map(|(value, at)| Spanned { value, at })
    };
    rule.name = literal(&["--rule", "--name"]);
    if let Some(name) = &rule.name {
        rule.at = name.at;
    }
    match kind {
        RuleKind::Fqdn => rule.destinations.extend(literal(&["--destination"])),
        RuleKind::PrivateEndpoint => {
            if let Some((value, at)) = flag(file, flags, &["--service-resource-id"]) {
                rule.destinations.push(Spanned { value, at });
            }
            rule.subresource = literal(&["--subresource-target"]);
            rule.spark_enabled = flag(file, flags, &["--spark-enabled"]).and_then(|(value, _)| {
                match value.to_ascii_lowercase().as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                }
            });
        }
        _ => {
            rule.destinations.extend(literal(&["--service-tag"]));
            rule.protocols
                .extend(flag(file, flags, &["--protocol"]).map(|(value, _)| value));
            rule.ports
                .extend(flag(file, flags, &["--port-ranges"]).map(|(value, _)| value));
        }
    }
    Some(rule)
}

/// A firewall rule from `add-filter-collection …` or `rule add …` (the words after
/// `collection`).
fn firewall_rule(file: &SourceFile, words: &[Word]) -> Option<ExistingRule> {
    let (name_flags, collection_flags): (&[&str], &[&str]) = match words.first()?.text.as_str() {
        "add-filter-collection" => (&["--rule-name"], &["--name", "-n"]),
        "rule" if words.get(1).is_some_and(|word| word.text == "add") => {
            (&["--name", "-n"], &["--collection-name"])
        }
        _ => return None,
    };
    let kind = match normalize(&flag(file, words, &["--rule-type"])?.0).as_str() {
        "applicationrule" => RuleKind::FirewallApplication,
        "networkrule" => RuleKind::FirewallNetwork,
        _ => return None,
    };
    let mut rule = ExistingRule::new(kind, Position::span(file, words[0].start, words[0].end));
    rule.name = flag(file, words, name_flags)
        .filter(|(value, _)| !value.contains('$'))
        .map(|(value, at)| Spanned { value, at });
    if let Some(name) = &rule.name {
        rule.at = name.at;
    }
    rule.collection = flag(file, words, collection_flags).map(|(value, _)| value);
    let literals = |name: &str| -> Vec<Spanned> {
        values(file, words, name)
            .into_iter()
            .filter(|(value, _)| !value.contains('$'))
            .map(|(value, at)| Spanned { value, at })
            .collect()
    };
    if kind == RuleKind::FirewallApplication {
        rule.destinations = literals("--target-fqdns");
        for (protocol, _) in values(file, words, "--protocols") {
            let (name, port) = protocol
                .split_once(['=', ':'])
                .unwrap_or((protocol.as_str(), ""));
            rule.protocols.push(name.to_string());
            if !port.is_empty() {
                rule.ports.push(port.to_string());
            }
        }
    } else {
        rule.destinations = literals("--destination-fqdns");
        rule.addresses = literals("--destination-addresses");
        rule.ports = values(file, words, "--destination-ports")
            .into_iter()
            .map(|(value, _)| value)
            .collect();
        rule.protocols = values(file, words, "--ip-protocols")
            .into_iter()
            .map(|(value, _)| value)
            .collect();
    }
    Some(rule)
}

/// Every value of a multi-valued flag (`--target-fqdns a b c`): the words up to the next
/// flag.
fn values(file: &SourceFile, words: &[Word], name: &str) -> Vec<(String, Position)> {
    let Some(index) = words.iter().position(|word| word.text == name) else {
        return Vec::new();
    };
    words[index + 1..]
        .iter()
        .take_while(|word| !word.text.starts_with("--"))
        .map(|word| {
            (
                word.text.clone(),
                Position::span(file, word.start, word.end),
            )
        })
        .collect()
}

/// The value of the first of `names` (`--flag value` or `--flag=value`).
fn flag(file: &SourceFile, words: &[Word], names: &[&str]) -> Option<(String, Position)> {
    for (index, word) in words.iter().enumerate() {
        for name in names {
            if word.text == *name {
                let value = words.get(index + 1)?;
                return Some((
                    value.text.clone(),
                    Position::span(file, value.start, value.end),
                ));
            }
            if let Some(value) = word.text.strip_prefix(&format!("{name}=")) {
                let start = word.start + name.len() + 1;
                return Some((
                    value.to_string(),
                    Position::span(file, start.min(word.end), word.end),
                ));
            }
        }
    }
    None
}

/// Splits a script into commands of words, as a POSIX shell would for these purposes.
fn commands(file: &SourceFile) -> Vec<Vec<Word>> {
    let text = &file.text;
    let mut commands = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut current: Option<Word> = None;
    let mut chars = text.char_indices().peekable();
    let finish_word = |current: &mut Option<Word>, words: &mut Vec<Word>, end: usize| {
        if let Some(mut word) = current.take() {
            word.end = end;
            words.push(word);
        }
    };
    while let Some((index, c)) = chars.next() {
        match c {
            '\\' => {
                match chars.next() {
                    // A continuation joins the next line.
                    Some((_, '\n')) => finish_word(&mut current, &mut words, index),
                    Some((_, escaped)) => current
                        .get_or_insert(Word {
                            text: String::new(),
                            start: index,
                            end: index,
                        })
                        .text
                        .push(escaped),
                    None => {}
                }
            }
            '\'' | '"' => {
                let word = current.get_or_insert(Word {
                    text: String::new(),
                    start: index,
                    end: index,
                });
                while let Some((_, inner)) = chars.next() {
                    if inner == c {
                        break;
                    }
                    if c == '"' && inner == '\\' {
                        if let Some((_, escaped)) = chars.next() {
                            if !matches!(escaped, '"' | '\\' | '$' | '`') {
                                word.text.push('\\');
                            }
                            word.text.push(escaped);
                        }
                        continue;
                    }
                    word.text.push(inner);
                }
            }
            '#' if current.is_none() => {
                while let Some((_, skipped)) = chars.peek() {
                    if *skipped == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            '\n' | ';' | '&' | '|' => {
                finish_word(&mut current, &mut words, index);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            ' ' | '\t' | '\r' => finish_word(&mut current, &mut words, index),
            _ => current
                .get_or_insert(Word {
                    text: String::new(),
                    start: index,
                    end: index,
                })
                .text
                .push(c),
        }
        if let Some(word) = current.as_mut() {
            word.end = chars.peek().map_or(text.len(), |(next, _)| *next);
        }
    }
    finish_word(&mut current, &mut words, text.len());
    if !words.is_empty() {
        commands.push(words);
    }
    commands
}
