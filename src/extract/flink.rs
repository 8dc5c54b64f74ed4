//! Flink SQL connector tables: `CREATE TABLE t (…) WITH ('connector' = …)`.
//! Each connector table becomes an [`Endpoint`] (Kafka topic, JDBC table,
//! object-store path, Elasticsearch index, Kinesis stream…); a table that
//! the same file writes (`INSERT INTO t`) is a sink, and all its columns
//! flow to the endpoint. The table and its columns themselves, and the
//! column lineage of the `INSERT … SELECT`, come from the SQL extractor.

use super::catalog::{self, Catalog};
use super::{EndpointFlow, FileFacts};
use crate::model::{Endpoint, LineIndex, Location, Transform};
use regex::Regex;
use std::sync::OnceLock;

fn create_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?is)\bcreate\s+(?:temporary\s+)?table\s+(?:if\s+not\s+exists\s+)?([`\w.]+)")
            .expect("valid regex")
    })
}

fn option_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"'([^']+)'\s*=\s*'([^']*)'").expect("valid regex"))
}

fn insert_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?is)\binsert\s+(?:into|overwrite)\s+(?:table\s+)?([`\w.]+)")
            .expect("valid regex")
    })
}

/// Connectors that reach no external system.
const LOCAL: &[&str] = &["print", "blackhole", "datagen", "faker", "values"];

/// The end of the parenthesised group starting at `open` (an index of `(`).
fn matching_paren(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str = false;
    for (i, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'\'' => in_str = !in_str,
            b'(' if !in_str => depth += 1,
            b')' if !in_str => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Adds the connector endpoints (and sink flows) of one SQL file.
pub fn read(file: &str, text: &str, catalog: &Catalog, facts: &mut FileFacts) {
    if !text.contains("connector") {
        return;
    }
    let lines = LineIndex::new(text);
    let bytes = text.as_bytes();
    let sinks: Vec<String> = insert_re()
        .captures_iter(text)
        .map(|c| c[1].trim_matches('`').to_ascii_lowercase())
        .collect();
    for cap in create_re().captures_iter(text) {
        let whole = cap.get(0).expect("match");
        let table = cap[1].trim_matches('`').to_string();
        let Some(open) = text[whole.end()..].find('(').map(|i| i + whole.end()) else {
            continue;
        };
        let Some(close) = matching_paren(bytes, open) else {
            continue;
        };
        let rest = &text[close + 1..];
        let trimmed = rest.trim_start();
        if !trimmed
            .get(..4)
            .is_some_and(|w| w.eq_ignore_ascii_case("with"))
        {
            continue;
        }
        let with_at = close + 1 + (rest.len() - trimmed.len());
        let Some(wopen) = text[with_at..].find('(').map(|i| i + with_at) else {
            continue;
        };
        let wclose = matching_paren(bytes, wopen).unwrap_or(text.len() - 1);
        let opts: Vec<(String, String)> = option_re()
            .captures_iter(&text[wopen..=wclose.min(text.len() - 1)])
            .map(|c| (c[1].to_ascii_lowercase(), c[2].to_string()))
            .collect();
        let Some(connector) = option(&opts, "connector").map(str::to_ascii_lowercase) else {
            continue;
        };
        if LOCAL.contains(&connector.as_str()) {
            continue;
        }
        let line = lines.line(whole.start());
        let ep = endpoint(
            &connector,
            &opts,
            catalog,
            Location::line(file, line),
            &table,
        );
        if let Some(source) = cdc_source(&connector, &opts) {
            facts.cdc_sources.push(super::CdcSource {
                table: table.clone(),
                source,
                location: Location::line(file, line),
            });
        }
        if sinks.iter().any(|s| s == &table.to_ascii_lowercase()) {
            facts.endpoint_flows.push(EndpointFlow {
                table: table.clone(),
                columns: Vec::new(),
                endpoint: ep.id.clone(),
                transform: Transform::Copy,
                location: Location::line(file, line),
            });
        }
        facts.endpoints.push(ep);
    }
}

/// The source table of a CDC connector: `'database-name'` (or
/// `'schema-name'` for PostgreSQL, Oracle, SQL Server) and `'table-name'`;
/// a `'table-name'` already qualified is taken as it is. None for other
/// connectors and for patterns (`'table-name' = 'order_[0-9]+'`).
fn cdc_source(connector: &str, opts: &[(String, String)]) -> Option<String> {
    if !connector.ends_with("-cdc") {
        return None;
    }
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.'))
    };
    let table = option(opts, "table-name")
        .or(option(opts, "collection"))
        .filter(|t| plain(t))?;
    if table.contains('.') {
        return Some(table.to_string());
    }
    let qualifier = option(opts, "schema-name")
        .filter(|_| connector != "mysql-cdc")
        .or(option(opts, "database-name"))
        .filter(|q| plain(q) && !q.contains('.'));
    Some(match qualifier {
        Some(q) => format!("{q}.{table}"),
        None => table.to_string(),
    })
}

fn option<'a>(opts: &'a [(String, String)], key: &str) -> Option<&'a str> {
    opts.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn endpoint(
    connector: &str,
    opts: &[(String, String)],
    catalog: &Catalog,
    location: Location,
    table: &str,
) -> Endpoint {
    let get = |k: &str| option(opts, k);
    let mut vendor = connector.to_string();
    let mut region = None;
    let mut jurisdiction = catalog::UNKNOWN.to_string();
    let mut broker: Option<String> = None;
    let (kind, name) =
        if connector.contains("kafka") || connector == "pulsar" || connector == "rabbitmq" {
            let host = get("properties.bootstrap.servers")
                .or(get("service-url"))
                .and_then(|h| catalog::host_of(h.split(',').next().unwrap_or(h)));
            broker.clone_from(&host);
            if let Some(info) = host.as_deref().and_then(|h| catalog.host(h)) {
                jurisdiction = info.jurisdiction;
                region = info.region;
            }
            ("message_queue", get("topic").unwrap_or(table).to_string())
        } else if connector == "jdbc" || connector.ends_with("-cdc") {
            let host = get("url")
                .and_then(super::spring::parse_jdbc)
                .map(|(_, h)| h)
                .or(get("hostname").map(str::to_string));
            let t = get("table-name").unwrap_or(table);
            ("database", format!("{}/{t}", host.unwrap_or_default()))
        } else if connector.starts_with("elasticsearch") || connector.starts_with("opensearch") {
            let host = get("hosts").and_then(catalog::host_of).unwrap_or_default();
            (
                "search",
                format!("{host}/{}", get("index").unwrap_or(table)),
            )
        } else if connector == "filesystem" {
            let path = get("path").unwrap_or("").to_string();
            let scheme = path
                .split_once("://")
                .map_or("file", |(s, _)| s)
                .to_ascii_lowercase();
            match scheme.as_str() {
                "s3" | "s3a" | "s3n" => vendor = "aws-s3".into(),
                "oss" => vendor = "aliyun-oss".into(),
                "cosn" | "cos" => vendor = "tencent-cos".into(),
                "obs" => vendor = "huawei-obs".into(),
                other => vendor = other.into(),
            }
            let kind = if matches!(scheme.as_str(), "file" | "hdfs" | "viewfs") {
                "file"
            } else {
                "object_store"
            };
            (kind, path)
        } else if matches!(connector, "kinesis" | "firehose" | "dynamodb") {
            vendor = format!("aws-{connector}");
            if let Some(r) = get("aws.region") {
                jurisdiction = catalog.jurisdiction("aws", r).to_string();
                region = Some(r.to_string());
            }
            (
                "message_queue",
                get("stream")
                    .or(get("delivery-stream"))
                    .or(get("table-name"))
                    .unwrap_or(table)
                    .to_string(),
            )
        } else {
            ("database", table.to_string())
        };
    Endpoint {
        host: broker,
        ..Endpoint::named(kind, name, vendor, region, jurisdiction, location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_flow_and_sources_do_not() {
        let sql = "CREATE TABLE src (phone STRING) WITH ('connector' = 'kafka', 'topic' = 'members');\nCREATE TABLE sink (\n phone STRING\n) WITH (\n 'connector' = 'kinesis',\n 'stream' = 'member-events',\n 'aws.region' = 'us-west-2'\n);\nCREATE TABLE dbg (x INT) WITH ('connector' = 'print');\nINSERT INTO sink SELECT phone FROM src;";
        let mut f = FileFacts::default();
        read("job.sql", sql, &Catalog::embedded(), &mut f);
        let ids: Vec<(&str, &str, u32)> = f
            .endpoints
            .iter()
            .map(|e| (e.id.as_str(), e.jurisdiction.as_str(), e.location.line))
            .collect();
        assert_eq!(
            ids,
            [
                ("endpoint:message_queue:members", "unknown", 1),
                ("endpoint:message_queue:member-events", "abroad", 2)
            ]
        );
        assert_eq!(f.endpoint_flows.len(), 1);
        assert_eq!(f.endpoint_flows[0].table, "sink");
        assert!(f.cdc_sources.is_empty());
    }

    #[test]
    fn cdc_tables_name_their_source() {
        let sql = "CREATE TABLE patient_src (id INT, idcardno STRING) WITH (\n 'connector' = 'mysql-cdc',\n 'database-name' = 'his',\n 'table-name' = 'patient');\n\
                   CREATE TABLE pg_src (id INT) WITH ('connector' = 'postgres-cdc', 'database-name' = 'emr', 'schema-name' = 'public', 'table-name' = 'visit');\n\
                   CREATE TABLE shards (id INT) WITH ('connector' = 'mysql-cdc', 'database-name' = 'shop', 'table-name' = 'order_[0-9]+');\n\
                   CREATE TABLE k (id INT) WITH ('connector' = 'kafka', 'topic' = 't', 'table-name' = 'x');";
        let mut f = FileFacts::default();
        read("cdc.sql", sql, &Catalog::embedded(), &mut f);
        let got: Vec<(&str, &str, u32)> = f
            .cdc_sources
            .iter()
            .map(|c| (c.table.as_str(), c.source.as_str(), c.location.line))
            .collect();
        assert_eq!(
            got,
            [
                ("patient_src", "his.patient", 1),
                ("pg_src", "public.visit", 5)
            ]
        );
    }
}
