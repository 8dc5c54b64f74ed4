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
    Some {
        /// List path.
        path: String,
        /// Condition on each item.
        cond: Box<Predicate>,
    },
    /// No item of the list at `path` satisfies `cond`.
    None {
        /// List path.
        path: String,
        /// Condition on each item.
        cond: Box<Predicate>,
    },
    /// The number of items of the list at `path` satisfying `cond` passes `ops`.
    Count {
        /// List path.
        path: String,
        /// Condition on each item.
        cond: Box<Predicate>,
        /// Comparisons on the count.
        ops: Vec<Op>,
    },
    /// Comparisons on one path; all must hold.
    Leaf {
        /// The compared value's path.
        path: String,
        /// Comparisons, all of which must hold.
        ops: Vec<Op>,
    },
}

/// The right-hand side of a comparison: a literal, or `{ path: … }` naming
/// another value of the context (e.g. a rule parameter or today's date).
#[derive(Debug, Clone)]
pub enum Operand {
    /// A literal value.
    Lit(Value),
    /// A value looked up in the context.
    Path(String),
}

/// A comparison on a value.
#[derive(Debug, Clone)]
pub enum Op {
    /// Equal.
    Eq(Operand),
    /// Not equal.
    Ne(Operand),
    /// One of.
    In(Vec<Value>),
    /// None of.
    NotIn(Vec<Value>),
    /// Present and not null (`true`) or absent/null (`false`).
    Exists(bool),
    /// Null, absent, empty string, list or map (`true`), or not (`false`).
    Empty(bool),
    /// >: numbers numerically, strings (ISO dates) lexicographically.
    Gt(Operand),
    /// ≥.
    Gte(Operand),
    /// <.
    Lt(Operand),
    /// ≤.
    Lte(Operand),
    /// A list contains the value, or a string contains the substring.
    Contains(Value),
    /// A string matches the regex.
    Matches(Regex),
    /// The value is a glob (from `piaudit.yaml`) matching the operand string.
    GlobMatches(Operand),
    /// Days from this date to the operand date, tested by the inner comparisons.
    DaysUntil(Operand, Vec<Op>),
    /// Complete calendar months from this date to the operand date (see
    /// [`months_between`]), tested by the inner comparisons: statutory periods
    /// of months and years ("six months", "three years") are calendar periods,
    /// not a fixed number of days.
    MonthsUntil(Operand, Vec<Op>),
}

/// Names of the operators, for error messages.
pub const OPS: &[&str] = &[
    "eq",
    "ne",
    "in",
    "not_in",
    "exists",
    "empty",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "matches",
    "glob_matches",
    "days_until",
    "months_until",
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
            "some" | "none" | "count" => {
                let m = val.as_mapping().ok_or_else(|| {
                    format!("{here}: expected {{ path: …, where: … }} (count also takes comparisons such as gte: 2)")
                })?;
                let path = m
                    .get("path")
                    .and_then(|p| p.as_str())
                    .ok_or_else(|| format!("{here}: missing `path`"))?
                    .to_string();
                let cond = match m.get("where") {
                    Some(w) => compile(w, &format!("{here}.where"))?,
                    None => Predicate::All(Vec::new()),
                };
                let cond = Box::new(cond);
                let mut ops = Vec::new();
                for (ok, ov) in m {
                    let name = ok.as_str().unwrap_or_default();
                    if name == "path" || name == "where" {
                        continue;
                    }
                    if key != "count" {
                        return Err(format!(
                            "{here}.{name}: `{key}` takes only `path` and `where`"
                        ));
                    }
                    ops.push(compile_op(name, ov).map_err(|e| format!("{here}.{name}: {e}"))?);
                }
                match key {
                    "some" => Predicate::Some { path, cond },
                    "none" => Predicate::None { path, cond },
                    _ => {
                        if ops.is_empty() {
                            return Err(format!(
                                "{here}: `count` needs a comparison such as `gte: 1`"
                            ));
                        }
                        Predicate::Count { path, cond, ops }
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

/// `{ path: a.b }` is a reference; anything else a literal.
fn operand(v: &serde_yaml::Value) -> Result<Operand, String> {
    if let Some(m) = v.as_mapping() {
        if m.len() == 1 {
            if let Some(p) = m.get("path").and_then(|p| p.as_str()) {
                return Ok(Operand::Path(p.to_string()));
            }
        }
    }
    json(v).map(Operand::Lit)
}

fn comparable(v: &serde_yaml::Value) -> Result<Operand, String> {
    let o = operand(v)?;
    match &o {
        Operand::Lit(Value::Number(_)) | Operand::Lit(Value::String(_)) | Operand::Path(_) => Ok(o),
        _ => Err("expected a number, a YYYY-MM-DD date or { path: … }".to_string()),
    }
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
        "eq" => Op::Eq(operand(v)?),
        "ne" => Op::Ne(operand(v)?),
        "in" => Op::In(list(v)?),
        "not_in" => Op::NotIn(list(v)?),
        "exists" => Op::Exists(v.as_bool().ok_or("expected true or false")?),
        "empty" => Op::Empty(v.as_bool().ok_or("expected true or false")?),
        "gt" => Op::Gt(comparable(v)?),
        "gte" => Op::Gte(comparable(v)?),
        "lt" => Op::Lt(comparable(v)?),
        "lte" => Op::Lte(comparable(v)?),
        "contains" => Op::Contains(json(v)?),
        "matches" => {
            let s = v.as_str().ok_or("expected a regex string")?;
            // The regex crate is linear-time: user rules cannot backtrack catastrophically.
            Op::Matches(Regex::new(s).map_err(|e| e.to_string())?)
        }
        "glob_matches" => Op::GlobMatches(operand(v)?),
        "days_until" | "months_until" => {
            let m = v.as_mapping().ok_or_else(|| {
                format!("expected {{ to: <date or {{ path: … }}>, lt: 36 }} after `{name}`")
            })?;
            let to = m
                .get("to")
                .ok_or("missing `to` (a date or { path: now.today })")?;
            let mut ops = Vec::new();
            for (ok, ov) in m {
                let n = ok.as_str().unwrap_or_default();
                if n == "to" {
                    continue;
                }
                if !matches!(n, "gt" | "gte" | "lt" | "lte" | "eq" | "ne") {
                    return Err(format!("`{n}`: {name} takes gt, gte, lt, lte, eq, ne"));
                }
                ops.push(compile_op(n, ov).map_err(|e| format!("{n}: {e}"))?);
            }
            if ops.is_empty() {
                return Err(format!("{name} needs a comparison such as `gt: 24`"));
            }
            if name == "days_until" {
                Op::DaysUntil(operand(to)?, ops)
            } else {
                Op::MonthsUntil(operand(to)?, ops)
            }
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
/// `dataset`, `decl`, …) plus, inside `some`/`none`/`count`, the current
/// `item` and the enclosing quantifier's item as `outer`.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// Named roots.
    pub roots: &'a [(&'a str, &'a Value)],
    /// The current list item.
    pub item: Option<&'a Value>,
    /// The item of the enclosing quantifier, if nested.
    pub outer: Option<&'a Value>,
}

impl<'a> Ctx<'a> {
    /// A context over named roots, outside any quantifier.
    pub fn new(roots: &'a [(&'a str, &'a Value)]) -> Ctx<'a> {
        Ctx {
            roots,
            item: None,
            outer: None,
        }
    }

    /// Looks a dotted path up; `None` when any step is missing.
    ///
    /// A root may also be named by two parts (`from.dataset`, `decl.all`):
    /// it answers the paths under it that its one-part namesake lacks. The
    /// evaluator lends existing values that way instead of cloning them into
    /// a new object per subject.
    pub fn get(&self, path: &str) -> Option<&'a Value> {
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (path, None),
        };
        let walk = |mut cur: &'a Value, rest: Option<&str>| {
            for p in rest.into_iter().flat_map(|r| r.split('.')) {
                cur = cur.get(p)?;
            }
            Some(cur)
        };
        match head {
            "item" => return walk(self.item?, rest),
            "outer" => return walk(self.outer?, rest),
            _ => {}
        }
        if let Some(found) = self.root(head).and_then(|v| walk(v, rest)) {
            return Some(found);
        }
        let rest = rest?;
        let (second, deeper) = match rest.split_once('.') {
            Some((s, d)) => (s, Some(d)),
            None => (rest, None),
        };
        walk(self.root(&path[..head.len() + 1 + second.len()])?, deeper)
    }

    fn root(&self, name: &str) -> Option<&'a Value> {
        self.roots.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    fn with_item(self, item: &'a Value) -> Ctx<'a> {
        Ctx {
            roots: self.roots,
            item: Some(item),
            outer: self.item,
        }
    }

    fn resolve(&self, o: &'a Operand) -> Option<&'a Value> {
        match o {
            Operand::Lit(v) => Some(v),
            Operand::Path(p) => self.get(p),
        }
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
            Predicate::Some { path, cond } => {
                items(ctx, path).iter().any(|i| cond.eval(ctx.with_item(i)))
            }
            Predicate::None { path, cond } => {
                !items(ctx, path).iter().any(|i| cond.eval(ctx.with_item(i)))
            }
            Predicate::Count { path, cond, ops } => {
                let n = items(ctx, path)
                    .iter()
                    .filter(|i| cond.eval(ctx.with_item(i)))
                    .count();
                let n = Value::from(n as u64);
                ops.iter().all(|op| op.test(Some(&n), ctx))
            }
            Predicate::Leaf { path, ops } => {
                let v = ctx.get(path);
                ops.iter().all(|op| op.test(v, ctx))
            }
        }
    }

    /// Every path the predicate reads (for validation against known roots).
    pub fn paths(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Predicate::All(ps) | Predicate::Any(ps) => ps.iter().for_each(|p| p.collect_paths(out)),
            Predicate::Not(p) => p.collect_paths(out),
            Predicate::Some { path, cond } | Predicate::None { path, cond } => {
                out.push(path);
                cond.collect_paths(out);
            }
            Predicate::Count { path, cond, ops } => {
                out.push(path);
                cond.collect_paths(out);
                ops.iter().for_each(|o| o.collect_paths(out));
            }
            Predicate::Leaf { path, ops } => {
                out.push(path);
                ops.iter().for_each(|o| o.collect_paths(out));
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

/// Orders two values when both are numbers or both are strings.
fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (civil calendar).
pub fn day_number(s: &str) -> Option<i64> {
    let b = s.get(..10)?;
    let y: i64 = b.get(..4)?.parse().ok()?;
    let m: i64 = b.get(5..7)?.parse().ok()?;
    let d: i64 = b.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// `(year, month, day)` of a `YYYY-MM-DD` date, when it is a real date.
fn ymd(s: &str) -> Option<(i64, i64, i64)> {
    let b = s.get(..10)?;
    let y: i64 = b.get(..4)?.parse().ok()?;
    let m: i64 = b.get(5..7)?.parse().ok()?;
    let d: i64 = b.get(8..10)?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=month_len(y, m)).contains(&d)).then_some((y, m, d))
}

fn month_len(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The date `months` calendar months after (or, negative, before) `date`: the
/// same day of the month, or the month's last day when it has no such day
/// (a period of months ends on the corresponding day, Civil Code Art. 202).
pub fn add_months(date: &str, months: i64) -> Option<String> {
    let (y, m, d) = ymd(date)?;
    let total = y * 12 + (m - 1) + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let nd = d.min(month_len(ny, nm));
    Some(format!("{ny:04}-{nm:02}-{nd:02}"))
}

/// Complete calendar months from `a` to `b`: the largest `n` such that
/// `a` plus `n` months is not after `b` (negative when `b` is before `a`).
/// 2026-01-31 → 2026-02-28 is one month; 2026-06-30 → 2026-12-30 six.
pub fn months_between(a: &str, b: &str) -> Option<i64> {
    let (ay, am, _) = ymd(a)?;
    let (by, bm, _) = ymd(b)?;
    let b10 = b.get(..10)?;
    let mut n = (by * 12 + bm) - (ay * 12 + am);
    // Step to the largest n with a + n months <= b (ISO dates order as strings).
    while add_months(a, n)?.as_str() > b10 {
        n -= 1;
    }
    while add_months(a, n + 1)?.as_str() <= b10 {
        n += 1;
    }
    Some(n)
}

impl Op {
    fn test(&self, v: Option<&Value>, ctx: Ctx<'_>) -> bool {
        let cmp = |o: &Operand| v.zip(ctx.resolve(o)).and_then(|(a, b)| order(a, b));
        match self {
            Op::Eq(x) => v == ctx.resolve(x),
            Op::Ne(x) => v != ctx.resolve(x),
            Op::In(xs) => v.is_some_and(|v| xs.contains(v)),
            Op::NotIn(xs) => !v.is_some_and(|v| xs.contains(v)),
            Op::Exists(want) => (v.is_some() && v != Some(&Value::Null)) == *want,
            Op::Empty(want) => is_empty(v) == *want,
            Op::Gt(o) => cmp(o).is_some_and(|c| c.is_gt()),
            Op::Gte(o) => cmp(o).is_some_and(|c| c.is_ge()),
            Op::Lt(o) => cmp(o).is_some_and(|c| c.is_lt()),
            Op::Lte(o) => cmp(o).is_some_and(|c| c.is_le()),
            Op::Contains(x) => match (v, x) {
                (Some(Value::Array(a)), _) => a.contains(x),
                (Some(Value::String(s)), Value::String(sub)) => s.contains(sub.as_str()),
                _ => false,
            },
            Op::Matches(re) => v.and_then(Value::as_str).is_some_and(|s| re.is_match(s)),
            Op::GlobMatches(o) => match (v.and_then(Value::as_str), ctx.resolve(o)) {
                (Some(pattern), Some(Value::String(s))) => {
                    crate::glob::matches_id_or_name(pattern, s, s)
                }
                _ => false,
            },
            Op::DaysUntil(to, ops) => {
                let from = v.and_then(Value::as_str).and_then(day_number);
                let to = ctx.resolve(to).and_then(Value::as_str).and_then(day_number);
                match (from, to) {
                    (Some(a), Some(b)) => {
                        let days = Value::from(b - a);
                        ops.iter().all(|op| op.test(Some(&days), ctx))
                    }
                    _ => false,
                }
            }
            Op::MonthsUntil(to, ops) => {
                let from = v.and_then(Value::as_str);
                let to = ctx.resolve(to).and_then(Value::as_str);
                match from.zip(to).and_then(|(a, b)| months_between(a, b)) {
                    Some(m) => {
                        let months = Value::from(m);
                        ops.iter().all(|op| op.test(Some(&months), ctx))
                    }
                    None => false,
                }
            }
        }
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Op::Eq(o)
            | Op::Ne(o)
            | Op::Gt(o)
            | Op::Gte(o)
            | Op::Lt(o)
            | Op::Lte(o)
            | Op::GlobMatches(o) => {
                if let Operand::Path(p) = o {
                    out.push(p);
                }
            }
            Op::DaysUntil(o, ops) | Op::MonthsUntil(o, ops) => {
                if let Operand::Path(p) = o {
                    out.push(p);
                }
                ops.iter().for_each(|x| x.collect_paths(out));
            }
            _ => {}
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
        p.eval(Ctx::new(&roots))
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

    #[test]
    fn counts_dates_globs_and_path_operands() {
        let f = json!({
            "audits": [{"kind": "periodic", "date": "2023-05-01"}, {"kind": "periodic", "date": "2026-01-10"}],
            "today": "2026-06-01", "total": 1_200_000, "limit": 1_000_000,
            "sharing": [{"endpoint": "*jpush*"}], "host": "endpoint:sdk:api.jpush.cn",
        });
        assert!(check(
            "count: { path: field.audits, where: { item.kind: { eq: periodic } }, gte: 2 }",
            f.clone()
        ));
        assert!(!check(
            "count: { path: field.audits, where: { item.kind: { eq: periodic } }, gt: 2 }",
            f.clone()
        ));
        assert!(check(
            "some: { path: field.audits, where: { item.date: { days_until: { to: { path: field.today }, gt: 730 } } } }",
            f.clone()
        ));
        assert!(!check(
            "none: { path: field.audits, where: { item.date: { days_until: { to: { path: field.today }, lte: 730 } } } }",
            f.clone()
        ));
        assert!(check(
            "field.total: { gte: { path: field.limit } }",
            f.clone()
        ));
        assert!(check("field.today: { gt: '2026-01-01' }", f.clone()));
        assert!(check(
            "some: { path: field.sharing, where: { item.endpoint: { glob_matches: { path: field.host } } } }",
            f.clone()
        ));
        assert!(compile(&serde_yaml::from_str("count: { path: x }").unwrap(), "when").is_err());
        assert_eq!(day_number("1970-01-02"), Some(1));
        // Calendar months: the corresponding day, or the month's last day.
        assert_eq!(add_months("2026-08-31", 6).as_deref(), Some("2027-02-28"));
        assert_eq!(add_months("2024-02-29", 24).as_deref(), Some("2026-02-28"));
        assert_eq!(add_months("2026-12-07", -24).as_deref(), Some("2024-12-07"));
        assert_eq!(add_months("2026-02-30", 1), None);
        assert_eq!(months_between("2026-01-31", "2026-02-28"), Some(1));
        assert_eq!(months_between("2026-07-01", "2026-12-31"), Some(5));
        assert_eq!(months_between("2026-07-01", "2027-01-01"), Some(6));
        assert_eq!(months_between("2023-12-08", "2026-12-07"), Some(35));
        assert_eq!(months_between("2023-12-07", "2026-12-07"), Some(36));
        assert_eq!(months_between("2026-12-07", "2026-01-07"), Some(-11));
        assert_eq!(
            day_number("2026-03-01")
                .zip(day_number("2026-02-28"))
                .map(|(a, b)| a - b),
            Some(1)
        );
    }
}
