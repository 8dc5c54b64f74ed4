//! Debug and trace log lines that the shipped logging configuration writes.
//!
//! CNPI-023 reports a PI log line at `debug`/`trace` as `low`: a default
//! production configuration leaves those levels off. A repository whose own
//! configuration turns them on (`logging.level.com.example: debug` in a
//! non-development profile, `<root level="DEBUG">` in logback/log4j2) writes
//! them, and an auditor reads them as written (eval/verdicts/independent3:
//! login logs printing passwords at debug, debug switched on by the repo's
//! own config). This pass records on such a log control which setting
//! enables it (`Control::level_enabled_by`), and the rule keeps it medium.

use crate::model::Control;

/// Profiles whose settings do not run in production (as the MLPS rules read
/// `control.profile`).
const NON_PRODUCTION: [&str; 5] = ["dev", "test", "local", "develop", "development"];

/// A logger name that enables a Java file: the root logger, or a package (or
/// class) prefix of the file's dotted path.
fn covers(logger: &str, dotted: &str) -> bool {
    let logger = logger.to_ascii_lowercase();
    logger == "root"
        || dotted == logger
        || dotted
            .strip_prefix(logger.as_str())
            .is_some_and(|rest| rest.starts_with('.'))
}

/// `src/main/java/com/example/web/UserController.java` → `com.example.web.usercontroller`
/// (lower case: Spring's relaxed keys are read lower case).
fn dotted_path(file: &str) -> Option<String> {
    let rest = file
        .rsplit_once("/java/")
        .map(|(_, r)| r)
        .or_else(|| file.strip_prefix("java/"))?;
    let stem = rest.strip_suffix(".java")?;
    Some(stem.replace('/', ".").to_ascii_lowercase())
}

fn production_setting(c: &Control) -> bool {
    let file = c.location.file.as_str();
    c.profile
        .as_deref()
        .is_none_or(|p| !NON_PRODUCTION.contains(&p))
        && !crate::extract::is_test_source(file)
        && !file.starts_with("test/")
}

/// Marks each `debug`/`trace` PI log control (`pi_logged`, `body_logged`) of
/// `controls` that a production `debug_log_level` setting covers with that
/// setting (`file:line`, the first in path order).
pub fn mark_enabled(controls: &mut [Control]) {
    let mut enabling: Vec<(String, String)> = controls
        .iter()
        .filter(|c| c.kind == "debug_log_level" && production_setting(c))
        .filter_map(|c| {
            let logger = c.subject.clone()?;
            Some((logger, format!("{}:{}", c.location.file, c.location.line)))
        })
        .collect();
    if enabling.is_empty() {
        return;
    }
    enabling.sort_by(|a, b| a.1.cmp(&b.1));
    for c in controls.iter_mut() {
        let debug = matches!(c.log_level.as_deref(), Some("debug" | "trace"));
        if !debug || !matches!(c.kind.as_str(), "pi_logged" | "body_logged") {
            continue;
        }
        let Some(dotted) = dotted_path(&c.location.file) else {
            continue;
        };
        if let Some((_, at)) = enabling.iter().find(|(l, _)| covers(l, &dotted)) {
            c.level_enabled_by = Some(at.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    fn log(file: &str, level: &str) -> Control {
        Control {
            log_level: Some(level.into()),
            ..Control::at("pi_logged", Location::line(file, 9))
        }
    }

    fn setting(file: &str, logger: &str, profile: Option<&str>) -> Control {
        Control {
            subject: Some(logger.into()),
            value: Some("debug".into()),
            profile: profile.map(str::to_string),
            ..Control::at("debug_log_level", Location::line(file, 3))
        }
    }

    #[test]
    fn a_production_debug_setting_covers_its_packages_debug_lines_only() {
        let web = "svc/src/main/java/com/acme/web/LoginController.java";
        let other = "svc/src/main/java/com/acmex/Other.java";
        let mut cs = vec![
            log(web, "debug"),
            log(other, "debug"),
            log(web, "info"),
            setting("svc/src/main/resources/application.yml", "com.acme", None),
        ];
        mark_enabled(&mut cs);
        assert_eq!(
            cs[0].level_enabled_by.as_deref(),
            Some("svc/src/main/resources/application.yml:3")
        );
        // `com.acmex` is not under `com.acme`; info lines need no setting.
        assert_eq!(cs[1].level_enabled_by, None);
        assert_eq!(cs[2].level_enabled_by, None);
    }

    #[test]
    fn development_profiles_and_test_resources_enable_nothing() {
        let web = "src/main/java/com/acme/web/LoginController.java";
        let mut cs = vec![
            log(web, "trace"),
            setting(
                "src/main/resources/application-dev.yml",
                "root",
                Some("dev"),
            ),
            setting("src/test/resources/logback-test.xml", "root", None),
        ];
        mark_enabled(&mut cs);
        assert_eq!(cs[0].level_enabled_by, None);
        // The root logger in a production file covers every package.
        cs.push(setting(
            "src/main/resources/logback-spring.xml",
            "ROOT",
            None,
        ));
        mark_enabled(&mut cs);
        assert_eq!(
            cs[0].level_enabled_by.as_deref(),
            Some("src/main/resources/logback-spring.xml:3")
        );
    }
}
