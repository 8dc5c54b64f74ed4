//! The YAML data piaudit runs on — taxonomy, cue dictionaries, law table and
//! rule packs — embedded at build time and optionally overlaid from a
//! directory given with `--rules`.

use crate::error::Error;
use std::collections::BTreeMap;
use std::path::Path;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// A set of data files by path relative to the rules directory (`/`-separated).
#[derive(Debug, Clone, Default)]
pub struct DataFiles {
    files: BTreeMap<String, String>,
}

impl DataFiles {
    /// The files built into the binary.
    pub fn embedded() -> Self {
        DataFiles {
            files: embedded::EMBEDDED
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        }
    }

    /// The embedded files, with every YAML file under `dir` added or replacing
    /// the embedded file of the same relative path.
    pub fn embedded_with_overlay(dir: &Path) -> Result<Self, Error> {
        let mut files = Self::embedded();
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "--rules {}: not a directory",
                dir.display()
            )));
        }
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|e| Error::Rules {
                file: dir.display().to_string(),
                message: e.to_string(),
            })?;
            let path = entry.path();
            if !entry.file_type().is_file()
                || !path.extension().is_some_and(|x| x == "yaml" || x == "yml")
            {
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(path).map_err(|e| Error::Rules {
                file: rel.clone(),
                message: format!("cannot read: {e}"),
            })?;
            files.files.insert(rel, text);
        }
        Ok(files)
    }

    /// Builds a set from explicit (path, text) pairs, for tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        DataFiles {
            files: pairs
                .into_iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        }
    }

    /// The text of one file.
    pub fn get(&self, rel: &str) -> Option<&str> {
        self.files.get(rel).map(String::as_str)
    }

    /// Like [`DataFiles::get`], but a missing file is a rules error.
    pub fn require(&self, rel: &str) -> Result<&str, Error> {
        self.get(rel).ok_or_else(|| Error::Rules {
            file: rel.to_string(),
            message: "missing data file".to_string(),
        })
    }

    /// Files whose path starts with `prefix`, in path order.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.files
            .range(prefix.to_string()..)
            .take_while(move |(p, _)| p.starts_with(prefix))
            .map(|(p, t)| (p.as_str(), t.as_str()))
    }
}

/// Parses a YAML data file with `deny_unknown_fields` structs, turning an
/// error into one that names the file, line and key path.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, Error> {
    if let Err(deep) = check_yaml_nesting(text) {
        return Err(Error::Rules {
            file: format!("{file}:{}:1", deep.line),
            message: deep.to_string(),
        });
    }
    let de = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let at = inner
            .location()
            .map_or(String::new(), |l| format!(":{}:{}", l.line(), l.column()));
        Error::Rules {
            file: format!("{file}{at}"),
            message: format!("at `{path}`: {}", strip_location(&inner.to_string())),
        }
    })
}

/// Deepest flow-collection nesting (`[` / `{`) a YAML text may have.
///
/// serde_yaml refuses documents deeper than 128 levels anyway, but only after
/// its parser has run, and that parser is quadratic in flow nesting: a 200 kB
/// line of `[` takes minutes. Counting brackets first keeps hostile YAML cheap.
pub const MAX_YAML_NESTING: usize = 256;

/// A YAML text nested deeper than [`MAX_YAML_NESTING`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    /// 1-based line where the limit was crossed.
    pub line: usize,
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "YAML nested deeper than {MAX_YAML_NESTING} levels; not parsed / YAML 嵌套超过 {MAX_YAML_NESTING} 层，未解析"
        )
    }
}

/// Refuses YAML whose `[`/`{` nesting exceeds [`MAX_YAML_NESTING`].
///
/// Brackets are counted everywhere, quoted or not: a false alarm needs
/// hundreds of unbalanced brackets inside strings, which no real file has,
/// while a quote-aware count could be fooled into not counting at all.
/// Block nesting (`- - - x`) parses in linear time and is left to
/// serde_yaml's own recursion limit.
pub fn check_yaml_nesting(text: &str) -> Result<(), TooDeep> {
    let mut depth = 0usize;
    let mut line = 1;
    for b in text.bytes() {
        match b {
            b'\n' => line += 1,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_YAML_NESTING {
                    return Err(TooDeep { line });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// serde_yaml appends " at line L column C" to messages; the location is
/// reported separately.
pub(crate) fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let ok = format!(
            "a: {}{}\n",
            "[".repeat(MAX_YAML_NESTING),
            "]".repeat(MAX_YAML_NESTING)
        );
        assert_eq!(check_yaml_nesting(&ok), Ok(()));
        // Closing brackets in between keep the depth low.
        assert_eq!(check_yaml_nesting(&"[]{}".repeat(10_000)), Ok(()));
        let deep = format!("x: 1\nwhen: {}\n", "{a: [".repeat(MAX_YAML_NESTING));
        assert_eq!(check_yaml_nesting(&deep), Err(TooDeep { line: 2 }));
        let err = parse_yaml::<serde_yaml::Value>("r.yaml", &deep).unwrap_err();
        assert!(err.to_string().contains("r.yaml:2:1"), "{err}");
        assert!(err.to_string().contains("256"), "{err}");
    }
}
