//! Lineage: a petgraph graph whose nodes are fields (and endpoints) and whose
//! edges are flows. PI tags propagate along copy/derive/hash/mask/encrypt
//! edges (a hashed or masked phone is still PI: de-identified, not
//! anonymous); aggregates do not carry a person's value. A field fed only
//! through protecting transforms gains that protection.

pub mod paths;
pub mod single;
pub mod whole;

use crate::model::{Dataset, Evidence, Flow, PiTag, Protection, Transform};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::collections::{BTreeSet, HashMap, VecDeque};

/// Confidence kept per hop.
const HOP_DECAY: f64 = 0.95;

/// The column-level lineage graph.
pub struct LineageGraph {
    graph: DiGraph<String, Transform>,
    index: HashMap<String, NodeIndex>,
}

impl LineageGraph {
    /// Builds the graph from flows; nodes are the ids flows mention.
    pub fn build(flows: &[Flow]) -> Self {
        let mut graph = DiGraph::new();
        let mut index = HashMap::new();
        let mut node = |g: &mut DiGraph<String, Transform>, id: &str| -> NodeIndex {
            *index
                .entry(id.to_string())
                .or_insert_with(|| g.add_node(id.to_string()))
        };
        for f in flows {
            let a = node(&mut graph, &f.from);
            let b = node(&mut graph, &f.to);
            graph.add_edge(a, b, f.transform);
        }
        LineageGraph { graph, index }
    }

    /// Ids of everything downstream of `id` (not including it), sorted.
    pub fn downstream(&self, id: &str) -> Vec<String> {
        self.reach(id, Direction::Outgoing)
    }

    /// Ids of everything upstream of `id` (not including it), sorted.
    pub fn upstream(&self, id: &str) -> Vec<String> {
        self.reach(id, Direction::Incoming)
    }

    fn reach(&self, id: &str, dir: Direction) -> Vec<String> {
        let Some(&start) = self.index.get(id) else {
            return Vec::new();
        };
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            for m in self.graph.neighbors_directed(n, dir) {
                if m != start && seen.insert(self.graph[m].clone()) {
                    queue.push_back(m);
                }
            }
        }
        seen.into_iter().collect()
    }

    /// Propagates PI tags and protections through the graph, in place.
    ///
    /// Breadth-first from every tagged field, so a field takes the tag of its
    /// nearest tagged ancestor; each field is tagged at most once, which also
    /// makes cycles terminate. Fields tagged by their own cues keep them.
    pub fn propagate(&self, datasets: &mut [Dataset]) {
        let mut loc: HashMap<String, (usize, usize)> = HashMap::new();
        for (di, d) in datasets.iter().enumerate() {
            for (fi, f) in d.fields.iter().enumerate() {
                loc.insert(f.id.clone(), (di, fi));
            }
        }
        // Protection from transforms: only when every inflow protects the same way.
        for (id, &n) in &self.index {
            let inflows: Vec<Transform> = self
                .graph
                .edges_directed(n, Direction::Incoming)
                .map(|e| *e.weight())
                .collect();
            let Some(first) = inflows.first().and_then(|t| t.protection()) else {
                continue;
            };
            if inflows.iter().all(|t| t.protection() == Some(first)) {
                if let Some(&(di, fi)) = loc.get(id) {
                    let f = &mut datasets[di].fields[fi];
                    if !f.protection.contains(&first) {
                        f.protection.push(first);
                        f.protection.sort();
                    }
                }
            }
        }
        let mut queue: VecDeque<NodeIndex> = VecDeque::new();
        let mut tags: HashMap<NodeIndex, PiTag> = HashMap::new();
        let mut starts: Vec<(&String, &NodeIndex)> = self.index.iter().collect();
        starts.sort();
        for (id, &n) in starts {
            if let Some(tag) = loc
                .get(id)
                .and_then(|&(di, fi)| datasets[di].fields[fi].pi.clone())
            {
                tags.insert(n, tag);
                queue.push_back(n);
            }
        }
        while let Some(n) = queue.pop_front() {
            let Some(tag) = tags.get(&n).cloned() else {
                continue;
            };
            let mut edges: Vec<_> = self.graph.edges_directed(n, Direction::Outgoing).collect();
            edges.sort_by(|a, b| self.graph[a.target()].cmp(&self.graph[b.target()]));
            for e in edges {
                let t = *e.weight();
                if t == Transform::Aggregate {
                    continue;
                }
                let target = e.target();
                let Some(&(di, fi)) = loc.get(&self.graph[target]) else {
                    continue;
                };
                let field = &mut datasets[di].fields[fi];
                let mut evidence = vec![Evidence {
                    kind: "lineage".into(),
                    detail: format!("{} from {}", t.as_str(), self.graph[n]),
                }];
                if let Some(p) = t.protection() {
                    evidence[0]
                        .detail
                        .push_str(&format!(" ({})", protection_word(p)));
                }
                if let Some(own) = &mut field.pi {
                    // Its own cues decided; lineage agreeing is more evidence.
                    if own.category == tag.category
                        && !own.evidence.iter().any(|e| e.kind == "lineage")
                    {
                        own.confidence = ((1.0
                            - (1.0 - own.confidence) * (1.0 - tag.confidence * HOP_DECAY))
                            * 100.0)
                            .round()
                            / 100.0;
                        own.evidence.extend(evidence);
                        own.evidence
                            .sort_by(|a, b| a.kind.cmp(&b.kind).then(a.detail.cmp(&b.detail)));
                    }
                    continue;
                }
                let new = PiTag {
                    category: tag.category.clone(),
                    sensitive: tag.sensitive,
                    confidence: ((tag.confidence * HOP_DECAY) * 100.0).round() / 100.0,
                    evidence,
                };
                field.pi = Some(new.clone());
                tags.insert(target, new);
                queue.push_back(target);
            }
        }
    }
}

fn protection_word(p: Protection) -> &'static str {
    match p {
        Protection::Encrypted => "encrypted",
        Protection::Masked => "masked",
        Protection::Hashed => "hashed",
        Protection::Tokenized => "tokenized",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DatasetKind, Field, Location};

    fn field(id: &str, pi: Option<&str>) -> Field {
        Field {
            references: None,
            id: id.into(),
            name: id.rsplit('.').next().unwrap().into(),
            data_type: None,
            comment: None,
            location: Location::line("f.sql", 1),
            pi: pi.map(|c| PiTag {
                category: c.into(),
                sensitive: false,
                confidence: 0.9,
                evidence: vec![],
            }),
            protection: vec![],
        }
    }

    fn ds(fields: Vec<Field>) -> Dataset {
        Dataset {
            id: "d".into(),
            kind: DatasetKind::Table,
            name: "d".into(),
            system: None,
            comment: None,
            location: Location::line("f.sql", 1),
            locations: Vec::new(),
            fields,
        }
    }

    fn flow(a: &str, b: &str, t: Transform) -> Flow {
        Flow {
            from: a.into(),
            to: b.into(),
            transform: t,
            location: Location::line("f.sql", 1),
            level: Default::default(),
        }
    }

    #[test]
    fn tags_follow_copies_and_hashes_but_not_aggregates() {
        let mut d = [ds(vec![
            field("d.a", Some("contact.phone")),
            field("d.b", None),
            field("d.c", None),
            field("d.n", None),
        ])];
        let flows = [
            flow("d.a", "d.b", Transform::Copy),
            flow("d.b", "d.c", Transform::Hash),
            flow("d.a", "d.n", Transform::Aggregate),
        ];
        let g = LineageGraph::build(&flows);
        g.propagate(&mut d);
        let f = &d[0].fields;
        assert_eq!(f[1].pi.as_ref().unwrap().category, "contact.phone");
        assert_eq!(f[2].pi.as_ref().unwrap().evidence[0].kind, "lineage");
        assert_eq!(f[2].protection, [Protection::Hashed]);
        assert!(f[3].pi.is_none());
        assert_eq!(g.downstream("d.a"), ["d.b", "d.c", "d.n"]);
        assert_eq!(g.upstream("d.c"), ["d.a", "d.b"]);
    }

    #[test]
    fn cycles_terminate_and_mixed_inflows_do_not_protect() {
        let mut d = [ds(vec![field("d.a", Some("name")), field("d.b", None)])];
        let flows = [
            flow("d.a", "d.b", Transform::Mask),
            flow("d.b", "d.a", Transform::Copy),
            flow("d.a", "d.b", Transform::Copy),
        ];
        let g = LineageGraph::build(&flows);
        g.propagate(&mut d);
        assert!(d[0].fields[1].pi.is_some());
        assert!(d[0].fields[1].protection.is_empty());
    }
}
