//! Ordering migrations that name their parents (Alembic revisions, Django dependencies) into
//! one replay order, with located problems instead of crashes.

use std::collections::{BTreeMap, BTreeSet};

/// A node of a migration graph: its id and the ids it must come after.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub id: &'a str,
    pub parents: &'a [String],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphIssue {
    /// Two migrations share an id; the later index is ignored for ordering.
    DuplicateId {
        id: String,
        first: usize,
        second: usize,
    },
    /// A parent names no migration of this graph (and is not declared external).
    MissingParent { node: usize, parent: String },
    /// These nodes depend on each other in a cycle; they are ordered by id as a fallback.
    Cycle { nodes: Vec<usize> },
}

/// The replay order of `nodes` (indices into it): parents first; among nodes that are ready at
/// the same time, the smaller id first, so the order is deterministic. Parents for which
/// `is_external` holds are satisfied from outside (Django's own apps).
pub fn topo_order(
    nodes: &[Node],
    is_external: impl Fn(&str) -> bool,
) -> (Vec<usize>, Vec<GraphIssue>) {
    let mut issues = Vec::new();
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if let Some(&first) = by_id.get(n.id) {
            issues.push(GraphIssue::DuplicateId {
                id: n.id.to_string(),
                first,
                second: i,
            });
        } else {
            by_id.insert(n.id, i);
        }
    }
    let mut indegree = vec![0usize; nodes.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for p in n.parents {
            if !seen.insert(p.as_str()) {
                continue;
            }
            match by_id.get(p.as_str()) {
                Some(&pi) if pi != i => {
                    indegree[i] += 1;
                    children[pi].push(i);
                }
                Some(_) => issues.push(GraphIssue::Cycle { nodes: vec![i] }),
                None if is_external(p) => {}
                None => issues.push(GraphIssue::MissingParent {
                    node: i,
                    parent: p.clone(),
                }),
            }
        }
    }
    // Kahn's algorithm with a sorted ready set.
    let mut ready: BTreeSet<(&str, usize)> = (0..nodes.len())
        .filter(|&i| indegree[i] == 0)
        .map(|i| (nodes[i].id, i))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    let mut placed = vec![false; nodes.len()];
    loop {
        while let Some((_, i)) = ready.pop_first() {
            order.push(i);
            placed[i] = true;
            for &c in &children[i] {
                if placed[c] {
                    continue;
                }
                indegree[c] = indegree[c].saturating_sub(1);
                if indegree[c] == 0 && !ready.contains(&(nodes[c].id, c)) {
                    ready.insert((nodes[c].id, c));
                }
            }
        }
        if order.len() == nodes.len() {
            break;
        }
        // What is left is in or behind a cycle: report it, then release its smallest node.
        let mut stuck: Vec<usize> = (0..nodes.len()).filter(|&i| !placed[i]).collect();
        stuck.sort_by_key(|&i| (nodes[i].id, i));
        if !issues
            .iter()
            .any(|x| matches!(x, GraphIssue::Cycle { nodes } if nodes.len() > 1 && nodes.iter().all(|n| stuck.contains(n))))
        {
            issues.push(GraphIssue::Cycle {
                nodes: stuck.clone(),
            });
        }
        let first = stuck[0];
        indegree[first] = 0;
        ready.insert((nodes[first].id, first));
    }
    (order, issues)
}

/// Ids that no other node names as a parent.
pub fn heads<'a>(nodes: &[Node<'a>]) -> Vec<&'a str> {
    let parents: BTreeSet<&str> = nodes
        .iter()
        .flat_map(|n| n.parents.iter().map(|p| p.as_str()))
        .collect();
    let mut h: Vec<&str> = nodes
        .iter()
        .map(|n| n.id)
        .filter(|id| !parents.contains(id))
        .collect();
    h.sort();
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(spec: &[(&'static str, &[&str])]) -> Vec<(String, Vec<String>)> {
        spec.iter()
            .map(|(id, ps)| (id.to_string(), ps.iter().map(|p| p.to_string()).collect()))
            .collect()
    }

    fn order(spec: &[(&'static str, &[&str])]) -> (Vec<String>, Vec<GraphIssue>) {
        let owned = nodes(spec);
        let ns: Vec<Node> = owned
            .iter()
            .map(|(id, ps)| Node { id, parents: ps })
            .collect();
        let (o, issues) = topo_order(&ns, |p| p.starts_with("ext:"));
        (o.into_iter().map(|i| owned[i].0.clone()).collect(), issues)
    }

    #[test]
    fn parents_first_then_by_id() {
        let (o, issues) = order(&[
            ("c", &["b"]),
            ("b", &["a"]),
            ("a", &[]),
            ("m", &["b", "c"]),
            ("d", &["b"]),
        ]);
        assert_eq!(o, ["a", "b", "c", "d", "m"]);
        assert!(issues.is_empty());
    }

    #[test]
    fn problems_are_reported_not_fatal() {
        let (o, issues) = order(&[
            ("a", &[]),
            ("a", &[]),
            ("b", &["zzz"]),
            ("c", &["ext:auth"]),
            ("x", &["y"]),
            ("y", &["x"]),
        ]);
        assert_eq!(o.len(), 6);
        assert!(
            issues
                .iter()
                .any(|i| matches!(i, GraphIssue::DuplicateId { .. }))
        );
        assert!(
            issues
                .iter()
                .any(|i| matches!(i, GraphIssue::MissingParent { parent, .. } if parent == "zzz"))
        );
        assert!(
            issues
                .iter()
                .any(|i| matches!(i, GraphIssue::Cycle { nodes } if nodes.len() == 2))
        );
        assert!(!issues.iter().any(
            |i| matches!(i, GraphIssue::MissingParent { parent, .. } if parent == "ext:auth")
        ));
    }

    #[test]
    fn heads_are_unreferenced() {
        let owned = nodes(&[("a", &[]), ("b", &["a"]), ("c", &["a"])]);
        let ns: Vec<Node> = owned
            .iter()
            .map(|(id, ps)| Node { id, parents: ps })
            .collect();
        assert_eq!(heads(&ns), ["b", "c"]);
    }
}
