//! `lineage.mmd`: column lineage as a Mermaid flowchart, of the whole audit
//! (`scan --format mermaid`) or of one SQL file (`piaudit lineage --format
//! mermaid`).

use crate::error::Error;
use crate::lineage::single::SingleLineage;
use crate::lineage::whole::audit_lineage;
use crate::Audit;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The whole audit's column lineage as a Mermaid flowchart.
pub fn render(audit: &Audit) -> Result<String, Error> {
    Ok(lineage(&audit_lineage(&audit.report)))
}

/// Mermaid flowchart: one subgraph per table, one node per column.
/// Node ids are generated (`t0`, `c0`…), names only appear in quoted
/// labels. Deterministic.
pub fn lineage(lineage: &SingleLineage) -> String {
    let mut s = String::from("flowchart LR\n");
    let mut ids: HashMap<String, String> = HashMap::new();
    for (i, (table, cols)) in lineage.tables().iter().enumerate() {
        if cols.is_empty() {
            let _ = writeln!(s, "  t{i}[\"{}\"]", mermaid_text(table));
            continue;
        }
        let _ = writeln!(s, "  subgraph t{i}[\"{}\"]", mermaid_text(table));
        for c in cols {
            let id = format!("c{}", ids.len());
            let _ = writeln!(s, "    {id}[\"{}\"]", mermaid_text(c));
            ids.insert(format!("{table}.{c}"), id);
        }
        s.push_str("  end\n");
    }
    for e in &lineage.column_lineage {
        let (Some(a), Some(b)) = (ids.get(&e.source), ids.get(&e.target)) else {
            continue;
        };
        let _ = writeln!(s, "  {a} -->|{}| {b}", e.transform.as_str());
    }
    s
}

/// Text safe inside a Mermaid `["…"]` label (entity codes for the specials).
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
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
        let m = lineage(&l);
        assert_eq!(m, lineage(&l));
        assert!(m.contains("[\"we#quot;ird\"]"), "{m}");
        assert!(
            m.contains("[\"a#35;b\"]") && m.contains("[\"x#lt;y#gt;\"]"),
            "{m}"
        );
        assert!(m.contains("c0 -->|copy| c1"), "{m}");
        assert!(!m.contains("x<y>"));
    }

    #[test]
    fn a_table_without_columns_is_one_node() {
        let l = lineage_of("CREATE TABLE a LIKE b", "x.sql", SqlDialect::Mysql);
        let m = lineage(&l);
        assert!(m.contains("  t1[\"a\"]\n"), "{m}");
    }
}
