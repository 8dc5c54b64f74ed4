//! PostgreSQL catalog reader: `pg_catalog` (classes, attributes,
//! descriptions, constraints, ACLs) and `pg_get_viewdef`.
//!
//! The session is opened with `default_transaction_read_only=on` and a
//! `statement_timeout`, and every operation runs in a transaction started
//! `READ ONLY`, so even a statement the tool never means to send could not
//! write.

use super::{
    pg_ident, sample_query, Catalog, CatalogColumn, CatalogTable, ConnInfo, DbError, ForeignKey,
    Grant, Session, SAMPLE_VALUE_CHARS,
};
use crate::model::DatasetKind;
use ::postgres::{Client, NoTls};
use std::time::Duration;

/// A read-only PostgreSQL session.
pub struct PgSession {
    client: Client,
    /// Statements sent, in order (see [`Session::statements`]).
    log: Vec<String>,
}

/// `START TRANSACTION` as the driver sends it for a read-only transaction.
const BEGIN_READ_ONLY: &str = "START TRANSACTION READ ONLY";

fn err(e: ::postgres::Error) -> DbError {
    match e.as_db_error() {
        Some(db) => DbError(format!("{} ({})", db.message(), db.code().code())),
        None => {
            // The driver's message alone says "error connecting to server";
            // the cause (refused, timed out, TLS demanded…) is in its source.
            let mut m = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                m.push_str(": ");
                m.push_str(&s.to_string());
                src = s.source();
            }
            DbError(m)
        }
    }
}

/// Schemas never read: the server's own.
const SYSTEM_FILTER: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
     AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1::text[]))";

impl PgSession {
    /// Connects without TLS, read-only, with a statement timeout.
    pub fn connect(info: &ConnInfo, timeout: Duration) -> Result<PgSession, DbError> {
        let options = format!(
            "-c default_transaction_read_only=on -c statement_timeout={} -c lock_timeout={}",
            timeout.as_millis(),
            timeout.as_millis()
        );
        let mut cfg = ::postgres::Config::new();
        cfg.host(&info.host)
            .port(info.port)
            .user(info.user.as_deref().unwrap_or("postgres"))
            .dbname(info.database.as_deref().unwrap_or("postgres"))
            .application_name("piaudit (read-only audit)")
            .connect_timeout(Duration::from_secs(10))
            .options(&options);
        if let Some(p) = &info.password {
            cfg.password(p);
        }
        let client = cfg.connect(NoTls).map_err(err)?;
        Ok(PgSession {
            client,
            log: vec![format!("-- connection options: {options}")],
        })
    }
}

fn kind_of(relkind: &str) -> DatasetKind {
    match relkind {
        "v" | "m" => DatasetKind::View,
        _ => DatasetKind::Table,
    }
}

impl Session for PgSession {
    fn catalog(&mut self, schemas: &[String]) -> Result<Catalog, DbError> {
        let schemas: Vec<String> = schemas.to_vec();
        let mut tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(err)?;
        self.log.push(BEGIN_READ_ONLY.into());
        let with_schemas = |sql: &str| format!("{sql} -- $1 = {schemas:?}");
        let mut cat = Catalog::default();
        let columns_sql = format!(
                    "SELECT n.nspname::text, c.relname::text, c.relkind::text, \
                            obj_description(c.oid, 'pg_class'), a.attname::text, \
                            format_type(a.atttypid, a.atttypmod), col_description(c.oid, a.attnum), \
                            CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END \
                     FROM pg_class c \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
                     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition \
                       AND {SYSTEM_FILTER} \
                     ORDER BY 1, 2, a.attnum"
        );
        self.log.push(with_schemas(&columns_sql));
        let rows = tx.query(&columns_sql, &[&schemas]).map_err(err)?;
        for r in rows {
            let schema: String = r.get(0);
            let name: String = r.get(1);
            let same = cat
                .tables
                .last()
                .is_some_and(|t: &CatalogTable| t.schema == schema && t.name == name);
            if !same {
                let relkind: String = r.get(2);
                cat.tables.push(CatalogTable {
                    schema,
                    name,
                    kind: kind_of(&relkind),
                    comment: r.get(3),
                    columns: Vec::new(),
                    definition: r.get(7),
                });
            }
            if let Some(t) = cat.tables.last_mut() {
                t.columns.push(CatalogColumn {
                    name: r.get(4),
                    data_type: r.get(5),
                    comment: r.get(6),
                });
            }
        }
        let fks_sql = format!(
                "SELECT n.nspname::text || '.' || c.relname::text, a.attname::text, \
                        fn.nspname::text || '.' || fc.relname::text, fa.attname::text \
                 FROM pg_constraint k \
                 JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_class fc ON fc.oid = k.confrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
                 CROSS JOIN LATERAL unnest(k.conkey, k.confkey) AS u(col, fcol) \
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.col \
                 JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = u.fcol \
                 WHERE k.contype = 'f' AND {SYSTEM_FILTER} ORDER BY 1, 2, 3, 4"
        );
        self.log.push(with_schemas(&fks_sql));
        let fks = tx.query(&fks_sql, &[&schemas]);
        match fks {
            Ok(rows) => {
                cat.foreign_keys = rows
                    .iter()
                    .map(|r| ForeignKey {
                        table: r.get(0),
                        column: r.get(1),
                        ref_table: r.get(2),
                        ref_column: r.get(3),
                    })
                    .collect()
            }
            Err(e) => cat
                .warnings
                .push(format!("foreign keys not read: {}", err(e))),
        }
        // Who may read each table: explicit ACL entries (SELECT) and the owner.
        let grants_sql = format!(
                "SELECT n.nspname::text || '.' || c.relname::text, \
                        COALESCE(r.rolname::text, 'PUBLIC'), a.privilege_type::text \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 CROSS JOIN LATERAL aclexplode(c.relacl) a \
                 LEFT JOIN pg_roles r ON r.oid = a.grantee \
                 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.privilege_type = 'SELECT' \
                   AND {SYSTEM_FILTER} \
                 UNION \
                 SELECT n.nspname::text || '.' || c.relname::text, pg_get_userbyid(c.relowner)::text, 'OWNER' \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition AND {SYSTEM_FILTER} \
                 ORDER BY 1, 2, 3"
        );
        self.log.push(with_schemas(&grants_sql));
        let grants = tx.query(&grants_sql, &[&schemas]);
        match grants {
            Ok(rows) => {
                cat.grants = rows
                    .iter()
                    .map(|r| Grant {
                        table: r.get(0),
                        grantee: r.get(1),
                        privilege: r.get(2),
                    })
                    .collect()
            }
            Err(e) => cat.warnings.push(format!("grants not read: {}", err(e))),
        }
        // Nothing to keep: end the read-only transaction without committing.
        self.log.push("ROLLBACK".into());
        tx.rollback().map_err(err)?;
        Ok(cat)
    }

    fn sample(
        &mut self,
        schema: &str,
        table: &str,
        columns: &[String],
        rows: u32,
    ) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let sql = sample_query(schema, table, columns, rows, pg_ident, |c| {
            format!("left({c}::text, {SAMPLE_VALUE_CHARS})")
        });
        let mut tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(err)?;
        self.log.push(BEGIN_READ_ONLY.into());
        self.log.push(sql.clone());
        self.log.push("ROLLBACK".into());
        let got = tx.query(sql.as_str(), &[]).map_err(err)?;
        let out = got
            .iter()
            .map(|r| {
                (0..columns.len())
                    .map(|i| r.get::<_, Option<String>>(i))
                    .collect()
            })
            .collect();
        tx.rollback().map_err(err)?;
        Ok(out)
    }

    fn execute_read_only(&mut self, sql: &str) -> Result<(), DbError> {
        let mut tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(err)?;
        self.log.push(BEGIN_READ_ONLY.into());
        self.log.push(sql.to_string());
        self.log.push("ROLLBACK".into());
        tx.batch_execute(sql).map_err(err)?;
        tx.rollback().map_err(err)
    }

    fn statements(&self) -> Vec<String> {
        self.log.clone()
    }
}
