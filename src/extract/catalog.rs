//! The catalogues config extractors consult: third-party SDKs
//! (`rules/catalog/sdks.yaml`) and cloud regions and endpoint hosts
//! (`rules/catalog/regions.yaml`). They are data, so a `--rules` overlay can
//! add a vendor without a rebuild.

use crate::data::{parse_yaml, DataFiles};
use crate::error::Error;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Path of the SDK catalogue inside the rules directory.
pub const SDKS_FILE: &str = "catalog/sdks.yaml";
/// Path of the region catalogue inside the rules directory.
pub const REGIONS_FILE: &str = "catalog/regions.yaml";

/// Jurisdiction of an endpoint: where the data ends up, for cross-border rules.
pub const MAINLAND: &str = "mainland";
/// Hong Kong, Macao or Taiwan: outbound under the 2024 cross-border provisions.
pub const HK_MO_TW: &str = "hk_mo_tw";
/// Outside China.
pub const ABROAD: &str = "abroad";
/// Region not known or not in the catalogue.
pub const UNKNOWN: &str = "unknown";

/// A third-party SDK or service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sdk {
    /// Catalogue id, e.g. `umeng`.
    pub id: String,
    /// Display name in both languages.
    pub name: crate::model::I18n,
    /// `sms`, `push`, `analytics`, `payment`, `map`, `login`, `crash`, `ocr`.
    pub category: String,
    /// Vendor id.
    pub vendor: String,
    /// The legal entity operating the service, as publicly known.
    #[serde(default)]
    pub operator: Option<String>,
    /// Where the vendor processes the data by default.
    pub jurisdiction: String,
    /// Globs over normalised config keys that configure this SDK.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Globs over hosts the SDK talks to.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Globs over Maven/Gradle `groupId:artifactId` of its client library.
    #[serde(default)]
    pub coordinates: Vec<String>,
    /// Java package prefixes of its client library (`com.aliyun.oss`); a
    /// trailing `*` runs on (`com.aliyun.dysmsapi*`).
    #[serde(default)]
    pub packages: Vec<String>,
    /// PI categories the SDK receives by default.
    #[serde(default)]
    pub receives: Vec<String>,
}

impl Sdk {
    /// The id of the endpoint this SDK becomes: `endpoint:sdk:<id>`.
    pub fn endpoint_id(&self) -> String {
        format!("endpoint:sdk:{}", self.id)
    }

    /// The third-party endpoint this SDK becomes where it is configured,
    /// imported or declared as a dependency (one place for config, Java
    /// imports and build files); the caller sets `profile` where known.
    pub fn endpoint(&self, location: crate::model::Location) -> crate::model::Endpoint {
        crate::model::Endpoint {
            id: self.endpoint_id(),
            kind: "sdk".into(),
            vendor: Some(self.vendor.clone()),
            region: None,
            jurisdiction: self.jurisdiction.clone(),
            location,
            name: Some(self.name.en.clone()),
            third_party: true,
            profile: None,
            receives: self.receives.clone(),
            host: None,
            confidence: None,
            role: ENTRUSTED_CATEGORIES
                .contains(&self.category.as_str())
                .then(|| "entrusted".to_string()),
        }
    }

    /// The endpoint of the SDK's client library found in the build
    /// (a Maven/Gradle coordinate), in an `import` or in a call on its
    /// client (whose PI arguments the flow pass traces). An object-storage
    /// library says only that the code can write to some bucket — the
    /// operator's own images and attachments, often not used at all by the
    /// deployed configuration — so the catalogue's typical `receives` is not
    /// assumed there: what PI reaches the store is traced from the code
    /// (`pi_sdk`), or shown by a configured host or key of the service.
    pub fn library_endpoint(&self, location: crate::model::Location) -> crate::model::Endpoint {
        let mut e = self.endpoint(location);
        if self.category == "storage" {
            e.receives.clear();
        }
        e
    }
}

/// Catalogue categories of services that process PI on the operator's
/// behalf (PIPL Art. 21, entrusted processing): sending messages, storing
/// files, recognising text or images, hosting. Payment, login, logistics,
/// e-signature, identity, ads, analytics and chat providers may be
/// independent handlers (Art. 23): their role stays for the sharing
/// declaration to say.
const ENTRUSTED_CATEGORIES: &[&str] = &[
    "sms",
    "email",
    "push",
    "storage",
    "cloud",
    "ocr",
    "ai",
    "captcha",
    "crash",
    "logging",
    "queue",
    "moderation",
    "iot",
    "geoip",
    "map",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SdkFile {
    #[allow(dead_code)]
    version: u32,
    sdks: Vec<Sdk>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionRule {
    #[serde(rename = "match")]
    pattern: String,
    jurisdiction: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vendor {
    id: String,
    #[allow(dead_code)]
    name: String,
    regions: Vec<RegionRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostRule {
    vendor: String,
    service: String,
    host: String,
    #[serde(default)]
    jurisdiction: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionFile {
    #[allow(dead_code)]
    version: u32,
    vendors: Vec<Vendor>,
    hosts: Vec<HostRule>,
}

/// What a host name reveals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    /// Vendor id.
    pub vendor: String,
    /// Service, e.g. `oss`, `cos`, `s3`.
    pub service: String,
    /// Region id, when the host names one.
    pub region: Option<String>,
    /// Jurisdiction.
    pub jurisdiction: String,
}

/// The loaded catalogues.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    sdks: Vec<Sdk>,
    vendors: Vec<Vendor>,
    hosts: Vec<(HostRule, Regex)>,
    /// Declared host globs and their jurisdiction (`catalog_overrides.regions`).
    declared_regions: Vec<(String, String)>,
    /// SHA-256 of what the catalogue was built from (see [`Catalog::digest`]).
    digest: [u8; 32],
}

const JURISDICTIONS: [&str; 4] = [MAINLAND, HK_MO_TW, ABROAD, UNKNOWN];

impl Catalog {
    /// Loads both catalogues; a missing file yields an empty catalogue.
    pub fn load(files: &DataFiles) -> Result<Catalog, Error> {
        use sha2::Digest;
        let mut c = Catalog::default();
        let mut digest = sha2::Sha256::new();
        for file in [SDKS_FILE, REGIONS_FILE] {
            let text = files.get(file);
            digest.update((text.map_or(u64::MAX, |t| t.len() as u64)).to_le_bytes());
            digest.update(text.unwrap_or_default());
        }
        c.digest = digest.finalize().into();
        if let Some(text) = files.get(SDKS_FILE) {
            let f: SdkFile = parse_yaml(SDKS_FILE, text)?;
            for s in &f.sdks {
                check_jurisdiction(SDKS_FILE, &s.id, &s.jurisdiction)?;
            }
            c.sdks = f.sdks;
        }
        if let Some(text) = files.get(REGIONS_FILE) {
            let f: RegionFile = parse_yaml(REGIONS_FILE, text)?;
            for v in &f.vendors {
                for r in &v.regions {
                    check_jurisdiction(REGIONS_FILE, &v.id, &r.jurisdiction)?;
                }
            }
            for h in f.hosts {
                if let Some(j) = &h.jurisdiction {
                    check_jurisdiction(REGIONS_FILE, &h.vendor, j)?;
                }
                let re = Regex::new(&h.host).map_err(|e| Error::Rules {
                    file: REGIONS_FILE.into(),
                    message: format!("host pattern `{}`: {e}", h.host),
                })?;
                c.hosts.push((h, re));
            }
            c.vendors = f.vendors;
        }
        Ok(c)
    }

    /// The catalogues built into the binary.
    pub fn embedded() -> Catalog {
        Catalog::load(&DataFiles::embedded()).unwrap_or_default()
    }

    /// Jurisdiction of `region` at `vendor`; `unknown` when either is unknown.
    pub fn jurisdiction(&self, vendor: &str, region: &str) -> &str {
        let region = region.trim().to_ascii_lowercase();
        self.vendors
            .iter()
            .find(|v| v.id == vendor)
            .and_then(|v| {
                v.regions
                    .iter()
                    .find(|r| crate::glob::matches(&r.pattern, &region))
            })
            .map_or(UNKNOWN, |r| r.jurisdiction.as_str())
    }

    /// What a host name (or URL) reveals about vendor and region.
    pub fn host(&self, host_or_url: &str) -> Option<HostInfo> {
        let host = host_of(host_or_url)?;
        let declared = self
            .declared_regions
            .iter()
            .find(|(g, _)| crate::glob::matches(g, &host))
            .map(|(_, j)| j.clone());
        let found = self.builtin_host(&host);
        match (found, declared) {
            (Some(info), Some(j)) => Some(HostInfo {
                jurisdiction: j,
                ..info
            }),
            // A host only the declarations know: its service is the host.
            (None, Some(j)) => Some(HostInfo {
                vendor: "declared".into(),
                service: host,
                region: None,
                jurisdiction: j,
            }),
            (found, None) => found,
        }
    }

    fn builtin_host(&self, host: &str) -> Option<HostInfo> {
        self.hosts.iter().find_map(|(rule, re)| {
            let caps = re.captures(host)?;
            let region = caps.name("region").map(|m| m.as_str().to_string());
            let jurisdiction = match (&rule.jurisdiction, &region) {
                (Some(j), _) => j.clone(),
                (None, Some(r)) => self.jurisdiction(&rule.vendor, r).to_string(),
                (None, None) => UNKNOWN.to_string(),
            };
            Some(HostInfo {
                vendor: rule.vendor.clone(),
                service: rule.service.clone(),
                region,
                jurisdiction,
            })
        })
    }

    /// The SDK a config key configures, if any.
    ///
    /// Each literal run of a key glob must start where a word of the key
    /// starts (after `.`, `-`, `_`, or at a camelCase hump), so `*amap*`
    /// matches `amap.key` and `gaode.amapKey` but not Eureka's
    /// `metadata-map`.
    pub fn sdk_for_key(&self, key: &str) -> Option<&Sdk> {
        let (norm, starts) = key_words(key);
        self.sdks.iter().find(|s| {
            s.keys.iter().any(|k| {
                crate::glob::matches(k, &norm) && literals_at_word_starts(k, &norm, &starts)
            })
        })
    }

    /// The SDK whose client library a Maven/Gradle dependency
    /// `groupId:artifactId` is, if any (whole coordinates, lower-cased).
    pub fn sdk_for_coordinate(&self, group: &str, artifact: &str) -> Option<&Sdk> {
        let coordinate = format!("{group}:{artifact}").to_ascii_lowercase();
        self.sdks.iter().find(|s| {
            s.coordinates
                .iter()
                .any(|c| crate::glob::matches(c, &coordinate))
        })
    }

    /// The SDK whose client library a Java import (`com.aliyun.oss.OSS`,
    /// `io.sentry.*`) belongs to, if any: a catalogued package equals the
    /// import or is a prefix of it ending at a `.`; one ending in `*` is a
    /// plain prefix.
    /// A helper class the library bundles (`cn.jpush.api.utils.StringUtils`,
    /// anything of its `utils` package, an exception type) is no use of the
    /// service: nothing is sent.
    pub fn sdk_for_import(&self, import: &str) -> Option<&Sdk> {
        let import = import.trim().trim_end_matches(".*");
        let class = import.rsplit('.').next().unwrap_or(import);
        if import.contains(".utils.")
            || ["Util", "Utils", "Helper", "Exception"]
                .iter()
                .any(|w| class.ends_with(w))
        {
            return None;
        }
        self.sdks.iter().find(|s| {
            s.packages.iter().any(|p| match p.strip_suffix('*') {
                Some(prefix) => import.starts_with(prefix),
                None => {
                    import == p
                        || import
                            .strip_prefix(p.as_str())
                            .is_some_and(|rest| rest.starts_with('.'))
                }
            })
        })
    }

    /// Every SDK of the catalogue, in order.
    pub fn sdks(&self) -> &[Sdk] {
        &self.sdks
    }

    /// The catalogued SDK with this id.
    pub fn sdk(&self, id: &str) -> Option<&Sdk> {
        self.sdks.iter().find(|s| s.id == id)
    }

    /// The SDK a host (or URL) belongs to, if any. A pattern `*.vendor.com`
    /// also matches `vendor.com` itself; the catalogue's host patterns only
    /// put `*` before a `.`, so they match whole labels.
    pub fn sdk_for_host(&self, host_or_url: &str) -> Option<&Sdk> {
        let host = host_of(host_or_url)?;
        self.sdks.iter().find(|s| {
            s.hosts.iter().any(|h| {
                crate::glob::matches(h, &host) || h.strip_prefix("*.").is_some_and(|d| d == host)
            })
        })
    }

    /// This catalogue plus the organisation's `catalog_overrides`: declared
    /// host jurisdictions win over the region catalogue; SDK hosts are
    /// added to a known SDK (matched by id or name), or make a new third-party
    /// service whose jurisdiction is the declared region of its hosts, else
    /// `unknown`.
    pub fn with_overrides(&self, o: &CatalogOverrides) -> Catalog {
        use sha2::Digest;
        let mut c = self.clone();
        let mut digest = sha2::Sha256::new();
        digest.update(self.digest);
        digest.update(serde_json::to_vec(o).unwrap_or_default());
        c.digest = digest.finalize().into();
        c.declared_regions = o
            .regions
            .iter()
            .map(|r| {
                (
                    r.host.to_ascii_lowercase(),
                    r.jurisdiction.as_str().to_string(),
                )
            })
            .collect();
        for s in &o.sdk {
            let hosts: Vec<String> = s.hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
            if let Some(known) = c
                .sdks
                .iter_mut()
                .find(|x| x.id == s.name || x.name.en == s.name || x.name.zh == s.name)
            {
                known.hosts.extend(hosts);
                continue;
            }
            let jurisdiction = hosts
                .iter()
                .find_map(|h| o.jurisdiction_of(&h.replace('*', "x")))
                .map_or(UNKNOWN, |j| j.as_str());
            c.sdks.push(Sdk {
                id: s.name.clone(),
                name: crate::model::I18n {
                    zh: s.name.clone(),
                    en: s.name.clone(),
                },
                category: "declared".into(),
                vendor: s.name.clone(),
                operator: None,
                jurisdiction: jurisdiction.to_string(),
                keys: Vec::new(),
                hosts,
                coordinates: Vec::new(),
                packages: Vec::new(),
                receives: Vec::new(),
            });
        }
        c
    }

    /// SHA-256 of everything the catalogue was built from: the texts of
    /// its data files and the organisation's overrides. Extraction consults
    /// the catalogue, so the facts cache keys on it
    /// (`crate::pipeline::cache`, not linked: a higher layer).
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// Number of SDKs in the catalogue.
    pub fn sdk_count(&self) -> usize {
        self.sdks.len()
    }
}

fn check_jurisdiction(file: &str, id: &str, j: &str) -> Result<(), Error> {
    if JURISDICTIONS.contains(&j) {
        Ok(())
    } else {
        Err(Error::Rules {
            file: file.into(),
            message: format!(
                "`{id}`: jurisdiction `{j}` is not one of mainland, hk_mo_tw, abroad, unknown"
            ),
        })
    }
}

/// Lower-cases a config key and drops `-` and `_`, so `access-key_id` and
/// `accessKeyId` compare equal (Spring relaxed binding).
pub fn normalise_key(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The lower-cased host part of a URL or `host[:port]` string, dots or not
/// (`yudao-minio`): no scheme, user info, port, path, query or fragment.
pub fn host_part(s: &str) -> String {
    let s = s.trim();
    let rest = s.split_once("://").map_or(s, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split(['/', '?', '#', ':'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The lower-cased host of a URL or `host[:port]` string, if it looks like one
/// (a dotted name of host characters).
pub fn host_of(s: &str) -> Option<String> {
    let host = host_part(s);
    let plausible = host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    plausible.then_some(host)
}

/// A config key normalised as [`normalise_key`] does, with the byte
/// offsets (in the normalised key) where its words start: after `.`, `-`,
/// `_`, at a lower-to-upper camelCase hump, and at 0.
fn key_words(key: &str) -> (String, Vec<usize>) {
    let mut norm = String::with_capacity(key.len());
    let mut starts = vec![0];
    let mut prev: Option<char> = None;
    for c in key.chars() {
        match c {
            '-' | '_' | '.' => {
                if c == '.' {
                    // A literal may begin with the dot itself (`*.sms.*`).
                    starts.push(norm.len());
                    norm.push('.');
                }
                starts.push(norm.len());
            }
            _ => {
                if c.is_uppercase() && prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                {
                    starts.push(norm.len());
                }
                norm.extend(c.to_lowercase());
            }
        }
        prev = Some(c);
    }
    (norm, starts)
}

/// Whether the literal runs of a key glob (the text between `*`s) can be
/// placed, in order and left to right, each at a word start of `norm`.
/// Globs with other wildcards are left to the glob match alone.
fn literals_at_word_starts(glob: &str, norm: &str, starts: &[usize]) -> bool {
    if glob.contains(['?', '[', '{']) {
        return true;
    }
    let parts: Vec<&str> = glob.split('*').collect();
    let anchored_end = !glob.ends_with('*');
    let mut from = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        let last = i == parts.len() - 1;
        let at = if i == 0 {
            // Anchored at the start.
            norm.starts_with(part).then_some(0)
        } else if last && anchored_end {
            norm.len()
                .checked_sub(part.len())
                .filter(|&at| at >= from && norm.get(at..) == Some(*part) && starts.contains(&at))
        } else {
            starts
                .iter()
                .copied()
                .filter(|&s| s >= from)
                .find(|&s| norm.get(s..).is_some_and(|r| r.starts_with(part)))
        };
        let Some(at) = at else { return false };
        from = at + part.len();
    }
    true
}

/// Whether `host` equals `domain` or lies under it, on a label boundary
/// (`a.example.com` is under `example.com`, `badexample.com` is not).
pub fn host_under(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain
        .trim()
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    !domain.is_empty()
        && (host == domain
            || host
                .strip_suffix(&domain)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// Suffixes of names that never leave the organisation's network.
const PRIVATE_SUFFIXES: &[&str] = &[
    "local",
    "localhost",
    "localdomain",
    "internal",
    "intranet",
    "lan",
    "home",
    "corp",
    "svc",
    "cluster.local",
    "consul",
];

/// Whether `host` is a private address or name: RFC 1918, loopback,
/// link-local, shared (100.64/10) and unique-local addresses; `localhost`,
/// single-label names, names under `.local`, `.internal`, `.lan`, `.corp`,
/// `.svc` / `.cluster.local` (Kubernetes services), `.consul`; and
/// `svc.namespace` pairs, whose last label is no public top-level domain
/// (one of two letters, or a common generic one).
pub fn is_private_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return match ip {
            std::net::IpAddr::V4(v4) => {
                let [a, b, ..] = v4.octets();
                v4.is_private()
                    || v4.is_loopback()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || (a == 100 && (64..128).contains(&b))
            }
            std::net::IpAddr::V6(v6) => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (v6.segments()[0] & 0xfe00) == 0xfc00
                    || (v6.segments()[0] & 0xffc0) == 0xfe80
            }
        };
    }
    if !host.contains('.') {
        return true;
    }
    if PRIVATE_SUFFIXES.iter().any(|s| host_under(&host, s)) {
        return true;
    }
    let tld = host.rsplit('.').next().unwrap_or("");
    !is_public_tld(tld)
}

/// Generic top-level domains seen in configs; every two-letter label is a
/// country code.
const GENERIC_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io", "ai", "app", "dev",
    "cloud", "tech", "top", "xyz", "site", "online", "vip", "shop", "club", "store", "asia",
    "mobi", "pro", "name", "work", "link", "live", "ltd", "group", "company", "services",
    "network", "email", "xin", "wang", "ren", "citic", "press", "fun", "icu", "art", "design",
];

/// The name `java_flow` gives an HTTP target it cannot resolve:
/// `okhttp:VerifyClient.url`, `hutool:GeoUtil` (client library, then the
/// class and the variable holding the URL).
pub fn unresolved_http(name: &str) -> bool {
    name.split_once(':').is_some_and(|(vendor, rest)| {
        !vendor.is_empty()
            && vendor
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            && !rest.starts_with("//")
            && rest.chars().next().is_some_and(|c| c.is_ascii_uppercase())
    })
}

fn is_public_tld(tld: &str) -> bool {
    (tld.len() == 2 && tld.chars().all(|c| c.is_ascii_alphabetic())) || GENERIC_TLDS.contains(&tld)
}

impl Catalog {
    /// Marks the recipients among `endpoints`:
    /// - one a declared `sharing[].endpoint` glob (`sharing`) matches, by id,
    ///   name or host, is a third party with `confidence: confirmed` (a
    ///   catalogued SDK too: `confirmed` then means "declared");
    /// - one not catalogued whose host is a public name or address outside
    ///   the organisation's `domains` and not a cloud service of the region
    ///   catalogue is a third party with `confidence: needs_review` (its
    ///   jurisdiction stays `unknown` unless known). Databases, files, logs,
    ///   exports and API responses are the organisation's own stores and
    ///   outputs and are left alone.
    pub fn classify_recipients(
        &self,
        endpoints: &mut [crate::model::Endpoint],
        domains: &[String],
        sharing: &[&str],
    ) {
        for e in endpoints {
            let host = e
                .host
                .clone()
                .or_else(|| e.name.as_deref().and_then(host_of))
                .or_else(|| e.id.rsplit(':').next().and_then(host_of));
            let name = e.name.clone().unwrap_or_default();
            let declared = sharing.iter().any(|g| {
                crate::glob::matches_id_or_name(g, &e.id, &name)
                    || host.as_deref().is_some_and(|h| crate::glob::matches(g, h))
            });
            if declared {
                // `confirmed` marks every declared recipient, catalogued
                // SDKs included: the inventory and CNPI-040 read it.
                e.third_party = true;
                e.confidence = Some("confirmed".into());
                continue;
            }
            // The organisation's own stores and outputs: its databases and
            // files, its logs and exports, what its controllers return
            // (`UserController.store` is a method, not a host under the
            // `.store` TLD).
            let own = matches!(
                e.kind.as_str(),
                "sdk" | "database" | "file" | "log" | "file_export" | "api_response"
            );
            if e.third_party || own {
                continue;
            }
            // An HTTP call whose URL the scan cannot resolve (held in a field
            // or set in a config entry outside the repository), named
            // `vendor:Class.field`: who receives it is unknown, so it is
            // reviewed as a possible third party rather than taken for the
            // organisation's own service.
            if e.kind == "http_api" && e.host.is_none() && unresolved_http(&name) {
                e.third_party = true;
                e.confidence = Some("needs_review".into());
                continue;
            }
            let Some(h) = host else { continue };
            if is_private_host(&h)
                || domains.iter().any(|d| host_under(&h, d))
                || self.host(&h).is_some()
            {
                continue;
            }
            e.third_party = true;
            e.confidence = Some("needs_review".into());
        }
    }
}

/// Where an endpoint's data ends up, as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jurisdiction {
    /// Mainland China.
    Mainland,
    /// Hong Kong, Macao or Taiwan (outbound for CBDF).
    HkMoTw,
    /// Outside China.
    Abroad,
}

impl Jurisdiction {
    /// The id used in endpoints and the region catalogue.
    pub fn as_str(self) -> &'static str {
        match self {
            Jurisdiction::Mainland => "mainland",
            Jurisdiction::HkMoTw => "hk_mo_tw",
            Jurisdiction::Abroad => "abroad",
        }
    }
}

/// A third-party SDK or service the built-in catalogue misses, known by
/// the hosts it talks to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkOverride {
    /// Catalogue id (`umeng`) to add hosts to, or a new service's name.
    pub name: String,
    /// Host globs (`*.push.example.com`).
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// Where hosts matching a glob really are (a private deployment, a proxy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionOverride {
    /// Host glob.
    pub host: String,
    /// Jurisdiction of those hosts.
    pub jurisdiction: Jurisdiction,
}

/// Additions to `rules/catalog/*.yaml` for this organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogOverrides {
    /// SDKs and services.
    #[serde(default)]
    pub sdk: Vec<SdkOverride>,
    /// Host jurisdictions, checked before the built-in region catalogue.
    #[serde(default)]
    pub regions: Vec<RegionOverride>,
}

impl CatalogOverrides {
    /// Sets the jurisdiction of every endpoint whose host matches a declared
    /// region, whichever extractor found it.
    pub fn apply_regions(&self, endpoints: &mut [crate::model::Endpoint]) {
        if self.regions.is_empty() {
            return;
        }
        for e in endpoints {
            let from_name = e.name.as_deref().and_then(host_of);
            let from_id = e.id.rsplit(':').next().map(str::to_ascii_lowercase);
            if let Some(j) = from_name
                .iter()
                .chain(from_id.iter())
                .find_map(|h| self.jurisdiction_of(h))
            {
                e.jurisdiction = j.as_str().to_string();
            }
        }
    }

    /// The declared jurisdiction of a host (lower-case), first matching glob.
    pub fn jurisdiction_of(&self, host: &str) -> Option<Jurisdiction> {
        self.regions
            .iter()
            .find(|r| crate::glob::matches(&r.host.to_ascii_lowercase(), host))
            .map(|r| r.jurisdiction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18: Eureka's `metadata-map` was read as the AMap SDK.
    #[test]
    fn key_globs_match_at_word_starts_only() {
        let c = Catalog::embedded();
        let id = |k: &str| c.sdk_for_key(k).map(|s| s.id.clone());
        assert_eq!(id("eureka.instance.metadata-map.zone"), None);
        assert_eq!(id("eureka.instance.metadataMap.zone"), None);
        let amap = id("amap.key").expect("amap.key is AMap");
        assert_eq!(id("gaode.amapKey"), Some(amap.clone()));
        assert_eq!(id("map.amap_web_key"), Some(amap));
        assert!(id("jpushAppKey").is_some());
        assert!(id("dysmsapi.endpoint").is_some(), "a word may run on");
        let (norm, starts) = key_words("wxPay.mch-id");
        assert_eq!(norm, "wxpay.mchid");
        assert_eq!(starts, [0, 2, 5, 6, 9]);
    }

    /// The catalogue itself (issue 20): ≥ 150 entries, unique ids, PI
    /// categories of the taxonomy, known categories and jurisdictions,
    /// host globs of whole labels under a registrable domain, key globs
    /// whose literals are words (no `*map*`), coordinates `group:artifact`,
    /// package prefixes that look like Java packages.
    #[test]
    fn catalogue_entries_are_well_formed() {
        let files = DataFiles::embedded();
        let taxonomy: serde_yaml::Value =
            serde_yaml::from_str(files.get("taxonomy.yaml").expect("taxonomy")).expect("yaml");
        let categories: std::collections::BTreeSet<&str> = taxonomy["categories"]
            .as_sequence()
            .expect("categories")
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert!(categories.contains("contact.phone"));
        let c = Catalog::embedded();
        assert!(c.sdk_count() >= 150, "{} entries", c.sdk_count());
        let mut ids = std::collections::BTreeSet::new();
        for s in c.sdks() {
            assert!(ids.insert(s.id.as_str()), "duplicate id {}", s.id);
            assert!(!s.name.zh.is_empty() && !s.name.en.is_empty(), "{}", s.id);
            assert!(
                s.keys.len() + s.hosts.len() + s.coordinates.len() + s.packages.len() > 0,
                "{} can never match",
                s.id
            );
            for r in &s.receives {
                assert!(categories.contains(r.as_str()), "{}: taxonomy id {r}", s.id);
            }
            for h in &s.hosts {
                let labels: Vec<&str> = h.split('.').collect();
                assert!(labels.len() >= 2, "{}: host {h}", s.id);
                for l in &labels {
                    assert!(
                        *l == "*"
                            || (!l.is_empty()
                                && l.chars().all(|c| c.is_ascii_lowercase()
                                    || c.is_ascii_digit()
                                    || c == '-')),
                        "{}: host {h}: `*` must be a whole label",
                        s.id
                    );
                }
                // The last two labels name the registrable domain.
                assert!(
                    labels[labels.len() - 2..].iter().all(|l| *l != "*"),
                    "{}: host {h} has no registrable domain",
                    s.id
                );
            }
            for k in &s.keys {
                assert_eq!(k, &normalise_key(k), "{}: key {k} not normalised", s.id);
                for literal in k.split(['*', '.']).filter(|l| !l.is_empty()) {
                    assert!(literal.len() >= 2, "{}: key {k}", s.id);
                }
                let bare: String = k.chars().filter(|c| *c != '*').collect();
                assert!(bare.len() >= 3, "{}: key {k} too short", s.id);
            }
            for co in &s.coordinates {
                assert!(
                    co.split(':').count() == 2 && co == &co.to_ascii_lowercase(),
                    "{}: coordinate {co}",
                    s.id
                );
            }
            for p in &s.packages {
                let p = p.trim_end_matches('*');
                assert!(
                    p.split('.').count() >= 2
                        && p.split('.').all(|x| !x.is_empty()
                            && x.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')),
                    "{}: package {p}",
                    s.id
                );
            }
            assert!(JURISDICTIONS.contains(&s.jurisdiction.as_str()), "{}", s.id);
        }
    }

    /// Issue 18: config keys that merely contain a vendor's letters match no
    /// SDK; imports match on package boundaries.
    #[test]
    fn no_substring_matches() {
        let c = Catalog::embedded();
        for key in [
            "eureka.instance.metadata-map.zone",
            "spring.cloud.nacos.discovery.metadata.management.context-path",
            "spring.mail.host",
            "management.endpoints.web.exposure.include",
            "device.sensors.temperature",
            "signal.amplitude",
            "system.appCode",
            "items.api.url",
            "design.url",
            "fastbee.profile",
            "sms.code.expire",
            "spring.datasource.druid.stat-view-servlet.login-username",
            "aliyun.login-url",
        ] {
            assert!(
                c.sdk_for_key(key).is_none(),
                "{key} matched {:?}",
                c.sdk_for_key(key).map(|s| &s.id)
            );
        }
        for host in [
            "mapi.example.com",
            "notalipay.com",
            "umeng.com.cn.evil.org",
            "qq.com",
        ] {
            assert!(c.sdk_for_host(host).is_none(), "{host}");
        }
        let id = |i: &str| c.sdk_for_import(i).map(|s| s.id.as_str());
        assert_eq!(id("com.aliyun.oss.OSSClient"), Some("aliyun-oss"));
        // Helpers bundled with a client library send nothing.
        assert_eq!(id("cn.jpush.api.JPushClient"), Some("jpush"));
        assert_eq!(id("cn.jpush.api.utils.StringUtils"), None);
        assert_eq!(id("cn.jpush.api.utils.Nullable"), None);
        assert_eq!(id("com.aliyun.oss.OSSException"), None);
        assert_eq!(id("com.aliyun.dysmsapi20170525.Client"), Some("aliyun-sms"));
        assert_eq!(
            id("com.aliyuncs.dysmsapi.model.v20170525.SendSmsRequest"),
            Some("aliyun-sms")
        );
        assert_eq!(
            id("com.tencentcloudapi.sms.v20210111.SmsClient"),
            Some("tencent-sms")
        );
        assert_eq!(
            id("com.tencentcloudapi.cvm.v20170312.CvmClient"),
            Some("tencentcloud-sdk")
        );
        assert_eq!(id("io.sentry.*"), Some("sentry"));
        assert_eq!(id("com.aliyun.ossx.Foo"), None);
        assert_eq!(id("com.qiniuyun.Foo"), None);
        assert_eq!(id("java.util.Map"), None);
    }

    #[test]
    fn hosts_match_whole_labels() {
        let c = Catalog::embedded();
        assert!(c.sdk_for_host("https://plus.umeng.com/x").is_some());
        assert!(c.sdk_for_host("umeng.com").is_some());
        assert!(c.sdk_for_host("notumeng.com").is_none());
        assert!(c.sdk_for_host("umeng.com.evil.org").is_none());
        assert!(host_under("kafka.corp.example.com", "example.com"));
        assert!(host_under("example.com", ".example.com"));
        assert!(!host_under("badexample.com", "example.com"));
    }

    #[test]
    fn private_hosts() {
        for h in [
            "10.1.2.3",
            "172.20.0.5",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.0.9",
            "100.64.1.1",
            "::1",
            "fd00::1",
            "localhost",
            "kafka",
            "kafka.local",
            "mq.internal",
            "kafka.infra.svc.cluster.local",
            "redis.default",
            "db.corp",
        ] {
            assert!(is_private_host(h), "{h}");
        }
        for h in [
            "8.8.8.8",
            "kafka-gw.partner-insurtech.cn",
            "api.example.com",
            "x.vendor.io",
        ] {
            assert!(!is_private_host(h), "{h}");
        }
    }

    /// Issue 18: a Flink sink to a vendor's Kafka was not a third party.
    #[test]
    fn public_hosts_outside_own_domains_are_third_parties() {
        let c = Catalog::embedded();
        let ep = |id: &str, kind: &str, host: &str| crate::model::Endpoint {
            host: Some(host.to_string()),
            ..crate::model::Endpoint::named(
                kind,
                id.to_string(),
                "kafka".into(),
                None,
                UNKNOWN.into(),
                crate::model::Location::line("job.sql", 1),
            )
        };
        let mut eps = vec![
            ep("claims", "message_queue", "kafka-gw.partner-insurtech.cn"),
            ep("events", "message_queue", "kafka.mycorp.com"),
            ep("local", "message_queue", "kafka.infra.svc.cluster.local"),
            ep("orders", "database", "db.vendor.com"),
            ep("bucket", "object_store", "oss-cn-hangzhou.aliyuncs.com"),
            ep("audit", "message_queue", "10.0.0.8"),
        ];
        c.classify_recipients(&mut eps, &["mycorp.com".to_string()], &[]);
        let got: Vec<(bool, Option<&str>)> = eps
            .iter()
            .map(|e| (e.third_party, e.confidence.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (true, Some("needs_review")),
                (false, None),
                (false, None),
                (false, None),
                (false, None),
                (false, None)
            ]
        );
        assert_eq!(eps[0].jurisdiction, UNKNOWN);
        // What a controller method returns, a log call, an export: the
        // organisation's own outputs, whose names may end like a TLD.
        let mut own: Vec<crate::model::Endpoint> = ["api_response", "log", "file_export"]
            .iter()
            .map(|kind| {
                crate::model::Endpoint::named(
                    kind,
                    "UserController.store".into(),
                    "spring-mvc".into(),
                    None,
                    UNKNOWN.into(),
                    crate::model::Location::line("UserController.java", 9),
                )
            })
            .collect();
        let mut http = own[0].clone();
        http.kind = "http_api".into();
        own.push(http);
        c.classify_recipients(&mut own, &[], &[]);
        let third: Vec<bool> = own.iter().map(|e| e.third_party).collect();
        assert_eq!(third, [false, false, false, true]);
        // A declared sharing glob confirms it, by id or host; without
        // declared domains a public host of one's own is still reviewed.
        let mut eps = vec![
            ep("claims", "message_queue", "kafka-gw.partner-insurtech.cn"),
            ep("events", "message_queue", "kafka.mycorp.com"),
        ];
        c.classify_recipients(&mut eps, &[], &["*.partner-insurtech.cn"]);
        let got: Vec<(bool, Option<&str>)> = eps
            .iter()
            .map(|e| (e.third_party, e.confidence.as_deref()))
            .collect();
        assert_eq!(
            got,
            [(true, Some("confirmed")), (true, Some("needs_review"))]
        );
    }

    #[test]
    fn regions_resolve_per_vendor() {
        let c = Catalog::embedded();
        assert_eq!(c.jurisdiction("aliyun", "cn-hangzhou"), MAINLAND);
        assert_eq!(c.jurisdiction("aliyun", "cn-hongkong"), HK_MO_TW);
        assert_eq!(c.jurisdiction("aliyun", "ap-southeast-1"), ABROAD);
        assert_eq!(c.jurisdiction("huawei", "ap-southeast-1"), HK_MO_TW);
        assert_eq!(c.jurisdiction("tencent", "ap-taipei"), HK_MO_TW);
        assert_eq!(c.jurisdiction("aws", "cn-northwest-1"), MAINLAND);
        assert_eq!(c.jurisdiction("aws", "us-west-2"), ABROAD);
        assert_eq!(c.jurisdiction("nobody", "cn-hangzhou"), UNKNOWN);
        assert_eq!(c.jurisdiction("aliyun", "mars-1"), UNKNOWN);
    }

    #[test]
    fn hosts_name_vendor_and_region() {
        let c = Catalog::embedded();
        let h = c
            .host("https://oss-ap-southeast-1.aliyuncs.com")
            .expect("oss host");
        assert_eq!(
            (
                h.vendor.as_str(),
                h.region.as_deref(),
                h.jurisdiction.as_str()
            ),
            ("aliyun", Some("ap-southeast-1"), ABROAD)
        );
        let h = c
            .host("bucket-1250000000.cos.ap-guangzhou.myqcloud.com")
            .unwrap();
        assert_eq!(h.jurisdiction, MAINLAND);
        let h = c.host("acct.blob.core.windows.net").unwrap();
        assert_eq!(h.jurisdiction, ABROAD);
        assert!(c.host("http://10.0.0.5:9000").is_none());
    }

    #[test]
    fn sdks_match_keys_and_hosts() {
        let c = Catalog::embedded();
        assert!(c.sdk_count() >= 10);
        assert_eq!(
            c.sdk_for_key("aliyun.sms.access-key-id").unwrap().id,
            "aliyun-sms"
        );
        assert_eq!(c.sdk_for_key("wx.pay.mchId").unwrap().id, "wechat-pay");
        assert_eq!(
            c.sdk_for_key("wx.miniapp.appid").unwrap().id,
            "wechat-miniapp"
        );
        assert!(c.sdk_for_key("spring.datasource.url").is_none());
        assert_eq!(
            c.sdk_for_host("https://sms.tencentcloudapi.com")
                .unwrap()
                .id,
            "tencent-sms"
        );
        assert!(
            crate::glob::matches("*.umeng.com", "plus.umeng.com")
                && !crate::glob::matches("*.umeng.com", "umeng.com.evil")
        );
    }

    #[test]
    fn declared_overrides_place_hosts_and_extend_sdks() {
        let o: CatalogOverrides = serde_yaml::from_str(
            "regions:\n  - { host: '*.files.example.com', jurisdiction: mainland }\n  - { host: 'oss-ap-southeast-1.aliyuncs.com', jurisdiction: hk_mo_tw }\nsdk:\n  - { name: jpush, hosts: ['*.relay.example.com'] }\n  - { name: PushHub, hosts: ['*.files.example.com'] }\n",
        )
        .unwrap();
        let c = Catalog::embedded().with_overrides(&o);
        let h = c.host("http://oss.files.example.com").unwrap();
        assert_eq!(
            (h.vendor.as_str(), h.jurisdiction.as_str()),
            ("declared", MAINLAND)
        );
        let h = c.host("oss-ap-southeast-1.aliyuncs.com").unwrap();
        assert_eq!(
            (h.vendor.as_str(), h.jurisdiction.as_str()),
            ("aliyun", HK_MO_TW)
        );
        assert_eq!(
            c.sdk_for_host("https://a.relay.example.com/x").unwrap().id,
            "jpush"
        );
        let new = c.sdk_for_host("x.files.example.com").unwrap();
        assert_eq!(
            (new.id.as_str(), new.jurisdiction.as_str()),
            ("PushHub", MAINLAND)
        );
        assert!(Catalog::embedded().host("oss.files.example.com").is_none());
    }
}
