//! DataX job JSON (`{"job": {"content": [{"reader": …, "writer": …}]}}`).
//!
//! The reader side becomes a `SELECT` (its `querySql`, or its `column` list
//! over its `table`), which the SQL extractor's own lineage resolves:
//! - a relational writer gives `INSERT INTO <table> (<columns>) <select>`,
//!   i.e. column → column flows;
//! - any other writer (OSS, HDFS, FTP, Elasticsearch, MongoDB, …) becomes an
//!   [`Endpoint`] and the selected columns flow to it.
//!
//! DataX reads its JSON with fastjson, which accepts `//` and `/* */`
//! comments; they are blanked (keeping line numbers) before parsing.

use super::catalog::{self, Catalog};
use super::sql::SqlDialect;
use super::{EndpointFlow, FileFacts};
use crate::model::{Diagnostic, DiagnosticLevel, Endpoint, LineIndex, Location};
use serde_json::Value;

/// Relational plugins with no dialect row of their own: their SQL is read
/// as MySQL, the default. The plugins of each dialect are in its row of
/// [`crate::extract::sql::dialect::DIALECTS`].
const RDBMS_WITHOUT_DIALECT: &[&str] = &["rdbms", "db2"];

/// True for a relational plugin (`<stem>reader` / `<stem>writer`): tables
/// and columns.
fn is_relational(stem: &str) -> bool {
    SqlDialect::from_datax_plugin(stem).is_some() || RDBMS_WITHOUT_DIALECT.contains(&stem)
}

/// Other official plugins: (plugin stem, endpoint kind).
const OTHER: &[(&str, &str)] = &[
    ("oss", "object_store"),
    ("s3", "object_store"),
    ("cos", "object_store"),
    ("obs", "object_store"),
    ("hdfs", "hdfs"),
    ("ftp", "file_transfer"),
    ("sftp", "file_transfer"),
    ("txtfile", "file"),
    ("odps", "database"),
    ("elasticsearch", "search"),
    ("mongodb", "database"),
    ("hbase11x", "database"),
    ("hbase094x", "database"),
    ("hbase20xsql", "database"),
    ("hbase11xsql", "database"),
    ("ots", "database"),
    ("tsdb", "database"),
    ("opentsdb", "database"),
    ("cassandra", "database"),
    ("kudu", "database"),
    ("neo4j", "database"),
    ("gdb", "database"),
    ("tdengine", "database"),
    ("datahub", "message_queue"),
    ("loghub", "message_queue"),
    ("kafka", "message_queue"),
    ("stream", "console"),
];

/// Blanks `//` and `/* */` comments outside strings, keeping offsets.
pub fn strip_json_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match (c, b.get(i + 1)) {
            (b'"', _) => in_str = true,
            (b'/', Some(b'/')) => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            (b'/', Some(b'*')) => {
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    if b[i] != b'\n' {
                        out[i] = b' ';
                    }
                    i += 1;
                }
                for c in out.iter_mut().take((i + 2).min(b.len())).skip(i) {
                    *c = b' ';
                }
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // fastjson also accepts trailing commas: blank them.
    let mut j = 0;
    let mut in_str = false;
    while j < out.len() {
        let c = out[j];
        if in_str {
            if c == b'\\' {
                j += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b',' {
            let next = out[j + 1..].iter().find(|b| !b.is_ascii_whitespace());
            if matches!(next, Some(b']' | b'}')) {
                out[j] = b' ';
            }
        }
        j += 1;
    }
    // Only ASCII bytes were replaced by ASCII spaces, so this stays UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// True when the text looks like a DataX job (so a parse error is worth a diagnostic).
fn looks_like_datax(text: &str) -> bool {
    text.contains("\"job\"") && text.contains("\"content\"")
}

fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Finds `"needle"` after `from`, returning its line and the next cursor.
struct Cursor<'a> {
    text: &'a str,
    lines: LineIndex,
    pos: usize,
}

impl Cursor<'_> {
    fn line_of(&mut self, needle: &str) -> u32 {
        let quoted = format!("\"{needle}\"");
        match self.text[self.pos..].find(&quoted) {
            Some(i) => {
                self.pos += i + quoted.len();
                self.lines.line(self.pos)
            }
            None => self.lines.line(self.pos),
        }
    }
}

/// The plugin stem and role of a name like `mysqlreader`.
fn plugin(name: &str) -> Option<(&str, bool)> {
    let n = name.trim();
    n.strip_suffix("reader")
        .map(|s| (s, true))
        .or_else(|| n.strip_suffix("writer").map(|s| (s, false)))
}

fn dialect_of(stem: &str) -> SqlDialect {
    SqlDialect::from_datax_plugin(stem).unwrap_or(SqlDialect::Mysql)
}

fn first_connection(p: &Value) -> Option<&Value> {
    match p.get("connection") {
        Some(Value::Array(a)) => a.first(),
        Some(o @ Value::Object(_)) => Some(o),
        _ => None,
    }
}

/// The registry's reader of DataX job JSON.
pub struct DataxJob;

impl super::registry::Extractor for DataxJob {
    fn extract(&self, s: &super::Source, cx: &super::registry::ExtractContext<'_>) -> FileFacts {
        extract(&s.rel, &s.text, cx.catalog)
    }
}

/// Reads one JSON file; anything that is not a DataX job yields nothing.
pub fn extract(file: &str, text: &str, catalog: &Catalog) -> FileFacts {
    let mut facts = FileFacts {
        file: file.to_string(),
        ..FileFacts::default()
    };
    let clean = strip_json_comments(text);
    let json: Value = match serde_json::from_str(&clean) {
        Ok(v) => v,
        Err(e) => {
            if looks_like_datax(text) {
                facts.diagnostics.push(Diagnostic {
                    file: file.into(),
                    line: u32::try_from(e.line()).unwrap_or(1).max(1),
                    severity: DiagnosticLevel::Warning,
                    message: format!("DataX job is not valid JSON: {e}"),
                });
            }
            return facts;
        }
    };
    // A Debezium connector config posted to Kafka Connect.
    super::debezium::read_json(file, &clean, &json, &mut facts);
    let Some(content) = json
        .get("job")
        .and_then(|j| j.get("content"))
        .and_then(Value::as_array)
    else {
        return facts;
    };
    let mut cur = Cursor {
        text: &clean,
        lines: LineIndex::new(&clean),
        pos: 0,
    };
    for item in content {
        let reader = item.get("reader");
        let writer = item.get("writer");
        let rname = reader
            .and_then(|r| r.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let rline = cur.line_of(rname);
        let wname = writer
            .and_then(|w| w.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let wline = cur.line_of(wname);
        let mut known = true;
        for (name, line, role) in [(rname, rline, "reader"), (wname, wline, "writer")] {
            let ok = plugin(name).is_some_and(|(stem, _)| {
                is_relational(stem) || OTHER.iter().any(|(s, _)| *s == stem)
            });
            if !ok {
                known = false;
                let message = if name.is_empty() {
                    format!(
                        "DataX {role} has no plugin `name`; this reader/writer pair was not read"
                    )
                } else {
                    format!("unknown DataX {role} plugin `{name}`; this reader/writer pair was not read")
                };
                facts.diagnostics.push(Diagnostic {
                    file: file.into(),
                    line,
                    severity: DiagnosticLevel::Warning,
                    message,
                });
            }
        }
        if !known {
            continue;
        }
        let (rstem, _) = plugin(rname).expect("checked");
        let (wstem, _) = plugin(wname).expect("checked");
        let rparam = reader
            .and_then(|r| r.get("parameter"))
            .cloned()
            .unwrap_or(Value::Null);
        let wparam = writer
            .and_then(|w| w.get("parameter"))
            .cloned()
            .unwrap_or(Value::Null);
        let endpoint = OTHER
            .iter()
            .find(|(s, _)| *s == wstem && !is_relational(wstem))
            .map(|(_, k)| *k)
            .filter(|k| *k != "console")
            .map(|kind| {
                writer_endpoint(wstem, kind, &wparam, catalog, Location::line(file, wline))
            });
        if let Some(ep) = &endpoint {
            facts.endpoints.push(ep.clone());
        }
        // Files, object stores, NoSQL readers: no table columns to trace.
        let selects = if is_relational(rstem) {
            reader_selects(&rparam)
        } else {
            Vec::new()
        };
        if selects.is_empty() {
            continue;
        }
        let dialect = dialect_of(rstem);
        if is_relational(wstem) {
            let conn = first_connection(&wparam);
            let Some(table) = conn.and_then(|c| strs(c.get("table")).into_iter().next()) else {
                continue;
            };
            let cols = strs(wparam.get("column"));
            let col_list = if cols.is_empty() || cols.iter().any(|c| c == "*") {
                String::new()
            } else {
                format!(" ({})", cols.join(", "))
            };
            for select in &selects {
                let sql = format!("INSERT INTO {table}{col_list} {select}");
                let parsed = super::sql::extract(file, &sql, dialect);
                for mut w in parsed.writes {
                    w.location = Location::line(file, wline);
                    facts.writes.push(w);
                }
            }
        } else if let Some(ep) = endpoint {
            for select in &selects {
                let sql = format!("INSERT INTO piaudit_datax_sink {select}");
                let parsed = super::sql::extract(file, &sql, dialect);
                for w in parsed.writes {
                    facts.endpoint_flows.extend(EndpointFlow::from_items(
                        &w.items,
                        &ep.id,
                        &Location::line(file, wline),
                    ));
                }
            }
        }
    }
    facts
}

/// The reader's `SELECT`s: its `querySql`, else its columns over each table.
fn reader_selects(p: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let conns: Vec<&Value> = match p.get("connection") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    };
    let cols = strs(p.get("column"));
    let where_clause = p
        .get("where")
        .and_then(Value::as_str)
        .filter(|w| !w.trim().is_empty())
        .map(|w| format!(" WHERE {w}"))
        .unwrap_or_default();
    for c in conns {
        let queries = strs(c.get("querySql"));
        if !queries.is_empty() {
            out.extend(queries);
            continue;
        }
        for t in strs(c.get("table")) {
            let list = if cols.is_empty() {
                "*".to_string()
            } else {
                cols.join(", ")
            };
            out.push(format!("SELECT {list} FROM {t}{where_clause}"));
        }
    }
    out
}

fn writer_endpoint(
    stem: &str,
    kind: &str,
    p: &Value,
    catalog: &Catalog,
    location: Location,
) -> Endpoint {
    let s = |k: &str| strs(p.get(k)).into_iter().next().filter(|v| !v.is_empty());
    let host_src = s("endpoint")
        .or_else(|| s("defaultFS"))
        .or_else(|| s("host"))
        .or_else(|| s("odpsServer"))
        .or_else(|| s("address"))
        .or_else(|| s("bootstrapServers"));
    let info = host_src.as_deref().and_then(|h| catalog.host(h));
    let name = match kind {
        "object_store" => s("bucket").or_else(|| host_src.clone()),
        "file" | "file_transfer" | "hdfs" => {
            let base = host_src
                .as_deref()
                .and_then(catalog::host_of)
                .or(host_src.clone());
            let path = s("path").unwrap_or_default();
            Some(format!("{}{}", base.unwrap_or_default(), path))
        }
        "message_queue" => s("topic")
            .or_else(|| s("logstore"))
            .or_else(|| host_src.clone()),
        _ => s("index")
            .or_else(|| s("table"))
            .or_else(|| host_src.as_deref().and_then(catalog::host_of)),
    }
    .unwrap_or_else(|| stem.to_string());
    let vendor = info
        .as_ref()
        .map_or(stem.to_string(), |i| format!("{}-{}", i.vendor, i.service));
    let region = info.as_ref().and_then(|i| i.region.clone());
    let jurisdiction = info.map_or(catalog::UNKNOWN.to_string(), |i| i.jurisdiction);
    Endpoint {
        host: host_src.as_deref().and_then(catalog::host_of),
        ..Endpoint::named(kind, name, vendor, region, jurisdiction, location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_blanked_but_strings_kept() {
        let t = "{\n // c\n \"a\": \"http://x\" /* b\n */ }";
        let s = strip_json_comments(t);
        assert_eq!(s.lines().count(), t.lines().count());
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["a"], "http://x");
    }

    #[test]
    fn relational_plugins_and_their_dialects() {
        // The relational plugins DataX ships, with the dialect each is read in.
        let expected = [
            ("mysql", SqlDialect::Mysql),
            ("mysql8", SqlDialect::Mysql),
            ("drds", SqlDialect::Mysql),
            ("rdbms", SqlDialect::Mysql),
            ("adbmysql", SqlDialect::Mysql),
            ("oceanbasev10", SqlDialect::Mysql),
            ("db2", SqlDialect::Mysql),
            ("doris", SqlDialect::Mysql),
            ("starrocks", SqlDialect::Mysql),
            ("selectdb", SqlDialect::Mysql),
            ("databend", SqlDialect::Mysql),
            ("polardb", SqlDialect::Mysql),
            ("tidb", SqlDialect::Mysql),
            ("oracle", SqlDialect::Oracle),
            ("dm", SqlDialect::Oracle),
            ("postgresql", SqlDialect::Postgres),
            ("kingbasees", SqlDialect::Postgres),
            ("gaussdb", SqlDialect::Postgres),
            ("adbpg", SqlDialect::Postgres),
            ("greenplum", SqlDialect::Postgres),
            ("hologresjdbc", SqlDialect::Postgres),
            ("sqlserver", SqlDialect::Mssql),
            ("sybase", SqlDialect::Mssql),
            ("clickhouse", SqlDialect::Clickhouse),
        ];
        for (stem, dialect) in expected {
            assert!(is_relational(stem), "{stem}");
            assert_eq!(dialect_of(stem), dialect, "{stem}");
        }
        for (stem, _) in OTHER {
            assert!(!is_relational(stem), "{stem} is both relational and not");
        }
        assert!(!is_relational("hive"));
    }
}
