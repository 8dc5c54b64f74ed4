//! Globs as `piaudit.yaml`, the rule packs and the catalogues write them
//! (`*`, `?`, `[…]`, `{a,b}`; `*` also crosses `.` and `/`), compiled once.
//!
//! The same pattern is matched against every field, endpoint and file of a
//! scan, so compiling it per call (≈ 47 µs) would dominate; compiled
//! matchers are kept in a process-wide table keyed by the pattern.

use globset::{Glob, GlobMatcher};
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// Compiles `pattern`, or says why it is not a valid glob.
pub fn compile(pattern: &str) -> Result<GlobMatcher, String> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("invalid glob `{pattern}`: {e}"))
}

/// Whether `pattern` matches `text`. An invalid pattern matches nothing
/// (patterns from files are validated where they are loaded).
pub fn matches(pattern: &str, text: &str) -> bool {
    with_matcher(pattern, |m| m.is_some_and(|m| m.is_match(text)))
}

/// Whether a declaration glob matches an object by id or by name
/// (case-insensitive on the name).
pub fn matches_id_or_name(pattern: &str, id: &str, name: &str) -> bool {
    with_matcher(pattern, |m| {
        m.is_some_and(|m| m.is_match(id) || m.is_match(name) || m.is_match(name.to_lowercase()))
    })
}

/// Runs `f` with the compiled matcher of `pattern` (`None`: invalid).
fn with_matcher<T>(pattern: &str, f: impl FnOnce(Option<&GlobMatcher>) -> T) -> T {
    static COMPILED: OnceLock<RwLock<HashMap<String, Option<GlobMatcher>>>> = OnceLock::new();
    let table = COMPILED.get_or_init(Default::default);
    // A poisoned lock only means another thread panicked mid-insert; the
    // table holds complete entries only, so it is still sound to read.
    if let Some(m) = table.read().unwrap_or_else(|e| e.into_inner()).get(pattern) {
        return f(m.as_ref());
    }
    let compiled = compile(pattern).ok();
    let out = f(compiled.as_ref());
    table
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(pattern.to_string(), compiled);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_crosses_dots_and_braces_alternate() {
        assert!(matches("*.umeng.com", "plus.umeng.com"));
        assert!(!matches("*.umeng.com", "umeng.com.evil"));
        assert!(matches(
            "{api,cdn}.corp.example.com",
            "cdn.corp.example.com"
        ));
        assert!(!matches(
            "{api,cdn}.corp.example.com",
            "www.corp.example.com"
        ));
        assert!(matches("db/*.sql", "db/v1/init.sql"));
    }

    #[test]
    fn invalid_patterns_match_nothing_and_say_why() {
        assert!(!matches("[abc", "a"));
        assert!(!matches("[abc", "[abc"));
        assert!(compile("[abc").unwrap_err().contains("[abc"));
    }

    #[test]
    fn id_or_name_is_case_insensitive_on_the_name_only() {
        assert!(matches_id_or_name("member", "db.Member", "Member"));
        assert!(!matches_id_or_name("db.member", "db.Member", "Member"));
        assert!(matches_id_or_name("*.t_user", "shop.t_user", "t_user"));
    }
}
