//! The `piaudit` binary: parse the command line, call the library, map the
//! outcome to an exit code (0 clean, 1 findings at or above --fail-on,
//! 2 usage/configuration/rule error, 3 scan could not complete).

mod cli;
mod terminal;

use clap::Parser;
use cli::{Cli, Command};
use piaudit::{report, Error};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_panics();
    let cli = Cli::parse();
    if cli.no_color {
        anstream::ColorChoice::Never.write_global();
    }
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
        .with_ansi(std::io::stderr().is_terminal() && !terminal::colour_off(cli.no_color))
        .without_time()
        .init();
    // The whole command runs on the pool's workers, not on the main thread:
    // the allocator gives each thread its own arena, and the phases after
    // extraction then reuse the memory extraction freed instead of growing
    // a further arena (a third less peak memory on a large estate).
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(cli.threads.map_or(0, usize::from))
        // As much stack as the main thread had: the readers' depth limits
        // were set against it.
        .stack_size(8 << 20)
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("piaudit: error: --threads: {e}");
            return ExitCode::from(2);
        }
    };
    match pool.install(|| run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("piaudit: error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// A panic inside an extractor is caught and reported per file, but the
/// default hook would first print its message to stderr, and messages of
/// slicing and parsing panics quote the input text (which may be PI). Print
/// only where it happened, unless RUST_BACKTRACE asks for the full story.
fn quiet_panics() {
    if std::env::var_os("RUST_BACKTRACE").is_some() {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!(
            "piaudit: internal error{at} (message withheld as it may quote input data; \
             set RUST_BACKTRACE=1 to see it)"
        );
    }));
}

/// Writes the reports of a scan or merge (to standard output for `--out -`),
/// prints the summary, and gives exit 1 when an open finding reaches
/// `fail_on` (waived and baselined ones never do; `None`: never). With
/// evidence, the manifest is written last, over every report file.
fn finish(
    audit: &piaudit::Audit,
    formats: &[report::Format],
    out: &std::path::Path,
    fail_on: Option<piaudit::model::Severity>,
    view: &terminal::View,
    evidence: Option<(&piaudit::evidence::Recorder, &str, Option<&std::path::Path>)>,
) -> Result<ExitCode, Error> {
    let mut written = if out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::new(ClosedPipeOk(stdout.lock()));
        for f in formats {
            f.write(audit, &mut w)?;
        }
        w.flush().map_err(|source| Error::Output {
            path: out.to_path_buf(),
            source,
        })?;
        Vec::new()
    } else {
        report::write_all(audit, formats, out)?
    };
    if let Some((recorder, pack, rules_dir)) = evidence {
        written.extend(recorder.finish(audit, pack, rules_dir, out)?);
    }
    terminal::print_notes(audit, view);
    if !view.quiet {
        terminal::print_summary(audit, &written, view);
    }
    let failing = fail_on.is_some_and(|f| piaudit::gate::fails(&audit.report, f));
    Ok(ExitCode::from(u8::from(failing)))
}

/// Standard output whose reader may go away (`piaudit scan --out - | head`):
/// once the pipe is closed, the rest is dropped instead of failing the run.
struct ClosedPipeOk<W>(W);

impl<W: Write> Write for ClosedPipeOk<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            r => r,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r,
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let command = match cli.command {
        Command::Db(args) => Command::Scan(cli::db_only(args)?),
        other => other,
    };
    match command {
        Command::Scan(args) => {
            if args.file.is_some() {
                return Err(Error::Usage(
                    "--file names the file of `piaudit baseline`; `scan` writes its reports \
                     into the --out folder / --file 仅用于 `piaudit baseline`"
                        .into(),
                ));
            }
            cli::check_scan_roots(&args.paths, args.yes)?;
            let out = args
                .out
                .clone()
                .unwrap_or_else(|| std::path::PathBuf::from(piaudit::discover::DEFAULT_REPORT_DIR));
            let view = terminal::View {
                quiet: cli.quiet,
                verbose: cli.verbose,
                max_lines: args.max_lines,
            };
            // Before anything is scanned: a bad --sign-key stops here.
            let recorder = args.evidence.recorder()?;
            cli::check_evidence_out(&out, recorder.is_some())?;
            let (mut config, formats, fail_on) = args.into_config()?;
            cli::check_stdout(&out, &formats)?;
            tracing::info!(roots = ?config.roots, pack = %config.pack, "scanning");
            let bar = terminal::progress_bar(cli.quiet, terminal::colour_off(cli.no_color));
            config.progress = bar.as_ref().map(|(_, sink)| sink.clone());
            let scanned = piaudit::scan(&config);
            if let Some((bar, _)) = &bar {
                bar.finish_and_clear();
            }
            let audit = scanned?;
            let done = finish(
                &audit,
                &formats,
                &out,
                fail_on,
                &view,
                recorder
                    .as_ref()
                    .map(|r| (r, config.pack.as_str(), config.rules_dir.as_deref())),
            );
            // The process ends here: freeing an estate's audit (millions of
            // small allocations) one by one took half a second; the OS takes
            // the memory back at once.
            std::mem::forget(audit);
            done
        }
        Command::Baseline(args) => {
            cli::check_scan_roots(&args.paths, args.yes)?;
            let (config, file, warnings) = cli::baseline_config(args)?;
            if !cli.quiet {
                for w in &warnings {
                    terminal::warn(w);
                }
            }
            let audit = piaudit::scan(&config)?;
            let path = file
                .or_else(|| audit.gate.baseline.clone())
                .unwrap_or_else(|| piaudit::gate::baseline::default_path(&config.roots));
            let baseline = piaudit::gate::baseline::Baseline::of(&audit.report);
            baseline.write(&path)?;
            if !cli.quiet {
                let n = baseline.findings.len();
                eprintln!(
                    "piaudit: wrote {} ({n} findings) / 已写入基线（{n} 条问题）",
                    path.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge(args) => {
            let recorder = args.evidence.recorder()?;
            let (options, formats, fail_on) = args.clone().into_options()?;
            cli::check_stdout(&args.out, &formats)?;
            cli::check_evidence_out(&args.out, recorder.is_some())?;
            let audit = piaudit::merge::merge_files(&args.reports, &options)?;
            let view = terminal::View {
                quiet: cli.quiet,
                verbose: cli.verbose,
                max_lines: None,
            };
            finish(
                &audit,
                &formats,
                &args.out,
                fail_on,
                &view,
                recorder
                    .as_ref()
                    .map(|r| (r, options.pack.as_str(), options.rules_dir.as_deref())),
            )
        }
        Command::Db(_) => Err(Error::Usage(
            "internal: `db` is run as a scan of databases".into(),
        )),
        Command::Init(args) => {
            for p in args.run()? {
                if !cli.quiet {
                    eprintln!("piaudit: wrote {}", p.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify(args) => {
            let v = piaudit::evidence::verify(
                &args.dir,
                args.pubkey.as_deref(),
                args.source.as_deref(),
            )?;
            let _ = std::io::stdout().lock().write_all(v.render().as_bytes());
            Ok(ExitCode::from(u8::from(!v.intact())))
        }
        Command::Keygen(args) => {
            let [private, public] = args.run()?;
            if !cli.quiet {
                eprintln!(
                    "piaudit: wrote {} (private key, keep it secret / 私钥，请妥善保管) and {} (public key / 公钥)",
                    private.display(),
                    public.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Lineage(args) => {
            let out = args.run()?;
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain(args) => {
            let config = args.config()?;
            let knowledge = piaudit::Knowledge::for_config(&config)?;
            let audit = piaudit::scan(&config)?;
            let items = piaudit::explain::explain(&audit, &knowledge, &args.field);
            if items.is_empty() {
                return Err(Error::Usage(format!(
                    "no field matches `{}` in the scanned paths",
                    args.field
                )));
            }
            let text = match args.format.as_str() {
                "json" => serde_json::to_string_pretty(&items).unwrap_or_default() + "\n",
                "text" => {
                    piaudit::explain::render_text(&items, &audit, &knowledge.profile, &config.lang)
                }
                other => {
                    return Err(Error::Usage(format!(
                        "--format `{other}`: use text or json"
                    )))
                }
            };
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(args) => {
            let labels_text = std::fs::read_to_string(&args.labels).map_err(|e| {
                Error::Usage(format!(
                    "cannot read --labels {}: {e}",
                    args.labels.display()
                ))
            })?;
            let labels = piaudit::classify::eval::parse_labels(&labels_text, &args.profile)
                .map_err(|e| Error::Usage(format!("{}:{e}", args.labels.display())))?;
            let config = piaudit::Config {
                roots: args.paths.clone(),
                declarations: args.config.clone(),
                profile: Some(args.profile.clone()),
                deterministic: true,
                rules_dir: args.rules.clone(),
                ..piaudit::Config::default()
            };
            let audit = piaudit::scan(&config)?;
            piaudit::classify::eval::check_categories(
                &labels,
                audit.categories.keys().map(String::as_str),
            )
            .map_err(|e| Error::Usage(format!("{}:{e}", args.labels.display())))?;
            let m = piaudit::classify::eval::evaluate(&audit.report, &labels);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{m}");
            for e in m.errors.iter().take(args.errors) {
                let _ = writeln!(out, "  {e}");
            }
            if !m.missing.is_empty() {
                let _ = writeln!(
                    out,
                    "{} labelled columns not found in the scan, e.g. {:?}",
                    m.missing.len(),
                    m.missing.iter().take(5).collect::<Vec<_>>()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules(args) => {
            let lang = cli::language(args.lang.as_deref())?;
            let rules_dir = args.rules.clone().or_else(|| {
                let user = std::path::PathBuf::from(".piaudit/rules");
                user.is_dir().then_some(user)
            });
            let files = match &rules_dir {
                Some(dir) => piaudit::data::DataFiles::embedded_with_overlay(dir)?,
                None => piaudit::data::DataFiles::embedded(),
            };
            let k = piaudit::Knowledge::load(&files, &args.pack, None)?;
            let mut out = std::io::stdout().lock();
            match &args.action {
                None | Some(cli::RulesAction::List) => {
                    let _ = write!(out, "{}", piaudit::authoring::list(&k, &lang));
                }
                Some(cli::RulesAction::Show { id }) => {
                    let _ = write!(
                        out,
                        "{}",
                        piaudit::authoring::show(
                            &k,
                            &files,
                            id,
                            args.lang.as_deref().map(|_| lang.as_str())
                        )?
                    );
                }
                Some(cli::RulesAction::Test { dir }) => {
                    let (text, passed) = piaudit::authoring::test(&k, &files, dir.as_deref())?;
                    let _ = write!(out, "{text}");
                    if !passed {
                        return Ok(ExitCode::from(1));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions(args) => {
            args.run(&mut std::io::stdout().lock());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man(args) => {
            if let Some(dir) = args.run(&mut std::io::stdout().lock())? {
                if !cli.quiet {
                    eprintln!("piaudit: wrote the man pages into {}", dir.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
