//! Class labels on a trained map: how many examples of each class land on each unit
//! (MiniSom's `labels_map`), each unit's majority class and its purity.
//!
//! For unit `u` with `n_u` examples, `c_u(k)` of them of class `k`:
//!
//! - majority class `argmax_k c_u(k)` (the first class in name order on a tie), none when
//!   `n_u = 0`;
//! - purity `max_k c_u(k) / n_u`;
//! - the map's purity `sum_u max_k c_u(k) / N`: the share of the `N` examples whose class is
//!   their unit's majority class (1 when every unit holds one class).
//!
//! ```
//! use burnax_som::labels::LabelsMap;
//!
//! let labels: Vec<String> = ["cat", "dog", "cat", "cat"].map(String::from).to_vec();
//! let map = LabelsMap::new(3, &[0, 0, 2, 2], &labels);
//! assert_eq!(map.classes(), ["cat", "dog"]);
//! assert_eq!(map.majority(0), Some(0)); // a tie between cat and dog: cat, first by name
//! assert_eq!(map.purity(0), Some(0.5));
//! assert_eq!(map.majority(1), None); // no example landed there
//! assert_eq!(map.purity(2), Some(1.0));
//! assert_eq!(map.purity_of_map(), 0.75);
//! ```

use std::collections::BTreeSet;

use crate::grid::Grid;

/// Per unit and class, how many examples landed there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelsMap {
    /// Class names, sorted.
    classes: Vec<String>,
    units: usize,
    /// `units x classes` counts, row-major.
    counts: Vec<u64>,
}

impl LabelsMap {
    /// Counts `labels[i]` on unit `bmus[i]` for every example `i`, over a map of `units` units.
    ///
    /// # Panics
    /// If `bmus` and `labels` differ in length, or a unit is out of range.
    pub fn new(units: usize, bmus: &[usize], labels: &[String]) -> Self {
        assert_eq!(
            bmus.len(),
            labels.len(),
            "LabelsMap::new: {} best units for {} labels",
            bmus.len(),
            labels.len()
        );
        let classes: Vec<String> = labels
            .iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .cloned()
            .collect();
        let k = classes.len();
        let mut counts = vec![0u64; units * k];
        for (&u, label) in bmus.iter().zip(labels) {
            assert!(u < units, "LabelsMap::new: unit {u} of a map of {units}");
            let class = classes.binary_search(label).expect("every label is a class");
            counts[u * k + class] += 1;
        }
        Self {
            classes,
            units,
            counts,
        }
    }

    /// The classes, sorted by name; a class's index is its position here.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.units
    }

    /// Examples of each class on `unit`, in [`LabelsMap::classes`] order.
    ///
    /// # Panics
    /// If `unit` is out of range.
    pub fn counts(&self, unit: usize) -> &[u64] {
        let k = self.classes.len();
        &self.counts[unit * k..(unit + 1) * k]
    }

    /// Examples on `unit`, of any class.
    pub fn hits(&self, unit: usize) -> u64 {
        self.counts(unit).iter().sum()
    }

    /// The class most examples on `unit` have (the first by name on a tie); `None` if none
    /// landed there.
    pub fn majority(&self, unit: usize) -> Option<usize> {
        let counts = self.counts(unit);
        let best = counts.iter().copied().max().filter(|&c| c > 0)?;
        counts.iter().position(|&c| c == best)
    }

    /// The share of `unit`'s examples that are of its majority class; `None` if none landed
    /// there.
    pub fn purity(&self, unit: usize) -> Option<f64> {
        let class = self.majority(unit)?;
        Some(self.counts(unit)[class] as f64 / self.hits(unit) as f64)
    }

    /// The share of all examples whose class is their unit's majority class (0 without
    /// examples).
    pub fn purity_of_map(&self) -> f64 {
        let units = 0..self.units();
        let majority: u64 = units
            .clone()
            .filter_map(|u| self.majority(u).map(|c| self.counts(u)[c]))
            .sum();
        let total: u64 = units.map(|u| self.hits(u)).sum();
        if total == 0 {
            0.0
        } else {
            majority as f64 / total as f64
        }
    }

    /// The map as CSV: one row per unit, `unit,x,y,hits,majority,purity` and one count column
    /// per class (named by the class); `majority` and `purity` are empty on a unit no example
    /// landed on.
    ///
    /// # Panics
    /// If `grid` has another number of units.
    pub fn csv_bytes(&self, grid: Grid) -> Vec<u8> {
        assert_eq!(grid.units(), self.units(), "LabelsMap::csv_bytes: {grid:?}");
        let mut w = ::csv::Writer::from_writer(Vec::new());
        let head = ["unit", "x", "y", "hits", "majority", "purity"];
        let header = head
            .iter()
            .map(|s| s.to_string())
            .chain(self.classes.iter().cloned());
        w.write_record(header).expect("writing to memory");
        for u in 0..self.units() {
            let (x, y) = grid.coords(u);
            let majority = self
                .majority(u)
                .map_or(String::new(), |c| self.classes[c].clone());
            let purity = self.purity(u).map_or(String::new(), |p| p.to_string());
            let fixed = [
                u.to_string(),
                x.to_string(),
                y.to_string(),
                self.hits(u).to_string(),
                majority,
                purity,
            ];
            let record = fixed
                .into_iter()
                .chain(self.counts(u).iter().map(|c| c.to_string()));
            w.write_record(record).expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Counts, majorities and purities against a hand count of a small case.
    #[test]
    fn counts_majorities_and_purities() {
        // Units 0..4: unit 0 gets b, a, b; unit 1 nothing; unit 2 c; unit 3 a, c.
        let bmus = [0, 0, 2, 3, 0, 3];
        let labels = strings(&["b", "a", "c", "a", "b", "c"]);
        let map = LabelsMap::new(4, &bmus, &labels);
        assert_eq!(map.classes(), strings(&["a", "b", "c"]));
        assert_eq!(map.units(), 4);
        assert_eq!(map.counts(0), [1, 2, 0]);
        assert_eq!(map.counts(1), [0, 0, 0]);
        assert_eq!((map.hits(0), map.hits(1), map.hits(3)), (3, 0, 2));
        assert_eq!(
            (0..4).map(|u| map.majority(u)).collect::<Vec<_>>(),
            [Some(1), None, Some(2), Some(0)],
            "unit 3 ties a and c: a"
        );
        assert_eq!(map.purity(0), Some(2.0 / 3.0));
        assert_eq!(map.purity(1), None);
        assert_eq!(map.purity(3), Some(0.5));
        // 2 (unit 0) + 1 (unit 2) + 1 (unit 3) of 6.
        assert_eq!(map.purity_of_map(), 4.0 / 6.0);
        let text = String::from_utf8(map.csv_bytes(Grid::new(2, 2))).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "unit,x,y,hits,majority,purity,a,b,c");
        assert_eq!(lines[1], format!("0,0,0,3,b,{},1,2,0", 2.0 / 3.0));
        assert_eq!(lines[2], "1,0,1,0,,,0,0,0");
        assert_eq!(lines[4], "3,1,1,2,a,0.5,1,0,1");
    }

    #[test]
    fn no_examples_give_an_empty_map() {
        let map = LabelsMap::new(3, &[], &[]);
        assert_eq!(
            (map.classes().len(), map.units(), map.purity_of_map()),
            (0, 3, 0.0)
        );
        assert_eq!((map.hits(2), map.majority(2), map.purity(2)), (0, None, None));
    }
}
