//! Lineage of one SQL input on its own — `piaudit lineage FILE.sql`.
//!
//! The file is read with [`extract_with`] (split, per-statement parse,
//! diagnostics, write lineage), then resolved locally, much like
//! `facts::assemble` does across files: tables created in the same input give
//! `*` expansion, positional `INSERT` mapping and unambiguous unqualified
//! columns. Table-level lineage follows sqllineage's conventions: a table
//! both written and read by different statements of the file is intermediate
//! (neither source nor target), a table a statement reads and writes itself
//! is both, `DROP` forgets a table and `ALTER TABLE … RENAME` renames it.
//!
//! `column_lineage` lists the edges of each statement (one per source column
//! and target column), so a file with an intermediate table shows both hops.

use crate::extract::sql::lineage::{stronger, Options, StatementTables};
use crate::extract::sql::{extract_with, SqlDialect};
use crate::extract::{FileFacts, OutColumn, OutItem, SourceColumn};
use crate::model::{Diagnostic, Transform};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Table name used when a column's table cannot be decided (an unqualified
/// column with several tables in scope and no known schema).
pub const UNKNOWN_TABLE: &str = "<unknown>";

/// The lineage of one SQL input (see the output contract).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SingleLineage {
    /// Tables read, as written, sorted.
    pub source_tables: Vec<String>,
    /// Tables written, as written, sorted.
    pub target_tables: Vec<String>,
    /// One edge per (source column, target column), sorted.
    pub column_lineage: Vec<ColumnEdge>,
    /// Statements that could not be parsed, and other problems.
    pub diagnostics: Vec<Diagnostic>,
}

/// One column-level edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ColumnEdge {
    /// `table.column` read.
    pub source: String,
    /// `table.column` written.
    pub target: String,
    /// How the value changes on the way.
    pub transform: Transform,
    /// Source table and column, for renderers.
    #[serde(skip)]
    pub source_parts: (String, String),
    /// Target table and column, for renderers.
    #[serde(skip)]
    pub target_parts: (String, String),
}

/// The lineage of `sql`, read as `dialect`; `file` names it in diagnostics.
pub fn lineage_of(sql: &str, file: &str, dialect: SqlDialect) -> SingleLineage {
    let options = Options {
        expression_names: true,
        wildcard_sources: true,
    };
    let mut graph = TableGraph::default();
    let facts = extract_with(file, sql, dialect, options, |t| graph.add(t));
    let (source_tables, target_tables) = graph.ends();
    SingleLineage {
        source_tables,
        target_tables,
        column_lineage: column_edges(&facts),
        diagnostics: facts.diagnostics,
    }
}

/// Table-level lineage over the statements of one input.
#[derive(Default)]
struct TableGraph {
    /// Spelling of each table (first seen), by lower-case key.
    names: HashMap<String, String>,
    nodes: BTreeSet<String>,
    edges: BTreeSet<(String, String)>,
    source_only: BTreeSet<String>,
    target_only: BTreeSet<String>,
}

impl TableGraph {
    fn key(&mut self, name: &str) -> String {
        let k = name.to_lowercase();
        self.names
            .entry(k.clone())
            .or_insert_with(|| name.to_string());
        self.nodes.insert(k.clone());
        k
    }

    fn add(&mut self, t: &StatementTables) {
        let reads: Vec<String> = t.reads.iter().map(|r| self.key(r)).collect();
        let writes: Vec<String> = t.writes.iter().map(|w| self.key(w)).collect();
        for r in &reads {
            for w in &writes {
                self.edges.insert((r.clone(), w.clone()));
            }
        }
        if writes.is_empty() {
            self.source_only.extend(reads.iter().cloned());
        }
        if reads.is_empty() {
            self.target_only.extend(writes.iter().cloned());
        }
        for d in &t.drops {
            // As sqllineage: a dropped table that took part in lineage stays.
            let k = d.to_lowercase();
            if self.edges.iter().any(|(a, b)| *a == k || *b == k) {
                continue;
            }
            self.nodes.remove(&k);
            self.edges.retain(|(a, b)| *a != k && *b != k);
            self.source_only.remove(&k);
            self.target_only.remove(&k);
        }
        for (old, new) in &t.renames {
            let old = old.to_lowercase();
            if !self.nodes.contains(&old) {
                continue;
            }
            let new = self.key(new);
            let swap = |x: &String| if *x == old { new.clone() } else { x.clone() };
            self.nodes.remove(&old);
            self.edges = self.edges.iter().map(|(a, b)| (swap(a), swap(b))).collect();
            self.source_only = self.source_only.iter().map(swap).collect();
            self.target_only = self.target_only.iter().map(swap).collect();
        }
    }

    /// Source and target tables, sorted.
    fn ends(&self) -> (Vec<String>, Vec<String>) {
        let mut indeg: BTreeMap<&str, usize> = BTreeMap::new();
        let mut outdeg: BTreeMap<&str, usize> = BTreeMap::new();
        for (a, b) in &self.edges {
            *outdeg.entry(a).or_default() += 1;
            *indeg.entry(b).or_default() += 1;
        }
        let selfloop: BTreeSet<&str> = self
            .edges
            .iter()
            .filter(|(a, b)| a == b)
            .map(|(a, _)| a.as_str())
            .collect();
        let deg = |m: &BTreeMap<&str, usize>, n: &str| m.get(n).copied().unwrap_or(0);
        let mut sources = Vec::new();
        let mut targets = Vec::new();
        for n in &self.nodes {
            let (i, o) = (deg(&indeg, n), deg(&outdeg, n));
            let looped = selfloop.contains(n.as_str());
            if looped || (i == 0 && o > 0) || (self.source_only.contains(n) && i == 0) {
                sources.push(self.names[n].clone());
            }
            if looped || (o == 0 && i > 0) || (self.target_only.contains(n) && o == 0) {
                targets.push(self.names[n].clone());
            }
        }
        sort_names(&mut sources);
        sort_names(&mut targets);
        (sources, targets)
    }
}

fn sort_names(v: &mut [String]) {
    v.sort_by(|a, b| (a.to_lowercase(), a).cmp(&(b.to_lowercase(), b)));
}

/// Column edges of every write, resolved with the schemas the input defines.
fn column_edges(facts: &FileFacts) -> Vec<ColumnEdge> {
    // Known columns by lower-case table name.
    let mut schemas: HashMap<String, Vec<String>> = HashMap::new();
    for t in &facts.tables {
        if !t.columns.is_empty() {
            schemas
                .entry(t.name.to_lowercase())
                .or_insert_with(|| t.columns.iter().map(|c| c.name.clone()).collect());
        }
    }
    let mut edges: BTreeMap<(String, String), ColumnEdge> = BTreeMap::new();
    for w in &facts.writes {
        let mut columns: Vec<(OutColumn, bool)> = Vec::new();
        for item in &w.items {
            match item {
                OutItem::Column(c) => columns.push((c.clone(), false)),
                OutItem::Star { table } => match schemas.get(&table.to_lowercase()) {
                    Some(cols) => columns.extend(
                        OutColumn::star_of(table, cols.iter().map(String::as_str))
                            .map(|c| (c, false)),
                    ),
                    None => columns.push((
                        OutColumn {
                            name: Some("*".into()),
                            sources: vec![SourceColumn {
                                tables: vec![table.clone()],
                                column: "*".into(),
                            }],
                            transform: Transform::Copy,
                        },
                        true,
                    )),
                },
            }
        }
        let target_schema = schemas.get(&w.target.to_lowercase()).cloned();
        let mut names = Vec::new();
        let mut positional = true;
        for (i, (col, unknown_star)) in columns.iter().enumerate() {
            // After a `*` of unknown width, positions say nothing.
            positional &= !unknown_star;
            let name = if *unknown_star {
                Some("*".to_string())
            } else if positional {
                w.columns
                    .get(i)
                    .cloned()
                    .or_else(|| {
                        if w.columns.is_empty() && !w.defines_target {
                            target_schema.as_ref().and_then(|s| s.get(i).cloned())
                        } else {
                            None
                        }
                    })
                    .or_else(|| col.name.clone())
            } else {
                col.name.clone()
            };
            names.push(name.clone());
            let Some(name) = name else { continue };
            for src in &col.sources {
                let table = resolve(src, &schemas);
                let source = format!("{table}.{}", src.column);
                let target = format!("{}.{name}", w.target);
                let key = (source.to_lowercase(), target.to_lowercase());
                edges
                    .entry(key)
                    .and_modify(|e| e.transform = stronger(e.transform, col.transform))
                    .or_insert_with(|| ColumnEdge {
                        source,
                        target,
                        transform: col.transform,
                        source_parts: (table.clone(), src.column.clone()),
                        target_parts: (w.target.clone(), name.clone()),
                    });
            }
        }
        if w.defines_target && positional {
            let defined: Vec<String> = if w.columns.is_empty() {
                names.into_iter().flatten().collect()
            } else {
                w.columns.clone()
            };
            schemas.insert(w.target.to_lowercase(), defined);
        }
    }
    edges.into_values().collect()
}

/// The table an output's source column comes from: the only candidate, else
/// the only candidate whose known schema has the column.
fn resolve(src: &SourceColumn, schemas: &HashMap<String, Vec<String>>) -> String {
    let mut cands: Vec<&String> = Vec::new();
    for t in &src.tables {
        if !cands.iter().any(|c| c.eq_ignore_ascii_case(t)) {
            cands.push(t);
        }
    }
    if cands.len() == 1 {
        return cands[0].clone();
    }
    let has = |t: &str| {
        schemas
            .get(&t.to_lowercase())
            .map(|cols| cols.iter().any(|c| c.eq_ignore_ascii_case(&src.column)))
    };
    let possible: Vec<&&String> = cands.iter().filter(|t| has(t) != Some(false)).collect();
    if possible.len() == 1 {
        return (*possible[0]).clone();
    }
    let known: Vec<&&String> = possible
        .iter()
        .copied()
        .filter(|t| has(t) == Some(true))
        .collect();
    if known.len() == 1 {
        return (*known[0]).clone();
    }
    UNKNOWN_TABLE.to_string()
}

impl SingleLineage {
    /// Tables in order of first mention (sources, targets, then edge ends),
    /// each with the columns the edges use.
    pub fn tables(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        let mut add = |t: &str, c: Option<&str>| {
            let i = match out.iter().position(|(n, _)| n == t) {
                Some(i) => i,
                None => {
                    out.push((t.to_string(), Vec::new()));
                    out.len() - 1
                }
            };
            if let Some(c) = c {
                if !out[i].1.iter().any(|x| x == c) {
                    out[i].1.push(c.to_string());
                }
            }
        };
        for t in self.source_tables.iter().chain(&self.target_tables) {
            add(t, None);
        }
        for e in &self.column_lineage {
            add(&e.source_parts.0, Some(&e.source_parts.1));
            add(&e.target_parts.0, Some(&e.target_parts.1));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(l: &SingleLineage) -> Vec<(&str, &str, Transform)> {
        l.column_lineage
            .iter()
            .map(|e| (e.source.as_str(), e.target.as_str(), e.transform))
            .collect()
    }

    #[test]
    fn contract_example() {
        let l = lineage_of(
            "CREATE TABLE temp.order_line_extract AS SELECT sod.productid FROM sales.salesorderdetail sod \
             JOIN sales.salesorderheader soh ON sod.salesorderid = soh.salesorderid",
            "x.sql",
            SqlDialect::Generic,
        );
        assert_eq!(
            l.source_tables,
            ["sales.salesorderdetail", "sales.salesorderheader"]
        );
        assert_eq!(l.target_tables, ["temp.order_line_extract"]);
        assert_eq!(
            pairs(&l),
            [(
                "sales.salesorderdetail.productid",
                "temp.order_line_extract.productid",
                Transform::Copy
            )]
        );
        let json = serde_json::to_value(&l).unwrap();
        assert_eq!(
            json["column_lineage"][0],
            serde_json::json!({"source": "sales.salesorderdetail.productid",
                "target": "temp.order_line_extract.productid", "transform": "copy"})
        );
        assert_eq!(json["diagnostics"], serde_json::json!([]));
    }

    #[test]
    fn intermediate_dropped_and_self_loop_tables() {
        let l = lineage_of(
            "CREATE TABLE a AS SELECT * FROM b; INSERT INTO c SELECT * FROM a; DROP TABLE a;",
            "x.sql",
            SqlDialect::Generic,
        );
        assert_eq!(
            (l.source_tables, l.target_tables),
            (vec!["b".to_string()], vec!["c".to_string()])
        );
        let l = lineage_of(
            "INSERT INTO foo SELECT f.col FROM foo f JOIN bar ON f.id = bar.id",
            "x.sql",
            SqlDialect::Generic,
        );
        assert_eq!(l.source_tables, ["bar", "foo"]);
        assert_eq!(l.target_tables, ["foo"]);
        let l = lineage_of(
            "INSERT INTO t1 SELECT * FROM t2; ALTER TABLE t1 RENAME TO t3; SELECT x FROM Tab_B UNION SELECT x FROM tab_b",
            "x.sql",
            SqlDialect::Postgres,
        );
        assert_eq!(l.source_tables, ["t2", "Tab_B"]);
        assert_eq!(l.target_tables, ["t3"]);
        let l = lineage_of(
            "CREATE TABLE t (a int); DROP TABLE t",
            "x.sql",
            SqlDialect::Mysql,
        );
        assert!(l.source_tables.is_empty() && l.target_tables.is_empty());
    }

    #[test]
    fn local_schemas_expand_stars_and_map_positions() {
        let l = lineage_of(
            "CREATE TABLE s (a int, b int);\nCREATE TABLE t (x int, y int);\n\
             INSERT INTO t SELECT b, a FROM s;\nINSERT INTO u SELECT * FROM s;\nINSERT INTO v SELECT * FROM w;",
            "x.sql",
            SqlDialect::Mysql,
        );
        let p: Vec<(&str, &str)> = pairs(&l).iter().map(|(a, b, _)| (*a, *b)).collect();
        assert_eq!(
            p,
            [
                ("s.a", "t.y"),
                ("s.a", "u.a"),
                ("s.b", "t.x"),
                ("s.b", "u.b"),
                ("w.*", "v.*")
            ]
        );
    }

    #[test]
    fn ambiguous_columns_use_local_schemas_or_stay_unknown() {
        let sql = "CREATE TABLE p (id int, name text);\n\
                   INSERT INTO o SELECT name, amount FROM p JOIN q ON p.id = q.pid;";
        let l = lineage_of(sql, "x.sql", SqlDialect::Postgres);
        let p: Vec<(&str, &str)> = pairs(&l).iter().map(|(a, b, _)| (*a, *b)).collect();
        assert_eq!(p, [("p.name", "o.name"), ("q.amount", "o.amount")]);
        let l = lineage_of(
            "INSERT INTO o SELECT name FROM p JOIN q ON p.id = q.pid",
            "x.sql",
            SqlDialect::Postgres,
        );
        assert_eq!(pairs(&l)[0].0, "<unknown>.name");
    }

    #[test]
    fn expressions_are_named_and_transforms_kept() {
        let l = lineage_of(
            "INSERT INTO t SELECT max(a), md5(phone) AS ph, count(*) AS n FROM s",
            "x.sql",
            SqlDialect::Mysql,
        );
        assert_eq!(
            pairs(&l),
            [
                ("s.*", "t.n", Transform::Aggregate),
                ("s.a", "t.max(a)", Transform::Aggregate),
                ("s.phone", "t.ph", Transform::Hash)
            ]
        );
    }

    #[test]
    fn unparsed_statements_are_diagnostics() {
        let l = lineage_of(
            "INSERT INTO t SELECT a FROM s;\nTHIS IS NOT SQL;",
            "x.sql",
            SqlDialect::Mysql,
        );
        assert_eq!(l.diagnostics.len(), 1);
        assert_eq!(l.diagnostics[0].line, 2);
        assert_eq!(l.target_tables, ["t"]);
    }
}
