//! Spring Boot configuration (`application*.yml`, `bootstrap*.properties`,
//! any YAML or `.properties` file): datasources, object storage, message
//! queues, third-party SDK settings, SQL/parameter logging, API-doc and
//! actuator exposure, the Druid console, and secrets in clear vs Jasypt
//! `ENC(…)`. ShardingSphere rules and Canal instances in the same files are
//! read by [`super::sharding`] and [`super::canal`].

use super::catalog::{self, normalise_key, Catalog};
use super::text::{self, Entry, YamlDoc};
use super::FileFacts;
use crate::model::{Control, Endpoint, Location};
use std::collections::BTreeMap;

/// The registry's reader of Spring Boot / ShardingSphere / Canal config.
pub struct SpringConfig;

impl super::registry::Extractor for SpringConfig {
    fn extract(&self, s: &super::Source, cx: &super::registry::ExtractContext<'_>) -> FileFacts {
        extract(&s.rel, &s.text, cx.catalog)
    }
}

/// Reads one YAML or `.properties` file.
pub fn extract(file: &str, text_in: &str, catalog: &Catalog) -> FileFacts {
    let mut facts = FileFacts {
        file: file.to_string(),
        ..FileFacts::default()
    };
    let lower = file.to_ascii_lowercase();
    let docs: Vec<YamlDoc> = if lower.ends_with(".properties") {
        vec![YamlDoc {
            entries: text::parse_properties(text_in),
            line: 1,
        }]
    } else {
        facts
            .diagnostics
            .extend(text::yaml_syntax_diagnostics(file, text_in));
        text::flatten_yaml(text_in)
    };
    let file_profile = profile_from_name(file);
    for doc in &docs {
        let profile = doc_profile(doc).or_else(|| file_profile.clone());
        let mut cx = ConfigReader {
            file,
            profile,
            catalog,
            facts: &mut facts,
        };
        cx.doc(doc);
        let profile = cx.profile;
        super::security::read(file, doc, profile.as_deref(), &mut facts);
        super::sharding::read(file, doc, &mut facts);
        super::canal::read(file, doc, catalog, &mut facts);
        super::debezium::read(file, &doc.entries, &mut facts);
    }
    dedupe_endpoints(&mut facts.endpoints);
    facts
}

/// Whether `file` is an i18n message bundle: under an `i18n/` or
/// `messages/` directory, named `messages*.properties`, or with a locale
/// suffix (`*_zh_CN.properties`, `*_en.properties`).
pub fn is_message_bundle(file: &str) -> bool {
    let lower = file.to_ascii_lowercase().replace('\\', "/");
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let Some(stem) = name.strip_suffix(".properties") else {
        return lower.split('/').any(|d| d == "i18n");
    };
    if name.starts_with("messages") || lower.split('/').any(|d| d == "i18n" || d == "messages") {
        return true;
    }
    let parts: Vec<&str> = stem.rsplit('_').take(2).collect();
    let is_lang = |p: &str| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic());
    match parts.as_slice() {
        [region, lang, ..] if is_lang(region) && is_lang(lang) => stem.contains('_'),
        [lang, ..] if is_lang(lang) => stem.contains('_'),
        _ => false,
    }
}

/// The profile a file name selects: `application-prod.yml` → `prod`.
pub fn profile_from_name(file: &str) -> Option<String> {
    let name = file.rsplit('/').next().unwrap_or(file);
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let rest = stem
        .strip_prefix("application-")
        .or_else(|| stem.strip_prefix("bootstrap-"))?;
    (!rest.is_empty()).then(|| rest.to_ascii_lowercase())
}

/// The profile a YAML document activates on (`spring.config.activate.on-profile`
/// or the older `spring.profiles`).
fn doc_profile(doc: &YamlDoc) -> Option<String> {
    doc.get("spring.config.activate.on-profile")
        .or_else(|| doc.get("spring.profiles"))
        .map(|e| e.value.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
}

/// True for a value that is a placeholder rather than a literal.
fn is_placeholder(v: &str) -> bool {
    let v = v.trim();
    v.starts_with("${") || (v.starts_with('@') && v.ends_with('@'))
}

/// The default of `${NAME:default}`, or the value itself.
fn resolved(v: &str) -> &str {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        // `${DB_PASSWORD:""}`: a quoted empty default is no default.
        return inner.split_once(':').map_or("", |(_, d)| {
            d.trim().trim_matches(|c| c == '"' || c == '\'')
        });
    }
    v
}

fn truthy(v: &str) -> bool {
    matches!(
        resolved(v).to_ascii_lowercase().as_str(),
        "true" | "on" | "yes"
    )
}

fn falsy(v: &str) -> bool {
    matches!(
        resolved(v).to_ascii_lowercase().as_str(),
        "false" | "off" | "no"
    )
}

/// Keys whose values are secrets.
const SECRET_SUFFIXES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "secretkey",
    "accesskeysecret",
    "privatekey",
    "apikey",
    "apiv3key",
    "mchkey",
    "appsecret",
    "clientsecret",
    "jwtsecret",
    "signkey",
];

/// Object-store vendors by words in the config key.
const STORE_WORDS: &[(&str, &str)] = &[
    ("minio", "minio"),
    ("aliyun", "aliyun"),
    ("oss", "aliyun"),
    ("alioss", "aliyun"),
    ("tencent", "tencent"),
    ("qcloud", "tencent"),
    ("cos", "tencent"),
    ("huawei", "huawei"),
    ("obs", "huawei"),
    ("qiniu", "qiniu"),
    ("kodo", "qiniu"),
    ("azure", "azure"),
    ("blob", "azure"),
    ("aws", "aws"),
    ("s3", "aws"),
    ("amazon", "aws"),
];

/// A config entry whose value is an `http(s)` URL, kept so that
/// [`super::java_flow::link`] can resolve `${key}` client URLs. Only the
/// scheme and host are kept: never the path, query or credentials.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfigUrl {
    /// Key as written (`geo.url`).
    pub key: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Lower-cased host.
    pub host: String,
    /// Profile the entry applies to; `None` for the default profile.
    pub profile: Option<String>,
    /// Where the entry is.
    pub location: Location,
}

/// The scheme and host of an `http(s)` URL value (a placeholder's default
/// counts: `${GEO_URL:http://…}`).
pub fn url_parts(value: &str) -> Option<(String, String)> {
    let v = resolved(value);
    let lower = v.to_ascii_lowercase();
    let scheme = if lower.starts_with("https://") {
        "https"
    } else if lower.starts_with("http://") {
        "http"
    } else {
        return None;
    };
    let host = catalog::host_of(v).filter(|h| !h.is_empty() && !h.contains('$'))?;
    Some((scheme.to_string(), host))
}

/// What one config file's readers share: where findings point, the Spring
/// profile in force and the facts being built.
struct ConfigReader<'a> {
    file: &'a str,
    profile: Option<String>,
    catalog: &'a Catalog,
    facts: &'a mut FileFacts,
}

impl ConfigReader<'_> {
    fn loc(&self, line: u32) -> Location {
        Location::line(self.file, line)
    }

    fn control(&mut self, kind: &str, line: u32, subject: Option<String>, value: Option<String>) {
        self.facts.controls.push(Control {
            subject,
            value,
            profile: self.profile.clone(),
            ..Control::at(kind, Location::line(self.file, line))
        });
    }

    fn doc(&mut self, doc: &YamlDoc) {
        let mut groups: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
        let mut sdk_seen: Vec<String> = Vec::new();
        let message_bundle = is_message_bundle(self.file);
        for e in &doc.entries {
            let norm = normalise_key(&e.key);
            let last = norm.rsplit('.').next().unwrap_or(&norm).to_string();
            self.logging(e, &norm, &last);
            self.exposure(e, &norm);
            self.secret(e, &last);
            self.datasource(e, &norm, &last);
            self.queue(e, &norm);
            if !SECRET_SUFFIXES.contains(&last.as_str()) {
                if let Some((scheme, host)) = url_parts(&e.value) {
                    self.facts.config_urls.push(ConfigUrl {
                        key: e.key.clone(),
                        scheme,
                        host,
                        profile: self.profile.clone(),
                        location: self.loc(e.line),
                    });
                }
            }
            if matches!(
                last.as_str(),
                "endpoint" | "bucket" | "bucketname" | "region" | "domain" | "url" | "host"
            ) {
                let parent = norm.rsplit_once('.').map_or("", |(p, _)| p).to_string();
                groups.entry(parent).or_default().push(e);
            }
            // A message bundle's keys are labels (`login.weixin.name=微信登录`),
            // not an integration's settings.
            let sdk = if message_bundle {
                None
            } else {
                self.catalog
                    .sdk_for_key(&e.key)
                    .or_else(|| self.catalog.sdk_for_host(&e.value))
            };
            if let Some(sdk) = sdk {
                if !sdk_seen.contains(&sdk.id) {
                    sdk_seen.push(sdk.id.clone());
                    let mut ep = sdk.endpoint(self.loc(e.line));
                    ep.profile = self.profile.clone();
                    self.facts.endpoints.push(ep);
                }
            }
        }
        for (parent, entries) in groups {
            self.object_store(&parent, &entries);
        }
    }

    fn logging(&mut self, e: &Entry, norm: &str, last: &str) {
        if last == "logimpl" && (norm.contains("mybatis") || norm.starts_with("configuration")) {
            self.control(
                "log_impl",
                e.line,
                Some(e.key.clone()),
                Some(e.value.clone()),
            );
        }
        if let Some(pkg) = norm.strip_prefix("logging.level.") {
            let level = resolved(&e.value).to_ascii_lowercase();
            let sqlish = [
                "mapper",
                "dao",
                "org.hibernate.sql",
                "jdbc.sqlonly",
                "p6spy",
                "repository",
            ]
            .iter()
            .any(|w| pkg.contains(w));
            if sqlish && (level == "debug" || level == "trace") {
                self.control(
                    "sql_logging",
                    e.line,
                    Some(e.key.clone()),
                    Some(format!("{}={}", e.key, e.value)),
                );
            } else if level == "debug" || level == "trace" {
                // The application's own debug lines are written where this
                // profile runs (`classify::log_levels`).
                self.control(
                    "debug_log_level",
                    e.line,
                    Some(pkg.to_string()),
                    Some(level),
                );
            }
        }
        if (norm == "spring.jpa.showsql" || norm == "spring.jpa.properties.hibernate.showsql")
            && truthy(&e.value)
        {
            self.control(
                "sql_logging",
                e.line,
                Some(e.key.clone()),
                Some(format!("{}={}", e.key, e.value)),
            );
        }
        if matches!(
            norm,
            "logging.logback.rollingpolicy.maxhistory" | "logging.file.maxhistory"
        ) {
            if let Ok(days) = resolved(&e.value).parse::<u32>() {
                self.facts.controls.push(Control {
                    value_days: Some(days),
                    subject: Some(e.key.clone()),
                    value: Some(format!("max-history={days} (daily rollover)")),
                    profile: self.profile.clone(),
                    ..Control::at("log_retention", self.loc(e.line))
                });
            }
        }
    }

    fn exposure(&mut self, e: &Entry, norm: &str) {
        let setting = || Some(format!("{}={}", e.key, e.value));
        match norm {
            "springdoc.apidocs.enabled"
            | "springdoc.swaggerui.enabled"
            | "swagger.enabled"
            | "swagger.enable"
            | "knife4j.enable"
            | "springfox.documentation.enabled"
            | "springfox.documentation.swaggerui.enabled" => {
                if truthy(&e.value) {
                    self.control("api_docs_enabled", e.line, Some(e.key.clone()), setting());
                } else if falsy(&e.value) {
                    self.control("api_docs_disabled", e.line, Some(e.key.clone()), setting());
                }
            }
            "knife4j.production" => {
                let kind = if truthy(&e.value) {
                    "api_docs_disabled"
                } else {
                    "api_docs_enabled"
                };
                self.control(kind, e.line, Some(e.key.clone()), setting());
            }
            "management.endpoints.web.exposure.include" => {
                let v = resolved(&e.value).to_ascii_lowercase();
                const RISKY: &[&str] = &[
                    "*",
                    "env",
                    "heapdump",
                    "httptrace",
                    "httpexchanges",
                    "logfile",
                    "threaddump",
                    "configprops",
                    "shutdown",
                    "mappings",
                    "jolokia",
                ];
                if v.split(',').map(str::trim).any(|x| RISKY.contains(&x)) {
                    self.control("actuator_exposed", e.line, Some(e.key.clone()), Some(v));
                }
            }
            "debug" if truthy(&e.value) => {
                self.control("debug_enabled", e.line, Some(e.key.clone()), setting());
            }
            _ => {
                if norm.ends_with("statviewservlet.enabled") && truthy(&e.value) {
                    self.control(
                        "druid_console_enabled",
                        e.line,
                        Some(e.key.clone()),
                        setting(),
                    );
                }
                if norm.ends_with("statviewservlet.loginusername") && !e.value.trim().is_empty() {
                    self.control("druid_console_login", e.line, Some(e.key.clone()), None);
                }
            }
        }
    }

    fn secret(&mut self, e: &Entry, last: &str) {
        if !SECRET_SUFFIXES.iter().any(|s| last.ends_with(s)) {
            return;
        }
        let v = e.value.trim();
        if v.is_empty() || v == "~" || v.eq_ignore_ascii_case("null") {
            return;
        }
        let kind = if v.starts_with("ENC(") && v.ends_with(')') {
            "encrypted_secret"
        } else if is_placeholder(v) && resolved(v).is_empty() {
            // `${DB_PASSWORD}`: injected at run time, nothing in the file.
            return;
        } else if is_placeholder(v) {
            // `${DB_PASSWORD:123456}`: the default is a secret in clear.
            "plain_secret"
        } else {
            "plain_secret"
        };
        // Never the value: only the key names the finding. A digest of the
        // value (kept out of reports) tells repeated secrets apart.
        if kind == "plain_secret" {
            use sha2::{Digest, Sha256};
            let h = Sha256::digest(resolved(v).as_bytes());
            let hex: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
            self.facts.secret_digests.push((e.line, hex));
        }
        self.control(kind, e.line, Some(e.key.clone()), None);
    }

    fn datasource(&mut self, e: &Entry, norm: &str, last: &str) {
        if !(last == "url" || last == "jdbcurl") || !e.value.trim_start().starts_with("jdbc:") {
            return;
        }
        let _ = norm;
        let Some((engine, host)) = parse_jdbc(&e.value) else {
            return;
        };
        if let Some(flag) = tls_disabled(&e.value) {
            self.control(
                "transport_unencrypted",
                e.line,
                Some(format!("{engine}://{host}")),
                Some(flag),
            );
        }
        let info = self.catalog.host(&host);
        self.facts.endpoints.push(Endpoint {
            id: format!("endpoint:database:{host}"),
            kind: "database".into(),
            vendor: Some(info.as_ref().map_or(engine.clone(), |i| i.vendor.clone())),
            region: info.as_ref().and_then(|i| i.region.clone()),
            jurisdiction: info.map_or(catalog::UNKNOWN.to_string(), |i| i.jurisdiction),
            location: self.loc(e.line),
            name: Some(format!("{engine}://{host}")),
            third_party: false,
            profile: self.profile.clone(),
            receives: Vec::new(),
            host: None,
            confidence: None,
            role: None,
        });
    }

    fn queue(&mut self, e: &Entry, norm: &str) {
        let vendor = match norm {
            "spring.kafka.bootstrapservers" | "spring.cloud.stream.kafka.binder.brokers" => "kafka",
            "spring.rabbitmq.host" | "spring.rabbitmq.addresses" => "rabbitmq",
            "rocketmq.nameserver" | "spring.cloud.stream.rocketmq.binder.nameserver" => "rocketmq",
            _ => return,
        };
        let v = resolved(&e.value);
        let Some(first) = v.split([',', ';']).map(str::trim).find(|s| !s.is_empty()) else {
            return;
        };
        let host = catalog::host_of(first).unwrap_or_else(|| {
            first
                .split("://")
                .last()
                .unwrap_or(first)
                .split(':')
                .next()
                .unwrap_or(first)
                .to_string()
        });
        let info = self.catalog.host(&host);
        self.facts.endpoints.push(Endpoint {
            id: format!("endpoint:message_queue:{vendor}:{host}"),
            kind: "message_queue".into(),
            vendor: Some(vendor.into()),
            region: info.as_ref().and_then(|i| i.region.clone()),
            jurisdiction: info.map_or(catalog::UNKNOWN.to_string(), |i| i.jurisdiction),
            location: self.loc(e.line),
            name: Some(host),
            third_party: false,
            profile: self.profile.clone(),
            receives: Vec::new(),
            host: None,
            confidence: None,
            role: None,
        });
    }

    /// A group of sibling keys (`…oss.endpoint`, `…oss.bucket-name`,
    /// `…oss.region`) configuring one object store.
    fn object_store(&mut self, parent: &str, entries: &[&Entry]) {
        let get = |names: &[&str]| {
            entries.iter().find(|e| {
                let n = normalise_key(&e.key);
                names
                    .iter()
                    .any(|x| n.ends_with(&format!(".{x}")) || n == *x)
            })
        };
        let endpoint = get(&["endpoint", "domain", "url", "host"])
            .map(|e| resolved(&e.value).to_string())
            .filter(|v| !v.is_empty());
        let bucket = get(&["bucket", "bucketname"])
            .map(|e| resolved(&e.value).to_string())
            .filter(|v| !v.is_empty());
        let region_entry = get(&["region"]);
        let from_host = endpoint.as_deref().and_then(|h| self.catalog.host(h));
        let key_vendor = parent
            .split('.')
            .flat_map(|seg| {
                STORE_WORDS
                    .iter()
                    .filter(move |(w, _)| seg == *w || seg.contains(w) && w.len() > 3)
            })
            .map(|(_, v)| *v)
            .next();
        let vendor = from_host
            .as_ref()
            .map(|h| h.vendor.clone())
            .or(key_vendor.map(str::to_string));
        let Some(vendor) = vendor else {
            return;
        };
        // `spring.ai.azure.openai.endpoint` names a vendor but no storage.
        let storage_key = [
            "oss", "cos", "obs", "s3", "minio", "blob", "storage", "file", "upload", "kodo",
            "qiniu", "bucket",
        ]
        .iter()
        .any(|w| parent.contains(w));
        if !storage_key && from_host.is_none() {
            return;
        }
        if bucket.is_none() && endpoint.is_none() {
            return;
        }
        // An endpoint on a DB/queue URL is not an object store.
        if endpoint.as_deref().is_some_and(|e| e.starts_with("jdbc:")) {
            return;
        }
        let region = region_entry
            .map(|e| resolved(&e.value).to_string())
            .filter(|r| !r.is_empty())
            .or_else(|| from_host.as_ref().and_then(|h| h.region.clone()));
        let jurisdiction = if vendor == "minio" {
            // Self-hosted: the region string (default `us-east-1`) says nothing.
            catalog::UNKNOWN.to_string()
        } else if let Some(r) = &region {
            self.catalog.jurisdiction(&vendor, r).to_string()
        } else {
            from_host
                .as_ref()
                .map_or(catalog::UNKNOWN.to_string(), |h| h.jurisdiction.clone())
        };
        let name = bucket
            .clone()
            .or_else(|| endpoint.as_deref().and_then(catalog::host_of))
            .or(endpoint.clone())
            .unwrap_or_default();
        let line = entries.iter().map(|e| e.line).min().unwrap_or(1);
        let service =
            from_host.map_or_else(|| vendor.clone(), |h| format!("{}-{}", h.vendor, h.service));
        let location = self.loc(line);
        self.facts.endpoints.push(Endpoint {
            profile: self.profile.clone(),
            ..Endpoint::named(
                "object_store",
                name,
                service,
                region,
                jurisdiction,
                location,
            )
        });
    }
}

/// The JDBC URL parameter that switches TLS off, if any (`useSSL=false`,
/// `sslMode=DISABLED`, PostgreSQL `sslmode=disable`, SQL Server
/// `encrypt=false`), as written.
fn tls_disabled(url: &str) -> Option<String> {
    jdbc_param(url, |k, v| {
        matches!(
            (k, v),
            ("usessl", "false")
                | ("sslmode", "disabled" | "disable")
                | ("encrypt", "false")
                | ("requiressl", "false")
        )
    })
}

/// The first `key=value` parameter of a JDBC URL (after `?` or `;`, split
/// on `&` and `;`) for which `wanted(key, value)` holds, both lower-cased
/// and trimmed; returned as written.
pub(crate) fn jdbc_param(url: &str, wanted: impl Fn(&str, &str) -> bool) -> Option<String> {
    let query = url.split_once(['?', ';'])?.1;
    query
        .split(['&', ';'])
        .map(str::trim)
        .find(|kv| {
            kv.split_once('=').is_some_and(|(k, v)| {
                wanted(&k.to_ascii_lowercase(), &v.trim().to_ascii_lowercase())
            })
        })
        .map(str::to_string)
}

/// Engine and `host[:port]` of a JDBC URL (`jdbc:mysql://h:3306/db?…`).
pub fn parse_jdbc(url: &str) -> Option<(String, String)> {
    let rest = url.trim().strip_prefix("jdbc:")?;
    let (engine, after) = rest.split_once(':')?;
    let engine = match engine {
        "p6spy" | "log4jdbc" => return parse_jdbc(&format!("jdbc:{after}")),
        e => e.to_ascii_lowercase(),
    };
    let hostpart = after.strip_prefix("//").or_else(|| {
        after
            .split_once('@')
            .map(|(_, h)| h.trim_start_matches("//"))
    })?;
    let host = hostpart
        .split(['/', '?', ';', ','])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let host = resolved(&host).to_string();
    (!host.is_empty()).then_some((engine, host))
}

/// Keeps the first endpoint of each id.
pub fn dedupe_endpoints(eps: &mut Vec<Endpoint>) {
    let mut seen = std::collections::HashSet::new();
    eps.retain(|e| seen.insert(e.id.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18: an i18n label `…weixin.name=WeChat` became a WeChat endpoint.
    #[test]
    fn message_bundles_configure_no_sdk() {
        let label = "login.weixin.name=WeChat\nlogin.weixin.appid=x\n";
        for f in [
            "src/main/resources/i18n/messages_en_US.properties",
            "src/main/resources/messages.properties",
            "web/i18n/login_zh_CN.properties",
            "conf/login_en.properties",
        ] {
            assert!(is_message_bundle(f), "{f}");
            let facts = extract(f, label, &Catalog::embedded());
            assert!(facts.endpoints.is_empty(), "{f}: {:?}", facts.endpoints);
        }
        assert!(!is_message_bundle(
            "src/main/resources/application-prod.properties"
        ));
        let facts = extract("application.properties", label, &Catalog::embedded());
        assert_eq!(facts.endpoints.len(), 1, "{:?}", facts.endpoints);
    }

    #[test]
    fn tls_switched_off_in_jdbc_urls() {
        for url in [
            "jdbc:mysql://h:3306/db?useUnicode=true&useSSL=false",
            "jdbc:mysql://h/db?sslMode=DISABLED",
            "jdbc:postgresql://h/db?sslmode=disable",
            "jdbc:sqlserver://h:1433;databaseName=x;encrypt=false",
        ] {
            assert!(tls_disabled(url).is_some(), "{url}");
        }
        for url in [
            "jdbc:mysql://h:3306/db?useSSL=true",
            "jdbc:postgresql://h/db?sslmode=require",
            "jdbc:mysql://h:3306/db",
        ] {
            assert!(tls_disabled(url).is_none(), "{url}");
        }
    }

    #[test]
    fn profiles_and_jdbc() {
        assert_eq!(
            profile_from_name("a/application-prod.yml").as_deref(),
            Some("prod")
        );
        assert_eq!(profile_from_name("application.yml"), None);
        assert_eq!(
            parse_jdbc("jdbc:mysql://db.internal:3306/shop?useSSL=false"),
            Some(("mysql".into(), "db.internal:3306".into()))
        );
        assert_eq!(
            parse_jdbc("jdbc:oracle:thin:@10.1.1.1:1521:orcl").map(|x| x.0),
            Some("oracle".into())
        );
    }
}
