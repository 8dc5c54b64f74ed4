//! The column lineage of a whole audit, in the shape of one file's
//! ([`SingleLineage`]): tables are the datasets (and endpoints), columns
//! their fields. The DOT, Mermaid and OpenLineage reports
//! (`crate::report::{dot, mermaid, openlineage}`) draw it.

use super::single::{ColumnEdge, SingleLineage};
use crate::model::{FieldIndex, Report};
use std::collections::BTreeSet;

/// Column name given to an endpoint, which has no columns of its own.
const ENDPOINT_COLUMN: &str = "*";

/// The (table, column) a flow end stands for: a field's dataset name and
/// field name, an endpoint's id, or the raw id split at its last dot.
pub fn flow_end(report: &Report, fields: &FieldIndex<'_>, id: &str) -> (String, String) {
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
        let (st, sc) = flow_end(report, &fields, &fl.from);
        let (tt, tc) = flow_end(report, &fields, &fl.to);
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
