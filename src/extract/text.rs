//! Line-located readers shared by the config extractors: a tolerant YAML
//! flattener (Spring-style dotted keys with the line of each value) and a
//! `.properties` reader.
//!
//! serde parsers drop positions, and real config files are often not valid
//! YAML (`@project.version@` placeholders), so the extractors read keys with
//! these line-based readers and use serde only to report syntax errors.

use crate::model::{Diagnostic, DiagnosticLevel, LineIndex};

/// One `key = value` setting with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Dotted key; list items as `key[0]`.
    pub key: String,
    /// Value without quotes; empty for a key that only opens a block.
    pub value: String,
    /// 1-based line.
    pub line: u32,
}

/// A YAML document (`---`-separated) flattened to entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YamlDoc {
    /// Entries in file order.
    pub entries: Vec<Entry>,
    /// Line the document starts on.
    pub line: u32,
}

impl YamlDoc {
    /// The value of a key (first occurrence), compared after normalising.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        let want = super::catalog::normalise_key(key);
        self.entries
            .iter()
            .find(|e| super::catalog::normalise_key(&e.key) == want)
    }
}

/// Removes one pair of matching quotes.
pub fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// Drops a ` # comment` outside quotes.
fn strip_comment(v: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in v.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return v[..i].trim_end(),
            None => {}
        }
        prev = c;
    }
    v.trim_end()
}

/// Splits `key: value` at the first `: ` (or trailing `:`) outside quotes
/// and brackets.
fn split_key(line: &str) -> Option<(&str, &str)> {
    let mut quote: Option<char> = None;
    let mut depth = 0i32;
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' if i == 0 => quote = Some(c),
                '[' => depth += 1,
                ']' => depth -= 1,
                ':' if depth <= 0 && (i + 1 == bytes.len() || bytes[i + 1] == b' ') => {
                    return Some((line[..i].trim(), line[i + 1..].trim()));
                }
                _ => {}
            },
        }
    }
    None
}

/// Deepest key path [`flatten_yaml`] follows; real configuration stays
/// under a dozen levels.
const MAX_DEPTH: usize = crate::data::MAX_YAML_NESTING;

/// Flattens YAML text into documents of dotted-key entries, tolerating
/// anything it does not understand (such lines are skipped).
pub fn flatten_yaml(text: &str) -> Vec<YamlDoc> {
    let mut docs = vec![YamlDoc {
        entries: Vec::new(),
        line: 1,
    }];
    // (indent, key path segment)
    let mut stack: Vec<(usize, String)> = Vec::new();
    // Counters for list items per parent path.
    let mut list_index: std::collections::HashMap<String, usize> = Default::default();
    let mut block_scalar_indent: Option<usize> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim_start();
        let indent = raw.len() - trimmed.len();
        if let Some(bi) = block_scalar_indent {
            if trimmed.is_empty() || indent > bi {
                continue;
            }
            block_scalar_indent = None;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if indent == 0 && (trimmed.starts_with("---") || trimmed.starts_with("...")) {
            docs.push(YamlDoc {
                entries: Vec::new(),
                line: line_no + 1,
            });
            stack.clear();
            list_index.clear();
            continue;
        }
        if trimmed.starts_with('%') {
            continue;
        }
        // `key:` followed by `- item` at the same indent is a list under
        // `key` (valid YAML), so a dash line keeps an equally indented key.
        let is_item = trimmed.starts_with("- ") || trimmed == "-";
        while stack.last().is_some_and(|(i, seg)| {
            *i > indent || (*i == indent && (!is_item || seg.starts_with('[')))
        }) {
            stack.pop();
        }
        // Each level costs a copy of the key path, so nesting is bounded
        // (`- - - …` nests once per two bytes of one line); what lies deeper
        // is skipped.
        if stack.len() >= MAX_DEPTH {
            continue;
        }
        let mut body = strip_comment(trimmed);
        let mut body_indent = indent;
        // List items: `- x` or `- key: v`.
        while let Some(rest) = body
            .strip_prefix("- ")
            .or(if body == "-" { Some("") } else { None })
        {
            if stack.len() >= MAX_DEPTH {
                body = "";
                break;
            }
            let parent = path(&stack);
            let idx = list_index.entry(parent.clone()).or_insert(0);
            let seg = format!("[{idx}]");
            *idx += 1;
            stack.push((body_indent, seg));
            body_indent += 2;
            body = rest.trim_start();
            if body.is_empty() {
                break;
            }
        }
        if body.is_empty() {
            continue;
        }
        match split_key(body) {
            Some((k, v)) => {
                let key = unquote(k).to_string();
                let full = join(&path(&stack), &key);
                let value = v.trim();
                let is_block = value.starts_with('|') || value.starts_with('>');
                docs.last_mut()
                    .expect("at least one doc")
                    .entries
                    .push(Entry {
                        key: full.clone(),
                        value: if is_block {
                            String::new()
                        } else {
                            unquote(strip_tag(value)).to_string()
                        },
                        line: line_no,
                    });
                if is_block {
                    block_scalar_indent = Some(body_indent);
                } else if value.is_empty() || value.starts_with('!') && !value.contains(' ') {
                    stack.push((body_indent, key));
                }
                // A key seen again starts its list afresh.
                list_index.remove(&full);
            }
            None => {
                // A bare scalar list item: `- value`.
                let parent = path(&stack);
                if parent.ends_with(']') {
                    docs.last_mut()
                        .expect("at least one doc")
                        .entries
                        .push(Entry {
                            key: parent,
                            value: unquote(body).to_string(),
                            line: line_no,
                        });
                }
            }
        }
    }
    docs.retain(|d| !d.entries.is_empty());
    docs
}

fn strip_tag(v: &str) -> &str {
    if v.starts_with('!') {
        v.split_once(' ').map_or("", |(_, r)| r)
    } else {
        v
    }
}

fn path(stack: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (_, seg) in stack {
        if seg.starts_with('[') {
            out.push_str(seg);
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Checks YAML syntax with serde_yaml; a problem becomes a warning naming
/// the line (the tolerant reader still reads what it can).
///
/// Flow nesting is counted first: serde_yaml's parser is quadratic in it, so
/// a scanned file of a few hundred kB of `[` would stall the scan. Alias
/// bombs end in serde_yaml's repetition limit, reported like any other error.
pub fn yaml_syntax_diagnostics(file: &str, text: &str) -> Vec<Diagnostic> {
    if let Err(deep) = crate::data::check_yaml_nesting(text) {
        return vec![Diagnostic {
            file: file.to_string(),
            line: u32::try_from(deep.line).unwrap_or(u32::MAX),
            severity: DiagnosticLevel::Warning,
            message: format!(
                "YAML nested deeper than {} levels; not checked as YAML, read line by line instead",
                crate::data::MAX_YAML_NESTING
            ),
        }];
    }
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        if let Err(e) = <Walk as serde::Deserialize>::deserialize(doc) {
            // libyaml puts an error at the end of a file without a final
            // newline on the line after the last one.
            let last = LineIndex::new(text).line_count();
            let line = e.location().map_or(1, |l| l.line().clamp(1, last));
            let line = u32::try_from(line).unwrap_or(u32::MAX);
            out.push(Diagnostic {
                file: file.to_string(),
                line,
                severity: DiagnosticLevel::Warning,
                message: format!(
                    "not valid YAML ({}); read line by line instead",
                    crate::data::strip_location(&e.to_string())
                ),
            });
            break;
        }
    }
    out
}

/// A YAML value visited node by node, aliases followed, nothing kept.
///
/// `serde::de::IgnoredAny` skips an alias without expanding it, so an alias
/// bomb would pass as valid; visiting every node makes it meet serde_yaml's
/// repetition limit (at most 100 times the document's events), which is
/// reported like any syntax error.
struct Walk;

impl<'de> serde::Deserialize<'de> for Walk {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Walk)
    }
}

impl<'de> serde::de::Visitor<'de> for Walk {
    type Value = Walk;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_i128<E>(self, _: i128) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_u128<E>(self, _: u128) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_str<E>(self, _: &str) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_unit<E>(self) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_none<E>(self) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Walk, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<Walk, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Walk, A::Error> {
        while a.next_element::<Walk>()?.is_some() {}
        Ok(Walk)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Walk, A::Error> {
        while a.next_entry::<Walk, Walk>()?.is_some() {}
        Ok(Walk)
    }
    /// A tagged node (`!Tag value`).
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, a: A) -> Result<Walk, A::Error> {
        let (Walk, value) = a.variant::<Walk>()?;
        serde::de::VariantAccess::newtype_variant::<Walk>(value)
    }
}

/// Reads a Java `.properties` file: `#`/`!` comments, `=`, `:` or blank
/// separators, backslash continuation lines and `\uXXXX` escapes.
pub fn parse_properties(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, raw)) = lines.next() {
        let first_line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let t = raw.trim_start();
        if t.is_empty() || t.starts_with('#') || t.starts_with('!') {
            continue;
        }
        let mut logical = String::from(t);
        while ends_with_odd_backslashes(&logical) {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let (key, value) = split_property(&logical);
        out.push(Entry {
            key: unescape(key),
            value: unescape(value.trim_end()),
            line: first_line,
        });
    }
    out
}

fn ends_with_odd_backslashes(s: &str) -> bool {
    s.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

fn split_property(s: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' => return (&s[..i], s[i + 1..].trim_start()),
            c if c.is_whitespace() => {
                let rest = s[i..].trim_start();
                let rest = rest
                    .strip_prefix('=')
                    .or_else(|| rest.strip_prefix(':'))
                    .unwrap_or(rest);
                return (&s[..i], rest.trim_start());
            }
            _ => {}
        }
    }
    (s, "")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_flattens_with_lines_lists_and_documents() {
        let y = "spring:\n  datasource:\n    url: jdbc:mysql://db:3306/shop # main\n  profiles:\n    active: prod\nlist:\n- a\n- name: x\n  region: 'cn-hangzhou'\nmsg: |\n  hello: world\nafter: 1\n---\nspring.config.activate.on-profile: dev\n";
        let docs = flatten_yaml(y);
        assert_eq!(docs.len(), 2);
        let e = &docs[0].entries;
        let find = |k: &str| {
            e.iter()
                .find(|x| x.key == k)
                .map(|x| (x.value.as_str(), x.line))
        };
        assert_eq!(
            find("spring.datasource.url"),
            Some(("jdbc:mysql://db:3306/shop", 3))
        );
        assert_eq!(find("spring.profiles.active"), Some(("prod", 5)));
        assert_eq!(find("list[0]"), Some(("a", 7)));
        assert_eq!(find("list[1].region"), Some(("cn-hangzhou", 9)));
        assert_eq!(find("after"), Some(("1", 12)));
        assert!(find("msg.hello").is_none());
        assert_eq!(docs[1].entries[0].line, 14);
    }

    #[test]
    fn yaml_errors_at_the_end_of_a_file_stay_inside_it() {
        // Found by the spring_config fuzz target (minimised): line 3 of 2.
        let d = yaml_syntax_diagnostics("a.yml", "-\nx");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, 2);
        let d = yaml_syntax_diagnostics("a.yml", "a:\n  b: 1\n  x y ");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, 3);
        let d = yaml_syntax_diagnostics("a.yml", "a:\n  b: 1\n  x y \n");
        assert!(d.iter().all(|d| d.line <= 4), "{d:?}");
    }

    #[test]
    fn alias_bombs_and_deep_flow_nesting_are_reported_not_expanded() {
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for (n, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip("abcdefgh".chars())
        {
            bomb.push_str(&format!(
                "{n}: &{n} [{}]\n",
                vec![format!("*{prev}"); 9].join(",")
            ));
        }
        let d = yaml_syntax_diagnostics("a.yml", &bomb);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("repetition limit"), "{d:?}");
        let deep = format!("a: 1\nb: {}\n", "[".repeat(100_000));
        let d = yaml_syntax_diagnostics("a.yml", &deep);
        assert_eq!((d.len(), d[0].line), (1, 2), "{d:?}");
        assert!(d[0].message.contains("deeper than 256"), "{d:?}");
        // Tags, anchors and aliases used sparingly are valid.
        let ok = "a: &x !Thing {b: 1}\nc: *x\nd: !!str 2\n";
        assert!(yaml_syntax_diagnostics("a.yml", ok).is_empty());
    }

    #[test]
    fn deep_list_nesting_on_one_line_is_cut_off_in_linear_time() {
        // 400,000 levels: following each one copied the whole key path.
        let y = format!("a:\n{}x: 1\nb: 2\n", "- ".repeat(400_000));
        let start = std::time::Instant::now();
        let docs = flatten_yaml(&y);
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
        let keys: Vec<&str> = docs[0].entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        // Within the bound, nesting is still read.
        let ok = format!("a:\n{}x: 1\n", "- ".repeat(10));
        let docs = flatten_yaml(&ok);
        assert_eq!(docs[0].entries[1].key, format!("a{}.x", "[0]".repeat(10)));
    }

    #[test]
    fn properties_handle_escapes_and_continuations() {
        let p = "# c\n! c\na.b = 1\nc:2\nd 3\nlong = x\\\n   y\nuni = \\u4e2d\\u6587\nkey\\ with\\ space = v\n";
        let e = parse_properties(p);
        let kv: Vec<(&str, &str, u32)> = e
            .iter()
            .map(|x| (x.key.as_str(), x.value.as_str(), x.line))
            .collect();
        assert_eq!(
            kv,
            [
                ("a.b", "1", 3),
                ("c", "2", 4),
                ("d", "3", 5),
                ("long", "xy", 6),
                ("uni", "中文", 8),
                ("key with space", "v", 9)
            ]
        );
    }
}
