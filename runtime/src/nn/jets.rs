//! Jet sets: which partial derivatives of a network's outputs with respect to its inputs are
//! propagated (Taylor mode), in which order they are stored, and the Faà di Bruno tables
//! that push them through a scalar function applied element-wise.
//!
//! A jet is a multi-index: a sorted list of input indices with repetition (`[]` is the
//! value, `[0, 0, 1]` is ∂³/∂x0²∂x1). A set is closed under sub-multisets because the chain
//! rule for a jet needs all of its sub-jets, and it is ordered by (order, lexicographic) so
//! that the value comes first and every jet follows its sub-jets.

use std::collections::{BTreeMap, BTreeSet};

/// The highest derivative order a jet set may hold.
pub const MAX_ORDER: usize = 4;

/// One merged term of Faà di Bruno's formula for a jet J of σ(z):
/// `coefficient · σ^(order)(z) · Π_b z_{blocks[b]}`. Set partitions of J's positions that
/// give the same blocks (as repeated indices do) are merged into one term whose coefficient
/// counts them.
#[derive(Debug, Clone, PartialEq)]
pub struct FdbTerm {
    /// How many blocks the partition has: the order of the derivative of σ it uses.
    pub order: usize,
    /// How many set partitions share these blocks.
    pub coefficient: f64,
    /// Jet index of each block's sub-multi-index, ascending.
    pub blocks: Vec<usize>,
}

/// An ordered, sub-multiset-closed set of jets over a fixed number of inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct JetSet {
    inputs: usize,
    jets: Vec<Vec<usize>>,
    /// `terms[j]`: the Faà di Bruno terms of jet j (empty for the value, j = 0).
    terms: Vec<Vec<FdbTerm>>,
    /// `powers[i][m]`: the index of the jet `[i; m]`, if present (m = 0 is the value).
    powers: Vec<Vec<Option<usize>>>,
    max_order: usize,
}

impl JetSet {
    /// The closure of `needed` (plus the value) under sub-multisets, ordered by
    /// (order, lexicographic). Errors on an input index `>= inputs` or an order above
    /// [`MAX_ORDER`].
    pub fn new(needed: &[Vec<usize>], inputs: usize) -> Result<JetSet, String> {
        let mut closed = BTreeSet::new();
        for jet in needed {
            if let Some(&bad) = jet.iter().find(|&&i| i >= inputs) {
                return Err(format!(
                    "jet {jet:?} refers to input {bad}, but there are only {inputs} inputs"
                ));
            }
            if jet.len() > MAX_ORDER {
                return Err(format!(
                    "jet {jet:?} has order {}, above the maximum {MAX_ORDER}",
                    jet.len()
                ));
            }
            let mut sorted = jet.clone();
            sorted.sort_unstable();
            close_under_removal(sorted, &mut closed);
        }
        closed.insert(Vec::new());
        let mut jets: Vec<Vec<usize>> = closed.into_iter().collect();
        jets.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let index: BTreeMap<&[usize], usize> = jets
            .iter()
            .enumerate()
            .map(|(k, j)| (j.as_slice(), k))
            .collect();
        let terms = jets.iter().map(|j| fdb_terms(j, &index)).collect();
        let max_order = jets.last().map_or(0, Vec::len);
        let powers = (0..inputs)
            .map(|i| {
                (0..=max_order)
                    .map(|m| index.get(vec![i; m].as_slice()).copied())
                    .collect()
            })
            .collect();
        Ok(JetSet {
            inputs,
            jets,
            terms,
            powers,
            max_order,
        })
    }

    /// How many jets the set holds (at least 1: the value).
    pub fn len(&self) -> usize {
        self.jets.len()
    }

    /// Never true: the value is always a member.
    pub fn is_empty(&self) -> bool {
        self.jets.is_empty()
    }

    /// The number of inputs the set was built for.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// The jets, in storage order.
    pub fn jets(&self) -> &[Vec<usize>] {
        &self.jets
    }

    /// Where a jet is stored; `jet` need not be sorted.
    pub fn index(&self, jet: &[usize]) -> Option<usize> {
        let mut sorted = jet.to_vec();
        sorted.sort_unstable();
        self.jets
            .binary_search_by(|j| j.len().cmp(&sorted.len()).then_with(|| j.cmp(&sorted)))
            .ok()
    }

    /// The highest order in the set.
    pub fn max_order(&self) -> usize {
        self.max_order
    }

    /// The Faà di Bruno terms of jet `jet` (empty for the value).
    pub fn terms(&self, jet: usize) -> &[FdbTerm] {
        &self.terms[jet]
    }

    /// The index of the pure jet ∂^m/∂x_input^m, if the set holds it (m = 0: the value).
    pub fn power(&self, input: usize, order: usize) -> Option<usize> {
        if order == 0 {
            return Some(0);
        }
        self.powers.get(input)?.get(order).copied().flatten()
    }

    /// The largest input index any jet refers to.
    pub fn max_input(&self) -> Option<usize> {
        self.jets.iter().flatten().copied().max()
    }
}

/// Inserts `jet` and every multiset reached from it by removing elements.
fn close_under_removal(jet: Vec<usize>, closed: &mut BTreeSet<Vec<usize>>) {
    if closed.contains(&jet) {
        return;
    }
    for k in 0..jet.len() {
        // Removing the first of equal neighbours is enough: the others give the same set.
        if k > 0 && jet[k] == jet[k - 1] {
            continue;
        }
        let mut smaller = jet.clone();
        smaller.remove(k);
        close_under_removal(smaller, closed);
    }
    closed.insert(jet);
}

/// Faà di Bruno's formula for jet `jet`: one term per set partition of its positions,
/// merged where the blocks coincide.
fn fdb_terms(jet: &[usize], index: &BTreeMap<&[usize], usize>) -> Vec<FdbTerm> {
    if jet.is_empty() {
        return Vec::new();
    }
    let mut merged: BTreeMap<Vec<usize>, usize> = BTreeMap::new();
    for_each_partition(jet.len(), &mut |labels, blocks| {
        let mut parts = vec![Vec::new(); blocks];
        for (position, &label) in labels.iter().enumerate() {
            // Positions ascend and `jet` is sorted, so each block stays sorted.
            parts[label].push(jet[position]);
        }
        let mut ids: Vec<usize> = parts.iter().map(|p| index[p.as_slice()]).collect();
        ids.sort_unstable();
        *merged.entry(ids).or_default() += 1;
    });
    merged
        .into_iter()
        .map(|(blocks, count)| FdbTerm {
            order: blocks.len(),
            coefficient: count as f64,
            blocks,
        })
        .collect()
}

/// Calls `visit(labels, blocks)` for every set partition of `m` positions, given as a
/// restricted growth string (position k is in block `labels[k]`).
fn for_each_partition(m: usize, visit: &mut dyn FnMut(&[usize], usize)) {
    fn extend(
        labels: &mut Vec<usize>,
        m: usize,
        blocks: usize,
        visit: &mut dyn FnMut(&[usize], usize),
    ) {
        if labels.len() == m {
            visit(labels, blocks);
            return;
        }
        for label in 0..=blocks {
            labels.push(label);
            extend(labels, m, blocks.max(label + 1), visit);
            labels.pop();
        }
    }
    extend(&mut Vec::with_capacity(m), m, 0, visit);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bell numbers: how many set partitions m positions have.
    fn bell(m: usize) -> usize {
        [1, 1, 2, 5, 15][m]
    }

    #[test]
    fn closure_adds_value_and_all_sub_multisets_in_order() {
        let set = JetSet::new(&[vec![1, 0, 0], vec![1]], 2).unwrap();
        let want: Vec<Vec<usize>> = vec![
            vec![],
            vec![0],
            vec![1],
            vec![0, 0],
            vec![0, 1],
            vec![0, 0, 1],
        ];
        assert_eq!(set.jets(), want.as_slice());
        assert_eq!(set.max_order(), 3);
        assert_eq!(set.index(&[1, 0]), Some(4));
        assert_eq!(set.index(&[1, 1]), None);
        assert_eq!(set.power(0, 2), Some(3));
        assert_eq!(set.power(1, 2), None);
        assert_eq!(set.power(5, 0), Some(0));
        assert_eq!(set.power(5, 1), None);
        assert_eq!(set.max_input(), Some(1));
        let value_only = JetSet::new(&[], 3).unwrap();
        assert_eq!(value_only.len(), 1);
        assert_eq!(value_only.max_order(), 0);
    }

    #[test]
    fn every_jet_follows_its_sub_jets() {
        let set = JetSet::new(&[vec![0, 1, 2, 2], vec![1, 1, 1, 1], vec![0, 0, 2]], 3).unwrap();
        for (j, jet) in set.jets().iter().enumerate() {
            for k in 0..jet.len() {
                let mut sub = jet.clone();
                sub.remove(k);
                assert!(set.index(&sub).unwrap() < j, "{sub:?} before {jet:?}");
            }
        }
    }

    #[test]
    fn faa_di_bruno_tables_count_set_partitions() {
        let set = JetSet::new(&[vec![0, 0, 1], vec![0, 1, 2, 2]], 3).unwrap();
        for (j, jet) in set.jets().iter().enumerate().skip(1) {
            let total: f64 = set.terms(j).iter().map(|t| t.coefficient).sum();
            assert_eq!(total as usize, bell(jet.len()), "{jet:?}");
            for t in set.terms(j) {
                assert_eq!(t.order, t.blocks.len());
                let mut union: Vec<usize> = t
                    .blocks
                    .iter()
                    .flat_map(|&b| set.jets()[b].clone())
                    .collect();
                union.sort_unstable();
                assert_eq!(&union, jet, "blocks of a term partition the jet");
            }
        }
        // [0,0,1]: 5 partitions of 3 positions, the two {0}{0,1} ones merged.
        let j = set.index(&[0, 0, 1]).unwrap();
        let id = |m: &[usize]| set.index(m).unwrap();
        let want = vec![
            FdbTerm {
                order: 1,
                coefficient: 1.0,
                blocks: vec![j],
            },
            FdbTerm {
                order: 2,
                coefficient: 2.0,
                blocks: vec![id(&[0]), id(&[0, 1])],
            },
            FdbTerm {
                order: 2,
                coefficient: 1.0,
                blocks: vec![id(&[1]), id(&[0, 0])],
            },
            FdbTerm {
                order: 3,
                coefficient: 1.0,
                blocks: vec![id(&[0]), id(&[0]), id(&[1])],
            },
        ];
        let mut got = set.terms(j).to_vec();
        let mut want = want;
        let key = |t: &FdbTerm| (t.order, t.blocks.clone());
        got.sort_by_key(key);
        want.sort_by_key(key);
        assert_eq!(got, want);
        let mut partitions = 0;
        for_each_partition(3, &mut |_, _| partitions += 1);
        assert_eq!(partitions, 5);
    }

    #[test]
    fn bad_jets_are_refused() {
        assert!(JetSet::new(&[vec![0, 2]], 2).is_err());
        assert!(JetSet::new(&[vec![0; 5]], 1).is_err());
        assert!(JetSet::new(&[vec![0; 4]], 1).is_ok());
    }
}
