//! Lineage of a whole audit, for other tools: Graphviz DOT, Mermaid and an
//! OpenLineage `RunEvent` with the column-lineage facet (Marquez, DataHub).
//!
//! DOT and Mermaid reuse the single-file renderers of [`super::single`]: the
//! audit's flows are turned into a [`SingleLineage`] whose tables are the
//! datasets (and endpoints) and whose columns are the fields.

use super::single::{ColumnEdge, SingleLineage};
use crate::model::{FieldIndex, Report, Transform};
use crate::Audit;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Column name given to an endpoint, which has no columns of its own.
const ENDPOINT_COLUMN: &str = "*";

/// OpenLineage spec version the event follows.
const OPENLINEAGE_SCHEMA: &str =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const COLUMN_LINEAGE_SCHEMA: &str =
    "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet";
const SCHEMA_FACET_SCHEMA: &str =
    "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";

/// The (table, column) a flow end stands for: a field's dataset name and
/// field name, an endpoint's id, or the raw id split at its last dot.
fn parts(report: &Report, fields: &FieldIndex<'_>, id: &str) -> (String, String) {
    if let Some((d, f)) = fields.get(id) {
        return (d.name.clone(), f.name.clone());
    }
    if report.endpoints.iter().any(|e| e.id == id) || id.starts_with("endpoint:") {
        return (id.to_string(), ENDPOINT_COLUMN.to_string());
    }
    match id.rsplit_once('.') {
        Some((t, c)) => (t.to_string(), c.to_string()),
        None => (id.to_string(), ENDPOINT_COLUMN.to_string()),
    }
}

/// The audit's flows as one [`SingleLineage`]: tables are dataset names,
/// sources are tables only read, targets tables only written. Sorted and
/// deduplicated, so the output is deterministic.
pub fn audit_lineage(report: &Report) -> SingleLineage {
    let mut edges = BTreeSet::new();
    let mut reads = BTreeSet::new();
    let mut writes = BTreeSet::new();
    let fields = report.field_index();
    for fl in &report.flows {
        let (st, sc) = parts(report, &fields, &fl.from);
        let (tt, tc) = parts(report, &fields, &fl.to);
        reads.insert(st.clone());
        writes.insert(tt.clone());
        edges.insert(ColumnEdge {
            source: format!("{st}.{sc}"),
            target: format!("{tt}.{tc}"),
            transform: fl.transform,
            source_parts: (st, sc),
            target_parts: (tt, tc),
        });
    }
    SingleLineage {
        source_tables: reads.difference(&writes).cloned().collect(),
        target_tables: writes.difference(&reads).cloned().collect(),
        column_lineage: edges.into_iter().collect(),
        diagnostics: Vec::new(),
    }
}

/// Graphviz DOT of the whole audit's column lineage.
pub fn to_dot(audit: &Audit) -> String {
    audit_lineage(&audit.report).to_dot()
}

/// Mermaid flowchart of the whole audit's column lineage.
pub fn to_mermaid(audit: &Audit) -> String {
    audit_lineage(&audit.report).to_mermaid()
}

/// OpenLineage transformation (type, subtype, masking) of a flow's transform.
fn transformation(t: Transform) -> Value {
    let (subtype, masking) = match t {
        Transform::Copy => ("IDENTITY", false),
        Transform::Derive => ("TRANSFORMATION", false),
        Transform::Hash | Transform::Mask | Transform::Encrypt => ("TRANSFORMATION", true),
        Transform::Aggregate => ("AGGREGATION", false),
    };
    json!({ "type": "DIRECT", "subtype": subtype, "description": t.as_str(), "masking": masking })
}

/// A UUID-shaped id derived from the content, so the event is reproducible.
fn stable_uuid(seed: &str) -> String {
    let h = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x80; // version 8: custom, content-derived
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// An OpenLineage `RunEvent` (eventType `COMPLETE`) for the audit as one
/// job: inputs are the datasets flows read, outputs those they write, each
/// output with a `columnLineage` facet, every dataset with a `schema` facet
/// and a `piaudit_personalInformation` facet naming its PI fields.
pub fn openlineage(audit: &Audit) -> Value {
    let r = &audit.report;
    let producer = format!("urn:piaudit:{}", r.tool.version);
    let namespace = format!(
        "piaudit://{}",
        r.scan.roots.first().map_or(".", String::as_str)
    );
    let facet_base = |schema: &str| {
        let mut m = Map::new();
        m.insert("_producer".into(), json!(producer));
        m.insert("_schemaURL".into(), json!(schema));
        m
    };
    // Column lineage per output dataset: target column → source columns.
    type Inputs = BTreeMap<String, BTreeSet<(String, String, Transform)>>;
    let mut by_output: BTreeMap<String, Inputs> = BTreeMap::new();
    let mut inputs: BTreeSet<String> = BTreeSet::new();
    let fields = r.field_index();
    for fl in &r.flows {
        let (st, sc) = parts(r, &fields, &fl.from);
        let (tt, tc) = parts(r, &fields, &fl.to);
        inputs.insert(st.clone());
        by_output
            .entry(tt)
            .or_default()
            .entry(tc)
            .or_default()
            .insert((st, sc, fl.transform));
    }
    let dataset_facets = |name: &str| -> Map<String, Value> {
        let mut facets = Map::new();
        let Some(d) = r.datasets.iter().find(|d| d.name == name) else {
            return facets;
        };
        let mut schema = facet_base(SCHEMA_FACET_SCHEMA);
        let fields: Vec<Value> = d
            .fields
            .iter()
            .map(|f| {
                let mut o = Map::new();
                o.insert("name".into(), json!(f.name));
                if let Some(t) = &f.data_type {
                    o.insert("type".into(), json!(t));
                }
                if let Some(c) = &f.comment {
                    o.insert("description".into(), json!(c));
                }
                Value::Object(o)
            })
            .collect();
        schema.insert("fields".into(), json!(fields));
        facets.insert("schema".into(), Value::Object(schema));
        let pi: Map<String, Value> = d
            .fields
            .iter()
            .filter_map(|f| {
                let p = f.pi.as_ref()?;
                Some((
                    f.name.clone(),
                    json!({ "category": p.category, "sensitive": p.sensitive, "protection": f.protection }),
                ))
            })
            .collect();
        if !pi.is_empty() {
            let mut facet = facet_base("urn:piaudit:facets:personalInformation:1");
            facet.insert("fields".into(), Value::Object(pi));
            facets.insert("piaudit_personalInformation".into(), Value::Object(facet));
        }
        facets
    };
    let input_list: Vec<Value> = inputs
        .iter()
        .map(|name| json!({ "namespace": namespace, "name": name, "facets": dataset_facets(name) }))
        .collect();
    let output_list: Vec<Value> = by_output
        .iter()
        .map(|(name, columns)| {
            let mut facets = dataset_facets(name);
            let fields: Map<String, Value> = columns
                .iter()
                .map(|(column, sources)| {
                    let input_fields: Vec<Value> = sources
                        .iter()
                        .map(|(t, c, tr)| {
                            json!({ "namespace": namespace, "name": t, "field": c,
                                    "transformations": [transformation(*tr)] })
                        })
                        .collect();
                    (column.clone(), json!({ "inputFields": input_fields }))
                })
                .collect();
            let mut cl = facet_base(COLUMN_LINEAGE_SCHEMA);
            cl.insert("fields".into(), Value::Object(fields));
            facets.insert("columnLineage".into(), Value::Object(cl));
            json!({ "namespace": namespace, "name": name, "facets": facets })
        })
        .collect();
    let job_name = format!("piaudit.audit.{}", r.tool.pack);
    let run_id = stable_uuid(&format!(
        "{namespace}\n{job_name}\n{}\n{}",
        audit.date,
        serde_json::to_string(&r.flows).unwrap_or_default()
    ));
    json!({
        "eventType": "COMPLETE",
        "eventTime": format!("{}T00:00:00Z", audit.date),
        "run": { "runId": run_id },
        "job": { "namespace": namespace, "name": job_name },
        "inputs": input_list,
        "outputs": output_list,
        "producer": producer,
        "schemaURL": OPENLINEAGE_SCHEMA,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_uuid_is_uuid_shaped_and_deterministic() {
        let a = stable_uuid("x");
        assert_eq!(a, stable_uuid("x"));
        assert_ne!(a, stable_uuid("y"));
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, vec![8, 4, 4, 4, 12]);
        assert_eq!(&a[14..15], "8");
    }

    #[test]
    fn masking_transforms_are_flagged() {
        assert_eq!(transformation(Transform::Hash)["masking"], json!(true));
        assert_eq!(
            transformation(Transform::Copy)["subtype"],
            json!("IDENTITY")
        );
        assert_eq!(
            transformation(Transform::Aggregate)["subtype"],
            json!("AGGREGATION")
        );
    }
}
