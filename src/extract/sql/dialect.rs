//! SQL dialects: one row per dialect family in [`DIALECTS`], and every
//! lookup derived from it — `--dialect` and `piaudit.yaml` names, MyBatis
//! `databaseId`, path hints, content markers, DataX plugins, the sqlparser
//! dialect (through `dialect_from_str`, and nowhere else) and the splitter's
//! lexical options.
//!
//! A name is read the same way wherever it appears: `--dialect kingbase8`
//! and a `kingbase8/` folder both mean PostgreSQL. Adding a dialect is
//! adding a variant and its row (see CONTRIBUTING.md).

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

/// One dialect family: how it is named, how a path or a file's content
/// points to it, and how it is read.
#[derive(Debug)]
pub struct DialectSpec {
    /// The dialect this row describes.
    pub dialect: SqlDialect,
    /// Canonical name: shown in reports and errors, accepted everywhere a
    /// name is, and matched like a [`prefixes`](Self::prefixes) entry.
    pub name: &'static str,
    /// What the family covers, for `--help`.
    pub covers: &'static str,
    /// sqlparser's name for the dialect that parses it (`dialect_from_str`).
    pub parser: &'static str,
    /// Other names, also matched as the start of a longer word, so
    /// `kingbase` names `kingbase8` and `kingbasees` too.
    pub prefixes: &'static [&'static str],
    /// Names matched only whole: short ones (`dm`, `pg`) begin unrelated
    /// words (`dmz`, `pgup`).
    pub words: &'static [&'static str],
    /// Names spelled with a separator (`sql_server`), found anywhere in a
    /// path; a path holding one is decided before any word is looked at.
    pub phrases: &'static [&'static str],
    /// When one path names several dialects (`mysql_to_pg/`), the lowest
    /// rank wins; `None`: no path names this dialect (generic is what
    /// nothing names), though `--dialect` still accepts its names.
    pub path_rank: Option<u8>,
    /// Content markers only this dialect writes; each counts 3.
    pub strong_markers: &'static [&'static str],
    /// Content markers it shares with others; each counts 1. The highest
    /// score wins, ties go to the row listed first in [`DIALECTS`].
    pub markers: &'static [&'static str],
    /// DataX plugin stems (`<stem>reader`, `<stem>writer`) whose SQL is
    /// read in this dialect.
    pub datax_plugins: &'static [&'static str],
    /// Lexical options of the statement splitter.
    pub split: SplitOptions,
}

/// Splitter options with every dialect-specific rule off.
const PLAIN: SplitOptions = SplitOptions {
    backslash_escapes: false,
    hash_comments: false,
    dollar_quotes: false,
    slash_terminator: false,
    go_batches: false,
};

/// Every dialect, one row each. The order breaks ties between content
/// scores (the more common dialect first) and is the order of
/// [`SqlDialect::ALL`], `--help` and error messages.
pub const DIALECTS: &[DialectSpec] = &[
    DialectSpec {
        dialect: SqlDialect::Mysql,
        name: "mysql",
        covers: "MySQL and MySQL-compatible (MariaDB, TiDB, OceanBase, PolarDB, GoldenDB)",
        parser: "mysql",
        prefixes: &["mariadb", "tidb", "oceanbase", "polardb", "goldendb"],
        words: &[],
        phrases: &[],
        path_rank: Some(1),
        strong_markers: &[],
        markers: &[
            "`",
            "ENGINE=InnoDB",
            "ENGINE = InnoDB",
            "ENGINE=MyISAM",
            "AUTO_INCREMENT",
            "CHARSET=",
            "unsigned",
        ],
        datax_plugins: &[
            "mysql",
            "mysql8",
            "drds",
            "adbmysql",
            "oceanbasev10",
            "polardb",
            "tidb",
            "doris",
            "starrocks",
            "selectdb",
            "databend",
        ],
        split: SplitOptions {
            backslash_escapes: true,
            hash_comments: true,
            ..PLAIN
        },
    },
    DialectSpec {
        dialect: SqlDialect::Postgres,
        name: "postgres",
        covers: "PostgreSQL and PG-compatible (openGauss, Kingbase, HighGo, GaussDB, Vastbase, Greenplum)",
        parser: "postgres",
        prefixes: &[
            "pgsql",
            "opengauss",
            "kingbase",
            "highgo",
            "gaussdb",
            "vastbase",
            "greenplum",
        ],
        words: &["pg", "gauss", "hgdb"],
        phrases: &[],
        path_rank: Some(0),
        strong_markers: &[],
        markers: &[
            "COMMENT ON ",
            "::",
            "SERIAL",
            "$$",
            "search_path",
            "CREATE EXTENSION",
            "OWNER TO",
            "nextval(",
        ],
        datax_plugins: &[
            "postgresql",
            "kingbasees",
            "gaussdb",
            "adbpg",
            "greenplum",
            "hologresjdbc",
        ],
        split: SplitOptions {
            dollar_quotes: true,
            ..PLAIN
        },
    },
    DialectSpec {
        dialect: SqlDialect::Oracle,
        name: "oracle",
        covers: "Oracle and Oracle-compatible (Dameng DM, Oscar, ShenTong)",
        parser: "oracle",
        prefixes: &["dameng", "oscar", "shentong"],
        words: &["dm", "dm7", "dm8", "ora"],
        phrases: &[],
        path_rank: Some(2),
        strong_markers: &[],
        markers: &[
            "VARCHAR2",
            "NUMBER(",
            "NVARCHAR2",
            "TABLESPACE",
            "SYSDATE",
            "NVL(",
            "CLOB",
        ],
        datax_plugins: &["oracle", "dm"],
        split: SplitOptions {
            slash_terminator: true,
            ..PLAIN
        },
    },
    DialectSpec {
        dialect: SqlDialect::Mssql,
        name: "mssql",
        covers: "SQL Server (T-SQL)",
        parser: "mssql",
        prefixes: &["sqlserver", "tsql"],
        words: &["sqlsrv"],
        phrases: &["sql_server", "sql-server"],
        path_rank: Some(3),
        strong_markers: &[],
        markers: &["[dbo]", "NVARCHAR(MAX)", "\nGO\n", "IDENTITY(", "\nGO\r\n"],
        datax_plugins: &["sqlserver", "sybase"],
        split: SplitOptions {
            go_batches: true,
            ..PLAIN
        },
    },
    DialectSpec {
        dialect: SqlDialect::Hive,
        name: "hive",
        covers: "Hive, Spark SQL and Impala",
        parser: "hive",
        prefixes: &["spark", "impala"],
        words: &["hql"],
        phrases: &[],
        path_rank: Some(5),
        strong_markers: &[
            "STORED AS ",
            "ROW FORMAT ",
            "TBLPROPERTIES",
            "USING parquet",
            "USING delta",
        ],
        markers: &[
            "PARTITIONED BY",
            "LOCATION 'hdfs",
            "INSERT OVERWRITE",
            "LATERAL VIEW",
        ],
        datax_plugins: &[],
        split: SplitOptions {
            backslash_escapes: true,
            ..PLAIN
        },
    },
    DialectSpec {
        dialect: SqlDialect::Clickhouse,
        name: "clickhouse",
        covers: "ClickHouse",
        parser: "clickhouse",
        prefixes: &[],
        words: &[],
        phrases: &[],
        path_rank: Some(6),
        strong_markers: &["MergeTree", "LowCardinality(", "ENGINE = Log", "ENGINE=Log"],
        markers: &[
            "Nullable(",
            "DateTime64",
            "UInt32",
            "UInt64",
            "ORDER BY tuple()",
        ],
        datax_plugins: &["clickhouse"],
        split: SplitOptions {
            backslash_escapes: true,
            ..PLAIN
        },
    },
    DialectSpec {
        dialect: SqlDialect::Sqlite,
        name: "sqlite",
        covers: "SQLite",
        parser: "sqlite",
        prefixes: &[],
        words: &[],
        phrases: &[],
        path_rank: Some(4),
        strong_markers: &["AUTOINCREMENT", "sqlite_sequence", "PRAGMA "],
        markers: &["WITHOUT ROWID"],
        datax_plugins: &[],
        split: PLAIN,
    },
    DialectSpec {
        dialect: SqlDialect::Generic,
        name: "generic",
        covers: "anything else (ANSI SQL)",
        parser: "generic",
        prefixes: &[],
        words: &["ansi"],
        phrases: &[],
        path_rank: None,
        strong_markers: &[],
        markers: &[],
        datax_plugins: &[],
        split: SplitOptions {
            dollar_quotes: true,
            ..PLAIN
        },
    },
];

impl DialectSpec {
    /// True when `word` (lower-case, one path word or one name) names this
    /// dialect: it equals a name, or starts with the name or a prefix.
    fn names_word(&self, word: &str) -> bool {
        word.starts_with(self.name)
            || self.prefixes.iter().any(|p| word.starts_with(p))
            || self.words.contains(&word)
    }

    /// Every name written in this row, canonical first.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.name)
            .chain(self.prefixes.iter().copied())
            .chain(self.words.iter().copied())
            .chain(self.phrases.iter().copied())
    }

    /// This row's content score over `head`.
    fn score(&self, head: &str) -> usize {
        let count = |markers: &[&str]| markers.iter().filter(|m| head.contains(*m)).count();
        3 * count(self.strong_markers) + count(self.markers)
    }
}

impl SqlDialect {
    /// Every dialect, in [`DIALECTS`] order, for `--help` and error messages.
    pub const ALL: [SqlDialect; DIALECTS.len()] = {
        let mut all = [SqlDialect::Generic; DIALECTS.len()];
        let mut i = 0;
        while i < DIALECTS.len() {
            all[i] = DIALECTS[i].dialect;
            i += 1;
        }
        all
    };

    /// This dialect's row of [`DIALECTS`].
    pub fn spec(self) -> &'static DialectSpec {
        DIALECTS
            .iter()
            .find(|s| s.dialect == self)
            // Unreachable: a unit test checks every variant has its row.
            .unwrap_or(&DIALECTS[DIALECTS.len() - 1])
    }

    /// The dialect's name, as accepted by `--dialect` and shown in reports.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The sqlparser dialect that reads it.
    pub fn parser_dialect(self) -> Box<dyn Dialect> {
        dialect_from_str(self.spec().parser).unwrap_or_else(|| Box::new(GenericDialect {}))
    }

    /// Lexical options for the statement splitter.
    pub fn split_options(self) -> SplitOptions {
        self.spec().split
    }

    /// The dialect a DataX plugin stem (`mysql` of `mysqlreader`) is read
    /// in, if a row lists it.
    pub fn from_datax_plugin(stem: &str) -> Option<SqlDialect> {
        DIALECTS
            .iter()
            .find(|s| s.datax_plugins.contains(&stem))
            .map(|s| s.dialect)
    }

    /// One line per dialect for `--help`: its name, what it covers and the
    /// other names it answers to.
    pub fn help_lines() -> String {
        let mut lines = Vec::new();
        for spec in DIALECTS {
            let others: Vec<&str> = spec.names().skip(1).collect();
            let mut line = format!("{}: {}", spec.name, spec.covers);
            if !others.is_empty() {
                line.push_str(&format!("; also {}", others.join(", ")));
            }
            lines.push(line);
        }
        lines.join("\n")
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
        // Engine-specific DDL (strong markers) outweighs markers several
        // dialects share; ties go to the earlier (more common) dialect.
        let mut best: (usize, Option<SqlDialect>) = (0, None);
        for spec in DIALECTS {
            let score = spec.score(head);
            if score > best.0 {
                best = (score, Some(spec.dialect));
            }
        }
        best.1
    }

    /// The dialect a path names: a folder or file word such as `postgresql`,
    /// `kingbase8`, `dm`, `oceanbase`. Words are matched whole or as
    /// prefixes (see [`DialectSpec`]), so `archive/` does not read as Hive.
    pub fn from_path(path: &str) -> Option<SqlDialect> {
        let p = path.to_ascii_lowercase();
        let named = DIALECTS.iter().filter(|s| s.path_rank.is_some());
        if let Some(spec) = named
            .clone()
            .find(|s| s.phrases.iter().any(|phrase| p.contains(phrase)))
        {
            return Some(spec.dialect);
        }
        let words: Vec<&str> = p
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        named
            .filter(|s| words.iter().any(|w| s.names_word(w)))
            .min_by_key(|s| s.path_rank)
            .map(|s| s.dialect)
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

/// Reads a name as a path word is read (see [`SqlDialect::from_path`]), so
/// `--dialect`, `piaudit.yaml` `dialects:`, MyBatis `databaseId` and folder
/// names agree; a phrase such as `sql_server` must be given whole.
impl FromStr for SqlDialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let is_word = !lower.is_empty() && lower.chars().all(|c| c.is_ascii_alphanumeric());
        DIALECTS
            .iter()
            .find(|spec| {
                if is_word {
                    spec.names_word(&lower)
                } else {
                    spec.phrases.contains(&lower.as_str())
                }
            })
            .map(|spec| spec.dialect)
            .ok_or_else(|| {
                let known: Vec<&str> = DIALECTS.iter().map(|d| d.name).collect();
                format!("unknown SQL dialect `{s}`; known: {}", known.join(", "))
            })
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

    /// The row of each variant; a new variant fails to compile here until
    /// it is added, and [`every_variant_has_one_row`] then wants its row.
    fn variant_name(d: SqlDialect) -> &'static str {
        match d {
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

    #[test]
    fn every_variant_has_one_row() {
        for d in SqlDialect::ALL {
            assert_eq!(DIALECTS.iter().filter(|s| s.dialect == d).count(), 1);
            assert_eq!(d.name(), variant_name(d));
            // The serde name (reports) is the canonical name.
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{d}\""));
        }
        let mut all = SqlDialect::ALL.to_vec();
        all.dedup();
        assert_eq!(all.len(), 8);
    }

    #[test]
    fn names_round_trip() {
        for d in SqlDialect::ALL {
            assert_eq!(d.name().parse::<SqlDialect>().unwrap(), d);
            assert_eq!(d.name().to_uppercase().parse::<SqlDialect>().unwrap(), d);
        }
        assert!("cobol"
            .parse::<SqlDialect>()
            .unwrap_err()
            .contains("known: mysql, postgres, oracle, mssql, hive, clickhouse, sqlite, generic"));
        assert!("".parse::<SqlDialect>().is_err());
        assert!("mysql postgres".parse::<SqlDialect>().is_err());
    }

    #[test]
    fn every_name_parses_to_its_row_and_no_other_row_claims_it() {
        for spec in DIALECTS {
            for name in spec.names() {
                assert_eq!(name.parse::<SqlDialect>(), Ok(spec.dialect), "{name}");
                for other in DIALECTS.iter().filter(|o| o.dialect != spec.dialect) {
                    assert!(
                        !other.names_word(name) && !other.phrases.contains(&name),
                        "`{name}` of {} is also a name of {}",
                        spec.name,
                        other.name
                    );
                }
            }
        }
    }

    #[test]
    fn names_accepted_before_the_registry_still_parse_the_same() {
        let old = [
            ("mariadb", SqlDialect::Mysql),
            ("tidb", SqlDialect::Mysql),
            ("oceanbase", SqlDialect::Mysql),
            ("polardb", SqlDialect::Mysql),
            ("postgresql", SqlDialect::Postgres),
            ("pg", SqlDialect::Postgres),
            ("opengauss", SqlDialect::Postgres),
            ("kingbase", SqlDialect::Postgres),
            ("highgo", SqlDialect::Postgres),
            ("gaussdb", SqlDialect::Postgres),
            ("dm", SqlDialect::Oracle),
            ("dameng", SqlDialect::Oracle),
            ("sqlserver", SqlDialect::Mssql),
            ("tsql", SqlDialect::Mssql),
            ("spark", SqlDialect::Hive),
            ("sparksql", SqlDialect::Hive),
            ("ansi", SqlDialect::Generic),
        ];
        for (name, dialect) in old {
            assert_eq!(name.parse::<SqlDialect>(), Ok(dialect), "{name}");
        }
        // Folder words `--dialect` used to reject.
        for (name, dialect) in [
            ("greenplum", SqlDialect::Postgres),
            ("kingbase8", SqlDialect::Postgres),
            ("kingbasees", SqlDialect::Postgres),
            ("dm8", SqlDialect::Oracle),
            ("sql_server", SqlDialect::Mssql),
            ("impala", SqlDialect::Hive),
        ] {
            assert_eq!(name.parse::<SqlDialect>(), Ok(dialect), "{name}");
        }
        // Whole-word names do not stretch.
        assert!("dmz".parse::<SqlDialect>().is_err());
        assert!("ansible".parse::<SqlDialect>().is_err());
    }

    #[test]
    fn folder_detection_agrees_with_parsing() {
        for spec in DIALECTS {
            for name in spec.names() {
                let folder = SqlDialect::from_path(&format!("db/{name}/init.sql"));
                let file = SqlDialect::from_path(&format!("sql/{}_init.sql", name.to_uppercase()));
                let expected = spec.path_rank.map(|_| spec.dialect);
                assert_eq!(folder, expected, "folder {name}");
                assert_eq!(file, expected, "file {name}");
            }
            for prefix in std::iter::once(spec.name).chain(spec.prefixes.iter().copied()) {
                let longer = format!("{prefix}8");
                assert_eq!(longer.parse::<SqlDialect>(), Ok(spec.dialect));
                assert_eq!(
                    SqlDialect::from_path(&format!("db/{longer}/x.sql")),
                    spec.path_rank.map(|_| spec.dialect),
                    "{longer}"
                );
            }
            for word in spec.words {
                let longer = format!("{word}zz");
                assert!(longer.parse::<SqlDialect>().is_err(), "{longer}");
                assert_eq!(SqlDialect::from_path(&format!("db/{longer}/x.sql")), None);
            }
        }
    }

    #[test]
    fn path_ranks_are_distinct_and_decide_between_two_names() {
        let mut ranks: Vec<u8> = DIALECTS.iter().filter_map(|s| s.path_rank).collect();
        ranks.sort_unstable();
        ranks.dedup();
        assert_eq!(ranks.len(), DIALECTS.len() - 1);
        assert_eq!(
            SqlDialect::from_path("migrate/mysql_to_pg/x.sql"),
            Some(SqlDialect::Postgres)
        );
        assert_eq!(
            SqlDialect::from_path("sqlite/hive/x.sql"),
            Some(SqlDialect::Sqlite)
        );
        // A phrase is decided before any word.
        assert_eq!(
            SqlDialect::from_path("pg/sql_server/x.sql"),
            Some(SqlDialect::Mssql)
        );
    }

    #[test]
    fn every_row_parses_with_its_own_sqlparser_dialect() {
        for spec in DIALECTS {
            assert!(dialect_from_str(spec.parser).is_some(), "{}", spec.parser);
        }
        // Backticks are MySQL's, brackets SQL Server's: the row's parser is used.
        let parses = |d: SqlDialect, sql: &str| {
            sqlparser::parser::Parser::parse_sql(&*d.parser_dialect(), sql).is_ok()
        };
        assert!(parses(SqlDialect::Mysql, "SELECT `a` FROM t"));
        assert!(parses(SqlDialect::Mssql, "SELECT [a] FROM t"));
    }

    #[test]
    fn split_options_per_dialect() {
        let o = SqlDialect::Mysql.split_options();
        assert!(o.backslash_escapes && o.hash_comments && !o.dollar_quotes);
        assert!(SqlDialect::Postgres.split_options().dollar_quotes);
        assert!(SqlDialect::Generic.split_options().dollar_quotes);
        assert!(SqlDialect::Oracle.split_options().slash_terminator);
        assert!(SqlDialect::Mssql.split_options().go_batches);
        assert!(SqlDialect::Hive.split_options().backslash_escapes);
        assert!(SqlDialect::Clickhouse.split_options().backslash_escapes);
        let s = SqlDialect::Sqlite.split_options();
        assert!(
            !(s.backslash_escapes
                || s.hash_comments
                || s.dollar_quotes
                || s.slash_terminator
                || s.go_batches)
        );
    }

    #[test]
    fn datax_plugins_agree_with_names() {
        for spec in DIALECTS {
            for plugin in spec.datax_plugins {
                assert_eq!(SqlDialect::from_datax_plugin(plugin), Some(spec.dialect));
                if let Ok(named) = plugin.parse::<SqlDialect>() {
                    assert_eq!(named, spec.dialect, "DataX plugin {plugin}");
                }
            }
        }
        assert_eq!(SqlDialect::from_datax_plugin("db2"), None);
    }

    #[test]
    fn help_lists_every_row() {
        let help = SqlDialect::help_lines();
        assert_eq!(help.lines().count(), DIALECTS.len());
        for (line, spec) in help.lines().zip(DIALECTS) {
            assert!(line.starts_with(&format!("{}: ", spec.name)), "{line}");
            for name in spec.names() {
                assert!(line.contains(name), "{name}");
            }
        }
    }
}
