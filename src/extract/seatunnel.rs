//! SeaTunnel job configs (HOCON: `env {…} source {…} transform {…} sink {…}`).
//!
//! A tolerant line reader (no HOCON crate in wide use fits: the files mix
//! `=`/`:` separators, unquoted strings and comments freely) collects each
//! plugin block's `key = value` settings. Sources become `SELECT`s (their
//! `query`, or every column of `table_path` / `table-names`); a JDBC sink
//! becomes `INSERT INTO <table> <select>` for the SQL extractor's lineage,
//! other sinks (Kafka, S3/OSS/COS/OBS files, Elasticsearch, HTTP, …) become
//! endpoints the source columns flow to. Files without both `source` and
//! `sink` blocks (nginx.conf…) are not SeaTunnel jobs and yield nothing.

use super::catalog::{self, Catalog};
use super::sql::SqlDialect;
use super::{EndpointFlow, FileFacts};
use crate::model::{Diagnostic, DiagnosticLevel, Endpoint, Location};

/// One plugin block: `Jdbc { … }` inside `source { … }`.
#[derive(Debug, Clone, Default)]
struct Plugin {
    section: String,
    name: String,
    line: u32,
    entries: Vec<(String, String)>,
}

impl Plugin {
    fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

fn clean_value(v: &str) -> String {
    let v = v.trim().trim_end_matches(',').trim();
    if !v.starts_with('[') {
        return super::text::unquote(v).to_string();
    }
    let v = v.trim_start_matches('[').trim_end_matches(']');
    v.split(',')
        .map(|x| super::text::unquote(x.trim()).to_string())
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads the blocks; unbalanced braces give a diagnostic.
fn parse(file: &str, text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Plugin> {
    let mut out: Vec<Plugin> = Vec::new();
    let mut stack: Vec<(String, u32)> = Vec::new();
    // Depth of a multi-line `[ … ]` value being skipped.
    let mut array_depth = 0i64;
    for (n, raw) in text.lines().enumerate() {
        let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        let brackets = |s: &str| s.matches('[').count() as i64 - s.matches(']').count() as i64;
        if array_depth > 0 {
            array_depth += brackets(t);
            continue;
        }
        if t == "}" || t == "}," {
            if stack.pop().is_none() {
                diags.push(Diagnostic {
                    file: file.into(),
                    line,
                    severity: DiagnosticLevel::Warning,
                    message: "SeaTunnel config: `}` closes no block".into(),
                });
            }
            continue;
        }
        if let Some(head) = t.strip_suffix('{') {
            let name = head.trim().trim_end_matches(['=', ':']).trim().to_string();
            if stack.len() == 1 {
                out.push(Plugin {
                    section: stack[0].0.to_ascii_lowercase(),
                    name: name.clone(),
                    line,
                    entries: Vec::new(),
                });
            }
            stack.push((name, line));
            continue;
        }
        let sep = t
            .find(['=', ':'])
            .filter(|&i| !t[..i].contains('"') || t.starts_with('"'));
        if let Some(i) = sep {
            let key = super::text::unquote(t[..i].trim()).to_string();
            let value = t[i + 1..].trim();
            if value.starts_with('[') && brackets(value) > 0 {
                array_depth = brackets(value);
            }
            if stack.len() == 2 {
                if let Some(p) = out.last_mut() {
                    p.entries.push((key, clean_value(value)));
                }
            }
        }
    }
    if let Some((name, line)) = stack.last() {
        diags.push(Diagnostic {
            file: file.into(),
            line: *line,
            severity: DiagnosticLevel::Warning,
            message: format!("SeaTunnel config: block `{name}` is never closed"),
        });
    }
    out
}

/// The `SELECT`s a source plugin reads.
fn source_selects(p: &Plugin) -> Vec<String> {
    if let Some(q) = p.get("query") {
        return vec![q.to_string()];
    }
    let tables = p
        .get("table_path")
        .or(p.get("table-names"))
        .or(p.get("table"))
        .unwrap_or("");
    tables
        .split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|t| format!("SELECT * FROM {}", t.trim()))
        .collect()
}

/// The registry's reader of SeaTunnel job configs.
pub struct SeatunnelJob;

impl super::registry::Extractor for SeatunnelJob {
    fn extract(&self, s: &super::Source, cx: &super::registry::ExtractContext<'_>) -> FileFacts {
        let mut facts = extract(&s.rel, &s.text, cx.catalog);
        super::server_conf::read(&s.rel, &s.text, &mut facts);
        facts
    }
}

/// Reads one `.conf` file; anything that is not a SeaTunnel job yields nothing.
pub fn extract(file: &str, text: &str, catalog: &Catalog) -> FileFacts {
    let mut facts = FileFacts {
        file: file.to_string(),
        ..FileFacts::default()
    };
    let has_block = |name: &str| {
        text.lines()
            .any(|l| l.trim().to_ascii_lowercase().replace(' ', "") == format!("{name}{{"))
    };
    if !(has_block("source") && has_block("sink")) {
        return facts;
    }
    let plugins = parse(file, text, &mut facts.diagnostics);
    let sources: Vec<&Plugin> = plugins.iter().filter(|p| p.section == "source").collect();
    for sink in plugins.iter().filter(|p| p.section == "sink") {
        let linked: Vec<&&Plugin> = match sink.get("source_table_name").or(sink.get("plugin_input"))
        {
            Some(input) => sources
                .iter()
                .filter(|s| s.get("result_table_name").or(s.get("plugin_output")) == Some(input))
                .collect(),
            None => Vec::new(),
        };
        let linked: Vec<&&Plugin> = if linked.is_empty() {
            sources.iter().collect()
        } else {
            linked
        };
        let selects: Vec<String> = linked.iter().flat_map(|s| source_selects(s)).collect();
        let lname = sink.name.to_ascii_lowercase();
        let at = Location::line(file, sink.line);
        if lname == "console" || lname == "assert" {
            continue;
        }
        if lname == "jdbc" {
            let table = match (sink.get("database"), sink.get("table")) {
                (Some(d), Some(t)) if !t.contains('.') => format!("{d}.{t}"),
                (_, Some(t)) => t.to_string(),
                _ => continue,
            };
            for select in &selects {
                let parsed = super::sql::extract(
                    file,
                    &format!("INSERT INTO {table} {select}"),
                    SqlDialect::Mysql,
                );
                for mut w in parsed.writes {
                    w.location = at.clone();
                    facts.writes.push(w);
                }
            }
            continue;
        }
        let ep = sink_endpoint(sink, catalog, at.clone());
        for select in &selects {
            let parsed = super::sql::extract(
                file,
                &format!("INSERT INTO piaudit_seatunnel_sink {select}"),
                SqlDialect::Mysql,
            );
            for w in parsed.writes {
                facts
                    .endpoint_flows
                    .extend(EndpointFlow::from_items(&w.items, &ep.id, &at));
            }
        }
        facts.endpoints.push(ep);
    }
    facts
}

fn sink_endpoint(p: &Plugin, catalog: &Catalog, location: Location) -> Endpoint {
    let lname = p.name.to_ascii_lowercase();
    let host_src = p
        .get("fs.s3a.endpoint")
        .or(p.get("endpoint"))
        .or(p.get("bootstrap.servers"))
        .or(p.get("hosts"))
        .or(p.get("url"))
        .or(p.get("fs.defaultFS"))
        .or(p.get("host"))
        .map(|h| h.split(',').next().unwrap_or(h).to_string());
    let info = host_src.as_deref().and_then(|h| catalog.host(h));
    let (kind, name) = if lname.contains("kafka")
        || lname.contains("pulsar")
        || lname.contains("rabbitmq")
        || lname.contains("rocketmq")
    {
        ("message_queue", p.get("topic").map(str::to_string))
    } else if lname.ends_with("file") {
        let kind = if lname.starts_with("local") || lname.starts_with("hdfs") {
            "file"
        } else if lname.starts_with("ftp") || lname.starts_with("sftp") {
            "file_transfer"
        } else {
            "object_store"
        };
        (kind, p.get("bucket").or(p.get("path")).map(str::to_string))
    } else if lname.starts_with("elasticsearch") || lname.starts_with("easysearch") {
        ("search", p.get("index").map(str::to_string))
    } else if lname == "http" || lname.ends_with("http") {
        ("http_api", p.get("url").and_then(catalog::host_of))
    } else {
        (
            "database",
            p.get("table").or(p.get("table_name")).map(str::to_string),
        )
    };
    let name = name
        .or_else(|| host_src.as_deref().and_then(catalog::host_of))
        .unwrap_or_else(|| lname.clone());
    let region = p
        .get("region")
        .map(str::to_string)
        .or_else(|| info.as_ref().and_then(|i| i.region.clone()));
    let vendor_id = info.as_ref().map(|i| i.vendor.clone()).or_else(|| {
        [
            ("s3", "aws"),
            ("oss", "aliyun"),
            ("cos", "tencent"),
            ("obs", "huawei"),
        ]
        .iter()
        .find(|(p, _)| lname.starts_with(p))
        .map(|(_, v)| v.to_string())
    });
    let jurisdiction = match (&vendor_id, &region) {
        (Some(v), Some(r)) => catalog.jurisdiction(v, r).to_string(),
        _ => info
            .as_ref()
            .map_or(catalog::UNKNOWN.to_string(), |i| i.jurisdiction.clone()),
    };
    let vendor = vendor_id.unwrap_or(lname);
    Endpoint::named(kind, name, vendor, region, jurisdiction, location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_unclosed_diagnostic() {
        let mut d = Vec::new();
        let p = parse("a.conf", "source {\n  Jdbc {\n    query = \"select a from t\"\n  }\n}\nsink {\n  S3File {\n    bucket = \"s3a://x\"\n", &mut d);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].get("query"), Some("select a from t"));
        assert_eq!((p[1].section.as_str(), p[1].line), ("sink", 7));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, 7);
    }
}
