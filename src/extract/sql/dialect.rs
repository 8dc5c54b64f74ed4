//! SQL dialects: naming, detection from path and content, and the mapping to
//! sqlparser's dialects (through `dialect_from_str`, and nowhere else).

use super::split::SplitOptions;
use serde::{Deserialize, Deserializer, Serialize};
use sqlparser::dialect::{dialect_from_str, Dialect, GenericDialect};
use std::fmt;
use std::str::FromStr;

/// A SQL dialect family piaudit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
        // Plain .sql files in Chinese enterprise repos are MySQL dumps more
        // often than anything else, so an unmarked file is read as MySQL.
        Self::detect_marked(path, text).unwrap_or(SqlDialect::Mysql)
    }

    /// The dialect a path hint or content markers point to, or `None` when
    /// nothing in the file marks one (the caller picks its own default:
    /// dbt models, say, are ANSI-ish and must not get MySQL's `--` rule).
    pub fn detect_marked(path: &str, text: &str) -> Option<SqlDialect> {
        if let Some(d) = Self::from_path(path) {
            return Some(d);
        }
        let head = &text[..floor_char_boundary(text, text.len().min(64 * 1024))];
        let count = |markers: &[&str]| markers.iter().filter(|m| head.contains(*m)).count();
        // Engine-specific DDL outweighs markers several dialects share.
        let clickhouse = 3 * count(&["MergeTree", "LowCardinality(", "ENGINE = Log", "ENGINE=Log"])
            + count(&[
                "Nullable(",
                "DateTime64",
                "UInt32",
                "UInt64",
                "ORDER BY tuple()",
            ]);
        let hive = 3 * count(&[
            "STORED AS ",
            "ROW FORMAT ",
            "TBLPROPERTIES",
            "USING parquet",
            "USING delta",
        ]) + count(&[
            "PARTITIONED BY",
            "LOCATION 'hdfs",
            "INSERT OVERWRITE",
            "LATERAL VIEW",
        ]);
        let sqlite =
            3 * count(&["AUTOINCREMENT", "sqlite_sequence", "PRAGMA "]) + count(&["WITHOUT ROWID"]);
        let mysql = count(&[
            "`",
            "ENGINE=InnoDB",
            "ENGINE = InnoDB",
            "ENGINE=MyISAM",
            "AUTO_INCREMENT",
            "CHARSET=",
            "unsigned",
        ]);
        let postgres = count(&[
            "COMMENT ON ",
            "::",
            "SERIAL",
            "$$",
            "search_path",
            "CREATE EXTENSION",
            "OWNER TO",
            "nextval(",
        ]);
        let oracle = count(&[
            "VARCHAR2",
            "NUMBER(",
            "NVARCHAR2",
            "TABLESPACE",
            "SYSDATE",
            "NVL(",
            "CLOB",
        ]);
        let mssql = count(&["[dbo]", "NVARCHAR(MAX)", "\nGO\n", "IDENTITY(", "\nGO\r\n"]);
        let best = [
            (mysql, SqlDialect::Mysql),
            (postgres, SqlDialect::Postgres),
            (oracle, SqlDialect::Oracle),
            (mssql, SqlDialect::Mssql),
            (hive, SqlDialect::Hive),
            (clickhouse, SqlDialect::Clickhouse),
            (sqlite, SqlDialect::Sqlite),
        ]
        .into_iter()
        // Ties go to the earlier (more common) dialect.
        .fold(
            (0, None),
            |acc, (n, d)| if n > acc.0 { (n, Some(d)) } else { acc },
        );
        best.1
    }

    /// The dialect a path names: a folder or file word such as `postgresql`,
    /// `kingbase8`, `dm`, `oceanbase`. Words are matched whole or as
    /// prefixes, so `archive/` does not read as Hive.
    pub fn from_path(path: &str) -> Option<SqlDialect> {
        let p = path.to_ascii_lowercase();
        let words: Vec<&str> = p
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let hints: [(&[&str], &[&str], SqlDialect); 7] = [
            (
                &[
                    "postgres",
                    "pgsql",
                    "opengauss",
                    "kingbase",
                    "highgo",
                    "gaussdb",
                    "vastbase",
                    "greenplum",
                ],
                &["pg", "gauss", "hgdb"],
                SqlDialect::Postgres,
            ),
            (
                &[
                    "mysql",
                    "mariadb",
                    "tidb",
                    "oceanbase",
                    "polardb",
                    "goldendb",
                ],
                &[],
                SqlDialect::Mysql,
            ),
            (
                &["oracle", "dameng", "oscar", "shentong"],
                &["dm", "dm7", "dm8", "ora"],
                SqlDialect::Oracle,
            ),
            (
                &["sqlserver", "mssql", "tsql"],
                &["sqlsrv"],
                SqlDialect::Mssql,
            ),
            (&["sqlite"], &[], SqlDialect::Sqlite),
            (&["hive", "spark", "impala"], &["hql"], SqlDialect::Hive),
            (&["clickhouse"], &[], SqlDialect::Clickhouse),
        ];
        if p.contains("sql_server") || p.contains("sql-server") {
            return Some(SqlDialect::Mssql);
        }
        hints.into_iter().find_map(|(prefixes, exact, dialect)| {
            words
                .iter()
                .any(|w| prefixes.iter().any(|n| w.starts_with(n)) || exact.contains(w))
                .then_some(dialect)
        })
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

/// Accepts every name `--dialect` accepts (`dm`, `kingbase`, `tidb`…).
impl<'de> Deserialize<'de> for SqlDialect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
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
        assert_eq!(
            SqlDialect::detect(
                "a.sql",
                "CREATE TABLE t (id UInt64, phone String) ENGINE = MergeTree ORDER BY id;"
            ),
            SqlDialect::Clickhouse
        );
        assert_eq!(
            SqlDialect::detect(
                "a.sql",
                "CREATE TABLE t (id int) PARTITIONED BY (dt string) STORED AS ORC;"
            ),
            SqlDialect::Hive
        );
        assert_eq!(
            SqlDialect::detect(
                "a.sql",
                "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);"
            ),
            SqlDialect::Sqlite
        );
    }

    #[test]
    fn path_words_not_substrings() {
        assert_eq!(SqlDialect::from_path("archive/init.sql"), None);
        assert_eq!(
            SqlDialect::from_path("script/kingbase8/a.sql"),
            Some(SqlDialect::Postgres)
        );
        assert_eq!(
            SqlDialect::from_path("sql/dm/ruoyi.sql"),
            Some(SqlDialect::Oracle)
        );
        assert_eq!(
            SqlDialect::from_path("sql/DM8_init.sql"),
            Some(SqlDialect::Oracle)
        );
        assert_eq!(
            SqlDialect::from_path("db/OceanBase/x.sql"),
            Some(SqlDialect::Mysql)
        );
        assert_eq!(
            SqlDialect::from_path("db/opengauss/x.sql"),
            Some(SqlDialect::Postgres)
        );
        assert_eq!(
            SqlDialect::from_path("db/sql_server/x.sql"),
            Some(SqlDialect::Mssql)
        );
        assert_eq!(
            SqlDialect::from_path("warehouse/hive/ods.hql"),
            Some(SqlDialect::Hive)
        );
        assert_eq!(SqlDialect::from_path("admin/random.sql"), None);
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
