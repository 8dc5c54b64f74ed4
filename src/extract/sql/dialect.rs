//! SQL dialects: naming, detection from path and content, and the mapping to
//! sqlparser's dialects (through `dialect_from_str`, and nowhere else).

use super::split::SplitOptions;
use serde::{Deserialize, Serialize};
use sqlparser::dialect::{dialect_from_str, Dialect, GenericDialect};
use std::fmt;
use std::str::FromStr;

/// A SQL dialect family piaudit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqlDialect {
    /// MySQL and MySQL-compatible (MariaDB, TiDB, OceanBase, PolarDB).
    Mysql,
    /// PostgreSQL and PG-compatible (openGauss, Kingbase, HighGo, GaussDB).
    Postgres,
    /// Oracle and Dameng (DM).
    Oracle,
    /// SQL Server.
    Mssql,
    /// SQLite.
    Sqlite,
    /// Hive / Spark SQL.
    Hive,
    /// ClickHouse.
    Clickhouse,
    /// Anything else.
    Generic,
}

impl SqlDialect {
    /// Every dialect, for `--help` and error messages.
    pub const ALL: [SqlDialect; 8] = [
        SqlDialect::Mysql,
        SqlDialect::Postgres,
        SqlDialect::Oracle,
        SqlDialect::Mssql,
        SqlDialect::Sqlite,
        SqlDialect::Hive,
        SqlDialect::Clickhouse,
        SqlDialect::Generic,
    ];

    /// The dialect's name, as accepted by `--dialect` and shown in reports.
    pub fn name(self) -> &'static str {
        match self {
            SqlDialect::Mysql => "mysql",
            SqlDialect::Postgres => "postgres",
            SqlDialect::Oracle => "oracle",
            SqlDialect::Mssql => "mssql",
            SqlDialect::Sqlite => "sqlite",
            SqlDialect::Hive => "hive",
            SqlDialect::Clickhouse => "clickhouse",
            SqlDialect::Generic => "generic",
        }
    }

    /// The sqlparser dialect that reads it.
    pub fn parser_dialect(self) -> Box<dyn Dialect> {
        dialect_from_str(self.name()).unwrap_or_else(|| Box::new(GenericDialect {}))
    }

    /// Lexical options for the statement splitter.
    pub fn split_options(self) -> SplitOptions {
        SplitOptions {
            backslash_escapes: matches!(
                self,
                SqlDialect::Mysql | SqlDialect::Hive | SqlDialect::Clickhouse
            ),
            hash_comments: matches!(self, SqlDialect::Mysql),
            dollar_quotes: matches!(self, SqlDialect::Postgres | SqlDialect::Generic),
            slash_terminator: matches!(self, SqlDialect::Oracle),
            go_batches: matches!(self, SqlDialect::Mssql),
        }
    }

    /// Guesses the dialect of a file from its path and its first bytes.
    ///
    /// Path hints win (a repo's `sql/postgresql/` folder says more than any
    /// token); content markers decide otherwise; MySQL is the default because
    /// it dominates Chinese enterprise schemas.
    pub fn detect(path: &str, text: &str) -> SqlDialect {
        let p = path.to_ascii_lowercase();
        let hints: [(&[&str], SqlDialect); 7] = [
            (
                &[
                    "postgres",
                    "pgsql",
                    "opengauss",
                    "kingbase",
                    "highgo",
                    "gauss",
                    "/pg/",
                    "_pg",
                    "pg_",
                ],
                SqlDialect::Postgres,
            ),
            (
                &["mysql", "mariadb", "tidb", "oceanbase", "polardb"],
                SqlDialect::Mysql,
            ),
            (
                &["oracle", "/dm/", "dameng", "_dm", "dm8"],
                SqlDialect::Oracle,
            ),
            (
                &["sqlserver", "mssql", "sql_server", "tsql"],
                SqlDialect::Mssql,
            ),
            (&["sqlite"], SqlDialect::Sqlite),
            (&["hive", "spark"], SqlDialect::Hive),
            (&["clickhouse"], SqlDialect::Clickhouse),
        ];
        for (needles, dialect) in hints {
            if needles.iter().any(|n| p.contains(n)) {
                return dialect;
            }
        }
        let head = &text[..floor_char_boundary(text, text.len().min(64 * 1024))];
        let mysql = [
            "`",
            "ENGINE=",
            "ENGINE =",
            "AUTO_INCREMENT",
            "CHARSET=",
            "unsigned",
        ]
        .iter()
        .filter(|m| head.contains(*m))
        .count();
        let postgres = [
            "COMMENT ON ",
            "::",
            "SERIAL",
            "$$",
            "search_path",
            "CREATE EXTENSION",
            "OWNER TO",
            "nextval(",
        ]
        .iter()
        .filter(|m| head.contains(*m))
        .count();
        let oracle = ["VARCHAR2", "NUMBER(", "NVARCHAR2", "TABLESPACE"]
            .iter()
            .filter(|m| head.contains(*m))
            .count();
        let mssql = ["[dbo]", "NVARCHAR(MAX)", "\nGO\n", "IDENTITY("]
            .iter()
            .filter(|m| head.contains(*m))
            .count();
        let best = [
            (mysql, SqlDialect::Mysql),
            (postgres, SqlDialect::Postgres),
            (oracle, SqlDialect::Oracle),
            (mssql, SqlDialect::Mssql),
        ]
        .into_iter()
        .max_by_key(|(n, _)| *n)
        .filter(|(n, _)| *n > 0);
        best.map_or(SqlDialect::Mysql, |(_, d)| d)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for SqlDialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SqlDialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let d = match lower.as_str() {
            "mysql" | "mariadb" | "tidb" | "oceanbase" | "polardb" => SqlDialect::Mysql,
            "postgres" | "postgresql" | "pg" | "opengauss" | "kingbase" | "highgo" | "gaussdb" => {
                SqlDialect::Postgres
            }
            "oracle" | "dm" | "dameng" => SqlDialect::Oracle,
            "mssql" | "sqlserver" | "tsql" => SqlDialect::Mssql,
            "sqlite" => SqlDialect::Sqlite,
            "hive" | "spark" | "sparksql" => SqlDialect::Hive,
            "clickhouse" => SqlDialect::Clickhouse,
            "generic" | "ansi" => SqlDialect::Generic,
            _ => {
                let known: Vec<&str> = SqlDialect::ALL.iter().map(|d| d.name()).collect();
                return Err(format!(
                    "unknown SQL dialect `{s}`; known: {}",
                    known.join(", ")
                ));
            }
        };
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_hints_win() {
        assert_eq!(
            SqlDialect::detect("sql/postgresql/a.sql", "`x` ENGINE=InnoDB"),
            SqlDialect::Postgres
        );
        assert_eq!(
            SqlDialect::detect("db/mysql/init.sql", "COMMENT ON"),
            SqlDialect::Mysql
        );
    }

    #[test]
    fn content_markers() {
        assert_eq!(
            SqlDialect::detect("a.sql", "CREATE TABLE `t` (id int) ENGINE=InnoDB;"),
            SqlDialect::Mysql
        );
        assert_eq!(
            SqlDialect::detect(
                "a.sql",
                "CREATE TABLE t (id SERIAL); COMMENT ON TABLE t IS 'x';"
            ),
            SqlDialect::Postgres
        );
        assert_eq!(
            SqlDialect::detect("a.sql", "CREATE TABLE t (a VARCHAR2(10))"),
            SqlDialect::Oracle
        );
        assert_eq!(SqlDialect::detect("a.sql", "select 1"), SqlDialect::Mysql);
    }

    #[test]
    fn names_round_trip() {
        for d in SqlDialect::ALL {
            assert_eq!(d.name().parse::<SqlDialect>().unwrap(), d);
        }
        assert!("cobol"
            .parse::<SqlDialect>()
            .unwrap_err()
            .contains("known: mysql"));
    }
}
