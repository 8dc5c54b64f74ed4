//! The extract stage: one loop over the inputs of a scan, whether files
//! found on disk or sources already in memory (rule fixtures, tests). Each
//! input is read, decoded, given to the extractor its kind's registry row
//! names, and searched for inline suppressions.
//!
//! Files read together (MyBatis mappers, dbt projects) and the declarations
//! are kept as text; every other file is read, extracted and searched in one
//! step and its text dropped at once, so peak memory follows the largest
//! file, not the estate.

use super::cache::FactsCache;
use super::Config;
use crate::decl::Declarations;
use crate::discover::{self, FoundFile};
use crate::extract::catalog::Catalog;
use crate::extract::inline::{self, Inline, KnownRules};
use crate::extract::registry::{ExtractContext, FileKind};
use crate::extract::sql::{self, SqlDialect};
use crate::extract::{FileFacts, Source};
use crate::model::{Diagnostic, DiagnosticLevel, SkippedFile};
use crate::progress::{self, ProgressEvent};
use rayon::prelude::*;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One input of a scan.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Input<'a> {
    /// A file found on disk, read when its turn comes.
    File(&'a FoundFile),
    /// A source already in memory.
    Text(&'a Source),
}

/// A file read and decoded, with the encoding it was decoded from when
/// not UTF-8 and, when the scan keeps evidence, the digest of the bytes
/// read; or why it was skipped.
pub(crate) type ReadFile = Result<(Source, Option<&'static str>, Option<FileDigest>), SkippedFile>;

/// One file as read from disk, for the evidence manifest (`--evidence`):
/// its path as reported, its size and the SHA-256 of the very bytes the
/// scan read (hashed as they were read, never by reading the file again).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileDigest {
    /// Path as reported: relative to the root, `/`-separated.
    pub file: String,
    /// Bytes read.
    pub size: u64,
    /// SHA-256 of the bytes read.
    pub sha256: [u8; 32],
}

impl FileDigest {
    /// The digest of `bytes` read from `file`.
    pub fn of(file: &str, bytes: &[u8]) -> FileDigest {
        use sha2::Digest;
        FileDigest {
            file: file.to_string(),
            size: bytes.len() as u64,
            sha256: sha2::Sha256::digest(bytes).into(),
        }
    }
}

impl Input<'_> {
    fn kind(self) -> FileKind {
        match self {
            Input::File(f) => f.kind,
            Input::Text(s) => s.kind,
        }
    }

    /// Reads and decodes the input; with `digest`, hashes the bytes read
    /// (only then: hashing costs about as much as reading).
    pub(crate) fn read(self, digest: bool) -> ReadFile {
        let f = match self {
            Input::Text(s) => return Ok((s.clone(), None, None)),
            Input::File(f) => f,
        };
        let bytes = read_bytes(f)?;
        let digest = digest.then(|| FileDigest::of(&f.rel, &bytes));
        let (source, encoding) = decode(f, bytes)?;
        Ok((source, encoding, digest))
    }
}

/// A file's bytes, or why it was skipped.
fn read_bytes(f: &FoundFile) -> Result<Vec<u8>, SkippedFile> {
    std::fs::read(&f.path).map_err(|e| SkippedFile {
        file: f.rel.clone(),
        reason: format!("unreadable: {e}"),
    })
}

/// A file's bytes decoded, with the encoding they were decoded from when
/// not UTF-8; or why the file was skipped.
fn decode(f: &FoundFile, bytes: Vec<u8>) -> Result<(Source, Option<&'static str>), SkippedFile> {
    let decoded = discover::decode(bytes).map_err(|_| SkippedFile {
        file: f.rel.clone(),
        reason: "binary".into(),
    })?;
    Ok((
        Source {
            rel: f.rel.clone(),
            kind: f.kind,
            text: decoded.text,
        },
        decoded.encoding,
    ))
}

/// Whether files of a kind are kept as text until every file of the kind is
/// read: the declarations (read before anything is extracted) and the kinds
/// whose extractor reads them together.
fn kept_together(kind: FileKind) -> bool {
    kind == FileKind::Declarations || kind.spec().extractor.is_some_and(|e| e.reads_together())
}

/// Reads the inputs that are kept as text (see [`kept_together`]); `None`
/// for the others. The declarations are among them, so the caller can
/// resolve them before [`extract`]. With `digest`, each file's bytes are
/// hashed as they are read.
pub(crate) fn read_kept(inputs: &[Input<'_>], digest: bool) -> Vec<Option<ReadFile>> {
    inputs
        .par_iter()
        .map(|i| kept_together(i.kind()).then(|| i.read(digest)))
        .collect()
}

/// What one streamed (not kept) file gives: its facts, its inline
/// suppressions, the encoding it was decoded from, its path and its digest.
type StreamedFile = Result<
    (
        FileFacts,
        Inline,
        Option<&'static str>,
        String,
        Option<FileDigest>,
    ),
    SkippedFile,
>;

/// What the extract stage gives the later stages.
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    /// Facts of each file read, in input order (declarations excluded).
    pub facts: Vec<FileFacts>,
    /// Inline suppressions found.
    pub inline: Inline,
    /// Files read (declarations included).
    pub files_scanned: u64,
    /// Files that could not be read.
    pub skipped: Vec<SkippedFile>,
    /// Info diagnostics of the reading itself (non-UTF-8 encodings).
    pub diagnostics: Vec<Diagnostic>,
    /// Digests of the files read, in input order ([`Config::evidence`]
    /// only; else empty).
    pub digests: Vec<FileDigest>,
}

/// Extracts every input: the kept ones from `kept` (as [`read_kept`] gave
/// them), the others read here one at a time per worker, their facts taken
/// from `cache` when it has them (and stored there when it does not).
pub(crate) fn extract(
    inputs: &[Input<'_>],
    mut kept: Vec<Option<ReadFile>>,
    catalog: &Catalog,
    rules: &KnownRules,
    decl: Option<&Declarations>,
    config: &Config,
    cache: Option<&FactsCache>,
) -> Extracted {
    let dialect_of = |rel: &str| dialect_for(config, decl, rel);
    let mut together = read_together(&kept, &dialect_of);
    let progress = config.progress.as_ref();
    progress::report(
        progress,
        ProgressEvent::Start {
            stage: "extract",
            total: inputs
                .iter()
                .filter(|i| i.kind() != FileKind::Declarations)
                .count() as u64,
        },
    );
    let read_one = |s: &Source| {
        let cx = ExtractContext {
            dialect: dialect_of(&s.rel),
            catalog,
            deadline: None,
        };
        extract_one(s, &cx, config.file_time_budget)
    };
    let streamed: Vec<Option<StreamedFile>> = inputs
        .par_iter()
        .map(|i| {
            if kept_together(i.kind()) {
                return None;
            }
            let done = match (*i, cache) {
                (Input::File(f), Some(cache)) => {
                    read_cached(f, cache, config.evidence, &dialect_of, &|s: &Source| {
                        (
                            read_one(s),
                            inline::scan_source(&s.rel, s.kind, &s.text, rules),
                        )
                    })
                }
                _ => i.read(config.evidence).map(|(s, enc, digest)| {
                    let facts = read_one(&s);
                    let inline = inline::scan_source(&s.rel, s.kind, &s.text, rules);
                    (facts, inline, enc, s.rel, digest)
                }),
            };
            progress::report(progress, ProgressEvent::Advance);
            Some(done)
        })
        .collect();
    let mut out = Extracted::default();
    for (kept, streamed) in kept.iter_mut().zip(streamed) {
        let (facts, file_inline, enc, rel, digest) = match (kept.take(), streamed) {
            (Some(Ok((s, enc, digest))), _) => {
                let file_inline = inline::scan_source(&s.rel, s.kind, &s.text, rules);
                let facts = (s.kind != FileKind::Declarations).then(|| {
                    progress::report(progress, ProgressEvent::Advance);
                    // A file its extractor passed over (not part of a
                    // project) contributes nothing.
                    together.remove(&s.rel).unwrap_or_else(|| FileFacts {
                        file: s.rel.clone(),
                        ..FileFacts::default()
                    })
                });
                (facts, file_inline, enc, s.rel, digest)
            }
            (Some(Err(skip)), _) | (None, Some(Err(skip))) => {
                out.skipped.push(skip);
                continue;
            }
            (None, Some(Ok((facts, file_inline, enc, rel, digest)))) => {
                (Some(facts), file_inline, enc, rel, digest)
            }
            (None, None) => continue,
        };
        out.files_scanned += 1;
        out.digests.extend(digest);
        if let Some(enc) = enc {
            out.diagnostics.push(Diagnostic {
                file: rel,
                line: 1,
                severity: DiagnosticLevel::Info,
                message: format!("decoded as {enc}"),
            });
        }
        out.facts.extend(facts);
        out.inline.ignores.extend(file_inline.ignores);
        out.inline.diagnostics.extend(file_inline.diagnostics);
    }
    progress::report(progress, ProgressEvent::Finish);
    out
}

/// Reads one streamed file through the facts cache: its bytes are hashed
/// as they are read (the hash is the evidence digest too), and an entry
/// for them stands in for decoding, extracting and searching the text.
fn read_cached(
    f: &FoundFile,
    cache: &FactsCache,
    evidence: bool,
    dialect_of: &(dyn Fn(&str) -> Option<SqlDialect> + Sync),
    read: &(dyn Fn(&Source) -> (FileFacts, Inline) + Sync),
) -> StreamedFile {
    use sha2::Digest;
    let index = cache.stat_index();
    // Unchanged since the last scan: the content hash from the stat index,
    // checked by the entry it names (a miss reads the file as below).
    if let Some((content, size, kept)) = index.and_then(|i| i.lookup(&f.rel, &f.path)) {
        let key = cache.key(f.kind, &f.rel, dialect_of(&f.rel), &content);
        if let Some(hit) = cache.get_trusting(&key, &content) {
            index.inspect(|i| i.keep(kept));
            let digest = evidence.then(|| FileDigest {
                file: f.rel.clone(),
                size,
                sha256: content,
            });
            return Ok((hit.facts, hit.inline, hit.encoding, f.rel.clone(), digest));
        }
    }
    // Taken before reading: the racy-clean rule of the stat index.
    let before = index.and_then(|_| super::stat_index::Stat::of(&f.path));
    let when = std::time::SystemTime::now();
    let bytes = read_bytes(f)?;
    let content: [u8; 32] = sha2::Sha256::digest(&bytes).into();
    if let (Some(i), Some(stat)) = (index, before) {
        i.record(&f.rel, stat, when, &bytes, &content);
    }
    let digest = evidence.then(|| FileDigest {
        file: f.rel.clone(),
        size: bytes.len() as u64,
        sha256: content,
    });
    let key = cache.key(f.kind, &f.rel, dialect_of(&f.rel), &content);
    if let Some(hit) = cache.get(&key, &content) {
        return Ok((hit.facts, hit.inline, hit.encoding, f.rel.clone(), digest));
    }
    let (source, encoding) = decode(f, bytes)?;
    let (facts, file_inline) = read(&source);
    cache.put(&key, &content, &facts, &file_inline, encoding);
    Ok((facts, file_inline, encoding, source.rel, digest))
}

/// The SQL dialect forced for a file: `--dialect`, else the piaudit.yaml
/// glob; `None`: detect it per file.
fn dialect_for(config: &Config, decl: Option<&Declarations>, rel: &str) -> Option<SqlDialect> {
    config
        .dialect
        .or_else(|| decl.and_then(|d| d.dialect_for(rel)))
}

/// Facts of the kept files whose extractor reads them together, by path.
fn read_together(
    kept: &[Option<ReadFile>],
    dialect_of: &(dyn Fn(&str) -> Option<SqlDialect> + Sync),
) -> HashMap<String, FileFacts> {
    let sources: Vec<&Source> = kept
        .iter()
        .filter_map(|r| match r {
            Some(Ok((s, _, _))) => Some(s),
            _ => None,
        })
        .collect();
    let mut out = HashMap::new();
    for spec in crate::extract::registry::EXTRACTORS {
        let Some(extractor) = spec.extractor.filter(|e| e.reads_together()) else {
            continue;
        };
        let of_kind: Vec<&Source> = sources
            .iter()
            .copied()
            .filter(|s| s.kind == spec.kind)
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        for f in extractor.extract_together(&of_kind, dialect_of) {
            out.insert(f.file.clone(), f);
        }
    }
    out
}

/// Extracts one source with the extractor of its kind, turning a panic
/// inside an extractor into a diagnostic so one hostile file never stops
/// the audit.
pub(crate) fn extract_one(
    s: &Source,
    cx: &ExtractContext<'_>,
    budget: Option<Duration>,
) -> FileFacts {
    let started = Instant::now();
    let deadline = budget.and_then(|b| started.checked_add(b));
    let sql_dialect = (s.kind == FileKind::Sql).then(|| {
        cx.dialect
            .unwrap_or_else(|| SqlDialect::detect(&s.rel, &s.text))
    });
    let what = match sql_dialect {
        Some(d) => format!("{d} SQL"),
        None => format!("{:?}", s.kind),
    };
    let cx = ExtractContext {
        dialect: sql_dialect.or(cx.dialect),
        deadline,
        ..*cx
    };
    let mut facts = guarded(s, sql_dialect, &what, || match s.kind.spec().extractor {
        Some(e) => e.extract(s, &cx),
        None => FileFacts {
            file: s.rel.clone(),
            ..FileFacts::default()
        },
    });
    // Other readers cannot stop midway; an overrun is still reported, once.
    let spent = started.elapsed();
    if budget.is_some_and(|b| spent > b)
        && !facts
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with(sql::BUDGET_SPENT))
    {
        facts.diagnostics.push(Diagnostic {
            file: s.rel.clone(),
            line: 1,
            severity: DiagnosticLevel::Warning,
            message: format!(
                "{}: reading took {:.1} s (--file-time-budget {} s) / 超出单文件时间预算",
                sql::BUDGET_SPENT,
                spent.as_secs_f64(),
                budget.map_or(0, |b| b.as_secs()),
            ),
        });
    }
    facts
}

/// Runs one extractor; a panic becomes an error diagnostic on the file and
/// empty facts, so the other files are still audited.
fn guarded(
    s: &Source,
    sql_dialect: Option<SqlDialect>,
    what: &str,
    extractor: impl FnOnce() -> FileFacts,
) -> FileFacts {
    // Unwind safety: whatever the extractor built is dropped with the panic;
    // it only reads shared data.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(extractor)).unwrap_or_else(|_| FileFacts {
        file: s.rel.clone(),
        dialect: sql_dialect,
        diagnostics: vec![Diagnostic {
            file: s.rel.clone(),
            line: 1,
            severity: DiagnosticLevel::Error,
            message: format!("internal error while reading this file as {what}; the file was skipped (please report it)"),
        }],
        ..FileFacts::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_extractor_becomes_a_diagnostic_and_the_next_file_is_read() {
        let source = |rel: &str, text: &str| Source {
            rel: rel.into(),
            kind: FileKind::Sql,
            text: text.into(),
        };
        let bad = source("bad.sql", "CREATE TABLE a (x INT);");
        let facts = guarded(&bad, Some(SqlDialect::Mysql), "mysql SQL", || {
            panic!("extractor bug")
        });
        assert!(facts.tables.is_empty());
        assert_eq!(facts.diagnostics.len(), 1);
        let d = &facts.diagnostics[0];
        assert_eq!(
            (d.file.as_str(), d.line, d.severity),
            ("bad.sql", 1, DiagnosticLevel::Error)
        );
        assert!(
            d.message.contains("internal error") && d.message.contains("mysql SQL"),
            "{d:?}"
        );
        let good = source("good.sql", "CREATE TABLE b (y INT);");
        let facts = guarded(&good, Some(SqlDialect::Mysql), "mysql SQL", || {
            sql::extract(&good.rel, &good.text, SqlDialect::Mysql)
        });
        assert_eq!(facts.tables.len(), 1);
        assert!(facts.diagnostics.is_empty());
    }
}
