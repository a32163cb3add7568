//! [`MapSpec`]: what a map is besides its weights.

use serde::{Deserialize, Serialize};

use crate::distance::Distance;
use crate::error::SomError;
use crate::grid::Grid;
use crate::neighborhood::Neighborhood;

/// Where the units are ([`Grid`]), how a best unit pulls the others ([`Neighborhood`]), and
/// how an example finds its best unit ([`Distance`]). A plain [`Grid`] converts to the
/// playbook's map: Gaussian neighbourhood, Euclidean distance.
///
/// ```
/// use burnax_som::{Distance, Grid, MapSpec, Neighborhood};
///
/// let spec = MapSpec::from(Grid::new(10, 8)).with_neighborhood(Neighborhood::Bubble);
/// assert_eq!((spec.neighborhood, spec.distance), (Neighborhood::Bubble, Distance::Euclidean));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MapSpec {
    /// The grid of units.
    pub grid: Grid,
    /// The neighbourhood function of training.
    pub neighborhood: Neighborhood,
    /// The distance of the search.
    pub distance: Distance,
}

impl MapSpec {
    /// The same map with neighbourhood `neighborhood`.
    pub fn with_neighborhood(self, neighborhood: Neighborhood) -> Self {
        Self { neighborhood, ..self }
    }

    /// The same map with distance `distance`.
    pub fn with_distance(self, distance: Distance) -> Self {
        Self { distance, ..self }
    }

    /// Checks that batch training can run on this map: not with the Mexican hat.
    ///
    /// # Errors
    /// [`SomError::Config`] naming the neighbourhood and the ones that work.
    pub fn check_batch(&self) -> Result<(), SomError> {
        if self.neighborhood.separable() {
            return Ok(());
        }
        Err(SomError::config(format!(
            "the {} neighbourhood is for online training only: in a batch epoch its negative ring can make the weighted mean's denominator vanish (use gaussian, bubble or triangle)",
            self.neighborhood.name()
        )))
    }

    /// Whether this is the playbook's map (flat, rectangular, Gaussian, Euclidean): the one
    /// every fast path runs fused.
    pub fn is_playbook(&self) -> bool {
        !self.grid.toroidal
            && self.grid.topology == crate::grid::Topology::Rectangular
            && self.neighborhood == Neighborhood::Gaussian
            && self.distance == Distance::Euclidean
    }
}

impl From<Grid> for MapSpec {
    fn from(grid: Grid) -> Self {
        Self {
            grid,
            neighborhood: Neighborhood::Gaussian,
            distance: Distance::Euclidean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Topology;

    #[test]
    fn the_builders_set_their_field() {
        let spec = MapSpec::from(Grid::new(3, 2));
        for hood in Neighborhood::ALL {
            assert_eq!(spec.with_neighborhood(hood).neighborhood, hood);
        }
        for dist in Distance::ALL {
            assert_eq!(spec.with_distance(dist).distance, dist);
        }
    }

    /// Only the flat rectangular Gaussian Euclidean map is the playbook's: any one change makes
    /// another map (which the fast paths run in their general form).
    #[test]
    fn only_the_playbook_s_map_is_the_playbook_s() {
        let grid = Grid::new(3, 2);
        let spec = MapSpec::from(grid);
        assert!(spec.is_playbook());
        let others = [
            MapSpec::from(grid.with_topology(Topology::Hexagonal)),
            MapSpec::from(grid.with_toroidal(true)),
            spec.with_neighborhood(Neighborhood::Bubble),
            spec.with_distance(Distance::Cosine),
        ];
        for other in others {
            assert!(!other.is_playbook(), "{other:?}");
        }
    }
}
