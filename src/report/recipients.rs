//! The recipients inventory (第三方共享清单, issue 20): every outside party
//! the scan saw data go to or an integration configured for — third-party
//! SDKs (from build coordinates, Java imports, config keys), public HTTP
//! hosts, queues and buckets of other parties, cloud services — with the PI
//! that reaches each one, where it is seen, its operator and jurisdiction,
//! and whether a `sharing` declaration covers it.
//!
//! One view over the report's endpoints, PI paths and `sdk_use` controls,
//! whichever extractor made them; the JSON (`recipients`), the HTML section
//! and `recipients.csv` all render it.

use crate::extract::catalog::Catalog;
use crate::model::{Location, Report};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// At most this many places are listed per recipient (the rest are counted).
pub const MAX_LOCATIONS: usize = 20;

/// One outside recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    /// The endpoint's id.
    pub endpoint: String,
    /// Display name (the SDK's, the host, the topic or bucket).
    pub name: String,
    /// Endpoint kind: `sdk`, `http_api`, `message_queue`, `object_store`…
    pub kind: String,
    /// Catalogue category (`sms`, `push`, `payment`…), for catalogued SDKs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Vendor id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Operating legal entity, from the SDK catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Host it talks to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `mainland`, `hk_mo_tw`, `abroad` or `unknown`.
    pub jurisdiction: String,
    /// `third_party` (another processor or provider) or `cloud` (a cloud
    /// service the organisation runs its own resources on: entrusted
    /// processing).
    pub role: String,
    /// PI fields traced to it by data flow (field ids; at an SDK call, the
    /// names the code passes), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pi_observed: Vec<String>,
    /// Taxonomy ids of the PI traced to it, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories_observed: Vec<String>,
    /// Taxonomy ids the catalogue says such a service typically receives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories_typical: Vec<String>,
    /// Some of the PI traced to it is sensitive.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// Where it is configured, imported or reached, in report order (at
    /// most [`MAX_LOCATIONS`]).
    pub locations: Vec<Location>,
    /// Places beyond those listed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more_locations: usize,
    /// A `sharing` entry of piaudit.yaml covers it.
    pub declared: bool,
    /// `confirmed` (catalogued or declared), `needs_review` (a public host
    /// outside the organisation's domains, not catalogued).
    pub confidence: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::embedded);

/// The inventory, by endpoint id.
pub fn recipients(report: &Report) -> Vec<Recipient> {
    let catalog = &*CATALOG;
    let fields = report.field_index();
    // The `sdk_use` controls: every file that imports a catalogued SDK.
    let mut uses: BTreeMap<&str, Vec<&Location>> = BTreeMap::new();
    for c in &report.controls {
        if c.kind == "sdk_use" {
            if let Some(s) = &c.subject {
                uses.entry(s.as_str()).or_default().push(&c.location);
            }
        }
    }
    let mut out = Vec::new();
    for e in &report.endpoints {
        // A cloud service: a known vendor, a known jurisdiction and a public
        // host (MinIO at `http://yudao-minio:9000` is self-hosted).
        let public_host = e
            .host
            .clone()
            // A bucket's name (`zain-images`) is no host.
            .or_else(|| {
                e.name
                    .as_deref()
                    .filter(|n| n.contains("://") || n.contains('.') || n.contains(':'))
                    .map(crate::extract::catalog::host_part)
            })
            .is_none_or(|h| !crate::extract::catalog::is_private_host(&h));
        let cloud = !e.third_party
            && matches!(
                e.kind.as_str(),
                "object_store" | "message_queue" | "http_api"
            )
            && e.vendor
                .as_deref()
                .is_some_and(|v| v != "self-hosted" && v != "minio")
            && e.jurisdiction != crate::extract::catalog::UNKNOWN
            && public_host;
        if !e.third_party && !cloud {
            continue;
        }
        let sdk =
            e.id.strip_prefix("endpoint:sdk:")
                .and_then(|id| catalog.sdk(id));
        let mut places: BTreeSet<Location> = BTreeSet::new();
        places.insert(e.location.clone());
        for l in uses.get(e.id.as_str()).into_iter().flatten() {
            places.insert((*l).clone());
        }
        let mut observed = BTreeSet::new();
        let mut cats = BTreeSet::new();
        let mut sensitive = false;
        for p in report.paths.iter().filter(|p| p.to == e.id) {
            if let Some(hop) = p.hops.last() {
                places.insert(hop.clone());
            }
            if let Some((_, f)) = fields.get(p.from.as_str()) {
                if let Some(pi) = &f.pi {
                    observed.insert(p.from.clone());
                    cats.insert(pi.category.clone());
                    sensitive |= pi.sensitive;
                }
            }
        }
        // Direct flows (a field straight into the endpoint) when no path
        // was reported for it.
        for fl in report.flows.iter().filter(|fl| fl.to == e.id) {
            if let Some((_, f)) = fields.get(fl.from.as_str()) {
                if let Some(pi) = &f.pi {
                    places.insert(fl.location.clone());
                    observed.insert(fl.from.clone());
                    cats.insert(pi.category.clone());
                    sensitive |= pi.sensitive;
                }
            }
        }
        // SDK calls the Java flow pass traced PI to (`pi_sdk`): subject
        // `chain → sdk-id: names`, value the categories.
        for c in report.controls.iter().filter(|c| c.kind == "pi_sdk") {
            let Some((id, names)) = c.flow_target() else {
                continue;
            };
            if e.id.strip_prefix("endpoint:sdk:") != Some(id) {
                continue;
            }
            places.insert(c.location.clone());
            observed.extend(names.split(", ").map(str::to_string));
            cats.extend(
                c.value
                    .iter()
                    .flat_map(|v| v.split(", "))
                    .map(str::to_string),
            );
        }
        let places: Vec<Location> = places.into_iter().collect();
        let more = places.len().saturating_sub(MAX_LOCATIONS);
        let declared = e.confidence.as_deref() == Some("confirmed");
        let confidence = match e.confidence.as_deref() {
            Some(c) => c.to_string(),
            None => "confirmed".to_string(),
        };
        let host = e.host.clone().or_else(|| {
            e.name
                .as_deref()
                .and_then(crate::extract::catalog::host_of)
                .filter(|_| e.kind != "sdk")
        });
        out.push(Recipient {
            endpoint: e.id.clone(),
            name: e.name.clone().unwrap_or_else(|| e.id.clone()),
            kind: e.kind.clone(),
            category: sdk.map(|s| s.category.clone()),
            vendor: e.vendor.clone(),
            operator: sdk.and_then(|s| s.operator.clone()),
            host,
            jurisdiction: e.jurisdiction.clone(),
            role: if e.third_party {
                "third_party"
            } else {
                "cloud"
            }
            .into(),
            pi_observed: observed.into_iter().collect(),
            categories_observed: cats.into_iter().collect(),
            categories_typical: e.receives.clone(),
            sensitive,
            locations: places.into_iter().take(MAX_LOCATIONS).collect(),
            more_locations: more,
            declared,
            confidence,
        });
    }
    out
}

/// `recipients.csv` headers.
pub const CSV_HEADERS: [&str; 15] = [
    "接收方 recipient",
    "类型 kind",
    "类别 category",
    "运营者 operator",
    "服务商 vendor",
    "主机 host",
    "法域 jurisdiction",
    "角色 role",
    "已声明 declared (sharing)",
    "置信度 confidence",
    "经数据流到达的个人信息 PI traced (categories)",
    "经数据流到达的字段 PI traced (fields)",
    "通常接收的个人信息 PI typically received (catalogue)",
    "敏感 sensitive",
    "位置 locations (file:line)",
];

/// Renders `recipients.csv`: one row per recipient, UTF-8 with a BOM and
/// CRLF line ends (Excel), formula-looking cells neutralised.
pub fn render_csv(audit: &crate::Audit) -> Result<String, crate::error::Error> {
    let err = |e: &dyn std::fmt::Display| crate::error::Error::Render {
        format: "recipients.csv".into(),
        message: e.to_string(),
    };
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(CSV_HEADERS).map_err(|e| err(&e))?;
    let cat_names = |ids: &[String]| {
        ids.iter()
            .map(|id| match audit.categories.get(id) {
                Some((zh, en)) => format!("{zh} {en} ({id})"),
                None => id.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    for r in recipients(&audit.report) {
        let mut places: Vec<String> = r
            .locations
            .iter()
            .map(|l| format!("{}:{}", l.file, l.line))
            .collect();
        if r.more_locations > 0 {
            places.push(format!("+{}", r.more_locations));
        }
        let row = [
            r.name.clone(),
            r.kind.clone(),
            r.category.clone().unwrap_or_default(),
            r.operator.clone().unwrap_or_default(),
            r.vendor.clone().unwrap_or_default(),
            r.host.clone().unwrap_or_default(),
            r.jurisdiction.clone(),
            r.role.clone(),
            if r.declared { "yes" } else { "no" }.to_string(),
            r.confidence.clone(),
            cat_names(&r.categories_observed),
            r.pi_observed.join("; "),
            cat_names(&r.categories_typical),
            if r.sensitive { "yes" } else { "no" }.to_string(),
            places.join("; "),
        ];
        w.write_record(row.iter().map(|c| super::csv::neutralise(c)))
            .map_err(|e| err(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| err(&e))?;
    let text = String::from_utf8(bytes).map_err(|e| err(&e))?;
    Ok(format!("\u{feff}{text}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Endpoint, Location};

    fn ep(kind: &str, name: &str, third_party: bool, jurisdiction: &str) -> Endpoint {
        Endpoint {
            third_party,
            ..Endpoint::named(
                kind,
                name.to_string(),
                "aliyun".into(),
                None,
                jurisdiction.into(),
                Location::line("application.yml", 3),
            )
        }
    }

    #[test]
    fn inventory_keeps_outside_parties_only() {
        let mut sms = ep("sdk", "aliyun-sms", true, "mainland");
        sms.receives = vec!["contact.phone".into()];
        let mut geo = ep("http_api", "whois.pconline.com.cn", true, "unknown");
        geo.vendor = None;
        geo.confidence = Some("needs_review".into());
        let mut own = ep("message_queue", "orders", false, "unknown");
        own.vendor = Some("kafka".into());
        let bucket = ep(
            "object_store",
            "oss-cn-hangzhou.aliyuncs.com",
            false,
            "mainland",
        );
        let minio = ep("object_store", "http://yudao-minio:9000", false, "abroad");
        let named_bucket = ep("object_store", "zain-images", false, "mainland");
        let mut declared = ep("http_api", "api.partner.cn", true, "unknown");
        declared.confidence = Some("confirmed".into());
        let knowledge =
            crate::Knowledge::load(&crate::data::DataFiles::embedded(), "cn-2026", None).unwrap();
        let config = crate::Config {
            deterministic: true,
            ..crate::Config::default()
        };
        let mut report =
            crate::scan_sources(&knowledge, &[], None, &config, Default::default()).report;
        report.endpoints = vec![sms, geo, own, bucket, minio, named_bucket, declared];
        report.controls = vec![crate::model::Control {
            subject: Some("endpoint:sdk:aliyun-sms".into()),
            ..crate::model::Control::at("sdk_use", Location::line("src/SmsUtil.java", 5))
        }];
        let got = recipients(&report);
        let rows: Vec<(&str, &str, bool, &str, usize)> = got
            .iter()
            .map(|r| {
                (
                    r.endpoint.as_str(),
                    r.role.as_str(),
                    r.declared,
                    r.confidence.as_str(),
                    r.locations.len(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "endpoint:sdk:aliyun-sms",
                    "third_party",
                    false,
                    "confirmed",
                    2
                ),
                (
                    "endpoint:http_api:whois.pconline.com.cn",
                    "third_party",
                    false,
                    "needs_review",
                    1
                ),
                (
                    "endpoint:object_store:oss-cn-hangzhou.aliyuncs.com",
                    "cloud",
                    false,
                    "confirmed",
                    1
                ),
                (
                    "endpoint:object_store:zain-images",
                    "cloud",
                    false,
                    "confirmed",
                    1
                ),
                (
                    "endpoint:http_api:api.partner.cn",
                    "third_party",
                    true,
                    "confirmed",
                    1
                ),
            ]
        );
        assert_eq!(got[0].operator.as_deref(), Some("阿里云计算有限公司"));
        assert_eq!(got[0].category.as_deref(), Some("sms"));
        assert_eq!(got[0].categories_typical, ["contact.phone"]);
        assert_eq!(got[1].host.as_deref(), Some("whois.pconline.com.cn"));
    }
}
