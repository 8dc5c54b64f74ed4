//! PI in Java data flows: the classification step over the sinks the Java
//! flow pass found (`extract::java_flow`). The extractor says which values
//! reach a logger, an HTTP client, a queue, a file export or a controller's
//! response; this step decides which of them are PI — a field of a PI-tagged
//! dataset, a field of a class whose name the cues tag, a variable or
//! property the cues tag — and turns the hits into controls the rules read:
//!
//! | kind | when |
//! |---|---|
//! | `pi_logged` | PI reaches a logger through a variable, builder or call (a call whose own text prints PI is `classify::logged`'s) |
//! | `body_logged` | a whole request or response body reaches a logger at info level or above |
//! | `pi_http_plain` | PI is sent over `http://` to a public host |
//! | `pi_http` | PI is sent to another or an unresolved host |
//! | `pi_queue` | PI is sent to a queue producer |
//! | `pi_sdk` | PI is passed to a catalogued third-party SDK (a request setter, builder or static call) |
//! | `pi_export_unaudited` / `pi_export` | unmasked PI is written to an export file, without / with an operation-log annotation on the way |
//! | `pi_api_response` | a controller returns a type whose unmasked fields are PI |
//! | `debug_endpoint_pi` | a test/debug handler (`/test`, `debugUsers`) in production code returns PI |
//!
//! Subject: `Class.method → … : names` (the chain of methods, then the PI
//! names); value: the categories. Never a value, only names.

use std::collections::HashMap;

use super::Classifier;
use crate::extract::java_flow::{ClassInfo, Hit, SinkKind, Val};
use crate::extract::FileFacts;
use crate::model::{Control, Dataset, Protection, Transform};

/// The controls of the flow hits that carry PI (see the module docs).
pub fn pi_flows<'a>(
    files: impl IntoIterator<Item = &'a FileFacts> + Clone,
    classifier: &Classifier<'_>,
    datasets: &[Dataset],
    controls: &mut Vec<Control>,
) {
    let mut by_name: HashMap<String, &Dataset> = HashMap::new();
    for d in datasets {
        by_name.entry(d.name.to_ascii_lowercase()).or_insert(d);
    }
    let mut classes: HashMap<&str, &ClassInfo> = HashMap::new();
    let mut service_paths: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for f in files.clone() {
        for c in &f.java_flow.classes {
            classes.entry(c.name.as_str()).or_insert(c);
            service_paths.extend(
                c.service_paths
                    .iter()
                    .map(String::as_str)
                    .filter(|p| !p.is_empty()),
            );
        }
    }
    let cx = Lookup {
        classifier,
        datasets: by_name,
        classes,
        service_paths,
    };
    let before = controls.len();
    // Log calls `classify::logged` already reports (it reads the call's own
    // text); the flow pass adds those whose PI arrives through variables,
    // builders or calls.
    let logged: std::collections::HashSet<crate::model::Location> = controls
        .iter()
        .filter(|c| c.kind == "pi_logged")
        .map(|c| c.location.clone())
        .collect();
    // One report per sink and PI names: the shortest way there (the method
    // nearest the sink where the value is already PI), not again from each
    // caller further out.
    let mut found: Vec<(usize, Control, &crate::model::Location, Option<String>)> = Vec::new();
    for f in files {
        for h in &f.java_flow.hits {
            // A debug handler's response is that problem, not a second
            // `pi_api_response` of the same handler.
            if let Some(c) = debug_endpoint(&cx, h) {
                found.push((h.hops.len(), c, h.location(), None));
                continue;
            }
            if let Some(c) = control(&cx, h) {
                if c.kind == "pi_logged" && logged.contains(&c.location) {
                    continue;
                }
                found.push((h.hops.len(), c, h.location(), response_key(h)));
            }
        }
    }
    found.sort_by_key(|(n, _, _, _)| *n);
    let mut seen: std::collections::HashSet<(String, &crate::model::Location, String)> =
        std::collections::HashSet::new();
    // Responses of the same types in several handlers (see
    // `response_key`): one control, listing the copies.
    let mut responses: Vec<(String, Control)> = Vec::new();
    for (_, c, sink, key) in found {
        let names = c
            .subject
            .as_deref()
            .and_then(|s| s.rsplit(": ").next())
            .unwrap_or_default()
            .to_string();
        if seen.insert((c.kind.clone(), sink, names)) {
            match key {
                Some(k) => responses.push((k, c)),
                None => controls.push(c),
            }
        }
    }
    responses.sort_by(|a, b| (&a.0, &a.1.location).cmp(&(&b.0, &b.1.location)));
    let mut last: Option<String> = None;
    for (k, c) in responses {
        if last.as_ref() == Some(&k) {
            if let Some(first) = controls.last_mut() {
                first.copies.push(c.location);
                continue;
            }
        }
        last = Some(k);
        controls.push(c);
    }
    if controls.len() > before {
        controls.sort_by(|a, b| {
            (&a.location, &a.kind, &a.subject).cmp(&(&b.location, &b.kind, &b.subject))
        });
        controls.dedup();
    }
}

struct Lookup<'a, 'c> {
    classifier: &'a Classifier<'c>,
    datasets: HashMap<String, &'a Dataset>,
    classes: HashMap<&'a str, &'a ClassInfo>,
    /// Request paths a `@FeignClient` of the same repository calls
    /// (`java_flow::service_path` keys).
    service_paths: std::collections::HashSet<&'a str>,
}

impl Lookup<'_, '_> {
    /// Whether a whole-body marker stands for a typed record that holds no PI:
    /// `@RequestBody CargoDTO dto` logged whole, where the scan knows
    /// `CargoDTO` and none of its fields is PI. The body writes exactly that
    /// record, so nothing personal reaches the log; a body read as a map,
    /// text or an unknown class (`getArgs()`, `Map<String, Object>`) stays a
    /// body whose content the code does not bound.
    fn typed_body_without_pi(&self, body: &Val, vals: &[Val]) -> bool {
        body.param.is_some()
            && vals.iter().any(|o| {
                o.whole && !o.is_body() && o.param == body.param && self.known_class(o) && {
                    let mut pi = Vec::new();
                    self.pi(o, false, &mut pi);
                    pi.is_empty()
                }
            })
    }

    /// Instance fields of a class and of its superclasses in the scan
    /// (`ListUserVo extends User`), nearest first, a few levels up.
    fn fields_deep(&self, ty: &str) -> Vec<(&str, &str, bool, &str)> {
        let mut out = Vec::new();
        let mut next = self.classes.get(ty).copied();
        for _ in 0..4 {
            let Some(c) = next else { break };
            for (n, t, m) in &c.fields {
                out.push((n.as_str(), t.as_str(), *m, c.name.as_str()));
            }
            next = c
                .supertypes
                .iter()
                .find_map(|s| self.classes.get(s.as_str()).copied());
        }
        out
    }

    /// An export that names its columns (see `Hit::columns`): when two or more
    /// of the exporting method's property-name literals are properties of the
    /// exported class (or its superclasses), those are the columns written,
    /// and only PI among them is exported — a creator's portrait the export
    /// never writes is not; a superclass's property it writes is.
    fn export_columns(&self, h: &Hit, pi: &mut Vec<(String, String)>) {
        if h.columns.is_empty() {
            return;
        }
        let snake = crate::extract::java::snake;
        let named = |n: &str| {
            let n = snake(n);
            h.columns.iter().any(|c| snake(c).eq_ignore_ascii_case(&n))
        };
        let fields: Vec<_> = h
            .vals
            .iter()
            .filter(|v| v.whole)
            .filter_map(|v| v.ty.as_deref())
            .flat_map(|t| self.fields_deep(t))
            .collect();
        // One literal naming a property may be a query condition
        // (`eq("status", 1)`) or a sheet name; a column list names several.
        let mut listed: Vec<&str> = fields
            .iter()
            .map(|(n, ..)| *n)
            .filter(|n| named(n))
            .collect();
        listed.sort_unstable();
        listed.dedup();
        if listed.len() < 2 {
            return;
        }
        pi.retain(|(n, _)| named(n));
        for (n, ty, masked, owner) in fields {
            if masked || !named(n) || pi.iter().any(|(x, _)| x == n) {
                continue;
            }
            if let Some(t) = self.classifier.tag_identifier(n, Some(owner)) {
                if t.category.starts_with("finance.account") && super::amount_typed(Some(ty)) {
                    continue;
                }
                pi.push((n.to_string(), t.category));
            }
        }
    }

    /// Whether the scan knows the fields of a whole object's class (a
    /// dataset it declares, or a parsed class).
    fn known_class(&self, v: &Val) -> bool {
        v.dataset
            .as_deref()
            .or(v.ty.as_deref())
            .is_some_and(|d| self.datasets.contains_key(&d.to_ascii_lowercase()))
            || v.ty
                .as_deref()
                .is_some_and(|t| self.classes.contains_key(t))
    }

    /// The PI (name, category) a value carries, unmasked.
    fn pi(&self, v: &Val, whole_person: bool, out: &mut Vec<(String, String)>) {
        if v.transform != Transform::Copy || v.is_body() {
            return;
        }
        fn push(out: &mut Vec<(String, String)>, n: &str, c: String) {
            if !out.iter().any(|(x, y)| x == n && *y == c) {
                out.push((n.to_string(), c));
            }
        }
        let ds = v
            .dataset
            .as_deref()
            .or(v.ty.as_deref())
            .and_then(|d| self.datasets.get(&d.to_ascii_lowercase()));
        if v.whole {
            let before = out.len();
            // Fields the returned class never serialises (`@JsonIgnore`,
            // `@JSONField(serialize = false)`) or masks, by column name.
            let class_masked = |col: &str| {
                v.ty.as_deref()
                    .and_then(|t| self.classes.get(t))
                    .is_some_and(|c| {
                        c.fields.iter().any(|(n, _, masked)| {
                            *masked
                                && (n.eq_ignore_ascii_case(col)
                                    || crate::extract::java::snake(n).eq_ignore_ascii_case(col))
                        })
                    })
            };
            if let Some(d) = ds {
                for fl in &d.fields {
                    if let Some(t) = &fl.pi {
                        if !fl.protection.contains(&Protection::Masked) && !class_masked(&fl.name) {
                            push(out, &fl.name, t.category.clone());
                        }
                    }
                }
            } else if let Some(c) = v.ty.as_deref().and_then(|t| self.classes.get(t)) {
                for (name, ty, masked) in &c.fields {
                    if *masked {
                        continue;
                    }
                    if let Some(t) = self.classifier.tag_identifier(name, Some(&c.name)) {
                        // A `BigDecimal balance` is an amount, not an account number.
                        if t.category.starts_with("finance.account")
                            && super::amount_typed(Some(ty))
                        {
                            continue;
                        }
                        push(out, name, t.category);
                    }
                }
            }
            if out.len() == before
                && whole_person
                && !v.name.starts_with('<')
                && ds.is_none()
                && !v
                    .ty
                    .as_deref()
                    .is_some_and(crate::extract::java::scalar_type)
                && self.classifier.person_object(&v.name)
            {
                push(out, &v.name, "person_object".into());
            }
            return;
        }
        if let Some(d) = ds {
            let snake = crate::extract::java::snake(&v.name);
            if let Some(fl) = d.fields.iter().find(|fl| {
                fl.name.eq_ignore_ascii_case(&v.name) || fl.name.eq_ignore_ascii_case(&snake)
            }) {
                if let Some(t) = &fl.pi {
                    if !fl.protection.contains(&Protection::Masked) {
                        push(out, &v.name, t.category.clone());
                    }
                }
                return;
            }
        }
        if v.name.starts_with('<') {
            return;
        }
        if let Some(t) = self
            .classifier
            .tag_identifier(&v.name, v.owner.as_deref().or(v.ty.as_deref()))
        {
            push(out, &v.name, t.category);
        }
    }
}

/// A stored password, its hash or its salt, by name (`password`,
/// `login_pwd`, `salt`), as opposed to a session token.
fn stored_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["password", "passwd", "pwd", "salt"]
        .iter()
        .any(|w| n.contains(w))
}

/// What makes two controller responses the same exposure: the returned
/// types (the same record returned by a copied controller in a second
/// module tree, by a copy-pasted handler at another path, or by a second
/// controller — role members, a document list — is one set of fields to
/// mask, one fix on the type); for handlers whose values carry no type,
/// the request path. `None` for other sinks and handlers mapped to no path.
fn response_key(h: &Hit) -> Option<String> {
    if h.kind != SinkKind::Response {
        return None;
    }
    let path = h.target.path.as_deref().filter(|p| *p != "/")?;
    let mut types: Vec<&str> = h.vals.iter().filter_map(|v| v.ty.as_deref()).collect();
    types.sort_unstable();
    types.dedup();
    Some(if types.is_empty() {
        format!("path {path}")
    } else {
        format!("types {}", types.join(","))
    })
}

/// A test or debug handler left in production code (`@GetMapping("/test")`,
/// `debugUsers()`) that returns PI: `debug_endpoint_pi`, subject
/// `Class.method (path): names`. Such handlers are written to look at data
/// and usually skip the checks the real pages have; whatever they return
/// (often every row of a table) is open to anyone who finds the path. The
/// caller's-own-data exemption of `pi_api_response` does not apply: a handler
/// with no parameter here is a dump, not a profile page.
fn debug_endpoint(cx: &Lookup<'_, '_>, h: &Hit) -> Option<Control> {
    static P: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = P.get_or_init(|| {
        regex::Regex::new(r"^(?i:test|debug|demo)(?:[A-Z_\-\d].*)?$").expect("debug name")
    });
    if h.kind != SinkKind::Response {
        return None;
    }
    let origin = h.chain.first().map(String::as_str).unwrap_or_default();
    if super::logged::developer_code(origin, &h.location().file) {
        return None;
    }
    let method = origin.rsplit('.').next().unwrap_or_default();
    let path = h.target.path.as_deref().unwrap_or_default();
    let debug_path = path
        .split('/')
        .any(|seg| re.is_match(seg.trim_matches(|c| c == '{' || c == '}')));
    if !(debug_path || re.is_match(method)) {
        return None;
    }
    // What the handler echoes back (its own request parameters, or the
    // declared return type when it is a parameter's type: a demo of request
    // handling) is the caller's input, not stored data.
    let echoed: Vec<&str> = h
        .vals
        .iter()
        .filter(|v| v.param.is_some())
        .filter_map(|v| v.ty.as_deref())
        .collect();
    let mut pi: Vec<(String, String)> = Vec::new();
    for v in &h.vals {
        if v.param.is_some()
            || v.ty
                .as_deref()
                .is_some_and(|t| cx.classifier.reference_type(t) || echoed.contains(&t))
        {
            continue;
        }
        cx.pi(v, false, &mut pi);
    }
    pi.retain(|(n, _)| {
        !h.cleared.iter().any(|c| {
            c.eq_ignore_ascii_case(n) || crate::extract::java::snake(c).eq_ignore_ascii_case(n)
        })
    });
    if pi.is_empty() {
        return None;
    }
    let mut names: Vec<&str> = pi.iter().map(|(n, _)| n.as_str()).collect();
    names.dedup();
    let mut cats: Vec<&str> = pi.iter().map(|(_, c)| c.as_str()).collect();
    cats.sort_unstable();
    cats.dedup();
    let loc = h.hops.first().unwrap_or_else(|| h.location()).clone();
    Some(Control {
        subject: Some(format!("{origin} ({path}): {}", names.join(", "))),
        value: Some(cats.join(", ")),
        ..Control::at("debug_endpoint_pi", loc)
    })
}

fn control(cx: &Lookup<'_, '_>, h: &Hit) -> Option<Control> {
    // Through calls: where the value enters the path (the first call site);
    // the chain in the subject names the way to the sink.
    let loc = h.hops.first().unwrap_or_else(|| h.location()).clone();
    let chain = h.chain.join(" → ");
    let mut pi: Vec<(String, String)> = Vec::new();
    for v in &h.vals {
        // A controller returning a template or catalogue type
        // (`DmsCaseModelResult`) returns reference data, not a person's.
        if h.kind == SinkKind::Response
            && v.ty
                .as_deref()
                .is_some_and(|t| cx.classifier.reference_type(t))
        {
            continue;
        }
        cx.pi(v, h.kind == SinkKind::Log, &mut pi);
    }
    if h.kind == SinkKind::Export {
        // A blank template download (`downExcelTemplate`, `importTemplate`)
        // writes headers, not people's records.
        if h.chain.iter().any(|m| {
            m.rsplit('.')
                .next()
                .is_some_and(|n| n.to_ascii_lowercase().contains("template"))
        }) {
            return None;
        }
        cx.export_columns(h, &mut pi);
    }
    if h.kind == SinkKind::Response {
        // Cleared before returning (`user.setPassword(null)`): not sent.
        pi.retain(|(n, _)| {
            !h.cleared.iter().any(|c| {
                c.eq_ignore_ascii_case(n) || crate::extract::java::snake(c).eq_ignore_ascii_case(n)
            })
        });
        // The caller's own account or session: their own data (the login
        // token included), except a stored password or its hash and salt,
        // which have no business in any response.
        if h.own {
            pi.retain(|(n, _)| stored_secret(n));
        }
    }
    let names = |pi: &[(String, String)]| {
        let mut n: Vec<&str> = Vec::new();
        for (x, _) in pi {
            if !n.contains(&x.as_str()) {
                n.push(x);
            }
        }
        n.join(", ")
    };
    let cats = |pi: &[(String, String)]| {
        let mut n: Vec<&str> = Vec::new();
        for (_, c) in pi {
            if !n.contains(&c.as_str()) {
                n.push(c);
            }
        }
        n.join(", ")
    };
    let mk = |kind: &str, subject: String, value: String| Control {
        subject: Some(subject),
        value: Some(value),
        ..Control::at(kind, loc.clone())
    };
    match h.kind {
        SinkKind::Log => {
            // A log reached from a `main` method or in test code (the path's
            // first method): developer code, see `logged::developer_code`.
            let origin = h.chain.first().map(String::as_str).unwrap_or_default();
            if super::logged::developer_code(origin, &h.location().file)
                || super::logged::developer_code("", &loc.file)
            {
                return None;
            }
            let level = h.level.as_deref().unwrap_or("info");
            // Report only bodies that may carry PI: a typed record without
            // PI fields is logged, but nothing personal is written.
            let which: Vec<&str> = h
                .vals
                .iter()
                .filter(|v| v.is_body() && !cx.typed_body_without_pi(v, &h.vals))
                .map(|v| v.name.trim_matches(|c| c == '<' || c == '>'))
                .collect();
            let leveled = |c: Control| Control {
                log_level: Some(level.to_string()),
                ..c
            };
            if !which.is_empty() && !matches!(level, "trace" | "debug") {
                return Some(leveled(mk(
                    "body_logged",
                    format!("{chain}: {}", which.join(", ")),
                    level.to_string(),
                )));
            }
            (!pi.is_empty()).then(|| {
                leveled(mk(
                    "pi_logged",
                    format!("{chain}: {}", names(&pi)),
                    cats(&pi),
                ))
            })
        }
        SinkKind::Http => {
            if pi.is_empty() {
                return None;
            }
            let host = h.target.host.as_deref();
            let plain = h.target.scheme.as_deref() == Some("http")
                && host.is_some_and(|x| !crate::extract::catalog::is_private_host(x));
            let kind = if plain { "pi_http_plain" } else { "pi_http" };
            // A host read from config names the entry it came from.
            let target = match (&h.target.config_key, &h.target.config_at) {
                (Some(k), Some(at)) => format!("{} ({k} @ {at})", h.target.name),
                _ => h.target.name.clone(),
            };
            Some(mk(
                kind,
                format!("{chain} → {target}: {}", names(&pi)),
                cats(&pi),
            ))
        }
        SinkKind::Queue => (!pi.is_empty()).then(|| {
            mk(
                "pi_queue",
                format!("{chain} → {}: {}", h.target.name, names(&pi)),
                cats(&pi),
            )
        }),
        SinkKind::Sdk => (!pi.is_empty()).then(|| {
            mk(
                "pi_sdk",
                format!("{chain} → {}: {}", h.target.name, names(&pi)),
                cats(&pi),
            )
        }),
        SinkKind::Export => {
            if pi.is_empty() {
                return None;
            }
            let kind = if h.audited {
                "pi_export"
            } else {
                "pi_export_unaudited"
            };
            Some(mk(kind, format!("{chain}: {}", names(&pi)), cats(&pi)))
        }
        SinkKind::Response => (!pi.is_empty()).then(|| {
            // Who reads it: staff behind a permission check, or another
            // service of the deployment (a Feign client calls the path);
            // the rule decides what still needs display masking for them.
            let internal = h.target.path.as_deref().is_some_and(|p| {
                cx.service_paths
                    .contains(crate::extract::java_flow::service_path(p).as_str())
            });
            let audience = if internal {
                Some("service".to_string())
            } else if h.staff {
                Some("staff".to_string())
            } else {
                None
            };
            Control {
                audience,
                ..mk(
                    "pi_api_response",
                    format!("{chain}: {}", names(&pi)),
                    cats(&pi),
                )
            }
        }),
    }
}
