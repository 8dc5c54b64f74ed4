//! Debezium connector configs (Kafka Connect `*.properties`, YAML, or the
//! JSON posted to the Connect REST API: `{"name": …, "config": {…}}`).
//! Each plain `db.table` of `table.include.list` (`table.whitelist` in
//! Debezium 1.x) flows, all its columns, to its change topic
//! `<topic.prefix>.<db>.<table>` (`database.server.name` in 1.x). The table
//! is the one the DDL defines: flows name `db.table`, which the assembly
//! resolves like any other table name.

use super::text::Entry;
use super::{EndpointFlow, FileFacts};
use crate::model::{Endpoint, LineIndex, Location, Transform};
use serde_json::Value;

/// The value of the first entry whose key is `key` or ends with `.key`
/// (a YAML block such as `config:` nests the keys), compared normalised.
fn get<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    let want = super::catalog::normalise_key(key);
    entries.iter().find(|e| {
        let k = super::catalog::normalise_key(&e.key);
        k == want || k.ends_with(&format!(".{want}"))
    })
}

/// Adds the change topics and flows of one Debezium connector config, if
/// the entries are one.
pub fn read(file: &str, entries: &[Entry], facts: &mut FileFacts) {
    let Some(class) = get(entries, "connector.class") else {
        return;
    };
    if !class.value.to_ascii_lowercase().contains("debezium") {
        return;
    }
    let Some(list) = get(entries, "table.include.list").or_else(|| get(entries, "table.whitelist"))
    else {
        return;
    };
    let prefix = get(entries, "topic.prefix")
        .or_else(|| get(entries, "database.server.name"))
        .map(|e| e.value.trim().to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "debezium".to_string());
    let ident = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    };
    for item in list.value.split(',') {
        let plain = item.trim().replace('\\', "");
        let parts: Vec<&str> = plain.split('.').collect();
        // `db.table` or `db.schema.table`; a regex names no single table.
        if parts.len() < 2 || !parts.iter().all(|p| ident(p)) {
            continue;
        }
        let topic = format!("{prefix}.{plain}");
        let location = Location::line(file, list.line);
        let ep = Endpoint::named(
            "message_queue",
            topic,
            "debezium".to_string(),
            None,
            super::catalog::UNKNOWN.to_string(),
            location.clone(),
        );
        facts.endpoint_flows.push(EndpointFlow {
            table: parts[parts.len() - 2..].join("."),
            columns: Vec::new(),
            endpoint: ep.id.clone(),
            transform: Transform::Copy,
            location,
        });
        facts.endpoints.push(ep);
    }
}

/// [`read`] for a JSON connector config: the `config` object (or the
/// document itself), each string value at the line of its key.
pub fn read_json(file: &str, text: &str, json: &Value, facts: &mut FileFacts) {
    let Some(obj) = json
        .get("config")
        .and_then(Value::as_object)
        .or_else(|| json.as_object())
    else {
        return;
    };
    if !obj.contains_key("connector.class") {
        return;
    }
    let lines = LineIndex::new(text);
    let entries: Vec<Entry> = obj
        .iter()
        .filter_map(|(k, v)| {
            let value = v.as_str()?.to_string();
            let at = text.find(&format!("\"{k}\"")).unwrap_or(0);
            Some(Entry {
                key: k.clone(),
                value,
                line: lines.line(at),
            })
        })
        .collect();
    read(file, &entries, facts);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::parse_properties;

    #[test]
    fn included_tables_flow_to_their_change_topics() {
        let p = "name=his-cdc\nconnector.class=io.debezium.connector.mysql.MySqlConnector\ndatabase.hostname=10.0.0.5\ntopic.prefix=his\ntable.include.list=his.patient,his\\\\.visit,his.log_.*\n";
        let mut f = FileFacts::default();
        read("connect/his.properties", &parse_properties(p), &mut f);
        let got: Vec<(&str, &str, u32)> = f
            .endpoint_flows
            .iter()
            .map(|x| (x.table.as_str(), x.endpoint.as_str(), x.location.line))
            .collect();
        assert_eq!(
            got,
            [
                ("his.patient", "endpoint:message_queue:his.his.patient", 5),
                ("his.visit", "endpoint:message_queue:his.his.visit", 5)
            ]
        );
        // Not Debezium: nothing.
        let mut f = FileFacts::default();
        let other = "connector.class=io.confluent.connect.jdbc.JdbcSourceConnector\ntable.include.list=a.b\n";
        read("c.properties", &parse_properties(other), &mut f);
        assert!(f.endpoint_flows.is_empty() && f.endpoints.is_empty());
    }

    #[test]
    fn json_connector_configs_are_read_with_lines() {
        let text = "{\n  \"name\": \"emr\",\n  \"config\": {\n    \"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\",\n    \"database.server.name\": \"emr\",\n    \"table.include.list\": \"public.visit\"\n  }\n}\n";
        let json: Value = serde_json::from_str(text).expect("valid");
        let mut f = FileFacts::default();
        read_json("emr.json", text, &json, &mut f);
        assert_eq!(f.endpoint_flows.len(), 1);
        assert_eq!(f.endpoint_flows[0].table, "public.visit");
        assert_eq!(f.endpoint_flows[0].location.line, 6);
        assert_eq!(f.endpoints[0].name.as_deref(), Some("emr.public.visit"));
    }
}
