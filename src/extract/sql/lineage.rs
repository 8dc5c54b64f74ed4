//! Column lineage of one query, from sqlparser's AST.
//!
//! The output is *unresolved*: table names are as written and `*` over a
//! base table stays a [`OutItem::Star`], because the columns of tables defined
//! in other files are only known once every file has been read (see
//! `facts::assemble`). Derived tables and CTEs are expanded here, since their
//! columns are defined by the query itself.

use crate::model::Transform;
use sqlparser::ast::{
    visit_expressions, AlterTableOperation, Assignment, AssignmentTarget, CastKind,
    CreateTableLikeKind, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    Merge, MergeAction, MergeInsertExpr, MergeInsertKind, MergeUpdateExpr, MergeUpdateKind,
    ObjectName, ObjectType, Query, RenameTableNameKind, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, Statement, TableFactor, TableObject, TableWithJoins,
    Update, UpdateTableFromKind, Value, Visit, Visitor,
};
use std::collections::HashMap;
use std::ops::ControlFlow;

/// A column read by a query. `tables` lists the candidate tables when the
/// column was not qualified and several tables were in scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct SourceColumn {
    /// Candidate tables, as written (unquoted); the first is the best guess.
    pub tables: Vec<String>,
    /// Column name, unquoted.
    pub column: String,
}

/// One output column of a query.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OutColumn {
    /// Output name (alias, or the column's own name), if it has one.
    pub name: Option<String>,
    /// Columns the value is computed from.
    pub sources: Vec<SourceColumn>,
    /// How the value relates to its sources.
    pub transform: Transform,
}

impl OutColumn {
    /// The output columns `table.*` stands for once the table's columns
    /// are known: each a copy of its namesake. The one star expansion of
    /// the crate (assembly across files, one-file lineage and dbt models
    /// all call it).
    pub fn star_of<'a>(
        table: &'a str,
        columns: impl IntoIterator<Item = &'a str> + 'a,
    ) -> impl Iterator<Item = OutColumn> + 'a {
        columns.into_iter().map(move |c| OutColumn {
            name: Some(c.to_string()),
            sources: vec![SourceColumn {
                tables: vec![table.to_string()],
                column: c.to_string(),
            }],
            transform: Transform::Copy,
        })
    }
}

/// One item of a query's output.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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

/// What the analysis reports beyond what the scanner needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Name an unaliased expression output by its SQL text (`max(col1)`), as
    /// sqllineage does; otherwise such outputs stay nameless.
    pub expression_names: bool,
    /// Report `count(*)` as reading the column `*` of the tables in scope.
    pub wildcard_sources: bool,
}

/// A relation in scope in a FROM clause.
#[derive(Debug, Clone)]
struct Relation {
    /// Name the query uses to qualify columns (alias or table name's last part).
    qualifier: String,
    source: RelationSource,
}

impl Relation {
    /// True for a base table whose name's last part is `name`.
    fn is_table_named(&self, name: &str) -> bool {
        match &self.source {
            RelationSource::Table(t) => t
                .rsplit('.')
                .next()
                .is_some_and(|l| l.eq_ignore_ascii_case(name)),
            RelationSource::Derived(_) => false,
        }
    }
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
    options: Options,
    /// Relations of the enclosing SELECTs, innermost last, for correlated references.
    outer: Vec<Vec<Relation>>,
    /// Base tables read, first-seen order, de-duplicated case-insensitively.
    tables: Vec<String>,
}

/// Deep nesting is answered with a partial result instead of recursing
/// without bound (sqlparser itself stops at its own recursion limit).
const MAX_DEPTH: usize = 64;

/// Collects the column references of one expression, without descending into
/// its subqueries (which are collected for a separate analysis).
#[derive(Default)]
struct RefCollector {
    depth: usize,
    wildcards: bool,
    refs: Vec<(Option<String>, String)>,
    subqueries: Vec<Query>,
}

impl Visitor for RefCollector {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if self.depth == 0 {
            self.subqueries.push(query.clone());
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        match expr {
            Expr::Identifier(id) => self.refs.push((None, id.value.clone())),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let col = parts[parts.len() - 1].value.clone();
                let qual = parts[parts.len() - 2].value.clone();
                self.refs.push((Some(qual), col));
            }
            Expr::Function(f) if self.wildcards => {
                if let FunctionArguments::List(list) = &f.args {
                    for a in &list.args {
                        match a {
                            FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => {
                                self.refs.push((None, "*".into()));
                            }
                            FunctionArg::Unnamed(FunctionArgExpr::QualifiedWildcard(n)) => {
                                self.refs.push((Some(last_part(n)), "*".into()));
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// The tables one statement reads, writes, drops and renames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementTables {
    /// Tables read, as written, first-seen order.
    pub reads: Vec<String>,
    /// Tables written (INSERT, CTAS, CREATE TABLE/VIEW, UPDATE, MERGE, SELECT INTO).
    pub writes: Vec<String>,
    /// Tables or views dropped.
    pub drops: Vec<String>,
    /// Renames, old name to new name.
    pub renames: Vec<(String, String)>,
}

/// A statement writing one table from a query or from assignments.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementWrite {
    /// Target table, as written.
    pub target: String,
    /// True when the target is a view.
    pub view: bool,
    /// True when the statement defines the target (CTAS, CREATE VIEW).
    pub defines: bool,
    /// Target column names given by the statement, by position of `items`.
    pub columns: Vec<String>,
    /// Output items, in order.
    pub items: Vec<OutItem>,
}

/// Column lineage and table usage of one statement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatementLineage {
    /// Writes with column lineage.
    pub writes: Vec<StatementWrite>,
    /// Table-level usage.
    pub tables: StatementTables,
}

/// Analyses one parsed statement.
pub fn analyze_statement(statement: &Statement, options: Options) -> StatementLineage {
    let mut a = Analyzer::new(options);
    let mut out = StatementLineage::default();
    a.statement(statement, &mut out);
    for t in a.tables {
        if !out.tables.reads.iter().any(|r| r.eq_ignore_ascii_case(&t)) {
            out.tables.reads.push(t);
        }
    }
    out
}

impl Analyzer {
    /// An analyzer with these options.
    pub fn new(options: Options) -> Analyzer {
        Analyzer {
            options,
            ..Analyzer::default()
        }
    }

    /// Base tables read by what was analysed so far (CTE names excluded).
    pub fn tables_read(&self) -> &[String] {
        &self.tables
    }

    fn record_table(&mut self, table: &str) {
        if !self.tables.iter().any(|t| t.eq_ignore_ascii_case(table)) {
            self.tables.push(table.to_string());
        }
    }

    fn statement(&mut self, statement: &Statement, out: &mut StatementLineage) {
        match statement {
            Statement::Query(q) => {
                // `WITH … INSERT/UPDATE/MERGE`: the CTEs scope the inner statement.
                if let SetExpr::Insert(inner) | SetExpr::Update(inner) | SetExpr::Merge(inner) =
                    &*q.body
                {
                    let pushed = self.push_ctes(q);
                    self.statement(inner, out);
                    if pushed {
                        self.ctes.pop();
                    }
                    return;
                }
                let items = self.query(q);
                for target in select_into_targets(&q.body) {
                    out.tables.writes.push(target.clone());
                    out.writes.push(StatementWrite {
                        target,
                        view: false,
                        defines: true,
                        columns: Vec::new(),
                        items: items.clone(),
                    });
                }
            }
            Statement::Insert(ins) => {
                let TableObject::TableName(target) = &ins.table else {
                    return;
                };
                let target = object_name(target);
                out.tables.writes.push(target.clone());
                let Some(source) = &ins.source else {
                    return;
                };
                let items = self.query(source);
                if is_values(&source.body) {
                    return;
                }
                out.writes.push(StatementWrite {
                    target,
                    view: false,
                    defines: false,
                    columns: ins.columns.iter().map(object_name).collect(),
                    items,
                });
            }
            Statement::CreateTable(ct) => {
                let target = object_name(&ct.name);
                out.tables.writes.push(target.clone());
                if let Some(like) = &ct.like {
                    let name = match like {
                        CreateTableLikeKind::Parenthesized(l) | CreateTableLikeKind::Plain(l) => {
                            &l.name
                        }
                    };
                    self.record_table(&object_name(name));
                }
                if let Some(clone) = &ct.clone {
                    self.record_table(&object_name(clone));
                }
                if let Some(q) = &ct.query {
                    let items = self.query(q);
                    out.writes.push(StatementWrite {
                        target,
                        view: false,
                        defines: true,
                        columns: Vec::new(),
                        items,
                    });
                }
            }
            Statement::CreateView(cv) => {
                let target = object_name(&cv.name);
                out.tables.writes.push(target.clone());
                let items = self.query(&cv.query);
                out.writes.push(StatementWrite {
                    target,
                    view: true,
                    defines: true,
                    columns: cv.columns.iter().map(|c| c.name.value.clone()).collect(),
                    items,
                });
            }
            Statement::Update(u) => {
                if let Some(w) = self.update(u) {
                    out.tables.writes.push(w.target.clone());
                    if !w.items.is_empty() {
                        out.writes.push(w);
                    }
                }
            }
            Statement::Merge(m) => {
                if let Some(w) = self.merge(m) {
                    out.tables.writes.push(w.target.clone());
                    if !w.items.is_empty() {
                        out.writes.push(w);
                    }
                }
            }
            Statement::Drop {
                object_type: ObjectType::Table | ObjectType::View,
                names,
                ..
            } => out.tables.drops.extend(names.iter().map(object_name)),
            Statement::AlterTable(at) => {
                let name = object_name(&at.name);
                for op in &at.operations {
                    match op {
                        AlterTableOperation::RenameTable {
                            table_name: RenameTableNameKind::To(n) | RenameTableNameKind::As(n),
                        } => out.tables.renames.push((name.clone(), object_name(n))),
                        AlterTableOperation::SwapWith { table_name } => {
                            self.record_table(&object_name(table_name));
                            out.tables.writes.push(name.clone());
                        }
                        _ => {}
                    }
                }
            }
            Statement::RenameTable(renames) => out.tables.renames.extend(
                renames
                    .iter()
                    .map(|r| (object_name(&r.old_name), object_name(&r.new_name))),
            ),
            _ => {}
        }
    }

    /// `UPDATE t SET c = expr [FROM …]`: one item per assigned column.
    fn update(&mut self, u: &Update) -> Option<StatementWrite> {
        let TableFactor::Table { name, .. } = &u.table.relation else {
            return None;
        };
        let before = self.tables.len();
        let mut relations = Vec::new();
        self.factor(&u.table.relation, &mut relations);
        self.tables.truncate(before);
        for join in &u.table.joins {
            self.factor(&join.relation, &mut relations);
        }
        if let Some(UpdateTableFromKind::BeforeSet(from) | UpdateTableFromKind::AfterSet(from)) =
            &u.from
        {
            relations.extend(self.relations(from));
        }
        let mut target = object_name(name);
        if name.0.len() == 1 {
            // T-SQL `UPDATE alias SET … FROM t AS alias`.
            if let Some(t) = relations.iter().skip(1).find_map(|r| match &r.source {
                RelationSource::Table(t)
                    if r.qualifier.eq_ignore_ascii_case(&target)
                        && !t.eq_ignore_ascii_case(&target) =>
                {
                    Some(t.clone())
                }
                _ => None,
            }) {
                target = t;
            }
        }
        self.tables.retain(|t| !t.eq_ignore_ascii_case(&target));
        if let Some(sel) = &u.selection {
            self.nested(sel, &relations);
        }
        let (columns, items) = self.assignments(&u.assignments, &relations);
        self.tables.retain(|t| !t.eq_ignore_ascii_case(&target));
        Some(StatementWrite {
            target,
            view: false,
            defines: false,
            columns,
            items,
        })
    }

    fn assignments(
        &mut self,
        assignments: &[Assignment],
        relations: &[Relation],
    ) -> (Vec<String>, Vec<OutItem>) {
        let mut columns = Vec::new();
        let mut items = Vec::new();
        for a in assignments {
            let names: Vec<String> = match &a.target {
                AssignmentTarget::ColumnName(n) => vec![last_part(n)],
                AssignmentTarget::Tuple(ns) => ns.iter().map(last_part).collect(),
            };
            let col = self.column(&a.value, None, relations, &[]);
            if col.sources.is_empty() {
                // `SET c = 1`: nothing flows.
                continue;
            }
            for n in names {
                let mut c = col.clone();
                c.name = Some(n.clone());
                columns.push(n);
                items.push(OutItem::Column(c));
            }
        }
        (columns, items)
    }

    /// `MERGE INTO t USING s ON … WHEN …`: one item per assigned or inserted column.
    fn merge(&mut self, m: &Merge) -> Option<StatementWrite> {
        let TableFactor::Table { name, .. } = &m.table else {
            return None;
        };
        let target = object_name(name);
        let before = self.tables.len();
        let mut relations = Vec::new();
        self.factor(&m.table, &mut relations);
        self.tables.truncate(before);
        let mut source = Vec::new();
        self.factor(&m.source, &mut source);
        relations.extend(source.iter().cloned());
        self.nested(&m.on, &relations);
        let mut columns = Vec::new();
        let mut items = Vec::new();
        for clause in &m.clauses {
            if let Some(p) = &clause.predicate {
                self.nested(p, &relations);
            }
            match &clause.action {
                MergeAction::Update(MergeUpdateExpr {
                    kind: MergeUpdateKind::Set(assignments),
                    ..
                }) => {
                    let (c, i) = self.assignments(assignments, &relations);
                    columns.extend(c);
                    items.extend(i);
                }
                MergeAction::Insert(MergeInsertExpr {
                    columns: cols,
                    kind: MergeInsertKind::Values(values),
                    ..
                }) => {
                    for row in &values.rows {
                        for (i, e) in row.iter().enumerate() {
                            let name = cols.get(i).map(object_name).or_else(|| expr_own_name(e));
                            let Some(name) = name else { continue };
                            let c = self.column(e, Some(name.clone()), &relations, &[]);
                            if c.sources.is_empty() {
                                continue;
                            }
                            columns.push(name);
                            items.push(OutItem::Column(c));
                        }
                    }
                }
                MergeAction::Insert(MergeInsertExpr {
                    kind: MergeInsertKind::Row | MergeInsertKind::Wildcard,
                    ..
                })
                | MergeAction::Update(MergeUpdateExpr {
                    kind: MergeUpdateKind::Wildcard,
                    ..
                }) => {
                    let mut expanded = Vec::new();
                    for rel in &source {
                        expand_star(rel, &mut expanded);
                    }
                    for item in expanded {
                        if let OutItem::Column(c) = &item {
                            let Some(n) = &c.name else { continue };
                            columns.push(n.clone());
                            items.push(item);
                        }
                    }
                }
                _ => {}
            }
        }
        self.tables.retain(|t| !t.eq_ignore_ascii_case(&target));
        Some(StatementWrite {
            target,
            view: false,
            defines: false,
            columns,
            items,
        })
    }

    /// Pushes the CTE scope of `query`, if it has one; true when pushed.
    fn push_ctes(&mut self, query: &Query) -> bool {
        let Some(with) = &query.with else {
            return false;
        };
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
        true
    }

    /// Output items of `query`, in order.
    pub fn query(&mut self, query: &Query) -> Vec<OutItem> {
        if self.depth > MAX_DEPTH {
            return Vec::new();
        }
        self.depth += 1;
        let pushed = self.push_ctes(query);
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
            SetExpr::Values(values) => {
                // Literal rows carry no lineage, but their subqueries read tables.
                for row in &values.rows {
                    for e in row.iter() {
                        self.nested(e, &[]);
                    }
                }
                Vec::new()
            }
            SetExpr::Table(t) => {
                let Some(name) = &t.table_name else {
                    return Vec::new();
                };
                let table = match &t.schema_name {
                    Some(s) => format!("{}.{}", s.value, name.value),
                    None => name.value.clone(),
                };
                if self.cte(&table).is_some() {
                    return self.cte(&table).cloned().unwrap_or_default();
                }
                self.record_table(&table);
                vec![OutItem::Star { table }]
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
                    _ => {
                        self.record_table(&written);
                        RelationSource::Table(written)
                    }
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
                table_with_joins,
                alias,
            } => {
                let start = out.len();
                self.factor(&table_with_joins.relation, out);
                for join in &table_with_joins.joins {
                    self.factor(&join.relation, out);
                }
                // `(SELECT …) AS x` sometimes parses as a nested join with an alias.
                if let (Some(a), 1) = (alias, out.len() - start) {
                    out[start].qualifier = a.name.value.clone();
                }
            }
            TableFactor::UNNEST {
                alias: Some(alias),
                array_exprs,
                ..
            } => {
                let scope = out.clone();
                let mut sources = Vec::new();
                for e in array_exprs {
                    sources.extend(self.column(e, None, &scope, &[]).sources);
                }
                let items = alias
                    .columns
                    .iter()
                    .map(|c| {
                        OutItem::Column(OutColumn {
                            name: Some(c.name.value.clone()),
                            sources: sources.clone(),
                            transform: Transform::Derive,
                        })
                    })
                    .collect();
                out.push(Relation {
                    qualifier: alias.name.value.clone(),
                    source: RelationSource::Derived(items),
                });
            }
            _ => {}
        }
    }

    /// Analyses the subqueries of `expr` (for the tables they read).
    fn nested(&mut self, expr: &Expr, relations: &[Relation]) {
        let mut c = RefCollector::default();
        let _ = expr.visit(&mut c);
        self.subqueries(c.subqueries, relations);
    }

    fn subqueries(&mut self, queries: Vec<Query>, relations: &[Relation]) -> Vec<OutItem> {
        let mut items = Vec::new();
        for q in queries {
            self.outer.push(relations.to_vec());
            items.extend(self.query(&q));
            self.outer.pop();
        }
        items
    }

    fn select(&mut self, select: &Select) -> Vec<OutItem> {
        let mut relations = self.relations(&select.from);
        for lv in &select.lateral_views {
            let sources = self.column(&lv.lateral_view, None, &relations, &[]).sources;
            let items = lv
                .lateral_col_alias
                .iter()
                .map(|c| {
                    OutItem::Column(OutColumn {
                        name: Some(c.value.clone()),
                        sources: sources.clone(),
                        transform: Transform::Derive,
                    })
                })
                .collect();
            relations.push(Relation {
                qualifier: last_part(&lv.lateral_view_name),
                source: RelationSource::Derived(items),
            });
        }
        // Subqueries outside the projection read tables but feed no column.
        let mut c = RefCollector::default();
        for twj in &select.from {
            for join in &twj.joins {
                let _ = join.join_operator.visit(&mut c);
            }
        }
        for e in [&select.selection, &select.having, &select.qualify]
            .into_iter()
            .flatten()
        {
            let _ = e.visit(&mut c);
        }
        self.subqueries(c.subqueries, &relations);
        let mut items = Vec::new();
        for item in &select.projection {
            match item {
                SelectItem::UnnamedExpr(expr) => {
                    let name = expr_own_name(expr)
                        .or_else(|| self.options.expression_names.then(|| expr.to_string()));
                    let c = self.column(expr, name, &relations, &items);
                    items.push(OutItem::Column(c));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    let c = self.column(expr, Some(alias.value.clone()), &relations, &items);
                    items.push(OutItem::Column(c));
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
                        .or_else(|| relations.iter().find(|r| r.is_table_named(&q)))
                    {
                        expand_star(rel, &mut items);
                    }
                }
                _ => {}
            }
        }
        items
    }

    /// The relations a column reference may come from: the current scope,
    /// else the nearest enclosing scope that knows the qualifier.
    fn candidates<'r>(
        &'r self,
        qual: Option<&str>,
        relations: &'r [Relation],
    ) -> Vec<&'r Relation> {
        let scopes = std::iter::once(relations).chain(self.outer.iter().rev().map(Vec::as_slice));
        for scope in scopes {
            let found: Vec<&Relation> = match qual {
                Some(q) => {
                    let by_alias: Vec<&Relation> = scope
                        .iter()
                        .filter(|r| r.qualifier.eq_ignore_ascii_case(q))
                        .collect();
                    if by_alias.is_empty() {
                        // `t.col` over `FROM t AS a`: lenient, as sqllineage is.
                        scope.iter().filter(|r| r.is_table_named(q)).collect()
                    } else {
                        by_alias
                    }
                }
                None => scope.iter().collect(),
            };
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }

    fn column(
        &mut self,
        expr: &Expr,
        name: Option<String>,
        relations: &[Relation],
        earlier: &[OutItem],
    ) -> OutColumn {
        let mut collector = RefCollector {
            wildcards: self.options.wildcard_sources,
            ..RefCollector::default()
        };
        let _ = expr.visit(&mut collector);
        let mut sources = Vec::new();
        let mut inherited = Transform::Copy;
        for item in self.subqueries(collector.subqueries, relations) {
            if let OutItem::Column(c) = item {
                sources.extend(c.sources);
            }
        }
        for (qual, col) in collector.refs {
            if col.starts_with(['@', ':', '$']) {
                // Variables and bind parameters.
                continue;
            }
            let candidates = self.candidates(qual.as_deref(), relations);
            // A column of a derived table resolves through that table's items
            // (through each of them for `JOIN … USING (col)`).
            let derived: Vec<&OutColumn> = candidates
                .iter()
                .filter_map(|r| match &r.source {
                    RelationSource::Derived(items) => find_named(items, &col),
                    RelationSource::Table(_) => None,
                })
                .collect();
            if !derived.is_empty() {
                for c in derived {
                    sources.extend(c.sources.iter().cloned());
                    inherited = stronger(inherited, c.transform);
                }
                continue;
            }
            if qual.is_none() && col != "*" {
                // A lateral reference to an earlier alias of the same SELECT,
                // unless that item itself reads a column of the same name.
                if let Some(c) = find_named(earlier, &col) {
                    if !c
                        .sources
                        .iter()
                        .any(|s| s.column.eq_ignore_ascii_case(&col))
                    {
                        sources.extend(c.sources.iter().cloned());
                        inherited = stronger(inherited, c.transform);
                        continue;
                    }
                }
            }
            let mut tables: Vec<String> = Vec::new();
            for r in &candidates {
                match &r.source {
                    RelationSource::Table(t) => tables.push(t.clone()),
                    RelationSource::Derived(items) => {
                        tables.extend(items.iter().filter_map(|i| match i {
                            OutItem::Star { table } => Some(table.clone()),
                            OutItem::Column(_) => None,
                        }))
                    }
                }
            }
            tables.dedup();
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

fn find_named<'a>(items: &'a [OutItem], col: &str) -> Option<&'a OutColumn> {
    items.iter().find_map(|i| match i {
        OutItem::Column(c)
            if c.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(col)) =>
        {
            Some(c)
        }
        _ => None,
    })
}

fn is_values(body: &SetExpr) -> bool {
    match body {
        SetExpr::Values(_) => true,
        SetExpr::Query(q) => is_values(&q.body),
        _ => false,
    }
}

/// Targets of `SELECT … INTO t` (the first SELECT of a set operation carries it).
fn select_into_targets(body: &SetExpr) -> Vec<String> {
    match body {
        SetExpr::Select(s) => s
            .into
            .iter()
            .flat_map(|i| &i.targets)
            .filter_map(|e| match e {
                Expr::Identifier(id) => Some(id.value.clone()),
                Expr::CompoundIdentifier(parts) => Some(
                    parts
                        .iter()
                        .map(|p| p.value.as_str())
                        .collect::<Vec<_>>()
                        .join("."),
                ),
                _ => None,
            })
            .filter(|t| !t.starts_with(['@', ':']))
            .collect(),
        SetExpr::Query(q) => select_into_targets(&q.body),
        SetExpr::SetOperation { left, .. } => select_into_targets(left),
        _ => Vec::new(),
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
        // `col::type` keeps the column's name (PostgreSQL names it so).
        Expr::Cast {
            kind: CastKind::DoubleColon,
            expr: inner,
            ..
        } => expr_own_name(inner),
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

/// The stronger of two transforms along one path (see [`rank`]).
pub fn stronger(a: Transform, b: Transform) -> Transform {
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

    fn stmt(sql: &str, options: Options) -> StatementLineage {
        let dialect = sqlparser::dialect::GenericDialect {};
        let s = Parser::parse_sql(&dialect, sql).unwrap().remove(0);
        analyze_statement(&s, options)
    }

    /// (source table.column, target name) pairs of a statement's first write.
    fn edges(l: &StatementLineage) -> Vec<(String, String)> {
        let w = &l.writes[0];
        let mut out = Vec::new();
        for (i, item) in w.items.iter().enumerate() {
            if let OutItem::Column(c) = item {
                let name = w.columns.get(i).cloned().or_else(|| c.name.clone());
                for s in &c.sources {
                    out.push((
                        format!("{}.{}", s.tables.join("|"), s.column),
                        name.clone().unwrap_or_default(),
                    ));
                }
            }
        }
        out.sort();
        out
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn subqueries_outside_the_projection_read_tables() {
        let l = stmt(
            "SELECT a FROM t1 WHERE a IN (SELECT max(b) FROM t2) AND EXISTS (SELECT 1 FROM t3 WHERE t3.x = t1.a) \
             AND a = (SELECT c FROM t4 JOIN t5 ON t4.id = (SELECT min(id) FROM t6))",
            Options::default(),
        );
        assert_eq!(l.tables.reads, ["t1", "t2", "t3", "t4", "t5", "t6"]);
        assert!(l.tables.writes.is_empty());
        let l = stmt(
            "INSERT INTO t VALUES (1, (SELECT max(id) FROM s))",
            Options::default(),
        );
        assert_eq!(
            (l.tables.reads.as_slice(), l.tables.writes.as_slice()),
            (&["s".to_string()][..], &["t".to_string()][..])
        );
        assert!(l.writes.is_empty());
    }

    #[test]
    fn scalar_and_correlated_subqueries_feed_columns() {
        let l = stmt(
            "INSERT INTO t SELECT (SELECT max(x) FROM s2) AS m, (SELECT col1 + col2 AS r) AS r FROM s1",
            Options::default(),
        );
        assert_eq!(
            edges(&l),
            pairs(&[("s1.col1", "r"), ("s1.col2", "r"), ("s2.x", "m")])
        );
    }

    #[test]
    fn with_insert_and_insert_overwrite() {
        let l = stmt(
            "WITH c AS (SELECT a FROM s) INSERT INTO t SELECT a FROM c",
            Options::default(),
        );
        assert_eq!(l.tables.reads, ["s"]);
        assert_eq!(l.tables.writes, ["t"]);
        assert_eq!(edges(&l), pairs(&[("s.a", "a")]));
        let hive = sqlparser::dialect::HiveDialect {};
        let s = Parser::parse_sql(
            &hive,
            "INSERT OVERWRITE TABLE t PARTITION (p=1) SELECT a FROM s",
        )
        .unwrap()
        .remove(0);
        let l = analyze_statement(&s, Options::default());
        assert_eq!(
            (l.tables.reads.clone(), l.tables.writes.clone()),
            (vec!["s".to_string()], vec!["t".to_string()])
        );
        assert_eq!(edges(&l), pairs(&[("s.a", "a")]));
    }

    #[test]
    fn update_from_and_tsql_alias_target() {
        let l = stmt(
            "UPDATE tgt AS t SET name = s.name, email = upper(s.address) FROM src AS s WHERE s.id = t.id",
            Options::default(),
        );
        assert_eq!(l.tables.reads, ["src"]);
        assert_eq!(l.tables.writes, ["tgt"]);
        assert_eq!(l.writes[0].columns, ["name", "email"]);
        assert_eq!(
            edges(&l),
            pairs(&[("src.address", "email"), ("src.name", "name")])
        );
        let l = stmt(
            "UPDATE t SET t.c = s.c FROM tab1 t JOIN tab2 s ON t.id = s.id",
            Options::default(),
        );
        assert_eq!(l.tables.writes, ["tab1"]);
        assert_eq!(l.tables.reads, ["tab2"]);
        assert_eq!(edges(&l), pairs(&[("tab2.c", "c")]));
        let l = stmt("UPDATE t SET a = 1 WHERE b = 2", Options::default());
        assert_eq!(l.tables.writes, ["t"]);
        assert!(l.tables.reads.is_empty() && l.writes.is_empty());
    }

    #[test]
    fn merge_updates_and_inserts() {
        let l = stmt(
            "MERGE INTO tgt t USING (SELECT k, max(v) AS vm FROM src GROUP BY k) AS b ON t.k = b.k \
             WHEN MATCHED THEN UPDATE SET t.v = b.vm \
             WHEN NOT MATCHED THEN INSERT (k, v) VALUES (b.k, 1)",
            Options::default(),
        );
        assert_eq!(l.tables.reads, ["src"]);
        assert_eq!(l.tables.writes, ["tgt"]);
        assert_eq!(edges(&l), pairs(&[("src.k", "k"), ("src.v", "v")]));
        let c = match &l.writes[0].items[0] {
            OutItem::Column(c) => c,
            OutItem::Star { .. } => panic!(),
        };
        assert_eq!(c.transform, Transform::Aggregate);
    }

    #[test]
    fn ddl_table_usage() {
        let l = stmt("CREATE TABLE a LIKE b", Options::default());
        assert_eq!(
            (l.tables.reads.clone(), l.tables.writes.clone()),
            (vec!["b".to_string()], vec!["a".to_string()])
        );
        let l = stmt("CREATE TABLE a CLONE b", Options::default());
        assert_eq!(l.tables.reads, ["b"]);
        let l = stmt("DROP TABLE IF EXISTS x.a, b", Options::default());
        assert_eq!(l.tables.drops, ["x.a", "b"]);
        let l = stmt("ALTER TABLE a RENAME TO b", Options::default());
        assert_eq!(l.tables.renames, [("a".to_string(), "b".to_string())]);
        let l = stmt(
            "SELECT * INTO films_all FROM films UNION ALL SELECT * FROM films_backup",
            Options::default(),
        );
        assert_eq!(l.tables.writes, ["films_all"]);
        assert_eq!(l.tables.reads, ["films", "films_backup"]);
        assert!(l.writes[0].defines);
        let l = stmt(
            "CREATE VIEW v (x, y) AS SELECT a, b FROM s",
            Options::default(),
        );
        assert!(l.writes[0].view);
        assert_eq!(l.writes[0].columns, ["x", "y"]);
        let l = stmt("WITH c AS (SELECT 1) SELECT * FROM c", Options::default());
        assert!(l.tables.reads.is_empty());
    }

    #[test]
    fn options_name_expressions_and_count_star() {
        let sql = "INSERT INTO t SELECT max(a), count(*) AS n, b::text, a + b FROM s";
        let l = stmt(sql, Options::default());
        let names: Vec<Option<String>> = l.writes[0]
            .items
            .iter()
            .map(|i| match i {
                OutItem::Column(c) => c.name.clone(),
                OutItem::Star { .. } => None,
            })
            .collect();
        assert_eq!(names, [None, Some("n".into()), Some("b".into()), None]);
        assert!(!edges(&l).iter().any(|(s, _)| s.ends_with('*')));
        let l = stmt(
            sql,
            Options {
                expression_names: true,
                wildcard_sources: true,
            },
        );
        assert_eq!(
            edges(&l),
            pairs(&[
                ("s.*", "n"),
                ("s.a", "a + b"),
                ("s.a", "max(a)"),
                ("s.b", "a + b"),
                ("s.b", "b")
            ])
        );
    }

    #[test]
    fn lateral_aliases_views_unnest_and_lenient_qualifiers() {
        let got = items("SELECT firstname AS user_name, user_name || lastname AS id FROM person");
        assert_eq!(
            col(&got[1])
                .sources
                .iter()
                .map(|s| s.column.as_str())
                .collect::<Vec<_>>(),
            ["firstname", "lastname"]
        );
        // An alias over an expression reading the same name is a real column.
        let got = items("SELECT concat(a, id) AS id, id AS id2 FROM p");
        assert_eq!(col(&got[1]).sources[0].column, "id");
        let hive = sqlparser::dialect::HiveDialect {};
        let s = Parser::parse_sql(
            &hive,
            "SELECT sc.id, q.item0 FROM bar sc LATERAL VIEW json_tuple(sc.json, 'k') q AS item0",
        )
        .unwrap()
        .remove(0);
        let sqlparser::ast::Statement::Query(q) = s else {
            panic!()
        };
        let got = Analyzer::default().query(&q);
        assert_eq!(col(&got[1]).sources[0].column, "json");
        let got = items("SELECT tab2.col1, tab2.* FROM tab2 a JOIN tab3 b ON a.id = b.id");
        assert_eq!(col(&got[0]).sources[0].tables, ["tab2"]);
        assert_eq!(
            got[1],
            OutItem::Star {
                table: "tab2".into()
            }
        );
        let got = items(
            "SELECT f1 FROM (SELECT f1 FROM t1) x LEFT JOIN (SELECT f1 FROM t2) y USING (f1)",
        );
        assert_eq!(col(&got[0]).sources.len(), 2);
    }
}
