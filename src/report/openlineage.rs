//! `lineage.openlineage.json`: the audit as one OpenLineage `RunEvent`
//! (eventType `COMPLETE`) with the column-lineage facet, for Marquez and
//! DataHub.

use crate::error::Error;
use crate::lineage::whole::flow_end;
use crate::model::Transform;
use crate::Audit;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// OpenLineage spec version the event follows.
const OPENLINEAGE_SCHEMA: &str =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const COLUMN_LINEAGE_SCHEMA: &str =
    "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet";
const SCHEMA_FACET_SCHEMA: &str =
    "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";

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
pub fn event(audit: &Audit) -> Value {
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
        let (st, sc) = flow_end(r, &fields, &fl.from);
        let (tt, tc) = flow_end(r, &fields, &fl.to);
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

/// Renders the event, pretty-printed, with a final newline.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let mut text = serde_json::to_string_pretty(&event(audit)).map_err(|e| Error::Render {
        format: "openlineage".into(),
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
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
