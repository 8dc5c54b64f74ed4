//! Java facts about recipients and account security that the tree-sitter
//! reader ([`super::java`]) does not keep, read as text (issue 20):
//!
//! - `import`s of a catalogued SDK's packages (`rules/catalog/sdks.yaml`
//!   `packages`) → a third-party `sdk` endpoint, and one `sdk_use` control
//!   per file and SDK (subject: the endpoint id), so the recipients
//!   inventory lists every file that uses it;
//! - controller methods that send an SMS verification code →
//!   `sms_code_endpoint` (subject: `Class.method`, value: the request path;
//!   `amount`: 1 when the method or its class shows a rate limit or a
//!   CAPTCHA check, else 0); a file outside controllers that limits SMS
//!   sending (a Redis counter, a rate-limit annotation, a "too frequent"
//!   check next to SMS code) → `sms_rate_limit`; a controller method that
//!   puts the code it generated or got back into the response →
//!   `sms_code_echoed`;
//! - a well-known default password written as a literal where a password is
//!   set, encoded or kept as the initial one → `default_password_literal`;
//!   a password set from the user's phone or ID number →
//!   `password_derived_from_pi`.
//!
//! Matching runs on the code with comments and string contents blanked
//! ([`super::java::code_only`]); literals are read from the source at the
//! same offsets. No password, code or PI value is kept.

use super::catalog::Catalog;
use super::java::Import;
use super::FileFacts;
use crate::model::{Control, LineIndex, Location};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// Passwords everyone tries first (the plain-text side of
/// [`super::seed`]'s hashes). Not `password`: as a Java literal it is
/// nearly always a key name (`getString("password")`, `PASSWORD = "password"`).
pub const DEFAULT_PASSWORDS: &[&str] = &[
    "123456",
    "111111",
    "000000",
    "888888",
    "666666",
    "12345678",
    "123456789",
    "admin",
    "admin123",
    "admin888",
    "admin@123",
    "root",
    "1qaz2wsx",
    "a123456",
    "abc123",
    "qwe123",
    "123123",
];

/// Whether `s` is one of [`DEFAULT_PASSWORDS`] (case-insensitive).
pub fn is_default_password(s: &str) -> bool {
    DEFAULT_PASSWORDS.iter().any(|d| d.eq_ignore_ascii_case(s))
}

fn control(
    file: &str,
    line: u32,
    kind: &str,
    subject: Option<String>,
    value: Option<String>,
) -> Control {
    Control {
        subject,
        value,
        ..Control::at(kind, Location::line(file, line))
    }
}

/// Reads one Java file (`code`: `text` with comments and strings blanked,
/// computed here only when a trigger word occurs).
pub fn read(file: &str, text: &str, imports: &[Import], catalog: &Catalog, facts: &mut FileFacts) {
    let lines = LineIndex::new(text);
    // Test sources are not the service: their imports, passwords and
    // endpoints are not read.
    if crate::extract::is_test_source(file) {
        return;
    }
    sdk_imports(file, imports, catalog, facts);
    let lower_has = |w: &str| text.contains(w);
    let sms = ["sms", "Sms", "SMS", "短信", "验证码"]
        .iter()
        .any(|w| lower_has(w));
    let pwd = ["assword", "ASSWORD", "pwd", "Pwd", "PWD", "passwd"]
        .iter()
        .any(|w| lower_has(w));
    let secret = pwd
        || [
            "ecret",
            "ECRET",
            "rivateKey",
            "RIVATE_KEY",
            "piKey",
            "PI_KEY",
        ]
        .iter()
        .any(|w| lower_has(w));
    if !sms && !secret {
        return;
    }
    let code = super::java::code_only(text);
    if sms {
        sms_codes(file, text, &code, &lines, facts);
    }
    if pwd {
        passwords(file, text, &code, &lines, facts);
    }
    if secret {
        literal_secrets(file, text, &code, &lines, facts);
    }
}

/// A key or password written into the source: a string literal assigned to
/// a field, constant or variable named like a secret (`ACCESS_KEY_SECRET`,
/// `appSecret`, `jwtSecret`, `privateKey`, `apiKey`, `dbPassword`) whose
/// value is shaped like one → `plain_secret` (subject: the name; the value
/// is never kept). Well-known default passwords are
/// `default_password_literal`'s; placeholders, key names (`"jwt.secret"`,
/// `PASSWORD = "password"`) and masks (`"******"`) are not secrets.
fn literal_secrets(file: &str, text: &str, code: &str, lines: &LineIndex, facts: &mut FileFacts) {
    static ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\b([A-Za-z_$][\w$]*)\s*=\s*"([^"\n]*)""#).expect("valid regex")
    });
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for c in ASSIGN.captures_iter(code) {
        let name = c.get(1).expect("group").as_str();
        let m = c.get(2).expect("group");
        // The blanked literal sits at the same offsets in the source.
        let value = &text[m.start()..m.end()];
        if !secret_name(name) || !secret_shaped(value, name) || !seen.insert(name.to_string()) {
            continue;
        }
        facts.controls.push(control(
            file,
            lines.line(m.start()),
            "plain_secret",
            Some(name.to_string()),
            Some("written in the source code".into()),
        ));
    }
}

/// Whether a Java name names a secret: its last words are `secret`,
/// `secret key`, `private key`, `api key` or a password word.
fn secret_name(name: &str) -> bool {
    let words = crate::extract::name_words(name);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let ends = |tail: &[&str]| words.ends_with(tail);
    // `REGEX_PASSWORD`, `PASSWORD_TIP`-like names hold text about secrets.
    const ABOUT: &[&str] = &[
        "regex", "reg", "pattern", "format", "fmt", "tip", "hint", "msg", "message", "label",
        "prompt", "error", "err", "rule", "policy", "field", "param", "header", "column", "prefix",
        "suffix", "name",
    ];
    if words.iter().any(|w| ABOUT.contains(w)) {
        return false;
    }
    ends(&["secret"])
        || ends(&["secret", "key"])
        || ends(&["private", "key"])
        || ends(&["api", "key"])
        || ends(&["password"])
        || ends(&["passwd"])
        || ends(&["pwd"])
}

/// Whether a literal looks like a real secret rather than a key name, a
/// placeholder, a mask or a default password: 8 to 200 characters without
/// spaces or CJK, two kinds of characters (or 16 and more), not repeating
/// one character, not naming its own kind (`"X-Auth-Password"`).
fn secret_shaped(value: &str, name: &str) -> bool {
    let v = value.trim();
    let n = v.chars().count();
    if !(8..=200).contains(&n) || v.chars().any(|c| c.is_whitespace() || !c.is_ascii()) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if v.starts_with("${") || v.starts_with("ENC(") || is_default_password(v) {
        return false;
    }
    let first = lower.chars().next().unwrap_or(' ');
    if lower
        .chars()
        .all(|c| c == first || matches!(c, 'x' | '*' | '?' | '#' | '-'))
    {
        return false;
    }
    // `"jwt.secret"`, `"spring.datasource.password"`: a config key.
    if lower == v
        && v.contains('.')
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
    {
        return false;
    }
    if [
        "password", "passwd", "secret", "pwd", "private", "apikey", "api_key", "your",
    ]
    .iter()
    .any(|w| lower.contains(w))
        || lower == crate::extract::name_words(name).concat()
    {
        return false;
    }
    let kinds = [
        v.chars().any(|c| c.is_ascii_lowercase()),
        v.chars().any(|c| c.is_ascii_uppercase()),
        v.chars().any(|c| c.is_ascii_digit()),
        v.chars().any(|c| c.is_ascii_punctuation()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    kinds >= 2 || n >= 16
}

/// One SDK endpoint (and one `sdk_use` control per file) for each import
/// of a catalogued SDK's package.
fn sdk_imports(file: &str, imports: &[Import], catalog: &Catalog, facts: &mut FileFacts) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for i in imports {
        let Some(sdk) = catalog.sdk_for_import(&i.path) else {
            continue;
        };
        if !seen.insert(sdk.id.clone()) {
            continue;
        }
        facts
            .endpoints
            .push(sdk.library_endpoint(Location::line(file, i.line)));
        facts.controls.push(control(
            file,
            i.line,
            "sdk_use",
            Some(sdk.endpoint_id()),
            Some(i.path.clone()),
        ));
    }
}

/// Evidence of a rate limit on sending: limiter annotations and classes, a
/// Redis counter or expiry check, a "too frequent" message.
static LIMIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        @(?:RateLimiter|RateLimit|Limit|AccessLimit|RequestLimit|Limiter|SentinelResource|RepeatSubmit|Idempotent|PreventRepeat|NoRepeatSubmit)\b
        | \bRateLimiter\b | \bSlidingWindow | \bBucket4j | \bRRateLimiter\b
        | \.increment\s*\( | \.incr\s*\( | \.incrBy\s*\(
        | \.getExpire\s*\( | \.setIfAbsent\s*\( | \.setnx\s*\(
        | \bfrequen | \btooMany | \bTOO_MANY",
    )
    .expect("valid regex")
});

/// The same evidence inside string literals (messages), read from the source.
static LIMIT_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)频繁|过于频繁|稍后再试|too (?:many|frequent)|请\s*\d+\s*秒|分钟内|次数")
        .expect("valid regex")
});

/// Evidence of a CAPTCHA check before sending.
static CAPTCHA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)captcha|kaptcha|imgcode|imagecode|picCode|geetest|slider|behaviorcode|validateCode\w*img")
        .expect("valid regex")
});

/// A request mapping annotation (in `code`, strings blanked).
static MAPPING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"@(?:Get|Post|Put|Request)Mapping\b(\s*\([^)]*\))?").expect("valid regex")
});

/// The method an annotation belongs to: `name(` after modifiers and type.
static METHOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:public|protected|private)[\w\s<>,?\[\].]*?\s(\w+)\s*\(").expect("valid regex")
});

/// Method names and paths of SMS verification-code senders: sending or
/// getting an SMS or a code, or a code of a phone (not `saveSmsConfig`).
static SMS_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:send|get|fetch|request|apply|obtain)\w*(?:sms|msg|message|code|yzm|verif|captcha)|sms\w*(?:code|send|yzm|verif)|(?:mobile|phone|tel|msg|message|verif\w*)code|短信|验证码",
    )
    .expect("valid regex")
});

/// A sending call inside the method (SDK, service or util).
static SMS_SEND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bsend\w*\s*\(|sms\w*\.\w+\s*\(|SendSmsRequest|\w*sms\w*(?:service|util|client|template|sender)\b").expect("valid regex")
});

/// A code produced in the method: random digits, or a service's return.
static CODE_VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:String|int|Integer|long|Long|var)\s+((?:sms|verify|verification|valid|check|mobile|phone|random|rand)?(?:code|yzm|captcha)\w*)\s*=").expect("valid regex")
});

fn is_controller(code: &str) -> bool {
    code.contains("@RestController") || code.contains("@Controller")
}

/// The SMS-code facts of one file.
fn sms_codes(file: &str, text: &str, code: &str, lines: &LineIndex, facts: &mut FileFacts) {
    let class = file
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file)
        .trim_end_matches(".java")
        .to_string();
    if !is_controller(code) {
        // A service or util that limits how often SMS codes go out.
        let at = LIMIT
            .find(code)
            .map(|m| m.start())
            .or_else(|| LIMIT_MESSAGE.find(text).map(|m| m.start()));
        if let Some(at) = at {
            facts.controls.push(control(
                file,
                lines.line(at),
                "sms_rate_limit",
                Some(class),
                None,
            ));
        }
        return;
    }
    let mappings: Vec<(usize, usize)> = MAPPING
        .find_iter(code)
        .map(|m| (m.start(), m.end()))
        .collect();
    // Class-level protection: a limiter or CAPTCHA on the class, before the
    // first method mapping (annotations of the class and its fields).
    let head_end = mappings.first().map_or(code.len(), |m| m.0);
    let class_limited = LIMIT.is_match(&code[..head_end]);
    // Each mapping's annotations start after the previous statement or block.
    let above_from: Vec<usize> = mappings
        .iter()
        .enumerate()
        .map(|(i, &(start, _))| {
            let prev_end = if i == 0 { 0 } else { mappings[i - 1].1 };
            code[prev_end..start]
                .rfind(['}', ';'])
                .map_or(prev_end, |p| prev_end + p + 1)
        })
        .collect();
    for (i, &(start, end)) in mappings.iter().enumerate() {
        let next = above_from.get(i + 1).copied().unwrap_or(code.len());
        let above_from = above_from[i];
        let Some(method) = METHOD.captures(&code[end..next]) else {
            continue;
        };
        let name = method.get(1).expect("group").as_str();
        let path = &text[start..end];
        let body_code = &code[end..next];
        let body_text = &text[end..next];
        let named = SMS_NAME.is_match(name) || SMS_NAME.is_match(path);
        if !named || !SMS_SEND.is_match(body_code) || name.to_ascii_lowercase().contains("check") {
            continue;
        }
        // A method that checks a code rather than sending one.
        let lname = name.to_ascii_lowercase();
        if ["verify", "validate", "login", "register", "bind", "reset"]
            .iter()
            .any(|w| lname.starts_with(w))
        {
            continue;
        }
        let above = &code[above_from..start];
        let limited = class_limited
            || LIMIT.is_match(above)
            || LIMIT.is_match(body_code)
            || LIMIT_MESSAGE.is_match(body_text)
            || CAPTCHA.is_match(body_code)
            || CAPTCHA.is_match(above);
        let line = lines.line(end + method.get(1).expect("group").start());
        let subject = format!("{class}.{name}");
        let route = path_of(path);
        let mut c = control(
            file,
            line,
            "sms_code_endpoint",
            Some(subject.clone()),
            route,
        );
        c.amount = Some(i64::from(limited));
        facts.controls.push(c);
        // The code put into the response.
        for var in CODE_VAR.captures_iter(body_code) {
            let v = var.get(1).expect("group").as_str();
            let echoed = Regex::new(&format!(
                r"(?x)
                return\s+{v}\s*; |
                \b(?:ok|success|data|succeed|setData|put)\s*\(\s*(?:[^;()]*,\s*)?{v}\s*\) |
                return\s+\w+(?:\.\w+)*\s*\.\s*(?:ok|success|data|succeed)\s*\(\s*(?:[^;()]*,\s*)?{v}\s*\)"
            ));
            if let Ok(re) = echoed {
                if let Some(m) = re.find(body_code) {
                    facts.controls.push(control(
                        file,
                        lines.line(end + m.start()),
                        "sms_code_echoed",
                        Some(subject.clone()),
                        None,
                    ));
                    break;
                }
            }
        }
    }
}

/// The first quoted path of a mapping annotation, if any.
fn path_of(annotation: &str) -> Option<String> {
    let open = annotation.find('"')?;
    let rest = &annotation[open + 1..];
    let close = rest.find('"')?;
    Some(rest[..close].to_string())
}

/// Default and PI-derived passwords of one file.
fn passwords(file: &str, text: &str, code: &str, lines: &LineIndex, facts: &mut FileFacts) {
    // A password variable, constant, setter or encoder given a literal.
    static LITERAL_SET: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?ix)
            (?:
              \b\w*(?:password|passwd|pwd)\w*\s*=\s*(?:(?:\w+\.)*\w*(?:encode|encrypt|md5|sha|hash|digest|crypt|passw)\w*\s*\(\s*)*
            | \bset\w*(?:password|passwd|pwd)\w*\s*\(\s*(?:(?:\w+\.)*\w*(?:encode|encrypt|md5|sha|hash|digest|crypt|passw)\w*\s*\(\s*)*
            | \b(?:encode|encrypt\w*|md5\w*|sha\w*|hashpw|digest\w*)\s*\(\s*
            )
            "(\ *)"
            "#,
        )
        .expect("valid regex")
    });
    // A password set from the phone or ID number.
    static DERIVED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?ix)
            (?: \bset\w*(?:password|passwd|pwd)\w*\s*\( | \b\w*(?:password|passwd|pwd)\w*\s*=[^=] )
            [^;]*?
            \b(?:get)?(?:phone\w*|mobile\w*|tel(?:ephone)?\w*|idcard\w*|idno\w*|idnumber\w*|cardno\w*|sfz\w*|certno\w*|identity\w*)\b",
        )
        .expect("valid regex")
    });
    let mut seen: BTreeSet<(&str, u32)> = BTreeSet::new();
    for c in LITERAL_SET.captures_iter(code) {
        let m = c.get(1).expect("group");
        // The blanked literal sits at the same offsets in the source.
        let literal = &text[m.start()..m.end()];
        if !is_default_password(literal) {
            continue;
        }
        // Only on a line about passwords (an encoder call elsewhere hashes
        // something else).
        let whole = c.get(0).expect("match");
        let line = lines.line(whole.start());
        let stmt = statement_at(code, whole.start());
        if !account_password(&statement_subject(stmt)) {
            continue;
        }
        if seen.insert(("default_password_literal", line)) {
            facts.controls.push(control(
                file,
                line,
                "default_password_literal",
                Some(statement_subject(stmt)),
                Some("well-known default password / 常见默认口令".into()),
            ));
        }
    }
    for m in DERIVED.find_iter(code) {
        let line = lines.line(m.start());
        let stmt = statement_at(code, m.start());
        let lower = stmt.to_ascii_lowercase();
        // `passwordEncoder.matches(raw, phone)` and comparisons are checks, not settings.
        if lower.contains("matches(") || lower.contains(".equals(") {
            continue;
        }
        if !account_password(&statement_subject(stmt)) {
            continue;
        }
        if seen.insert(("password_derived_from_pi", line)) {
            facts.controls.push(control(
                file,
                line,
                "password_derived_from_pi",
                Some(statement_subject(stmt)),
                Some("password set from the phone or ID number / 口令取自手机号或证件号".into()),
            ));
        }
    }
}

/// Whether a password identifier (`INIT_PASSWORD`, `setPassword`,
/// `userPwd`, `staffDefaultPassword`) names an account's password, not a
/// credential for another system (`SMS_PASSWORD`, `setSitePwd`,
/// `dbPassword`): what is left once `set` and the password word are taken
/// off is empty or names a user, an initial/default/new password or the
/// like.
fn account_password(ident: &str) -> bool {
    const ACCOUNT_WORDS: &[&str] = &[
        "user", "login", "account", "init", "default", "new", "reset", "admin", "staff", "member",
        "owner", "emp", "customer", "person", "plain", "raw", "encrypt", "enc", "md5", "pass",
    ];
    let mut rest = ident.to_ascii_lowercase().replace('_', "");
    if let Some(r) = rest.strip_prefix("set") {
        rest = r.to_string();
    }
    for word in ["password", "passwd", "pwd"] {
        if let Some(at) = rest.find(word) {
            rest = format!("{}{}", &rest[..at], &rest[at + word.len()..]);
            break;
        }
    }
    rest.is_empty() || ACCOUNT_WORDS.iter().any(|w| rest.contains(w))
}

/// The statement around `at` (from the previous `;`, `{` or `}` to the next `;`).
fn statement_at(code: &str, at: usize) -> &str {
    let from = code[..at].rfind([';', '{', '}']).map_or(0, |p| p + 1);
    let to = code[at..].find(';').map_or(code.len(), |p| at + p);
    &code[from..to]
}

/// A short subject for a password statement: its first identifier with
/// `password`/`pwd` in it, never a value.
fn statement_subject(stmt: &str) -> String {
    static IDENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b\w*(?:password|passwd|pwd)\w*\b").expect("valid regex")
    });
    IDENT
        .find(stmt)
        .map_or_else(|| "password".to_string(), |m| m.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_and_shapes() {
        assert_eq!(
            crate::extract::name_words("ACCESS_KEY_SECRET"),
            ["access", "key", "secret"]
        );
        assert_eq!(
            crate::extract::name_words("accessKeySecret"),
            ["access", "key", "secret"]
        );
        assert_eq!(crate::extract::name_words("JWTSecret"), ["jwtsecret"]);
        for n in [
            "ACCESS_KEY_SECRET",
            "appSecret",
            "privateKey",
            "API_KEY",
            "dbPassword",
            "secretKey",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "secretTip",
            "passwordRegex",
            "PASSWORD_KEY",
            "accessKeyId",
            "appKey",
            "secretary",
            "REGEX_PASSWORD",
            "headerSecret",
        ] {
            assert!(!secret_name(n), "{n}");
        }
        for v in [
            "Zx8kQ2mW9pLr4Tn7",
            "Shop@2024x",
            "abcdefghijklmnopq1",
            "3f9a1c0b2e7d4a55",
        ] {
            assert!(secret_shaped(v, "appSecret"), "{v}");
        }
        for v in [
            "password",
            "jwt.secret",
            "${APP_SECRET}",
            "ENC(Zm9vYmFy)",
            "******",
            "xxxxxxxxxxxx",
            "admin123",
            "12345678",
            "请输入密钥",
            "X-Api-Secret",
            "short1A",
            "your-key-here",
            "app secret value",
            "appsecret",
        ] {
            assert!(!secret_shaped(v, "appSecret"), "{v}");
        }
    }

    fn read_one(file: &str, text: &str) -> FileFacts {
        let tree = super::super::java::parse(text).expect("parses");
        let imports = super::super::java::imports(tree.root_node(), text.as_bytes());
        let mut f = FileFacts::default();
        read(file, text, &imports, &Catalog::embedded(), &mut f);
        f
    }

    fn kinds(f: &FileFacts) -> Vec<(String, u32, Option<String>)> {
        f.controls
            .iter()
            .map(|c| (c.kind.clone(), c.location.line, c.subject.clone()))
            .collect()
    }

    #[test]
    fn imports_of_catalogued_packages_are_sdk_endpoints() {
        let src = "package a;\nimport com.aliyun.oss.OSS;\nimport com.aliyun.oss.model.PutObjectRequest;\n// import com.qiniu.util.Auth;\nimport java.util.Map;\nimport com.aliyuncs.dysmsapi.model.v20170525.SendSmsRequest;\nimport com.aliyunx.Foo;\n";
        let f = read_one("src/main/java/a/Up.java", src);
        let ids: Vec<(&str, u32)> = f
            .endpoints
            .iter()
            .map(|e| (e.id.as_str(), e.location.line))
            .collect();
        assert_eq!(
            ids,
            [
                ("endpoint:sdk:aliyun-oss", 2),
                ("endpoint:sdk:aliyun-sms", 6)
            ]
        );
        assert!(f.endpoints.iter().all(|e| e.third_party));
        assert_eq!(
            kinds(&f),
            [
                ("sdk_use".into(), 2, Some("endpoint:sdk:aliyun-oss".into())),
                ("sdk_use".into(), 6, Some("endpoint:sdk:aliyun-sms".into()))
            ]
        );
    }

    const SMS_CONTROLLER: &str = r#"package a;
@RestController
@RequestMapping("/sms")
public class SmsController {
    @Autowired private SmsService smsService;

    @PostMapping("/send")
    public R sendSms(@RequestParam String phone) {
        String code = RandomUtil.randomNumbers(6);
        smsService.send(phone, code);
        return R.ok(code);
    }

    @RateLimiter(time = 60, count = 1)
    @PostMapping("/sendLimited")
    public R sendSmsLimited(String phone) {
        smsService.send(phone, RandomUtil.randomNumbers(6));
        return R.ok();
    }

    @PostMapping("/sendSmsWithCaptcha")
    public R sendSmsWithCaptcha(String phone, String captcha, String uuid) {
        captchaService.check(uuid, captcha);
        smsService.send(phone, RandomUtil.randomNumbers(6));
        return R.ok();
    }

    @PostMapping("/verify")
    public R verifyCode(String phone, String code) {
        return R.ok(smsService.verify(phone, code));
    }
}
"#;

    #[test]
    fn sms_code_endpoints_limits_and_echoes() {
        let f = read_one("src/main/java/a/SmsController.java", SMS_CONTROLLER);
        let got: Vec<(String, u32, Option<String>, Option<i64>)> = f
            .controls
            .iter()
            .map(|c| (c.kind.clone(), c.location.line, c.subject.clone(), c.amount))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "sms_code_endpoint".into(),
                    8,
                    Some("SmsController.sendSms".into()),
                    Some(0)
                ),
                (
                    "sms_code_echoed".into(),
                    11,
                    Some("SmsController.sendSms".into()),
                    None
                ),
                (
                    "sms_code_endpoint".into(),
                    16,
                    Some("SmsController.sendSmsLimited".into()),
                    Some(1)
                ),
                (
                    "sms_code_endpoint".into(),
                    22,
                    Some("SmsController.sendSmsWithCaptcha".into()),
                    Some(1)
                ),
            ]
        );
        assert_eq!(f.controls[0].value.as_deref(), Some("/send"));
        // A service that counts sends in Redis is a rate limit.
        let svc = "public class SmsServiceImpl {\n  void send(String phone) {\n    Long n = redisTemplate.opsForValue().increment(\"sms:count:\" + phone);\n  }\n}\n";
        let f = read_one("src/main/java/a/SmsServiceImpl.java", svc);
        assert_eq!(
            kinds(&f),
            [("sms_rate_limit".into(), 3, Some("SmsServiceImpl".into()))]
        );
    }

    #[test]
    fn default_and_derived_passwords() {
        let src = r#"public class UserServiceImpl {
    private static final String INIT_PASSWORD = "123456";
    private String tip = "123456";
    public void add(User u) {
        u.setPassword(SecurityUtils.encryptPassword("admin123"));
        // u.setPassword("111111");
        u.setPassword(passwordEncoder.encode(u.getPhonenumber().substring(5)));
        String pwd = "Strong#Pass2026";
        if (passwordEncoder.matches(raw, u.getPhone())) { return; }
        u.setNickName(u.getPhone());
    }
}
"#;
        let f = read_one("src/main/java/a/UserServiceImpl.java", src);
        assert_eq!(
            kinds(&f),
            [
                (
                    "default_password_literal".into(),
                    2,
                    Some("INIT_PASSWORD".into())
                ),
                (
                    "default_password_literal".into(),
                    5,
                    Some("setPassword".into())
                ),
                (
                    "password_derived_from_pi".into(),
                    7,
                    Some("setPassword".into())
                ),
                // Not a well-known default, but a password written into
                // the code all the same (CNPI-022).
                ("plain_secret".into(), 8, Some("pwd".into())),
            ]
        );
        // No value is kept.
        assert!(f
            .controls
            .iter()
            .all(|c| !c.value.clone().unwrap_or_default().contains("123456")));
        // Credentials of other systems are CNPI-022's, not account passwords.
        let other = "class D {\n  void f(C c) {\n    c.setSitePwd(\"abc123\");\n    String dbPassword = \"123456\";\n  }\n}\n";
        assert!(read_one("src/main/java/a/D.java", other)
            .controls
            .is_empty());
        // Key names are not passwords; CRUD of SMS settings sends nothing.
        let keys = "public class C {\n  public static final String SMS_PASSWORD = \"password\";\n  void f(JSONObject j, User u) {\n    String userPassword = j.getString(\"password\");\n    u.setPassword(j.getString(\"password\"));\n  }\n}\n";
        assert!(read_one("src/main/java/a/C.java", keys).controls.is_empty());
        let crud = "@RestController\npublic class SmsConfigApi {\n  @PostMapping(\"/saveSmsConfig\")\n  public R saveSmsConfig(String j) {\n    return smsConfigServiceImpl.saveSmsConfig(j);\n  }\n}\n";
        assert!(read_one("src/main/java/a/SmsConfigApi.java", crud)
            .controls
            .is_empty());
        // Tests set passwords freely.
        assert!(read_one("src/test/java/a/UserTest.java", src)
            .controls
            .is_empty());
    }
}
