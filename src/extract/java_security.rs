//! Security controls in Java code, for packs that read the extended
//! controls (see [`super::EXTENDED_CONTROL_KINDS`], e.g. `mlps-l3`):
//!
//! - paths opened without authentication: Spring Security
//!   `antMatchers/requestMatchers(…).permitAll()|anonymous()`,
//!   `web.ignoring()`, Shiro `filterChainDefinitionMap.put("/x", "anon")`,
//!   interceptor `excludePathPatterns(…)` and Sa-Token `notMatch(…)`
//!   → `unauthenticated_path` per path; `.authenticated()`, Shiro
//!   `authc`/`user`, Sa-Token `checkLogin`/`SaInterceptor` → `auth_required`;
//! - password hashing: BCrypt/Argon2/SCrypt/PBKDF2 encoders and SM3 →
//!   `password_hash_strong`; `NoOpPasswordEncoder`, MD5/SHA-1 encoders and
//!   MD5 digests on a line about passwords → `password_hash_weak`;
//! - cryptography: SM2/SM3/SM4 (BouncyCastle, Hutool `SmUtil`) →
//!   `sm_crypto`; DES, 3DES, RC4 and AES in ECB mode → `weak_cipher`; a key
//!   written as a string literal (`new SecretKeySpec("…".getBytes(), …)`)
//!   → `hardcoded_key` (the key itself is never kept);
//! - operation/audit logging annotations (`@Log`, `@OperLog`, `@AuditLog`…)
//!   → `audit_log`; `@Valid`/`@Validated` and XSS filters →
//!   `input_validation`; TOTP / Google Authenticator → `mfa`; retry limits
//!   and locked-account exceptions → `login_lockout`; Shiro's global
//!   session timeout → `session_timeout` (minutes).
//!
//! Matching runs on the code with comments and string contents blanked
//! ([`super::java::code_only`]), reading string literals from the source at
//! the same offsets, so commented-out code never counts.

use super::FileFacts;
use crate::model::{Control, LineIndex, Location};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// Words one of which a file must contain to be read at all.
const TRIGGERS: &[&str] = &[
    "permitall",
    "anonymous",
    "ignoring",
    "\"anon\"",
    "excludepathpatterns",
    "notmatch",
    "passwordencoder",
    "md5",
    "sha1",
    "sha-1",
    "messagedigest",
    "sethashalgorithmname",
    "sm2",
    "sm3",
    "sm4",
    "cipher",
    "secretkeyspec",
    "@log",
    "operlog",
    "auditlog",
    "syslog",
    "oplog",
    "@valid",
    "xss",
    "totp",
    "authenticator",
    "retry",
    "lockedaccount",
    "excessiveattempts",
    "sessiontimeout",
    "checklogin",
    "authenticated",
    "authc",
    "timeunit",
    "maxinactiveinterval",
    "htmlescape",
    "jsoup",
    "bcrypt",
    "sainterceptor",
    "hasrole",
    "hasauthority",
];

struct Patterns {
    open_matchers: Regex,
    ignoring: Regex,
    shiro_anon: Regex,
    excludes: Regex,
    literal: Regex,
    auth_required: Regex,
    strong_encoder: Regex,
    weak_encoder: Regex,
    md5_call: Regex,
    digest_instance: Regex,
    shiro_hash: Regex,
    sm: Regex,
    cipher: Regex,
    key_literal: Regex,
    audit: Regex,
    validation: Regex,
    mfa: Regex,
    lockout: Regex,
    shiro_timeout: Regex,
    redis_session: Regex,
    token_ttl: Regex,
}

static P: LazyLock<Patterns> = LazyLock::new(|| {
    let re = |s: &str| Regex::new(s).expect("valid regex");
    Patterns {
        open_matchers: re(
            r"(?:antMatchers|requestMatchers|mvcMatchers|pathMatchers|regexMatchers)\s*\(([^()]*)\)\s*\.\s*(permitAll|anonymous)\s*\(",
        ),
        ignoring: re(
            r"ignoring\s*\(\s*\)\s*\.\s*(?:antMatchers|requestMatchers|mvcMatchers)\s*\(([^()]*)\)",
        ),
        shiro_anon: re(r#"\.put\s*\(\s*"([^"]+)"\s*,\s*"anon"\s*\)"#),
        excludes: re(r"(?:excludePathPatterns|notMatch)\s*\(([^()]*)\)"),
        literal: re(r#""([^"\\]*)""#),
        auth_required: re(
            r#"\.\s*authenticated\s*\(|StpUtil\s*\.\s*checkLogin|new\s+SaInterceptor|"authc"|\.\s*hasAuthority\s*\(|\.\s*hasRole\s*\("#,
        ),
        strong_encoder: re(
            r"new\s+(BCryptPasswordEncoder|Argon2PasswordEncoder|SCryptPasswordEncoder|Pbkdf2PasswordEncoder)\b|BCrypt\s*\.\s*hashpw|createDelegatingPasswordEncoder",
        ),
        weak_encoder: re(
            r"\b(NoOpPasswordEncoder|Md5PasswordEncoder|ShaPasswordEncoder|LdapShaPasswordEncoder|MessageDigestPasswordEncoder)\b",
        ),
        md5_call: re(
            r"(?:DigestUtils\s*\.\s*(?:md5Hex|md5DigestAsHex|md5|sha1Hex)|SecureUtil\s*\.\s*(?:md5|sha1)|new\s+Md5Hash|Md5Utils\s*\.\s*hash|MD5Util\w*\s*\.\s*\w+)\s*\(",
        ),
        digest_instance: re(r#"MessageDigest\s*\.\s*getInstance\s*\(\s*"(?i:(MD5|SHA-?1))""#),
        shiro_hash: re(r#"setHashAlgorithmName\s*\(\s*"(?i:(md5|sha-?1))""#),
        sm: re(
            r"\b(?:SmUtil\s*\.\s*(sm[234])|(SM[234])(?:Engine|Digest|Signer|Util|Utils)\b|new\s+(SM[234])\s*\()",
        ),
        cipher: re(r#"Cipher\s*\.\s*getInstance\s*\(\s*"([^"]+)""#),
        key_literal: re(
            r#"(?:new\s+SecretKeySpec|SecureUtil\s*\.\s*(?:aes|des)|SmUtil\s*\.\s*sm4)\s*\(\s*"[^"]*"\s*\.\s*getBytes"#,
        ),
        audit: re(
            r"@(Log|OperLog|OperationLog|AuditLog|SysLog|OpLog|ApiLog|OperateLog|BusinessLog)\s*\(",
        ),
        validation: re(
            r"@(Valid|Validated)\b|\bXssFilter\b|HtmlUtils\s*\.\s*htmlEscape|Jsoup\s*\.\s*clean",
        ),
        mfa: re(r"(?i)google_?authenticator|\btotp\w*|TimeBasedOneTime|otpauth"),
        lockout: re(
            r"\b(ExcessiveAttemptsException|LockedAccountException|RetryLimit\w*|maxRetryCount|MAX_RETRY_COUNT|PASSWORD_RETRY\w*|LOGIN_FAIL\w*|loginFailCount)\b",
        ),
        shiro_timeout: re(r"setGlobalSessionTimeout\s*\(\s*(\d+)L?\s*\)"),
        redis_session: re(r"maxInactiveIntervalInSeconds\s*=\s*(\d+)"),
        token_ttl: re(
            r"\b(?:set|setCacheObject|expire|setEx|setex)\s*\(([^;]*?),\s*(\d+)L?\s*,\s*TimeUnit\s*\.\s*(SECONDS|MINUTES|HOURS|DAYS)\s*\)",
        ),
    }
});

/// Whether the file may hold any of the controls read here: one
/// case-insensitive pass over the text for [`TRIGGERS`] (every Java file of
/// every scan asks, so no lower-cased copy of the file is made).
pub fn worth_reading(text: &str) -> bool {
    static TRIGGER_SET: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(TRIGGERS)
            .expect("trigger words")
    });
    TRIGGER_SET.is_match(text)
}

/// A timeout of `amount` units (`per_minute` of them make a minute) in whole
/// minutes, rounded up; -1 for zero or less (no timeout: "never expires").
fn ceil_minutes(amount: i64, per_minute: i64) -> i64 {
    if amount <= 0 {
        -1
    } else {
        (amount + per_minute - 1) / per_minute
    }
}

/// Reads the controls of one Java file; `code` is `text` with comments and
/// string contents blanked (same offsets).
pub fn read(file: &str, text: &str, code: &str, facts: &mut FileFacts) {
    let p = &*P;
    let lines = LineIndex::new(text);
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut push = |kind: &str,
                    at: usize,
                    subject: Option<String>,
                    value: Option<String>,
                    amount: Option<i64>| {
        let key = (kind.to_string(), subject.clone().unwrap_or_default());
        if !seen.insert(key) {
            return;
        }
        facts.controls.push(Control {
            subject,
            value,
            amount,
            ..Control::at(kind, Location::line(file, lines.line(at)))
        });
    };
    // Literals of an argument list, read from the source (code has them blanked).
    let literals = |start: usize, end: usize| -> Vec<String> {
        let src = text.get(start..end).unwrap_or("");
        p.literal
            .captures_iter(src)
            .map(|c| c[1].to_string())
            .filter(|s| s.starts_with('/') || s.starts_with('*'))
            .collect()
    };
    for c in p.open_matchers.captures_iter(code) {
        let args = c.get(1).expect("group");
        for path in literals(args.start(), args.end()) {
            push(
                "unauthenticated_path",
                args.start(),
                Some(path),
                Some(c[2].to_string()),
                None,
            );
        }
    }
    for (pattern, how) in [
        (&p.ignoring, "ignoring"),
        (&p.excludes, "excluded from the login check"),
    ] {
        for c in pattern.captures_iter(code) {
            let args = c.get(1).expect("group");
            for path in literals(args.start(), args.end()) {
                push(
                    "unauthenticated_path",
                    args.start(),
                    Some(path),
                    Some(how.into()),
                    None,
                );
            }
        }
    }
    for c in p.shiro_anon.captures_iter(text) {
        let m = c.get(0).expect("match");
        // Not in a comment: the code text still has the call there.
        if code.get(m.start()..m.start() + 4) == Some(".put") {
            push(
                "unauthenticated_path",
                m.start(),
                Some(c[1].to_string()),
                Some("anon".into()),
                None,
            );
        }
    }
    let in_code = |m: regex::Match<'_>| {
        code.get(m.start()..m.start() + 1) == text.get(m.start()..m.start() + 1)
    };
    let text_matches = |re: &Regex| {
        re.captures_iter(text)
            .filter(|c| in_code(c.get(0).expect("match")))
            .collect::<Vec<_>>()
    };
    if let Some(m) = p.auth_required.find(code).or_else(|| {
        text_matches(&p.auth_required)
            .first()
            .and_then(|c| c.get(0))
    }) {
        push(
            "auth_required",
            m.start(),
            None,
            Some(m.as_str().trim_start_matches('.').trim().to_string()),
            None,
        );
    }
    for c in p.strong_encoder.captures_iter(code) {
        let m = c.get(0).expect("match");
        let name = c.get(1).map_or("BCrypt", |g| g.as_str());
        push(
            "password_hash_strong",
            m.start(),
            None,
            Some(name.to_string()),
            None,
        );
    }
    for c in p.weak_encoder.captures_iter(code) {
        let m = c.get(0).expect("match");
        push(
            "password_hash_weak",
            m.start(),
            None,
            Some(c[1].to_string()),
            None,
        );
    }
    let about_passwords = |at: usize| {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = text[line_start..line_end].to_ascii_lowercase();
        ["password", "passwd", "pwd", "credential"]
            .iter()
            .any(|w| line.contains(w))
    };
    for m in p.md5_call.find_iter(code) {
        if about_passwords(m.start()) {
            push(
                "password_hash_weak",
                m.start(),
                None,
                Some("MD5/SHA-1 digest".into()),
                None,
            );
        }
    }
    for c in text_matches(&p.digest_instance) {
        let m = c.get(0).expect("match");
        if about_passwords(m.start()) {
            push(
                "password_hash_weak",
                m.start(),
                None,
                Some(c[1].to_ascii_uppercase()),
                None,
            );
        }
    }
    for c in text_matches(&p.shiro_hash) {
        let m = c.get(0).expect("match");
        push(
            "password_hash_weak",
            m.start(),
            None,
            Some(format!("Shiro {}", c[1].to_ascii_uppercase())),
            None,
        );
    }
    for c in p.sm.captures_iter(code) {
        let m = c.get(0).expect("match");
        let alg = c
            .get(1)
            .or_else(|| c.get(2))
            .or_else(|| c.get(3))
            .map_or(String::new(), |g| g.as_str().to_ascii_uppercase());
        push("sm_crypto", m.start(), Some(alg.clone()), Some(alg), None);
    }
    for c in text_matches(&p.cipher) {
        let m = c.get(0).expect("match");
        let t = c[1].to_ascii_uppercase();
        if t.starts_with("SM4") || t.starts_with("SM2") {
            push(
                "sm_crypto",
                m.start(),
                Some(t[..3].to_string()),
                Some(t.clone()),
                None,
            );
            continue;
        }
        let weak = t.starts_with("DES")
            || t.starts_with("RC4")
            || t.starts_with("ARCFOUR")
            || t.starts_with("BLOWFISH")
            || t == "AES"
            || t.contains("/ECB/");
        if weak {
            push("weak_cipher", m.start(), Some(t.clone()), Some(t), None);
        }
    }
    for c in text_matches(&p.key_literal) {
        let m = c.get(0).expect("match");
        push(
            "hardcoded_key",
            m.start(),
            None,
            Some("key written in the source".into()),
            None,
        );
    }
    let audits: Vec<_> = p.audit.captures_iter(code).collect();
    if let Some(first) = audits.first() {
        let m = first.get(0).expect("match");
        push(
            "audit_log",
            m.start(),
            None,
            Some(format!("@{} ×{}", &first[1], audits.len())),
            None,
        );
    }
    if let Some(m) = p.validation.find(code) {
        push(
            "input_validation",
            m.start(),
            None,
            Some(m.as_str().to_string()),
            None,
        );
    }
    if let Some(m) = p.mfa.find(code) {
        push("mfa", m.start(), None, Some(m.as_str().to_string()), None);
    }
    if let Some(m) = p.lockout.find(code) {
        push(
            "login_lockout",
            m.start(),
            None,
            Some(m.as_str().to_string()),
            None,
        );
    }
    for c in p.redis_session.captures_iter(code) {
        let m = c.get(0).expect("match");
        let secs: i64 = c[1].parse().unwrap_or(0);
        let minutes = ceil_minutes(secs, 60);
        push(
            "session_timeout",
            m.start(),
            Some("maxInactiveIntervalInSeconds".into()),
            Some(format!("{secs} s (Spring Session, Redis)")),
            Some(minutes),
        );
    }
    // Tokens kept in Redis with a literal TTL (`set(tokenKey, user, 30, TimeUnit.MINUTES)`).
    for c in p.token_ttl.captures_iter(code) {
        let args = c[1].to_ascii_lowercase();
        if !["token", "session", "login"]
            .iter()
            .any(|w| args.contains(w))
        {
            continue;
        }
        let m = c.get(0).expect("match");
        let n: i64 = c[2].parse().unwrap_or(0);
        let per = match &c[3] {
            "SECONDS" => 1,
            "MINUTES" => 60,
            "HOURS" => 3_600,
            _ => 86_400,
        };
        let minutes = ceil_minutes(n * per, 60);
        push(
            "session_timeout",
            m.start(),
            Some("token TTL in Redis".into()),
            Some(format!("{n} {}", c[3].to_ascii_lowercase())),
            Some(minutes),
        );
    }
    for c in p.shiro_timeout.captures_iter(code) {
        let m = c.get(0).expect("match");
        let ms: i64 = c[1].parse().unwrap_or(0);
        let minutes = ceil_minutes(ms, 60_000);
        push(
            "session_timeout",
            m.start(),
            Some("setGlobalSessionTimeout".into()),
            Some(format!("{ms} ms")),
            Some(minutes),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(String, Option<String>)> {
        let mut facts = FileFacts::default();
        let code = super::super::java::code_only(src);
        read("S.java", src, &code, &mut facts);
        facts
            .controls
            .into_iter()
            .map(|c| (c.kind, c.subject))
            .collect()
    }

    #[test]
    fn open_paths_and_auth() {
        let k = kinds(
            "http.authorizeRequests()\n  .antMatchers(\"/login\", \"/druid/**\").permitAll()\n  // .antMatchers(\"/actuator/**\").permitAll()\n  .anyRequest().authenticated();\nmap.put(\"/swagger-ui/**\", \"anon\");\n",
        );
        assert!(k.contains(&("unauthenticated_path".into(), Some("/druid/**".into()))));
        assert!(k.contains(&("unauthenticated_path".into(), Some("/swagger-ui/**".into()))));
        assert!(
            !k.contains(&("unauthenticated_path".into(), Some("/actuator/**".into()))),
            "{k:?}"
        );
        assert!(k.iter().any(|(k, _)| k == "auth_required"));
    }

    #[test]
    fn token_ttls_in_redis() {
        let mut facts = FileFacts::default();
        let src = "class T {\n  void save(String tokenKey, Object u) {\n    redisTemplate.opsForValue().set(tokenKey, u, 30, TimeUnit.MINUTES);\n    redisTemplate.opsForValue().set(cacheKey, u, 7, TimeUnit.DAYS);\n  }\n}\n@EnableRedisHttpSession(maxInactiveIntervalInSeconds = 1800)\n";
        read(
            "T.java",
            src,
            &super::super::java::code_only(src),
            &mut facts,
        );
        let got: Vec<(String, Option<i64>, u32)> = facts
            .controls
            .into_iter()
            .map(|c| (c.kind, c.amount, c.location.line))
            .collect();
        assert_eq!(
            got,
            [
                ("session_timeout".to_string(), Some(30), 7),
                ("session_timeout".to_string(), Some(30), 3)
            ]
        );
    }

    #[test]
    fn crypto() {
        let k = kinds(
            "PasswordEncoder e = new BCryptPasswordEncoder();\nString h = DigestUtils.md5Hex(password);\nCipher c = Cipher.getInstance(\"DES/ECB/PKCS5Padding\");\nSecretKeySpec k = new SecretKeySpec(\"0123456789abcdef\".getBytes(), \"AES\");\nString s = SmUtil.sm3(x);\n",
        );
        let names: Vec<&str> = k.iter().map(|(k, _)| k.as_str()).collect();
        for want in [
            "password_hash_strong",
            "password_hash_weak",
            "weak_cipher",
            "hardcoded_key",
            "sm_crypto",
        ] {
            assert!(names.contains(&want), "{want}: {names:?}");
        }
    }
}
