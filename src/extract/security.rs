//! Security settings in Spring-style configuration (YAML or `.properties`),
//! for packs that read the extended controls (see
//! [`super::EXTENDED_CONTROL_KINDS`], e.g. `mlps-l3`): password policy
//! (RuoYi-style `user.password.*`, Spring/Shiro/Sa-Token keys), login
//! lockout, session and token timeouts, MFA switches, HTTPS, plain
//! `http://` endpoints, TLS on JDBC links, and datastore authentication
//! (Redis, Elasticsearch, MongoDB clients; `elasticsearch.yml` servers).
//! Values of secrets are never kept: a password key only says whether it
//! is set.

use super::catalog::{host_of, normalise_key};
use super::text::{Entry, YamlDoc};
use super::FileFacts;
use crate::model::{Control, Location};

/// Reads one flattened document of a config file.
pub fn read(file: &str, doc: &YamlDoc, profile: Option<&str>, facts: &mut FileFacts) {
    let mut r = Reader {
        file,
        profile,
        facts,
    };
    for e in &doc.entries {
        let norm = normalise_key(&e.key);
        let last = norm.rsplit('.').next().unwrap_or(&norm).to_string();
        r.password_policy(e, &norm, &last);
        r.session(e, &norm, &last);
        r.transport(e, &norm, &last);
        r.open_paths(e, &norm);
    }
    r.datastores(doc);
}

struct Reader<'a> {
    file: &'a str,
    profile: Option<&'a str>,
    facts: &'a mut FileFacts,
}

/// The default of `${NAME:default}`, or the value itself.
fn resolved(v: &str) -> &str {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        return inner.split_once(':').map_or("", |(_, d)| d.trim());
    }
    v
}

fn truthy(v: &str) -> Option<bool> {
    match resolved(v).to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "enabled" => Some(true),
        "false" | "off" | "no" | "disabled" => Some(false),
        _ => None,
    }
}

/// A duration in minutes from a value and the unit a bare number has for
/// its key (`30m`, `PT30M`, `1800`, `2h`, `7d`, `500ms`); -1 for a
/// negative value ("never expires").
pub fn minutes(value: &str, bare_unit_secs: f64) -> Option<i64> {
    let v = resolved(value).trim().to_ascii_lowercase();
    if v.is_empty() {
        return None;
    }
    if let Some(rest) = v.strip_prefix('-') {
        return rest.parse::<f64>().ok().map(|_| -1);
    }
    if let Some(iso) = v.strip_prefix("pt").or_else(|| v.strip_prefix('p')) {
        // ISO-8601 as Spring writes it: PT30M, PT2H, P1D.
        let mut secs = 0f64;
        let mut num = String::new();
        for c in iso.chars() {
            match c {
                '0'..='9' | '.' => num.push(c),
                't' => {}
                'd' | 'h' | 'm' | 's' => {
                    let n: f64 = num.parse().ok()?;
                    secs += n * match c {
                        'd' => 86_400.0,
                        'h' => 3_600.0,
                        'm' => 60.0,
                        _ => 1.0,
                    };
                    num.clear();
                }
                _ => return None,
            }
        }
        return Some((secs / 60.0).ceil() as i64);
    }
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num.parse().ok()?;
    let unit_secs = match unit.trim() {
        "" => bare_unit_secs,
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3_600.0,
        "d" => 86_400.0,
        _ => return None,
    };
    Some((n * unit_secs / 60.0).ceil() as i64)
}

/// Whether the key is about passwords (or accounts' credentials).
fn passwordish(norm: &str) -> bool {
    ["password", "passwd", "pwd"]
        .iter()
        .any(|w| norm.contains(w))
}

impl Reader<'_> {
    fn push(
        &mut self,
        kind: &str,
        line: u32,
        subject: String,
        value: Option<String>,
        amount: Option<i64>,
    ) {
        self.facts.controls.push(Control {
            subject: Some(subject),
            value,
            profile: self.profile.map(str::to_string),
            amount,
            ..Control::at(kind, Location::line(self.file, line))
        });
    }

    fn password_policy(&mut self, e: &Entry, norm: &str, last: &str) {
        let v = resolved(&e.value);
        let number = || v.parse::<i64>().ok();
        let setting = || {
            Some(format!(
                "{}={}",
                e.key,
                v.chars().take(80).collect::<String>()
            ))
        };
        const LOCKOUT: &[&str] = &[
            "maxretrycount",
            "maxretry",
            "maxretries",
            "retrylimit",
            "maxloginretry",
            "maxfailcount",
            "maxloginfailcount",
            "maxfailedattempts",
            "maxattempts",
            "maxerrorcount",
            "passworderrorcount",
            "loginfailmax",
        ];
        let accountish = passwordish(norm)
            || ["login", "user", "account", "auth", "lock"]
                .iter()
                .any(|w| norm.contains(w));
        if LOCKOUT.contains(&last) && accountish {
            if let Some(n) = number() {
                let n = if n <= 0 { -1 } else { n };
                self.push("login_lockout", e.line, e.key.clone(), setting(), Some(n));
            }
            return;
        }
        if !passwordish(norm) {
            return;
        }
        match last {
            "minlength" | "minlen" | "minimumlength" | "minsize" | "lengthmin" => {
                if let Some(n) = number() {
                    self.push(
                        "password_min_length",
                        e.line,
                        e.key.clone(),
                        setting(),
                        Some(n),
                    );
                }
            }
            "pattern" | "regex" | "regexp" | "complexity" | "strength" | "chrtype"
            | "charsettype"
                if !v.is_empty() && v != "0" =>
            {
                self.push(
                    "password_complexity",
                    e.line,
                    e.key.clone(),
                    setting(),
                    None,
                );
            }
            "expiredays" | "expirationdays" | "validdays" | "validitydays" | "maxagedays"
            | "expireday" | "updatecycle" | "changedays" | "maxage" => {
                if let Some(n) = number() {
                    let n = if n <= 0 { -1 } else { n };
                    self.push("password_expiry", e.line, e.key.clone(), setting(), Some(n));
                }
            }
            _ => {}
        }
    }

    fn session(&mut self, e: &Entry, norm: &str, last: &str) {
        // Seconds unless the key says otherwise (Spring's Duration default).
        let unit = match norm {
            "server.servlet.session.timeout"
            | "server.session.timeout"
            | "spring.session.timeout"
            | "server.reactive.session.timeout"
            | "satoken.timeout"
            | "satoken.activetimeout" => Some(1.0),
            _ if last == "expiretime"
                && (norm.starts_with("token.") || norm.contains("session")) =>
            {
                // RuoYi: `token.expireTime` / `shiro.session.expireTime`, minutes.
                Some(60.0)
            }
            _ if last == "globalsessiontimeout" => Some(0.001),
            _ if norm.contains("jwt")
                && matches!(
                    last,
                    "expire"
                        | "expiration"
                        | "expiresin"
                        | "ttl"
                        | "expireseconds"
                        | "timeout"
                        | "expiretime"
                        | "tokenvalidityinseconds"
                        | "accesstokenvaliditysec"
                ) =>
            {
                Some(if last == "expiretime" { 60.0 } else { 1.0 })
            }
            _ if norm.contains("jwt") && (last.ends_with("millis") || last.ends_with("ms")) => {
                Some(0.001)
            }
            _ => None,
        };
        if let Some(unit) = unit {
            if let Some(m) = minutes(&e.value, unit) {
                self.push(
                    "session_timeout",
                    e.line,
                    e.key.clone(),
                    Some(format!("{}={}", e.key, resolved(&e.value))),
                    Some(m),
                );
            }
        }
        let mfa = ["mfa", "twofactor", "2fa", "totp", "otp", "multifactor"]
            .iter()
            .any(|w| norm.split('.').any(|seg| seg == *w || seg.starts_with(w)));
        let switch = matches!(last, "enabled" | "enable" | "required" | "open");
        let setting = || Some(format!("{}={}", e.key, resolved(&e.value)));
        if mfa && switch {
            match truthy(&e.value) {
                Some(true) => self.push("mfa", e.line, e.key.clone(), setting(), None),
                Some(false) => self.push("mfa_disabled", e.line, e.key.clone(), setting(), None),
                None => {}
            }
        }
        let audit = ["audit", "operlog", "oplog", "operationlog", "auditlog"]
            .iter()
            .any(|w| norm.split('.').any(|seg| seg.starts_with(w)));
        if audit && switch && truthy(&e.value) == Some(false) {
            self.push("audit_disabled", e.line, e.key.clone(), setting(), None);
        }
    }

    /// Path lists a security filter skips (`secure.ignored.urls`,
    /// `security.oauth2.client.ignore-urls`, `*.whitelist`, `*.anon-urls`…):
    /// each path is open without authentication.
    fn open_paths(&mut self, e: &Entry, norm: &str) {
        let v = resolved(&e.value);
        if !v.starts_with('/') {
            return;
        }
        let key: String = norm
            .split('.')
            .map(|seg| seg.split('[').next().unwrap_or(seg))
            .collect::<Vec<_>>()
            .join(".");
        let skips = [
            "ignore",
            "whitelist",
            "permitall",
            "permit",
            "anon",
            "excludepath",
            "noauth",
            "skipauth",
            "notauth",
        ]
        .iter()
        .any(|w| key.contains(w));
        let paths = ["url", "uri", "path", "pattern"]
            .iter()
            .any(|w| key.contains(w));
        if skips && paths {
            // `/a, /b` in one value (properties files) lists several.
            for path in v.split(',').map(str::trim).filter(|p| p.starts_with('/')) {
                self.push(
                    "unauthenticated_path",
                    e.line,
                    path.to_string(),
                    Some(format!("listed in {key}")),
                    None,
                );
            }
        }
    }

    fn transport(&mut self, e: &Entry, norm: &str, last: &str) {
        let v = resolved(&e.value);
        match norm {
            "server.ssl.enabled" => match truthy(v) {
                Some(true) => self.push("https_enabled", e.line, e.key.clone(), None, None),
                Some(false) => self.push("https_disabled", e.line, e.key.clone(), None, None),
                None => {}
            },
            "server.ssl.keystore" | "server.ssl.certificate" if !v.is_empty() => {
                self.push("https_enabled", e.line, e.key.clone(), None, None);
            }
            _ => {}
        }
        if v.starts_with("jdbc:") {
            if let Some(flag) = tls_enabled(v) {
                let host = super::spring::parse_jdbc(v).map_or_else(
                    || e.key.clone(),
                    |(engine, host)| format!("{engine}://{host}"),
                );
                self.push("transport_encrypted", e.line, host, Some(flag), None);
            }
            return;
        }
        const URL_KEYS: &[&str] = &[
            "url",
            "uri",
            "uris",
            "endpoint",
            "host",
            "domain",
            "address",
            "baseurl",
            "serverurl",
            "serveraddr",
            "callbackurl",
            "notifyurl",
            "apiurl",
            "gateway",
        ];
        let lower = v.to_ascii_lowercase();
        if URL_KEYS.contains(&last) && lower.starts_with("http://") {
            let Some(host) = host_of(v) else {
                return;
            };
            let bare = host.split(':').next().unwrap_or(&host);
            let local = matches!(bare, "localhost" | "127.0.0.1" | "0.0.0.0" | "")
                || host.ends_with(".local")
                || host.ends_with(".svc")
                || host.contains(".svc.");
            if !local && !host.contains('$') {
                self.push(
                    "http_plain_endpoint",
                    e.line,
                    e.key.clone(),
                    Some(format!("http://{host}")),
                    None,
                );
            }
        }
    }

    /// Redis, Elasticsearch and MongoDB: a client configured with a host
    /// and no credentials, or a server (`elasticsearch.yml`) with security
    /// off or bound to every address.
    fn datastores(&mut self, doc: &YamlDoc) {
        struct Store {
            kind: &'static str,
            host: Option<(u32, String)>,
            user_info: bool,
            credential: bool,
        }
        let mut stores: Vec<Store> = Vec::new();
        for e in &doc.entries {
            let norm = normalise_key(&e.key);
            let last = norm.rsplit('.').next().unwrap_or(&norm);
            let v = resolved(&e.value);
            let kind = if norm.starts_with("spring.redis.")
                || norm.starts_with("spring.data.redis.")
                || norm.starts_with("redis.")
            {
                "redis"
            } else if norm.starts_with("spring.elasticsearch.")
                || norm.starts_with("spring.data.elasticsearch.")
                || norm.starts_with("elasticsearch.")
            {
                "elasticsearch"
            } else if norm.starts_with("spring.data.mongodb.") || norm.starts_with("mongodb.") {
                "mongodb"
            } else {
                // elasticsearch.yml itself.
                match norm.as_str() {
                    "xpack.security.enabled" => match truthy(v) {
                        Some(false) => self.push(
                            "datastore_no_auth",
                            e.line,
                            "elasticsearch".into(),
                            Some(format!("{}={v}", e.key)),
                            None,
                        ),
                        Some(true) => self.push(
                            "datastore_auth",
                            e.line,
                            "elasticsearch".into(),
                            Some(format!("{}={v}", e.key)),
                            None,
                        ),
                        None => {}
                    },
                    "network.host" | "network.bindhost" | "net.bindip" if v == "0.0.0.0" => self
                        .push(
                            "datastore_bind_all",
                            e.line,
                            "network.host".into(),
                            Some(format!("{}={v}", e.key)),
                            None,
                        ),
                    _ => {}
                }
                continue;
            };
            if stores.last().map(|s| s.kind) != Some(kind) {
                stores.push(Store {
                    kind,
                    host: None,
                    user_info: false,
                    credential: false,
                });
            }
            let s = stores.last_mut().expect("pushed above");
            if matches!(
                last,
                "host" | "url" | "uri" | "uris" | "nodes" | "clusternodes" | "address" | "hosts"
            ) || (last.starts_with("nodes[") || last.starts_with("uris["))
            {
                if !v.is_empty() && s.host.is_none() {
                    let h =
                        host_of(v.split(',').next().unwrap_or(v)).unwrap_or_else(|| v.to_string());
                    s.host = Some((e.line, h));
                }
                // `redis://:pw@h`, `mongodb://u:pw@h`.
                if v.contains('@') && v.contains("://") {
                    s.user_info = true;
                }
            }
            if matches!(
                last,
                "password" | "username" | "user" | "apikey" | "credentials" | "authsource"
            ) && !matches!(e.value.trim(), "" | "~" | "null" | "\"\"" | "''")
            {
                // `${REDIS_PASSWORD}` counts: injected at run time.
                s.credential = true;
            }
        }
        for s in stores {
            let Some((line, host)) = s.host else {
                continue;
            };
            let bare = host.split(':').next().unwrap_or(&host);
            if matches!(bare, "localhost" | "127.0.0.1" | "") {
                continue;
            }
            let kind = if s.credential || s.user_info {
                "datastore_auth"
            } else {
                "datastore_no_auth"
            };
            self.push(kind, line, format!("{}://{host}", s.kind), None, None);
        }
    }
}

/// The JDBC URL parameter that switches TLS on, if any.
fn tls_enabled(url: &str) -> Option<String> {
    super::spring::jdbc_param(url, |k, v| {
        matches!(
            (k, v),
            ("usessl", "true")
                | (
                    "sslmode",
                    "require"
                        | "verify-ca"
                        | "verify-full"
                        | "required"
                        | "verify_identity"
                        | "verify_ca"
                )
                | ("encrypt", "true")
                | ("requiressl", "true")
                | ("ssl", "true")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text;

    fn kinds(yaml: &str) -> Vec<(String, Option<i64>)> {
        let mut facts = FileFacts::default();
        for doc in text::flatten_yaml(yaml) {
            read("application.yml", &doc, None, &mut facts);
        }
        facts
            .controls
            .into_iter()
            .map(|c| (c.kind, c.amount))
            .collect()
    }

    #[test]
    fn durations() {
        assert_eq!(minutes("30m", 1.0), Some(30));
        assert_eq!(minutes("PT2H", 1.0), Some(120));
        assert_eq!(minutes("1800", 1.0), Some(30));
        assert_eq!(minutes("30", 60.0), Some(30));
        assert_eq!(minutes("-1", 1.0), Some(-1));
        assert_eq!(minutes("${T:7d}", 1.0), Some(10_080));
        assert_eq!(minutes("1800000", 0.001), Some(30));
        assert_eq!(minutes("soon", 1.0), None);
    }

    #[test]
    fn password_session_and_stores() {
        let k = kinds(
            "user:\n  password:\n    maxRetryCount: 5\n    min-length: 8\nserver:\n  servlet:\n    session:\n      timeout: 30m\nsa-token:\n  timeout: -1\nspring:\n  redis:\n    host: 10.0.0.5\n    port: 6379\n  data:\n    mongodb:\n      uri: mongodb://app:pw@10.0.0.6/db\n",
        );
        assert!(k.contains(&("login_lockout".into(), Some(5))), "{k:?}");
        assert!(k.contains(&("password_min_length".into(), Some(8))));
        assert!(k.contains(&("session_timeout".into(), Some(30))));
        assert!(k.contains(&("session_timeout".into(), Some(-1))));
        assert!(k.contains(&("datastore_no_auth".into(), None)));
        assert!(k.contains(&("datastore_auth".into(), None)));
        let k = kinds("spring:\n  redis:\n    host: r.internal\n    password: ${REDIS_PW}\n");
        assert_eq!(k, vec![("datastore_auth".into(), None)]);
    }

    #[test]
    fn ignore_lists_open_paths() {
        let k = kinds(
            "secure:\n  ignored:\n    urls:\n      - /druid/**\n      - /admin/login\nspring:\n  elasticsearch:\n    uris: localhost:9200\n",
        );
        assert_eq!(
            k,
            vec![
                ("unauthenticated_path".to_string(), None),
                ("unauthenticated_path".to_string(), None)
            ]
        );
    }

    #[test]
    fn transport() {
        let k = kinds(
            "pay:\n  notify-url: http://pay.example.com/cb\n  local-url: http://localhost:8080\nserver:\n  ssl:\n    enabled: true\nspring:\n  datasource:\n    url: jdbc:mysql://db:3306/x?useSSL=true\n",
        );
        let names: Vec<&str> = k.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "http_plain_endpoint",
                "https_enabled",
                "transport_encrypted"
            ]
        );
    }
}
