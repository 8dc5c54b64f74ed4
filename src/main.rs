//! The `piaudit` binary: parse the command line, call the library, map the
//! outcome to an exit code (0 clean, 1 findings at or above --fail-on,
//! 2 usage/configuration/rule error, 3 scan could not complete).

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use piaudit::{report, Error};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PIAUDIT_LOG")
                .unwrap_or_else(|_| level.into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .without_time()
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("piaudit: error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Scan(args) => {
            let out = args.out.clone();
            let (config, formats, fail_on) = args.into_config()?;
            tracing::info!(roots = ?config.roots, pack = %config.pack, "scanning");
            let audit = piaudit::scan(&config)?;
            let written = report::write_all(&audit, &formats, &out)?;
            if !cli.quiet {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "{}", report::text::summary(&audit, 10));
                for p in &written {
                    let _ = writeln!(
                        err,
                        "{} {}",
                        if audit.lang.starts_with("zh") {
                            "报告："
                        } else {
                            "report:"
                        },
                        p.display()
                    );
                }
            }
            let failing = audit
                .report
                .worst_open_severity()
                .is_some_and(|s| s >= fail_on);
            Ok(if failing {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Lineage(args) => {
            let out = args.run()?;
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules(args) => {
            let lang = cli::language(args.lang.as_deref())?;
            let config = piaudit::Config {
                pack: args.pack,
                ..piaudit::Config::default()
            };
            let k = piaudit::Knowledge::for_config(&config)?;
            let mut out = std::io::stdout().lock();
            for r in k.pack.rules.values() {
                let _ = writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    r.id,
                    r.severity,
                    r.basis.join(","),
                    r.title.get(&lang)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
