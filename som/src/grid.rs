//! The grid of units: where each unit sits, how far apart two units are, and which units are
//! neighbours (the neighbourhood function is in [`crate::neighborhood`]).
//!
//! Unit `i` is grid cell `(x, y) = (i / height, i % height)`, so `i = x * height + y` (the
//! playbook's `divmod(bmu, ydim)`). Its position in the plane is
//!
//! - rectangular: `(x, y)`;
//! - hexagonal: `(x + 0.5 * (y mod 2), y * sqrt(3) / 2)`: odd rows (odd `y`) shifted by half a
//!   unit, so that each unit has six neighbours at distance 1.
//!
//! The position difference of two units is `(dx, dy)`, taken as absolute values. On a torus
//! ([`Grid::toroidal`]) it wraps: `dx = min(|dx|, width - |dx|)` and `dy = min(|dy|, P - |dy|)`
//! with the period `P = height` (rectangular) or `height * sqrt(3) / 2` (hexagonal, which tiles
//! only with an even height).

use serde::{Deserialize, Serialize};

use crate::error::SomError;

/// How units are laid out in the plane. See the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Topology {
    /// Unit `(x, y)` at `(x, y)`: 8 neighbours (the topographic error's and U-matrix's).
    #[default]
    Rectangular,
    /// Unit `(x, y)` at `(x + 0.5 * (y mod 2), y * sqrt(3) / 2)`: 6 neighbours at distance 1.
    Hexagonal,
}

impl Topology {
    /// Every topology, in the order the docs list them.
    pub const ALL: [Topology; 2] = [Topology::Rectangular, Topology::Hexagonal];

    /// The name the CLI and the model files use: `rectangular` or `hexagonal`.
    pub fn name(self) -> &'static str {
        match self {
            Topology::Rectangular => "rectangular",
            Topology::Hexagonal => "hexagonal",
        }
    }

    /// The topology called `name` ([`Topology::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The y distance between neighbouring rows of a hexagonal grid, `sqrt(3) / 2`.
pub const HEX_ROW: f64 = 0.866_025_403_784_438_6;

/// A `width` x `height` grid of units, rectangular or hexagonal, flat or toroidal.
///
/// ```
/// use burnax_som::{Grid, Topology};
///
/// let hex = Grid::new(6, 4).with_topology(Topology::Hexagonal).with_toroidal(true);
/// // Unit 1 is (0, 1), an odd row: shifted right by half a unit.
/// assert_eq!(hex.position(1), (0.5, burnax_som::grid::HEX_ROW));
/// // Units (0, 0) and (5, 0) touch across the wrap.
/// assert!(hex.adjacent(0, 5 * 4));
/// assert_eq!(hex.neighbours(0).len(), 6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grid {
    /// Number of units along x (the playbook's `xdim`).
    pub width: usize,
    /// Number of units along y (the playbook's `ydim`).
    pub height: usize,
    /// Rectangular or hexagonal.
    #[serde(default)]
    pub topology: Topology,
    /// Whether the map wraps around in both directions (a torus).
    #[serde(default)]
    pub toroidal: bool,
}

impl Grid {
    /// A flat rectangular grid of `width` x `height` units.
    ///
    /// # Panics
    /// If `width` or `height` is zero.
    #[track_caller]
    pub fn new(width: usize, height: usize) -> Self {
        assert!(
            width > 0 && height > 0,
            "Grid::new: width and height must be at least 1, got width = {width}, height = {height}"
        );
        Self {
            width,
            height,
            topology: Topology::Rectangular,
            toroidal: false,
        }
    }

    /// The same grid with topology `topology`.
    pub fn with_topology(self, topology: Topology) -> Self {
        Self { topology, ..self }
    }

    /// The same grid, wrapping around (`true`) or flat.
    pub fn with_toroidal(self, toroidal: bool) -> Self {
        Self { toroidal, ..self }
    }

    /// Checks what the sizes alone cannot: a hexagonal torus needs an even height (odd and even
    /// rows alternate across the wrap).
    ///
    /// # Errors
    /// [`SomError::Config`] naming the height.
    pub fn validate(&self) -> Result<(), SomError> {
        if self.topology == Topology::Hexagonal && self.toroidal && self.height % 2 == 1 {
            return Err(SomError::config(format!(
                "a toroidal hexagonal map needs an even height (its rows alternate across the wrap), got height {}",
                self.height
            )));
        }
        Ok(())
    }

    /// Number of units, `width * height`.
    pub fn units(&self) -> usize {
        self.width * self.height
    }

    /// Grid cell `(x, y)` of unit `i`.
    pub fn coords(&self, i: usize) -> (usize, usize) {
        (i / self.height, i % self.height)
    }

    /// The x shift of grid row `y` (the units with that `y`): `0.5 * (y mod 2)` on a hexagonal
    /// grid, else 0.
    pub fn x_shift(&self, y: usize) -> f64 {
        match self.topology {
            Topology::Rectangular => 0.0,
            Topology::Hexagonal => 0.5 * (y % 2) as f64,
        }
    }

    /// Classes of grid rows whose units share their x positions: 1, or 2 on a hexagonal grid
    /// (even and odd `y`), class `y % row_classes()`.
    pub fn row_classes(&self) -> usize {
        match self.topology {
            Topology::Rectangular => 1,
            Topology::Hexagonal => 2,
        }
    }

    /// The y distance between neighbouring rows: 1, or [`HEX_ROW`] on a hexagonal grid.
    pub fn row_step(&self) -> f64 {
        match self.topology {
            Topology::Rectangular => 1.0,
            Topology::Hexagonal => HEX_ROW,
        }
    }

    /// Position of unit `i` in the plane (see the [module docs](self)).
    pub fn position(&self, i: usize) -> (f64, f64) {
        let (x, y) = self.coords(i);
        (x as f64 + self.x_shift(y), y as f64 * self.row_step())
    }

    /// `|d|` along x, wrapped on a torus: `min(|d|, width - |d|)`.
    pub fn wrap_x(&self, d: f64) -> f64 {
        wrap(d.abs(), self.width as f64, self.toroidal)
    }

    /// `|d|` along y (in positions, not rows), wrapped on a torus with the period `height *`
    /// [`Grid::row_step`].
    pub fn wrap_y(&self, d: f64) -> f64 {
        wrap(d.abs(), self.height as f64 * self.row_step(), self.toroidal)
    }

    /// `(|dx|, |dy|)` between units `a` and `b`, wrapped on a torus.
    pub fn delta(&self, a: usize, b: usize) -> (f64, f64) {
        let ((ax, ay), (bx, by)) = (self.position(a), self.position(b));
        (self.wrap_x(ax - bx), self.wrap_y(ay - by))
    }

    /// Whether units `a` and `b` are the same or neighbours (the topographic error's
    /// adjacency): 8-neighbours on a rectangular grid, the 6 units at distance 1 on a hexagonal
    /// one, across the wrap on a torus.
    pub fn adjacent(&self, a: usize, b: usize) -> bool {
        let (dx, dy) = self.delta(a, b);
        match self.topology {
            Topology::Rectangular => dx <= 1.0 && dy <= 1.0,
            // Neighbours are at distance 1, the next ring at sqrt(3): 1.5 separates them with
            // room for the rounding of sqrt(3) / 2.
            Topology::Hexagonal => dx * dx + dy * dy <= 1.5,
        }
    }

    /// The units adjacent to `i` ([`Grid::adjacent`]), `i` itself excluded, in index order
    /// (on a small torus a unit that touches `i` on two sides counts once).
    pub fn neighbours(&self, i: usize) -> Vec<usize> {
        let (x, y) = self.coords(i);
        let mut out = Vec::with_capacity(8);
        // Every neighbour is at most one cell away along each axis (mod the size on a torus).
        let step = |v: usize, o: isize, n: usize| {
            let s = v as isize + o;
            match (self.toroidal, (0..n as isize).contains(&s)) {
                (_, true) => Some(s as usize),
                (true, false) => Some(s.rem_euclid(n as isize) as usize),
                (false, false) => None,
            }
        };
        for ox in [-1, 0, 1] {
            for oy in [-1, 0, 1] {
                let (Some(nx), Some(ny)) = (step(x, ox, self.width), step(y, oy, self.height)) else {
                    continue;
                };
                let j = nx * self.height + ny;
                if j != i && self.adjacent(i, j) && !out.contains(&j) {
                    out.push(j);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The default initial neighbourhood radii: half the grid along each axis (at least 1).
    pub fn default_sigma(&self) -> [f64; 2] {
        [
            (self.width as f64 / 2.0).max(1.0),
            (self.height as f64 / 2.0).max(1.0),
        ]
    }
}

/// `d` (non-negative, at most `period`) wrapped: `min(d, period - d)` on a torus.
fn wrap(d: f64, period: f64, toroidal: bool) -> f64 {
    if toroidal {
        d.min(period - d)
    } else {
        d
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
        assert_eq!(g.neighbours(c).len(), 8);
        assert_eq!(g.neighbours(0), [1, 5, 6], "a corner has 3");
    }

    #[test]
    fn hexagonal_units_have_six_neighbours_at_distance_one() {
        let g = Grid::new(7, 6).with_topology(Topology::Hexagonal);
        for c in [2 * 6 + 2, 3 * 6 + 3] {
            let n = g.neighbours(c);
            assert_eq!(n.len(), 6, "unit {c}: {n:?}");
            for j in n {
                let (dx, dy) = g.delta(c, j);
                assert!((dx * dx + dy * dy - 1.0).abs() < 1e-12, "{c} -> {j}: {dx}, {dy}");
            }
        }
        // (3, 3) is an odd row, shifted right: its diagonal neighbours are x = 3 and 4 in rows
        // 2 and 4; (2, 2), an even row, has them at x = 1 and 2.
        let at = |x: usize, y: usize| x * 6 + y;
        assert_eq!(
            g.neighbours(at(3, 3)),
            [at(2, 3), at(3, 2), at(3, 4), at(4, 2), at(4, 3), at(4, 4)]
        );
        assert_eq!(
            g.neighbours(at(2, 2)),
            [at(1, 1), at(1, 2), at(1, 3), at(2, 1), at(2, 3), at(3, 2)]
        );
    }

    #[test]
    fn a_torus_wraps_both_ways() {
        let g = Grid::new(5, 4).with_toroidal(true);
        let at = |x: usize, y: usize| x * 4 + y;
        assert_eq!(g.delta(at(0, 0), at(4, 3)), (1.0, 1.0));
        assert!(g.adjacent(at(0, 0), at(4, 3)));
        assert_eq!(g.neighbours(at(0, 0)).len(), 8);
        let hex = g.with_topology(Topology::Hexagonal);
        let (dx, dy) = hex.delta(at(0, 0), at(0, 3));
        // Rows 0 and 3 are neighbours across the wrap: dy = 4 * sqrt(3)/2 - 3 * sqrt(3)/2.
        assert!(
            (dx - 0.5).abs() < 1e-12 && (dy - HEX_ROW).abs() < 1e-12,
            "{dx}, {dy}"
        );
        assert!(hex
            .neighbours(at(0, 0))
            .iter()
            .all(|&j| hex.adjacent(at(0, 0), j)));
        assert_eq!(hex.neighbours(at(0, 0)).len(), 6);
    }

    #[test]
    fn a_small_torus_counts_each_neighbour_once() {
        let g = Grid::new(2, 3).with_toroidal(true);
        assert_eq!(g.neighbours(0), [1, 2, 3, 4, 5]);
        assert_eq!(
            Grid::new(1, 1).with_toroidal(true).neighbours(0),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn a_hexagonal_torus_needs_an_even_height() {
        let g = Grid::new(4, 3).with_topology(Topology::Hexagonal);
        assert!(g.validate().is_ok());
        let err = g.with_toroidal(true).validate().unwrap_err().to_string();
        assert!(err.contains("even height") && err.contains("height 3"), "{err}");
        assert!(g
            .with_toroidal(true)
            .with_topology(Topology::Rectangular)
            .validate()
            .is_ok());
    }

    #[test]
    fn names_round_trip() {
        for t in Topology::ALL {
            assert_eq!(Topology::from_name(t.name()), Some(t));
        }
        assert_eq!(HEX_ROW, 3f64.sqrt() / 2.0);
    }

    #[test]
    #[should_panic(expected = "width = 0")]
    fn zero_width_panics() {
        Grid::new(0, 3);
    }
}
