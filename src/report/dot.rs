//! `lineage.dot`: column lineage as Graphviz DOT, of the whole audit
//! (`scan --format dot`) or of one SQL file (`piaudit lineage --format dot`).

use crate::error::Error;
use crate::lineage::single::SingleLineage;
use crate::lineage::whole::audit_lineage;
use crate::Audit;
use std::fmt::Write as _;

/// The whole audit's column lineage as DOT.
pub fn render(audit: &Audit) -> Result<String, Error> {
    Ok(lineage(&audit_lineage(&audit.report)))
}

/// Graphviz DOT: one cluster per table, one node per column, one edge per
/// column edge labelled with its transform. Deterministic.
pub fn lineage(lineage: &SingleLineage) -> String {
    let mut s = String::from(
        "digraph lineage {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    for (i, (table, cols)) in lineage.tables().iter().enumerate() {
        if cols.is_empty() {
            // Table-only node ids cannot collide with `table.column` ids.
            let id = dot_id(&format!("table:{table}"));
            let _ = writeln!(s, "  {id} [label={}];", dot_id(table));
            continue;
        }
        let _ = writeln!(s, "  subgraph cluster_{i} {{");
        let _ = writeln!(s, "    label={};", dot_id(table));
        for c in cols {
            let _ = writeln!(
                s,
                "    {} [label={}];",
                dot_id(&format!("{table}.{c}")),
                dot_id(c)
            );
        }
        s.push_str("  }\n");
    }
    for e in &lineage.column_lineage {
        let _ = writeln!(
            s,
            "  {} -> {} [label={}];",
            dot_id(&e.source),
            dot_id(&e.target),
            dot_id(e.transform.as_str())
        );
    }
    s.push_str("}\n");
    s
}

/// A DOT quoted string.
fn dot_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::sql::SqlDialect;
    use crate::lineage::single::lineage_of;

    #[test]
    fn escapes_and_is_deterministic() {
        let l = lineage_of(
            "INSERT INTO \"we\"\"ird\" SELECT \"a#b\" AS \"x<y>\" FROM s",
            "x.sql",
            SqlDialect::Postgres,
        );
        let dot = lineage(&l);
        assert_eq!(dot, lineage(&l));
        assert!(
            dot.contains(r#""s.a#b" -> "we\"ird.x<y>" [label="copy"];"#),
            "{dot}"
        );
        assert!(dot.starts_with("digraph lineage {") && dot.ends_with("}\n"));
    }

    #[test]
    fn a_table_without_columns_is_one_node() {
        let l = lineage_of("CREATE TABLE a LIKE b", "x.sql", SqlDialect::Mysql);
        assert_eq!(
            (l.source_tables.as_slice(), l.target_tables.as_slice()),
            (&["b".to_string()][..], &["a".to_string()][..])
        );
        let dot = lineage(&l);
        assert!(dot.contains("  \"table:a\" [label=\"a\"];\n"), "{dot}");
    }
}
