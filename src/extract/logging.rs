//! Logback (`logback.xml`, `logback-spring.xml`) and Log4j 2 (`log4j2.xml`)
//! configurations: effective log retention per rolling appender, loggers that
//! print SQL parameters or requests at debug level, patterns that print
//! request bodies or parameters, and masking converters.
//!
//! Retention (`log_retention`, `value_days`):
//! - Logback `TimeBasedRollingPolicy`/`SizeAndTimeBasedRollingPolicy`:
//!   `maxHistory` × the period of `%d{…}` in `fileNamePattern` (hourly,
//!   daily, monthly); no `maxHistory` means files are never deleted
//!   (`value_days` absent, value `unbounded`). `totalSizeCap` is reported in
//!   the value: it can only shorten retention.
//! - Log4j 2 `RollingFile`: a `Delete` action's `IfLastModified age`
//!   (`30d`, `P30D`, `720h`); without one, nothing is deleted by age.

use super::xml::{self, Element};
use super::FileFacts;
use crate::model::{Control, Location};
use std::collections::HashMap;

/// The registry's reader of Logback / Log4j 2 configs.
pub struct LoggingConfig;

impl super::registry::Extractor for LoggingConfig {
    fn extract(&self, s: &super::Source, _: &super::registry::ExtractContext<'_>) -> FileFacts {
        extract(&s.rel, &s.text)
    }
}

/// Reads one Logback or Log4j 2 configuration.
pub fn extract(file: &str, text: &str) -> FileFacts {
    let mut facts = FileFacts {
        file: file.to_string(),
        ..FileFacts::default()
    };
    let (root, diagnostics) = xml::parse(file, text, "logging XML");
    facts.diagnostics = diagnostics;
    let all = root.descendants();
    let props = properties(&all);
    let sub = |s: &str| substitute(s, &props);
    let control = |kind: &str,
                   line: u32,
                   subject: Option<String>,
                   value: Option<String>,
                   days: Option<u32>| Control {
        value_days: days,
        subject,
        value,
        ..Control::at(kind, Location::line(file, line))
    };
    for n in &all {
        let name = n.name.to_ascii_lowercase();
        match name.as_str() {
            "appender" => {
                if let Some(policy) = n.child_ignore_case("rollingPolicy") {
                    let (days, value) = logback_retention(policy, &sub);
                    facts.controls.push(control(
                        "log_retention",
                        policy.line,
                        n.attr_ignore_case("name").map(str::to_string),
                        Some(value),
                        days,
                    ));
                }
            }
            "rollingfile" | "rollingrandomaccessfile" => {
                let (days, value, line) = log4j_retention(n, &sub);
                facts.controls.push(control(
                    "log_retention",
                    line,
                    n.attr_ignore_case("name").map(str::to_string),
                    Some(value),
                    days,
                ));
            }
            "logger" | "asynclogger" | "root" => {
                let level = n
                    .attr_ignore_case("level")
                    .map(|l| sub(l).to_ascii_lowercase())
                    .unwrap_or_default();
                let lname = n.attr_ignore_case("name").unwrap_or("root").to_string();
                let lower = lname.to_ascii_lowercase();
                let verbose = level == "debug" || level == "trace";
                let sqlish = [
                    "mapper",
                    "dao",
                    "org.hibernate.sql",
                    "jdbc.sqlonly",
                    "jdbc.sqltiming",
                    "p6spy",
                    "org.apache.ibatis",
                ]
                .iter()
                .any(|w| lower.contains(w));
                let requestish = [
                    "requestloggingfilter",
                    "httptrace",
                    "requestlog",
                    "accesslog",
                    "org.springframework.web",
                ]
                .iter()
                .any(|w| lower.contains(w));
                if verbose && sqlish {
                    facts.controls.push(control(
                        "sql_logging",
                        n.line,
                        Some(lname),
                        Some(format!("level={level}")),
                        None,
                    ));
                } else if verbose && requestish {
                    facts.controls.push(control(
                        "request_logging",
                        n.line,
                        Some(lname),
                        Some(format!("level={level}")),
                        None,
                    ));
                } else if verbose {
                    // The application's own debug lines are written under this
                    // logger (`classify::log_levels`).
                    facts.controls.push(control(
                        "debug_log_level",
                        n.line,
                        Some(lname),
                        Some(level),
                        None,
                    ));
                }
            }
            "pattern" | "patternlayout" => {
                let pat = if name == "pattern" {
                    n.text().into_owned()
                } else {
                    n.attr_ignore_case("pattern")
                        .unwrap_or_default()
                        .to_string()
                };
                let lower = pat.to_ascii_lowercase();
                if prints_request_mdc_value(&lower) {
                    facts.controls.push(control(
                        "request_logging",
                        n.line,
                        None,
                        Some(pat.trim().to_string()),
                        None,
                    ));
                }
            }
            "conversionrule" => {
                let class = n
                    .attr_ignore_case("converterClass")
                    .or(n.attr_ignore_case("class"))
                    .unwrap_or_default();
                if is_masking(class) {
                    facts.controls.push(control(
                        "log_masking",
                        n.line,
                        n.attr_ignore_case("conversionWord").map(str::to_string),
                        Some(class.to_string()),
                        None,
                    ));
                }
            }
            _ => {
                if let Some(class) = n.attr_ignore_case("class") {
                    if (name == "encoder" || name == "layout" || name == "converter")
                        && is_masking(class)
                    {
                        facts.controls.push(control(
                            "log_masking",
                            n.line,
                            None,
                            Some(class.to_string()),
                            None,
                        ));
                    }
                }
            }
        }
    }
    facts
}

fn is_masking(class: &str) -> bool {
    let l = class.to_ascii_lowercase();
    ["mask", "desensit", "sensitive", "tuomin"]
        .iter()
        .any(|w| l.contains(w))
}

/// True when a lower-cased layout pattern prints an MDC value (`%X{key}`,
/// `%mdc{key}`) whose key names request bodies or parameters
/// (`%X{requestBody}`): the MDC is where filters put what a request carried.
fn prints_request_mdc_value(lower: &str) -> bool {
    let words = ["body", "param", "request", "payload", "args"];
    lower
        .match_indices("%x{")
        .chain(lower.match_indices("%mdc{"))
        .any(|(i, m)| {
            let rest = &lower[i + m.len()..];
            let key = rest.split('}').next().unwrap_or("");
            words.iter().any(|w| key.contains(w))
        })
}

/// `<property name=… value=…>` / Log4j `<Property name=…>text</Property>`.
fn properties(all: &[&Element]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for n in all {
        if n.name.eq_ignore_ascii_case("property") || n.name.eq_ignore_ascii_case("springProperty")
        {
            if let Some(name) = n.attr_ignore_case("name") {
                let value = n
                    .attr_ignore_case("value")
                    .or(n.attr_ignore_case("defaultValue"))
                    .map(str::to_string)
                    .unwrap_or_else(|| n.text().trim().to_string());
                out.entry(name.to_string()).or_insert(value);
            }
        }
    }
    out
}

/// How deep property values may refer to other properties.
const MAX_SUBSTITUTION_DEPTH: usize = 8;

/// Longest text substitution may produce: `a = ${b}${b}`, `b = ${c}${c}`…
/// doubles at each level, and a logging value worth reading is short.
const MAX_SUBSTITUTED_LEN: usize = 64 * 1024;

/// Replaces `${name}`, `${name:-default}` and `${sys:name:-default}`.
/// Self-referring (`a = ${a}`) and exploding definitions are cut off at
/// [`MAX_SUBSTITUTION_DEPTH`] and [`MAX_SUBSTITUTED_LEN`].
fn substitute(s: &str, props: &HashMap<String, String>) -> String {
    let mut out = String::new();
    expand(s, props, 0, &mut out);
    out
}

fn expand(s: &str, props: &HashMap<String, String>, depth: usize, out: &mut String) {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        push_bounded(out, &rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            rest = &rest[i..];
            break;
        };
        let inner = &after[..end];
        let (name, default) = inner.split_once(":-").unwrap_or((inner, ""));
        let name = name.rsplit(':').next().unwrap_or(name);
        let value = props.get(name).map_or(default, String::as_str);
        if depth < MAX_SUBSTITUTION_DEPTH && value.contains("${") {
            expand(value, props, depth + 1, out);
        } else {
            push_bounded(out, value);
        }
        if out.len() >= MAX_SUBSTITUTED_LEN {
            return;
        }
        rest = &after[end + 1..];
    }
    push_bounded(out, rest);
}

/// Appends as much of `s` as [`MAX_SUBSTITUTED_LEN`] leaves room for.
fn push_bounded(out: &mut String, s: &str) {
    let room = MAX_SUBSTITUTED_LEN.saturating_sub(out.len());
    let mut take = s.len().min(room);
    while !s.is_char_boundary(take) {
        take -= 1;
    }
    out.push_str(&s[..take]);
}

/// Days covered by one rollover period of a `%d{…}` date pattern.
fn period_days(file_pattern: &str) -> Option<f64> {
    let i = file_pattern.find("%d")?;
    let rest = &file_pattern[i + 2..];
    let fmt = rest
        .strip_prefix('{')
        .and_then(|r| r.split('}').next())
        .unwrap_or("yyyy-MM-dd");
    let fmt = fmt.split(',').next().unwrap_or(fmt);
    Some(if fmt.contains('m') {
        1.0 / 1440.0
    } else if fmt.contains('H') || fmt.contains('h') {
        1.0 / 24.0
    } else if fmt.contains('d') {
        1.0
    } else if fmt.contains('w') {
        7.0
    } else if fmt.contains('M') {
        30.0
    } else {
        365.0
    })
}

fn logback_retention(policy: &Element, sub: &dyn Fn(&str) -> String) -> (Option<u32>, String) {
    let class = policy.attr_ignore_case("class").unwrap_or_default();
    let text = |name: &str| policy.child_ignore_case(name).map(|c| sub(c.text().trim()));
    let pattern = text("fileNamePattern").unwrap_or_default();
    let cap = text("totalSizeCap");
    let cap_note = cap.map_or(String::new(), |c| format!("; totalSizeCap={c}"));
    if class.contains("FixedWindowRollingPolicy") {
        let max = text("maxIndex").unwrap_or_else(|| "7".into());
        return (
            None,
            format!("fixed window of {max} files, not time based{cap_note}"),
        );
    }
    let Some(period) = period_days(&pattern) else {
        return (
            None,
            format!("no %d in fileNamePattern `{pattern}`{cap_note}"),
        );
    };
    match text("maxHistory").and_then(|m| m.parse::<u32>().ok()) {
        Some(0) | None => (None, format!("unbounded: no maxHistory{cap_note}")),
        Some(n) => {
            let days = (f64::from(n) * period).ceil() as u32;
            (
                Some(days.max(1)),
                format!("maxHistory={n} × {} day(s){cap_note}", fmt_period(period)),
            )
        }
    }
}

fn fmt_period(p: f64) -> String {
    if p >= 1.0 {
        format!("{p}")
    } else {
        format!("1/{}", (1.0 / p).round())
    }
}

/// Days of an `IfLastModified age`: `30d`, `P30D`, `720h`, `4w`.
fn age_days(age: &str) -> Option<u32> {
    let a = age.trim().to_ascii_lowercase();
    let a = a
        .strip_prefix("pt")
        .or_else(|| a.strip_prefix('p'))
        .unwrap_or(&a);
    let digits: String = a.chars().take_while(char::is_ascii_digit).collect();
    let n: f64 = digits.parse().ok()?;
    let unit = &a[digits.len()..];
    let days = match unit {
        "d" | "" => n,
        "h" => n / 24.0,
        "m" | "min" => n / 1440.0,
        "s" => n / 86_400.0,
        "w" => n * 7.0,
        _ => return None,
    };
    Some((days.ceil() as u32).max(1))
}

fn log4j_retention(n: &Element, sub: &dyn Fn(&str) -> String) -> (Option<u32>, String, u32) {
    let all = n.descendants();
    if let Some(m) = all
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case("IfLastModified"))
    {
        let age = m.attr_ignore_case("age").map(sub).unwrap_or_default();
        return (
            age_days(&age),
            format!("Delete IfLastModified age={age}"),
            m.line,
        );
    }
    let max = all
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case("DefaultRolloverStrategy"))
        .and_then(|c| c.attr_ignore_case("max"))
        .map_or("7".to_string(), sub);
    (
        None,
        format!("unbounded by age: no Delete action (keeps {max} files per period)"),
        n.line,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_arithmetic() {
        assert_eq!(period_days("app.%d{yyyy-MM-dd}.%i.log"), Some(1.0));
        assert_eq!(period_days("app.%d{yyyy-MM}.log"), Some(30.0));
        assert_eq!(period_days("app.%d{yyyy-MM-dd_HH}.log"), Some(1.0 / 24.0));
        assert_eq!(period_days("app.log.%i"), None);
        assert_eq!(age_days("30d"), Some(30));
        assert_eq!(age_days("P180D"), Some(180));
        assert_eq!(age_days("36h"), Some(2));
        assert_eq!(age_days("soon"), None);
        let mut p = HashMap::new();
        p.insert("MAX".to_string(), "60".to_string());
        assert_eq!(substitute("${MAX}/${NONE:-7}", &p), "60/7");
    }

    #[test]
    fn deep_nesting_is_cut_off_and_what_follows_is_read() {
        // 100,000 levels overflowed the stack when the tree was walked or dropped.
        let depth = 100_000;
        let xml = format!(
            "<configuration>\n{}x{}\n<appender name=\"F\"><rollingPolicy>\
             <maxHistory>30</maxHistory></rollingPolicy></appender></configuration>",
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        let f = extract("logback.xml", &xml);
        assert_eq!(f.diagnostics.len(), 1, "{:?}", f.diagnostics);
        assert_eq!(f.diagnostics[0].line, 2);
        assert!(f.diagnostics[0].message.contains("deeper than 64"));
        let kinds: Vec<(&str, u32)> = f
            .controls
            .iter()
            .map(|c| (c.kind.as_str(), c.location.line))
            .collect();
        assert!(kinds.contains(&("log_retention", 3)), "{kinds:?}");
    }

    #[test]
    fn self_referring_and_exploding_properties_are_cut_off() {
        // Found by the logging_xml fuzz target: `a = ${a}` recursed until
        // the stack overflowed, which no catch_unwind can turn into a diagnostic.
        let xml = "<configuration><property name=\"a\" value=\"x${a}\"/>\n\
                   <appender name=\"${a}\"><file>${a}</file></appender></configuration>";
        let f = extract("logback.xml", xml);
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let mut p = HashMap::new();
        p.insert("a".to_string(), "x${a}".to_string());
        assert_eq!(
            substitute("${a}", &p),
            format!("{}${{a}}", "x".repeat(MAX_SUBSTITUTION_DEPTH + 1))
        );
        // Each level refers to the next 50 times: 50^8 * 1000 bytes unbounded.
        let mut p = HashMap::new();
        for i in 0..MAX_SUBSTITUTION_DEPTH {
            p.insert(format!("p{i}"), format!("${{p{}}}", i + 1).repeat(50));
        }
        p.insert(format!("p{MAX_SUBSTITUTION_DEPTH}"), "y".repeat(1000));
        let out = substitute("${p0}", &p);
        assert!(out.len() <= MAX_SUBSTITUTED_LEN, "{}", out.len());
        assert!(out.starts_with("yyyy"));
    }
}
