//! The extractor registry: one row per kind of input file, declaring how the
//! file is recognised, how comments are written in it (for `piaudit:ignore`
//! markers, [`super::inline`]), which facts it yields, and the extractor
//! that reads it. Discovery, the inline-suppression lexer and the pipeline's
//! extract stage all read this table; none of them names an extractor.
//!
//! Adding an extractor: its own file under `src/extract/` with an
//! [`Extractor`] implementation, one [`FileKind`] variant and one row of
//! [`EXTRACTORS`] here, and fixtures (see CONTRIBUTING.md).

use super::catalog::Catalog;
use super::inline::{CommentSyntax, HOCON, JAVA, MAPPER, PROPERTIES, SQL, XML, YAML};
use super::sql::SqlDialect;
use super::FileFacts;
use std::path::Path;
use std::time::Instant;

/// What an input file is, and so which extractor reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// SQL script or dump.
    Sql,
    /// The project's `piaudit.yaml` declarations.
    Declarations,
    /// YAML or `.properties` configuration (Spring Boot, ShardingSphere, Canal).
    Config,
    /// Logback or Log4j 2 XML configuration.
    LogConfig,
    /// JSON file; read as a DataX job when it has `job.content`.
    Json,
    /// HOCON-style `.conf` file; read as a SeaTunnel job when it has `source`/`sink` blocks.
    Hocon,
    /// Java source, for `@EncryptField`-style annotations and type handlers.
    Java,
    /// XML named or placed like a MyBatis mapper (`*Mapper.xml`, `*Dao.xml`,
    /// `mapper/`, `mybatis/`…); read as one when it has a `<mapper>` element.
    Mapper,
    /// A Maven or Gradle build file (`pom.xml`, `build.gradle`,
    /// `build.gradle.kts`): dependency coordinates only.
    Build,
    /// A file of a dbt project (a directory with `dbt_project.yml`): the
    /// project file, models, snapshots, their YAML and seed CSVs. Never
    /// returned by [`FileKind::of`]: the walk assigns it once it knows the
    /// projects.
    Dbt,
}

/// One input, read and decoded.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as reported.
    pub rel: String,
    /// Kind of file.
    pub kind: FileKind,
    /// Decoded text.
    pub text: String,
}

/// What an extractor may consult while reading one file.
#[derive(Debug, Clone, Copy)]
pub struct ExtractContext<'a> {
    /// The SQL dialect to read SQL with (`--dialect`, `dialects:` of
    /// piaudit.yaml, else detected from path and text).
    pub dialect: Option<SqlDialect>,
    /// SDK and region catalogues, with the organisation's overrides.
    pub catalog: &'a Catalog,
    /// When reading must stop (`--file-time-budget`); readers that can stop
    /// midway check it.
    pub deadline: Option<Instant>,
}

/// Reads one kind of file into [`FileFacts`]. Extractors never classify and
/// never fail: what they cannot read becomes a diagnostic with file:line.
pub trait Extractor: Sync {
    /// Reads one file.
    fn extract(&self, source: &Source, cx: &ExtractContext<'_>) -> FileFacts;

    /// Whether all files of the kind are read at once, because a file's
    /// meaning depends on the others (a mapper's `<include>` of another
    /// mapper's `<sql>`, a dbt model's `source()` documented in the
    /// project's YAML). Otherwise files are read one at a time and their
    /// text is dropped at once.
    fn reads_together(&self) -> bool {
        false
    }

    /// Reads all files of the kind at once; called only when
    /// [`Self::reads_together`]. Gives the facts of each file it read, by
    /// [`FileFacts::file`]; a file left out contributes nothing.
    fn extract_together(
        &self,
        _sources: &[&Source],
        _dialect_of: &(dyn Fn(&str) -> Option<SqlDialect> + Sync),
    ) -> Vec<FileFacts> {
        Vec::new()
    }
}

/// Reads one file with an extractor that [reads files together](Extractor::reads_together),
/// as a project of that one file.
pub fn extract_alone(
    extractor: &dyn Extractor,
    source: &Source,
    cx: &ExtractContext<'_>,
) -> FileFacts {
    let dialect = cx.dialect;
    extractor
        .extract_together(&[source], &move |_: &str| dialect)
        .into_iter()
        .find(|f| f.file == source.rel)
        .unwrap_or_else(|| FileFacts {
            file: source.rel.clone(),
            ..FileFacts::default()
        })
}

/// The facts an extractor may yield: the [`FileFacts`] fields it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yields {
    /// `tables`, `comments`, `writes`, `samples`, `coverage`.
    Schema,
    /// `endpoints` and `endpoint_flows`.
    Endpoints,
    /// `controls`.
    Controls,
    /// `protections`.
    Protections,
    /// `log_calls`.
    LogCalls,
}

/// One row of the registry.
pub struct ExtractorSpec {
    /// The kind of file it reads.
    pub kind: FileKind,
    /// Name used in diagnostics and docs (`spring`, `mybatis`…).
    pub name: &'static str,
    /// Comment syntax by file extension (`*`: any); files of the kind with
    /// none listed hold no comments (JSON) or have waivers instead
    /// (`piaudit.yaml`).
    pub comments: &'static [(&'static str, &'static CommentSyntax)],
    /// What it yields (documentation, and checked by the registry tests).
    pub yields: &'static [Yields],
    /// The extractor; `None` for files read only as configuration of the
    /// scan itself (`piaudit.yaml`).
    pub extractor: Option<&'static dyn Extractor>,
}

/// Every extractor, one row each.
pub static EXTRACTORS: &[ExtractorSpec] = &[
    ExtractorSpec {
        kind: FileKind::Sql,
        name: "sql",
        comments: &[("*", &SQL)],
        yields: &[Yields::Schema, Yields::Endpoints, Yields::Controls],
        extractor: Some(&SqlFiles),
    },
    ExtractorSpec {
        kind: FileKind::Declarations,
        name: "declarations",
        comments: &[],
        yields: &[],
        extractor: None,
    },
    ExtractorSpec {
        kind: FileKind::Config,
        name: "spring",
        comments: &[("yml", &YAML), ("yaml", &YAML), ("properties", &PROPERTIES)],
        yields: &[
            Yields::Schema,
            Yields::Endpoints,
            Yields::Controls,
            Yields::Protections,
        ],
        extractor: Some(&super::spring::SpringConfig),
    },
    ExtractorSpec {
        kind: FileKind::LogConfig,
        name: "logging",
        comments: &[("*", &XML)],
        yields: &[Yields::Controls],
        extractor: Some(&super::logging::LoggingConfig),
    },
    ExtractorSpec {
        kind: FileKind::Json,
        name: "datax",
        comments: &[],
        yields: &[Yields::Schema, Yields::Endpoints],
        extractor: Some(&super::datax::DataxJob),
    },
    ExtractorSpec {
        kind: FileKind::Build,
        name: "build",
        comments: &[("xml", &XML), ("gradle", &JAVA), ("kts", &JAVA)],
        yields: &[Yields::Endpoints],
        extractor: Some(&super::build::BuildFile),
    },
    ExtractorSpec {
        kind: FileKind::Hocon,
        name: "seatunnel",
        comments: &[("*", &HOCON)],
        yields: &[Yields::Schema, Yields::Endpoints, Yields::Controls],
        extractor: Some(&super::seatunnel::SeatunnelJob),
    },
    ExtractorSpec {
        kind: FileKind::Java,
        name: "java",
        comments: &[("*", &JAVA)],
        yields: &[
            Yields::Schema,
            Yields::Endpoints,
            Yields::Controls,
            Yields::Protections,
            Yields::LogCalls,
        ],
        extractor: Some(&super::java::JavaSource),
    },
    ExtractorSpec {
        kind: FileKind::Mapper,
        name: "mybatis",
        comments: &[("*", &MAPPER)],
        yields: &[Yields::Schema, Yields::Controls, Yields::Protections],
        extractor: Some(&super::mybatis::Mappers),
    },
    ExtractorSpec {
        kind: FileKind::Dbt,
        name: "dbt",
        comments: &[("sql", &SQL), ("yml", &YAML), ("yaml", &YAML)],
        yields: &[Yields::Schema],
        extractor: Some(&super::dbt::DbtProject),
    },
];

impl FileKind {
    /// Kind from the file name, or `None` for files no extractor reads.
    pub fn of(path: &Path) -> Option<FileKind> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name == "piaudit.yaml" || name == "piaudit.yml" {
            return Some(FileKind::Declarations);
        }
        if matches!(
            name.as_str(),
            "pom.xml" | "build.gradle" | "build.gradle.kts"
        ) {
            return Some(FileKind::Build);
        }
        let (stem, ext) = name.rsplit_once('.')?;
        match ext {
            "sql" | "ddl" => Some(FileKind::Sql),
            "yml" | "yaml" | "properties" => Some(FileKind::Config),
            "xml" if stem.starts_with("logback") || stem.starts_with("log4j") => {
                Some(FileKind::LogConfig)
            }
            "xml" if looks_like_mapper(path, stem) => Some(FileKind::Mapper),
            "json" => Some(FileKind::Json),
            "conf" | "hocon" => Some(FileKind::Hocon),
            "java" => Some(FileKind::Java),
            _ => None,
        }
    }

    /// This kind's registry row.
    pub fn spec(self) -> &'static ExtractorSpec {
        EXTRACTORS
            .iter()
            .find(|s| s.kind == self)
            .expect("every FileKind has a registry row (tested)")
    }

    /// The comment syntax of a file of this kind at `rel`, if it has one.
    pub fn comment_syntax(self, rel: &str) -> Option<&'static CommentSyntax> {
        let ext = rel
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        self.spec()
            .comments
            .iter()
            .find(|(e, _)| *e == "*" || *e == ext)
            .map(|(_, s)| *s)
    }
}

/// MyBatis mappers are found by name or folder: `.xml` is too common
/// (`pom.xml`, Spring contexts) to read every file as a mapper.
fn looks_like_mapper(path: &Path, stem: &str) -> bool {
    const DIRS: &[&str] = &[
        "mapper", "mappers", "mybatis", "dao", "sqlmap", "sqlmaps", "mapping",
    ];
    ["mapper", "dao", "sqlmap"]
        .iter()
        .any(|s| stem.ends_with(s))
        || path.parent().is_some_and(|p| {
            p.components().any(|c| {
                let c = c.as_os_str().to_string_lossy().to_ascii_lowercase();
                DIRS.contains(&c.as_str())
            })
        })
}

/// SQL scripts and dumps; Flink SQL connector tables are read from the same
/// text.
struct SqlFiles;

impl Extractor for SqlFiles {
    fn extract(&self, s: &Source, cx: &ExtractContext<'_>) -> FileFacts {
        let dialect = cx
            .dialect
            .unwrap_or_else(|| SqlDialect::detect(&s.rel, &s.text));
        let mut facts = match cx.deadline {
            Some(at) => super::sql::extract_until(&s.rel, &s.text, dialect, at),
            None => super::sql::extract(&s.rel, &s.text, dialect),
        };
        super::flink::read(&s.rel, &s.text, cx.catalog, &mut facts);
        super::seed::read(&s.rel, &s.text, &mut facts);
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [FileKind; 10] = [
        FileKind::Build,
        FileKind::Sql,
        FileKind::Declarations,
        FileKind::Config,
        FileKind::LogConfig,
        FileKind::Json,
        FileKind::Hocon,
        FileKind::Java,
        FileKind::Mapper,
        FileKind::Dbt,
    ];

    #[test]
    fn every_kind_has_exactly_one_row_and_unique_names() {
        for k in KINDS {
            assert_eq!(
                EXTRACTORS.iter().filter(|s| s.kind == k).count(),
                1,
                "{k:?}"
            );
        }
        assert_eq!(EXTRACTORS.len(), KINDS.len());
        let mut names: Vec<&str> = EXTRACTORS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EXTRACTORS.len());
    }

    #[test]
    fn comment_syntax_follows_kind_then_extension() {
        let sql = FileKind::Sql.comment_syntax("a.sql").unwrap();
        assert!(std::ptr::eq(sql, &SQL));
        let props = FileKind::Config.comment_syntax("app.properties").unwrap();
        assert!(std::ptr::eq(props, &PROPERTIES));
        assert!(std::ptr::eq(
            FileKind::Config.comment_syntax("app.YML").unwrap(),
            &YAML
        ));
        assert!(FileKind::Json.comment_syntax("job.json").is_none());
        assert!(FileKind::Declarations
            .comment_syntax("piaudit.yaml")
            .is_none());
        assert!(FileKind::Dbt.comment_syntax("seeds/x.csv").is_none());
    }

    /// Each extractor yields only the facts its row declares, on a file that
    /// exercises it.
    #[test]
    fn extractors_yield_only_what_their_row_declares() {
        let catalog = Catalog::embedded();
        let cx = ExtractContext {
            dialect: None,
            catalog: &catalog,
            deadline: None,
        };
        let samples: [(FileKind, &str, &str); 7] = [
            (
                FileKind::Sql,
                "a.sql",
                "CREATE TABLE u (phone VARCHAR(11));\nINSERT INTO r SELECT phone FROM u;",
            ),
            (
                FileKind::Config,
                "application-prod.yml",
                "spring:\n  datasource:\n    url: jdbc:mysql://db:3306/shop\n    password: secret123\nlogging:\n  level:\n    root: debug\n",
            ),
            (
                FileKind::LogConfig,
                "logback.xml",
                "<configuration><appender name=\"F\" class=\"ch.qos.logback.core.rolling.RollingFileAppender\"><rollingPolicy class=\"ch.qos.logback.core.rolling.TimeBasedRollingPolicy\"><maxHistory>30</maxHistory></rollingPolicy></appender></configuration>",
            ),
            (
                FileKind::Java,
                "User.java",
                "@TableName(\"t_user\")\nclass User {\n  @EncryptField\n  private String idCard;\n  void f() { log.info(\"{}\", idCard); }\n}\n",
            ),
            (
                FileKind::Json,
                "job.json",
                r#"{"job":{"content":[{"reader":{"name":"mysqlreader","parameter":{"column":["phone"],"connection":[{"table":["member"],"jdbcUrl":["jdbc:mysql://db/shop"]}]}},"writer":{"name":"osswriter","parameter":{"endpoint":"oss-us-west-1.aliyuncs.com","bucket":"b"}}}]}}"#,
            ),
            (
                FileKind::Mapper,
                "UserMapper.xml",
                "<mapper namespace=\"x\">\n<insert id=\"copy\">INSERT INTO r (phone) SELECT phone FROM u</insert>\n</mapper>\n",
            ),
            (
                FileKind::Hocon,
                "job.conf",
                "source {\n  Jdbc {\n    query = \"select phone from member\"\n  }\n}\nsink {\n  S3File {\n    bucket = \"s3a://exports\"\n    path = \"/members\"\n  }\n}\n",
            ),
        ];
        for (kind, rel, text) in samples {
            let source = Source {
                rel: rel.into(),
                kind,
                text: text.into(),
            };
            let spec = kind.spec();
            let f = spec.extractor.unwrap().extract(&source, &cx);
            let has = |y: Yields| spec.yields.contains(&y);
            let filled = [
                (Yields::Schema, !f.tables.is_empty() || !f.writes.is_empty()),
                (
                    Yields::Endpoints,
                    !f.endpoints.is_empty() || !f.endpoint_flows.is_empty(),
                ),
                (Yields::Controls, !f.controls.is_empty()),
                (Yields::Protections, !f.protections.is_empty()),
                (Yields::LogCalls, !f.log_calls.is_empty()),
            ];
            assert!(
                filled.iter().any(|(_, yes)| *yes),
                "{rel}: the sample yields nothing"
            );
            for (y, yes) in filled {
                assert!(
                    !yes || has(y),
                    "{rel} yields {y:?}, not declared in its row"
                );
            }
        }
    }
}
