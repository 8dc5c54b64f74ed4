//! The predicate language of rule files: `all` / `any` / `not`, quantifiers
//! `some` / `none` over lists, and leaf comparisons on dotted paths into the
//! subject's context (`field.pi.sensitive`, `decl.dataset.retention`, …).
//!
//! ```yaml
//! when:
//!   all:
//!     - field.pi: { exists: true }
//!     - any:
//!         - field.pi.sensitive: { eq: true }
//!         - field.high_risk: { eq: true }
//!     - none: { path: decl.consents, where: { item.kind: { eq: guardian } } }
//! ```

use regex::Regex;
use serde_json::Value;

/// A compiled predicate.
#[derive(Debug, Clone)]
pub enum Predicate {
    /// Every part holds.
    All(Vec<Predicate>),
    /// At least one part holds.
    Any(Vec<Predicate>),
    /// The part does not hold.
    Not(Box<Predicate>),
    /// Some item of the list at `path` satisfies `cond` (`item.` prefixes its paths).
    Some { path: String, cond: Box<Predicate> },
    /// No item of the list at `path` satisfies `cond`.
    None { path: String, cond: Box<Predicate> },
    /// Comparisons on one path; all must hold.
    Leaf { path: String, ops: Vec<Op> },
}

/// A comparison on a value.
#[derive(Debug, Clone)]
pub enum Op {
    /// Equal.
    Eq(Value),
    /// Not equal.
    Ne(Value),
    /// One of.
    In(Vec<Value>),
    /// None of.
    NotIn(Vec<Value>),
    /// Present and not null (`true`) or absent/null (`false`).
    Exists(bool),
    /// Null, absent, empty string, list or map (`true`), or not (`false`).
    Empty(bool),
    /// Numeric comparisons.
    Gt(f64),
    /// ≥.
    Gte(f64),
    /// <.
    Lt(f64),
    /// ≤.
    Lte(f64),
    /// A list contains the value, or a string contains the substring.
    Contains(Value),
    /// A string matches the regex.
    Matches(Regex),
}

/// Names of the operators, for error messages.
pub const OPS: &[&str] = &[
    "eq", "ne", "in", "not_in", "exists", "empty", "gt", "gte", "lt", "lte", "contains", "matches",
];

/// Compiles a predicate from YAML; errors say where (`at`) and how to fix.
pub fn compile(v: &serde_yaml::Value, at: &str) -> Result<Predicate, String> {
    let map = v.as_mapping().ok_or_else(|| {
        format!("{at}: a predicate is a map such as `field.pi: {{ exists: true }}` or `all: [...]`")
    })?;
    let mut parts = Vec::new();
    for (k, val) in map {
        let key = k
            .as_str()
            .ok_or_else(|| format!("{at}: predicate keys are strings"))?;
        let here = format!("{at}.{key}");
        let p = match key {
            "all" | "any" => {
                let seq = val
                    .as_sequence()
                    .ok_or_else(|| format!("{here}: expected a list of predicates"))?;
                let items = seq
                    .iter()
                    .enumerate()
                    .map(|(i, x)| compile(x, &format!("{here}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                if key == "all" {
                    Predicate::All(items)
                } else {
                    Predicate::Any(items)
                }
            }
            "not" => Predicate::Not(Box::new(compile(val, &here)?)),
            "some" | "none" => {
                let m = val
                    .as_mapping()
                    .ok_or_else(|| format!("{here}: expected {{ path: …, where: … }}"))?;
                let path = m
                    .get("path")
                    .and_then(|p| p.as_str())
                    .ok_or_else(|| format!("{here}: missing `path`"))?
                    .to_string();
                let cond = match m.get("where") {
                    Some(w) => compile(w, &format!("{here}.where"))?,
                    None => Predicate::All(Vec::new()),
                };
                if key == "some" {
                    Predicate::Some {
                        path,
                        cond: Box::new(cond),
                    }
                } else {
                    Predicate::None {
                        path,
                        cond: Box::new(cond),
                    }
                }
            }
            path => {
                let ops_map = val.as_mapping().ok_or_else(|| {
                    format!(
                        "{here}: expected operators such as {{ eq: true }}; known: {}",
                        OPS.join(", ")
                    )
                })?;
                let mut ops = Vec::new();
                for (ok, ov) in ops_map {
                    let name = ok.as_str().unwrap_or_default();
                    ops.push(compile_op(name, ov).map_err(|e| format!("{here}.{name}: {e}"))?);
                }
                Predicate::Leaf {
                    path: path.to_string(),
                    ops,
                }
            }
        };
        parts.push(p);
    }
    Ok(if parts.len() == 1 {
        parts.remove(0)
    } else {
        Predicate::All(parts)
    })
}

fn json(v: &serde_yaml::Value) -> Result<Value, String> {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

fn number(v: &serde_yaml::Value) -> Result<f64, String> {
    v.as_f64().ok_or_else(|| "expected a number".to_string())
}

fn list(v: &serde_yaml::Value) -> Result<Vec<Value>, String> {
    v.as_sequence()
        .ok_or_else(|| "expected a list".to_string())?
        .iter()
        .map(json)
        .collect()
}

fn compile_op(name: &str, v: &serde_yaml::Value) -> Result<Op, String> {
    Ok(match name {
        "eq" => Op::Eq(json(v)?),
        "ne" => Op::Ne(json(v)?),
        "in" => Op::In(list(v)?),
        "not_in" => Op::NotIn(list(v)?),
        "exists" => Op::Exists(v.as_bool().ok_or("expected true or false")?),
        "empty" => Op::Empty(v.as_bool().ok_or("expected true or false")?),
        "gt" => Op::Gt(number(v)?),
        "gte" => Op::Gte(number(v)?),
        "lt" => Op::Lt(number(v)?),
        "lte" => Op::Lte(number(v)?),
        "contains" => Op::Contains(json(v)?),
        "matches" => {
            let s = v.as_str().ok_or("expected a regex string")?;
            // The regex crate is linear-time: user rules cannot backtrack catastrophically.
            Op::Matches(Regex::new(s).map_err(|e| e.to_string())?)
        }
        other => {
            return Err(format!(
                "unknown operator `{other}`; known: {}",
                OPS.join(", ")
            ))
        }
    })
}

/// The values a predicate is evaluated against: named roots (`field`,
/// `dataset`, `decl`, …) plus, inside `some`/`none`, the current `item`.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// Named roots.
    pub roots: &'a [(&'a str, &'a Value)],
    /// The current list item.
    pub item: Option<&'a Value>,
}

impl<'a> Ctx<'a> {
    /// Looks a dotted path up; `None` when any step is missing.
    pub fn get(&self, path: &str) -> Option<&'a Value> {
        let mut parts = path.split('.');
        let head = parts.next()?;
        let mut cur = if head == "item" {
            self.item?
        } else {
            self.roots
                .iter()
                .find(|(n, _)| *n == head)
                .map(|(_, v)| *v)?
        };
        for p in parts {
            cur = cur.get(p)?;
        }
        Some(cur)
    }
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    }
}

impl Predicate {
    /// Evaluates the predicate.
    pub fn eval(&self, ctx: Ctx<'_>) -> bool {
        match self {
            Predicate::All(ps) => ps.iter().all(|p| p.eval(ctx)),
            Predicate::Any(ps) => ps.iter().any(|p| p.eval(ctx)),
            Predicate::Not(p) => !p.eval(ctx),
            Predicate::Some { path, cond } => items(ctx, path).iter().any(|i| {
                cond.eval(Ctx {
                    item: Some(i),
                    ..ctx
                })
            }),
            Predicate::None { path, cond } => !items(ctx, path).iter().any(|i| {
                cond.eval(Ctx {
                    item: Some(i),
                    ..ctx
                })
            }),
            Predicate::Leaf { path, ops } => {
                let v = ctx.get(path);
                ops.iter().all(|op| op.test(v))
            }
        }
    }
}

fn items<'a>(ctx: Ctx<'a>, path: &str) -> &'a [Value] {
    match ctx.get(path) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

impl Op {
    fn test(&self, v: Option<&Value>) -> bool {
        let num = || v.and_then(Value::as_f64);
        match self {
            Op::Eq(x) => v == Some(x),
            Op::Ne(x) => v != Some(x),
            Op::In(xs) => v.is_some_and(|v| xs.contains(v)),
            Op::NotIn(xs) => !v.is_some_and(|v| xs.contains(v)),
            Op::Exists(want) => (v.is_some() && v != Some(&Value::Null)) == *want,
            Op::Empty(want) => is_empty(v) == *want,
            Op::Gt(n) => num().is_some_and(|x| x > *n),
            Op::Gte(n) => num().is_some_and(|x| x >= *n),
            Op::Lt(n) => num().is_some_and(|x| x < *n),
            Op::Lte(n) => num().is_some_and(|x| x <= *n),
            Op::Contains(x) => match (v, x) {
                (Some(Value::Array(a)), _) => a.contains(x),
                (Some(Value::String(s)), Value::String(sub)) => s.contains(sub.as_str()),
                _ => false,
            },
            Op::Matches(re) => v.and_then(Value::as_str).is_some_and(|s| re.is_match(s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(pred: &str, field: Value) -> bool {
        let p = compile(&serde_yaml::from_str(pred).unwrap(), "when").unwrap();
        let roots = [("field", &field)];
        p.eval(Ctx {
            roots: &roots,
            item: None,
        })
    }

    #[test]
    fn leaves_and_combinators() {
        let f = json!({"pi": {"sensitive": true, "category": "contact.phone"}, "protection": [], "n": 3});
        assert!(check("field.pi.sensitive: { eq: true }", f.clone()));
        assert!(check("field.protection: { empty: true }", f.clone()));
        assert!(check("field.missing: { exists: false }", f.clone()));
        assert!(check(
            "all: [ {field.n: {gte: 3}}, {not: {field.pi.category: {in: [name]}}} ]",
            f.clone()
        ));
        assert!(check(
            "any: [ {field.n: {gt: 5}}, {field.pi.category: {matches: '^contact\\.'}} ]",
            f.clone()
        ));
        assert!(!check(
            "field.pi.category: { ne: contact.phone }",
            f.clone()
        ));
    }

    #[test]
    fn quantifiers_bind_item() {
        let f = json!({"consents": [{"kind": "consent"}, {"kind": "guardian"}]});
        assert!(check(
            "some: { path: field.consents, where: { item.kind: { eq: guardian } } }",
            f.clone()
        ));
        assert!(!check(
            "none: { path: field.consents, where: { item.kind: { eq: guardian } } }",
            f.clone()
        ));
        assert!(check(
            "none: { path: field.absent, where: { item.kind: { eq: guardian } } }",
            f
        ));
    }

    #[test]
    fn errors_name_the_place_and_the_fix() {
        let e = compile(
            &serde_yaml::from_str("all: [ {field.x: {equals: 1}} ]").unwrap(),
            "when",
        )
        .unwrap_err();
        assert!(
            e.contains("when.all[0].field.x.equals") && e.contains("known: eq"),
            "{e}"
        );
        let e = compile(
            &serde_yaml::from_str("field.x: {matches: '('}").unwrap(),
            "when",
        )
        .unwrap_err();
        assert!(e.contains("matches"), "{e}");
    }
}
