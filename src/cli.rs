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
}

/// Options of `piaudit scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Report formats, comma-separated: json, html.
    #[arg(long, default_value = "html,json", value_delimiter = ',')]
    pub format: Vec<String>,
    /// Directory the reports are written to.
    #[arg(long, default_value = "piaudit-report")]
    pub out: PathBuf,
    /// Exit 1 when an open finding is at or above this severity
    /// (critical, high, medium, low, info).
    #[arg(long, default_value = "low")]
    pub fail_on: String,
    /// Declarations file (default: piaudit.yaml in the scanned root).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Rule pack.
    #[arg(long, default_value = "cn-2026")]
    pub pack: String,
    /// Sensitivity profile: gbt45574 (default of cn-2026) or gbt35273.
    #[arg(long)]
    pub profile: Option<String>,
    /// Report language: zh-CN or en (default: from LANG, else zh-CN).
    #[arg(long)]
    pub lang: Option<String>,
    /// Directory whose YAML files overlay the built-in rules/ data.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Read every SQL file with this dialect instead of detecting it.
    #[arg(long)]
    pub dialect: Option<String>,
    /// Skip files larger than this many bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    pub max_file_size: u64,
    /// Omit timings so two runs give byte-identical reports.
    #[arg(long)]
    pub deterministic: bool,
    /// Date for waiver expiry checks (YYYY-MM-DD); default: today.
    #[arg(long)]
    pub as_of: Option<String>,
}

/// Options of `piaudit rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Rule pack.
    #[arg(long, default_value = "cn-2026")]
    pub pack: String,
    /// Language of titles: zh-CN or en.
    #[arg(long)]
    pub lang: Option<String>,
}

/// Options of `piaudit lineage`.
#[derive(Debug, Args)]
pub struct LineageArgs {
    /// The SQL file, or `-` for standard input.
    pub file: PathBuf,
    /// SQL dialect (default: detected from the path and content).
    #[arg(long)]
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
        let text = piaudit::discover::decode(&bytes)
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
            LineageFormat::Dot => l.to_dot(),
            LineageFormat::Mermaid => l.to_mermaid(),
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
        let dialect = match &self.dialect {
            Some(d) => Some(
                d.parse::<SqlDialect>()
                    .map_err(|e| Error::Usage(format!("--dialect: {e}")))?,
            ),
            None => None,
        };
        if let Some(d) = &self.as_of {
            let ok = d.len() == 10
                && d.chars().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            if !ok {
                return Err(Error::Usage(format!("--as-of `{d}`: write YYYY-MM-DD")));
            }
        }
        let config = Config {
            roots: self.paths,
            declarations: self.config,
            pack: self.pack,
            profile: self.profile,
            lang: language(self.lang.as_deref())?,
            rules_dir: self.rules,
            dialect,
            max_file_size: self.max_file_size,
            deterministic: self.deterministic,
            today: self.as_of,
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
}
