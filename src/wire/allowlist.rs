//! The hosts `record --enforce` lets through. [`load`] reads any rules file `audit`
//! reads (`crate::audit::inputs::read`: ARM, Bicep, Terraform, `az` JSON and scripts,
//! firewall policies) and takes the hosts its rules allow; a hosts list (one host,
//! `host:port` or URL per line; `#` comments) and a workspace YAML
//! (`managed_network.outbound_rules[]` of `type: fqdn`, their `destination`) are read
//! here, since a hosts list for a proxy may carry ports and URLs. Matching
//! is Azure Firewall's: `*.example.org` allows any depth of subdomain, never
//! `example.org` itself (`crate::host::allows`). Ports are not compared: FQDN rules
//! carry 80 and 443, and the tests' servers listen on ephemeral ports.

use saphyr::{LoadableYamlNode, Yaml};

use crate::wire::target;

/// Allowed host patterns and where they were read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowlist {
    pub source: String,
    /// Forward hosts, possibly `*.suffix`, lower case.
    pub patterns: Vec<String>,
}

impl Allowlist {
    /// The first pattern that allows `host`.
    pub fn allowing(&self, host: &str) -> Option<&str> {
        let host = crate::wire::resolver::normalise(host);
        self.patterns
            .iter()
            .find(|pattern| crate::host::allows(pattern, &host))
            .map(String::as_str)
    }
}

/// Reads an allowlist; a `.yml`/`.yaml` file is a workspace YAML, anything else a hosts
/// list.
pub fn load(display_path: &str, text: &str) -> Result<Allowlist, String> {
    let yaml = std::path::Path::new(display_path)
        .extension()
        .is_some_and(|extension| {
            extension.eq_ignore_ascii_case("yml") || extension.eq_ignore_ascii_case("yaml")
        });
    let shared = crate::audit::inputs::read(display_path, text)
        .ok()
        .filter(|set| {
            !matches!(
                set.source_kind,
                crate::audit::SourceKind::Hosts | crate::audit::SourceKind::WorkspaceYaml
            )
        });
    let patterns = if let Some(set) = shared {
        set.allowed_hosts().into_iter().collect()
    } else if yaml {
        workspace_destinations(display_path, text)?
    } else {
        hosts_list(display_path, text)?
    };
    Ok(Allowlist {
        source: display_path.to_string(),
        patterns,
    })
}

fn hosts_list(display_path: &str, text: &str) -> Result<Vec<String>, String> {
    let mut patterns = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        let host = if let Some(suffix) = entry.strip_prefix("*.") {
            format!("*.{}", suffix.to_ascii_lowercase())
        } else {
            target::parse_entry(entry, "")
                .map_err(|message| format!("{display_path}:{}: {message}", index + 1))?
                .host
        };
        patterns.push(host);
    }
    Ok(patterns)
}

fn workspace_destinations(display_path: &str, text: &str) -> Result<Vec<String>, String> {
    let documents = Yaml::load_from_str(text)
        .map_err(|error| format!("{display_path}: not valid YAML: {error}"))?;
    let network = documents
        .first()
        .and_then(|document| document.as_mapping_get("managed_network"))
        .ok_or_else(|| format!("{display_path}: not a workspace YAML (no managed_network)"))?;
    // A managed network without outbound rules allows nothing.
    let Some(rules) = network.as_mapping_get("outbound_rules") else {
        return Ok(Vec::new());
    };
    let rules = rules
        .as_vec()
        .ok_or_else(|| format!("{display_path}: managed_network.outbound_rules is not a list"))?;
    Ok(rules
        .iter()
        .filter(|rule| {
            rule.as_mapping_get("type")
                .and_then(Yaml::as_str)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("fqdn"))
        })
        .filter_map(|rule| rule.as_mapping_get("destination").and_then(Yaml::as_str))
        .map(|destination| destination.trim().to_ascii_lowercase())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_rules_file_audit_reads_is_an_allowlist() {
        let text = r#"[{"name": "pkgs", "properties": {"type": "FQDN", "category": "UserDefined", "destination": "pkgs.example.org"}},
 {"name": "cdn", "properties": {"type": "FQDN", "category": "UserDefined", "destination": "*.cdn.example.org"}}]"#;
        let allowlist = load("rules.json", text).unwrap();
        assert_eq!(
            allowlist.allowing("pkgs.example.org"),
            Some("pkgs.example.org")
        );
        assert_eq!(
            allowlist.allowing("a.b.cdn.example.org"),
            Some("*.cdn.example.org")
        );
        assert_eq!(allowlist.allowing("cdn.example.org"), None);
    }

    #[test]
    fn hosts_lists_with_wildcards() {
        let list = load(
            "allow.txt",
            "# allowed\npkgs.test\n*.Files.test\nhttps://mirror.test:8443/simple\n",
        )
        .unwrap();
        assert_eq!(list.patterns, ["pkgs.test", "*.files.test", "mirror.test"]);
        assert_eq!(list.allowing("PKGS.test."), Some("pkgs.test"));
        assert_eq!(list.allowing("a.b.files.test"), Some("*.files.test"));
        assert_eq!(list.allowing("files.test"), None);
        assert_eq!(list.allowing("pkgs.test.evil"), None);
        assert!(
            load("allow.txt", "ok.test\nbad host\n")
                .unwrap_err()
                .starts_with("allow.txt:2:")
        );
    }

    #[test]
    fn workspace_yaml_fqdn_rules_only() {
        let yaml = "name: ws\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  - name: pkgs\n    type: fqdn\n    destination: pkgs.test\n  - name: any-files\n    type: fqdn\n    destination: '*.files.test'\n  - name: storage\n    type: private_endpoint\n    destination:\n      service_resource_id: /subscriptions/x\n  - name: tag\n    type: service_tag\n    destination:\n      service_tag: AzureCloud\n";
        let list = load("ws.yml", yaml).unwrap();
        assert_eq!(list.patterns, ["pkgs.test", "*.files.test"]);
        assert!(load("ws.yaml", "a: [").is_err());
        assert!(load("ws.yaml", "name: ws\n").is_err());
        let empty = load(
            "ws.yaml",
            "managed_network:\n  isolation_mode: allow_only_approved_outbound\n",
        );
        assert_eq!(empty.unwrap().patterns, Vec::<String>::new());
        assert!(load("ws.yaml", "managed_network:\n  outbound_rules: 3\n").is_err());
    }
}
