//! Live database tables (from `crate::db`) meet the tables declared in code:
//! a live `schema.table` whose twin is declared in code becomes the same
//! dataset (one node, the code's id), and the differences between the two
//! are reported as drift diagnostics.

use super::{last_part, Builder};
use crate::extract::TableDef;
use crate::model::{Diagnostic, DiagnosticLevel, Field};

/// True for the pseudo file of a live database (`db:postgres://…`).
pub(super) fn is_live(file: &str) -> bool {
    file.starts_with(crate::db::SOURCE_PREFIX)
}

/// Comments compare equal when they differ only in surrounding blanks.
fn same_comment(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}

impl Builder {
    /// Defines a live table, merging it into its code twin when there is one.
    pub(super) fn define_live(&mut self, file: &str, t: &TableDef, system: Option<String>) {
        let Some(i) = self.code_twin(&t.name) else {
            self.define(file, t, system);
            return;
        };
        let live_id = format!("{file}#{}", t.name);
        self.aliases
            .insert(live_id.clone(), self.datasets[i].id.clone());
        self.by_id.insert(live_id, i);
        // The live name (`schema.table`) now also resolves to the twin, so
        // view lineage and samples read from the database land on it.
        let full = self.by_full_name.entry(t.name.to_lowercase()).or_default();
        if !full.contains(&i) {
            full.insert(0, i);
        }
        self.report_drift(i, file, t);
    }

    /// The code dataset a live `schema.table` is the same table as: the one
    /// declared with the same qualified name, else an unqualified
    /// declaration of the same table name; each code table has one twin.
    fn code_twin(&self, name: &str) -> Option<usize> {
        let lower = name.to_lowercase();
        let usable = |i: usize| {
            let d = &self.datasets[i];
            !is_live(&d.location.file) && !self.aliases.values().any(|id| *id == d.id)
        };
        if let Some(i) = self
            .by_full_name
            .get(&lower)
            .and_then(|c| c.iter().copied().find(|&i| usable(i)))
        {
            return Some(i);
        }
        self.by_last_name.get(last_part(&lower)).and_then(|c| {
            c.iter()
                .copied()
                .find(|&i| usable(i) && !self.datasets[i].name.contains('.'))
        })
    }

    /// Fills what the code leaves out (types, comments, columns only the
    /// database has) and reports every difference.
    fn report_drift(&mut self, i: usize, file: &str, t: &TableDef) {
        let ds = &mut self.datasets[i];
        let declared_at = ds.location.to_string();
        let mut drift = Vec::new();
        match (&ds.comment, &t.comment) {
            (None, Some(c)) => ds.comment = Some(c.clone()),
            (Some(code), Some(db)) if !same_comment(code, db) => drift.push(Diagnostic {
                file: file.to_string(),
                line: t.location.line,
                severity: DiagnosticLevel::Warning,
                message: format!(
                    "drift: comment of table `{}` differs: code says “{code}” ({declared_at}), the database “{db}”",
                    t.name
                ),
            }),
            _ => {}
        }
        for c in &t.columns {
            match ds
                .fields
                .iter_mut()
                .find(|f| f.name.eq_ignore_ascii_case(&c.name))
            {
                Some(f) => {
                    if f.data_type.is_none() {
                        f.data_type = c.data_type.clone();
                    }
                    if f.references.is_none() {
                        f.references = c.references.clone();
                    }
                    match (&f.comment, &c.comment) {
                        (None, Some(db)) => f.comment = Some(db.clone()),
                        (Some(code), Some(db)) if !same_comment(code, db) => {
                            drift.push(Diagnostic {
                                file: file.to_string(),
                                line: c.location.line,
                                severity: DiagnosticLevel::Warning,
                                message: format!(
                                    "drift: comment of column `{}.{}` differs: code says “{code}” ({}), the database “{db}”",
                                    t.name, c.name, f.location
                                ),
                            })
                        }
                        _ => {}
                    }
                }
                None => {
                    drift.push(Diagnostic {
                        file: file.to_string(),
                        line: c.location.line,
                        severity: DiagnosticLevel::Warning,
                        message: format!(
                            "drift: column `{}.{}` exists in the database but not in the code (table declared at {declared_at})",
                            t.name, c.name
                        ),
                    });
                    ds.fields.push(Field {
                        references: c.references.clone(),
                        id: format!("{}.{}", ds.id, c.name),
                        name: c.name.clone(),
                        data_type: c.data_type.clone(),
                        comment: c.comment.clone(),
                        location: c.location.clone(),
                        pi: None,
                        protection: Vec::new(),
                    });
                }
            }
        }
        for f in &ds.fields {
            let in_db = t
                .columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(&f.name));
            if !in_db {
                drift.push(Diagnostic {
                    file: f.location.file.clone(),
                    line: f.location.line,
                    severity: DiagnosticLevel::Warning,
                    message: format!(
                        "drift: column `{}.{}` is declared in code but missing from the database table `{}` ({file})",
                        ds.name, f.name, t.name
                    ),
                });
            }
        }
        self.diagnostics.extend(drift);
    }
}

#[cfg(test)]
mod tests {
    use crate::extract::sql::{extract, SqlDialect};
    use crate::extract::{ColumnDef, FileFacts, TableDef};
    use crate::facts::assemble;
    use crate::model::{DatasetKind, Location};

    fn live(file: &str, table: &str, cols: &[(&str, Option<&str>)]) -> FileFacts {
        FileFacts {
            file: file.into(),
            dialect: Some(SqlDialect::Postgres),
            tables: vec![TableDef {
                name: table.into(),
                kind: DatasetKind::Table,
                comment: None,
                location: Location::line(file, 1),
                columns: cols
                    .iter()
                    .enumerate()
                    .map(|(i, (n, c))| ColumnDef {
                        references: None,
                        name: (*n).into(),
                        data_type: Some("varchar(20)".into()),
                        comment: c.map(str::to_string),
                        location: Location::at(file, 1, i as u32 + 1),
                    })
                    .collect(),
                recovered: false,
            }],
            ..FileFacts::default()
        }
    }

    #[test]
    fn live_table_merges_with_its_code_twin_and_drift_is_reported() {
        let code = extract(
            "ddl/crm.sql",
            "CREATE TABLE customer (id bigint, mobile varchar(11) COMMENT '手机号', fax varchar(20));",
            SqlDialect::Mysql,
        );
        let db = "db:mysql://h:3306/crm";
        let a = assemble(&mut [
            code,
            live(
                db,
                "crm.customer",
                &[
                    ("id", None),
                    ("mobile", Some("联系电话")),
                    ("id_card", Some("身份证号")),
                ],
            ),
        ]);
        assert_eq!(a.datasets.len(), 1, "{:?}", a.datasets);
        let d = &a.datasets[0];
        assert_eq!(d.id, "ddl/crm.sql#customer");
        let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "mobile", "fax", "id_card"]);
        assert_eq!(d.fields[3].comment.as_deref(), Some("身份证号"));
        assert_eq!(
            a.aliases
                .get("db:mysql://h:3306/crm#crm.customer")
                .map(String::as_str),
            Some("ddl/crm.sql#customer")
        );
        let drift: Vec<&str> = a
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with("drift"))
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(drift.len(), 3, "{drift:?}");
        assert!(drift
            .iter()
            .any(|m| m.contains("`crm.customer.id_card` exists in the database")));
        assert!(drift
            .iter()
            .any(|m| m.contains("`customer.fax` is declared in code but missing")));
        assert!(drift
            .iter()
            .any(|m| m.contains("“手机号”") && m.contains("“联系电话”")));
    }

    #[test]
    fn other_schemas_and_qualified_mismatches_stay_apart() {
        let code = extract(
            "a.sql",
            "CREATE TABLE sales.customer (id bigint);",
            SqlDialect::Postgres,
        );
        let a = assemble(&mut [
            code,
            live("db:postgres://h:5432/x", "crm.customer", &[("id", None)]),
        ]);
        assert_eq!(a.datasets.len(), 2);
        assert!(a.aliases.is_empty());
        assert!(a
            .diagnostics
            .iter()
            .all(|d| !d.message.starts_with("drift")));
    }
}
