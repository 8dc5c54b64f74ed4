//! Benchmark driver for `scripts/bench.sh` (not a test: speed is measured
//! here, never asserted in unit tests).
//!
//! ```text
//! cargo run --release --example bench -- lineage CASES.json [REPS]
//! cargo run --release --example bench -- extract PATH... [--threads N]
//! cargo run --release --example bench -- java PATH...
//! ```
//!
//! `lineage` runs `piaudit::lineage::single::lineage_of` over every case of
//! the sqllineage suite (the JSON array tests/sqllineage.rs reads), `REPS`
//! times in one process, and prints one JSON object with cases/s; a first
//! untimed pass warms the allocator and caches, as the Python peers get one.
//! `extract` walks the paths, reads and decodes every SQL file and runs the
//! SQL extractor alone (no classification, lineage, rules or reports), in
//! parallel on rayon like `piaudit scan`, and prints bytes, files and MB/s.
//! `java` does the same for Java sources: tree-sitter parsing with the
//! entity reader and the per-method flow pass in parallel, then the
//! cross-file `java_flow::link` (calls, datasets, endpoints), and prints
//! lines, files, the two times and the sinks found.

use piaudit::discover::{self, WalkOptions};
use piaudit::extract::sql::{self, SqlDialect};
use piaudit::extract::FileKind;
use piaudit::lineage::single::lineage_of;
use rayon::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("lineage") => lineage(&args[1..]),
        Some("extract") => extract(&args[1..]),
        Some("java") => java(&args[1..]),
        _ => Err(
            "usage: bench lineage CASES.json [REPS] | bench extract PATH... [--threads N] | bench java PATH..."
                .into(),
        ),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::from(2)
        }
    }
}

/// One case of the sqllineage suite: the SQL and its dialect.
fn cases(path: &str) -> Result<Vec<(String, SqlDialect)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let list = value
        .as_array()
        .ok_or(format!("{path}: not a JSON array"))?;
    Ok(list
        .iter()
        .map(|c| {
            let sql = c["sql"].as_str().unwrap_or("").to_string();
            let dialect = c["dialect"]
                .as_str()
                .and_then(|d| d.parse().ok())
                .unwrap_or(SqlDialect::Generic);
            (sql, dialect)
        })
        .collect())
}

fn lineage(args: &[String]) -> Result<String, String> {
    let path = args.first().ok_or("lineage: CASES.json missing")?;
    let reps: usize = match args.get(1) {
        Some(r) => r
            .parse()
            .map_err(|_| format!("REPS `{r}` is not a number"))?,
        None => 20,
    };
    let cases = cases(path)?;
    let run = |cases: &[(String, SqlDialect)]| -> (usize, usize) {
        let (mut edges, mut failed) = (0, 0);
        for (sql, dialect) in cases {
            let l = lineage_of(sql, "case.sql", *dialect);
            edges += l.column_lineage.len();
            failed += usize::from(!l.diagnostics.is_empty());
        }
        (edges, failed)
    };
    let (edges, failed) = run(&cases);
    let started = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(run(std::hint::black_box(&cases)));
    }
    let secs = started.elapsed().as_secs_f64();
    let total = cases.len() * reps;
    Ok(serde_json::json!({
        "tool": "piaudit",
        "cases": cases.len(),
        "reps": reps,
        "seconds": secs,
        "cases_per_s": total as f64 / secs.max(1e-9),
        "column_edges": edges,
        "cases_with_diagnostics": failed,
    })
    .to_string())
}

fn extract(args: &[String]) -> Result<String, String> {
    let mut roots = Vec::new();
    let mut threads = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--threads" {
            let n = it.next().ok_or("--threads needs a number")?;
            threads = Some(n.parse::<usize>().map_err(|_| format!("--threads `{n}`"))?);
        } else {
            roots.push(PathBuf::from(a));
        }
    }
    if roots.is_empty() {
        return Err("extract: no paths".into());
    }
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| e.to_string())?;
    }
    let started = Instant::now();
    let found = discover::discover(&roots, &WalkOptions::default()).map_err(|e| e.to_string())?;
    let sql_files: Vec<_> = found
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Sql)
        .collect();
    let totals = sql_files
        .par_iter()
        .map(|f| {
            let Ok(bytes) = std::fs::read(&f.path) else {
                return (0u64, 0u64, 0u64);
            };
            let len = bytes.len() as u64;
            let Ok(decoded) = discover::decode(bytes) else {
                return (0, 0, 0);
            };
            let dialect = SqlDialect::detect(&f.rel, &decoded.text);
            let facts = sql::extract(&f.rel, &decoded.text, dialect);
            (len, 1, (facts.tables.len() + facts.writes.len()) as u64)
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let secs = started.elapsed().as_secs_f64();
    Ok(serde_json::json!({
        "files": totals.1,
        "bytes": totals.0,
        "seconds": secs,
        "mb_per_s": totals.0 as f64 / 1e6 / secs.max(1e-9),
        "files_per_s": totals.1 as f64 / secs.max(1e-9),
        "tables_and_writes": totals.2,
    })
    .to_string())
}

/// Java parsing and data flow alone over the Java files under `args`.
fn java(args: &[String]) -> Result<String, String> {
    use piaudit::extract::{catalog::Catalog, java, java_flow};
    let roots: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    if roots.is_empty() {
        return Err("bench java: no path".into());
    }
    let catalog = Catalog::embedded();
    let started = Instant::now();
    let found = discover::discover(&roots, &WalkOptions::default()).map_err(|e| e.to_string())?;
    let files: Vec<_> = found
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Java)
        .collect();
    let mut facts: Vec<(u64, u64, piaudit::extract::FileFacts)> = files
        .par_iter()
        .filter_map(|f| {
            let bytes = std::fs::read(&f.path).ok()?;
            let len = bytes.len() as u64;
            let decoded = discover::decode(bytes).ok()?;
            let lines = decoded.text.lines().count() as u64;
            Some((len, lines, java::extract(&f.rel, &decoded.text, &catalog)))
        })
        .collect();
    let parsed = started.elapsed().as_secs_f64();
    let bytes: u64 = facts.iter().map(|f| f.0).sum();
    let lines: u64 = facts.iter().map(|f| f.1).sum();
    let mut facts: Vec<_> = facts.drain(..).map(|f| f.2).collect();
    let linking = Instant::now();
    java::inherit(&mut facts);
    java_flow::link(&mut facts, &catalog);
    let linked = linking.elapsed().as_secs_f64();
    let hits: usize = facts.iter().map(|f| f.java_flow.hits.len()).sum();
    let secs = started.elapsed().as_secs_f64();
    Ok(serde_json::json!({
        "files": facts.len(),
        "lines": lines,
        "bytes": bytes,
        "parse_and_method_flow_seconds": parsed,
        "link_seconds": linked,
        "seconds": secs,
        "lines_per_s": lines as f64 / secs.max(1e-9),
        "sinks": hits,
    })
    .to_string())
}
