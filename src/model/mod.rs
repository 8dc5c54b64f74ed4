//! The facts IR: plain serde structs passed between the pipeline stages.
//!
//! Extractors produce [`Dataset`]s, [`Flow`]s, [`Endpoint`]s and [`Control`]s;
//! `classify` fills [`Field::pi`]; `lineage` adds propagated tags and
//! protections; `rules` turns all of it into [`Finding`]s. The JSON report
//! (`docs`: output-contract) is a direct serialisation of [`Report`].

mod location;
mod report;

pub use location::{LineIndex, Location};
pub use report::*;

use serde::{Deserialize, Serialize};

/// What kind of thing a [`Dataset`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    /// A database table.
    Table,
    /// A database view (or materialized view).
    View,
    /// A message-queue topic.
    Topic,
    /// A file written or read by a job.
    File,
    /// An object-store bucket.
    Bucket,
    /// An HTTP API resource.
    Api,
    /// An ORM entity class.
    Entity,
}

/// A table, view or other collection of records, with its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Stable unique id: `<file>#<name>`.
    pub id: String,
    /// Kind of dataset.
    pub kind: DatasetKind,
    /// Name as declared, without quotes; may be schema-qualified.
    pub name: String,
    /// Dialect, engine or source system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Table comment, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Where the dataset is declared (or first seen).
    pub location: Location,
    /// Further files that define the same table (a second schema copy, a
    /// migration, a port to another dialect): one dataset, several
    /// locations, in file order. Since schema 2.0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// Fields in declaration order.
    pub fields: Vec<Field>,
}

/// One column or attribute of a [`Dataset`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Stable unique id: `<dataset id>.<name>`.
    pub id: String,
    /// Column name as declared, without quotes.
    pub name: String,
    /// Declared type, lower-cased (`varchar(18)`), if known.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Column comment, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Where the field is declared (or first seen).
    pub location: Location,
    /// PI tag, or `None` when the field is not personal information.
    pub pi: Option<PiTag>,
    /// Protections applied to the stored value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protection: Vec<Protection>,
    /// The table (and column) a declared foreign key points to
    /// (`REFERENCES patient(id)`, `@ManyToOne @JoinColumn`, a live catalogue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<ForeignKey>,
}

/// The target of a declared foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Referenced table, as written (may be schema-qualified).
    pub table: String,
    /// Referenced column, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

/// The classification of a field as personal information.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PiTag {
    /// Taxonomy id, e.g. `contact.phone`.
    pub category: String,
    /// Sensitive under the selected profile.
    pub sensitive: bool,
    /// Confidence in 0..=1.
    pub confidence: f64,
    /// Why the tag was given.
    pub evidence: Vec<Evidence>,
}

/// One reason for a [`PiTag`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// `name`, `comment`, `pinyin`, `type`, `context`, `lineage`, `value`, `override`.
    pub kind: String,
    /// Human-readable detail; never a raw sampled value.
    pub detail: String,
}

/// A protection on a stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// Encrypted at rest.
    Encrypted,
    /// Masked / desensitised.
    Masked,
    /// Hashed.
    Hashed,
    /// Replaced by a token.
    Tokenized,
}

/// How a flow changes the value it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Value copied unchanged.
    Copy,
    /// Value computed from the source by some expression.
    Derive,
    /// Hashed (md5, sha*, sm3…).
    Hash,
    /// Masked (partial replacement).
    Mask,
    /// Encrypted (aes_encrypt, sm4…).
    Encrypt,
    /// Aggregated over many rows (count, sum…).
    Aggregate,
}

impl Transform {
    /// The protection a value gains by passing through this transform.
    pub fn protection(self) -> Option<Protection> {
        match self {
            Transform::Hash => Some(Protection::Hashed),
            Transform::Mask => Some(Protection::Masked),
            Transform::Encrypt => Some(Protection::Encrypted),
            _ => None,
        }
    }

    /// Lower-case name, as in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Transform::Copy => "copy",
            Transform::Derive => "derive",
            Transform::Hash => "hash",
            Transform::Mask => "mask",
            Transform::Encrypt => "encrypt",
            Transform::Aggregate => "aggregate",
        }
    }
}

/// A movement of data from one field to another field or endpoint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Flow {
    /// Source field id.
    pub from: String,
    /// Target field or endpoint id.
    pub to: String,
    /// What happens to the value.
    pub transform: Transform,
    /// The statement or job causing the flow.
    pub location: Location,
    /// `column` (between fields, or a field and an endpoint) or `table`:
    /// between datasets whose column pairs are unknown (`INSERT … SELECT *`
    /// of a table no scanned file defines). Only written when `table`.
    #[serde(default, skip_serializing_if = "FlowLevel::is_column")]
    pub level: FlowLevel,
}

/// Whether a [`Flow`] pairs columns or only datasets.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FlowLevel {
    /// Field to field (or to an endpoint).
    #[default]
    Column,
    /// Dataset to dataset: the data moves, which columns go where is unknown.
    Table,
}

impl FlowLevel {
    /// True for [`FlowLevel::Column`] (the default, not written to JSON).
    pub fn is_column(&self) -> bool {
        *self == FlowLevel::Column
    }
}

impl Flow {
    /// Report order: by place in the source (file, line), then by ends and
    /// transform, so reports read top to bottom and never depend on hashing.
    pub fn report_order(&self) -> (&str, u32, &str, &str, Transform) {
        (
            &self.location.file,
            self.location.line,
            &self.from,
            &self.to,
            self.transform,
        )
    }
}

/// An external system data can reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Stable id, `endpoint:<kind>:<name>`.
    pub id: String,
    /// `object_store`, `message_queue`, `database`, `sdk`, `http_api`; from
    /// the Java flow pass also `log`, `file_export` and `api_response`
    /// (docs/java-flow.md).
    pub kind: String,
    /// Vendor, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Cloud region, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `mainland`, `hk_mo_tw`, `abroad` or `unknown`.
    pub jurisdiction: String,
    /// Where the endpoint is configured.
    pub location: Location,
    /// Host, bucket, topic or SDK name as configured (never a credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// True when a party other than the organisation receives the data
    /// (SDK vendors, SMS/push/map/payment services).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub third_party: bool,
    /// Spring profile of the configuring file (`prod`, `dev`…), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// PI categories (taxonomy ids) the service receives by default, from the
    /// SDK catalogue (`rules/catalog/sdks.yaml`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receives: Vec<String>,
    /// Host the endpoint talks to, when its name is not the host (a Kafka
    /// topic's brokers, a DataX writer's server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// How sure `third_party` is when it was not catalogued: `confirmed`
    /// (a declared `sharing[].endpoint` matches) or `needs_review` (a public
    /// host outside `organisation.domains`). See docs/declarations.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// The recipient's role when the service's kind says it
    /// (`entrusted`: an SMS, storage, push or OCR service processes PI on
    /// the operator's behalf, PIPL Art. 21); absent when it may be an
    /// independent handler (a payment or logistics provider, PIPL Art. 23).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl Endpoint {
    /// An endpoint of the organisation's own named `kind:name` (id
    /// `endpoint:<kind>:<name>`), not a third party, with no profile and no
    /// catalogue defaults; callers set those fields where they know them.
    pub fn named(
        kind: &str,
        name: String,
        vendor: String,
        region: Option<String>,
        jurisdiction: String,
        location: Location,
    ) -> Endpoint {
        Endpoint {
            id: format!("endpoint:{kind}:{name}"),
            kind: kind.into(),
            vendor: Some(vendor),
            region,
            jurisdiction,
            location,
            name: Some(name),
            third_party: false,
            profile: None,
            receives: Vec::new(),
            host: None,
            confidence: None,
            role: None,
        }
    }
}

/// A security control found in the scanned sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control {
    /// `log_retention`, `encrypt_rule`, `mask_rule`, `log_impl`, …
    pub kind: String,
    /// Retention in days, for retention controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_days: Option<u32>,
    /// Field or dataset the control applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Where the control is configured.
    pub location: Location,
    /// The configured setting, e.g. the log-impl class or the exposed
    /// actuator endpoints; never a secret's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Spring profile of the configuring file (`prod`, `dev`…), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The number the setting sets, in the unit its kind documents
    /// (minutes for `session_timeout`, attempts for `login_lockout`,
    /// characters for `password_min_length`, days for `password_expiry`);
    /// -1 for "never".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Other places the same control is found (a controller copied into a
    /// second module returning the same type at the same path): one
    /// finding, listing these among its `locations`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<Location>,
    /// Who reads a controller response (`pi_api_response`): `staff` behind
    /// a permission or role check, `service` for an internal service API
    /// that another service of the same repository calls (a `@FeignClient`);
    /// `None` for any caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Level of the log line (`pi_logged`, `body_logged`): the method called
    /// on the logger (`trace`, `debug`, `info`, `warn`, `error`, `fatal`),
    /// `debug`/`trace` for a call inside an `isDebugEnabled()`/
    /// `isTraceEnabled()` guard, `stdout`/`stderr` for `System.out`/`System.err`
    /// (no level: always written). Debug and trace lines are off in a default
    /// production configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    /// For a `debug`/`trace` log line: the production logging setting
    /// (`file:line` of `logging.level.<package>: debug` or a logback/log4j2
    /// logger at debug) that writes it (`classify::log_levels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_enabled_by: Option<String>,
}

impl Control {
    /// A control of `kind` found at `location`, nothing else known yet: the
    /// other fields are set with struct-update syntax
    /// (`Control { subject: Some(s), ..Control::at("pi_logged", loc) }`).
    pub fn at(kind: impl Into<String>, location: Location) -> Self {
        Control {
            kind: kind.into(),
            value_days: None,
            subject: None,
            location,
            value: None,
            profile: None,
            amount: None,
            copies: Vec::new(),
            audience: None,
            log_level: None,
            level_enabled_by: None,
        }
    }

    /// Of a Java flow control (`pi_http`, `pi_queue`, `pi_sdk`…, subject
    /// `chain → target: names`): the target (host, topic or SDK id) and the
    /// names of the values that reach it.
    pub fn flow_target(&self) -> Option<(&str, &str)> {
        self.subject
            .as_deref()
            .and_then(|s| s.rsplit(" → ").next())
            .and_then(|s| s.split_once(": "))
    }
}

/// A lineage path from a PI field to an endpoint abroad (or in Hong Kong,
/// Macao, Taiwan) or run by a third party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PiPath {
    /// The PI field the path starts at.
    pub from: String,
    /// The endpoint it reaches.
    pub to: String,
    /// Ids along the path, `from` first and `to` last.
    pub nodes: Vec<String>,
    /// Location of each hop (one per edge, in order).
    pub hops: Vec<Location>,
}

/// Text in both report languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I18n {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl I18n {
    /// The text for a language (`zh-CN`/`zh` → Chinese, else English).
    pub fn get(&self, lang: &str) -> &str {
        if lang.starts_with("zh") {
            &self.zh
        } else {
            &self.en
        }
    }
}
