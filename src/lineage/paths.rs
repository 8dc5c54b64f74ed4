//! Paths from PI fields to endpoints that matter for PIPL chapter III
//! (third parties) and chapter III §3 (cross-border): endpoints whose
//! jurisdiction is `abroad` or `hk_mo_tw`, and third-party services.
//!
//! One path per (PI field, endpoint) pair: the shortest, with ties broken by
//! id order, so the report is deterministic and bounded even when many
//! equivalent routes exist.

use crate::model::{Dataset, Endpoint, Flow, Location, PiPath};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// At most this many paths are reported (a guard against pathological graphs).
pub const MAX_PATHS: usize = 10_000;

/// True for an endpoint a PI path to which is reported.
pub fn is_reportable(e: &Endpoint) -> bool {
    e.third_party || e.jurisdiction == "abroad" || e.jurisdiction == "hk_mo_tw"
}

/// Every PI field's shortest path to each reportable endpoint it reaches.
pub fn pi_paths(datasets: &[Dataset], flows: &[Flow], endpoints: &[Endpoint]) -> Vec<PiPath> {
    let targets: BTreeMap<&str, &Endpoint> = endpoints
        .iter()
        .filter(|e| is_reportable(e))
        .map(|e| (e.id.as_str(), e))
        .collect();
    if targets.is_empty() {
        return Vec::new();
    }
    let mut next: HashMap<&str, Vec<(&str, &Location)>> = HashMap::new();
    for f in flows {
        next.entry(f.from.as_str())
            .or_default()
            .push((f.to.as_str(), &f.location));
    }
    for v in next.values_mut() {
        v.sort();
        v.dedup_by(|a, b| a.0 == b.0);
    }
    // The nodes some target is reachable from: only they can be on a path.
    // A node outside this set has no edge into it, so leaving such nodes
    // out of the search below changes neither the visiting order nor the
    // parents of the rest; it keeps the search from walking everything
    // downstream of each PI field (quadratic when services feed each other
    // in a chain and few of them reach a reported endpoint).
    let mut prev: HashMap<&str, Vec<&str>> = HashMap::new();
    for f in flows {
        prev.entry(f.to.as_str()).or_default().push(f.from.as_str());
    }
    let mut useful: HashSet<&str> = targets.keys().copied().collect();
    let mut stack: Vec<&str> = useful.iter().copied().collect();
    while let Some(n) = stack.pop() {
        for &m in prev.get(n).map(Vec::as_slice).unwrap_or(&[]) {
            if useful.insert(m) {
                stack.push(m);
            }
        }
    }
    let mut out = Vec::new();
    let pi_fields = datasets
        .iter()
        .flat_map(|d| &d.fields)
        .filter(|f| f.pi.is_some());
    for field in pi_fields {
        let start = field.id.as_str();
        if !next.contains_key(start) || !useful.contains(start) {
            continue;
        }
        // Breadth-first with parent pointers: the first visit is a shortest path.
        let mut parent: HashMap<&str, (&str, &Location)> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut reached: Vec<&str> = Vec::new();
        while let Some(n) = queue.pop_front() {
            for &(m, loc) in next.get(n).map(Vec::as_slice).unwrap_or(&[]) {
                if m == start || !useful.contains(m) || parent.contains_key(m) {
                    continue;
                }
                parent.insert(m, (n, loc));
                if targets.contains_key(m) {
                    reached.push(m);
                }
                queue.push_back(m);
            }
        }
        reached.sort_unstable();
        for target in reached {
            let mut nodes = vec![target.to_string()];
            let mut hops = Vec::new();
            let mut at = target;
            while let Some(&(p, loc)) = parent.get(at) {
                nodes.push(p.to_string());
                hops.push(loc.clone());
                at = p;
            }
            nodes.reverse();
            hops.reverse();
            out.push(PiPath {
                from: start.to_string(),
                to: target.to_string(),
                nodes,
                hops,
            });
            if out.len() >= MAX_PATHS {
                return out;
            }
        }
    }
    out.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DatasetKind, Field, PiTag, Transform};

    fn flow(a: &str, b: &str, line: u32) -> Flow {
        Flow {
            from: a.into(),
            to: b.into(),
            transform: Transform::Copy,
            location: Location::line("job.json", line),
            level: Default::default(),
        }
    }

    fn endpoint(id: &str, j: &str, third: bool) -> Endpoint {
        Endpoint {
            id: id.into(),
            kind: "object_store".into(),
            vendor: None,
            region: None,
            jurisdiction: j.into(),
            location: Location::line("a.yml", 1),
            name: None,
            third_party: third,
            profile: None,
            receives: vec![],
            host: None,
            confidence: None,
            role: None,
        }
    }

    #[test]
    fn shortest_paths_to_abroad_and_third_parties_only() {
        let field = |n: &str, pi: bool| Field {
            references: None,
            id: format!("d.{n}"),
            name: n.into(),
            data_type: None,
            comment: None,
            location: Location::line("s.sql", 1),
            pi: pi.then(|| PiTag {
                category: "contact.phone".into(),
                sensitive: false,
                confidence: 0.9,
                evidence: vec![],
            }),
            protection: vec![],
        };
        let ds = [Dataset {
            id: "d".into(),
            kind: DatasetKind::Table,
            name: "d".into(),
            system: None,
            comment: None,
            location: Location::line("s.sql", 1),
            locations: Vec::new(),
            fields: vec![
                field("phone", true),
                field("copy", false),
                field("n", false),
            ],
        }];
        let flows = [
            flow("d.phone", "d.copy", 3),
            flow("d.copy", "endpoint:x", 7),
            flow("d.phone", "endpoint:home", 9),
            flow("d.n", "endpoint:x", 11),
        ];
        let eps = [
            endpoint("endpoint:x", "abroad", false),
            endpoint("endpoint:home", "mainland", false),
        ];
        let p = pi_paths(&ds, &flows, &eps);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].nodes, ["d.phone", "d.copy", "endpoint:x"]);
        let lines: Vec<u32> = p[0].hops.iter().map(|h| h.line).collect();
        assert_eq!(lines, [3, 7]);
    }
}
