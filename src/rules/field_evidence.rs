//! Evidence about one field, for rules that judge how it is protected
//! (`field.evidence`, `field.password`): the controls naming the field
//! (encrypt/mask rules, type handlers, annotations, ShardingSphere cipher,
//! assisted-query and like-query columns, hash-shaped seed values) with
//! their file:line, and for credential columns what the seed values,
//! comment, code and column length show about how passwords are stored.
//! A rule may only call a password plain or weak on this evidence; without
//! any, the strength is `unknown` (confidence `needs_review`).

use crate::extract::hash_shape::{strength, Strength};
use crate::model::{Control, Dataset, Field};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Controls by the field they name, and the code's password encoders.
#[derive(Default)]
pub struct EvidenceIndex<'a> {
    by_subject: HashMap<&'a str, Vec<&'a Control>>,
    strong_code: Vec<&'a Control>,
    weak_code: Vec<&'a Control>,
}

impl<'a> EvidenceIndex<'a> {
    /// Indexes the controls once per evaluation.
    pub fn new(controls: &'a [Control]) -> EvidenceIndex<'a> {
        let mut idx = EvidenceIndex::default();
        for c in controls {
            match c.kind.as_str() {
                "password_hash_strong" => idx.strong_code.push(c),
                "password_hash_weak" => idx.weak_code.push(c),
                _ => {
                    if let Some(s) = &c.subject {
                        idx.by_subject.entry(s.as_str()).or_default().push(c);
                    }
                }
            }
        }
        idx
    }
}

fn at(c: &Control) -> String {
    format!("{}:{}", c.location.file, c.location.line)
}

/// One evidence line: what was seen and where (never a value).
fn describe(c: &Control) -> String {
    match &c.value {
        Some(v) => format!("{} {v} ({})", c.kind, at(c)),
        None => format!("{} ({})", c.kind, at(c)),
    }
}

/// Adds `evidence` (and `password` for credential fields) to a field's
/// rule view.
pub fn add(fv: &mut Value, f: &Field, d: &Dataset, idx: &EvidenceIndex<'_>) {
    let Value::Object(o) = fv else { return };
    let own = idx
        .by_subject
        .get(f.id.as_str())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut evidence: Vec<String> = own.iter().map(|c| describe(c)).collect();
    let credential =
        f.pi.as_ref()
            .is_some_and(|p| p.category == "account.credentials");
    if credential {
        let p = password(f, d, own, idx);
        if let Some(Value::Array(e)) = p.get("evidence") {
            for x in e.iter().filter_map(Value::as_str) {
                if !evidence.iter().any(|y| y == x) {
                    evidence.push(x.to_string());
                }
            }
        }
        o.insert("password".into(), Value::Object(p));
    }
    o.insert("evidence".into(), json!(evidence));
}

/// Whether a column is a salt (its name or comment says so).
pub fn is_salt(f: &Field) -> bool {
    f.name.to_ascii_lowercase().contains("salt")
        || f.comment.as_deref().is_some_and(|c| c.contains('盐'))
}

/// Declared length of a `char`/`varchar` column.
fn char_length(t: &str) -> Option<u32> {
    let t = t.trim().to_ascii_lowercase();
    let rest = t
        .strip_prefix("varchar")
        .or_else(|| t.strip_prefix("nvarchar"))
        .or_else(|| t.strip_prefix("varchar2"))
        .or_else(|| t.strip_prefix("char"))?;
    rest.trim()
        .strip_prefix('(')?
        .split([')', ' '])
        .next()?
        .trim()
        .parse()
        .ok()
}

/// How a credential column stores passwords, from the strongest evidence
/// available: seed values, then the comment, then a protection rule, then
/// the code's encoders, then the column length.
fn password(
    f: &Field,
    d: &Dataset,
    own: &[&Control],
    idx: &EvidenceIndex<'_>,
) -> Map<String, Value> {
    let salt_column = d.fields.iter().any(|x| x.id != f.id && is_salt(x));
    let mut out = Map::new();
    // A column named or commented as a password (not a token, key or type
    // code the classifier also tags as a credential).
    out.insert(
        "named".into(),
        json!(crate::extract::hash_shape::password_column(
            &f.name,
            f.comment.as_deref()
        )),
    );
    out.insert(
        "setting".into(),
        json!(crate::extract::hash_shape::setting_name(&f.name)),
    );
    // A device's PIN or an integration's key is no person's login password.
    let columns: Vec<&str> = d.fields.iter().map(|x| x.name.as_str()).collect();
    if let Some(why) = crate::extract::hash_shape::thing_secret(&columns) {
        out.insert("thing_secret".into(), json!(why));
    }
    // Inferences from the code and the column length need the name itself
    // to say password: a comment may only mention one (类型：固定密码…).
    let name_says = crate::extract::hash_shape::password_column(&f.name, None);
    let mut set = |strength: &str,
                   source: &str,
                   algorithm: &str,
                   salted: bool,
                   confidence: &str,
                   evidence: Vec<String>,
                   zh: String,
                   en: String| {
        out.insert("strength".into(), json!(strength));
        out.insert("source".into(), json!(source));
        out.insert("algorithm".into(), json!(algorithm));
        out.insert("salted".into(), json!(salted));
        out.insert("confidence".into(), json!(confidence));
        out.insert("evidence".into(), json!(evidence));
        out.insert("zh".into(), json!(zh));
        out.insert("en".into(), json!(en));
    };
    let salt_zh = |s: bool| if s { "有盐" } else { "无盐" };
    let salt_en = |s: bool| if s { "salted" } else { "unsalted" };
    // 1. Seed values: the stored shape itself.
    let seeds: Vec<(&str, Strength, &Control)> = own
        .iter()
        .filter(|c| c.kind == "stored_hash")
        .filter_map(|c| {
            let a = c.value.as_deref()?;
            Some((a, strength(a)?, *c))
        })
        .collect();
    let pick = |want: Strength| seeds.iter().find(|(_, s, _)| *s == want);
    if let Some((a, _, c)) = pick(Strength::Slow) {
        set(
            "slow",
            "seed",
            a,
            true,
            "confirmed",
            vec![describe(c)],
            format!("种子数据为 {a}（{}）", at(c)),
            format!("seed rows hold {a} values ({})", at(c)),
        );
        return out;
    }
    if let Some((a, _, c)) = pick(Strength::Encrypted) {
        set(
            "encrypted",
            "seed",
            a,
            false,
            "confirmed",
            vec![describe(c)],
            format!("种子数据为可逆加密值 {a}（{}），口令应使用慢哈希而非加密", at(c)),
            format!(
                "seed rows hold reversibly encrypted {a} values ({}): passwords need a slow hash, not encryption",
                at(c)
            ),
        );
        return out;
    }
    if let Some((a, _, c)) = pick(Strength::Plain) {
        set(
            "plain",
            "seed",
            a,
            false,
            "confirmed",
            vec![describe(c)],
            format!("种子数据显示口令未经哈希（{{noop}}，{}）", at(c)),
            format!("seed rows store passwords unhashed ({{noop}}, {})", at(c)),
        );
        return out;
    }
    if let Some((a, _, c)) = pick(Strength::Fast) {
        let salted = salt_column || *a == "salted hex digest";
        set(
            "fast",
            "seed",
            a,
            salted,
            "confirmed",
            vec![describe(c)],
            format!(
                "种子数据为{} {a} 摘要（{}），属快速哈希",
                salt_zh(salted),
                at(c)
            ),
            format!(
                "seed rows hold {} {a} digests ({}), a fast hash",
                salt_en(salted),
                at(c)
            ),
        );
        return out;
    }
    // 2. The column comment.
    let comment = f.comment.as_deref().unwrap_or_default().to_lowercase();
    let comment_says = |words: &[&str]| words.iter().any(|w| comment.contains(w));
    if comment_says(&["明文", "plain"]) && !comment_says(&["非明文", "not plain"]) {
        set(
            "plain",
            "comment",
            "",
            false,
            "likely",
            vec![format!("comment ({}:{})", f.location.file, f.location.line)],
            "列注释写明明文保存".into(),
            "the column comment says plain text".into(),
        );
        return out;
    }
    if comment_says(&["bcrypt", "argon", "scrypt", "pbkdf"]) {
        set(
            "slow",
            "comment",
            "",
            true,
            "likely",
            vec![format!("comment ({}:{})", f.location.file, f.location.line)],
            "列注释写明慢哈希".into(),
            "the column comment names a slow hash".into(),
        );
        return out;
    }
    for (word, alg) in [("md5", "MD5"), ("sha1", "SHA-1"), ("sha-1", "SHA-1")] {
        if comment.contains(word) {
            set(
                "fast",
                "comment",
                alg,
                salt_column,
                "likely",
                vec![format!("comment ({}:{})", f.location.file, f.location.line)],
                format!("列注释写明{} {alg}，属快速哈希", salt_zh(salt_column)),
                format!(
                    "the column comment says {} {alg}, a fast hash",
                    salt_en(salt_column)
                ),
            );
            return out;
        }
    }
    // 3. A protection rule or a comment word that documents encryption/hashing.
    if !f.protection.is_empty() {
        set(
            "protected",
            "config",
            "",
            true,
            if own.is_empty() {
                "likely"
            } else {
                "confirmed"
            },
            own.iter().map(|c| describe(c)).collect(),
            "已配置加密或哈希".into(),
            "encryption or hashing is configured".into(),
        );
        return out;
    }
    // 4. The code's password encoders. They are project-wide, not tied to
    // this column: a slow encoder clears it (`likely`), a fast digest on a
    // password line only asks for review (it may sign an API call).
    let code = |cs: &[&Control]| cs.iter().take(3).map(|c| describe(c)).collect::<Vec<_>>();
    let code_kinds = if name_says {
        (idx.strong_code.is_empty(), idx.weak_code.is_empty())
    } else {
        (true, true)
    };
    match code_kinds {
        (false, true) => {
            let c = idx.strong_code[0];
            let a = c.value.as_deref().unwrap_or("BCrypt");
            set(
                "slow",
                "code",
                a,
                true,
                "likely",
                code(&idx.strong_code),
                format!("代码使用 {a} 编码口令（{}）", at(c)),
                format!("the code encodes passwords with {a} ({})", at(c)),
            );
            return out;
        }
        (true, false) => {
            let c = idx.weak_code[0];
            let a = c.value.as_deref().unwrap_or("MD5");
            set(
                "fast",
                "code",
                a,
                salt_column,
                "needs_review",
                code(&idx.weak_code),
                format!(
                    "代码在口令相关行使用 {a}（{}），未确认由它写入此列，请人工核实",
                    at(c)
                ),
                format!(
                    "the code uses {a} on a password line ({}); that it writes this column is not confirmed: review",
                    at(c)
                ),
            );
            return out;
        }
        (false, false) => {
            let mut e = code(&idx.strong_code);
            e.extend(code(&idx.weak_code));
            set(
                "unknown",
                "code",
                "",
                salt_column,
                "needs_review",
                e,
                "代码中既有慢哈希也有 MD5/SHA-1 口令处理，无法判断此列使用哪一种，请人工核实".into(),
                "the code has both a slow password hash and MD5/SHA-1 password handling: which one writes this column needs review".into(),
            );
            return out;
        }
        (true, true) => {}
    }
    // 5. The column length.
    let len = f
        .data_type
        .as_deref()
        .and_then(char_length)
        .filter(|_| name_says);
    let at_field = format!("{}:{}", f.location.file, f.location.line);
    let t = f.data_type.clone().unwrap_or_default();
    match len {
        Some(32) | Some(40) => {
            let a = if len == Some(32) { "MD5" } else { "SHA-1" };
            set(
                "fast",
                "type",
                a,
                salt_column,
                "likely",
                vec![format!("type {t} ({at_field})")],
                format!(
                    "列类型 {t} 与{} {a} 十六进制摘要长度一致",
                    salt_zh(salt_column)
                ),
                format!(
                    "the column type {t} fits a hex {a} digest ({})",
                    salt_en(salt_column)
                ),
            );
        }
        Some(n) if n < 32 => {
            set(
                "plain",
                "type",
                "",
                false,
                "likely",
                vec![format!("type {t} ({at_field})")],
                format!("列类型 {t} 容不下常见口令哈希，可能为明文"),
                format!("the column type {t} is too short for any common password hash: likely plain text"),
            );
        }
        _ => {
            set(
                "unknown",
                "none",
                "",
                salt_column,
                "needs_review",
                Vec::new(),
                "未找到口令保存方式的证据（无种子数据、注释、加密配置或写入代码），请人工核实是否使用慢哈希".into(),
                "no evidence of how passwords are stored (no seed rows, comment, protection rule or writing code): check that a slow hash is used".into(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Location, PiTag};

    fn field(name: &str, t: &str, comment: Option<&str>) -> Field {
        Field {
            references: None,
            id: format!("s.sql#u.{name}"),
            name: name.into(),
            data_type: Some(t.into()),
            comment: comment.map(str::to_string),
            location: Location::line("s.sql", 3),
            pi: Some(PiTag {
                category: "account.credentials".into(),
                sensitive: false,
                confidence: 0.9,
                evidence: Vec::new(),
            }),
            protection: Vec::new(),
        }
    }

    fn ds(fields: Vec<Field>) -> Dataset {
        Dataset {
            id: "s.sql#u".into(),
            kind: crate::model::DatasetKind::Table,
            name: "u".into(),
            system: None,
            comment: None,
            location: Location::line("s.sql", 1),
            locations: Vec::new(),
            fields,
        }
    }

    fn control(kind: &str, subject: Option<&str>, value: &str) -> Control {
        Control {
            subject: subject.map(str::to_string),
            value: Some(value.into()),
            ..Control::at(kind, Location::line("s.sql", 9))
        }
    }

    fn strength_of(f: &Field, d: &Dataset, controls: &[Control]) -> (String, String) {
        let idx = EvidenceIndex::new(controls);
        let mut v = json!({});
        add(&mut v, f, d, &idx);
        (
            v["password"]["strength"].as_str().unwrap_or("").to_string(),
            v["password"]["confidence"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    }

    #[test]
    fn seed_shape_wins_then_comment_code_and_length() {
        let f = field("password", "varchar(100)", None);
        let d = ds(vec![f.clone()]);
        let bcrypt = [control("stored_hash", Some(&f.id), "bcrypt")];
        assert_eq!(
            strength_of(&f, &d, &bcrypt),
            ("slow".into(), "confirmed".into())
        );
        let md5 = [control("stored_hash", Some(&f.id), "MD5")];
        assert_eq!(
            strength_of(&f, &d, &md5),
            ("fast".into(), "confirmed".into())
        );
        let enc = [control(
            "password_hash_strong",
            None,
            "BCryptPasswordEncoder",
        )];
        assert_eq!(strength_of(&f, &d, &enc), ("slow".into(), "likely".into()));
        let weak = [control("password_hash_weak", None, "MD5/SHA-1 digest")];
        assert_eq!(
            strength_of(&f, &d, &weak),
            ("fast".into(), "needs_review".into())
        );
        let code = field("type_flag", "varchar(12)", Some("类型：固定密码"));
        let cd = ds(vec![code.clone()]);
        assert_eq!(
            strength_of(&code, &cd, &weak),
            ("unknown".into(), "needs_review".into()),
            "code and length say nothing of a column not named as a password"
        );
        assert_eq!(
            strength_of(&f, &d, &[]),
            ("unknown".into(), "needs_review".into())
        );
        let short = field("pwd", "varchar(20)", None);
        assert_eq!(
            strength_of(&short, &ds(vec![short.clone()]), &[]).0,
            "plain"
        );
        let md5_len = field("pwd", "char(32)", None);
        assert_eq!(
            strength_of(&md5_len, &ds(vec![md5_len.clone()]), &[]).0,
            "fast"
        );
        let commented = field("pwd", "varchar(64)", Some("登录密码（明文）"));
        assert_eq!(
            strength_of(&commented, &ds(vec![commented.clone()]), &[]).0,
            "plain"
        );
    }

    #[test]
    fn a_salt_column_makes_a_fast_hash_salted_and_is_itself_a_salt() {
        let f = field("login_pwd", "char(32)", None);
        let salt = field("login_salt", "char(6)", Some("盐"));
        assert!(is_salt(&salt));
        let d = ds(vec![f.clone(), salt]);
        let idx = EvidenceIndex::new(&[]);
        let mut v = json!({});
        add(&mut v, &f, &d, &idx);
        assert_eq!(v["password"]["salted"], json!(true));
        assert_eq!(v["password"]["strength"], json!("fast"));
    }
}
