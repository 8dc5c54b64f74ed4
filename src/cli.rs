//! Command-line interface (clap derive). `Cli` is the raw parse; `into_config`
//! validates it into a library [`piaudit::Config`].

use clap::{Args, Parser, Subcommand};
use piaudit::extract::sql::SqlDialect;
use piaudit::model::Severity;
use piaudit::report::Format;
use piaudit::{Config, Error};
use std::path::PathBuf;

/// piaudit — find personal information (个人信息) in code and schemas, follow
/// where it flows, and check it against PIPL, DSL, CSL and their rules.
#[derive(Debug, Parser)]
#[command(name = "piaudit", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Print debug logs to stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Worker threads (default: one per CPU). Reports are identical for any N.
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit files and directories: PI inventory, lineage, findings, reports.
    Scan(Box<ScanArgs>),
    /// List the rules of a pack.
    Rules(RulesArgs),
    /// Print the table and column lineage of one SQL file (or `-` for stdin).
    Lineage(LineageArgs),
    /// Audit live databases (read-only): `piaudit db --url postgres://…|mysql://…`.
    /// Takes the options of `scan`; to add files, use `scan PATH --db URL`.
    Db(Box<ScanArgs>),
    /// Record the current findings as accepted: writes their fingerprints to
    /// `--out` (default: `.piaudit/baseline.json` under the scanned root, or
    /// the `baseline:` of piaudit.yaml). Takes the options of `scan`; later
    /// scans with `--baseline FILE` fail only on new findings.
    Baseline(Box<ScanArgs>),
    /// Combine the JSON reports of several scans (repositories, databases)
    /// into one organisation-wide audit: lineage across them, rules re-evaluated.
    Merge(Box<MergeArgs>),
    /// Explain why a field was tagged as PI (or not): every cue and its weight.
    Explain(ExplainArgs),
    /// Measure the classifier against a labelled CSV: precision, recall, F1.
    Eval(EvalArgs),
    /// Set a project up: with `--ci`, write a CI pipeline snippet.
    Init(InitArgs),
}

/// Options of `piaudit init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Project directory to write into.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Write a pipeline snippet for this CI system: github, gitlab or jenkins.
    #[arg(long)]
    pub ci: Option<String>,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

impl InitArgs {
    /// Writes what was asked for; returns the paths written.
    pub fn run(&self) -> Result<Vec<PathBuf>, Error> {
        match &self.ci {
            Some(name) => {
                let ci: piaudit::ci::CiSystem = name
                    .parse()
                    .map_err(|e| Error::Usage(format!("--ci: {e}")))?;
                Ok(vec![piaudit::ci::write_snippet(&self.dir, ci, self.force)?])
            }
            None => self.write_declarations_template(),
        }
    }

    /// `piaudit init` without `--ci`: writes the `piaudit.yaml` template.
    fn write_declarations_template(&self) -> Result<Vec<PathBuf>, Error> {
        let path = self.dir.join("piaudit.yaml");
        if path.exists() && !self.force {
            return Err(Error::Usage(format!(
                "{} already exists; use --force to overwrite / 文件已存在，如需覆盖请加 --force",
                path.display()
            )));
        }
        std::fs::write(&path, piaudit::decl::TEMPLATE)
            .map_err(|e| Error::Usage(format!("cannot write {}: {e}", path.display())))?;
        Ok(vec![path])
    }
}

/// Options of `piaudit scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Report formats and the `--fail-on` threshold.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Directory the reports are written to (default: piaudit-report);
    /// for `piaudit baseline`, the baseline file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Declarations file (default: piaudit.yaml in the scanned root).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Baseline file written by `piaudit baseline`: the findings it lists
    /// are marked baselined and never fail the build (default: the
    /// `baseline:` of piaudit.yaml, if any).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Keep only findings on subjects touched since this git ref (files
    /// changed since the merge base, plus untracked files), e.g. origin/main.
    #[arg(long, value_name = "GITREF")]
    pub diff_base: Option<String>,
    /// Rule pack, profile, language, rule overlay and waiver date.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Read every SQL file with this dialect instead of detecting it.
    #[arg(long, value_name = "DIALECT", long_help = dialect_long_help())]
    pub dialect: Option<String>,
    /// Skip files larger than this many bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    pub max_file_size: u64,
    /// Seconds one file may take to read (0: no limit). SQL stops reading
    /// at the limit and says where; any file over it gets a warning. The
    /// scan always goes on.
    #[arg(long, value_name = "SECS", default_value_t = piaudit::DEFAULT_FILE_TIME_BUDGET.as_secs())]
    pub file_time_budget: u64,
    /// Omit timings so two runs give byte-identical reports.
    #[arg(long)]
    pub deterministic: bool,
    /// Live databases audited into the same report.
    #[command(flatten)]
    pub live: DbArgs,
}

/// `--dialect`'s long help, from the dialect registry.
fn dialect_long_help() -> String {
    format!(
        "Read every SQL file with this dialect instead of detecting it from \
         the path and content. Any letter case; a name also covers longer \
         words it begins (`kingbase8`), as in folder names:\n{}",
        indent(&SqlDialect::help_lines())
    )
}

/// `--format`'s short help, from the format registry.
fn format_help() -> String {
    format!(
        "Report formats, comma-separated: {}",
        piaudit::report::format_names()
    )
}

/// `--format`'s long help: each format with its file, from the registry.
fn format_long_help() -> String {
    format!(
        "Report formats, comma-separated, each written to its file in --out:\n{}",
        indent(&piaudit::report::format_help_lines())
    )
}

fn indent(lines: &str) -> String {
    lines
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Report options of `scan` and `merge`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Report formats, comma-separated (see --help for each format's file).
    #[arg(
        long,
        default_value = "html,json",
        value_delimiter = ',',
        help = format_help(),
        long_help = format_long_help()
    )]
    pub format: Vec<String>,
    /// Exit 1 when an open finding is at or above this severity
    /// (critical, high, medium, low, info).
    #[arg(long, default_value = "low")]
    pub fail_on: String,
}

impl ReportArgs {
    /// The formats (each once, in the order given) and the threshold.
    pub fn parse(&self) -> Result<(Vec<Format>, Severity), Error> {
        let mut formats = Vec::new();
        for f in &self.format {
            let f: Format = f.parse().map_err(Error::Usage)?;
            if !formats.contains(&f) {
                formats.push(f);
            }
        }
        let fail_on: Severity = self
            .fail_on
            .parse()
            .map_err(|e| Error::Usage(format!("--fail-on: {e}")))?;
        Ok((formats, fail_on))
    }
}

/// Rule options of `scan` and `merge`.
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Rule pack: cn-2026, mlps-l3 (GB/T 22239 level-3 self-check), or a
    /// comma list of packs evaluated together (cn-2026,mlps-l3).
    #[arg(long, default_value = "cn-2026")]
    pub pack: String,
    /// Sensitivity profile: gbt45574 (default of cn-2026) or gbt35273
    /// (`merge`: default the reports' profile if they agree).
    #[arg(long)]
    pub profile: Option<String>,
    /// Report language: zh-CN or en (default: from LANG, else zh-CN).
    #[arg(long)]
    pub lang: Option<String>,
    /// Directory whose YAML files overlay the built-in rules/ data.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Date for waiver expiry checks (YYYY-MM-DD); default: today.
    #[arg(long)]
    pub as_of: Option<String>,
}

impl RuleArgs {
    /// The report language and the checked `--as-of` date.
    fn language_and_date(&self) -> Result<(String, Option<String>), Error> {
        if let Some(d) = &self.as_of {
            check_as_of(d)?;
        }
        Ok((language(self.lang.as_deref())?, self.as_of.clone()))
    }
}

/// Live-database options of `scan` and `db` (see docs/db.md).
#[derive(Debug, Args)]
pub struct DbArgs {
    /// Also audit this live database, read-only (repeatable):
    /// postgres://user@host:port/db or mysql://user@host:port/db;
    /// `${VAR}` is read from the environment.
    #[arg(long = "db", visible_alias = "url", value_name = "URL")]
    pub urls: Vec<String>,
    /// Environment variable holding the password of the --db databases.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Read only these schemas (PostgreSQL schemas, MySQL databases; repeatable).
    #[arg(long = "schema", value_name = "SCHEMA")]
    pub schemas: Vec<String>,
    /// Sample up to N rows (at most 50) per table to check values; off by default.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub sample: u32,
    /// Bytes of sampled values read per database at most.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub sample_max_bytes: u64,
    /// Timeout of each database statement, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub statement_timeout_ms: u64,
}

impl DbArgs {
    /// Validates the options into the library's database configuration.
    pub fn to_config(&self) -> Result<piaudit::db::DbConfig, Error> {
        if self.sample > piaudit::db::MAX_SAMPLE_ROWS {
            return Err(Error::Usage(format!(
                "--sample {}: at most {} rows per table are sampled",
                self.sample,
                piaudit::db::MAX_SAMPLE_ROWS
            )));
        }
        if self.statement_timeout_ms == 0 {
            return Err(Error::Usage(
                "--statement-timeout-ms must be above 0".into(),
            ));
        }
        let targets = self
            .urls
            .iter()
            .map(|url| piaudit::db::DbTarget {
                url: url.clone(),
                password_env: self.password_env.clone(),
                schemas: self.schemas.clone(),
            })
            .collect();
        Ok(piaudit::db::DbConfig {
            targets,
            sample_rows: self.sample,
            sample_max_bytes: self.sample_max_bytes,
            statement_timeout_ms: self.statement_timeout_ms,
        })
    }
}

/// Checks `piaudit db` arguments and turns them into a scan of databases
/// only (no file paths).
pub fn db_only(mut args: Box<ScanArgs>) -> Result<Box<ScanArgs>, Error> {
    if args.paths != [PathBuf::from(".")] {
        return Err(Error::Usage(
            "`piaudit db` reads databases only; to add files use `piaudit scan PATH --db URL`"
                .into(),
        ));
    }
    if args.live.urls.is_empty() && args.config.is_none() {
        return Err(Error::Usage(
            "`piaudit db` needs --url URL (or --config with a `databases:` list)".into(),
        ));
    }
    args.paths.clear();
    Ok(args)
}

/// Checks `piaudit baseline` arguments and turns them into the scan whose
/// findings are recorded, plus the `--out` file. The old baseline is not
/// applied, so a missing file is no error and fixed findings drop out.
pub fn baseline_config(args: Box<ScanArgs>) -> Result<(Config, Option<PathBuf>), Error> {
    if args.baseline.is_some() || args.diff_base.is_some() {
        return Err(Error::Usage(
            "`piaudit baseline` records every current finding: --baseline and --diff-base \
             belong to `piaudit scan`; name the file with --out / \
             `piaudit baseline` 记录当前全部问题，--baseline 与 --diff-base 仅用于 `piaudit scan`，输出文件请用 --out"
                .into(),
        ));
    }
    let out = args.out.clone();
    let (mut config, _, _) = args.into_config()?;
    config.skip_baseline = true;
    // Baselines must not depend on timings or a report format.
    config.deterministic = true;
    Ok((config, out))
}

/// Options of `piaudit merge`.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// `report.json` files written by `piaudit scan --format json`.
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Report formats and the `--fail-on` threshold.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Directory the merged reports are written to.
    #[arg(long, default_value = "piaudit-report")]
    pub out: PathBuf,
    /// Organisation-wide declarations file (piaudit.yaml).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Rule pack, profile, language, rule overlay and waiver date.
    #[command(flatten)]
    pub rules: RuleArgs,
}

impl MergeArgs {
    /// Validates the options into the library's merge options, formats and
    /// `--fail-on` threshold.
    pub fn into_options(
        self,
    ) -> Result<(piaudit::merge::MergeOptions, Vec<Format>, Severity), Error> {
        let (formats, fail_on) = self.report.parse()?;
        let (lang, today) = self.rules.language_and_date()?;
        let options = piaudit::merge::MergeOptions {
            declarations: self.config,
            pack: self.rules.pack,
            profile: self.rules.profile,
            lang,
            rules_dir: self.rules.rules,
            today,
        };
        Ok((options, formats, fail_on))
    }
}

/// `--as-of` must be a `YYYY-MM-DD` date.
fn check_as_of(d: &str) -> Result<(), Error> {
    let ok = d.len() == 10
        && d.chars().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!("--as-of `{d}`: write YYYY-MM-DD")))
    }
}

/// Options of `piaudit rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<RulesAction>,
    /// Rule pack: cn-2026, mlps-l3, or a comma list (cn-2026,mlps-l3).
    #[arg(long, global = true, default_value = "cn-2026")]
    pub pack: String,
    /// Language of titles: zh-CN or en.
    #[arg(long, global = true)]
    pub lang: Option<String>,
    /// Directory of extra rule data overlaying the built-in `rules/`
    /// (default: `.piaudit/rules` when it exists).
    #[arg(long, global = true)]
    pub rules: Option<PathBuf>,
}

/// `piaudit rules` actions.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Table of rules: id, severity, basis, title.
    List,
    /// Full text of one rule, its basis and its fixtures.
    Show {
        /// Rule id, e.g. CNPI-020.
        id: String,
    },
    /// Run every rule's fixtures (or the `*.test.yaml` files under DIR).
    Test {
        /// Directory of fixture files; default: the pack's own.
        dir: Option<PathBuf>,
    },
}

/// Options of `piaudit explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The field: `table.column`, `schema.table.column`, or `column`
    /// (case-insensitive; `*` matches any table).
    pub field: String,
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Declarations file (default: piaudit.yaml in the scanned root).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Sensitivity profile: gbt45574 (default of cn-2026) or gbt35273.
    #[arg(long)]
    pub profile: Option<String>,
    /// Output language: zh-CN or en (default: from LANG, else zh-CN).
    #[arg(long)]
    pub lang: Option<String>,
    /// Output format: text or json.
    #[arg(long, default_value = "text")]
    pub format: String,
}

/// Options of `piaudit eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labels CSV: `repo,file,table,column,is_pi,category,sensitive`
    /// (see tests/fixtures/classify/README.md).
    #[arg(long)]
    pub labels: PathBuf,
    /// Files or directories holding the labelled schemas.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Sensitivity profile the `sensitive` labels are written for.
    #[arg(long, default_value = "gbt45574")]
    pub profile: String,
    /// How many misclassified columns to list.
    #[arg(long, default_value_t = 40)]
    pub errors: usize,
    /// Declarations (piaudit.yaml) to classify with: overrides, custom cues,
    /// `sensitive_categories` matching the labels' convention.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl ExplainArgs {
    /// The scan configuration for the explained paths.
    pub fn config(&self) -> Result<Config, Error> {
        Ok(Config {
            roots: self.paths.clone(),
            declarations: self.config.clone(),
            profile: self.profile.clone(),
            lang: language(self.lang.as_deref())?,
            deterministic: true,
            ..Config::default()
        })
    }
}

/// Options of `piaudit lineage`.
#[derive(Debug, Args)]
pub struct LineageArgs {
    /// The SQL file, or `-` for standard input.
    pub file: PathBuf,
    /// SQL dialect (default: detected from the path and content).
    #[arg(long, value_name = "DIALECT", long_help = dialect_long_help())]
    pub dialect: Option<String>,
    /// Output format: json, dot or mermaid.
    #[arg(long, default_value = "json")]
    pub format: String,
}

/// Output formats of `piaudit lineage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineageFormat {
    /// The JSON of the output contract.
    Json,
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

impl LineageArgs {
    /// Reads the input and renders its lineage in the chosen format.
    pub fn run(&self) -> Result<String, Error> {
        let format = match self.format.to_ascii_lowercase().as_str() {
            "json" => LineageFormat::Json,
            "dot" => LineageFormat::Dot,
            "mermaid" => LineageFormat::Mermaid,
            other => {
                return Err(Error::Usage(format!(
                    "--format `{other}`: use json, dot or mermaid"
                )))
            }
        };
        let dialect = match &self.dialect {
            Some(d) => Some(
                d.parse::<SqlDialect>()
                    .map_err(|e| Error::Usage(format!("--dialect: {e}")))?,
            ),
            None => None,
        };
        let (name, bytes) = if self.file.as_os_str() == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
                .map_err(|e| Error::Usage(format!("cannot read standard input: {e}")))?;
            ("-".to_string(), buf)
        } else {
            let bytes = std::fs::read(&self.file)
                .map_err(|e| Error::Usage(format!("cannot read {}: {e}", self.file.display())))?;
            (self.file.to_string_lossy().replace('\\', "/"), bytes)
        };
        let text = piaudit::discover::decode(bytes)
            .map_err(|_| Error::Usage(format!("{name}: not a text file")))?
            .text;
        let dialect = dialect.unwrap_or_else(|| SqlDialect::detect(&name, &text));
        let l = piaudit::lineage::single::lineage_of(&text, &name, dialect);
        Ok(match format {
            LineageFormat::Json => {
                let mut s = serde_json::to_string_pretty(&l).map_err(|e| Error::Render {
                    format: "json".into(),
                    message: e.to_string(),
                })?;
                s.push('\n');
                s
            }
            LineageFormat::Dot => piaudit::report::dot::lineage(&l),
            LineageFormat::Mermaid => piaudit::report::mermaid::lineage(&l),
        })
    }
}

/// The report language from a flag or the environment.
pub fn language(flag: Option<&str>) -> Result<String, Error> {
    let raw = match flag {
        Some(l) => l.to_string(),
        None => std::env::var("LC_ALL")
            .or_else(|_| std::env::var("LANG"))
            .unwrap_or_default(),
    };
    let lower = raw.to_ascii_lowercase();
    if flag.is_some() && !(lower.starts_with("zh") || lower.starts_with("en")) {
        return Err(Error::Usage(format!(
            "unknown language `{raw}`; use zh-CN or en"
        )));
    }
    Ok(if lower.starts_with("en") {
        "en".into()
    } else {
        "zh-CN".into()
    })
}

impl ScanArgs {
    /// Validates the arguments into a library config, formats and threshold.
    pub fn into_config(self) -> Result<(Config, Vec<Format>, Severity), Error> {
        let (formats, fail_on) = self.report.parse()?;
        let dialect = match &self.dialect {
            Some(d) => Some(
                d.parse::<SqlDialect>()
                    .map_err(|e| Error::Usage(format!("--dialect: {e}")))?,
            ),
            None => None,
        };
        let (lang, today) = self.rules.language_and_date()?;
        let config = Config {
            roots: self.paths,
            declarations: self.config,
            pack: self.rules.pack,
            profile: self.rules.profile,
            lang,
            rules_dir: self.rules.rules,
            dialect,
            max_file_size: self.max_file_size,
            file_time_budget: (self.file_time_budget > 0)
                .then(|| std::time::Duration::from_secs(self.file_time_budget)),
            deterministic: self.deterministic,
            today,
            databases: self.live.to_config()?,
            progress: None,
            baseline: self.baseline,
            skip_baseline: false,
            diff_base: self.diff_base,
        };
        Ok((config, formats, fail_on))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let cli = Cli::try_parse_from(["piaudit", "scan", "x", "--fail-on", "severe"]).unwrap();
        let Command::Scan(args) = cli.command else {
            panic!()
        };
        let err = args.into_config().unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--fail-on"), "{err}");
        assert!(language(Some("fr")).is_err());
        let cli = Cli::try_parse_from(["piaudit", "lineage", "x.sql", "--format", "png"]).unwrap();
        let Command::Lineage(args) = cli.command else {
            panic!()
        };
        let err = args.run().unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--format"), "{err}");
        let cli = Cli::try_parse_from(["piaudit", "lineage", "/nonexistent/x.sql"]).unwrap();
        let Command::Lineage(args) = cli.command else {
            panic!()
        };
        let err = args.run().unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string().contains("cannot read /nonexistent/x.sql"),
            "{err}"
        );
        assert_eq!(language(Some("en-US")).unwrap(), "en");
    }

    #[test]
    fn every_format_row_is_accepted_and_in_the_help() {
        use clap::CommandFactory;
        for spec in piaudit::report::FORMATS {
            for name in std::iter::once(spec.name).chain(spec.aliases.iter().copied()) {
                let cli = Cli::try_parse_from(["piaudit", "scan", "x", "--format", name]).unwrap();
                let Command::Scan(args) = cli.command else {
                    panic!()
                };
                let (formats, _) = args.report.parse().unwrap();
                assert_eq!(formats, [spec.format], "{name}");
            }
        }
        // All at once, repeated names kept once, in the order given.
        let cli = Cli::try_parse_from([
            "piaudit",
            "merge",
            "r.json",
            "--format",
            "dot,md,markdown,json",
        ])
        .unwrap();
        let Command::Merge(args) = cli.command else {
            panic!()
        };
        let (formats, _) = args.report.parse().unwrap();
        assert_eq!(formats, [Format::Dot, Format::Markdown, Format::Json]);
        let mut scan = Cli::command();
        let help = scan
            .find_subcommand_mut("scan")
            .unwrap()
            .render_long_help()
            .to_string();
        for spec in piaudit::report::FORMATS {
            assert!(help.contains(spec.file_name), "{}: {help}", spec.name);
        }
        for spec in piaudit::extract::sql::dialect::DIALECTS {
            assert!(help.contains(&format!("{}: ", spec.name)), "{}", spec.name);
        }
    }

    #[test]
    fn every_dialect_name_is_accepted_by_scan_and_lineage() {
        for spec in piaudit::extract::sql::dialect::DIALECTS {
            for name in spec.names() {
                let cli = Cli::try_parse_from(["piaudit", "scan", "x", "--dialect", name]).unwrap();
                let Command::Scan(args) = cli.command else {
                    panic!()
                };
                let (config, _, _) = args.into_config().unwrap();
                assert_eq!(config.dialect, Some(spec.dialect), "{name}");
            }
        }
        let cli = Cli::try_parse_from(["piaudit", "lineage", "-", "--dialect", "cobol"]).unwrap();
        let Command::Lineage(args) = cli.command else {
            panic!()
        };
        let err = args.run().unwrap_err();
        assert!(err.to_string().contains("--dialect"), "{err}");
    }
}
