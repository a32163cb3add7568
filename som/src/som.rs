//! [`SomConfig`] and the [`Som`] module: training and metrics.

use std::ops::Range;

use burn::config::Config;
use burn::module::{Module, Param};
use burn::prelude::*;
use burn::tensor::TensorData;
use rand::seq::SliceRandom;

use crate::backend::SomBackend;
use crate::distance::Distance;
use crate::error::SomError;
use crate::grid::{Grid, Topology};
use crate::host::{host, ints};
use crate::init::{self, Init};
use crate::limits;
use crate::neighborhood::Neighborhood;
use crate::schedule::{BatchTrainingConfig, OnlineTrainingConfig};
use crate::spec::MapSpec;
use crate::tensor_ops;

/// The shape of a map, its grid, neighbourhood and distance, and how to initialise it.
///
/// ```
/// use burn::backend::Flex;
/// use burnax_som::{Distance, Init, Neighborhood, SomConfig, Topology};
///
/// let som = SomConfig::new(24, 13, 3).with_seed(7).init::<Flex>(&Default::default());
/// assert_eq!(som.weights().dims(), [24 * 13, 3]);
///
/// let hex = SomConfig::new(10, 8, 3)
///     .with_topology(Topology::Hexagonal)
///     .with_toroidal(true)
///     .with_neighborhood(Neighborhood::Triangle)
///     .with_distance(Distance::Cosine);
/// assert_eq!(hex.grid().neighbours(0).len(), 6);
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct SomConfig {
    /// Units along x.
    pub width: usize,
    /// Units along y.
    pub height: usize,
    /// Dimension of the examples (and of every unit's weights).
    pub dim: usize,
    /// How to initialise the weights.
    #[config(default = "Init::Random")]
    pub init: Init,
    /// Seed of the initialisation and of the online example order.
    #[config(default = 0)]
    pub seed: u64,
    /// Rectangular or hexagonal grid ([`crate::grid`]).
    #[config(default = "Topology::Rectangular")]
    pub topology: Topology,
    /// Whether the map wraps around in both directions.
    #[config(default = false)]
    pub toroidal: bool,
    /// The neighbourhood function of training ([`crate::neighborhood`]).
    #[config(default = "Neighborhood::Gaussian")]
    pub neighborhood: Neighborhood,
    /// The distance that picks the best unit ([`crate::distance`]).
    #[config(default = "Distance::Euclidean")]
    pub distance: Distance,
}

impl SomConfig {
    /// Checks that the map has at least one unit and the examples at least one dimension, and
    /// that its size is within [`limits::check_map`] (no product of sizes wraps).
    ///
    /// # Errors
    /// [`SomError::Config`] naming the value.
    pub fn validate(&self) -> Result<(), SomError> {
        for (name, v) in [("width", self.width), ("height", self.height), ("dim", self.dim)] {
            if v == 0 {
                return Err(SomError::config(format!("{name} must be at least 1, got 0")));
            }
        }
        limits::check_map(self.width, self.height, self.dim)?;
        self.grid().validate()
    }

    /// The grid.
    ///
    /// # Panics
    /// If width or height is 0.
    pub fn grid(&self) -> Grid {
        Grid::new(self.width, self.height)
            .with_topology(self.topology)
            .with_toroidal(self.toroidal)
    }

    /// The grid, neighbourhood and distance.
    ///
    /// # Panics
    /// If width or height is 0.
    pub fn spec(&self) -> MapSpec {
        MapSpec {
            grid: self.grid(),
            neighborhood: self.neighborhood,
            distance: self.distance,
        }
    }

    /// A map with uniform random weights in `[0, 1)` ([`Init::Random`]).
    ///
    /// # Panics
    /// If the config is invalid or its `init` needs data (use [`SomConfig::init_with_data`]).
    #[track_caller]
    pub fn init<B: Backend>(&self, device: &B::Device) -> Som<B> {
        if let Err(e) = self.validate() {
            panic!("SomConfig::init: {e}");
        }
        assert_eq!(
            self.init,
            Init::Random,
            "SomConfig::init: init {:?} needs data: call init_with_data",
            self.init
        );
        let m = self.width * self.height;
        Som::from_host(
            self.spec(),
            init::random(m, self.dim, self.seed),
            self.dim,
            device,
        )
    }

    /// A map initialised as `self.init` says, from `data` (`[N, D]`) where it needs data.
    ///
    /// # Errors
    /// [`SomError::Config`] for an invalid config, [`SomError::Data`] if `data` is empty or its
    /// dimension is not `self.dim`.
    pub fn init_with_data<B: Backend>(&self, data: &Tensor<B, 2>) -> Result<Som<B>, SomError> {
        self.validate()?;
        check_data(data, self.dim)?;
        let device = data.device();
        let grid = self.grid();
        let w = match self.init {
            Init::Random => init::random(grid.units(), self.dim, self.seed),
            Init::Sample => init::sample(&host(data.clone()), self.dim, grid.units(), self.seed),
            Init::Pca => init::pca(&host(data.clone()), self.dim, grid),
        };
        // Random weights are in [0, 1) and sampled ones data rows; the PCA plane reaches a
        // standard deviation past the data's range.
        limits::check_values(&w, self.dim, "the PCA initial weights")?;
        Ok(Som::from_host(self.spec(), w, self.dim, &device))
    }

    /// A map with the given weights (`[width * height, dim]`, row `i = x * height + y`).
    ///
    /// # Errors
    /// [`SomError::Config`] for an invalid config, [`SomError::Data`] if the shape differs or a
    /// weight is not finite or beyond [`limits::max_abs_value`].
    pub fn init_with_weights<B: Backend>(&self, weights: Tensor<B, 2>) -> Result<Som<B>, SomError> {
        self.validate()?;
        let want = [self.width * self.height, self.dim];
        if weights.dims() != want {
            return Err(SomError::Data(format!(
                "initial weights have shape {:?}, the map needs {want:?} (width * height, dim)",
                weights.dims()
            )));
        }
        check_values(&weights, "initial weights")?;
        Ok(Som {
            weights: Param::from_tensor(weights),
            spec: self.spec(),
        })
    }
}

/// Whether some value of `t` is NaN or past [`limits::max_abs_value`] of its row length:
/// reduced on the tensor's device, one boolean read back.
fn out_of_bounds<B: Backend>(t: &Tensor<B, 2>) -> bool {
    t.clone()
        .abs()
        .lower_equal_elem(limits::max_abs_value(t.dims()[1]))
        .bool_not()
        .any()
        .into_scalar()
        .elem::<bool>()
}

/// [`limits::check_values`] on a tensor: reduced on its device, read back only to name a bad
/// value.
fn check_values<B: Backend>(t: &Tensor<B, 2>, what: &str) -> Result<(), SomError> {
    if out_of_bounds(t) {
        limits::check_values(&host(t.clone()), t.dims()[1], what)?;
    }
    Ok(())
}

/// The first stop after `t`: the next multiple of one of `every` (0s ignored), at most `end`.
fn next_stop(t: usize, end: usize, every: &[usize]) -> usize {
    every
        .iter()
        .filter(|&&k| k > 0)
        .map(|&k| (t / k + 1).saturating_mul(k))
        .fold(end, usize::min)
}

/// Errors if training took the weights `w` past [`limits::max_abs_value`] or made them NaN
/// (which the [`limits`] on data, clipping and schedules rule out: a last line of defence, so
/// that no weights a load would refuse reach a file); `when` names the epoch or step.
pub(crate) fn check_trained<B: Backend>(
    w: &Tensor<B, 2>,
    when: impl FnOnce() -> String,
) -> Result<(), SomError> {
    if out_of_bounds(w) {
        let bound = limits::max_abs_value(w.dims()[1]);
        return Err(SomError::Limit(format!(
            "{}: the weights became NaN or left the range f32 distances hold (|w| <= {bound:.2e}); \
             nothing was written for it",
            when()
        )));
    }
    Ok(())
}

/// Checks that `data` has at least one row, `dim` columns and only finite values within
/// [`limits::max_abs_value`].
pub(crate) fn check_data<B: Backend>(data: &Tensor<B, 2>, dim: usize) -> Result<(), SomError> {
    let [n, d] = data.dims();
    if n == 0 {
        return Err(SomError::Data("the data has no examples".into()));
    }
    if d != dim {
        return Err(SomError::Data(format!(
            "the data has dimension {d}, the map has dimension {dim}"
        )));
    }
    check_values(data, "the data")
}

/// The online visiting order: a fresh seeded permutation of the `n` examples per pass,
/// concatenated and cut to `steps` entries (as the peers' `example_order` does, with its own
/// generator). [`ExampleOrder`] gives the same entries one block at a time.
pub fn example_order(n: usize, steps: usize, seed: u64) -> Vec<usize> {
    ExampleOrder::new(n, seed).block(steps)
}

/// [`example_order`] as a stream: the same entries, generated as they are needed, so that a
/// run of any number of steps holds one pass (`n` indices) and the block it is training on.
///
/// ```
/// use burnax_som::{example_order, ExampleOrder};
///
/// let mut stream = ExampleOrder::new(7, 3);
/// stream.skip(5);
/// let mut tail = stream.block(10);
/// tail.extend(stream.block(15));
/// assert_eq!(tail, example_order(7, 30, 3)[5..]);
/// ```
#[derive(Clone, Debug)]
pub struct ExampleOrder {
    rng: rand_chacha::ChaCha8Rng,
    n: usize,
    pass: Vec<usize>,
    next: usize,
}

impl ExampleOrder {
    /// The order of [`example_order`]`(n, _, seed)` from its first entry.
    pub fn new(n: usize, seed: u64) -> Self {
        Self {
            rng: init::rng(seed),
            n,
            pass: Vec::new(),
            next: 0,
        }
    }

    /// Starts a new pass once the current one is used up; false if there are no examples.
    fn refill(&mut self) -> bool {
        if self.next == self.pass.len() {
            if self.n == 0 {
                return false;
            }
            self.pass.clear();
            self.pass.extend(0..self.n);
            self.pass.shuffle(&mut self.rng);
            self.next = 0;
        }
        true
    }

    /// The next `len` entries (fewer only if there are no examples).
    pub fn block(&mut self, len: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(len.min(1 << 20));
        while out.len() < len && self.refill() {
            let take = (len - out.len()).min(self.pass.len() - self.next);
            out.extend_from_slice(&self.pass[self.next..self.next + take]);
            self.next += take;
        }
        out
    }

    /// Passes over `steps` entries (shuffling the passes they span, as the generator must).
    pub fn skip(&mut self, mut steps: usize) {
        while steps > 0 && self.refill() {
            let take = steps.min(self.pass.len() - self.next);
            self.next += take;
            steps -= take;
        }
    }
}

/// Which example each step of online training uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order<'a> {
    /// Step `t` uses example `order[t]`.
    Given(&'a [usize]),
    /// [`example_order`] of this seed, generated block by block as training goes
    /// ([`ExampleOrder`]): memory stays bounded whatever the number of steps.
    Shuffled(u64),
}

/// Online steps handed to the backend at once: bounds the order's memory (8 MiB) whatever the
/// run's length; splitting steps into calls does not change the result.
const ORDER_BLOCK: usize = 1 << 20;

/// What a training callback learns after each epoch or chunk of steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Epochs (batch) or steps (online) done so far, counted from the start of the schedule.
    pub done: usize,
    /// Epochs or steps in the whole schedule.
    pub total: usize,
    /// Quantization error of the map the last epoch started from, where the backend computes
    /// it for free (batch on `Flex`); approximate, for display.
    pub quantization_error: Option<f64>,
}

/// A self-organizing map: a `width` x `height` grid of units, each with a weight vector.
///
/// Unit `i` sits at grid cell `(i / height, i % height)`.
///
/// # Training
/// - [`Som::train_batch`]: every epoch, `W_j = sum_i h(b_i, j) x_i / (sum_i h(b_i, j) + 1e-8)`
///   with `b_i` the best-matching unit of example `i` and `h` the separable Gaussian
///   neighbourhood `h(c, j) = exp(-(cx - jx)^2 / sx^2) exp(-(cy - jy)^2 / sy^2)`.
/// - [`Som::train_online`]: each step `w_j += alpha_t h(b, j) (x - w_j)`.
///
/// On `Flex` both run the fused CPU kernels of [`crate::cpu`]; elsewhere, Burn tensor ops
/// ([`crate::tensor_ops`]). The same seed gives bit-identical weights run after run.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax_som::{BatchTrainingConfig, SomConfig};
///
/// let device = Default::default();
/// let data = Tensor::<Flex, 2>::random([200, 3], burn::tensor::Distribution::Default, &device);
/// let mut som = SomConfig::new(10, 8, 3).init::<Flex>(&device);
/// // Random weights: neighbouring units are unrelated, so best and second-best units are
/// // rarely neighbours. Training orders the map.
/// assert!(som.topographic_error(&data) > 0.5);
/// som.train_batch(&data, &BatchTrainingConfig::new(10)).unwrap();
/// assert!(som.topographic_error(&data) < 0.1);
/// ```
#[derive(Module, Debug)]
pub struct Som<B: Backend> {
    /// Unit weights, `[width * height, dim]`.
    pub weights: Param<Tensor<B, 2>>,
    #[module(skip)]
    spec: MapSpec,
}

impl<B: Backend> Som<B> {
    pub(crate) fn from_host(spec: MapSpec, w: Vec<f32>, dim: usize, device: &B::Device) -> Self {
        let t = Tensor::from_data(TensorData::new(w, [spec.grid.units(), dim]), device);
        Self {
            weights: Param::from_tensor(t),
            spec,
        }
    }

    /// The grid.
    pub fn grid(&self) -> Grid {
        self.spec.grid
    }

    /// The grid, neighbourhood and distance.
    pub fn spec(&self) -> MapSpec {
        self.spec
    }

    /// Dimension of the weights.
    pub fn dim(&self) -> usize {
        self.weights.dims()[1]
    }

    /// The weights, `[width * height, dim]`.
    pub fn weights(&self) -> Tensor<B, 2> {
        self.weights.val()
    }

    /// The weights as row-major `f32`.
    pub fn weights_host(&self) -> Vec<f32> {
        host(self.weights())
    }

    fn set_weights(&mut self, w: Tensor<B, 2>) {
        self.weights = Param::from_tensor(w);
    }

    /// U-matrix: the mean Euclidean distance of each unit's weights to those of its grid
    /// neighbours ([`Grid::neighbours`]: 8 or 6, across the wrap on a torus), `[width, height]`
    /// (0 on a single-unit map).
    pub fn umatrix(&self) -> Tensor<B, 2> {
        let grid = self.grid();
        let (d, w) = (self.dim(), self.weights_host());
        let dist = |a: usize, b: usize| -> f32 {
            w[a * d..(a + 1) * d]
                .iter()
                .zip(&w[b * d..(b + 1) * d])
                .map(|(p, q)| (p - q) * (p - q))
                .sum::<f32>()
                .sqrt()
        };
        let mut u = Vec::with_capacity(grid.units());
        for i in 0..grid.units() {
            let neighbours = grid.neighbours(i);
            let sum: f32 = neighbours.iter().map(|&j| dist(i, j)).sum();
            u.push(if neighbours.is_empty() {
                0.0
            } else {
                sum / neighbours.len() as f32
            });
        }
        Tensor::from_data(
            TensorData::new(u, [grid.width, grid.height]),
            &self.weights.device(),
        )
    }
}

/// What [`Som::evaluate`] measures of a map on data.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The mean distance (in the map's [`Distance`]) from each example to its best unit.
    pub quantization_error: f64,
    /// The fraction of examples whose best and second-best units are not grid neighbours.
    pub topographic_error: f64,
    /// Each example's best unit.
    pub bmus: Vec<usize>,
    /// How many examples have each unit as best unit, in unit order.
    pub hits: Vec<u64>,
}

/// How many of `bmus` name each unit of `grid`.
fn hits(grid: Grid, bmus: &[usize]) -> Vec<u64> {
    let mut hits = vec![0; grid.units()];
    for &b in bmus {
        hits[b] += 1;
    }
    hits
}

impl<B: SomBackend> Som<B> {
    /// Best-matching unit of every row of `data` (`[N, dim]`) in the map's distance; ties go to
    /// the lowest index.
    ///
    /// # Panics
    /// If the dimension of `data` differs from the map's.
    #[track_caller]
    pub fn bmus(&self, data: &Tensor<B, 2>) -> Tensor<B, 1, Int> {
        self.assert_dim(data, "bmus");
        B::som_bmus(self.weights(), data.clone(), self.spec.distance)
    }

    #[track_caller]
    fn assert_dim(&self, data: &Tensor<B, 2>, what: &str) {
        assert_eq!(
            data.dims()[1],
            self.dim(),
            "Som::{what}: data has shape {:?}, the map has dimension {}",
            data.dims(),
            self.dim()
        );
    }

    /// Quantization error: the mean distance (in the map's [`Distance`]) from each example to
    /// its best unit (computed exactly from the formula, not from the search's scores).
    ///
    /// # Panics
    /// If the dimension of `data` differs from the map's, or `data` is empty.
    #[track_caller]
    pub fn quantization_error(&self, data: &Tensor<B, 2>) -> f64 {
        self.assert_dim(data, "quantization_error");
        let n = data.dims()[0];
        assert!(n > 0, "Som::quantization_error: data has no rows");
        self.mean_distance(data, self.bmus(data))
    }

    /// The mean of `dist(x_i, w_{b_i})` over the rows `x_i` of `data`, summed in `f64`.
    fn mean_distance(&self, data: &Tensor<B, 2>, b: Tensor<B, 1, Int>) -> f64 {
        let dist = self.spec.distance;
        let d = if dist == Distance::Euclidean {
            // The squared norms in f32 and their roots in f64, as before the other distances.
            let diff = data.clone() - self.weights().select(0, b);
            host(diff.square().sum_dim(1))
                .iter()
                .map(|&v| (v as f64).sqrt())
                .collect::<Vec<_>>()
        } else {
            let wb = self.weights().select(0, b);
            host(tensor_ops::row_distances(data.clone(), wb, dist).reshape([data.dims()[0], 1]))
                .iter()
                .map(|&v| v as f64)
                .collect()
        };
        d.iter().sum::<f64>() / data.dims()[0] as f64
    }

    /// The fraction of pairs `(b1_i, b2_i)` that are not grid neighbours.
    fn far_fraction(&self, b1: &[usize], b2: &[usize]) -> f64 {
        let grid = self.grid();
        let far = b1
            .iter()
            .zip(b2)
            .filter(|(a, b)| !grid.adjacent(**a, **b))
            .count();
        far as f64 / b1.len() as f64
    }

    /// Topographic error: the fraction of examples whose best and second-best units are not
    /// grid neighbours ([`Grid::adjacent`]: 8 on a rectangular grid, 6 on a hexagonal one,
    /// across the wrap on a torus).
    ///
    /// # Panics
    /// If the dimension of `data` differs from the map's, or `data` is empty.
    #[track_caller]
    pub fn topographic_error(&self, data: &Tensor<B, 2>) -> f64 {
        self.assert_dim(data, "topographic_error");
        let n = data.dims()[0];
        assert!(n > 0, "Som::topographic_error: data has no rows");
        let (b1, b2) = B::som_bmus2(self.weights(), data.clone(), self.spec.distance);
        self.far_fraction(&ints(b1), &ints(b2))
    }

    /// Hit map: how many examples have each unit as best unit, `[width, height]`.
    ///
    /// # Panics
    /// If the dimension of `data` differs from the map's.
    #[track_caller]
    pub fn hit_map(&self, data: &Tensor<B, 2>) -> Tensor<B, 2, Int> {
        let grid = self.grid();
        let hits: Vec<i32> = hits(grid, &ints(self.bmus(data)))
            .into_iter()
            .map(|h| h as i32)
            .collect();
        Tensor::from_data(TensorData::new(hits, [grid.width, grid.height]), &data.device())
    }

    /// The quantization and topographic errors and the best units of `data`, from one search
    /// for the two best units (the three separately search twice more): the same values as
    /// [`Som::quantization_error`], [`Som::topographic_error`] and [`Som::bmus`].
    ///
    /// # Panics
    /// If the dimension of `data` differs from the map's, or `data` is empty.
    #[track_caller]
    pub fn evaluate(&self, data: &Tensor<B, 2>) -> Evaluation {
        self.assert_dim(data, "evaluate");
        let n = data.dims()[0];
        assert!(n > 0, "Som::evaluate: data has no rows");
        let (b1, b2) = B::som_bmus2(self.weights(), data.clone(), self.spec.distance);
        let quantization_error = self.mean_distance(data, b1.clone());
        let (bmus, second) = (ints(b1), ints(b2));
        Evaluation {
            quantization_error,
            topographic_error: self.far_fraction(&bmus, &second),
            hits: hits(self.grid(), &bmus),
            bmus,
        }
    }

    /// Batch training for `cfg.epochs` epochs from the current weights.
    ///
    /// # Errors
    /// [`SomError::Config`] for an invalid `cfg` or a Mexican-hat neighbourhood (its negative
    /// ring makes the weighted mean's denominator vanish), [`SomError::Data`] for empty data, a
    /// dimension mismatch or values outside the [`limits`], [`SomError::Limit`] if the weights
    /// leave them.
    pub fn train_batch(&mut self, data: &Tensor<B, 2>, cfg: &BatchTrainingConfig) -> Result<(), SomError> {
        self.train_batch_with(data, cfg, 0..cfg.epochs, &[], |_, _| Ok(()))
    }

    /// Batch training of epochs `epochs` of the schedule `cfg` (use `k..cfg.epochs` to resume
    /// after `k` epochs), calling `on_epoch` after every epoch that is a multiple of one of
    /// `every` and after the last (`&[1]`: after each one); an error from it stops training.
    /// Between two such stops the backend runs the epochs as one call
    /// ([`SomBackend::som_batch_epochs`]: on a GPU, enqueued with nothing read back), and the
    /// weights are checked against the [`limits`] at each stop. How a run is split into calls
    /// and stops does not change its result.
    ///
    /// # Errors
    /// As [`Som::train_batch`], plus whatever `on_epoch` returns, and [`SomError::Config`] if
    /// `epochs` reaches past `cfg.epochs`; [`SomError::Limit`] if the weights leave the
    /// [`limits`] (the weights stay those of the last stop).
    pub fn train_batch_with(
        &mut self,
        data: &Tensor<B, 2>,
        cfg: &BatchTrainingConfig,
        epochs: Range<usize>,
        every: &[usize],
        mut on_epoch: impl FnMut(&Self, Progress) -> Result<(), SomError>,
    ) -> Result<(), SomError> {
        cfg.validate()?;
        self.spec.check_batch()?;
        check_data(data, self.dim())?;
        if epochs.end > cfg.epochs {
            return Err(SomError::config(format!(
                "epochs {epochs:?} reach past the schedule's {} epochs",
                cfg.epochs
            )));
        }
        let (grid, spec) = (self.grid(), self.spec);
        let mut e = epochs.start;
        while e < epochs.end {
            let stop = next_stop(e, epochs.end, every);
            let sigmas: Vec<_> = (e..stop).map(|k| cfg.sigma_at(grid, k)).collect();
            let (w, qe) = B::som_batch_epochs(self.weights(), data.clone(), spec, &sigmas);
            check_trained(&w, || format!("epoch {stop}"))?;
            self.set_weights(w);
            e = stop;
            on_epoch(
                self,
                Progress {
                    done: e,
                    total: cfg.epochs,
                    quantization_error: qe,
                },
            )?;
        }
        Ok(())
    }

    /// Online training for `cfg.steps` steps, visiting the examples in `order` (step `t` uses
    /// example `order[t]`), or in [`example_order`] with `seed` when `order` is `None`.
    ///
    /// # Errors
    /// As [`Som::train_batch`], [`SomError::Config`] for a clip range past the [`limits`], and
    /// [`SomError::Data`] if `order` is too short or names an example that does not exist.
    pub fn train_online(
        &mut self,
        data: &Tensor<B, 2>,
        cfg: &OnlineTrainingConfig,
        order: Option<&[usize]>,
        seed: u64,
    ) -> Result<(), SomError> {
        let order = order.map_or(Order::Shuffled(seed), Order::Given);
        self.train_online_with(data, cfg, order, 0..cfg.steps, &[], |_, _| Ok(()))
    }

    /// Online training of steps `steps` of the schedule `cfg` in the order `order`, calling
    /// `on_chunk` after every step that is a multiple of one of `every` and after the last. How
    /// a run is split into calls and chunks does not change its result.
    ///
    /// # Errors
    /// As [`Som::train_online`], plus whatever `on_chunk` returns, and [`SomError::Limit`] if
    /// the weights leave the [`limits`] (the weights stay those of the last good block).
    pub fn train_online_with(
        &mut self,
        data: &Tensor<B, 2>,
        cfg: &OnlineTrainingConfig,
        order: Order<'_>,
        steps: Range<usize>,
        every: &[usize],
        mut on_chunk: impl FnMut(&Self, Progress) -> Result<(), SomError>,
    ) -> Result<(), SomError> {
        cfg.validate()?;
        check_data(data, self.dim())?;
        if let Some(clip) = cfg.clip {
            let bound = limits::max_abs_value(self.dim());
            if clip.iter().any(|v| v.abs() > bound) {
                return Err(SomError::config(format!(
                    "clip {clip:?} reaches past {bound:.2e}, the largest weight f32 distances hold in dimension {}",
                    self.dim()
                )));
            }
        }
        let n = data.dims()[0];
        if steps.end > cfg.steps {
            return Err(SomError::config(format!(
                "steps {steps:?} reach past the schedule's {} steps",
                cfg.steps
            )));
        }
        let mut stream = match order {
            Order::Given(order) => {
                if order.len() < steps.end {
                    return Err(SomError::Data(format!(
                        "the example order has {} entries for {} steps",
                        order.len(),
                        steps.end
                    )));
                }
                if let Some((t, &i)) = order.iter().enumerate().find(|(_, &i)| i >= n) {
                    return Err(SomError::Data(format!(
                        "order[{t}] = {i}, but the data has {n} examples"
                    )));
                }
                None
            }
            Order::Shuffled(seed) => {
                let mut stream = ExampleOrder::new(n, seed);
                stream.skip(steps.start);
                Some(stream)
            }
        };
        let spec = self.spec;
        let mut t = steps.start;
        while t < steps.end {
            let stop = next_stop(t, steps.end, every);
            while t < stop {
                let end = stop.min(t.saturating_add(ORDER_BLOCK));
                let own;
                let block = match (&mut stream, order) {
                    (Some(stream), _) => {
                        own = stream.block(end - t);
                        &own[..]
                    }
                    (None, Order::Given(order)) => &order[t..end],
                    (None, Order::Shuffled(_)) => unreachable!("a shuffled order has its stream"),
                };
                let w = B::som_train_online(self.weights(), data.clone(), spec, cfg, block, t..end);
                check_trained(&w, || format!("step {end}"))?;
                self.set_weights(w);
                t = end;
            }
            on_chunk(
                self,
                Progress {
                    done: t,
                    total: cfg.steps,
                    quantization_error: None,
                },
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::Flex;

    use super::*;

    fn tensor(values: Vec<f32>, shape: [usize; 2]) -> Tensor<Flex, 2> {
        Tensor::from_data(TensorData::new(values, shape), &Default::default())
    }

    /// A run longer than one block of the streamed order gives the bits of one call to the CPU
    /// kernel over the materialised order.
    #[test]
    fn streamed_order_in_blocks_matches_one_call() {
        let (n, d, grid) = (10, 3, Grid::new(3, 2));
        let data: Vec<f32> = (0..n * d).map(|i| (i * 7 % 11) as f32 / 11.0).collect();
        let steps = ORDER_BLOCK + 1000;
        let cfg = OnlineTrainingConfig::new(steps);
        let config = SomConfig::new(3, 2, d).with_seed(4);
        let mut som = config.init::<Flex>(&Default::default());
        let mut want = som.weights_host();
        crate::cpu::online::train(
            &mut want,
            &data,
            d,
            grid.into(),
            &cfg,
            &example_order(n, steps, 4),
            0..steps,
        );
        let x = tensor(data, [n, d]);
        let mut calls = 0;
        som.train_online_with(&x, &cfg, Order::Shuffled(4), 0..steps, &[], |_, _| {
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(calls, 1, "one call back, at the end");
        assert_eq!(som.weights_host(), want);
    }

    /// Call backs land on every multiple of each interval and nowhere else: `7` and `10` share no
    /// factor, and the stops are their multiples' union (not every step, as a gcd would make them).
    #[test]
    fn call_backs_land_on_the_multiples() {
        let x = tensor((0..12).map(|v| v as f32 / 12.0).collect(), [4, 3]);
        let cfg = OnlineTrainingConfig::new(100);
        let mut som = SomConfig::new(2, 2, 3).init::<Flex>(&Default::default());
        let mut stops = Vec::new();
        som.train_online_with(&x, &cfg, Order::Shuffled(0), 3..100, &[7, 10], |_, p| {
            stops.push(p.done);
            Ok(())
        })
        .unwrap();
        let want: Vec<usize> = (4..=100)
            .filter(|t| t % 7 == 0 || t % 10 == 0 || *t == 100)
            .collect();
        assert_eq!(stops, want);
    }

    /// Weights that become NaN or leave the representable range are an error naming the step.
    #[test]
    fn weights_that_stop_being_finite_are_an_error() {
        let w = tensor(vec![0.5, f32::NAN], [1, 2]);
        let e = check_trained(&w, || "epoch 3".into()).unwrap_err().to_string();
        assert!(e.starts_with("epoch 3: the weights became NaN"), "{e}");
        assert!(check_trained(&tensor(vec![0.5, 1e30], [1, 2]), || "step 9".into()).is_err());
        assert!(check_trained(&tensor(vec![0.5, 1e18], [1, 2]), || unreachable!()).is_ok());
    }
}
