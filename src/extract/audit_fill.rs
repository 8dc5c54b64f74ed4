//! What Java code writes into a record's properties when the value is a
//! user's key or a user's name: `x.setCreateUser(ShiroUtil.getUserId())`,
//! `setCreateBy(getUsername())`, `.createBy(loginUser.getUserName())` in a
//! builder, and the MyBatis-Plus fill handlers
//! (`strictInsertFill(meta, "createBy", String.class, getUsername())`,
//! `setFieldValByName("updater", userId.toString(), meta)`).
//!
//! An audit column named `create_user` or `create_by` holds a staff user's
//! id in one system and a login name in another; the name and the `varchar`
//! type cannot tell which. What the code writes into it can. This pass only
//! records the writes whose value reads as a user id or a user name; which
//! properties are operator audit columns, and what the project-wide
//! convention is, `classify::operator_fill` decides.

use super::FileFacts;
use crate::model::LineIndex;
use regex::Regex;
use std::sync::LazyLock;

/// What a write puts into a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FillValue {
    /// A user's key: `getUserId()`, `userId`, `user.getId()`, or a user
    /// object (`UserUtils.getUser()`, `new User(…)`), which an ORM stores as
    /// its key.
    Id,
    /// A user's login name: `getUsername()`, `getLoginName()`,
    /// `getNickName()`, `loginAccount`.
    LoginName,
    /// A user's own name shown in place of the account: `user.getName()`,
    /// `getRealName()`, `getDisplayName()`.
    DisplayName,
}

/// One write of a user id or name into a property.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditFill {
    /// The property written, snake case (`createUser` → `create_user`).
    pub property: String,
    /// What the value reads as.
    pub value: FillValue,
    /// The name that decided it, as written (`getUserId()`, `userName`).
    pub expr: String,
    /// 1-based line of the write.
    pub line: u32,
}

/// `setX(` as a call (not preceded by an identifier character).
static SETTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bset([A-Z]\w*)\s*\(").expect("valid regex"));
/// `.x(` in a builder chain.
static BUILDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.\s*([a-z]\w*)\s*\(").expect("valid regex"));
/// A fill handler call naming its property in a string literal (after the
/// meta object for `strictInsertFill`, `strictUpdateFill`, `fillStrategy`).
static FILL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"\b(?:setFieldValByName\s*\(\s*|(?:strict(?:Insert|Update)Fill|fillStrategy)\s*\(\s*\w+\s*,\s*)""#,
    )
    .expect("valid regex")
});
/// Identifiers of an expression.
static IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_$][\w$]*").expect("valid regex"));

/// Conversions and wrappers around the value, never its meaning.
const WRAPPERS: &[&str] = &[
    "toString",
    "valueOf",
    "String",
    "Long",
    "Integer",
    "toStr",
    "Convert",
    "Objects",
    "requireNonNull",
    "trim",
    "orElse",
    "intValue",
    "longValue",
    "StrUtil",
    "StringUtils",
    "Optional",
    "ofNullable",
    "of",
    "map",
    "get",
    "new",
    "this",
    "null",
];

/// Reads one Java file: `text` and `code` (comments and strings blanked,
/// same offsets).
pub fn read(text: &str, code: &str, facts: &mut FileFacts) {
    if crate::extract::is_test_source(&facts.file) {
        return;
    }
    let mut lines: Option<LineIndex> = None;
    let mut push = |facts: &mut FileFacts, property: String, at: usize, arg: &str| {
        let Some((value, expr)) = read_value(arg) else {
            return;
        };
        // A copy of the same property (`setUserName(u.getUserName())`) says
        // nothing about an audit column.
        if super::name_key(&expr_name(&expr)) == super::name_key(&property) {
            return;
        }
        let line = lines.get_or_insert_with(|| LineIndex::new(text)).line(at);
        facts.audit_fills.push(AuditFill {
            property,
            value,
            expr,
            line,
        });
    };
    for m in SETTER.captures_iter(code) {
        let (whole, prop) = (m.get(0).expect("match"), m.get(1).expect("group"));
        // `void setCreateBy(String createBy) {` declares, not calls.
        if code[..whole.start()].trim_end().ends_with("void") {
            continue;
        }
        let args = arguments(code, whole.end());
        if let [arg] = args.as_slice() {
            push(facts, super::java::snake(prop.as_str()), whole.start(), arg);
        }
    }
    if code.contains("builder()") {
        for m in BUILDER.captures_iter(code) {
            let (whole, prop) = (m.get(0).expect("match"), m.get(1).expect("group"));
            if !in_builder_chain(code, whole.start()) {
                continue;
            }
            let args = arguments(code, whole.end());
            if let [arg] = args.as_slice() {
                push(facts, super::java::snake(prop.as_str()), whole.start(), arg);
            }
        }
    }
    if code.contains("Fill") || code.contains("setFieldValByName") || code.contains("fillStrategy")
    {
        for m in FILL.captures_iter(code) {
            let whole = m.get(0).expect("match");
            let open = whole.end();
            let Some(len) = code[open..].find('"') else {
                continue;
            };
            let Some(property) = text.get(open..open + len) else {
                continue;
            };
            if property.is_empty() || !property.chars().all(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            // The value follows the literal (and a `Type.class` argument).
            let rest = open + len + 1;
            let args = arguments(code, rest);
            let arg = args.iter().skip(1).find(|a| !a.ends_with(".class"));
            if let Some(arg) = arg {
                push(facts, super::java::snake(property), whole.start(), arg);
            }
        }
    }
}

/// Whether the call at `at` is part of a statement that started a builder
/// (`X.builder()…`).
fn in_builder_chain(code: &str, at: usize) -> bool {
    let start = code[..at].rfind([';', '{', '}']).map_or(0, |i| i + 1);
    code[start..at].contains("builder()")
}

/// The arguments of the call whose `(` ends just before `open`: top-level
/// comma-separated parts up to the matching `)`. Parts before `open` (when
/// `open` is inside the list, after a first argument) are not included;
/// the text from `open` is read as the rest of the list, its first part
/// being whatever precedes the next top-level comma (often empty).
fn arguments(code: &str, open: usize) -> Vec<String> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = open;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => {
                out.push(code[start..i].trim().to_string());
                return out;
            }
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                out.push(code[start..i].trim().to_string());
                start = i + 1;
            }
            b';' => return Vec::new(),
            _ => {}
        }
        i += 1;
        if i - open > 400 {
            return Vec::new();
        }
    }
    Vec::new()
}

/// What an argument expression holds: the last identifier that is not a
/// conversion (`String.valueOf(user.getId())` → `getId`), read as a user
/// id, a user name or a user object. A literal, a constant or anything
/// else → `None`.
fn read_value(arg: &str) -> Option<(FillValue, String)> {
    let arg = arg.trim();
    // `new User(request.getOperator())`: a user object.
    if let Some(rest) = arg.strip_prefix("new ") {
        let ty = IDENT.find(rest)?.as_str();
        return user_object(ty).then(|| (FillValue::Id, format!("new {ty}(…)")));
    }
    let last = IDENT
        .find_iter(arg)
        .map(|m| (m.as_str(), arg[m.end()..].trim_start().starts_with('(')))
        .filter(|(w, _)| !WRAPPERS.contains(w))
        .last()?;
    // A constant (`InterfaceConstant.ZTO_USER`) is a fixed value, not a user's.
    if last.0.chars().all(|c| !c.is_ascii_lowercase()) {
        return None;
    }
    let shown = if last.1 {
        format!("{}()", last.0)
    } else {
        last.0.to_string()
    };
    let name = expr_name(last.0);
    let toks: Vec<&str> = name.split('_').filter(|t| !t.is_empty()).collect();
    let tail = *toks.last()?;
    let joined = toks.concat();
    if tail == "id" || tail == "uid" || joined == "userid" || joined == "loginid" {
        return Some((FillValue::Id, shown));
    }
    // `user_name` / `login_name` / `nick_name`: the account's names (RuoYi's
    // `userName` is the login, `nickName` the handle).
    let login = matches!(
        joined.as_str(),
        "username" | "nickname" | "loginname" | "account" | "loginaccount" | "useraccount"
    ) || (tail == "name"
        && toks.len() >= 2
        && matches!(toks[toks.len() - 2], "user" | "login" | "nick" | "account"));
    if login {
        return Some((FillValue::LoginName, shown));
    }
    if tail == "name" {
        return Some((FillValue::DisplayName, shown));
    }
    user_object(last.0).then_some((FillValue::Id, shown))
}

/// The property an identifier names: `getUserId` → `user_id`, `userName` →
/// `user_name`.
fn expr_name(ident: &str) -> String {
    let ident = ident.trim_end_matches("()");
    let bare = ident
        .strip_prefix("get")
        .filter(|r| r.starts_with(|c: char| c.is_ascii_uppercase()))
        .unwrap_or(ident);
    super::java::snake(bare)
        .trim_start_matches('_')
        .to_lowercase()
}

/// A user object (`user`, `sysUser`, `getLoginUser`, `User`): a reference
/// to a user entity, which an ORM mapping writes as the user's key.
fn user_object(ident: &str) -> bool {
    let name = expr_name(ident);
    name.rsplit('_').next() == Some("user")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fills(src: &str) -> Vec<(String, FillValue, String)> {
        let mut facts = FileFacts {
            file: "src/main/java/A.java".into(),
            ..FileFacts::default()
        };
        read(src, &super::super::java::code_only(src), &mut facts);
        facts
            .audit_fills
            .into_iter()
            .map(|f| (f.property, f.value, f.expr))
            .collect()
    }

    #[test]
    fn setters_builders_and_fill_handlers() {
        let src = r#"
class A {
  void a() {
    order.setCreateUser(ShiroUtil.getUserId());
    setUpdateBy(getUsername());
    x.setCreator(String.valueOf(loginUser.getId()));
    x.setUpdater(userId.toString());
    x.setCreateBy(UserUtils.getUser());
    x.setModifyUser(new User(req.getOperator()));
    X y = X.builder().createBy(loginUser.getUserName()).title(t).build();
    this.strictInsertFill(meta, "createBy", String.class, SecurityUtils.getLoginName());
    setFieldValByName("updater", userId, metaObject);
    x.setOpUser(auth.getUser().getName());
    this.fillStrategy(metaObject, "modifier", () -> loginUser.getNickName());
  }
}"#;
        let got = fills(src);
        let want = [
            ("create_user", FillValue::Id, "getUserId()"),
            ("update_by", FillValue::LoginName, "getUsername()"),
            ("creator", FillValue::Id, "getId()"),
            ("updater", FillValue::Id, "userId"),
            ("create_by", FillValue::Id, "getUser()"),
            ("modify_user", FillValue::Id, "new User(…)"),
            ("create_by", FillValue::LoginName, "getUserName()"),
            ("create_by", FillValue::LoginName, "getLoginName()"),
            ("updater", FillValue::Id, "userId"),
            ("modifier", FillValue::LoginName, "getNickName()"),
            ("op_user", FillValue::DisplayName, "getName()"),
        ];
        for w in want {
            assert!(
                got.iter().any(|g| g.0 == w.0 && g.1 == w.1 && g.2 == w.2),
                "missing {w:?} in {got:?}"
            );
        }
    }

    #[test]
    fn literals_constants_copies_and_declarations_are_not_evidence() {
        let src = r#"
class A {
  public void setCreateBy(String createBy) { this.createBy = createBy; }
  void a() {
    x.setCreateUser("-1");
    x.setUpdateBy(InterfaceConstant.ZTO_USER);
    x.setCreateBy(entity.getCreateBy());
    x.setUserName(u.getUserName());
    x.setTitle(title);
    // x.setCreateBy(getUsername());
  }
}"#;
        assert_eq!(fills(src), Vec::<(String, FillValue, String)>::new());
    }

    #[test]
    fn test_sources_are_not_read() {
        let mut facts = FileFacts {
            file: "src/test/java/ATest.java".into(),
            ..FileFacts::default()
        };
        let src = "class A { void a() { x.setCreateBy(getUsername()); } }";
        read(src, &super::super::java::code_only(src), &mut facts);
        assert!(facts.audit_fills.is_empty());
    }
}
