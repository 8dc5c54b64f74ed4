//! The tolerant XML element tree the XML extractors share (MyBatis mappers,
//! Logback and Log4j 2 configurations), read with quick-xml.
//!
//! Configuration XML in real repositories is often not well-formed (a cut
//! file, a stray `</if>`, a bare `&` in SQL), so [`parse`] never fails: it
//! keeps what it read, reports each problem as a warning at its file:line,
//! and recovers where it can.
//!
//! - **Lines.** Every element and text run carries the 1-based line it starts
//!   on, counted on the file as it is (lines end at `\n` only). Text keeps a
//!   lone `\r` and turns only `\r\n` into `\n`, and the character references
//!   `&#10;`/`&#13;` become a space: XML's own end-of-line normalisation would
//!   let a line counted inside a text run land past the file's.
//! - **References.** Character references are resolved, the five predefined
//!   entities too; any other `&name;` is kept as written.
//! - **Depth.** Elements nested deeper than [`MAX_DEPTH`] are not kept as
//!   elements; their text is read into the deepest kept one (a hostile file
//!   of 10^6 nested tags would otherwise overflow the stack when the tree is
//!   walked or dropped, an abort no scan survives).
//! - **Broken structure.** An end tag closes the innermost open element of
//!   its name (and those opened inside it); one matching no open element is
//!   reported and skipped. Elements still open at the end of the file are
//!   closed there and the innermost is reported. A syntax error stops the
//!   reading at the error, which is reported (and the elements it leaves
//!   open are not reported again).

use crate::model::{Diagnostic, DiagnosticLevel, LineIndex};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::borrow::Cow;

/// Deepest element nesting kept as elements (the document root not counted).
pub const MAX_DEPTH: usize = 64;

/// A run of character data (text, CDATA and references) inside an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRun {
    /// The characters, references resolved.
    pub text: String,
    /// 1-based line the run starts on.
    pub line: u32,
}

/// A child of an [`Element`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Character data between tags; adjacent runs are merged.
    Text(TextRun),
    /// A nested element.
    Element(Element),
}

/// An XML element: local name (namespace prefix dropped), attributes, and
/// children in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name; empty for the document root [`parse`] returns.
    pub name: String,
    /// Attributes by local name, values normalised and unescaped.
    pub attrs: Vec<(String, String)>,
    /// Text runs and elements in document order.
    pub children: Vec<Node>,
    /// 1-based line of the start tag.
    pub line: u32,
}

impl Element {
    /// The value of attribute `name` (exact match).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of attribute `name`, compared ignoring ASCII case (Logback
    /// and Log4j 2 accept `maxHistory` and `MaxHistory` alike).
    pub fn attr_ignore_case(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element named `name`, ignoring ASCII case.
    pub fn child_ignore_case(&self, name: &str) -> Option<&Element> {
        self.elements().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The element's own text: its text runs joined, child elements' text
    /// left out.
    pub fn text(&self) -> Cow<'_, str> {
        let mut runs = self.children.iter().filter_map(|n| match n {
            Node::Text(t) => Some(t.text.as_str()),
            Node::Element(_) => None,
        });
        let Some(first) = runs.next() else {
            return Cow::Borrowed("");
        };
        match runs.next() {
            None => Cow::Borrowed(first),
            Some(second) => {
                let mut all = format!("{first}{second}");
                all.extend(runs);
                Cow::Owned(all)
            }
        }
    }

    /// This element and every element below it, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut todo = vec![self];
        while let Some(e) = todo.pop() {
            out.push(e);
            let before = todo.len();
            todo.extend(e.elements());
            todo[before..].reverse();
        }
        out
    }
}

/// Reads `text` into a tree under a nameless document root, with the
/// problems met as warnings at `file`:line. `what` names the kind of file in
/// messages (`mapper XML`, `logging XML`).
pub fn parse(file: &str, text: &str, what: &str) -> (Element, Vec<Diagnostic>) {
    let lines = LineIndex::new(text);
    let mut diagnostics = Vec::new();
    let mut warn = |line: u32, message: String| {
        diagnostics.push(Diagnostic {
            file: file.to_string(),
            line,
            severity: DiagnosticLevel::Warning,
            message,
        });
    };
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = false;
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = vec![Element {
        line: 1,
        ..Element::default()
    }];
    // Start tags nested too deep to keep, still open.
    let mut flattened = 0usize;
    let mut warned_depth = false;
    // After a syntax error every open element is unterminated; the error
    // already says where reading stopped.
    let mut stopped_by_error = false;
    loop {
        // Whitespace is its own Text event, so the position read before a
        // tag is at its `<`.
        let line = lines.line(reader.buffer_position() as usize);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                warn(
                    lines.line(reader.error_position() as usize),
                    format!(
                        "{what} is malformed, read up to here: {}",
                        shorten(&err.to_string())
                    ),
                );
                stopped_by_error = true;
                break;
            }
        };
        match event {
            Event::Start(_) | Event::Empty(_) if stack.len() > MAX_DEPTH || flattened > 0 => {
                if !warned_depth {
                    warned_depth = true;
                    warn(
                        line,
                        format!(
                            "{what} nested deeper than {MAX_DEPTH} elements; inner tags read as plain text"
                        ),
                    );
                }
                if matches!(event, Event::Start(_)) {
                    flattened += 1;
                }
            }
            Event::Start(e) => stack.push(element(&e, line)),
            Event::Empty(e) => push_child(&mut stack, Node::Element(element(&e, line))),
            Event::End(_) if flattened > 0 => flattened -= 1,
            Event::End(e) => {
                let local_name = e.local_name();
                let name: &str = local_name.as_ref();
                match stack.iter().rposition(|open| open.name == name) {
                    Some(i) if i > 0 => {
                        while stack.len() > i {
                            close_top(&mut stack);
                        }
                    }
                    _ => warn(line, format!("{what}: `</{name}>` closes no open element")),
                }
            }
            Event::Text(t) => append_text(&mut stack, &lf_only(&t), line),
            Event::CData(t) => append_text(&mut stack, &lf_only(&t), line),
            Event::GeneralRef(r) => {
                let resolved: Cow<'_, str> = match r.resolve_char_ref() {
                    // `&#10;` / `&#13;` are whitespace wherever XML config
                    // is read; as a line break they would move every later
                    // line of the run past the file's own.
                    Ok(Some('\n' | '\r')) => " ".into(),
                    Ok(Some(c)) => c.to_string().into(),
                    // A malformed reference (`&\r…;`) is kept raw, with
                    // only CRLF made LF for the same reason.
                    _ => match lf_only(&r).as_ref() {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => format!("&{other};").into(),
                    },
                };
                append_text(&mut stack, &resolved, line);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack
        .last()
        .filter(|_| stack.len() > 1 && !stopped_by_error)
    {
        warn(
            open.line,
            format!(
                "{what} is malformed: `<{}>` is never closed; read up to the end",
                open.name
            ),
        );
    }
    while stack.len() > 1 {
        close_top(&mut stack);
    }
    (stack.pop().unwrap_or_default(), diagnostics)
}

/// Text with only `\r\n` made `\n`. XML's end-of-line normalisation also
/// turns a lone `\r` into `\n`, so lines counted in the text would run past
/// the file's, whose lines end at `\n` only.
fn lf_only(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

fn element(e: &BytesStart<'_>, line: u32) -> Element {
    let name = AsRef::<str>::as_ref(&e.local_name()).to_string();
    let attrs = e
        .attributes()
        .with_checks(false)
        .flatten()
        .map(|a| {
            let key = AsRef::<str>::as_ref(&a.key.local_name()).to_string();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(Cow::into_owned)
                .unwrap_or_else(|_| a.value.to_string());
            (key, value)
        })
        .collect();
    Element {
        name,
        attrs,
        children: Vec::new(),
        line,
    }
}

fn push_child(stack: &mut [Element], node: Node) {
    if let Some(top) = stack.last_mut() {
        top.children.push(node);
    }
}

fn close_top(stack: &mut Vec<Element>) {
    if let Some(done) = stack.pop() {
        push_child(stack, Node::Element(done));
    }
}

/// Appends to the open element's last text run, or starts a run at `line`.
fn append_text(stack: &mut [Element], text: &str, line: u32) {
    let Some(top) = stack.last_mut() else { return };
    if let Some(Node::Text(run)) = top.children.last_mut() {
        run.text.push_str(text);
    } else {
        top.children.push(Node::Text(TextRun {
            text: text.to_string(),
            line,
        }));
    }
}

/// A reader error message cut to 200 characters (it may quote the input).
fn shorten(s: &str) -> String {
    if s.chars().count() <= 200 {
        return s.to_string();
    }
    let cut: String = s.chars().take(200).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Element, Vec<(u32, String)>) {
        let (root, diagnostics) = parse("f.xml", text, "test XML");
        let problems = diagnostics
            .into_iter()
            .map(|d| (d.line, d.message))
            .collect();
        (root, problems)
    }

    /// (name, line) of every element below the root, in document order.
    fn outline(root: &Element) -> Vec<(&str, u32)> {
        root.descendants()
            .into_iter()
            .skip(1)
            .map(|e| (e.name.as_str(), e.line))
            .collect()
    }

    #[test]
    fn elements_attributes_text_and_lines() {
        let text = "<?xml version=\"1.0\"?>\n<a x:ns=\"1\" b=\"&lt;&#65;\">\n  t1<b/>t2\r\n\
                    <![CDATA[<c>]]>&amp;&#x42;&unknown;<c d='2'>\n</c></a>";
        let (root, problems) = read(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(outline(&root), [("a", 2), ("b", 3), ("c", 4)]);
        let a = root.child_ignore_case("A").unwrap();
        assert_eq!(
            (a.attr("ns"), a.attr("b"), a.attr("B")),
            (Some("1"), Some("<A"), None)
        );
        assert_eq!(a.attr_ignore_case("B"), Some("<A"));
        assert_eq!(a.text(), "\n  t1t2\n<c>&B&unknown;");
        let runs: Vec<(&str, u32)> = a
            .children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some((t.text.as_str(), t.line)),
                Node::Element(_) => None,
            })
            .collect();
        assert_eq!(runs, [("\n  t1", 2), ("t2\n<c>&B&unknown;", 3)]);
        // Only the line break between the declaration and `<a>`.
        assert_eq!(root.text(), "\n");
    }

    /// Regressions from fuzzing the mybatis target: text must never hold
    /// more line breaks than the file has, or lines counted in it move.
    #[test]
    fn lone_cr_newline_references_and_malformed_references_add_no_line() {
        for text in [
            "<a>x\ry</a>",
            "<a>x&#10;y&#13;</a>",
            "<a>x&#xA;y</a>",
            "<a>&\r${w};</a>",
            "<a><![CDATA[x\ry]]></a>",
        ] {
            let (root, _) = read(text);
            let a = root.child_ignore_case("a").unwrap();
            assert_eq!(a.text().matches('\n').count(), 0, "{text:?}");
        }
        let (root, _) = read("<a>&\r\n${w};</a>");
        assert_eq!(root.child_ignore_case("a").unwrap().text(), "&\n${w};");
    }

    #[test]
    fn deep_nesting_is_flattened_into_text_once_warned() {
        let depth = 100_000;
        let text = format!(
            "<r>\n{}x{}\n<after/></r>",
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        let (root, problems) = read(&text);
        assert_eq!(
            problems,
            [(
                2,
                "test XML nested deeper than 64 elements; inner tags read as plain text"
                    .to_string()
            )]
        );
        let all = root.descendants();
        assert_eq!(all.len(), 1 + MAX_DEPTH + 1, "root, 64 kept, <after>");
        let deepest = all[MAX_DEPTH];
        assert_eq!((deepest.name.as_str(), deepest.text().as_ref()), ("a", "x"));
        assert_eq!(all[MAX_DEPTH + 1].name, "after");
        assert_eq!(all[MAX_DEPTH + 1].line, 3);
    }

    #[test]
    fn broken_structure_is_recovered_and_reported_at_its_line() {
        let (root, problems) = read("<r>\n<a><b>\n</a>\n</x>\n<c>t\n");
        assert_eq!(outline(&root), [("r", 1), ("a", 2), ("b", 2), ("c", 5)]);
        assert_eq!(
            problems,
            [
                (4, "test XML: `</x>` closes no open element".to_string()),
                (
                    5,
                    "test XML is malformed: `<c>` is never closed; read up to the end".to_string()
                ),
            ]
        );
        let (root, problems) = read("<r>\n<a b=\"1\">ok</a>\n<!-- never closed\n<b/>");
        assert_eq!(outline(&root), [("r", 1), ("a", 2)]);
        // One problem: `<r>`, left open by the error, is not reported again.
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, 3);
        assert!(problems[0]
            .1
            .starts_with("test XML is malformed, read up to here: "));
    }

    #[test]
    fn junk_gives_a_tree_and_diagnostics_never_a_panic() {
        for junk in [
            "",
            "\u{0}<",
            "<<<>>>",
            "</a></b>",
            "<a",
            "&",
            "<a b='",
            "<!--",
            "<![CDATA[",
        ] {
            let (root, problems) = read(junk);
            assert_eq!(root.name, "", "{junk:?}");
            assert!(
                problems.iter().all(|(line, _)| *line == 1),
                "{junk:?}: {problems:?}"
            );
        }
        let (_, problems) = read("</a>");
        assert_eq!(problems.len(), 1);
    }
}
