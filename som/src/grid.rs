//! The rectangular grid of units (its neighbourhood function is in [`crate::neighborhood`]).

use serde::{Deserialize, Serialize};

/// A rectangular `width` x `height` grid of units.
///
/// Unit `i` sits at grid cell `(x, y) = (i / height, i % height)`, so `i = x * height + y`: the
/// playbook's `divmod(bmu, ydim)`. Weight matrices have one row per unit in that order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grid {
    /// Number of units along x (the playbook's `xdim`).
    pub width: usize,
    /// Number of units along y (the playbook's `ydim`).
    pub height: usize,
}

impl Grid {
    /// A grid of `width` x `height` units.
    ///
    /// # Panics
    /// If `width` or `height` is zero.
    #[track_caller]
    pub fn new(width: usize, height: usize) -> Self {
        assert!(
            width > 0 && height > 0,
            "Grid::new: width and height must be at least 1, got width = {width}, height = {height}"
        );
        Self { width, height }
    }

    /// Number of units, `width * height`.
    pub fn units(&self) -> usize {
        self.width * self.height
    }

    /// Grid cell `(x, y)` of unit `i`.
    pub fn coords(&self, i: usize) -> (usize, usize) {
        (i / self.height, i % self.height)
    }

    /// Whether units `a` and `b` are the same or 8-neighbours (the topographic-error adjacency).
    pub fn adjacent(&self, a: usize, b: usize) -> bool {
        let (ax, ay) = self.coords(a);
        let (bx, by) = self.coords(b);
        ax.abs_diff(bx) <= 1 && ay.abs_diff(by) <= 1
    }

    /// The default initial neighbourhood radii: half the grid along each axis (at least 1).
    pub fn default_sigma(&self) -> [f64; 2] {
        [
            (self.width as f64 / 2.0).max(1.0),
            (self.height as f64 / 2.0).max(1.0),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_index_matches_divmod() {
        let g = Grid::new(4, 3);
        assert_eq!(g.coords(0), (0, 0));
        assert_eq!(g.coords(5), (1, 2));
        assert_eq!(g.coords(11), (3, 2));
    }

    #[test]
    fn adjacency_is_the_8_neighbourhood() {
        let g = Grid::new(5, 5);
        let c = 2 * 5 + 2;
        let neighbours = (0..25).filter(|&j| g.adjacent(c, j)).count();
        assert_eq!(neighbours, 9, "centre, 4 edge and 4 diagonal neighbours");
        assert!(!g.adjacent(0, 2 * 5));
    }

    #[test]
    #[should_panic(expected = "width = 0")]
    fn zero_width_panics() {
        Grid::new(0, 3);
    }
}
