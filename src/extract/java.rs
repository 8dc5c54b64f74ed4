//! Java entity classes: field-level encryption declared in code.
//!
//! - `@EncryptField`, `@Encrypted`, `@CryptField`, `@SM4Field`-style
//!   annotations, MyBatis-Plus `@TableField(typeHandler = …EncryptTypeHandler.class)`
//!   and JPA `@Convert(converter = …CryptoConverter.class)` whose class name
//!   says encrypt/crypt/aes/sm4/cipher → the column is `encrypted`; a handler
//!   or converter saying mask/desens → `masked`.
//! - `@Sensitive` / `@Desensitization`-style annotations mask values only when
//!   serialised to JSON, not in storage: they become an `output_masking`
//!   control, not a protection.
//!
//! The table is `@TableName`/`@Table(name=…)`, else the class name in
//! snake_case; the column is `@TableField("…")`/`@Column(name=…)`, else the
//! field name in snake_case.

use super::catalog::Catalog;
use super::{FileFacts, ProtectionRule};
use crate::model::{Control, Location, Protection};
use regex::Regex;
use std::sync::OnceLock;

struct Res {
    table_name: Regex,
    class: Regex,
    field: Regex,
    column_name: Regex,
    handler: Regex,
    encrypt_ann: Regex,
    output_mask_ann: Regex,
}

fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| Res {
        table_name: Regex::new(r#"@(?:TableName|Table)\s*\(\s*(?:(?:value|name)\s*=\s*)?"([^"]+)""#).expect("re"),
        class: Regex::new(r"\bclass\s+(\w+)").expect("re"),
        field: Regex::new(r"^\s*(?:(?:private|protected|public|final|transient)\s+)+[\w<>,.\[\]\s?]+?\s+(\w+)\s*(?:=[^;]*)?;").expect("re"),
        column_name: Regex::new(r#"@(?:TableField|Column)\s*\(\s*(?:(?:value|name)\s*=\s*)?"([^"]+)""#).expect("re"),
        handler: Regex::new(r"(?:typeHandler|converter)\s*=\s*([\w.]+)\.class").expect("re"),
        encrypt_ann: Regex::new(r"^@(?:\w*Encrypt\w*|\w*Crypt\w*|\w*Cipher\w*|SM4\w*|Aes\w*)\b").expect("re"),
        output_mask_ann: Regex::new(r"^@(?:Sensitive\w*|Desensiti[sz]\w*|\w*Mask\w*|JsonDesensitize\w*)\b").expect("re"),
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

/// Reads one Java source file.
pub fn extract(file: &str, text: &str, _catalog: &Catalog) -> FileFacts {
    let mut facts = FileFacts {
        file: file.to_string(),
        ..FileFacts::default()
    };
    // Cheap pre-check: most Java files declare no protection at all.
    let lower = text.to_ascii_lowercase();
    if ![
        "crypt",
        "cipher",
        "sm4",
        "aes",
        "mask",
        "desensit",
        "sensitive",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        return facts;
    }
    let r = res();
    let mut pending_table: Option<String> = None;
    let mut table: Option<String> = None;
    let mut annotations: Vec<(String, u32)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let t = raw.trim();
        if t.is_empty() || t.starts_with("//") || t.starts_with('*') || t.starts_with("/*") {
            continue;
        }
        if let Some(c) = r.table_name.captures(t) {
            pending_table = Some(c[1].to_string());
        }
        if t.starts_with('@') {
            annotations.push((t.to_string(), line));
            continue;
        }
        if let Some(c) = r.class.captures(t) {
            if table.is_none() {
                table = Some(pending_table.take().unwrap_or_else(|| snake(&c[1])));
            }
            annotations.clear();
            continue;
        }
        let Some(f) = r.field.captures(t) else {
            annotations.clear();
            continue;
        };
        let field = f[1].to_string();
        let column = annotations
            .iter()
            .find_map(|(a, _)| r.column_name.captures(a).map(|c| c[1].to_string()))
            .unwrap_or_else(|| snake(&field));
        for (a, at) in &annotations {
            let handler = r.handler.captures(a).map(|c| c[1].to_ascii_lowercase());
            let by_handler = handler.as_deref().and_then(|h| {
                if ["encrypt", "crypt", "aes", "sm4", "cipher"]
                    .iter()
                    .any(|w| h.contains(w))
                {
                    Some((Protection::Encrypted, "type_handler"))
                } else if ["mask", "desens"].iter().any(|w| h.contains(w)) {
                    Some((Protection::Masked, "type_handler"))
                } else {
                    None
                }
            });
            let by_annotation = r
                .encrypt_ann
                .is_match(a)
                .then_some((Protection::Encrypted, "encrypt_annotation"));
            if let Some((protection, kind)) = by_handler.or(by_annotation) {
                facts.protections.push(ProtectionRule {
                    table: table.clone(),
                    column: column.clone(),
                    protection,
                    kind: kind.into(),
                    location: Location::line(file, *at),
                });
            } else if r.output_mask_ann.is_match(a) {
                facts.controls.push(Control {
                    kind: "output_masking".into(),
                    value_days: None,
                    subject: Some(match &table {
                        Some(t) => format!("{t}.{column}"),
                        None => column.clone(),
                    }),
                    location: Location::line(file, *at),
                    value: Some(a.split('(').next().unwrap_or(a).to_string()),
                    profile: None,
                });
            }
        }
        annotations.clear();
    }
    facts
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
}
