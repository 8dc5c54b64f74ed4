//! Column lineage of one query, from sqlparser's AST.
//!
//! The output is *unresolved*: table names are as written and `*` over a
//! base table stays a [`OutItem::Star`], because the columns of tables defined
//! in other files are only known once every file has been read (see
//! `facts::assemble`). Derived tables and CTEs are expanded here, since their
//! columns are defined by the query itself.

use crate::model::Transform;
use sqlparser::ast::{
    visit_expressions, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    ObjectName, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableFactor,
    TableWithJoins, Value,
};
use std::collections::HashMap;
use std::ops::ControlFlow;

/// A column read by a query. `tables` lists the candidate tables when the
/// column was not qualified and several tables were in scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceColumn {
    /// Candidate tables, as written (unquoted); the first is the best guess.
    pub tables: Vec<String>,
    /// Column name, unquoted.
    pub column: String,
}

/// One output column of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct OutColumn {
    /// Output name (alias, or the column's own name), if it has one.
    pub name: Option<String>,
    /// Columns the value is computed from.
    pub sources: Vec<SourceColumn>,
    /// How the value relates to its sources.
    pub transform: Transform,
}

/// One item of a query's output.
#[derive(Debug, Clone, PartialEq)]
pub enum OutItem {
    /// A single column.
    Column(OutColumn),
    /// `*` or `t.*` over a base table whose columns are not known here.
    Star {
        /// The base table, as written.
        table: String,
    },
}

/// Function names (lower-case, last name part) that decide a transform.
mod functions {
    pub const HASH: &[&str] = &[
        "md5",
        "sha",
        "sha1",
        "sha2",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "sm3",
        "hash",
        "digest",
        "crc32",
        "xxhash64",
        "murmur_hash3_32",
        "farm_fingerprint",
        "hmac",
    ];
    pub const ENCRYPT: &[&str] = &[
        "aes_encrypt",
        "sm4_encrypt",
        "sm4",
        "pgp_sym_encrypt",
        "pgp_pub_encrypt",
        "encrypt",
        "des_encrypt",
        "encrypt_aes",
        "aes_encrypt_mysql",
        "encryptbykey",
        "dbms_crypto",
    ];
    pub const MASK: &[&str] = &[
        "mask",
        "mask_first_n",
        "mask_last_n",
        "mask_show_first_n",
        "mask_show_last_n",
        "mask_hash",
        "desensitize",
        "data_mask",
        "anonymize",
        "redact",
    ];
    /// Functions that mask when combined with a `*` literal.
    pub const MASK_WITH_STAR: &[&str] = &[
        "concat",
        "concat_ws",
        "insert",
        "replace",
        "regexp_replace",
        "overlay",
        "rpad",
        "lpad",
        "stuff",
    ];
    pub const AGGREGATE: &[&str] = &[
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "group_concat",
        "string_agg",
        "array_agg",
        "listagg",
        "collect_set",
        "collect_list",
        "stddev",
        "variance",
        "approx_count_distinct",
    ];
}

/// A relation in scope in a FROM clause.
#[derive(Debug, Clone)]
struct Relation {
    /// Name the query uses to qualify columns (alias or table name's last part).
    qualifier: String,
    source: RelationSource,
}

#[derive(Debug, Clone)]
enum RelationSource {
    /// A base table, by its written name.
    Table(String),
    /// A subquery or CTE with known output items.
    Derived(Vec<OutItem>),
}

/// Lineage analysis with the CTEs visible at this level.
#[derive(Default)]
pub struct Analyzer {
    ctes: Vec<HashMap<String, Vec<OutItem>>>,
    depth: usize,
}

/// Deep nesting is answered with a partial result instead of recursing
/// without bound (sqlparser itself stops at its own recursion limit).
const MAX_DEPTH: usize = 64;

impl Analyzer {
    /// Output items of `query`, in order.
    pub fn query(&mut self, query: &Query) -> Vec<OutItem> {
        if self.depth > MAX_DEPTH {
            return Vec::new();
        }
        self.depth += 1;
        let mut scope = HashMap::new();
        if let Some(with) = &query.with {
            self.ctes.push(HashMap::new());
            for cte in &with.cte_tables {
                let mut items = self.query(&cte.query);
                rename_by_alias_columns(
                    &mut items,
                    &cte.alias
                        .columns
                        .iter()
                        .map(|c| &c.name)
                        .collect::<Vec<_>>(),
                );
                let name = cte.alias.name.value.to_lowercase();
                if let Some(top) = self.ctes.last_mut() {
                    top.insert(name, items);
                }
            }
            scope = self.ctes.pop().unwrap_or_default();
        }
        let pushed = !scope.is_empty();
        if pushed {
            self.ctes.push(scope);
        }
        let items = self.set_expr(&query.body);
        if pushed {
            self.ctes.pop();
        }
        self.depth -= 1;
        items
    }

    fn set_expr(&mut self, body: &SetExpr) -> Vec<OutItem> {
        match body {
            SetExpr::Select(select) => self.select(select),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                let mut l = self.set_expr(left);
                let r = self.set_expr(right);
                // Union columns are positional: the right side feeds the left's names.
                for (li, ri) in l.iter_mut().zip(r) {
                    if let (OutItem::Column(lc), OutItem::Column(rc)) = (li, ri) {
                        lc.sources.extend(rc.sources);
                        lc.sources.sort();
                        lc.sources.dedup();
                        lc.transform = weaker(lc.transform, rc.transform);
                    }
                }
                l
            }
            _ => Vec::new(),
        }
    }

    fn cte(&self, name: &str) -> Option<&Vec<OutItem>> {
        let key = name.to_lowercase();
        self.ctes.iter().rev().find_map(|m| m.get(&key))
    }

    fn relations(&mut self, from: &[TableWithJoins]) -> Vec<Relation> {
        let mut out = Vec::new();
        for twj in from {
            self.factor(&twj.relation, &mut out);
            for join in &twj.joins {
                self.factor(&join.relation, &mut out);
            }
        }
        out
    }

    fn factor(&mut self, factor: &TableFactor, out: &mut Vec<Relation>) {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let written = object_name(name);
                let last = last_part(name);
                let qualifier = alias
                    .as_ref()
                    .map_or(last.clone(), |a| a.name.value.clone());
                let source = match (name.0.len(), self.cte(&last)) {
                    (1, Some(items)) => RelationSource::Derived(items.clone()),
                    _ => RelationSource::Table(written),
                };
                out.push(Relation { qualifier, source });
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                let mut items = self.query(subquery);
                let qualifier = alias
                    .as_ref()
                    .map_or(String::new(), |a| a.name.value.clone());
                if let Some(a) = alias {
                    rename_by_alias_columns(
                        &mut items,
                        &a.columns.iter().map(|c| &c.name).collect::<Vec<_>>(),
                    );
                }
                out.push(Relation {
                    qualifier,
                    source: RelationSource::Derived(items),
                });
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                self.factor(&table_with_joins.relation, out);
                for join in &table_with_joins.joins {
                    self.factor(&join.relation, out);
                }
            }
            _ => {}
        }
    }

    fn select(&mut self, select: &Select) -> Vec<OutItem> {
        let relations = self.relations(&select.from);
        let mut items = Vec::new();
        for item in &select.projection {
            match item {
                SelectItem::UnnamedExpr(expr) => {
                    let name = expr_own_name(expr);
                    items.push(OutItem::Column(self.column(expr, name, &relations)));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    items.push(OutItem::Column(self.column(
                        expr,
                        Some(alias.value.clone()),
                        &relations,
                    )));
                }
                SelectItem::Wildcard(_) => {
                    for rel in &relations {
                        expand_star(rel, &mut items);
                    }
                }
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(name),
                    _,
                ) => {
                    let q = last_part(name);
                    if let Some(rel) = relations
                        .iter()
                        .find(|r| r.qualifier.eq_ignore_ascii_case(&q))
                    {
                        expand_star(rel, &mut items);
                    }
                }
                _ => {}
            }
        }
        items
    }

    fn column(&self, expr: &Expr, name: Option<String>, relations: &[Relation]) -> OutColumn {
        let mut refs: Vec<(Option<String>, String)> = Vec::new();
        let _ = visit_expressions(expr, |e| {
            match e {
                Expr::Identifier(id) => refs.push((None, id.value.clone())),
                Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                    let col = parts[parts.len() - 1].value.clone();
                    let qual = parts[parts.len() - 2].value.clone();
                    refs.push((Some(qual), col));
                }
                _ => {}
            }
            ControlFlow::<()>::Continue(())
        });
        let mut sources = Vec::new();
        let mut inherited = Transform::Copy;
        for (qual, col) in refs {
            let candidates: Vec<&Relation> = match &qual {
                Some(q) => relations
                    .iter()
                    .filter(|r| r.qualifier.eq_ignore_ascii_case(q))
                    .collect(),
                None => relations.iter().collect(),
            };
            // A column of a derived table resolves through that table's items.
            let derived = candidates.iter().find_map(|r| match &r.source {
                RelationSource::Derived(items) => items.iter().find_map(|i| match i {
                    OutItem::Column(c)
                        if c.name
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(&col)) =>
                    {
                        Some(c)
                    }
                    _ => None,
                }),
                RelationSource::Table(_) => None,
            });
            if let Some(c) = derived {
                sources.extend(c.sources.iter().cloned());
                inherited = stronger(inherited, c.transform);
                continue;
            }
            let tables: Vec<String> = candidates
                .iter()
                .filter_map(|r| match &r.source {
                    RelationSource::Table(t) => Some(t.clone()),
                    RelationSource::Derived(items) => items.iter().find_map(|i| match i {
                        OutItem::Star { table } => Some(table.clone()),
                        _ => None,
                    }),
                })
                .collect();
            if tables.is_empty() {
                // Unknown qualifier or a literal-like identifier (e.g. MySQL "double quoted" text).
                continue;
            }
            sources.push(SourceColumn {
                tables,
                column: col,
            });
        }
        sources.sort();
        sources.dedup();
        let own = classify_expr(expr);
        OutColumn {
            name,
            sources,
            transform: if own == Transform::Copy {
                inherited
            } else {
                stronger(own, inherited)
            },
        }
    }
}

fn expand_star(rel: &Relation, items: &mut Vec<OutItem>) {
    match &rel.source {
        RelationSource::Table(t) => items.push(OutItem::Star { table: t.clone() }),
        RelationSource::Derived(d) => items.extend(d.iter().cloned()),
    }
}

fn rename_by_alias_columns(items: &mut [OutItem], names: &[&Ident]) {
    for (item, name) in items.iter_mut().zip(names) {
        if let OutItem::Column(c) = item {
            c.name = Some(name.value.clone());
        }
    }
}

/// `a.b.c` as written, without quotes.
pub fn object_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|p| {
            p.as_ident()
                .map_or_else(|| p.to_string(), |i| i.value.clone())
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn last_part(name: &ObjectName) -> String {
    name.0
        .last()
        .map(|p| {
            p.as_ident()
                .map_or_else(|| p.to_string(), |i| i.value.clone())
        })
        .unwrap_or_default()
}

/// The name an unaliased select item gets: a bare or qualified column's name.
fn expr_own_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(id) => Some(id.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
        Expr::Nested(inner) => expr_own_name(inner),
        _ => None,
    }
}

/// Rank used to combine transforms along one path: a protected value stays
/// protected, an aggregate stays aggregated.
fn rank(t: Transform) -> u8 {
    match t {
        Transform::Copy => 0,
        Transform::Derive => 1,
        Transform::Mask => 2,
        Transform::Hash => 3,
        Transform::Encrypt => 4,
        Transform::Aggregate => 5,
    }
}

fn stronger(a: Transform, b: Transform) -> Transform {
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

/// For UNION branches the least protected branch decides.
fn weaker(a: Transform, b: Transform) -> Transform {
    if rank(a) <= rank(b) {
        a
    } else {
        b
    }
}

fn function_name(f: &Function) -> String {
    f.name
        .0
        .last()
        .map(|p| {
            p.as_ident()
                .map_or_else(|| p.to_string(), |i| i.value.to_lowercase())
        })
        .unwrap_or_default()
}

fn has_star_literal(f: &Function) -> bool {
    let FunctionArguments::List(list) = &f.args else {
        return false;
    };
    list.args.iter().any(|a| {
        let e = match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
            | FunctionArg::Named {
                arg: FunctionArgExpr::Expr(e),
                ..
            } => e,
            _ => return false,
        };
        let mut found = false;
        let _ = visit_expressions(e, |x| {
            if let Expr::Value(v) = x {
                if let Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) = &v.value {
                    found |= s.contains('*')
                        || s.contains('#')
                        || s.contains('x') && s.chars().all(|c| c == 'x');
                }
            }
            ControlFlow::<()>::Continue(())
        });
        found
    })
}

/// Decides the transform of a select expression.
pub fn classify_expr(expr: &Expr) -> Transform {
    let mut e = expr;
    loop {
        match e {
            Expr::Nested(inner) => e = inner,
            Expr::Cast { expr: inner, .. } => e = inner,
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => return Transform::Copy,
            _ => break,
        }
    }
    let mut best = Transform::Derive;
    let _ = visit_expressions(e, |x| {
        if let Expr::Function(f) = x {
            let name = function_name(f);
            let t = if functions::ENCRYPT.contains(&name.as_str()) {
                Some(Transform::Encrypt)
            } else if functions::HASH.contains(&name.as_str()) {
                Some(Transform::Hash)
            } else if functions::MASK.contains(&name.as_str())
                || name.contains("mask")
                || name.contains("desens")
                || (functions::MASK_WITH_STAR.contains(&name.as_str()) && has_star_literal(f))
            {
                Some(Transform::Mask)
            } else if functions::AGGREGATE.contains(&name.as_str()) {
                Some(Transform::Aggregate)
            } else {
                None
            };
            if let Some(t) = t {
                // The outermost protecting function is seen first; keep the strongest.
                if best == Transform::Derive || rank(t) > rank(best) && t != Transform::Aggregate {
                    best = t;
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::MySqlDialect;
    use sqlparser::parser::Parser;

    fn items(sql: &str) -> Vec<OutItem> {
        let stmt = Parser::parse_sql(&MySqlDialect {}, sql).unwrap().remove(0);
        let sqlparser::ast::Statement::Query(q) = stmt else {
            panic!("not a query")
        };
        Analyzer::default().query(&q)
    }

    fn col(item: &OutItem) -> &OutColumn {
        match item {
            OutItem::Column(c) => c,
            OutItem::Star { .. } => panic!("star"),
        }
    }

    #[test]
    fn aliases_and_qualifiers_resolve() {
        let got = items("SELECT u.phone AS mobile, o.id FROM user u JOIN orders o ON u.id = o.uid");
        let c = col(&got[0]);
        assert_eq!(c.name.as_deref(), Some("mobile"));
        assert_eq!(
            c.sources,
            vec![SourceColumn {
                tables: vec!["user".into()],
                column: "phone".into()
            }]
        );
        assert_eq!(c.transform, Transform::Copy);
        assert_eq!(col(&got[1]).sources[0].tables, vec!["orders".to_string()]);
    }

    #[test]
    fn transforms() {
        let got = items(
            "SELECT md5(id_card) a, AES_ENCRYPT(phone,'k') b, CONCAT(LEFT(phone,3),'****',RIGHT(phone,4)) c, \
             count(phone) d, upper(name) e, sha2(concat(phone, 'salt'), 256) f FROM user",
        );
        let t: Vec<Transform> = got.iter().map(|i| col(i).transform).collect();
        use Transform::*;
        assert_eq!(t, vec![Hash, Encrypt, Mask, Aggregate, Derive, Hash]);
    }

    #[test]
    fn ctes_and_subqueries_pass_sources_through() {
        let got = items(
            "WITH x AS (SELECT id_card AS idc FROM person) SELECT s.idc FROM (SELECT idc FROM x) s",
        );
        let c = col(&got[0]);
        assert_eq!(
            c.sources,
            vec![SourceColumn {
                tables: vec!["person".into()],
                column: "id_card".into()
            }]
        );
    }

    #[test]
    fn stars_stay_unresolved_for_base_tables() {
        let got = items("SELECT * FROM a.user");
        assert_eq!(
            got,
            vec![OutItem::Star {
                table: "a.user".into()
            }]
        );
    }

    #[test]
    fn unqualified_columns_keep_all_candidates() {
        let got = items("SELECT phone FROM a, b");
        assert_eq!(
            col(&got[0]).sources[0].tables,
            vec!["a".to_string(), "b".to_string()]
        );
    }

    #[test]
    fn union_merges_sources() {
        let got = items("SELECT phone FROM a UNION ALL SELECT md5(tel) FROM b");
        let c = col(&got[0]);
        assert_eq!(c.sources.len(), 2);
        assert_eq!(c.transform, Transform::Copy);
    }
}
