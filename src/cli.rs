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
#[command(name = "piaudit", version, about, long_about = None, after_long_help = EXIT_CODES)]
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
    /// No colours and no progress bar (as does the NO_COLOR variable).
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// The exit codes, shown after `--help` of `piaudit` and `piaudit scan`
/// (and in the README).
pub const EXIT_CODES: &str = "\
Exit codes / 退出码:
  0  no open finding at or above --fail-on (always with --fail-on never) / 无达到阈值的待整改问题
  1  open findings at or above --fail-on (default: low) / 存在达到阈值的待整改问题
  2  usage, configuration or rule error: bad option or value, invalid piaudit.yaml,
     unknown --skip-rule, a path that does not exist, an archive named as the path,
     `/` or $HOME without --yes / 用法、配置或规则错误
  3  the scan could not complete: no supported file to read, every file skipped,
     a path that cannot be read, a report that cannot be written / 扫描未能完成";

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
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish
    /// (e.g. `piaudit completions bash > /etc/bash_completion.d/piaudit`).
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout, or with `--out DIR` write one page
    /// per command there (piaudit.1, piaudit-scan.1, …).
    Man(ManArgs),
    /// Re-check an evidence package (`scan --evidence`) offline: each
    /// report file's SHA-256, the signature, and with `--source` the
    /// scanned files. Exit 0 intact, 1 anything changed, missing or added,
    /// 2 usage error. / 核验证据包：0 完整，1 有改动，2 用法错误。
    Verify(VerifyArgs),
    /// Create an Ed25519 key pair for `--sign-key`: FILE (private key,
    /// PKCS#8 PEM, owner-only) and FILE.pub (public key). / 生成签名密钥对。
    Keygen(KeygenArgs),
}

/// Options of `piaudit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The report folder holding `evidence/manifest.json` (the scan's --out).
    pub dir: PathBuf,
    /// The public key you trust (PEM, DER or raw 32 bytes); default: the
    /// `evidence/manifest.pub` beside the manifest, which proves integrity
    /// but not who signed.
    #[arg(long, value_name = "FILE")]
    pub pubkey: Option<PathBuf>,
    /// Also re-hash the scanned files under this folder (the scanned root;
    /// for a scan of several roots, the folder it was run from).
    #[arg(long, value_name = "ROOT")]
    pub source: Option<PathBuf>,
}

/// Options of `piaudit keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Private key file to write; the public key goes to FILE.pub.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

impl KeygenArgs {
    /// Writes the key pair; returns the two paths.
    pub fn run(&self) -> Result<[PathBuf; 2], Error> {
        use piaudit::evidence::keys;
        let public = PathBuf::from(format!("{}.pub", self.out.display()));
        for p in [&self.out, &public] {
            if p.exists() && !self.force {
                return Err(Error::Usage(format!(
                    "{} already exists; use --force to overwrite / 文件已存在，如需覆盖请加 --force",
                    p.display()
                )));
            }
        }
        let failed = |e: String| Error::Usage(format!("keygen: {e}"));
        let key = keys::generate().map_err(failed)?;
        let private_pem = keys::private_pem(&key).map_err(failed)?;
        let public_pem = keys::public_pem(&key.verifying_key()).map_err(failed)?;
        write_private(&self.out, private_pem.as_bytes())
            .map_err(|e| failed(format!("cannot write {}: {e}", self.out.display())))?;
        std::fs::write(&public, public_pem)
            .map_err(|e| failed(format!("cannot write {}: {e}", public.display())))?;
        Ok([self.out.clone(), public])
    }
}

/// Writes a private key readable by its owner only (Unix).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// Evidence options of `scan`, `db` and `merge`.
#[derive(Debug, Clone, Args)]
pub struct EvidenceArgs {
    /// Write a tamper-evident evidence package into --out:
    /// evidence/manifest.json and MANIFEST.txt (each file read with its
    /// SHA-256, the databases' queries, rule pack digests, the command line
    /// with secrets masked, times, host, and the report files' SHA-256);
    /// check it with `piaudit verify` (docs/evidence.md).
    #[arg(long)]
    pub evidence: bool,
    /// Sign the manifest with this Ed25519 private key (PKCS#8 PEM or
    /// DER, or the raw 32-byte seed; `piaudit keygen` makes one); implies
    /// --evidence.
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,
}

impl EvidenceArgs {
    /// Whether evidence is kept.
    pub fn enabled(&self) -> bool {
        self.evidence || self.sign_key.is_some()
    }

    /// The recorder of this run, when evidence is kept: the signing key is
    /// read here, so a bad one stops the run (exit 2) before any scanning.
    pub fn recorder(&self) -> Result<Option<piaudit::evidence::Recorder>, Error> {
        if !self.enabled() {
            return Ok(None);
        }
        let args: Vec<String> = std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        piaudit::evidence::Recorder::start(&args, self.sign_key.as_deref()).map(Some)
    }
}

/// Options of `piaudit init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Project directory to write into.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Write a pipeline snippet for this CI system: github, gitlab or
    /// jenkins; or an organisation-wide example (scan every repository, then
    /// `piaudit merge`): github-org, gitlab-org or jenkins-org.
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
#[command(after_long_help = EXIT_CODES)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Report formats and the `--fail-on` threshold.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Directory the reports are written to (default: piaudit-report), or
    /// `-` to write the one --format to standard output (the summary goes
    /// to stderr). `piaudit baseline`: use --file (--out is deprecated there).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// `piaudit baseline` only: the baseline file to write (default:
    /// `.piaudit/baseline.json` under the scanned root, or the `baseline:`
    /// of piaudit.yaml).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Leave out files and folders matching this glob over the reported
    /// path (`vendor/**`, `*_test.sql`, `legacy`; repeatable; also the
    /// `exclude:` list of piaudit.yaml).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not evaluate this rule (repeatable; also the `skip_rules:` list of
    /// piaudit.yaml). Unknown ids are an error; see `piaudit rules list`.
    #[arg(long = "skip-rule", value_name = "ID")]
    pub skip_rules: Vec<String>,
    /// Show at most N finding lines in the terminal (default: all); the
    /// reports always hold every finding.
    #[arg(long, value_name = "N")]
    pub max_lines: Option<usize>,
    /// Scan even `/` or the home directory (refused without it).
    #[arg(long)]
    pub yes: bool,
    /// Declarations file (default: piaudit.yaml in the scanned root).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Baseline file written by `piaudit baseline`: the findings it lists
    /// are marked baselined and never fail the build (default: the
    /// `baseline:` of piaudit.yaml, if any).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Pull-request mode: report only new findings, those a scan of the
    /// merge base of this git ref and HEAD does not have, e.g. origin/main.
    /// The base is checked out into a temporary directory (the work tree is
    /// not touched) and its findings cached in the --cache-dir.
    #[arg(long, value_name = "GITREF")]
    pub diff_base: Option<String>,
    /// Keep only findings on subjects touched since this git ref (files
    /// changed since the merge base, plus untracked files), old findings on
    /// them included.
    #[arg(long, value_name = "GITREF")]
    pub changed_since: Option<String>,
    /// Directory SARIF artifact URIs are relative to (default: the root of
    /// the git work tree holding the first path, else the current directory).
    #[arg(long, value_name = "DIR")]
    pub sarif_root: Option<PathBuf>,
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
    /// Memory the run may use (e.g. 2G, 512M): at three quarters of it the
    /// run drops detail (PI paths, then the evidence lists of fields and
    /// findings) with a warning instead of being killed; the findings stay
    /// complete. Default: no limit.
    #[arg(long, value_name = "SIZE", value_parser = parse_max_memory)]
    pub max_memory: Option<u64>,
    /// Omit timings so two runs give byte-identical reports.
    #[arg(long)]
    pub deterministic: bool,
    /// Cache directory: the facts of every file read, by content hash, so
    /// a re-scan reads again only what changed; and `--diff-base` results.
    /// Default: $PIAUDIT_CACHE_DIR, else $XDG_CACHE_HOME/piaudit, else
    /// ~/.cache/piaudit. Never used inside a scanned folder.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Read and write no cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Size the facts cache (entries and stat indexes) is trimmed to after
    /// a scan (least recently used first), e.g. 512M, 2G.
    #[arg(long, value_name = "SIZE", default_value = "1G")]
    pub cache_max_size: String,
    /// Live databases audited into the same report.
    #[command(flatten)]
    pub live: DbArgs,
    /// Evidence package.
    #[command(flatten)]
    pub evidence: EvidenceArgs,
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
        "Report formats, comma-separated (default: html,json), each written to its file \
         in --out, or with --out - the one format to standard output:\n{}",
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
    /// [default: html,json]
    #[arg(
        long,
        value_delimiter = ',',
        help = format_help(),
        long_help = format_long_help()
    )]
    pub format: Option<Vec<String>>,
    /// Exit 1 when an open finding is at or above this severity
    /// (critical, high, medium, low, info), or `never` to exit 0 whatever
    /// is found (errors still exit 2 or 3). [default: low]
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
}

/// The formats written when `--format` is not given.
const DEFAULT_FORMATS: [&str; 2] = ["html", "json"];

impl ReportArgs {
    /// The formats (each once, in the order given) and the threshold
    /// (`None`: `--fail-on never`).
    pub fn parse(&self) -> Result<(Vec<Format>, Option<Severity>), Error> {
        let mut formats = Vec::new();
        let given: Vec<&str> = match &self.format {
            Some(f) => f.iter().map(String::as_str).collect(),
            None => DEFAULT_FORMATS.to_vec(),
        };
        for f in given {
            let f: Format = f.parse().map_err(Error::Usage)?;
            if !formats.contains(&f) {
                formats.push(f);
            }
        }
        let fail_on = match self.fail_on.as_deref().unwrap_or("low") {
            never if never.eq_ignore_ascii_case("never") => None,
            sev => Some(sev.parse::<Severity>().map_err(|e| {
                Error::Usage(format!(
                    "--fail-on: {e}; or `never` to never fail on findings"
                ))
            })?),
        };
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

/// Refuses to scan `/` or the home directory unless `--yes` is given: such
/// a scan reads everything the user owns and takes very long.
pub fn check_scan_roots(paths: &[PathBuf], yes: bool) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .and_then(|h| std::fs::canonicalize(h).ok());
    for p in paths {
        let Ok(c) = std::fs::canonicalize(p) else {
            continue;
        };
        let what = if c.parent().is_none() {
            "the file-system root"
        } else if Some(&c) == home.as_ref() {
            "your home directory"
        } else {
            continue;
        };
        return Err(Error::Usage(format!(
            "refusing to scan {} ({what}): name the project folder, or add --yes to scan it \
             anyway / 拒绝扫描根目录或主目录：请指定项目目录，确需扫描请加 --yes",
            p.display()
        )));
    }
    Ok(())
}

/// Checks that `--out -` (standard output) comes with exactly one format.
pub fn check_stdout(out: &std::path::Path, formats: &[Format]) -> Result<(), Error> {
    if out.as_os_str() == "-" && formats.len() != 1 {
        return Err(Error::Usage(format!(
            "--out - writes one report to standard output, but {} formats were asked for; \
             pick one with --format (e.g. --format json) / --out - 只能输出一种格式，请用 --format 指定",
            formats.len()
        )));
    }
    Ok(())
}

/// `--evidence` writes its manifest beside the reports, so it needs a report
/// folder, not standard output.
pub fn check_evidence_out(out: &std::path::Path, evidence: bool) -> Result<(), Error> {
    if evidence && out.as_os_str() == "-" {
        return Err(Error::Usage(
            "--evidence writes its manifest into the report folder: give --out DIR, not --out - / \
             --evidence 需将证据清单写入报告目录，请用 --out DIR 而非 --out -"
                .into(),
        ));
    }
    Ok(())
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
/// findings are recorded, the `--file` to write, and warnings about the
/// options it ignores. The old baseline is not applied, so a missing file
/// is no error and fixed findings drop out.
pub fn baseline_config(
    mut args: Box<ScanArgs>,
) -> Result<(Config, Option<PathBuf>, Vec<String>), Error> {
    if args.evidence.enabled() {
        return Err(Error::Usage(
            "`piaudit baseline` writes no reports: --evidence and --sign-key belong to \
             `piaudit scan` and `piaudit db` / --evidence 与 --sign-key 仅用于 scan 与 db"
                .into(),
        ));
    }
    if args.baseline.is_some() || args.diff_base.is_some() || args.changed_since.is_some() {
        return Err(Error::Usage(
            "`piaudit baseline` records every current finding: --baseline, --diff-base and \
             --changed-since belong to `piaudit scan`; name the file with --file / \
             `piaudit baseline` 记录当前全部问题，--baseline、--diff-base 与 --changed-since 仅用于 `piaudit scan`，输出文件请用 --file"
                .into(),
        ));
    }
    let mut warnings = Vec::new();
    let file = match (args.file.take(), args.out.take()) {
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "`piaudit baseline`: give the file with --file only (--out is its deprecated \
                 name) / 请只用 --file 指定基线文件"
                    .into(),
            ))
        }
        (Some(f), None) => Some(f),
        (None, Some(f)) => {
            warnings.push(
                "`piaudit baseline --out FILE` is deprecated and will be removed: use --file FILE \
                 (for `scan`, --out is a folder) / --out 已弃用，请改用 --file"
                    .to_string(),
            );
            Some(f)
        }
        (None, None) => None,
    };
    let ignored: Vec<&str> = [
        ("--format", args.report.format.is_some()),
        ("--fail-on", args.report.fail_on.is_some()),
        ("--lang", args.rules.lang.is_some()),
        ("--max-lines", args.max_lines.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect();
    if !ignored.is_empty() {
        warnings.push(format!(
            "`piaudit baseline` ignores {}: it writes one JSON file of fingerprints and exits 0; \
             pass them to `piaudit scan --baseline FILE` / 基线命令忽略这些选项",
            ignored.join(", ")
        ));
    }
    let (mut config, _, _) = args.into_config()?;
    config.skip_baseline = true;
    // Baselines must not depend on timings or a report format.
    config.deterministic = true;
    Ok((config, file, warnings))
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
    /// Evidence package (the reports merged are the files read).
    #[command(flatten)]
    pub evidence: EvidenceArgs,
    /// Memory the run may use (e.g. 2G, 512M): at three quarters of it the
    /// run drops detail (PI paths, then the evidence lists of fields and
    /// findings) with a warning instead of being killed; the findings stay
    /// complete. Default: no limit.
    #[arg(long, value_name = "SIZE", value_parser = parse_max_memory)]
    pub max_memory: Option<u64>,
}

impl MergeArgs {
    /// Validates the options into the library's merge options, formats and
    /// `--fail-on` threshold.
    pub fn into_options(
        self,
    ) -> Result<(piaudit::merge::MergeOptions, Vec<Format>, Option<Severity>), Error> {
        let (formats, fail_on) = self.report.parse()?;
        let (lang, today) = self.rules.language_and_date()?;
        let options = piaudit::merge::MergeOptions {
            declarations: self.config,
            pack: self.rules.pack,
            profile: self.rules.profile,
            lang,
            rules_dir: self.rules.rules,
            today,
            evidence: self.evidence.enabled(),
            max_memory: self.max_memory,
        };
        Ok((options, formats, fail_on))
    }
}

/// `--max-memory SIZE`.
fn parse_max_memory(s: &str) -> Result<u64, String> {
    piaudit::pipeline::memory::parse_size(s)
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
    /// Labels CSV with a header row; columns are found by name, in any
    /// order, others (e.g. `repo`) are ignored: `file` (matched by its last
    /// path component), `table` (without schema), `column`, `is_pi`
    /// (yes/no, true/false, 1/0, y/n), `category` (optional: a taxonomy
    /// id, a coarser prefix such as `finance`, or `other`; empty when not
    /// PI) and `sensitive_35273` / `sensitive_45574` for the chosen
    /// profile, else `sensitive` (yes/no…, empty = no). A bad row or an
    /// unknown category exits 2 naming FILE:LINE. See eval/README.md.
    #[arg(long, verbatim_doc_comment)]
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
    /// Directory overlaying the built-in `rules/` data (e.g. edited cue
    /// files under `DIR/cues/`), to measure cue changes without a rebuild.
    #[arg(long)]
    pub rules: Option<PathBuf>,
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
    /// Validates the arguments into a library config, formats and threshold
    /// (`None`: `--fail-on never`).
    pub fn into_config(self) -> Result<(Config, Vec<Format>, Option<Severity>), Error> {
        let (formats, fail_on) = self.report.parse()?;
        let dialect = match &self.dialect {
            Some(d) => Some(
                d.parse::<SqlDialect>()
                    .map_err(|e| Error::Usage(format!("--dialect: {e}")))?,
            ),
            None => None,
        };
        let (lang, today) = self.rules.language_and_date()?;
        if let Some(dir) = self.sarif_root.as_ref().filter(|d| !d.is_dir()) {
            return Err(Error::Usage(format!(
                "--sarif-root {}: not a directory / 不是目录",
                dir.display()
            )));
        }
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
            exclude: self.exclude,
            skip_rules: self.skip_rules,
            skip_dirs: self
                .out
                .into_iter()
                .filter(|o| o.as_os_str() != "-")
                .collect(),
            changed_since: self.changed_since,
            cache_dir: match (self.no_cache, self.cache_dir) {
                (true, _) => None,
                (false, Some(dir)) => Some(dir),
                (false, None) => piaudit::pipeline::cache::default_root(),
            },
            cache_max_size: piaudit::pipeline::cache::parse_size(&self.cache_max_size)
                .map_err(|e| Error::Usage(format!("--cache-max-size {e}")))?,
            root_labels: Vec::new(),
            sarif_root: self.sarif_root,
            evidence: self.evidence.enabled(),
            max_memory: self.max_memory,
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
    fn pr_mode_and_sarif_options_are_checked() {
        let scan = |args: &[&str]| {
            let cli = Cli::try_parse_from([&["piaudit", "scan", "x"], args].concat()).unwrap();
            let Command::Scan(args) = cli.command else {
                panic!()
            };
            args
        };
        let err = scan(&["--sarif-root", "/nonexistent/dir"])
            .into_config()
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--sarif-root"), "{err}");
        let (config, _, _) = scan(&["--diff-base", "main", "--changed-since", "v1"])
            .into_config()
            .unwrap();
        assert_eq!(config.diff_base.as_deref(), Some("main"));
        assert_eq!(config.changed_since.as_deref(), Some("v1"));
        for option in ["--diff-base", "--changed-since"] {
            let cli = Cli::try_parse_from(["piaudit", "baseline", "x", option, "main"]).unwrap();
            let Command::Baseline(args) = cli.command else {
                panic!()
            };
            let err = baseline_config(args).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains(option), "{err}");
        }
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

/// Options of `piaudit completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

impl CompletionsArgs {
    /// Writes the completion script of the whole command line to `out`.
    pub fn run(&self, out: &mut dyn std::io::Write) {
        use clap::CommandFactory;
        // Into memory first: the generator panics when its writer fails,
        // and a closed pipe (`piaudit completions bash | head`) is no error.
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut Cli::command(), "piaudit", &mut script);
        let _ = out.write_all(&script);
    }
}

/// Options of `piaudit man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write piaudit.1 and one page per subcommand into this directory
    /// instead of printing piaudit.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl ManArgs {
    /// Prints the man page to `stdout`, or writes the pages into `--out`;
    /// returns the directory written, if any.
    pub fn run(&self, stdout: &mut dyn std::io::Write) -> Result<Option<PathBuf>, Error> {
        use clap::CommandFactory;
        let cmd = Cli::command();
        let Some(dir) = &self.out else {
            // A closed pipe (`piaudit man | head`) is not an error.
            let _ = clap_mangen::Man::new(cmd).render(stdout);
            return Ok(None);
        };
        let output = |source| Error::Output {
            path: dir.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(output)?;
        clap_mangen::generate_to(cmd, dir).map_err(output)?;
        Ok(Some(dir.clone()))
    }
}

#[cfg(test)]
mod man_tests {
    use super::*;
    use clap::CommandFactory;

    /// The man page renders whatever closing text `--help` has (the
    /// exit-code table): every word of it, in an EXTRA section; and no such
    /// section without one.
    #[test]
    fn man_page_has_the_closing_text_of_the_help() {
        let mut page = Vec::new();
        ManArgs { out: None }.run(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains(".TH piaudit 1"), "{page}");
        let cmd = Cli::command();
        let closing = cmd
            .get_after_long_help()
            .or_else(|| cmd.get_after_help())
            .map(ToString::to_string);
        let Some(closing) = closing else {
            assert!(!page.contains(".SH EXTRA"), "{page}");
            return;
        };
        assert!(page.contains(".SH EXTRA"), "{page}");
        let extra = page.split(".SH EXTRA").nth(1).unwrap();
        for word in closing
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            assert!(
                extra.contains(word),
                "`{word}` of the help is not in the man page"
            );
        }
    }

    #[test]
    fn completions_name_every_subcommand() {
        let mut script = Vec::new();
        CompletionsArgs {
            shell: clap_complete::Shell::Bash,
        }
        .run(&mut script);
        let script = String::from_utf8(script).unwrap();
        for sub in Cli::command().get_subcommands() {
            assert!(script.contains(sub.get_name()), "{}", sub.get_name());
        }
    }
}
