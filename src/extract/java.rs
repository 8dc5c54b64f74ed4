//! Java sources: field-level protection declared in code, DTO/VO classes
//! returned by APIs, and log statements printing values.
//!
//! - `@EncryptField`, `@Encrypted`, `@CryptField`, `@SM4Field`-style
//!   annotations, MyBatis-Plus `@TableField(typeHandler = …EncryptTypeHandler.class)`
//!   and JPA `@Convert(converter = …CryptoConverter.class)` whose class name
//!   says encrypt/crypt/aes/sm4/cipher → the column is `encrypted`; a handler
//!   or converter saying mask/desens/sensitive → `masked`. The words are
//!   those of `rules/catalog/protection_names.yaml`, shared with the MyBatis
//!   mapper reader ([`ProtectionNames`]).
//! - `@Sensitive` / `@Desensitization`-style annotations mask values only when
//!   serialised to JSON, not in storage: on an entity they become an
//!   `output_masking` control, not a protection.
//! - A class named `*VO`, `*DTO`, `*Response`, `*Resp` is what an API
//!   returns: it becomes an `api` dataset whose fields are the class's
//!   instance fields (a `@JsonIgnore` field is never returned); on such a
//!   class the masking annotations above, and `@JsonSerialize(using = …)`
//!   with a masking serializer, mark the field `masked`.
//! - Log calls (`log.info(…)`, `LOGGER.warn(…)`, `System.out.println(…)`)
//!   are read with the values they print — `user.getIdCard()` prints
//!   `idCard`, a bare `user` prints the whole object — except those wrapped
//!   in a mask helper (`mask*`, `desensitize*`, `DesensitizedUtil.*`,
//!   `StrUtil.hide`). [`crate::classify::logged::pi_logged`] turns them into `pi_logged` controls
//!   once the classifier can say which values are PI.
//!
//! - Entity classes (`@Entity`/`@Table`/`@TableName`, or fields with
//!   `@Column`/`@TableField`/`@TableId`/`@Id`) become `table` datasets;
//!   fields of a superclass in the scanned files are added by [`inherit`].
//!
//! The table is `@TableName`/`@Table(name=…)`, else the class name in
//! snake_case; the column is `@TableField("…")`/`@TableId("…")`/`@Column(name=…)`,
//! else the field name in snake_case. A DTO keeps its class and field names.
//!
//! The source is parsed with tree-sitter's Java grammar; a file that does
//! not parse is read in part, with a diagnostic at its first error.

use super::catalog::Catalog;
use super::protection_names::ProtectionNames;
use super::{ColumnDef, FileFacts, ProtectionRule, TableDef};
use crate::model::{Control, DatasetKind, Diagnostic, DiagnosticLevel, Location, Protection};
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use tree_sitter::{Node, Parser, Tree};

/// The few patterns still matched on names (not on source lines): which
/// class names are DTOs, which receivers are loggers, which calls mask.
/// Which class and annotation names declare a protection is data
/// ([`ProtectionNames`]), not a pattern here.
struct JavaPatterns {
    dto_name: Regex,
    logger: Regex,
    log_call: Regex,
    mask_helper: Regex,
}

fn patterns() -> &'static JavaPatterns {
    static PATTERNS: OnceLock<JavaPatterns> = OnceLock::new();
    PATTERNS.get_or_init(|| JavaPatterns {
        dto_name: Regex::new(r"(?:VO|Vo|DTO|Dto|Response|Resp)$").expect("re"),
        logger: Regex::new(r"^(?:log|logger|LOG|LOGGER|Log|Logger|[a-z]\w*(?:Log|Logger)|[A-Z][A-Z_]*_LOG(?:GER)?)$").expect("re"),
        log_call: Regex::new(r"\b(?:(?:log|logger|LOG|LOGGER|Log|Logger|[a-z]\w*(?:Log|Logger)|[A-Z][A-Z_]*_LOG(?:GER)?)\s*\.\s*(?:trace|debug|info|warn|error|fatal)|System\s*\.\s*(?:out|err)\s*\.\s*(?:println|print|printf))\s*\(").expect("re"),
        mask_helper: Regex::new(r"(?i)mask|desensiti|encrypt|redact|tuomin|^hide$").expect("re"),
    })
}

/// `userPhone` / `UserPhone` → `user_phone`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A log statement and the values it prints. Whether a value is PI is
/// decided later by [`crate::classify::logged::pi_logged`]: extractors do not classify.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogCall {
    /// `Class.method` the call sits in (`Class` outside any method).
    pub scope: String,
    /// Values printed without a mask helper, in order, without repeats.
    pub args: Vec<LogArg>,
    /// Level it writes at ([`log_level`]).
    #[serde(default)]
    pub level: String,
    /// Where the call starts.
    pub location: Location,
}

/// The level a log call writes at (see `Control::log_level`): `stdout`/`stderr`
/// for `System.out`/`System.err`, else the logger method called, lowered to
/// `debug`/`trace` when the call sits in the then-branch of an
/// `if (log.isDebugEnabled())`/`isTraceEnabled()` guard (the line is written
/// only when that level is on). `object` is the call's receiver text.
pub fn log_level(call: Node<'_>, object: &str, method: &str, src: &[u8]) -> String {
    if let Some(stream) = stream_level(object) {
        return stream.into();
    }
    const ORDER: &[&str] = &["trace", "debug", "info", "warn", "error", "fatal"];
    let rank = |l: &str| ORDER.iter().position(|x| *x == l);
    let mut level = method.to_string();
    let mut child = call;
    while let Some(p) = child.parent() {
        if matches!(
            p.kind(),
            "method_declaration" | "constructor_declaration" | "lambda_expression" | "class_body"
        ) {
            break;
        }
        if p.kind() == "if_statement" && p.child_by_field_name("consequence") == Some(child) {
            let cond = p
                .child_by_field_name("condition")
                .and_then(|c| c.utf8_text(src).ok())
                .unwrap_or("");
            let cond: String = cond.split_whitespace().collect();
            for (guard, probe) in [("trace", "isTraceEnabled("), ("debug", "isDebugEnabled(")] {
                // `!log.isDebugEnabled()` guards the other way.
                let on = cond.match_indices(probe).any(|(i, _)| {
                    let receiver = cond[..i]
                        .trim_end_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
                    !receiver.ends_with('!')
                });
                if on && rank(guard) < rank(&level).or(Some(ORDER.len())) {
                    level = guard.to_string();
                }
            }
        }
        child = p;
    }
    level
}

/// `stdout`/`stderr` for a call on `System.out`/`System.err` (no level:
/// always written), given the call's receiver text.
fn stream_level(object: &str) -> Option<&'static str> {
    let stream = object.strip_prefix("System.")?;
    Some(if stream == "err" { "stderr" } else { "stdout" })
}

/// One value printed by a [`LogCall`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogArg {
    /// Property or variable name (`idCard` for `user.getIdCard()`).
    pub name: String,
    /// Object the property is read from (`user`), when there is one.
    pub owner: Option<String>,
    /// The value is a whole object printed as is (`user`, `user.toString()`),
    /// which prints every field of a person record.
    pub whole: bool,
}

/// A class of the file as a possible superclass of an entity elsewhere:
/// its simple name, what it extends and its persistent fields, named as
/// columns. Resolved across files by [`inherit`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JavaType {
    /// Simple class name.
    pub name: String,
    /// Simple name of the class it extends, without type arguments.
    pub superclass: Option<String>,
    /// Index in the file's `tables` of the dataset this class declares
    /// (an entity), if any.
    pub table: Option<usize>,
    /// Its own persistent fields, as columns.
    pub columns: Vec<ColumnDef>,
    /// Its `@ManyToOne`/`@OneToOne` join columns: (column, simple class name
    /// of the field's type, `referencedColumnName`). [`inherit`] points each
    /// at the table of that class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<(String, String, Option<String>)>,
}

/// Words that look like identifiers but never name a printed value.
const NOT_VALUES: &[&str] = &[
    "new",
    "null",
    "true",
    "false",
    "this",
    "super",
    "instanceof",
    "return",
    "class",
    "int",
    "long",
    "short",
    "byte",
    "char",
    "boolean",
    "double",
    "float",
    "var",
    "final",
];

/// Class annotations that make a class a persistent entity (JPA
/// `javax`/`jakarta.persistence`, hsweb/easyorm, MyBatis-Plus).
const ENTITY_ANNOTATIONS: &[&str] = &["Entity", "Table", "TableName"];
/// Field annotations only a persistent entity's fields carry.
const COLUMN_ANNOTATIONS: &[&str] = &["Column", "TableField", "TableId", "Id", "EmbeddedId"];
/// Field annotations of relations, which are no column of the table.
const RELATION_ANNOTATIONS: &[&str] = &["OneToMany", "ManyToMany", "Transient"];
/// How many superclasses [`inherit`] climbs.
const MAX_INHERITANCE: usize = 8;

/// The registry's reader of Java sources.
pub struct JavaSource;

impl super::registry::Extractor for JavaSource {
    fn extract(&self, s: &super::Source, cx: &super::registry::ExtractContext<'_>) -> FileFacts {
        extract(&s.rel, &s.text, cx.catalog)
    }
}

/// One `import` declaration of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// What is imported: `a.b.C`, `a.b.*`, or `a.b.C.member` for a static import.
    pub path: String,
    /// Line of the declaration.
    pub line: u32,
    /// `import static …`.
    pub is_static: bool,
}

/// The file's import declarations, read once from the tree for the readers
/// that need them (SDK recipients by package, the flow pass's simple-name map).
pub fn imports(root: Node<'_>, src: &[u8]) -> Vec<Import> {
    let mut out = Vec::new();
    let mut c = root.walk();
    for n in root.named_children(&mut c) {
        if n.kind() != "import_declaration" {
            continue;
        }
        let text = n.utf8_text(src).unwrap_or("");
        let body = text
            .trim()
            .trim_start_matches("import")
            .trim_end_matches(';');
        let body = body.trim();
        let (is_static, body) = match body.strip_prefix("static") {
            Some(rest) if rest.starts_with(char::is_whitespace) => (true, rest),
            _ => (false, body),
        };
        let path: String = body.split_whitespace().collect();
        if !path.is_empty() {
            out.push(Import {
                path,
                line: row(n),
                is_static,
            });
        }
    }
    out
}

/// Parses Java with tree-sitter's grammar; one parser per thread.
pub(crate) fn parse(text: &str) -> Option<Tree> {
    thread_local! {
        static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
    }
    PARSER.with(|p| {
        let mut p = p.borrow_mut();
        if p.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_java::LANGUAGE.into())
                .ok()?;
            *p = Some(parser);
        }
        p.as_mut()?.parse(text, None)
    })
}

/// Reads one Java source file.
pub fn extract(file: &str, text: &str, catalog: &Catalog) -> FileFacts {
    let mut facts = FileFacts {
        file: file.to_string(),
        ..FileFacts::default()
    };
    // A lone CR (old Mac line ends) ends a line in Java, not in the
    // grammar's `//` comments: read as LF, same length, same offsets.
    let normalized;
    let text = if text.contains('\r') {
        normalized = lone_cr_to_lf(text);
        normalized.as_str()
    } else {
        text
    };
    let Some(tree) = parse(text) else {
        facts.diagnostics.push(Diagnostic {
            file: file.to_string(),
            line: 1,
            severity: DiagnosticLevel::Error,
            message: "Java source could not be parsed / 无法解析该 Java 源文件".into(),
        });
        return facts;
    };
    let root = tree.root_node();
    if root.has_error() {
        let line = first_error(root).map_or(1, |n| row(n));
        facts.diagnostics.push(Diagnostic {
            file: file.to_string(),
            line,
            severity: DiagnosticLevel::Warning,
            message: "Java syntax error: the file is read in part, around the error / Java 语法错误：该文件仅部分读取（错误处附近跳过）".into(),
        });
    }
    let r = Reader {
        file,
        src: text.as_bytes(),
    };
    r.classes(root, &mut facts);
    let imports = imports(root, text.as_bytes());
    // Data flow to loggers, HTTP clients, queues, exports and responses.
    facts.java_flow = super::java_flow::read(file, root, text.as_bytes(), &imports, catalog);
    // Most Java files print nothing.
    if text.contains("log")
        || text.contains("Log")
        || text.contains("LOG")
        || text.contains("System.")
    {
        r.log_calls(root, &mut facts.log_calls);
    }
    // The text passes below read the code with comments and strings
    // blanked: computed once, for the first pass a file needs.
    let blanked = std::cell::OnceCell::new();
    let code = || blanked.get_or_init(|| code_only(text)).as_str();
    // The security controls of self-check packs (a text pass of its own,
    // cheap to rule out: most files name none of its triggers).
    if super::java_security::worth_reading(text) {
        super::java_security::read(file, text, code(), &mut facts);
    }
    // Request parameters an operation-log aspect stores (CNPI-023).
    if text.contains("@Aspect") {
        super::oplog::read(file, text, code(), &mut facts);
    }
    // SDK imports, SMS-code endpoints, default passwords (recipients inventory, cn-2026).
    super::java_services::read(file, text, &imports, catalog, &mut facts);
    // User ids or names written into audit properties (`setCreateBy(getUsername())`).
    if text.contains("set") || text.contains("Fill") {
        super::audit_fill::read(text, code(), &mut facts);
    }
    facts
}

/// The text with every CR not followed by LF replaced by LF.
fn lone_cr_to_lf(text: &str) -> String {
    let b = text.as_bytes();
    let out: Vec<u8> = b
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if c == b'\r' && b.get(i + 1) != Some(&b'\n') {
                b'\n'
            } else {
                c
            }
        })
        .collect();
    // Only an ASCII byte was swapped for another.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// 1-based line of a node's start.
fn row(n: Node<'_>) -> u32 {
    u32::try_from(n.start_position().row + 1).unwrap_or(u32::MAX)
}

/// The first `ERROR` or missing node in source order.
fn first_error(root: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = root.walk();
    loop {
        let n = cursor.node();
        if n.is_error() || n.is_missing() {
            return Some(n);
        }
        if n.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

/// Every node below `root` in source order, without recursion (a hostile
/// file nests deeper than a stack).
fn each_node<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    let mut cursor = root.walk();
    loop {
        f(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// An annotation as written: simple name, its whole text on one line
/// (for the protection vocabulary), and its literal arguments.
struct Annotation {
    name: String,
    text: String,
    line: u32,
    /// `key → string value`; a positional value is `value`.
    args: Vec<(String, String)>,
    /// `key → value as written` for non-string values (`exist = false`,
    /// `typeHandler = X.class`).
    raw: Vec<(String, String)>,
}

impl Annotation {
    fn arg(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| {
            self.args
                .iter()
                .find(|(key, v)| key == k && !v.trim().is_empty())
                .map(|(_, v)| v.as_str())
        })
    }

    fn raw(&self, key: &str) -> Option<&str> {
        self.raw
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn is(&self, names: &[&str]) -> bool {
        names.contains(&self.name.as_str())
    }
}

/// A declared field (or record component) with what is written around it.
struct FieldDecl {
    name: String,
    java_type: String,
    annotations: Vec<Annotation>,
    /// Comment above or on the line, cleaned.
    doc: Option<String>,
    line: u32,
    skip_persistent: bool,
}

struct Reader<'a> {
    file: &'a str,
    src: &'a [u8],
}

impl<'a> Reader<'a> {
    fn text(&self, n: Node<'_>) -> &'a str {
        std::str::from_utf8(&self.src[n.byte_range()]).unwrap_or("")
    }

    /// The annotations among a declaration's `modifiers`, and whether a
    /// keyword modifier (`static`, `transient`, `abstract`) is present.
    fn modifiers(&self, decl: Node<'_>) -> (Vec<Annotation>, Vec<&'a str>) {
        let mut anns = Vec::new();
        let mut words = Vec::new();
        let mut cursor = decl.walk();
        let Some(mods) = decl.children(&mut cursor).find(|c| c.kind() == "modifiers") else {
            return (anns, words);
        };
        let mut c2 = mods.walk();
        for m in mods.children(&mut c2) {
            match m.kind() {
                "annotation" | "marker_annotation" => anns.push(self.annotation(m)),
                k if !m.is_named() => words.push(k_static(k)),
                _ => {}
            }
        }
        (anns, words)
    }

    fn annotation(&self, n: Node<'_>) -> Annotation {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.text(x))
            .unwrap_or("");
        let name = name.rsplit('.').next().unwrap_or(name).to_string();
        let text = self
            .text(n)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut args = Vec::new();
        let mut raw = Vec::new();
        if let Some(list) = n.child_by_field_name("arguments") {
            let mut cursor = list.walk();
            for a in list.named_children(&mut cursor) {
                let (key, value) = if a.kind() == "element_value_pair" {
                    let key = a
                        .child_by_field_name("key")
                        .map(|k| self.text(k).to_string())
                        .unwrap_or_default();
                    (key, a.child_by_field_name("value"))
                } else if a.kind().ends_with("comment") {
                    continue;
                } else {
                    ("value".to_string(), Some(a))
                };
                let Some(value) = value else { continue };
                match self.string(value) {
                    Some(s) => args.push((key, s)),
                    None => raw.push((key, self.text(value).to_string())),
                }
            }
        }
        Annotation {
            name,
            text,
            line: row(n),
            args,
            raw,
        }
    }

    /// The value of a string literal, or of literals joined with `+`.
    fn string(&self, n: Node<'_>) -> Option<String> {
        match n.kind() {
            "string_literal" => {
                let t = self.text(n);
                let t = t.strip_prefix("\"\"\"").unwrap_or(t);
                let t = t.strip_suffix("\"\"\"").unwrap_or(t);
                Some(t.trim_matches('"').to_string())
            }
            "binary_expression" => {
                let l = self.string(n.child_by_field_name("left")?)?;
                let r = self.string(n.child_by_field_name("right")?)?;
                Some(l + &r)
            }
            "parenthesized_expression" => self.string(n.named_child(0)?),
            _ => None,
        }
    }

    /// The comment documenting a declaration: the comments right above it
    /// (Javadoc or `//`), else a `//` comment on its last line.
    fn doc(&self, decl: Node<'_>) -> Option<String> {
        let mut above: Vec<&str> = Vec::new();
        let mut at = decl;
        let mut expect_row = decl.start_position().row;
        while let Some(p) = at.prev_sibling() {
            if !p.kind().ends_with("comment") || p.end_position().row + 1 < expect_row {
                break;
            }
            // `private String idCard; // 身份证号` documents the field it
            // trails, not the declaration on the next line.
            let trails = p.prev_sibling().is_some_and(|q| {
                !q.kind().ends_with("comment") && q.end_position().row == p.start_position().row
            });
            if trails {
                break;
            }
            above.push(self.text(p));
            expect_row = p.start_position().row;
            at = p;
        }
        above.reverse();
        let text = above.iter().map(|c| clean_comment(c)).collect::<Vec<_>>();
        let text = text
            .iter()
            .filter(|t| !t.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() {
            return Some(text);
        }
        let next = decl.next_sibling()?;
        (next.kind() == "line_comment" && next.start_position().row == decl.end_position().row)
            .then(|| clean_comment(self.text(next)))
            .filter(|t| !t.is_empty())
    }

    /// The classes, records, enums and interfaces of the file, outer first.
    /// Only declaration levels are walked (not method bodies: a local or
    /// anonymous class declares no table or API object).
    fn classes(&self, root: Node<'_>, facts: &mut FileFacts) {
        let mut types = Vec::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let kind = n.kind();
            if matches!(kind, "class_declaration" | "record_declaration") {
                types.push(n);
            }
            if matches!(
                kind,
                "program"
                    | "ERROR"
                    | "class_declaration"
                    | "record_declaration"
                    | "enum_declaration"
                    | "interface_declaration"
                    | "class_body"
                    | "enum_body"
                    | "enum_body_declarations"
                    | "interface_body"
            ) {
                let mut cursor = n.walk();
                let children: Vec<Node<'_>> = n.named_children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
            }
        }
        types.sort_by_key(|n| n.start_byte());
        for n in types {
            self.class(n, facts);
        }
    }

    fn fields(&self, class: Node<'_>) -> Vec<FieldDecl> {
        let mut out = Vec::new();
        if class.kind() == "record_declaration" {
            let Some(params) = class.child_by_field_name("parameters") else {
                return out;
            };
            let mut cursor = params.walk();
            for p in params.named_children(&mut cursor) {
                if p.kind() != "formal_parameter" {
                    continue;
                }
                let (Some(name), Some(ty)) =
                    (p.child_by_field_name("name"), p.child_by_field_name("type"))
                else {
                    continue;
                };
                let (annotations, _) = self.modifiers(p);
                out.push(FieldDecl {
                    name: self.text(name).to_string(),
                    java_type: self.text(ty).to_string(),
                    annotations,
                    doc: None,
                    line: row(p),
                    skip_persistent: false,
                });
            }
            return out;
        }
        let Some(body) = class.child_by_field_name("body") else {
            return out;
        };
        let mut cursor = body.walk();
        for f in body.named_children(&mut cursor) {
            if f.kind() != "field_declaration" {
                continue;
            }
            let (annotations, words) = self.modifiers(f);
            if words.contains(&"static") {
                continue;
            }
            let skip_persistent = words.contains(&"transient")
                || annotations.iter().any(|a| {
                    a.is(RELATION_ANNOTATIONS)
                        || (a.is(&["TableField"]) && a.raw("exist").is_some_and(|v| v == "false"))
                });
            let Some(ty) = f.child_by_field_name("type") else {
                continue;
            };
            let doc = self.doc(f);
            let mut c2 = f.walk();
            for d in f.children_by_field_name("declarator", &mut c2) {
                let Some(name) = d.child_by_field_name("name") else {
                    continue;
                };
                out.push(FieldDecl {
                    name: self.text(name).to_string(),
                    java_type: self.text(ty).to_string(),
                    annotations: annotations
                        .iter()
                        .map(|a| Annotation {
                            name: a.name.clone(),
                            text: a.text.clone(),
                            line: a.line,
                            args: a.args.clone(),
                            raw: a.raw.clone(),
                        })
                        .collect(),
                    doc: doc.clone(),
                    line: row(name),
                    skip_persistent,
                });
            }
        }
        out
    }

    fn class(&self, n: Node<'_>, facts: &mut FileFacts) {
        let r = patterns();
        let Some(name_node) = n.child_by_field_name("name") else {
            return;
        };
        let name = self.text(name_node);
        let (anns, words) = self.modifiers(n);
        let fields = self.fields(n);
        let table_comment = anns
            .iter()
            .find_map(|a| match a.name.as_str() {
                "ApiModel" => a.arg(&["description", "value"]),
                "Schema" => a.arg(&["description", "title"]),
                "Comment" => a.arg(&["value"]),
                _ => None,
            })
            .map(str::to_string)
            .or_else(|| self.doc(n));
        let location = Location::line(self.file, row(name_node));
        if r.dto_name.is_match(name) {
            let mut t = TableDef {
                name: name.to_string(),
                kind: DatasetKind::Api,
                comment: table_comment,
                location,
                columns: Vec::new(),
                recovered: false,
            };
            for f in &fields {
                read_dto_field(self.file, &mut t, f, &mut facts.protections);
            }
            facts.tables.push(t);
            return;
        }
        let declared = anns.iter().any(|a| a.is(ENTITY_ANNOTATIONS));
        let table = anns
            .iter()
            .filter(|a| a.is(&["Table", "TableName"]))
            .find_map(|a| a.arg(&["name", "value"]))
            .map(str::to_string)
            .unwrap_or_else(|| snake(name));
        let columns: Vec<ColumnDef> = fields
            .iter()
            .filter(|f| !f.skip_persistent)
            .map(|f| ColumnDef {
                references: None,
                name: column_name(f),
                data_type: Some(f.java_type.trim().to_ascii_lowercase()),
                comment: field_comment(f),
                location: Location::line(self.file, f.line),
            })
            .collect();
        for f in &fields {
            read_entity_field(self.file, &table, f, facts);
        }
        let is_entity = !anns
            .iter()
            .any(|a| a.is(&["MappedSuperclass", "Embeddable"]))
            && (declared
                || (!words.contains(&"abstract")
                    && fields
                        .iter()
                        .any(|f| f.annotations.iter().any(|a| a.is(COLUMN_ANNOTATIONS)))));
        let superclass = n
            .child_by_field_name("superclass")
            .and_then(|s| s.named_child(0))
            .map(|t| {
                let t = self.text(t);
                let t = t.split('<').next().unwrap_or(t);
                t.rsplit('.').next().unwrap_or(t).trim().to_string()
            });
        let mut index = None;
        if is_entity {
            facts.tables.push(TableDef {
                name: table,
                kind: DatasetKind::Table,
                comment: table_comment,
                location,
                columns: columns.clone(),
                recovered: n.has_error(),
            });
            index = Some(facts.tables.len() - 1);
        }
        let joins: Vec<(String, String, Option<String>)> = fields
            .iter()
            .filter(|f| !f.skip_persistent)
            .filter_map(join_target)
            .collect();
        if index.is_some() || superclass.is_some() || !columns.is_empty() {
            facts.java_types.push(JavaType {
                name: name.to_string(),
                superclass,
                table: index,
                columns,
                joins,
            });
        }
    }

    /// Every log call of the file with the values it prints.
    fn log_calls(&self, root: Node<'_>, out: &mut Vec<LogCall>) {
        let r = patterns();
        // In a broken file the parser may read as code what a lexer would
        // keep in an unclosed comment or literal: such calls are dropped.
        let blanked = root
            .has_error()
            .then(|| code_only(std::str::from_utf8(self.src).unwrap_or("")));
        each_node(root, |n| {
            if n.kind() != "method_invocation" {
                return;
            }
            if blanked
                .as_ref()
                .is_some_and(|b| b.as_bytes().get(n.start_byte()) != self.src.get(n.start_byte()))
            {
                return;
            }
            let (Some(object), Some(method), Some(args)) = (
                n.child_by_field_name("object"),
                n.child_by_field_name("name"),
                n.child_by_field_name("arguments"),
            ) else {
                return;
            };
            let method = self.text(method);
            let object = self.text(object);
            let object: String = object.split_whitespace().collect();
            let receiver = object.rsplit('.').next().unwrap_or(&object);
            let is_log = (r.logger.is_match(receiver)
                && matches!(
                    method,
                    "trace" | "debug" | "info" | "warn" | "error" | "fatal"
                ))
                || (matches!(object.as_str(), "System.out" | "System.err")
                    && matches!(method, "println" | "print" | "printf"));
            if !is_log {
                return;
            }
            let text = self.text(args);
            let inner = text.strip_prefix('(').unwrap_or(text);
            let inner = inner.strip_suffix(')').unwrap_or(inner);
            let mut args = printed_values(&code_only(inner));
            // A bare name declared as a String or number in the method prints
            // one value, not a whole record (`String profile`): its name may
            // still say it is PI (`String email`).
            for a in args.iter_mut().filter(|a| a.whole) {
                if self
                    .declared_type(n, &a.name)
                    .is_some_and(|t| scalar_type(&t))
                {
                    a.whole = false;
                }
            }
            if args.is_empty() {
                return;
            }
            out.push(LogCall {
                scope: self.scope(n),
                args,
                level: log_level(n, &object, method, self.src),
                location: Location::line(self.file, row(n)),
            });
        });
        // Code the parser could not make sense of (`ERROR` nodes) is still
        // searched for log calls, by their shape, so a broken file keeps
        // what it prints.
        let mut errors = Vec::new();
        each_node(root, |n| {
            if n.is_error() && !n.parent().is_some_and(|p| p.is_error()) {
                errors.push(n);
            }
        });
        let found: Vec<u32> = out.iter().map(|c| c.location.line).collect();
        for e in errors {
            let code = code_only(self.text(e));
            for m in r.log_call.find_iter(&code) {
                let line = row(e) + count_lines(&code[..m.start()]);
                let open = m.end() - 1;
                let close = closing_paren(&code, open);
                let args = printed_values(&code[open + 1..close.max(open + 1)]);
                if args.is_empty() || found.contains(&line) {
                    continue;
                }
                // `log.debug(` / `System.out.println(`: the receiver's last
                // word and the method, without a tree to find a guard in.
                let call: String = m.as_str().split_whitespace().collect();
                let (object, method) = call
                    .trim_end_matches('(')
                    .rsplit_once('.')
                    .unwrap_or(("", "info"));
                let level = stream_level(object).unwrap_or(method).to_string();
                out.push(LogCall {
                    scope: self.scope(e),
                    args,
                    level,
                    location: Location::line(self.file, line),
                });
            }
        }
        out.sort_by_key(|c| c.location.line);
    }

    /// The declared type of `name` as a parameter or local variable of the
    /// method or constructor around `n` (its text, type arguments dropped).
    fn declared_type(&self, n: Node<'_>, name: &str) -> Option<String> {
        let mut at = n.parent();
        while let Some(p) = at {
            if matches!(
                p.kind(),
                "method_declaration" | "constructor_declaration" | "lambda_expression"
            ) {
                break;
            }
            at = p.parent();
        }
        let method = at?;
        let mut found = None;
        each_node(method, |d| {
            if found.is_some() {
                return;
            }
            let ty = match d.kind() {
                "formal_parameter" => d
                    .child_by_field_name("name")
                    .filter(|x| self.text(*x) == name)
                    .and_then(|_| d.child_by_field_name("type")),
                "local_variable_declaration" => {
                    let mut c = d.walk();
                    let named = d.children_by_field_name("declarator", &mut c).any(|v| {
                        v.child_by_field_name("name")
                            .is_some_and(|x| self.text(x) == name)
                    });
                    named.then(|| d.child_by_field_name("type")).flatten()
                }
                _ => None,
            };
            if let Some(t) = ty {
                let t = self.text(t);
                found = Some(t.split('<').next().unwrap_or(t).trim().to_string());
            }
        });
        found
    }

    /// `Class.method` around a node (`Class` in a constructor or field
    /// initialiser; the file name outside any class).
    fn scope(&self, n: Node<'_>) -> String {
        let mut method = None;
        let mut class = None;
        let mut at = n.parent();
        while let Some(p) = at {
            match p.kind() {
                "method_declaration" if method.is_none() && class.is_none() => {
                    method = p.child_by_field_name("name").map(|x| self.text(x));
                }
                "constructor_declaration" | "compact_constructor_declaration"
                    if method.is_none() && class.is_none() =>
                {
                    method = Some("");
                }
                "class_declaration"
                | "record_declaration"
                | "enum_declaration"
                | "interface_declaration" => {
                    class = p.child_by_field_name("name").map(|x| self.text(x));
                    break;
                }
                _ => {}
            }
            at = p.parent();
        }
        match (class, method) {
            (Some(c), Some(m)) if !m.is_empty() => format!("{c}.{m}"),
            (Some(c), _) => c.to_string(),
            (None, Some(m)) if !m.is_empty() => m.to_string(),
            _ => self
                .file
                .rsplit('/')
                .next()
                .unwrap_or(self.file)
                .to_string(),
        }
    }
}

/// Line breaks in a text.
fn count_lines(text: &str) -> u32 {
    u32::try_from(text.bytes().filter(|&b| b == b'\n').count()).unwrap_or(u32::MAX)
}

/// A keyword modifier as a `'static` string (the ones the reader asks about).
fn k_static(k: &str) -> &'static str {
    match k {
        "static" => "static",
        "transient" => "transient",
        "abstract" => "abstract",
        _ => "",
    }
}

/// A comment's words without its markers and Javadoc tags.
fn clean_comment(c: &str) -> String {
    let c = c.trim();
    let c = c
        .strip_prefix("/**")
        .or_else(|| c.strip_prefix("/*"))
        .or_else(|| c.strip_prefix("//"))
        .unwrap_or(c);
    let c = c.strip_suffix("*/").unwrap_or(c);
    c.lines()
        .map(|l| l.trim().trim_start_matches('*').trim())
        .take_while(|l| !l.starts_with('@'))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The owning side of a `@ManyToOne`/`@OneToOne` field (not `mappedBy`):
/// its column, the simple class name of its type, and the referenced
/// column of its `@JoinColumn`.
fn join_target(f: &FieldDecl) -> Option<(String, String, Option<String>)> {
    let relation = f
        .annotations
        .iter()
        .find(|a| a.is(&["ManyToOne", "OneToOne"]))?;
    if relation.arg(&["mappedBy"]).is_some() {
        return None;
    }
    let ty = f.java_type.split('<').next().unwrap_or(&f.java_type);
    let class = ty.rsplit('.').next().unwrap_or(ty).trim();
    if class.is_empty()
        || !class
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    {
        return None;
    }
    let referenced = f
        .annotations
        .iter()
        .filter(|a| a.is(&["JoinColumn"]))
        .find_map(|a| a.arg(&["referencedColumnName"]))
        .map(|c| c.trim_matches('`').to_string());
    Some((column_name(f), class.to_string(), referenced))
}

/// The column a field is stored in: `@TableField("…")`, `@TableId("…")`,
/// `@Column(name = "…")`, `@JoinColumn(name = "…")`, else the field name
/// in snake_case.
fn column_name(f: &FieldDecl) -> String {
    f.annotations
        .iter()
        .find_map(|a| match a.name.as_str() {
            "TableField" | "TableId" => a.arg(&["value"]),
            "Column" | "JoinColumn" => a.arg(&["name", "value"]),
            _ => None,
        })
        .map(|c| c.trim_matches('`').to_string())
        .unwrap_or_else(|| snake(&f.name))
}

/// What documents a field: `@ApiModelProperty(value/notes)`,
/// `@Schema(description)`, `@Comment`, `@ApiParam`, else its comment.
fn field_comment(f: &FieldDecl) -> Option<String> {
    f.annotations
        .iter()
        .find_map(|a| match a.name.as_str() {
            "ApiModelProperty" => a.arg(&["value", "notes"]),
            "Schema" => a.arg(&["description", "title"]),
            "Comment" | "ApiParam" => a.arg(&["value"]),
            _ => None,
        })
        .map(str::to_string)
        .or_else(|| f.doc.clone())
}

/// One field of a DTO class: a column of the `api` dataset, masked when an
/// annotation masks it on output.
fn read_dto_field(
    file: &str,
    dto: &mut TableDef,
    f: &FieldDecl,
    protections: &mut Vec<ProtectionRule>,
) {
    if f.annotations.iter().any(|a| a.name == "JsonIgnore") {
        return;
    }
    dto.columns.push(ColumnDef {
        references: None,
        name: f.name.clone(),
        data_type: Some(f.java_type.trim().to_ascii_lowercase()),
        comment: field_comment(f),
        location: Location::line(file, f.line),
    });
    let names = ProtectionNames::builtin();
    for a in &f.annotations {
        let serializer = a.name == "JsonSerialize"
            && a.raw("using")
                .and_then(|u| u.strip_suffix(".class"))
                .is_some_and(|c| names.serializer_masks(c));
        let protection = if names.annotation_encrypts(&a.text) {
            Protection::Encrypted
        } else if serializer || names.annotation_masks_output(&a.text) {
            Protection::Masked
        } else {
            continue;
        };
        protections.push(ProtectionRule {
            table: Some(dto.name.clone()),
            column: f.name.clone(),
            protection,
            kind: "output_masking".into(),
            location: Location::line(file, a.line),
        });
    }
}

/// One field of an entity class: encryption declared for its column.
fn read_entity_field(file: &str, table: &str, f: &FieldDecl, facts: &mut FileFacts) {
    let column = column_name(f);
    let names = ProtectionNames::builtin();
    for a in &f.annotations {
        let by_handler = ["typeHandler", "converter"]
            .iter()
            .find_map(|k| a.raw(k))
            .and_then(|h| h.strip_suffix(".class"))
            .and_then(|c| names.type_handler(c))
            .map(|protection| (protection, "type_handler"));
        let by_annotation = names
            .annotation_encrypts(&a.text)
            .then_some((Protection::Encrypted, "encrypt_annotation"));
        if let Some((protection, kind)) = by_handler.or(by_annotation) {
            facts.protections.push(ProtectionRule {
                table: Some(table.to_string()),
                column: column.clone(),
                protection,
                kind: kind.into(),
                location: Location::line(file, a.line),
            });
        } else if names.annotation_masks_output(&a.text) {
            facts.controls.push(Control {
                subject: Some(format!("{table}.{column}")),
                value: Some(a.text.split('(').next().unwrap_or(&a.text).to_string()),
                ..Control::at("output_masking", Location::line(file, a.line))
            });
        }
    }
}

/// Adds to each entity dataset the persistent fields of its superclasses
/// found among the scanned files (by simple name, first in path order;
/// at most [`MAX_INHERITANCE`] levels). A superclass outside the scanned
/// files (a library's `GenericEntity`) adds nothing.
pub fn inherit(files: &mut [FileFacts]) {
    let mut by_name: HashMap<&str, &JavaType> = HashMap::new();
    for t in files.iter().flat_map(|f| &f.java_types) {
        by_name.entry(t.name.as_str()).or_insert(t);
    }
    let mut added: Vec<(usize, usize, Vec<ColumnDef>)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for t in &f.java_types {
            let Some(ti) = t.table else { continue };
            let mut inherited: Vec<ColumnDef> = Vec::new();
            let mut next = t.superclass.as_deref();
            let mut seen = vec![t.name.as_str()];
            for _ in 0..MAX_INHERITANCE {
                let Some(base) = next.and_then(|n| by_name.get(n)) else {
                    break;
                };
                if seen.contains(&base.name.as_str()) {
                    break;
                }
                seen.push(&base.name);
                let mut cols = base.columns.clone();
                cols.append(&mut inherited);
                inherited = cols;
                next = base.superclass.as_deref();
            }
            if !inherited.is_empty() {
                added.push((fi, ti, inherited));
            }
        }
    }
    for (fi, ti, inherited) in added {
        let table = &mut files[fi].tables[ti];
        let mut columns: Vec<ColumnDef> = inherited
            .into_iter()
            .filter(|c| {
                !table
                    .columns
                    .iter()
                    .any(|o| o.name.eq_ignore_ascii_case(&c.name))
            })
            .collect();
        columns.append(&mut table.columns);
        table.columns = columns;
    }
    join_targets(files);
}

/// Points each JPA join column at the table of its field's class (its
/// `@Table` name, found among the scanned files by simple name), else at
/// the class name in snake_case (JPA's default table name).
fn join_targets(files: &mut [FileFacts]) {
    let mut table_of: HashMap<String, String> = HashMap::new();
    for f in files.iter() {
        for t in &f.java_types {
            if let Some(name) = t.table.and_then(|ti| f.tables.get(ti)).map(|d| &d.name) {
                table_of
                    .entry(t.name.clone())
                    .or_insert_with(|| name.clone());
            }
        }
    }
    for f in files.iter_mut() {
        let mut set: Vec<(usize, String, crate::model::ForeignKey)> = Vec::new();
        for t in &f.java_types {
            let Some(ti) = t.table else { continue };
            for (column, class, referenced) in &t.joins {
                let table = table_of.get(class).cloned().unwrap_or_else(|| snake(class));
                set.push((
                    ti,
                    column.clone(),
                    crate::model::ForeignKey {
                        table,
                        column: referenced.clone(),
                    },
                ));
            }
        }
        for (ti, column, target) in set {
            if let Some(c) = f.tables.get_mut(ti).and_then(|t| {
                t.columns
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(&column))
            }) {
                c.references = Some(target);
            }
        }
    }
}

/// The text with comments and the contents of string and char literals
/// blanked to spaces (quotes and line breaks kept), so offsets and lines
/// still match the source while words inside them are never read as code.
pub(crate) fn code_only(text: &str) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        Code,
        Line,
        Block,
        Str,
        Chr,
        TextBlock,
    }
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut st = St::Code;
    let mut i = 0;
    let blank = |c: u8| if c == b'\n' { b'\n' } else { b' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match st {
            St::Code => match (c, next) {
                (b'/', Some(b'/')) => {
                    st = St::Line;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    continue;
                }
                (b'/', Some(b'*')) => {
                    st = St::Block;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    continue;
                }
                (b'"', _) if b[i..].starts_with(b"\"\"\"") => {
                    st = St::TextBlock;
                    out.extend_from_slice(b"\"\"\"");
                    i += 3;
                    continue;
                }
                (b'"', _) => {
                    st = St::Str;
                    out.push(c);
                }
                (b'\'', _) => {
                    st = St::Chr;
                    out.push(c);
                }
                _ => out.push(c),
            },
            St::Line => {
                if c == b'\n' {
                    st = St::Code;
                }
                out.push(blank(c));
            }
            St::Block => {
                if c == b'*' && next == Some(b'/') {
                    st = St::Code;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    continue;
                }
                out.push(blank(c));
            }
            St::Str | St::Chr => {
                let quote = if st == St::Str { b'"' } else { b'\'' };
                if c == b'\\' && next.is_some() {
                    out.push(b' ');
                    out.push(blank(b[i + 1]));
                    i += 2;
                    continue;
                }
                if c == quote || c == b'\n' {
                    // An unterminated literal ends at the line, so one bad
                    // quote cannot blank the rest of the file.
                    st = St::Code;
                    out.push(c);
                } else {
                    out.push(blank(c));
                }
            }
            St::TextBlock => {
                if b[i..].starts_with(b"\"\"\"") {
                    st = St::Code;
                    out.extend_from_slice(b"\"\"\"");
                    i += 3;
                    continue;
                }
                out.push(blank(c));
            }
        }
        i += 1;
    }
    // Only ASCII bytes were substituted, and only for whole literal or
    // comment contents, so multi-byte characters elsewhere are intact.
    String::from_utf8_lossy(&out).into_owned()
}

/// Index of the `)` closing the `(` at `open`, or the end of the text.
fn closing_paren(code: &str, open: usize) -> usize {
    let mut depth = 0usize;
    for (i, c) in code.bytes().enumerate().skip(open) {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            // A call never spans a statement end or a block.
            b';' | b'{' | b'}' if depth <= 1 => return i,
            _ => {}
        }
    }
    code.len()
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

/// Whether a declared Java type holds one scalar value (a string, a number,
/// a flag or a date): a variable of such a type is never a whole person
/// record, whatever its name (`String profile`).
pub fn scalar_type(ty: &str) -> bool {
    matches!(
        ty.rsplit('.').next().unwrap_or(ty),
        "String"
            | "CharSequence"
            | "StringBuilder"
            | "Integer"
            | "int"
            | "Long"
            | "long"
            | "Short"
            | "short"
            | "Byte"
            | "byte"
            | "Boolean"
            | "boolean"
            | "Double"
            | "double"
            | "Float"
            | "float"
            | "BigDecimal"
            | "BigInteger"
            | "Character"
            | "char"
            | "Date"
            | "LocalDate"
            | "LocalDateTime"
            | "Instant"
    )
}

/// `getIdCard` → `idCard`, `isVip` → `vip`; other methods → `None`.
pub(crate) fn getter_property(method: &str) -> Option<String> {
    let rest = method
        .strip_prefix("get")
        .or_else(|| method.strip_prefix("is"))?;
    let mut chars = rest.chars();
    let first = chars.next().filter(char::is_ascii_uppercase)?;
    Some(format!("{}{}", first.to_ascii_lowercase(), chars.as_str()))
}

/// The values a log call's argument list prints (blanked code).
fn printed_values(args: &str) -> Vec<LogArg> {
    let r = patterns();
    let b = args.as_bytes();
    let mut out: Vec<LogArg> = Vec::new();
    let mut push = |a: LogArg| {
        if !out.contains(&a) {
            out.push(a);
        }
    };
    let mut i = 0;
    while i < b.len() {
        if !is_ident_start(b[i]) || (i > 0 && is_ident(b[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_ident(b[i]) {
            i += 1;
        }
        let name = &args[start..i];
        let after = args[i..].trim_start();
        let before = args[..start].trim_end();
        // `owner.name`: the identifier just before the dot.
        let owner = before.strip_suffix('.').map(|o| {
            let o = o.trim_end();
            let from = o.bytes().rposition(|c| !is_ident(c)).map_or(0, |p| p + 1);
            &o[from..]
        });
        if after.starts_with('(') {
            if r.mask_helper.is_match(name) || owner.is_some_and(|o| r.mask_helper.is_match(o)) {
                // A masked value: skip the helper's whole argument list.
                let open = args.len() - after.len();
                i = closing_paren(args, open) + 1;
                continue;
            }
            if let Some(property) = getter_property(name) {
                push(LogArg {
                    name: property,
                    owner: owner.filter(|o| !o.is_empty()).map(str::to_string),
                    whole: false,
                });
            } else if name == "toString" {
                if let Some(o) = owner.filter(|o| !o.is_empty()) {
                    push(LogArg {
                        name: o.to_string(),
                        owner: None,
                        whole: true,
                    });
                }
            }
            continue;
        }
        if after.starts_with('.') || NOT_VALUES.contains(&name) {
            continue;
        }
        // Constants and class names are not values read from a person.
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            continue;
        }
        match owner {
            Some(o) if !o.is_empty() => push(LogArg {
                name: name.to_string(),
                owner: Some(o.to_string()),
                whole: false,
            }),
            Some(_) => {}
            None => push(LogArg {
                name: name.to_string(),
                owner: None,
                whole: true,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_and_handlers() {
        let src = r#"
@TableName("t_member")
public class Member {
    @EncryptField
    private String idCard;
    @TableField(value = "mobile", typeHandler = Sm4TypeHandler.class)
    private String phone;
    @Sensitive(type = SensitiveType.NAME)
    private String realName;
    @TableField(typeHandler = JacksonTypeHandler.class)
    private List<String> tags;
}
"#;
        let f = extract("Member.java", src, &Catalog::default());
        let got: Vec<(Option<&str>, &str, Protection, u32)> = f
            .protections
            .iter()
            .map(|p| {
                (
                    p.table.as_deref(),
                    p.column.as_str(),
                    p.protection,
                    p.location.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Some("t_member"), "id_card", Protection::Encrypted, 4),
                (Some("t_member"), "mobile", Protection::Encrypted, 6)
            ]
        );
        assert_eq!(f.controls.len(), 1);
        assert_eq!(f.controls[0].subject.as_deref(), Some("t_member.real_name"));
    }

    fn printed(args: &str) -> Vec<(String, Option<String>, bool)> {
        printed_values(&code_only(args))
            .into_iter()
            .map(|a| (a.name, a.owner, a.whole))
            .collect()
    }

    #[test]
    fn log_arguments_are_values_not_words_in_literals_or_masked_calls() {
        assert_eq!(
            printed(
                r#""idCard={} mobile" + phone, user.getIdCard(), u.name, Mask.phone(mobile), DesensitizedUtil.idCardNum(x.getIdNo(), 1, 2), order.toString(), ID_CARD, e"#
            ),
            [
                ("phone".to_string(), None, true),
                ("idCard".to_string(), Some("user".to_string()), false),
                ("name".to_string(), Some("u".to_string()), false),
                ("order".to_string(), None, true),
                ("e".to_string(), None, true),
            ]
        );
    }

    #[test]
    fn comments_and_literals_are_blanked_without_moving_lines() {
        let src = "a(\"x // y\"); // log.info(phone)\n/* z\n w */ b('\\'');\n";
        let code = code_only(src);
        assert_eq!(code.len(), src.len());
        assert_eq!(code.lines().count(), src.lines().count());
        assert!(!code.contains("phone") && !code.contains('x') && !code.contains('z'));
        assert!(code.contains("b("));
    }

    #[test]
    fn multi_line_log_calls_point_at_their_first_line_and_method() {
        let src = r#"public class SmsSender {
    private static final Logger LOGGER = LoggerFactory.getLogger(SmsSender.class);
    public void send(String mobile,
                     String text) throws IOException {
        // LOGGER.info("idle");
        LOGGER.debug("to "
            + mobile);
        System.out.println("done");
    }
}
"#;
        let calls = extract("S.java", src, &Catalog::default()).log_calls;
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].scope, "SmsSender.send");
        assert_eq!(calls[0].location.line, 6);
        assert_eq!(calls[0].args[0].name, "mobile");
    }

    #[test]
    fn dto_classes_become_api_datasets_with_masked_fields() {
        let src = r#"public class UserVO {
    private static final long serialVersionUID = 1L;
    /** 手机号 */
    private String tel;
    @JsonSerialize(using = IdCardMaskSerializer.class)
    private String idCard;
    @JsonIgnore
    private String password;
}
"#;
        let f = extract("UserVO.java", src, &Catalog::default());
        assert_eq!(f.tables.len(), 1);
        let t = &f.tables[0];
        assert_eq!((t.name.as_str(), t.kind), ("UserVO", DatasetKind::Api));
        let cols: Vec<(&str, Option<&str>)> = t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.comment.as_deref()))
            .collect();
        assert_eq!(cols, [("tel", Some("手机号")), ("idCard", None)]);
        assert_eq!(f.protections.len(), 1);
        assert_eq!(f.protections[0].column, "idCard");
        assert_eq!(f.protections[0].protection, Protection::Masked);
    }

    /// Cut or odd Java neither panics nor invents log calls: only a call
    /// whose argument names PI is kept, at its line and in its class.
    #[test]
    fn hostile_java_keeps_only_real_log_calls() {
        /// (class, line, argument) of every kept log-call argument.
        type Kept = [(&'static str, u32, &'static str)];
        let cases: [(&str, &Kept); 6] = [
            ("log.info(", &[]),
            ("log.info(\"unterminated, 手机 phone", &[]),
            (
                "class 中文VO { private String 手机; }\nlog.warn(中.getPhone(), '\\",
                // The call stands outside the class: its scope is the file.
                &[("X.java", 2, "phone")],
            ),
            ("/* never closed log.info(phone)", &[]),
            ("\"\"\" text block log.info(phone)", &[]),
            ("log.info(((((mobile", &[("X.java", 1, "mobile")]),
        ];
        for (src, want) in cases {
            let f = extract("X.java", src, &Catalog::default());
            let got: Vec<(&str, u32, &str)> = f
                .log_calls
                .iter()
                .flat_map(|c| {
                    c.args
                        .iter()
                        .map(|a| (c.scope.as_str(), c.location.line, a.name.as_str()))
                })
                .collect();
            assert_eq!(got, want, "{src:?}");
        }
        let f = extract("X.java", "log.info(\"x\", mobile", &Catalog::default());
        assert_eq!(f.log_calls[0].args[0].name, "mobile");
    }

    fn columns(t: &TableDef) -> Vec<(&str, Option<&str>)> {
        t.columns
            .iter()
            .map(|c| (c.name.as_str(), c.comment.as_deref()))
            .collect()
    }

    /// A `//` comment after a field on its line documents that field, not
    /// the next one (which, without a comment of its own, has none).
    #[test]
    fn a_trailing_comment_stays_with_its_field() {
        let src = "package x;\n@TableName(\"t_person\")\npublic class Person {\n    \
            private String idCard;//身份证号\n    private String phone; // 手机号\n    \
            private String remark;\n    /** 住址 */\n    private String addr; // 详细\n}\n";
        let f = extract("P.java", src, &Catalog::default());
        assert_eq!(
            columns(&f.tables[0]),
            [
                ("id_card", Some("身份证号")),
                ("phone", Some("手机号")),
                ("remark", None),
                ("addr", Some("住址")),
            ]
        );
    }

    #[test]
    fn entities_become_datasets_with_columns_and_comments() {
        let src = r#"package x;
/** 会员 */
@Data @Entity
@Table(
    name = "t_member")
public class Member extends BaseEntity<String> {
    private static final long serialVersionUID = 1L;
    @Column(name = "id_no",
            length = 18)
    @ApiModelProperty(value = "身份证号")
    private String idCard;
    /** 手机号 */
    private String mobilePhone;
    private String realName; // 姓名
    private transient String cache;
    @Transient
    private String shown;
    @Schema(description = "住址")
    private Map<String, List<String>> homeAddress;
    public static class Inner { private String x; }
    public enum Kind { A, B; private String label; }
}

@TableName("sys_user")
@ApiModel(description = "用户")
class SysUser {
    @TableId(value = "user_id")
    private Long id;
    @TableField(value = "nick", exist = true)
    private String nickName;
    @TableField(exist = false)
    private String roleNames;
}

class PlainMpEntity {
    @TableField("email")
    private String mail;
}
"#;
        let f = extract("M.java", src, &Catalog::default());
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let names: Vec<(&str, DatasetKind)> =
            f.tables.iter().map(|t| (t.name.as_str(), t.kind)).collect();
        assert_eq!(
            names,
            [
                ("t_member", DatasetKind::Table),
                ("sys_user", DatasetKind::Table),
                ("plain_mp_entity", DatasetKind::Table)
            ]
        );
        let m = &f.tables[0];
        assert_eq!(m.comment.as_deref(), Some("会员"));
        assert_eq!(m.location.line, 6);
        assert_eq!(
            columns(m),
            [
                ("id_no", Some("身份证号")),
                ("mobile_phone", Some("手机号")),
                ("real_name", Some("姓名")),
                ("home_address", Some("住址")),
            ]
        );
        assert_eq!(m.columns[0].location.line, 11);
        let u = &f.tables[1];
        assert_eq!(u.comment.as_deref(), Some("用户"));
        assert_eq!(columns(u), [("user_id", None), ("nick", None)]);
        assert_eq!(columns(&f.tables[2]), [("email", None)]);
        let member = f.java_types.iter().find(|t| t.name == "Member").unwrap();
        assert_eq!(member.superclass.as_deref(), Some("BaseEntity"));
    }

    #[test]
    fn jpa_join_columns_point_at_the_table_of_their_entity() {
        let patient = r#"@Entity
@Table(name = "his_patient")
public class Patient { @Id private Long id; private String realName; }"#;
        let visit = r#"@Entity
@Table(name = "his_visit")
public class Visit {
    @Id private Long id;
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "owner", referencedColumnName = "id")
    private Patient who;
    @OneToOne
    private com.x.Ward ward;
    @OneToOne(mappedBy = "visit")
    private Bill bill;
    @ManyToOne
    @JoinColumn(name = "parent_id")
    private Visit parent;
    private String note;
}"#;
        let mut files = vec![
            extract("Visit.java", visit, &Catalog::default()),
            extract("Patient.java", patient, &Catalog::default()),
        ];
        inherit(&mut files);
        let t = &files[0].tables[0];
        let refs: Vec<(&str, &str, Option<&str>)> = t
            .columns
            .iter()
            .filter_map(|c| {
                let r = c.references.as_ref()?;
                Some((c.name.as_str(), r.table.as_str(), r.column.as_deref()))
            })
            .collect();
        assert_eq!(
            refs,
            [
                ("owner", "his_patient", Some("id")),
                ("ward", "ward", None),
                ("parent_id", "his_visit", None)
            ]
        );
        // Without the target's file, the class name in snake_case.
        let mut alone = vec![extract("Visit.java", visit, &Catalog::default())];
        inherit(&mut alone);
        let owner = alone[0].tables[0]
            .columns
            .iter()
            .find(|c| c.name == "owner")
            .unwrap();
        assert_eq!(owner.references.as_ref().unwrap().table, "patient");
    }

    /// Broken relation annotations give nothing or a diagnostic, never a
    /// panic nor an empty target.
    #[test]
    fn malformed_join_columns_never_panic() {
        for field in [
            "@ManyToOne @JoinColumn(name = ) private Patient p;",
            "@ManyToOne @JoinColumn(name = \"\") private Patient p;",
            "@ManyToOne @JoinColumn( private Patient p;",
            "@ManyToOne private List<> p;",
            "@ManyToOne private ? p;",
            "@OneToOne(mappedBy = ) private Patient p;",
            "@ManyToOne @JoinColumn(name = \"x\", referencedColumnName = 3) private a.b. p;",
            "@ManyToOne",
        ] {
            let src = format!(
                "@Entity @Table(name = \"t\") public class T {{ @Id private Long id; {field} }}"
            );
            let mut files = vec![extract("T.java", &src, &Catalog::default())];
            inherit(&mut files);
            for c in files[0].tables.iter().flat_map(|t| &t.columns) {
                if let Some(r) = &c.references {
                    assert!(!r.table.trim().is_empty(), "{field}: {r:?}");
                }
            }
        }
    }

    #[test]
    fn plain_classes_enums_and_interfaces_are_no_datasets() {
        let src = r#"
public abstract class BaseEntity { @Column(name = "id") private Long id; }
public class Helper { private String phone; }
public enum Status { ON; private String idCard; }
public interface Api { String MOBILE = "m"; }
"#;
        let f = extract("H.java", src, &Catalog::default());
        assert!(f.tables.is_empty(), "{:?}", f.tables);
        assert_eq!(f.java_types.len(), 2);
    }

    #[test]
    fn superclass_fields_found_in_scanned_files_are_inherited() {
        let base = r#"@MappedSuperclass
public abstract class BaseEntity extends Root {
    @TableField("create_by")
    private String createBy;
}"#;
        let root = "public class Root { private Long id; }";
        let entity = r#"@TableName("t_order")
public class Order extends BaseEntity {
    private String consignee;
    private Long id;
}
@TableName("t_other")
public class Other extends GenericEntity<String> { private String name; }"#;
        let mut files = vec![
            extract("a/BaseEntity.java", base, &Catalog::default()),
            extract("b/Order.java", entity, &Catalog::default()),
            extract("c/Root.java", root, &Catalog::default()),
        ];
        assert!(files[0].tables.is_empty());
        inherit(&mut files);
        let got: Vec<&str> = files[1].tables[0]
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(got, ["create_by", "consignee", "id"]);
        assert_eq!(files[1].tables[1].columns.len(), 1);
    }

    #[test]
    fn records_are_dtos_and_broken_java_is_read_in_part() {
        let src = r#"public record UserResp(@Sensitive String phone, String name) {}
public class Broken {
    void f() { int x = ; log.info("p {}", user.getIdCard()); }
}
"#;
        let f = extract("R.java", src, &Catalog::default());
        assert_eq!(f.tables.len(), 1);
        assert_eq!(columns(&f.tables[0]), [("phone", None), ("name", None)]);
        assert_eq!(f.protections.len(), 1);
        assert_eq!(f.diagnostics.len(), 1);
        assert_eq!(f.diagnostics[0].line, 3);
        assert_eq!(f.log_calls.len(), 1);
        assert_eq!(f.log_calls[0].scope, "Broken.f");
        assert_eq!(f.log_calls[0].args[0].name, "idCard");
        assert_eq!(f.log_calls[0].level, "info");
    }

    #[test]
    fn log_calls_carry_their_level_and_guards_lower_it() {
        let src = r#"@Slf4j
public class S {
    void f(String mobile) {
        log.trace("a {}", mobile);
        if (log.isDebugEnabled()) { log.info("b {}", mobile); }
        if (log.isTraceEnabled() && on) log.debug("c {}", mobile);
        if (!log.isDebugEnabled()) { log.info("d {}", mobile); }
        if (log.isDebugEnabled()) { } else { log.warn("e {}", mobile); }
        if (LOGGER.isDebugEnabled()) { log.error("f {}", mobile); }
        System.out.println(mobile);
        System.err.println(mobile);
    }
}
"#;
        let calls = extract("S.java", src, &Catalog::default()).log_calls;
        let levels: Vec<&str> = calls.iter().map(|c| c.level.as_str()).collect();
        assert_eq!(
            levels,
            ["trace", "debug", "trace", "info", "warn", "debug", "stdout", "stderr"]
        );
    }

    #[test]
    fn old_mac_line_ends_are_line_ends() {
        let src = "// header\r@TableName(\"t_user\")\rpublic class User {\r    private String mobile; // 手机\r}\r";
        let f = extract("U.java", src, &Catalog::default());
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        assert_eq!(f.tables.len(), 1);
        assert_eq!(columns(&f.tables[0]), [("mobile", Some("手机"))]);
        assert_eq!(f.tables[0].columns[0].location.line, 4);
    }
}
