//! MyBatis mapper XML extractor.
//!
//! A mapper is read in two steps so that `<include refid="other.ns.id">`
//! can reach a `<sql>` fragment of another mapper: [`parse`] turns each file
//! into a [`Mapper`] (the tolerant element tree of [`super::xml`], never a
//! panic), then
//! [`facts`] renders every `<select|insert|update|delete>` to plain SQL with
//! the fragments of all mappers ([`FragmentIndex`]) and reads that SQL with
//! the SQL extractor, so `INSERT … SELECT`, `UPDATE … SET` etc. give the same
//! lineage as a `.sql` file, located at the mapper statement's file:line.
//!
//! Rendering keeps every branch of the dynamic SQL (`<if>` bodies, all
//! `<when>`s and the `<otherwise>` of a `<choose>`, one iteration of a
//! `<foreach>`), because an auditor asks what a statement *can* touch. When
//! that union is not valid SQL (two `<when>`s in a select list), the
//! renderer retries with the first branch only, then with the bare
//! statement. `#{…}` parameters become `?`; `${…}` text substitution becomes
//! an identifier and, unless an `<include><property>` or a generator-made
//! segment explains it, a `sql_injection_risk` [`Control`]. A `typeHandler`
//! whose class name says it encrypts or masks (the words of
//! `rules/catalog/protection_names.yaml`, shared with the Java reader)
//! protects its column.

use super::protection_names::ProtectionNames;
use super::sql::{self, SqlDialect};
use super::xml::{self, Element, Node, TextRun};
use super::{FileFacts, ProtectionRule};
use crate::model::{Control, Diagnostic, DiagnosticLevel, Location};
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// `<include>` chains followed before giving up (cycles are cut earlier).
const MAX_INCLUDE_DEPTH: usize = 16;
/// Rendered SQL longer than this is cut: a mapper statement is never that big
/// unless includes explode combinatorially.
const MAX_RENDERED: usize = 1 << 20;
/// Prefix of the identifier standing for a `${…}` substitution.
pub const INTERPOLATION_PREFIX: &str = "piaudit_interp__";

/// True when `text` looks like a MyBatis mapper (or iBatis `sqlMap`).
pub fn is_mapper(text: &str) -> bool {
    let head = &text[..floor_char_boundary(text, text.len().min(4096))];
    head.contains("<mapper") && (head.contains("mybatis") || head.contains("namespace"))
}

/// One `<result>`/`<id>` of a `resultMap`: property ↔ column.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultMapping {
    /// Java property.
    pub property: String,
    /// Column (or column alias) read.
    pub column: String,
    /// `typeHandler` class, when one is set.
    pub type_handler: Option<String>,
    /// Where the mapping is written.
    pub location: Location,
}

/// A `<resultMap>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultMap {
    /// `id` attribute.
    pub id: String,
    /// `type` attribute (entity class or alias).
    pub type_name: Option<String>,
    /// Mappings, nested `<association>`/`<collection>` ones included.
    pub mappings: Vec<ResultMapping>,
    /// Where the map is declared.
    pub location: Location,
}

/// A parsed mapper file.
#[derive(Debug, Clone)]
pub struct Mapper {
    /// Path of the file.
    pub file: String,
    /// `namespace` attribute of `<mapper>`.
    pub namespace: Option<String>,
    /// Result maps.
    pub result_maps: Vec<ResultMap>,
    /// Problems met while reading the XML.
    pub diagnostics: Vec<Diagnostic>,
    /// Dialect suggested by the path and content, as for a `.sql` file.
    pub hint: SqlDialect,
    statements: Vec<Element>,
    fragments: Vec<Element>,
}

/// `<sql>` fragments of every mapper, by qualified id (`namespace.id`) and
/// by file-local id.
#[derive(Debug, Default)]
pub struct FragmentIndex<'a> {
    qualified: HashMap<String, (&'a str, &'a Element)>,
    /// Keyed by `file` NUL `id`.
    local: HashMap<String, &'a Element>,
}

impl<'a> FragmentIndex<'a> {
    /// Indexes the fragments of `mappers`.
    pub fn new(mappers: impl IntoIterator<Item = &'a Mapper>) -> Self {
        let mut index = FragmentIndex::default();
        for m in mappers {
            for f in &m.fragments {
                let Some(id) = f.attr("id") else { continue };
                index.local.insert(format!("{}\0{id}", m.file), f);
                if let Some(ns) = &m.namespace {
                    index
                        .qualified
                        .entry(format!("{ns}.{id}"))
                        .or_insert((m.file.as_str(), f));
                }
            }
        }
        index
    }

    fn find(&self, file: &'a str, refid: &str) -> Option<(&'a str, &'a Element)> {
        if let Some(e) = self.local.get(&format!("{file}\0{refid}")) {
            return Some((file, e));
        }
        self.qualified.get(refid).copied()
    }
}

/// A mapper statement rendered to SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedStatement {
    /// `namespace.id` (or the bare id without a namespace).
    pub id: String,
    /// `select`, `insert`, `update` or `delete`.
    pub kind: String,
    /// The SQL, parameters replaced by placeholders.
    pub sql: String,
    /// Where the statement element starts.
    pub location: Location,
    /// Parameters in rendering order.
    pub parameters: Vec<Parameter>,
}

/// A `#{…}` or `${…}` parameter of a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The expression (`user.phone`), options removed.
    pub name: String,
    /// True for `${…}` text substitution.
    pub interpolated: bool,
    /// `typeHandler=` option of a `#{…}`.
    pub type_handler: Option<String>,
    /// Where it is written (the fragment's file for included SQL).
    pub location: Location,
}

/// What one mapper contributed, ready for `facts::assemble`.
#[derive(Debug, Clone, Default)]
pub struct MapperFacts {
    /// Writes (lineage), coverage, diagnostics, controls and protections.
    pub facts: FileFacts,
    /// Every statement as rendered, in file order.
    pub statements: Vec<RenderedStatement>,
}

/// Reads one mapper alone (fragments of other mappers are not visible).
pub fn extract(file: &str, text: &str, dialect: Option<SqlDialect>) -> MapperFacts {
    let mapper = parse(file, text);
    let index = FragmentIndex::new([&mapper]);
    facts(&mapper, &index, dialect)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Parses a mapper file into its element tree. Malformed XML gives
/// diagnostics and whatever was read before the damage.
pub fn parse(file: &str, text: &str) -> Mapper {
    let (root, diagnostics) = xml::parse(file, text, "mapper XML");
    let mut mapper = Mapper {
        file: file.to_string(),
        namespace: None,
        result_maps: Vec::new(),
        diagnostics,
        hint: SqlDialect::detect(file, text),
        statements: Vec::new(),
        fragments: Vec::new(),
    };
    let Some(top) = root
        .elements()
        .find(|e| e.name == "mapper" || e.name == "sqlMap")
    else {
        mapper.diagnostics.push(Diagnostic {
            file: file.to_string(),
            line: 1,
            severity: DiagnosticLevel::Info,
            message: "XML file has no <mapper> element; not read as a MyBatis mapper".into(),
        });
        return mapper;
    };
    mapper.namespace = top.attr("namespace").map(str::to_string);
    for e in top.elements() {
        match e.name.as_str() {
            "select" | "insert" | "update" | "delete" | "statement" | "procedure" => {
                mapper.statements.push(e.clone())
            }
            "sql" => mapper.fragments.push(e.clone()),
            "resultMap" => mapper.result_maps.push(result_map(file, e)),
            _ => {}
        }
    }
    mapper
}

fn result_map(file: &str, e: &Element) -> ResultMap {
    let mut mappings = Vec::new();
    collect_mappings(file, e, &mut mappings);
    ResultMap {
        id: e.attr("id").unwrap_or_default().to_string(),
        type_name: e.attr("type").map(str::to_string),
        mappings,
        location: Location::line(file, e.line),
    }
}

fn collect_mappings(file: &str, e: &Element, out: &mut Vec<ResultMapping>) {
    for c in e.elements() {
        match c.name.as_str() {
            "id" | "result" | "idArg" | "arg" => {
                if let (Some(property), Some(column)) =
                    (c.attr("property").or(c.attr("name")), c.attr("column"))
                {
                    out.push(ResultMapping {
                        property: property.to_string(),
                        column: column.to_string(),
                        type_handler: c.attr("typeHandler").map(str::to_string),
                        location: Location::line(file, c.line),
                    });
                }
            }
            _ => collect_mappings(file, c, out),
        }
    }
}

/// How `<choose>` and `<if>` are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Branches {
    /// Every `<if>` body and every branch of every `<choose>`.
    All,
    /// Every `<if>` body, the first branch of each `<choose>`.
    First,
    /// No `<if>` body, the `<otherwise>` (else first) branch of each `<choose>`.
    Bare,
}

struct Renderer<'a, 'i> {
    index: &'i FragmentIndex<'a>,
    branches: Branches,
    sql: String,
    parameters: Vec<Parameter>,
    diagnostics: Vec<Diagnostic>,
    include_stack: Vec<String>,
}

impl<'a> Renderer<'a, '_> {
    fn children(&mut self, file: &'a str, e: &'a Element, props: &HashMap<String, String>) {
        for n in &e.children {
            if self.sql.len() > MAX_RENDERED {
                return;
            }
            match n {
                Node::Text(t) => self.text(file, t, props),
                Node::Element(c) => self.elem(file, c, props),
            }
        }
    }

    /// Renders into a fresh buffer and returns it (for trimming tags).
    fn nested(&mut self, file: &'a str, e: &'a Element, props: &HashMap<String, String>) -> String {
        let outer = std::mem::take(&mut self.sql);
        self.children(file, e, props);
        std::mem::replace(&mut self.sql, outer)
    }

    fn elem(&mut self, file: &'a str, e: &'a Element, props: &HashMap<String, String>) {
        match e.name.as_str() {
            "if" | "when" | "otherwise" => {
                if self.branches != Branches::Bare || e.name != "if" {
                    self.children(file, e, props);
                }
            }
            "choose" => {
                let branches: Vec<&Element> = e
                    .elements()
                    .filter(|c| c.name == "when" || c.name == "otherwise")
                    .collect();
                let chosen: Vec<&Element> = match self.branches {
                    Branches::All => branches,
                    Branches::First => branches.into_iter().take(1).collect(),
                    Branches::Bare => {
                        let otherwise = branches.iter().find(|c| c.name == "otherwise").copied();
                        otherwise
                            .or_else(|| branches.first().copied())
                            .into_iter()
                            .collect()
                    }
                };
                for c in chosen {
                    self.sql.push(' ');
                    self.children(file, c, props);
                }
            }
            "where" => {
                let body = self.nested(file, e, props);
                self.trimmed(&body, "WHERE", "", &["AND ", "OR "], &[]);
            }
            "set" => {
                let body = self.nested(file, e, props);
                self.trimmed(&body, "SET", "", &[","], &[","]);
            }
            "trim" => {
                let body = self.nested(file, e, props);
                let prefix_over: Vec<&str> = e.attr("prefixOverrides").map_or_else(Vec::new, |s| {
                    s.split('|').filter(|x| !x.is_empty()).collect()
                });
                let suffix_over: Vec<&str> = e.attr("suffixOverrides").map_or_else(Vec::new, |s| {
                    s.split('|').filter(|x| !x.is_empty()).collect()
                });
                self.trimmed(
                    &body,
                    e.attr("prefix").unwrap_or(""),
                    e.attr("suffix").unwrap_or(""),
                    &prefix_over,
                    &suffix_over,
                );
            }
            "foreach" => {
                // One iteration stands for all: the columns and tables are the same.
                self.sql.push(' ');
                self.sql.push_str(e.attr("open").unwrap_or(""));
                self.children(file, e, props);
                self.sql.push_str(e.attr("close").unwrap_or(""));
                self.sql.push(' ');
            }
            "include" => self.include(file, e, props),
            // Side statements and bindings add no SQL to the statement itself.
            "selectKey" | "bind" | "property" => {}
            _ => self.children(file, e, props),
        }
    }

    /// MyBatis `TrimSqlNode`: strips one matching prefix/suffix override
    /// (case-insensitively) and adds the prefix/suffix when the body is not empty.
    fn trimmed(
        &mut self,
        body: &str,
        prefix: &str,
        suffix: &str,
        prefix_over: &[&str],
        suffix_over: &[&str],
    ) {
        let mut body = body.trim().to_string();
        if body.is_empty() {
            return;
        }
        for p in prefix_over {
            let p_trim = p.trim();
            if p_trim.is_empty() {
                continue;
            }
            let upper = body.to_uppercase();
            if upper.starts_with(&p.to_uppercase())
                || (upper.starts_with(&p_trim.to_uppercase())
                    && body[p_trim.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric() && c != '_'))
            {
                body = body[p_trim.len()..].trim_start().to_string();
                break;
            }
        }
        for s in suffix_over {
            let s_trim = s.trim();
            if s_trim.is_empty() {
                continue;
            }
            if body.to_uppercase().ends_with(&s_trim.to_uppercase())
                && body.is_char_boundary(body.len() - s_trim.len())
            {
                body.truncate(body.len() - s_trim.len());
                body = body.trim_end().to_string();
                break;
            }
        }
        self.sql.push(' ');
        self.sql.push_str(prefix);
        self.sql.push(' ');
        self.sql.push_str(&body);
        self.sql.push(' ');
        self.sql.push_str(suffix);
        self.sql.push(' ');
    }

    fn include(&mut self, file: &'a str, e: &'a Element, props: &HashMap<String, String>) {
        let refid = substitute_props(e.attr("refid").unwrap_or(""), props);
        let location = Location::line(file, e.line);
        if self.include_stack.len() >= MAX_INCLUDE_DEPTH || self.include_stack.contains(&refid) {
            self.diag(
                &location,
                format!("`<include refid=\"{refid}\">` is recursive; not expanded again"),
            );
            return;
        }
        let Some((frag_file, frag)) = self.index.find(file, &refid) else {
            self.diag(
                &location,
                format!(
                    "`<include refid=\"{refid}\">`: no such <sql> fragment in the scanned mappers"
                ),
            );
            return;
        };
        let mut inner = props.clone();
        for p in e.elements().filter(|c| c.name == "property") {
            if let (Some(name), Some(value)) = (p.attr("name"), p.attr("value")) {
                inner.insert(name.to_string(), substitute_props(value, props));
            }
        }
        self.include_stack.push(refid);
        self.sql.push(' ');
        self.children(frag_file, frag, &inner);
        self.sql.push(' ');
        self.include_stack.pop();
    }

    fn diag(&mut self, at: &Location, message: String) {
        if self
            .diagnostics
            .iter()
            .any(|d| d.line == at.line && d.message == message)
        {
            return;
        }
        self.diagnostics.push(Diagnostic {
            file: at.file.clone(),
            line: at.line,
            severity: DiagnosticLevel::Warning,
            message,
        });
    }

    /// Appends a text run, replacing `#{…}` by `?` and `${…}` by its
    /// `<include>` property or a placeholder identifier.
    fn text(&mut self, file: &str, t: &TextRun, props: &HashMap<String, String>) {
        let s = t.text.as_str();
        let mut i = 0;
        while i < s.len() {
            let rest = &s[i..];
            let Some(pos) = rest.find(['#', '$']) else {
                self.sql.push_str(rest);
                break;
            };
            self.sql.push_str(&rest[..pos]);
            let at = i + pos;
            let after = &s[at + 1..];
            if !after.starts_with('{') {
                self.sql.push_str(&s[at..at + 1]);
                i = at + 1;
                continue;
            }
            let Some(close) = after.find('}') else {
                // An unterminated `#{` is left as text; the SQL parser reports it.
                self.sql.push_str(&s[at..]);
                break;
            };
            let inner = &after[1..close];
            let interpolated = s.as_bytes()[at] == b'$';
            let line = t.line + s[..at].matches('\n').count() as u32;
            let mut parts = inner.split(',');
            let name = parts.next().unwrap_or("").trim().to_string();
            if interpolated {
                if let Some(v) = props.get(&name) {
                    self.sql.push_str(v);
                } else {
                    self.sql.push_str(INTERPOLATION_PREFIX);
                    self.sql.extend(name.chars().map(|c| {
                        if c.is_ascii_alphanumeric() || c == '_' {
                            c
                        } else {
                            '_'
                        }
                    }));
                    self.parameters.push(Parameter {
                        name,
                        interpolated: true,
                        type_handler: None,
                        location: Location::line(file, line),
                    });
                }
            } else {
                self.sql.push('?');
                let type_handler = parts.find_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    (k.trim() == "typeHandler").then(|| v.trim().to_string())
                });
                self.parameters.push(Parameter {
                    name,
                    interpolated: false,
                    type_handler,
                    location: Location::line(file, line),
                });
            }
            i = at + 1 + close + 1;
        }
    }
}

fn substitute_props(s: &str, props: &HashMap<String, String>) -> String {
    if !s.contains("${") {
        return s.to_string();
    }
    static VAR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\$\{\s*([^}]*?)\s*\}").expect("valid regex"));
    VAR.replace_all(s, |c: &regex::Captures<'_>| {
        props
            .get(&c[1])
            .cloned()
            .unwrap_or_else(|| c[0].to_string())
    })
    .into_owned()
}

/// Whether the `${name}` placeholder of a rendered statement stands where
/// SQL expects a value: after a comparison (`=`, `<>`, `<`, `>`), `like`,
/// `between`/`and` of a range, inside a quoted literal (`'%${x}%'`), or in
/// the argument list of `in (…)`, `values (…)` or `concat(…)`. After
/// `order by`/`group by`, `from`/`join`/`into`/`update`, a `.` or in a
/// select list it names a column or table (often picked from a whitelist
/// in code, which the mapper cannot show), and `limit`/`offset` take
/// numbers: those are not values here.
fn spliced_as_value(sql: &str, name: &str) -> bool {
    let placeholder: String = std::iter::once(INTERPOLATION_PREFIX.to_string())
        .chain(std::iter::once(
            name.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>(),
        ))
        .collect();
    let lower = sql.to_ascii_lowercase();
    let placeholder = placeholder.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&placeholder) {
        let at = from + pos;
        from = at + placeholder.len();
        // Inside a quoted literal: an odd number of quotes before it.
        if lower[..at].matches('\'').count() % 2 == 1 {
            return true;
        }
        let before = lower[..at].trim_end();
        if before.ends_with(['=', '<', '>'])
            || [" like", " between", " regexp"]
                .iter()
                .any(|w| before.ends_with(w))
        {
            return true;
        }
        // The upper bound of `between x and ${y}`; a bare `… and ${cond}`
        // splices a condition, not a value.
        if let Some(b) = before.strip_suffix(" and") {
            if let Some((_, range)) = b.rsplit_once(" between ") {
                if !range.contains(" and ") {
                    return true;
                }
            }
        }
        // In a group: the innermost open parenthesis and the word before it.
        let mut depth = 0i32;
        let mut open = None;
        for (i, c) in before.char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' if depth == 0 => {
                    open = Some(i);
                    break;
                }
                '(' => depth -= 1,
                _ => {}
            }
        }
        if let Some(o) = open {
            let head = before[..o].trim_end();
            let word = head
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("");
            // A list of values, not a subquery (`in (select … group by ${x})`).
            let inner = &before[o + 1..];
            let list = !inner.contains("select")
                && !inner.contains(" by")
                && inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || " \t\r\n'%?,._-#{}:\"".contains(c));
            if list
                && matches!(
                    word,
                    "in" | "values" | "concat" | "instr" | "locate" | "find_in_set"
                )
            {
                return true;
            }
        }
    }
    false
}

/// `${…}` expressions that generators fill with SQL they build from
/// constants (MyBatis-Plus wrapper segments, MyBatis Generator criteria and
/// selective column lists),
/// so they are not user input reaching the statement.
/// An OGNL static reference (`${@com.example.Status@ACTIVE}`,
/// `${@com.example.Ids@next()}`): a constant or a value the program computes,
/// never what a caller passes.
fn static_reference(name: &str) -> bool {
    name.trim_start().starts_with('@')
}

fn generated_segment(name: &str) -> bool {
    name.starts_with("ew.")
        || name.starts_with("criterion.")
        || name == "_parameter.sqlSegment"
        || name.ends_with(".customSqlSegment")
        || name.ends_with(".sqlSegment")
        || name.starts_with("column.")
}

fn render<'a>(
    index: &FragmentIndex<'a>,
    file: &'a str,
    stmt: &'a Element,
    branches: Branches,
) -> (String, Vec<Parameter>, Vec<Diagnostic>) {
    let mut r = Renderer {
        index,
        branches,
        sql: String::new(),
        parameters: Vec::new(),
        diagnostics: Vec::new(),
        include_stack: Vec::new(),
    };
    r.children(file, stmt, &HashMap::new());
    let mut sql = r.sql;
    if sql.len() > MAX_RENDERED {
        sql.truncate(floor_char_boundary(&sql, MAX_RENDERED));
    }
    (sql, r.parameters, r.diagnostics)
}

/// The dialect a mapper's SQL is written in: `databaseId` of its statements
/// when they agree, else the path and content hints of `.sql` files.
fn mapper_dialect(mapper: &Mapper) -> SqlDialect {
    let ids: HashSet<SqlDialect> = mapper
        .statements
        .iter()
        .filter_map(|s| s.attr("databaseId")?.parse().ok())
        .collect();
    if ids.len() == 1 {
        if let Some(d) = ids.into_iter().next() {
            return d;
        }
    }
    mapper.hint
}

/// One rendering of a statement and what the SQL extractor made of it.
struct Attempt {
    sql: String,
    parameters: Vec<Parameter>,
    diagnostics: Vec<Diagnostic>,
    facts: FileFacts,
    tables: Vec<sql::lineage::StatementTables>,
}

impl Attempt {
    fn parsed(&self) -> bool {
        self.facts.coverage.statements_parsed == self.facts.coverage.statements_total
    }
}

/// Renders and reads every statement of `mapper`, with the `<sql>`
/// fragments of `index` (which should include the mapper itself).
pub fn facts<'a>(
    mapper: &'a Mapper,
    index: &FragmentIndex<'a>,
    dialect: Option<SqlDialect>,
) -> MapperFacts {
    let file = mapper.file.as_str();
    let dialect = dialect.unwrap_or_else(|| mapper_dialect(mapper));
    let protection_names = ProtectionNames::builtin();
    let mut out = MapperFacts {
        facts: FileFacts {
            file: file.to_string(),
            dialect: Some(dialect),
            diagnostics: mapper.diagnostics.clone(),
            ..FileFacts::default()
        },
        statements: Vec::new(),
    };
    // Tables each statement reads or writes, by statement id (for resultMaps).
    let mut result_map_tables: HashMap<&str, Vec<String>> = HashMap::new();
    for stmt in &mapper.statements {
        let id = stmt.attr("id").unwrap_or("?");
        let id = match &mapper.namespace {
            Some(ns) => format!("{ns}.{id}"),
            None => id.to_string(),
        };
        let location = Location::line(file, stmt.line);
        let stmt_dialect = stmt
            .attr("databaseId")
            .and_then(|d| d.parse().ok())
            .unwrap_or(dialect);
        let mut chosen: Option<Attempt> = None;
        for branches in [Branches::All, Branches::First, Branches::Bare] {
            let (sql_text, parameters, diagnostics) = render(index, file, stmt, branches);
            let mut tables = Vec::new();
            let facts = sql::extract_with(
                file,
                &sql_text,
                stmt_dialect,
                sql::lineage::Options::default(),
                |t| tables.push(t.clone()),
            );
            let attempt = Attempt {
                sql: sql_text,
                parameters,
                diagnostics,
                facts,
                tables,
            };
            let parsed = attempt.parsed();
            if chosen.is_none() || parsed {
                chosen = Some(attempt);
            }
            if parsed {
                break;
            }
        }
        let Some(a) = chosen else { continue };
        let touched: Vec<String> = a
            .tables
            .iter()
            .flat_map(|t| t.writes.iter().chain(&t.reads))
            .filter(|t| !t.starts_with(INTERPOLATION_PREFIX))
            .cloned()
            .collect();
        if let Some(rm) = stmt.attr("resultMap") {
            let reads = a
                .tables
                .iter()
                .flat_map(|t| t.reads.first())
                .filter(|t| !t.starts_with(INTERPOLATION_PREFIX));
            result_map_tables
                .entry(rm)
                .or_default()
                .extend(reads.cloned());
        }
        merge(&mut out.facts, a.facts, &id, &location);
        out.facts.diagnostics.extend(a.diagnostics);
        for p in &a.parameters {
            if p.interpolated && !generated_segment(&p.name) && !static_reference(&p.name) {
                out.facts.controls.push(Control {
                    subject: touched.first().cloned(),
                    value: Some(format!("${{{}}} in {id}", p.name)),
                    ..Control::at("sql_injection_risk", p.location.clone())
                });
                // Spliced where SQL expects a value (`= '${mobile}'`,
                // `like '%${name}%'`, `in (${ids})`): data the caller passes,
                // not a sort column or table name a program picks.
                if spliced_as_value(&a.sql, &p.name) {
                    out.facts.controls.push(Control {
                        subject: touched.first().cloned(),
                        value: Some(format!("${{{}}} in {id}", p.name)),
                        ..Control::at("sql_value_spliced", p.location.clone())
                    });
                }
            }
        }
        // `AES_ENCRYPT(#{idCard}, …)` in the statement: the column is stored encrypted.
        for (_, column, _) in crate::extract::hash_shape::encrypted_writes(&a.sql) {
            out.facts.protections.push(ProtectionRule {
                table: a.tables.iter().find_map(|t| t.writes.first().cloned()),
                column,
                protection: crate::model::Protection::Encrypted,
                kind: "db_encrypt_function".into(),
                location: location.clone(),
            });
        }
        for (k, p) in a.parameters.iter().filter(|p| !p.interpolated).enumerate() {
            let Some(protection) = p
                .type_handler
                .as_deref()
                .and_then(|class| protection_names.type_handler(class))
            else {
                continue;
            };
            let column = placeholder_column(&a.sql, k).unwrap_or_else(|| property_column(&p.name));
            out.facts.protections.push(ProtectionRule {
                table: a.tables.iter().find_map(|t| t.writes.first().cloned()),
                column,
                protection,
                kind: "type_handler".into(),
                location: p.location.clone(),
            });
        }
        out.statements.push(RenderedStatement {
            id,
            kind: stmt.name.clone(),
            sql: a.sql,
            location,
            parameters: a.parameters,
        });
    }
    for rm in &mapper.result_maps {
        let mut tables = result_map_tables.remove(rm.id.as_str()).unwrap_or_default();
        tables.sort();
        tables.dedup();
        for m in &rm.mappings {
            let Some(protection) = m
                .type_handler
                .as_deref()
                .and_then(|class| protection_names.type_handler(class))
            else {
                continue;
            };
            out.facts.protections.push(ProtectionRule {
                table: (tables.len() == 1).then(|| tables[0].clone()),
                column: m.column.clone(),
                protection,
                kind: "type_handler".into(),
                location: m.location.clone(),
            });
        }
    }
    out
}

/// Moves what the SQL extractor found in a rendered statement into the
/// mapper's facts, located at the statement element.
fn merge(into: &mut FileFacts, from: FileFacts, id: &str, at: &Location) {
    let interp = |s: &str| s.starts_with(INTERPOLATION_PREFIX);
    into.coverage.add(from.coverage);
    for mut t in from.tables {
        if interp(&t.name) {
            continue;
        }
        t.location = at.clone();
        for c in &mut t.columns {
            c.location = at.clone();
        }
        into.tables.push(t);
    }
    for mut c in from.comments {
        c.location = at.clone();
        into.comments.push(c);
    }
    for mut w in from.writes {
        if interp(&w.target) {
            continue;
        }
        w.location = at.clone();
        w.source_tables.retain(|t| !interp(t));
        for item in &mut w.items {
            if let super::OutItem::Column(c) = item {
                c.sources.retain(|s| !interp(&s.column));
                for s in &mut c.sources {
                    s.tables.retain(|t| !interp(t));
                }
                c.sources.retain(|s| !s.tables.is_empty());
            }
        }
        w.items
            .retain(|i| !matches!(i, super::OutItem::Star { table } if interp(table)));
        into.writes.push(w);
    }
    static RENDERED_AT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r" at \d+:\d+").expect("valid regex"));
    for mut d in from.diagnostics {
        d.line = at.line;
        // Positions in the rendered SQL mean nothing in the XML file.
        let message = RENDERED_AT.replace_all(&d.message, "");
        d.message = format!("mapper statement `{id}`: {message}");
        into.diagnostics.push(d);
    }
}

/// The column the `k`-th `?` of `sql` is bound to: `col = ?`, or the `k`-th
/// column of `INSERT INTO t (cols) VALUES (?, …)`.
fn placeholder_column(sql: &str, k: usize) -> Option<String> {
    static ASSIGN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"([A-Za-z_][\w]*)`?\s*=\s*$").expect("valid regex"));
    static INSERT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?is)insert\s+(?:ignore\s+)?into\s+[^\s(]+\s*\(([^()]*)\)\s*values\s*\(")
            .expect("valid regex")
    });
    let (pos, _) = sql.match_indices('?').nth(k)?;
    if let Some(c) = ASSIGN.captures(&sql[..pos]) {
        return Some(c[1].to_string());
    }
    let ins = INSERT.captures(sql)?;
    let values_start = ins.get(0)?.end();
    if pos < values_start {
        return None;
    }
    let before = sql[..values_start].matches('?').count();
    let columns: Vec<&str> = ins[1]
        .split(',')
        .map(|c| c.trim().trim_matches('`'))
        .collect();
    columns
        .get(k.checked_sub(before)?)
        .filter(|c| !c.is_empty())
        .map(|c| c.to_string())
}

/// `user.idCard` → `id_card`: MyBatis' map-underscore-to-camel-case convention.
fn property_column(property: &str) -> String {
    let last = property.rsplit('.').next().unwrap_or(property);
    let mut out = String::new();
    for (i, c) in last.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The registry's reader of MyBatis mappers, read together (an
/// `<include>` may name another mapper's `<sql>`).
pub struct Mappers;

impl super::registry::Extractor for Mappers {
    fn extract(&self, s: &super::Source, cx: &super::registry::ExtractContext<'_>) -> FileFacts {
        super::registry::extract_alone(self, s, cx)
    }

    fn reads_together(&self) -> bool {
        true
    }

    fn extract_together(
        &self,
        sources: &[&super::Source],
        dialect_of: &(dyn Fn(&str) -> Option<SqlDialect> + Sync),
    ) -> Vec<FileFacts> {
        let mut all = extract_all(
            sources.iter().map(|s| (s.rel.as_str(), s.text.as_str())),
            dialect_of,
        );
        all.drain().map(|(_, f)| f).collect()
    }
}

/// Reads every mapper of a scan together, so `<include>`s resolve across
/// files; `dialect` forces a file's dialect (else it is detected). Returns
/// each file's facts by path; a panic while reading one file
/// becomes a diagnostic for that file. XML files without a `<mapper>` give
/// empty facts.
pub fn extract_all<'s>(
    files: impl IntoIterator<Item = (&'s str, &'s str)>,
    dialect: impl Fn(&str) -> Option<SqlDialect> + Sync,
) -> HashMap<String, FileFacts> {
    use rayon::prelude::*;
    let files: Vec<(&str, &str)> = files.into_iter().collect();
    let parsed: Vec<Result<Mapper, String>> = files
        .par_iter()
        .map(|(file, text)| {
            if !is_mapper(text) {
                return Err(file.to_string());
            }
            std::panic::catch_unwind(|| parse(file, text)).map_err(|_| file.to_string())
        })
        .collect();
    let mappers: Vec<&Mapper> = parsed.iter().filter_map(|p| p.as_ref().ok()).collect();
    let index = FragmentIndex::new(mappers.iter().copied());
    let mut out: HashMap<String, FileFacts> = mappers
        .par_iter()
        .map(|m| {
            let forced = dialect(&m.file);
            let f = std::panic::catch_unwind(|| facts(m, &index, forced).facts)
                .unwrap_or_else(|_| internal_error(&m.file));
            (m.file.clone(), f)
        })
        .collect();
    for (i, p) in parsed.iter().enumerate() {
        if let Err(file) = p {
            let f = if is_mapper(files[i].1) {
                internal_error(file)
            } else {
                FileFacts {
                    file: file.clone(),
                    ..FileFacts::default()
                }
            };
            out.insert(file.clone(), f);
        }
    }
    out
}

fn internal_error(file: &str) -> FileFacts {
    FileFacts {
        file: file.to_string(),
        diagnostics: vec![Diagnostic {
            file: file.to_string(),
            line: 1,
            severity: DiagnosticLevel::Error,
            message: "internal error while reading this MyBatis mapper; the file was skipped (please report it)".into(),
        }],
        ..FileFacts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(sql: &str) -> bool {
        let rendered = sql.replace("${x}", &format!("{INTERPOLATION_PREFIX}x"));
        spliced_as_value(&rendered, "x")
    }

    #[test]
    fn spliced_values_are_told_from_identifiers() {
        for v in [
            "select * from t where mobile = '${x}'",
            "select * from t where mobile=${x}",
            "select * from t where name like '%${x}%'",
            "select * from t where name like concat('%', ${x}, '%')",
            "select * from t where id in (${x})",
            "select * from t where d between ${x} and 3",
            "select * from t where d between 1 and ${x}",
            "insert into t (a, b) values (#{a}, ${x})",
            "select * from t where a <> ${x}",
        ] {
            assert!(value(v), "{v}");
        }
        for n in [
            "select * from t order by ${x}",
            "select * from t order by a, ${x} desc",
            "select * from ${x} where a = ?",
            "select ${x} from t",
            "select * from t limit ${x}",
            "select * from t where a = 1 and ${x}",
            "select * from t t1 join ${x} t2 on t1.a = t2.a",
            "select * from t where a in (select b from u group by ${x})",
        ] {
            assert!(!value(n), "{n}");
        }
    }

    #[test]
    fn static_references_are_no_caller_data() {
        let xml = r#"<mapper namespace="a.M">
  <select id="q">select * from t where status = ${@com.example.Status@ACTIVE.code}
    and mobile = '${mobile}'</select>
</mapper>"#;
        let out = extract("m/AMapper.xml", xml, None);
        let risks: Vec<_> = out
            .facts
            .controls
            .iter()
            .filter(|c| c.kind == "sql_injection_risk")
            .filter_map(|c| c.value.clone())
            .collect();
        assert_eq!(risks, vec!["${mobile} in a.M.q".to_string()]);
    }
}
