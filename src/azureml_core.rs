//! What Azure Machine Learning itself needs when its compute sits in a customer-managed
//! VNet (no managed network): service tags for NSGs and Azure Firewall network rules,
//! and host names for firewall rules, per Azure cloud. `generate
//! --include-azureml-core` adds them to the plan beside what the scan found.
//!
//! The data is reviewed TOML, `knowledge/azureml-core.toml`, compiled in with
//! `include_str!` and validated on first use; a unit test validates it on every build,
//! so that first use cannot fail. Hosts are stored reverse-labelled like the knowledge
//! base. The documentation's entries with a `<region>` or `<storage>` placeholder are no
//! host names, so the file leaves them out: regional service tags (`Storage.<region>`)
//! cover them, and each output writes the region as a parameter of its own.
//!
//! Pure: no I/O beyond the embedded text.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::host;
use crate::plan::Cloud;

/// The file's name in error messages and in the knowledge directory.
pub const FILE: &str = "knowledge/azureml-core.toml";

const TEXT: &str = include_str!("../knowledge/azureml-core.toml");

/// NSG rule descriptions hold at most 140 characters, and each purpose becomes one.
const MAX_PURPOSE: usize = 140;

/// One thing Azure ML needs, for the clouds it was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub id: String,
    pub destination: Destination,
    pub protocol: Transport,
    pub ports: BTreeSet<u16>,
    /// One sentence, at most 140 characters.
    pub purpose: String,
    /// The documentation's condition, e.g. "only if the workspace was created with
    /// `hbi_workspace`".
    pub when: Option<String>,
    /// Where the documentation says so.
    pub source: String,
}

/// Where a requirement leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A service tag; `regional` ones are written `Tag.<region>` with the region given
    /// to the output. `azure_firewall` is false for tags only NSGs accept.
    Tag {
        name: String,
        regional: bool,
        azure_firewall: bool,
    },
    /// A host, written forward (`*.azureml.net` for a wildcard).
    Host(String),
}

/// The transport the documentation gives. Hosts are TCP (80 and 443 become firewall
/// application rules); tags and a few hosts are UDP or any protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    Tcp,
    Udp,
    Any,
}

impl Transport {
    /// Lower-case, as in rule names (`tcp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
            Transport::Any => "any",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    requirement: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Entry {
    id: String,
    clouds: Vec<String>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    regional: bool,
    #[serde(default)]
    direction: Option<Direction>,
    #[serde(default = "yes")]
    azure_firewall: bool,
    #[serde(default)]
    host: Option<String>,
    protocol: Transport,
    ports: Vec<u16>,
    purpose: String,
    #[serde(default)]
    when: Option<String>,
    source: String,
}

/// Only outbound rules are written; the field keeps the data self-describing, as the
/// documentation's tables have a direction column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Direction {
    Outbound,
}

fn yes() -> bool {
    true
}

/// Every entry, parsed and checked once.
static ENTRIES: LazyLock<Vec<(Vec<Cloud>, Requirement)>> = LazyLock::new(|| {
    // The unit tests load the same embedded text, so a broken file fails the build's
    // tests long before a user could reach this.
    load(TEXT).unwrap_or_else(|error| panic!("{FILE} is invalid: {error}"))
});

/// What Azure ML needs in `cloud`, in the file's order (sorted by id).
pub fn requirements(cloud: Cloud) -> Vec<Requirement> {
    ENTRIES
        .iter()
        .filter(|(clouds, _)| clouds.contains(&cloud))
        .map(|(_, requirement)| requirement.clone())
        .collect()
}

fn cloud_named(name: &str) -> Option<Cloud> {
    [Cloud::Public, Cloud::China, Cloud::UsGov]
        .into_iter()
        .find(|cloud| cloud.as_str() == name)
}

/// Parses and validates the file's text; the error names the entry.
fn load(text: &str) -> Result<Vec<(Vec<Cloud>, Requirement)>, String> {
    let file: File = toml_edit::de::from_str(text)
        .map_err(|error| error.to_string().trim().replace('\n', " "))?;
    let mut seen_ids = BTreeSet::new();
    // Two entries may not ask for the same destination, transport and port in one
    // cloud: outputs would carry duplicate rules.
    let mut seen_flows = BTreeSet::new();
    let mut out = Vec::new();
    for entry in file.requirement {
        let fail = |message: &str| format!("entry `{}`: {message}", entry.id);
        if entry.id.is_empty()
            || !entry
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(fail("ids are lower-case kebab-case"));
        }
        if !seen_ids.insert(entry.id.clone()) {
            return Err(fail("the id is used twice"));
        }
        let mut clouds = Vec::new();
        for name in &entry.clouds {
            let cloud = cloud_named(name)
                .ok_or_else(|| fail(&format!("unknown cloud `{name}` (public, usgov, china)")))?;
            if clouds.contains(&cloud) {
                return Err(fail(&format!("cloud `{name}` is listed twice")));
            }
            clouds.push(cloud);
        }
        if clouds.is_empty() {
            return Err(fail("`clouds` is empty"));
        }
        if entry.ports.is_empty() || entry.ports.contains(&0) {
            return Err(fail("`ports` must list ports from 1 to 65535"));
        }
        let purpose = entry.purpose.trim();
        if purpose.is_empty() || purpose.chars().count() > MAX_PURPOSE {
            return Err(fail(
                "`purpose` must be one sentence of at most 140 characters (an NSG rule description)",
            ));
        }
        if entry
            .when
            .as_deref()
            .is_some_and(|when| when.trim().is_empty())
        {
            return Err(fail("`when` is empty"));
        }
        if !entry.source.starts_with("https://") || entry.source.contains(char::is_whitespace) {
            return Err(fail(
                "`source` must be an https:// URL saying where the fact comes from",
            ));
        }
        let destination = match (&entry.tag, &entry.host) {
            (Some(tag), None) => {
                if !is_valid_tag(tag) {
                    return Err(fail(
                        "`tag` must be a service tag name such as `AzureMonitor`",
                    ));
                }
                if entry.direction != Some(Direction::Outbound) {
                    return Err(fail("a tag needs `direction = \"outbound\"`"));
                }
                Destination::Tag {
                    name: tag.clone(),
                    regional: entry.regional,
                    azure_firewall: entry.azure_firewall,
                }
            }
            (None, Some(reversed)) => {
                if !host::is_valid_reversed(reversed) || host::looks_forward(reversed) {
                    return Err(fail(
                        "`host` must be reverse-labelled (`com.azure.ml`, or `net.azureml.*`)",
                    ));
                }
                if entry.regional || entry.direction.is_some() || !entry.azure_firewall {
                    return Err(fail(
                        "`regional`, `direction` and `azure-firewall` belong to tags",
                    ));
                }
                Destination::Host(host::reverse(reversed))
            }
            _ => return Err(fail("give exactly one of `tag` and `host`")),
        };
        let ports: BTreeSet<u16> = entry.ports.iter().copied().collect();
        for cloud in &clouds {
            for port in &ports {
                let key = (
                    cloud.as_str(),
                    format!("{destination:?}"),
                    entry.protocol,
                    *port,
                );
                if !seen_flows.insert(key) {
                    return Err(fail(&format!(
                        "another entry already has this destination, protocol and port {port} in cloud {}",
                        cloud.as_str()
                    )));
                }
            }
        }
        out.push((
            clouds,
            Requirement {
                id: entry.id,
                destination,
                protocol: entry.protocol,
                ports,
                purpose: purpose.to_string(),
                when: entry.when.map(|when| when.trim().to_string()),
                source: entry.source,
            },
        ));
    }
    Ok(out)
}

/// A service tag name: letters and digits, dot-separated parts (`AzureFrontDoor.FirstParty`),
/// starting with an upper-case letter. Outputs rely on it: tags are written into rule
/// names and expressions without quoting.
pub fn is_valid_tag(tag: &str) -> bool {
    tag.starts_with(|c: char| c.is_ascii_uppercase())
        && tag
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> File {
        toml_edit::de::from_str(TEXT).unwrap()
    }

    #[test]
    fn embedded_file_is_valid() {
        let entries = load(TEXT).unwrap();
        assert!(!entries.is_empty());
        for cloud in [Cloud::Public, Cloud::China, Cloud::UsGov] {
            let requirements = requirements(cloud);
            assert!(
                requirements
                    .iter()
                    .any(|r| matches!(&r.destination, Destination::Tag { name, .. } if name == "AzureMachineLearning")),
                "{cloud:?} lacks the AzureMachineLearning tag"
            );
            assert!(
                requirements
                    .iter()
                    .any(|r| matches!(r.destination, Destination::Host(_))),
                "{cloud:?} has no host"
            );
        }
    }

    /// Reviewers read the file as a list: sorted by id, ids unique.
    #[test]
    fn embedded_file_is_sorted_by_id() {
        let ids: Vec<String> = raw()
            .requirement
            .into_iter()
            .map(|entry| entry.id)
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "{FILE}: entries must be sorted by id and unique"
        );
    }

    #[test]
    fn hosts_are_reverse_labelled_and_sources_https() {
        for entry in raw().requirement {
            if let Some(reversed) = &entry.host {
                assert!(host::is_valid_reversed(reversed), "{}", entry.id);
                assert!(!host::looks_forward(reversed), "{}", entry.id);
                // A placeholder such as `<region>` is no host name.
                assert!(!reversed.contains('<'), "{}", entry.id);
            }
            assert!(entry.source.starts_with("https://"), "{}", entry.id);
        }
    }

    /// pkgallow never writes a wildcard over shared hosting (`*.blob.core.windows.net`
    /// opens every storage account), whatever the documentation lists.
    #[test]
    fn no_wildcard_over_shared_hosting() {
        let knowledge = crate::knowledge::Knowledge::embedded().unwrap();
        for entry in raw().requirement {
            if let Some(suffix) = entry.host.as_deref().and_then(|h| h.strip_suffix(".*")) {
                assert!(
                    knowledge.shared_suffix_of(suffix).is_none(),
                    "{}: wildcard over shared hosting",
                    entry.id
                );
            }
        }
    }

    #[test]
    fn clouds_differ_where_the_docs_do() {
        let hosts = |cloud| -> Vec<String> {
            requirements(cloud)
                .into_iter()
                .filter_map(|r| match r.destination {
                    Destination::Host(host) => Some(host),
                    Destination::Tag { .. } => None,
                })
                .collect()
        };
        assert!(hosts(Cloud::Public).contains(&"ml.azure.com".to_string()));
        assert!(hosts(Cloud::UsGov).contains(&"ml.azure.us".to_string()));
        assert!(hosts(Cloud::China).contains(&"studio.ml.azure.cn".to_string()));
        assert!(!hosts(Cloud::UsGov).contains(&"ml.azure.com".to_string()));
        // The front door tag is not needed in Azure operated by 21Vianet.
        assert!(!requirements(Cloud::China).iter().any(|r| matches!(
            &r.destination,
            Destination::Tag { name, .. } if name == "AzureFrontDoor.Frontend"
        )));
    }

    #[test]
    fn bad_entries_are_refused() {
        let good = r#"
[[requirement]]
id = "x"
clouds = ["public"]
host = "com.example"
protocol = "tcp"
ports = [443]
purpose = "p"
source = "https://example.com"
"#;
        assert!(load(good).is_ok());
        let cases = [
            (
                good.replace("com.example", "example.com"),
                "reverse-labelled",
            ),
            (
                good.replace("com.example", "com.<region>.x"),
                "reverse-labelled",
            ),
            (good.replace("\"public\"", "\"mars\""), "unknown cloud"),
            (good.replace("https://", "http://"), "source"),
            (
                good.replace("host = \"com.example\"", "tag = \"Storage\""),
                "direction",
            ),
            (
                good.replace(
                    "host = \"com.example\"",
                    "tag = \"storage\"\ndirection = \"outbound\"",
                ),
                "service tag",
            ),
            (
                good.replace(
                    "purpose = \"p\"",
                    &format!("purpose = \"{}\"", "p".repeat(141)),
                ),
                "140",
            ),
            (format!("{good}{good}"), "used twice"),
            (
                good.replace("ports = [443]", "ports = [443]\nregional = true"),
                "belong to tags",
            ),
            (
                good.replace("protocol = \"tcp\"", "protocol = \"icmp\""),
                "icmp",
            ),
            (
                good.replace("ports = [443]", "ports = [443]\nspeed = 1"),
                "speed",
            ),
        ];
        for (text, expected) in cases {
            let error = load(&text).unwrap_err();
            assert!(error.contains(expected), "{expected}: {error}");
        }
        let duplicate = format!("{good}{}", good.replace("id = \"x\"", "id = \"y\""));
        assert!(load(&duplicate).unwrap_err().contains("already has"));
    }

    #[test]
    fn tags() {
        assert!(is_valid_tag("AzureFrontDoor.FirstParty"));
        assert!(is_valid_tag("Storage"));
        assert!(!is_valid_tag("storage"));
        assert!(!is_valid_tag("Storage."));
        assert!(!is_valid_tag("Storage.${x}"));
        assert!(!is_valid_tag("Storage-x"));
    }
}
