//! Seed data in SQL scripts: an `INSERT` into a user/account table that
//! creates a well-known administrator login (`admin`, `root`,
//! `administrator`…) → `seeded_admin_account` (an extended control, see
//! [`super::EXTENDED_CONTROL_KINDS`], e.g. `mlps-l3`); one whose values
//! contain the MD5, SHA-1 or SHA-256 of a well-known default password, or a
//! published bcrypt example hash → `default_password_hash` (every pack:
//! `mlps-l3` and cn-2026's CNPI-057); a settings row whose initial-password
//! key holds a well-known default → `default_password_literal` (CNPI-057).
//! Only the table, the login name and the hash algorithm are kept, never
//! a hash or a password.

use super::FileFacts;
use crate::model::{Control, LineIndex, Location};
use regex::Regex;
use std::sync::LazyLock;

/// Hashes of default passwords everyone tries first (admin, 123456,
/// admin123, password, 111111, 12345678, 123456789, admin888, root,
/// 000000, 888888, Admin@123, 1qaz2wsx), with their algorithm; and the
/// bcrypt of `password` printed in the Spring Security reference.
const DEFAULT_HASHES: &[(&str, &str)] = &[
    ("21232f297a57a5a743894a0e4a801fc3", "MD5"),
    ("e10adc3949ba59abbe56e057f20f883e", "MD5"),
    ("0192023a7bbd73250516f069df18b500", "MD5"),
    ("5f4dcc3b5aa765d61d8327deb882cf99", "MD5"),
    ("96e79218965eb72c92a549dd5a330112", "MD5"),
    ("25d55ad283aa400af464c76d713c07ad", "MD5"),
    ("25f9e794323b453885f5181f1b624d0b", "MD5"),
    ("7fef6171469e80d32c0559f88b377245", "MD5"),
    ("63a9f0ea7bb98050796b649e85481845", "MD5"),
    ("670b14728ad9902aecba32e22fa4f6bd", "MD5"),
    ("21218cca77804d2ba1922c33e0151105", "MD5"),
    ("0e7517141fb53f21ee439b355b5a1d0a", "MD5"),
    ("1c63129ae9db9c60c3e8aa94d3e00495", "MD5"),
    ("d033e22ae348aeb5660fc2140aec35850c4da997", "SHA-1"),
    ("7c4a8d09ca3762af61e59520943dc26494f8941b", "SHA-1"),
    ("f865b53623b121fd34ee5426c792e5c33af8c227", "SHA-1"),
    ("5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "SHA-1"),
    (
        "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918",
        "SHA-256",
    ),
    (
        "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92",
        "SHA-256",
    ),
    (
        "240be518fabd2724ddb6f04eeb1da5967448d7e831c08c8fa822809f74c720a9",
        "SHA-256",
    ),
    (
        "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
        "SHA-256",
    ),
    (
        "$2a$10$dxj3sw6g7p50lgmmkkmwe.20cqqubk3.hzwzg3yb1tlry.fqvm/bg",
        "bcrypt",
    ),
];

/// The well-known default passwords of [`DEFAULT_HASHES`], for the salted
/// and double hashes a seed row may store beside its salt.
const DEFAULT_PASSWORDS: &[&str] = &[
    "admin",
    "123456",
    "admin123",
    "password",
    "111111",
    "12345678",
    "123456789",
    "admin888",
    "root",
    "000000",
    "888888",
    "Admin@123",
    "1qaz2wsx",
];

/// A seed statement larger than this is a data dump, not a seed row: the
/// salted check (a few hundred MD5s per row) is skipped there.
const SALTED_CHECK_MAX: usize = 16 * 1024;

fn md5_hex(text: &str) -> String {
    use md5::Digest;
    let d = md5::Md5::digest(text.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a seed row's MD5 password was made from a guessable password, if it
/// was: a well-known default or the row's own login name, alone or with the
/// row's salt (`md5(p + salt)`, `md5(salt + p)`, `md5(md5(p) + salt)`,
/// `md5(salt + md5(p))`). `values` are the row's quoted values.
fn guessable_md5(values: &[&str]) -> Option<&'static str> {
    let hashes: Vec<String> = values
        .iter()
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|v| v.to_ascii_lowercase())
        .collect();
    if hashes.is_empty() {
        return None;
    }
    // Short values of the row: its salt and its login name are among them.
    let others: Vec<&str> = values
        .iter()
        .copied()
        .filter(|v| (1..=32).contains(&v.len()) && !v.contains(char::is_whitespace))
        .filter(|v| !(v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit())))
        .take(16)
        .collect();
    let logins: Vec<&str> = others
        .iter()
        .copied()
        .filter(|v| {
            (3..=20).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .filter(|v| !v.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let hit = |h: &str| hashes.iter().any(|x| x == h);
    for p in &logins {
        if hit(&md5_hex(p)) {
            return Some("MD5 of the account's own login name / 登录名的 MD5");
        }
    }
    for p in DEFAULT_PASSWORDS
        .iter()
        .copied()
        .chain(logins.iter().copied())
    {
        let inner = md5_hex(p);
        for salt in &others {
            if *salt == p {
                continue;
            }
            for candidate in [
                format!("{p}{salt}"),
                format!("{salt}{p}"),
                format!("{inner}{salt}"),
                format!("{salt}{inner}"),
            ] {
                if hit(&md5_hex(&candidate)) {
                    return Some("salted MD5 of a guessable password (a well-known default or the login name) / 加盐 MD5 的可猜测口令");
                }
            }
        }
    }
    None
}

/// Login names of default administrator accounts.
const ADMIN_NAMES: &[&str] = &[
    "admin",
    "root",
    "administrator",
    "superadmin",
    "sysadmin",
    "super_admin",
    "system",
];

static INSERT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\binsert\s+(?:ignore\s+)?into\s+[`"\[]?(?:\w+[`"\]]?\.[`"\[]?)?(\w+)[`"\]]?"#)
        .expect("valid regex")
});
static QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"'([^'\\]{1,64})'").expect("valid regex"));

/// Whether a table name is one of user or operator accounts.
fn account_table(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "user", "admin", "account", "operator", "manager", "staff", "member", "login",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Reads the seed `INSERT`s of one SQL file.
pub fn read(file: &str, text: &str, facts: &mut FileFacts) {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("insert") {
        return;
    }
    let lines = LineIndex::new(text);
    // Each statement runs to the next INSERT; only the previous match is
    // kept, so a dump of millions of rows costs no memory here.
    let mut matches = INSERT
        .captures_iter(text)
        .map(|c| {
            (
                c.get(0).map_or(0, |m| m.start()),
                c.get(1).map_or("", |m| m.as_str()),
            )
        })
        .peekable();
    while let Some((start, table)) = matches.next() {
        let end = matches.peek().map_or(text.len(), |(s, _)| *s);
        if !account_table(table) {
            initial_password_setting(file, table, &text[start..end], lines.line(start), facts);
            continue;
        }
        let stmt = &text[start..end];
        let stmt_lower = &lower[start..end];
        let line = lines.line(start);
        let mut push = |kind: &str, value: String| {
            facts.controls.push(Control {
                subject: Some(table.to_string()),
                value: Some(value),
                ..Control::at(kind, Location::line(file, line))
            });
        };
        if let Some(name) = QUOTED
            .captures_iter(stmt)
            .map(|c| c[1].to_ascii_lowercase())
            .find(|v| ADMIN_NAMES.contains(&v.as_str()))
        {
            push("seeded_admin_account", name);
        }
        if let Some((_, alg)) = DEFAULT_HASHES.iter().find(|(h, _)| stmt_lower.contains(h)) {
            push(
                "default_password_hash",
                format!("{alg} hash of a well-known default password"),
            );
        } else if stmt.len() <= SALTED_CHECK_MAX {
            // Row by row (`VALUES (…), (…)`): a salt belongs to its own row.
            let guessed = stmt.split("),").find_map(|row| {
                let values: Vec<&str> = QUOTED
                    .captures_iter(row)
                    .filter_map(|c| c.get(1))
                    .map(|m| m.as_str())
                    .collect();
                guessable_md5(&values)
            });
            if let Some(how) = guessed {
                push("default_password_hash", how.to_string());
            }
        }
    }
}

/// A settings row (RuoYi's `sys_config` `sys.user.initPassword`, and the
/// like) whose key names the initial or reset password and whose value is a
/// well-known default → `default_password_literal` (issue 20). The value is
/// never kept.
fn initial_password_setting(file: &str, table: &str, stmt: &str, line: u32, facts: &mut FileFacts) {
    static KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^[\w.]*(?:init|initial|default|reset)[._]?(?:password|passwd|pwd)$")
            .expect("valid regex")
    });
    let values: Vec<&str> = QUOTED
        .captures_iter(stmt)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .collect();
    // A master password (万能密码) opens every account, whatever its value.
    static MASTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^[\w.]*(?:super|master|universal|backdoor)[._]?(?:password|passwd|pwd)$")
            .expect("valid regex")
    });
    let hit = values
        .windows(2)
        .find(|w| KEY.is_match(w[0]) && super::java_services::is_default_password(w[1].trim()))
        .map(|w| (w[0], "well-known default password / 常见默认口令"))
        .or_else(|| {
            values
                .windows(2)
                .find(|w| {
                    let v = w[1].trim();
                    MASTER.is_match(w[0]) && !v.is_empty() && !v.starts_with("${")
                })
                .map(|w| {
                    (
                        w[0],
                        "master password that logs into any account / 可登录任意账户的万能密码",
                    )
                })
        });
    if let Some((key, what)) = hit {
        facts.controls.push(Control {
            subject: Some(format!("{table}.{key}")),
            value: Some(what.into()),
            ..Control::at("default_password_literal", Location::line(file, line))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_password_settings() {
        let mut f = FileFacts::default();
        read(
            "ry.sql",
            "insert into sys_config values(1, '主框架页-默认皮肤', 'sys.index.skinName', 'skin-blue', 'Y');\ninsert into sys_config values(2, '用户管理-账号初始密码', 'sys.user.initPassword', '123456', 'Y');\ninsert into sys_config values(3, 'x', 'sys.user.initPassword', 'Xk#92!long', 'Y');\n",
            &mut f,
        );
        let got: Vec<(&str, u32, Option<&str>)> = f
            .controls
            .iter()
            .map(|c| (c.kind.as_str(), c.location.line, c.subject.as_deref()))
            .collect();
        assert_eq!(
            got,
            [(
                "default_password_literal",
                2,
                Some("sys_config.sys.user.initPassword")
            )]
        );
    }

    #[test]
    fn salted_and_login_name_hashes_are_guessed() {
        // md5(md5("123456") + "k9Qz7A"), md5("teacher01"), and a random password's.
        assert!(
            guessable_md5(&["1", "ops", "46d3b1dc4e9533b44f7a38466a33d451", "k9Qz7A"]).is_some()
        );
        assert!(guessable_md5(&["3", "teacher01", "bd128dc6aad0ba0b69d62f1258f66253"]).is_some());
        assert!(
            guessable_md5(&["1", "ops", "deecae1587648dc72765452d9a1cda82", "k9Qz7A"]).is_none()
        );
        assert!(guessable_md5(&["1", "ops", "no hash here"]).is_none());
    }

    #[test]
    fn admin_and_default_hashes() {
        let mut f = FileFacts::default();
        read(
            "seed.sql",
            "CREATE TABLE sys_user (id int, login_name varchar(30), password varchar(64));\n\
             INSERT INTO `sys_user` VALUES (1, 'admin', 'E10ADC3949BA59ABBE56E057F20F883E');\n\
             INSERT INTO product VALUES (1, 'admin');\n\
             INSERT INTO t_member (id, name) VALUES (2, 'zhang');\n",
            &mut f,
        );
        let k: Vec<(&str, u32)> = f
            .controls
            .iter()
            .map(|c| (c.kind.as_str(), c.location.line))
            .collect();
        assert_eq!(
            k,
            [("seeded_admin_account", 2), ("default_password_hash", 2)]
        );
        assert!(f
            .controls
            .iter()
            .all(|c| !c.value.as_deref().unwrap_or("").contains("e10adc")));
    }
}
