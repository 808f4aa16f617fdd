//! Azure Firewall deny logs, as exported from Log Analytics or a diagnostic setting:
//!
//! - legacy diagnostics (`AzureDiagnostics`, category `AzureFirewallApplicationRule`):
//!   one string, `properties.msg` (`msg_s` in Log Analytics), such as `HTTPS request from
//!   10.0.0.4:53412 to files.example.org:443. Action: Deny. No rule matched. Proceeding
//!   with default action`;
//! - resource-specific tables (`AZFWApplicationRule`): structured columns `Fqdn`,
//!   `DestinationPort`, `Protocol`, `Action`, `ActionReason`
//!   (<https://learn.microsoft.com/azure/azure-monitor/reference/tables/azfwapplicationrule>).
//!
//! Both come as JSON (an array of records, `{"records": […]}` from a storage account, a
//! Log Analytics `{"tables": [{"columns", "rows"}]}` answer, or one record per line) or
//! as CSV with a header row (the portal's "Export to CSV"). Only denied requests count;
//! allowed ones are noise. Legacy network-rule messages name IP addresses, which no FQDN
//! rule can take: they are listed apart, never as rules. A record's evidence is the line
//! of the file where its host appears.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{Blocked, Line, LogKind, Reason, finding, strongest};

pub struct AzureFirewall;

/// The request of a legacy `msg` string: protocol, host and port.
static MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(HTTPS?|TLS|TCP|UDP)\s+request from\s+\S+\s+to\s+([^\s:]+):(\d+)")
        .expect("valid pattern")
});
static DENY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bAction:\s*Deny\b").expect("valid pattern"));

/// One record, keys lower-cased, `properties` merged in.
type Record = BTreeMap<String, String>;

impl LogKind for AzureFirewall {
    fn name(&self) -> &'static str {
        "azure-firewall"
    }

    fn title(&self) -> &'static str {
        "Azure Firewall log (JSON or CSV)"
    }

    fn detect(&self, text: &str) -> u8 {
        let head: String = text.lines().next().unwrap_or("").to_ascii_lowercase();
        let csv_header = head.contains("fqdn") && head.contains("action");
        let score = strongest(
            text,
            &[
                ("AzureFirewallApplicationRule", 95),
                ("AZFWApplicationRule", 95),
                ("AzureFirewallNetworkRule", 90),
                ("AZFWNetworkRule", 90),
                ("\"Fqdn\"", 60),
                ("msg_s", 60),
            ],
        );
        if csv_header || (MESSAGE.is_match(text) && DENY.is_match(text)) {
            score.max(85)
        } else {
            score
        }
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let denials = match json_records(text) {
            Some(records) => records
                .iter()
                .filter_map(|record| denied(record).map(|(host, port)| (None, host, port)))
                .collect(),
            None => csv_denials(text),
        };
        let lower = text.to_ascii_lowercase();
        // Byte offsets of line starts, for the line of an offset in O(log n): exports run
        // to hundreds of thousands of records.
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        let mut cursor = 0;
        let mut found = Vec::new();
        for (start, host, port) in denials {
            // The record's line: where its host next appears in the file.
            let from = start.unwrap_or(cursor).min(lower.len());
            let Some(offset) = lower[from..].find(&host.to_ascii_lowercase()) else {
                continue;
            };
            let offset = from + offset;
            cursor = offset + host.len();
            let number = line_starts.partition_point(|&start| start <= offset);
            let line_start = line_starts[number - 1];
            let line_end = line_starts.get(number).map_or(text.len(), |&next| next - 1);
            let line = Line {
                number: u32::try_from(number).unwrap_or(u32::MAX),
                visible: text[line_start..line_end]
                    .trim_end_matches('\r')
                    .to_string(),
                start: 0,
            };
            if let Some(blocked) =
                finding("azure-firewall", path, &line, &host, port, Reason::Denied)
            {
                found.push(blocked);
            }
        }
        found
    }
}

/// The host and port a record denied, if it is a denied application request. Threat
/// intelligence and IDPS denies (`AZFWThreatIntel`, `AZFWIdpsSignature`, a legacy `msg`
/// with `ThreatIntel:`) block known-malicious destinations on purpose: never suggested.
fn denied(record: &Record) -> Option<(String, u16)> {
    let threat = |value: &String| {
        let lower = value.to_ascii_lowercase();
        lower.contains("threatintel") || lower.contains("idps")
    };
    if ["category", "type", "operationname", "msg", "msg_s"]
        .iter()
        .filter_map(|key| record.get(*key))
        .any(threat)
    {
        return None;
    }
    let message = record.get("msg").or_else(|| record.get("msg_s"));
    if let Some(message) = message
        && let Some(captures) = MESSAGE.captures(message)
    {
        if !DENY.is_match(message) {
            return None;
        }
        return Some((captures[2].to_string(), captures[3].parse().ok()?));
    }
    let action = record.get("action")?;
    if !action.eq_ignore_ascii_case("deny") {
        return None;
    }
    let host = record.get("fqdn").filter(|fqdn| !fqdn.is_empty())?;
    let port = record
        .get("destinationport")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| {
            // Denied plain-HTTP requests are logged with `Protocol` "HTTP " (a trailing
            // space, MicrosoftDocs/azure-docs#70564).
            let protocol = record
                .get("protocol")
                .map(|p| p.trim().to_ascii_lowercase());
            match protocol {
                Some(protocol) if protocol.starts_with("http:") || protocol == "http" => 80,
                _ => 443,
            }
        });
    Some((host.clone(), port))
}

/// The records of a JSON export, or `None` when the text is not JSON.
fn json_records(text: &str) -> Option<Vec<Record>> {
    let mut records = Vec::new();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        collect(&value, &mut records);
        return Some(records);
    }
    // One record per line.
    let mut any = false;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let value: Value = serde_json::from_str(line.trim()).ok()?;
        any = true;
        collect(&value, &mut records);
    }
    any.then_some(records)
}

fn collect(value: &Value, records: &mut Vec<Record>) {
    match value {
        Value::Array(items) => {
            for item in items {
                collect(item, records);
            }
        }
        Value::Object(object) => {
            if let Some(Value::Array(tables)) = object.get("tables") {
                for table in tables {
                    table_rows(table, records);
                }
            } else if let Some(inner @ Value::Array(_)) =
                object.get("records").or_else(|| object.get("value"))
            {
                collect(inner, records);
            } else {
                let mut record = Record::new();
                flatten(object, &mut record);
                if let Some(Value::Object(properties)) = object.get("properties") {
                    flatten(properties, &mut record);
                }
                records.push(record);
            }
        }
        _ => {}
    }
}

/// A Log Analytics query answer: `{"columns": [{"name": …}], "rows": [[…]]}`.
fn table_rows(table: &Value, records: &mut Vec<Record>) {
    let names: Vec<String> = table
        .get("columns")
        .and_then(Value::as_array)
        .map(|columns| {
            columns
                .iter()
                .map(|column| {
                    column
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_ascii_lowercase()
                })
                .collect()
        })
        .unwrap_or_default();
    for row in table
        .get("rows")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut record = Record::new();
        for (name, cell) in names.iter().zip(row.as_array().into_iter().flatten()) {
            if let Some(text) = scalar(cell) {
                record.insert(name.clone(), text);
            }
        }
        records.push(record);
    }
}

fn flatten(object: &serde_json::Map<String, Value>, record: &mut Record) {
    for (key, value) in object {
        if let Some(text) = scalar(value) {
            record.insert(key.to_ascii_lowercase(), text);
        }
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// The denied requests of a CSV export with a header row, each with its row's byte
/// offset; rows are judged as they are read (exports can be large).
fn csv_denials(text: &str) -> Vec<(Option<usize>, String, u16)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let Ok(headers) = reader.headers() else {
        return Vec::new();
    };
    // "Fqdn", "msg_s", "TimeGenerated [UTC]": names lower-cased, unit suffixes dropped.
    let names: Vec<String> = headers
        .iter()
        .map(|name| {
            name.split(" [")
                .next()
                .unwrap_or(name)
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    let mut denials = Vec::new();
    for row in reader.records() {
        // A malformed row is skipped; the others still count.
        let Ok(row) = row else {
            continue;
        };
        let start = row
            .position()
            .and_then(|position| usize::try_from(position.byte()).ok());
        let record: Record = names
            .iter()
            .cloned()
            .zip(row.iter().map(str::to_string))
            .collect();
        if let Some((host, port)) = denied(&record) {
            denials.push((start, host, port));
        }
    }
    denials
}
