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
//! The table is `@TableName`/`@Table(name=…)`, else the class name in
//! snake_case; the column is `@TableField("…")`/`@Column(name=…)`, else the
//! field name in snake_case. A DTO keeps its class and field names.

use super::catalog::Catalog;
use super::protection_names::ProtectionNames;
use super::{ColumnDef, FileFacts, ProtectionRule, TableDef};
use crate::model::{Control, DatasetKind, LineIndex, Location, Protection};
use regex::Regex;
use std::sync::OnceLock;

/// The compiled patterns the Java reader matches source lines and code with.
/// Which class and annotation names declare a protection is data
/// ([`ProtectionNames`]), not a pattern here.
struct JavaPatterns {
    table_name: Regex,
    class: Regex,
    field: Regex,
    column_name: Regex,
    handler: Regex,
    json_serializer: Regex,
    doc_ann: Regex,
    dto_name: Regex,
    log_call: Regex,
    method_decl: Regex,
    mask_helper: Regex,
}

fn patterns() -> &'static JavaPatterns {
    static PATTERNS: OnceLock<JavaPatterns> = OnceLock::new();
    PATTERNS.get_or_init(|| JavaPatterns {
        table_name: Regex::new(r#"@(?:TableName|Table)\s*\(\s*(?:(?:value|name)\s*=\s*)?"([^"]+)""#).expect("re"),
        class: Regex::new(r"\b(?:class|record|enum|interface)\s+(\w+)").expect("re"),
        field: Regex::new(r"^\s*(?:(?:private|protected|public|final|transient)\s+)+([\w<>,.\[\]\s?]+?)\s+(\w+)\s*(?:=[^;]*)?;").expect("re"),
        column_name: Regex::new(r#"@(?:TableField|Column)\s*\(\s*(?:(?:value|name)\s*=\s*)?"([^"]+)""#).expect("re"),
        handler: Regex::new(r"(?:typeHandler|converter)\s*=\s*([\w.]+)\.class").expect("re"),
        json_serializer: Regex::new(r"^@JsonSerialize\s*\(\s*using\s*=\s*([\w.]+)\.class").expect("re"),
        doc_ann: Regex::new(r#"^@(?:ApiModelProperty|Schema|ApiParam)\s*\(\s*(?:(?:value|description|name)\s*=\s*)?"([^"]+)""#).expect("re"),
        dto_name: Regex::new(r"(?:VO|Vo|DTO|Dto|Response|Resp)$").expect("re"),
        log_call: Regex::new(r"\b(?:(?:log|logger|LOG|LOGGER|Log|Logger|[a-z]\w*(?:Log|Logger)|[A-Z][A-Z_]*_LOG(?:GER)?)\s*\.\s*(?:trace|debug|info|warn|error|fatal)|System\s*\.\s*(?:out|err)\s*\.\s*(?:println|print|printf))\s*\(").expect("re"),
        method_decl: Regex::new(r"(?m)^[ \t]*(?:(?:public|protected|private|static|final|synchronized|abstract|default|native)\s+)*(?:<[^>]*>\s*)?[\w.<>\[\],? ]+?\s+(\w+)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*(?:throws\s+[\w.,\s]+)?\{").expect("re"),
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
#[derive(Debug, Clone, PartialEq)]
pub struct LogCall {
    /// `Class.method` the call sits in (`Class` outside any method).
    pub scope: String,
    /// Values printed without a mask helper, in order, without repeats.
    pub args: Vec<LogArg>,
    /// Where the call starts.
    pub location: Location,
}

/// One value printed by a [`LogCall`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogArg {
    /// Property or variable name (`idCard` for `user.getIdCard()`).
    pub name: String,
    /// Object the property is read from (`user`), when there is one.
    pub owner: Option<String>,
    /// The value is a whole object printed as is (`user`, `user.toString()`),
    /// which prints every field of a person record.
    pub whole: bool,
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

/// The registry's reader of Java sources.
pub struct JavaSource;

impl super::registry::Extractor for JavaSource {
    fn extract(&self, s: &super::Source, cx: &super::registry::ExtractContext<'_>) -> FileFacts {
        extract(&s.rel, &s.text, cx.catalog)
    }
}

/// Reads one Java source file.
pub fn extract(file: &str, text: &str, _catalog: &Catalog) -> FileFacts {
    let mut facts = FileFacts {
        file: file.to_string(),
        ..FileFacts::default()
    };
    let r = patterns();
    // Cheap pre-checks: most Java files declare no protection, no DTO and
    // print nothing.
    let lower = text.to_ascii_lowercase();
    let protection_words = ProtectionNames::builtin().mentioned_in(&lower);
    let has_dto = r
        .class
        .captures_iter(text)
        .any(|c| r.dto_name.is_match(&c[1]));
    if protection_words || has_dto {
        read_classes(file, text, &mut facts);
    }
    if lower.contains("log") || text.contains("System.") {
        facts.log_calls = log_calls(file, text);
    }
    if super::java_security::worth_reading(&lower) {
        super::java_security::read(file, text, &code_only(text), &mut facts);
    }
    facts
}

/// The annotated fields of entity and DTO classes.
fn read_classes(file: &str, text: &str, facts: &mut FileFacts) {
    let r = patterns();
    let mut pending_table: Option<String> = None;
    let mut table: Option<String> = None;
    // Index in `facts.tables` of the DTO class being read, if any.
    let mut dto: Option<usize> = None;
    let mut annotations: Vec<(String, u32)> = Vec::new();
    let mut doc = String::new();
    for (n, raw) in text.lines().enumerate() {
        let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with("//") || t.starts_with('*') || t.starts_with("/*") {
            // Javadoc above a DTO field documents it like a column comment.
            let words = t
                .trim_start_matches('/')
                .trim_start_matches('*')
                .trim_end_matches('/')
                .trim_end_matches('*')
                .trim();
            if !words.is_empty() && !words.starts_with('@') {
                if !doc.is_empty() {
                    doc.push(' ');
                }
                doc.push_str(words);
            }
            continue;
        }
        if let Some(c) = r.table_name.captures(t) {
            pending_table = Some(c[1].to_string());
        }
        if t.starts_with('@') {
            if let Some(c) = r.doc_ann.captures(t) {
                doc = c[1].to_string();
            }
            annotations.push((t.to_string(), line));
            continue;
        }
        if let Some(c) = r.class.captures(t) {
            let name = c[1].to_string();
            dto = None;
            if r.dto_name.is_match(&name) && !t.contains("interface ") && !t.contains("enum ") {
                facts.tables.push(TableDef {
                    name: name.clone(),
                    kind: DatasetKind::Api,
                    comment: (!doc.is_empty()).then(|| doc.clone()),
                    location: Location::line(file, line),
                    columns: Vec::new(),
                    recovered: false,
                });
                dto = Some(facts.tables.len() - 1);
            } else if table.is_none() {
                table = Some(pending_table.take().unwrap_or_else(|| snake(&name)));
            }
            annotations.clear();
            doc.clear();
            continue;
        }
        let Some(f) = r.field.captures(t).filter(|_| !t.contains(" static ")) else {
            annotations.clear();
            doc.clear();
            continue;
        };
        let field = f[2].to_string();
        if let Some(i) = dto {
            read_dto_field(
                file,
                &mut facts.tables[i],
                &f[1],
                &field,
                &doc,
                &annotations,
                line,
                &mut facts.protections,
            );
        } else {
            read_entity_field(file, table.as_deref(), &field, &annotations, facts);
        }
        annotations.clear();
        doc.clear();
    }
}

/// One field of a DTO class: a column of the `api` dataset, masked when an
/// annotation masks it on output.
#[allow(clippy::too_many_arguments)]
fn read_dto_field(
    file: &str,
    dto: &mut TableDef,
    java_type: &str,
    field: &str,
    doc: &str,
    annotations: &[(String, u32)],
    line: u32,
    protections: &mut Vec<ProtectionRule>,
) {
    let r = patterns();
    if annotations
        .iter()
        .any(|(a, _)| a.starts_with("@JsonIgnore"))
    {
        return;
    }
    dto.columns.push(ColumnDef {
        name: field.to_string(),
        data_type: Some(java_type.trim().to_ascii_lowercase()),
        comment: (!doc.is_empty()).then(|| doc.to_string()),
        location: Location::line(file, line),
    });
    let names = ProtectionNames::builtin();
    for (a, at) in annotations {
        let serializer = r
            .json_serializer
            .captures(a)
            .is_some_and(|c| names.serializer_masks(&c[1]));
        let protection = if names.annotation_encrypts(a) {
            Protection::Encrypted
        } else if serializer || names.annotation_masks_output(a) {
            Protection::Masked
        } else {
            continue;
        };
        protections.push(ProtectionRule {
            table: Some(dto.name.clone()),
            column: field.to_string(),
            protection,
            kind: "output_masking".into(),
            location: Location::line(file, *at),
        });
    }
}

/// One field of an entity class: encryption declared for its column.
fn read_entity_field(
    file: &str,
    table: Option<&str>,
    field: &str,
    annotations: &[(String, u32)],
    facts: &mut FileFacts,
) {
    let r = patterns();
    let column = annotations
        .iter()
        .find_map(|(a, _)| r.column_name.captures(a).map(|c| c[1].to_string()))
        .unwrap_or_else(|| snake(field));
    let names = ProtectionNames::builtin();
    for (a, at) in annotations {
        let by_handler = r
            .handler
            .captures(a)
            .and_then(|c| names.type_handler(&c[1]))
            .map(|protection| (protection, "type_handler"));
        let by_annotation = names
            .annotation_encrypts(a)
            .then_some((Protection::Encrypted, "encrypt_annotation"));
        if let Some((protection, kind)) = by_handler.or(by_annotation) {
            facts.protections.push(ProtectionRule {
                table: table.map(str::to_string),
                column: column.clone(),
                protection,
                kind: kind.into(),
                location: Location::line(file, *at),
            });
        } else if names.annotation_masks_output(a) {
            facts.controls.push(Control {
                kind: "output_masking".into(),
                value_days: None,
                subject: Some(match table {
                    Some(t) => format!("{t}.{column}"),
                    None => column.clone(),
                }),
                location: Location::line(file, *at),
                value: Some(a.split('(').next().unwrap_or(a).to_string()),
                profile: None,
                amount: None,
            });
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

/// `getIdCard` → `idCard`, `isVip` → `vip`; other methods → `None`.
fn getter_property(method: &str) -> Option<String> {
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

/// Every log call of a Java file with the values it prints.
fn log_calls(file: &str, text: &str) -> Vec<LogCall> {
    let r = patterns();
    let code = code_only(text);
    let lines = LineIndex::new(&code);
    let classes: Vec<(usize, &str)> = r
        .class
        .captures_iter(&code)
        .filter_map(|c| c.get(1).map(|m| (m.start(), m.as_str())))
        .collect();
    let methods: Vec<(usize, &str)> = r
        .method_decl
        .captures_iter(&code)
        .filter_map(|c| c.get(1))
        .filter(|m| {
            ![
                "if",
                "for",
                "while",
                "switch",
                "catch",
                "synchronized",
                "return",
                "new",
                "else",
            ]
            .contains(&m.as_str())
        })
        .map(|m| (m.start(), m.as_str()))
        .collect();
    let last_before = |list: &[(usize, &'_ str)], at: usize| {
        list.iter()
            .take_while(|(p, _)| *p < at)
            .last()
            .map(|(_, n)| n.to_string())
    };
    let mut out = Vec::new();
    for m in r.log_call.find_iter(&code) {
        let open = m.end() - 1;
        let close = closing_paren(&code, open);
        let args = printed_values(&code[open + 1..close.max(open + 1)]);
        if args.is_empty() {
            continue;
        }
        let class = last_before(&classes, m.start());
        let method = last_before(&methods, m.start());
        let scope = match (class, method) {
            (Some(c), Some(m)) if c != m => format!("{c}.{m}"),
            (Some(c), _) => c,
            (None, Some(m)) => m,
            (None, None) => file.rsplit('/').next().unwrap_or(file).to_string(),
        };
        out.push(LogCall {
            scope,
            args,
            location: Location::line(file, lines.line(m.start())),
        });
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
        let calls = log_calls("S.java", src);
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
                &[("中文VO", 2, "phone")],
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
}
