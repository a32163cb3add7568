//! Self-organizing maps on [Burn](https://burn.dev): batch and online training and metrics. The
//! fastest path on the CPU is a set of fused kernels, on NVIDIA and wgpu GPUs a set of CubeCL
//! kernels; every other Burn backend runs the same algorithm with tensor ops. The `som`
//! command-line tool is built on this library in its own package, `burnax-som-cli` (`som/cli`),
//! so the library depends on no CLI crates.
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax_som::{BatchTrainingConfig, SomConfig};
//!
//! let device = Default::default();
//! // The playbook's colours: 1000 random RGB triples.
//! let colours = Tensor::<Flex, 2>::random([1000, 3], burn::tensor::Distribution::Default, &device);
//! let mut som = SomConfig::new(24, 13, 3).with_seed(1).init::<Flex>(&device);
//! som.train_batch(&colours, &BatchTrainingConfig::new(20)).unwrap();
//! println!("QE {:.4}, TE {:.4}", som.quantization_error(&colours), som.topographic_error(&colours));
//! ```
//!
//! # The map and the math
//!
//! A [`Grid`] of `width` x `height` units; unit `i` is cell `(x, y) = (i / height, i % height)`
//! and holds a weight row `w_i` of [`Som::weights`] (`[width * height, dim]`). By default the
//! map is the playbook's: a flat rectangular grid, and the neighbourhood of a unit `c` the
//! separable Gaussian (no factor 2)
//!
//! `h(c, j) = exp(-(cx - jx)^2 / sx^2) * exp(-(cy - jy)^2 / sy^2)`
//!
//! with the Euclidean distance picking best units. [`SomConfig`] chooses otherwise (a
//! [`MapSpec`]): a hexagonal grid and a torus ([`grid`]: positions `(x + 0.5 (y mod 2), y
//! sqrt(3) / 2)`, differences wrapped), the bubble, triangle and Mexican-hat neighbourhoods
//! ([`neighborhood`]) and the Manhattan, Chebyshev and cosine distances ([`distance`]), each
//! module with its formulas. Every path runs every map, the GPU's CubeCL kernels included.
//!
//! - **Batch** ([`Som::train_batch`], schedule [`BatchTrainingConfig`]): each epoch, with `b_i`
//!   the best-matching unit of example `x_i`,
//!   `W_j = sum_i h(b_i, j) x_i / (sum_i h(b_i, j) + 1e-8)`, computed without any `N x M x D`
//!   or `N x M` tensor: best units by `argmin_j |w_j|^2 - 2 x.w_j`, per-unit sums `S` and
//!   counts `C`, then `num = Hx S Hy^T` and `den = Hx C Hy^T` (two small GEMMs per epoch).
//! - **Online** ([`Som::train_online`], schedule [`OnlineTrainingConfig`]): each step,
//!   `w_j += alpha_t h(b, j) (x - w_j)`, optionally clipped.
//! - **Metrics**: [`Som::quantization_error`] (in the map's distance),
//!   [`Som::topographic_error`] (8 neighbours, 6 on a hexagonal grid), [`Som::umatrix`],
//!   [`Som::hit_map`], [`Som::bmus`].
//!
//! # Backends and the fast path
//!
//! [`Som`] works on any backend implementing [`SomBackend`]. On `Flex` (Burn's pure-Rust CPU
//! backend, the default) training and search run the fused kernels of [`cpu`]: tiled,
//! SIMD written once and dispatched at run time (AVX-512, AVX2+FMA, NEON, a scalar body
//! elsewhere), multi-threaded, deterministic. On Burn's
//! CubeCL backends (`Wgpu`, `Cuda`, features `wgpu` and `cuda`) they run the GPU kernels of
//! `kernel` (fused search, stable per-unit sums, separable smoothing, a persistent online
//! kernel; see `gpu` for the launch geometry, and `gpu::SearchPrecision` for an opt-in TF32/BF16
//! search on tensor cores, for long rows only). Other backends use [`tensor_ops`]. [`reference`](mod@reference) is the slow `f64` oracle both are tested against.
//! Every fast path takes the neighbourhood and its constants from [`neighborhood`]; the
//! reference writes its own.
//! [`device::DeviceKind`] chooses a device by name and probes it (the CLI's, the tutorials' and
//! the benches' `--device`).
//!
//! | feature | what it enables |
//! |---|---|
//! | `flex` (default) | the `Flex` CPU backend and its fused kernels |
//! | `wgpu` | `Wgpu` with the CubeCL kernels of `kernel` (Vulkan, Metal, DX12; Mesa's software Vulkan in CI) |
//! | `cuda` | `Cuda` with the same kernels (builds without a CUDA toolkit; runs on NVIDIA GPUs) |
//! | `autotune` | Burn's autotuning on the CubeCL backends |
//!
//! # Files
//!
//! [`io`] reads CSV and NPY data with errors that name the file, line and value; [`model`]
//! stores a map with its config and training state as safetensors (readable from Python);
//! every write is atomic; [`limits`] says which sizes and values are accepted (checked before
//! any work, with a memory ceiling); [`checkpoint`] is the training loop that saves a model file as it goes
//! and resumes from one, bit for bit. [`labels`] counts class labels per unit (a labels map,
//! majority classes, purity). [`normalize`] rescales features (z-scores, min-max) and stores
//! the fit with the model.
//!
//! # Across ranks
//!
//! [`distributed`] trains in batch mode with the rows split over ranks (threads, or processes
//! under `mpirun` through `burnax_comm::Mpi`), each reading only its rows
//! ([`io::read_matrix_rows`]): the weights are the bits one process would compute, for any
//! number of ranks.
#![warn(missing_docs)]

pub mod backend;
pub mod checkpoint;
pub mod cpu;
pub mod device;
pub mod distance;
pub mod distributed;
pub mod error;
#[cfg(any(feature = "wgpu", feature = "cuda"))]
pub mod gpu;
pub mod grid;
mod host;
pub mod init;
pub mod io;
pub mod labels;
// `#[cube]` generates launch modules and expand structs without docs.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
#[allow(missing_docs)]
pub mod kernel;
pub mod limits;
pub mod model;
pub mod neighborhood;
pub mod normalize;
pub mod reference;
pub mod render;
pub mod schedule;
pub mod som;
pub mod spec;
pub mod tensor_ops;

pub use backend::SomBackend;
pub use distance::Distance;
pub use error::SomError;
pub use grid::{Grid, Topology};
pub use init::Init;
pub use neighborhood::Neighborhood;
pub use schedule::{BatchTrainingConfig, OnlineTrainingConfig};
pub use som::{example_order, Evaluation, ExampleOrder, Order, Progress, Som, SomConfig};
pub use spec::MapSpec;
