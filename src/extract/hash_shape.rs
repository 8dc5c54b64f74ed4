//! What a stored value's shape says about how it was protected: a bcrypt,
//! Argon2, PBKDF2 or scrypt string, a Spring `{id}` prefix, a hex digest of
//! MD5/SHA-1/SHA-256 length, a Jasypt `ENC(…)` value. Read on seed rows
//! (`INSERT … VALUES`) by assembly, which records the algorithm (never the
//! value) as a `stored_hash` control on the column.

/// How well an algorithm protects a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// A slow, salted password hash (bcrypt, scrypt, Argon2, PBKDF2, SHA-crypt).
    Slow,
    /// A fast digest (MD5, SHA-1, SHA-256/SM3), reversible by tables or brute force.
    Fast,
    /// Not hashed: Spring's `{noop}` prefix.
    Plain,
    /// Reversibly encrypted (Jasypt `ENC(…)`): protected at rest, but not a hash.
    Encrypted,
}

impl Strength {
    /// Lower-case name, as rules read it (`field.password.strength`).
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Slow => "slow",
            Strength::Fast => "fast",
            Strength::Plain => "plain",
            Strength::Encrypted => "encrypted",
        }
    }
}

/// Algorithm names this module gives, with their strength.
const ALGORITHMS: &[(&str, Strength)] = &[
    ("bcrypt", Strength::Slow),
    ("argon2", Strength::Slow),
    ("PBKDF2", Strength::Slow),
    ("scrypt", Strength::Slow),
    ("SHA-crypt", Strength::Slow),
    ("MD5-crypt", Strength::Fast),
    ("MD5", Strength::Fast),
    ("SHA-1", Strength::Fast),
    ("SHA-256/SM3", Strength::Fast),
    ("SHA-512", Strength::Fast),
    ("salted hex digest", Strength::Fast),
    ("noop", Strength::Plain),
    ("Jasypt ENC()", Strength::Encrypted),
    ("AES_ENCRYPT()", Strength::Encrypted),
    ("SM4_ENCRYPT()", Strength::Encrypted),
    ("PGP_SYM_ENCRYPT()", Strength::Encrypted),
    ("PGP_PUB_ENCRYPT()", Strength::Encrypted),
    ("GS_ENCRYPT()", Strength::Encrypted),
    ("ENCRYPT()", Strength::Encrypted),
    ("MD5()", Strength::Fast),
    ("SHA1()", Strength::Fast),
    ("SHA2()", Strength::Fast),
];

/// Prefix of the marker a seed value gets when it is a call of a DB-side
/// encryption or digest function (see [`db_function`]); never a real value.
pub const DB_FUNCTION_MARK: &str = "\u{1}dbfn:";

/// DB-side functions that encrypt or digest a value in `INSERT … VALUES`,
/// lower-case, longest first (so `aes_encrypt` is not read as `encrypt`).
const DB_FUNCTIONS: &[(&str, &str)] = &[
    ("pgp_sym_encrypt", "PGP_SYM_ENCRYPT()"),
    ("pgp_pub_encrypt", "PGP_PUB_ENCRYPT()"),
    ("aes_encrypt", "AES_ENCRYPT()"),
    ("sm4_encrypt", "SM4_ENCRYPT()"),
    ("gs_encrypt_aes128", "GS_ENCRYPT()"),
    ("gs_encrypt", "GS_ENCRYPT()"),
    ("encrypt", "ENCRYPT()"),
    ("sha1", "SHA1()"),
    ("sha2", "SHA2()"),
    ("md5", "MD5()"),
];

/// The DB-side encryption or digest function a value expression calls
/// (`AES_ENCRYPT('x', @key)`, `HEX(SM4_ENCRYPT(…))`), if any.
pub fn db_function(expr: &str) -> Option<&'static str> {
    let lower = expr.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    for (name, label) in DB_FUNCTIONS {
        let mut from = 0;
        while let Some(i) = lower[from..].find(name) {
            let at = from + i;
            let end = at + name.len();
            let word_start =
                at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
            let call = lower[end..].trim_start().starts_with('(');
            if word_start && call {
                return Some(label);
            }
            from = end;
        }
    }
    None
}

/// The strength of an algorithm name given by [`shape`].
pub fn strength(algorithm: &str) -> Option<Strength> {
    ALGORITHMS
        .iter()
        .find(|(a, _)| *a == algorithm)
        .map(|(_, s)| *s)
}

/// The algorithm a value's shape shows, if any. `hex_too`: also read bare
/// hex digests (only for columns named as passwords, where a 32-hex value
/// is an MD5 and not an id).
pub fn shape(value: &str, hex_too: bool) -> Option<&'static str> {
    if let Some(f) = value.strip_prefix(DB_FUNCTION_MARK) {
        return ALGORITHMS.iter().find(|(a, _)| *a == f).map(|(a, _)| *a);
    }
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix('{') {
        let (id, tail) = rest.split_once('}')?;
        return match id {
            "bcrypt" => Some("bcrypt"),
            "argon2" | "argon2@spring-security_v5_8" => Some("argon2"),
            "pbkdf2" | "pbkdf2@spring-security_v5_8" => Some("PBKDF2"),
            "scrypt" | "scrypt@spring-security_v5_8" => Some("scrypt"),
            "noop" => Some("noop"),
            "md5" | "md4" => Some("MD5"),
            "sha" | "sha-1" | "ssha" => Some("SHA-1"),
            "sha256" | "sha-256" => Some("SHA-256/SM3"),
            _ => shape(tail, hex_too),
        };
    }
    let b = v.as_bytes();
    if b.len() == 60
        && (lower.starts_with("$2a$") || lower.starts_with("$2b$") || lower.starts_with("$2y$"))
    {
        return Some("bcrypt");
    }
    if lower.starts_with("$argon2") {
        return Some("argon2");
    }
    if lower.starts_with("pbkdf2_") || lower.starts_with("$pbkdf2") {
        return Some("PBKDF2");
    }
    if lower.starts_with("$s0$") || lower.starts_with("$scrypt") || lower.starts_with("$7$") {
        return Some("scrypt");
    }
    if lower.starts_with("$5$") || lower.starts_with("$6$") {
        return Some("SHA-crypt");
    }
    if lower.starts_with("$1$") {
        return Some("MD5-crypt");
    }
    if v.starts_with("ENC(") && v.ends_with(')') && v.len() > 6 {
        return Some("Jasypt ENC()");
    }
    if hex_too && !b.is_empty() && b.iter().all(u8::is_ascii_hexdigit) {
        return match b.len() {
            32 => Some("MD5"),
            40 => Some("SHA-1"),
            64 => Some("SHA-256/SM3"),
            128 => Some("SHA-512"),
            // A salt written before or after a digest (e.g. 16 + 40).
            n if n > 32 && n < 160 => Some("salted hex digest"),
            _ => None,
        };
    }
    None
}

/// Splits at commas outside parentheses and quotes.
fn split_top(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut quote, mut start) = (Vec::new(), 0i32, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => depth -= 1,
            ',' if !quote && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn bare(name: &str) -> String {
    let n = name.trim().rsplit('.').next().unwrap_or_default();
    n.trim_matches(|c| c == '`' || c == '"' || c == '[' || c == ']')
        .to_string()
}

/// Columns an `INSERT … (cols) VALUES (…)` or `UPDATE … SET col = …`
/// statement writes through a DB-side encryption function
/// (`AES_ENCRYPT(?, @k)`): (table as written, column, function).
pub fn encrypted_writes(sql: &str) -> Vec<(String, String, &'static str)> {
    use regex::Regex;
    use std::sync::LazyLock;
    static INSERT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?is)^\s*(?:insert|replace)\s+(?:ignore\s+)?(?:into\s+)?([\w`"\[\].]+)\s*\(([^()]*)\)\s*values?\s*\((.*)\)"#)
            .expect("valid regex")
    });
    static UPDATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?is)^\s*update\s+([\w`"\[\].]+)(?:\s+\w+)?\s+set\s+(.*?)(?:\bwhere\b|$)"#)
            .expect("valid regex")
    });
    let encrypts =
        |expr: &str| db_function(expr).filter(|f| strength(f) == Some(Strength::Encrypted));
    let mut out = Vec::new();
    // Every encryption function's name contains `encrypt`: a cheap test, no
    // copy, before any regex runs over a statement.
    if !sql
        .as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"encrypt"))
    {
        return out;
    }
    if let Some(c) = INSERT.captures(sql) {
        let table = bare(&c[1]);
        let columns = split_top(&c[2]);
        let values = split_top(&c[3]);
        if columns.len() == values.len() {
            for (col, v) in columns.iter().zip(values) {
                if let Some(f) = encrypts(v) {
                    out.push((table.clone(), bare(col), f));
                }
            }
        }
    } else if let Some(c) = UPDATE.captures(sql) {
        let table = bare(&c[1]);
        for a in split_top(&c[2]) {
            if let Some((col, v)) = a.split_once('=') {
                if let Some(f) = encrypts(v) {
                    out.push((table.clone(), bare(col), f));
                }
            }
        }
    }
    out
}

/// Words that make a password-named column a setting or a code about
/// passwords (`pwd_type`, `password_expire_time`, `type_flag`), not one.
const ABOUT_PASSWORDS: &[&str] = &[
    "type", "flag", "status", "mode", "way", "kind", "rule", "policy", "expire", "time", "date",
    "count", "length", "len", "strength", "level", "hint", "question", "error", "retry", "salt",
];

/// Whether a column's name makes it a setting or a code (`type_flag`,
/// `pwd_expire_time`, `login_salt`) rather than a value.
pub fn setting_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.split(|c: char| c == '_' || c.is_ascii_digit())
        .any(|part| ABOUT_PASSWORDS.contains(&part))
        || ABOUT_PASSWORDS
            .iter()
            .any(|w| n.ends_with(w) && n.len() > w.len())
}

/// Whether a column's name or comment says it holds passwords.
pub fn password_column(name: &str, comment: Option<&str>) -> bool {
    if setting_name(name) {
        return false;
    }
    let n = name.to_ascii_lowercase();
    let named = ["pass", "pwd", "passwd"].iter().any(|w| n.contains(w));
    named
        || comment.is_some_and(|c| {
            let c = c.to_lowercase();
            c.contains("密码") || c.contains("口令") || c.contains("password")
        })
}

/// Why a password column of a table is no person's login password, if
/// the table says so: it sits beside a key of a device (`machine_id`,
/// `lock_id`: a door or locker PIN the device must compare and the app
/// must show or send, so it cannot be hashed), or beside an integration's
/// own credentials (`app_secret`, `mch_id`, `api_key`: a merchant's
/// payment or API key used to sign requests). Such a secret is
/// configuration, not a user password needing a slow hash.
pub fn thing_secret(columns: &[&str]) -> Option<String> {
    const DEVICE: &[&str] = &[
        "machine",
        "device",
        "lock",
        "door",
        "gate",
        "locker",
        "equipment",
        "terminal",
    ];
    const INTEGRATION: &[&str] = &[
        "appsecret",
        "app_secret",
        "api_key",
        "apikey",
        "api_secret",
        "mch_id",
        "mchid",
        "mch_key",
        "merchant_key",
        "merchant_id",
        "secret_key",
        "private_key",
        "partner_key",
    ];
    for c in columns {
        let toks = crate::extract::name_words(c);
        let keyed = toks.len() >= 2
            && matches!(toks.last().map(String::as_str), Some("id" | "no" | "code"))
            && toks[..toks.len() - 1]
                .iter()
                .any(|t| DEVICE.contains(&t.as_str()));
        if keyed {
            return Some(format!("beside the device key `{c}`"));
        }
        let joined = toks.join("_");
        if INTEGRATION
            .iter()
            .any(|w| joined == *w || joined == w.replace('_', ""))
        {
            return Some(format!("beside the integration credential `{c}`"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_of_devices_and_integrations_are_no_login_passwords() {
        assert!(thing_secret(&["id", "machine_id", "pwd"]).is_some());
        assert!(thing_secret(&["wechat_id", "appSecret", "pay_password"]).is_some());
        assert!(thing_secret(&["id", "mch_id", "pay_password"]).is_some());
        assert_eq!(thing_secret(&["id", "username", "password", "salt"]), None);
        assert_eq!(
            thing_secret(&["user_id", "device_type", "pay_password"]),
            None
        );
        assert_eq!(crate::extract::name_words("appSecret"), ["app", "secret"]);
        assert_eq!(crate::extract::name_words("MCH_ID"), ["mch", "id"]);
    }

    #[test]
    fn shapes_of_common_hashes() {
        let bcrypt = format!("$2a$10${}", "a".repeat(53));
        assert_eq!(shape(&bcrypt, false), Some("bcrypt"));
        assert_eq!(shape(&format!("{{bcrypt}}{bcrypt}"), false), Some("bcrypt"));
        assert_eq!(shape("{noop}secret", false), Some("noop"));
        assert_eq!(shape("$argon2id$v=19$m=65536", false), Some("argon2"));
        assert_eq!(shape("pbkdf2_sha256$600000$x$y", false), Some("PBKDF2"));
        assert_eq!(shape("ENC(Zm9vYmFy)", false), Some("Jasypt ENC()"));
        let md5 = "0123456789abcdef0123456789abcdef";
        assert_eq!(shape(md5, false), None, "hex only when asked");
        assert_eq!(shape(md5, true), Some("MD5"));
        assert_eq!(shape(&"ab".repeat(20), true), Some("SHA-1"));
        assert_eq!(shape(&"ab".repeat(28), true), Some("salted hex digest"));
        assert_eq!(shape("123456", true), None);
        assert_eq!(shape("{unclosed", true), None);
        for (a, _) in ALGORITHMS {
            assert!(strength(a).is_some());
        }
        assert_eq!(strength("bcrypt"), Some(Strength::Slow));
        assert_eq!(strength("MD5"), Some(Strength::Fast));
    }

    #[test]
    fn db_side_functions() {
        assert_eq!(db_function("AES_ENCRYPT('x', @k)"), Some("AES_ENCRYPT()"));
        assert_eq!(
            db_function("hex(sm4_encrypt('x','k'))"),
            Some("SM4_ENCRYPT()")
        );
        assert_eq!(
            db_function("pgp_sym_encrypt('x', 'k')"),
            Some("PGP_SYM_ENCRYPT()")
        );
        assert_eq!(db_function("md5('x')"), Some("MD5()"));
        assert_eq!(db_function("'encrypt me'"), None);
        assert_eq!(db_function("now()"), None);
        assert_eq!(
            encrypted_writes(
                "INSERT INTO t_user (id, id_card, name) VALUES (?, AES_ENCRYPT(?, 'k'), ?)"
            ),
            [("t_user".to_string(), "id_card".to_string(), "AES_ENCRYPT()")]
        );
        assert_eq!(
            encrypted_writes(
                "UPDATE `t_user` u SET u.mobile = sm4_encrypt(?, @k), name = ? WHERE id = ?"
            ),
            [("t_user".to_string(), "mobile".to_string(), "SM4_ENCRYPT()")]
        );
        assert!(encrypted_writes("UPDATE t SET pwd = md5(?) WHERE id = 1").is_empty());
        assert!(encrypted_writes("INSERT INTO t (a) VALUES (1)").is_empty());
        let marked = format!("{DB_FUNCTION_MARK}AES_ENCRYPT()");
        assert_eq!(shape(&marked, false), Some("AES_ENCRYPT()"));
        assert_eq!(strength("AES_ENCRYPT()"), Some(Strength::Encrypted));
    }

    #[test]
    fn password_columns_by_name_or_comment() {
        assert!(password_column("login_pwd", None));
        assert!(password_column("password_md5", None));
        assert!(password_column("secret_x", Some("登录密码")));
        assert!(!password_column("uuid", Some("主键")));
        assert!(!password_column("type_flag", Some("类型：固定密码")));
        assert!(!password_column("pwd_expire_time", None));
        assert!(!password_column("login_salt", Some("密码盐")));
        assert!(password_column("passwordMd5", None));
        assert!(password_column("PASSWORD_", None));
    }
}
