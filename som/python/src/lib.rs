//! `burnax_som._core`: the few functions the Python package (`python/burnax_som`) calls, each
//! one call into [`burnax_som`] on Burn's `Flex` CPU backend (the fused kernels).
//!
//! Maps come in and go out as `float32` arrays of `width * height` rows of `dim`, row
//! `x * height + y` for unit `(x, y)`: MiniSom's `(x, y, dim)` array, flattened, with no copy.
//! Inputs must be C-contiguous `float32` (the Python side converts, without a copy when they
//! already are); results are new arrays that own the Rust buffers (no copy either). The GIL is
//! released while a map trains or is searched, so other Python threads run meanwhile.
//!
//! Errors are Python exceptions with burnax-som's message: `OSError` for files, `ValueError`
//! for everything else (shapes, values, configs, model files).

use std::path::PathBuf;

use burn::backend::Flex;
use burn::prelude::*;
use burnax_som::model::ModelFile;
use burnax_som::normalize::{Normalization, Normalize};
use burnax_som::schedule::{MiniSomDecay, MiniSomDecays};
use burnax_som::{BatchTrainingConfig, OnlineTrainingConfig, Som, SomConfig, SomError};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

type B = Flex;

fn error(e: SomError) -> PyErr {
    match e {
        SomError::Io { .. } => PyOSError::new_err(e.to_string()),
        e => PyValueError::new_err(e.to_string()),
    }
}

/// A borrowed C-contiguous matrix: its rows, columns and values.
fn matrix<'a>(a: &'a PyReadonlyArray2<'_, f32>, what: &str) -> PyResult<(usize, usize, &'a [f32])> {
    let [rows, cols] = [a.shape()[0], a.shape()[1]];
    let values = a
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("{what} must be a C-contiguous float32 array")))?;
    Ok((rows, cols, values))
}

fn tensor(values: &[f32], rows: usize, cols: usize) -> Tensor<B, 2> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [rows, cols]),
        &Default::default(),
    )
}

/// The map of `weights` on a `width x height` grid.
fn som(weights: &[f32], width: usize, height: usize, dim: usize) -> Result<Som<B>, SomError> {
    let units = width.saturating_mul(height);
    if weights.len() != units.saturating_mul(dim) {
        return Err(SomError::Data(format!(
            "the weights have {} values, a {width} x {height} map of dimension {dim} has {}",
            weights.len(),
            units.saturating_mul(dim)
        )));
    }
    SomConfig::new(width, height, dim).init_with_weights(tensor(weights, units, dim))
}

/// Data that a map of dimension `dim` can read: rows, the right width, finite values.
fn checked_data(values: &[f32], rows: usize, cols: usize, dim: usize) -> Result<Tensor<B, 2>, SomError> {
    if rows == 0 {
        return Err(SomError::Data("the data has no rows".into()));
    }
    if cols != dim {
        return Err(SomError::Data(format!(
            "the data has {cols} features, the map has dimension {dim}"
        )));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(SomError::Data(format!(
            "the data holds {} at row {}, column {}",
            values[i],
            i / cols,
            i % cols
        )));
    }
    Ok(tensor(values, rows, cols))
}

fn weights_array<'py>(py: Python<'py>, som: &Som<B>) -> Bound<'py, PyArray2<f32>> {
    let (units, dim) = (som.grid().units(), som.dim());
    Array2::from_shape_vec((units, dim), som.weights_host())
        .expect("the weights hold units x dim values")
        .into_pyarray(py)
}

fn decay_named(name: &str, what: &str) -> PyResult<MiniSomDecay> {
    MiniSomDecay::from_name(name).ok_or_else(|| {
        let names: Vec<_> = MiniSomDecay::ALL.iter().map(|(n, _)| *n).collect();
        PyValueError::new_err(format!("{what} {name:?} is not one of {}", names.join(", ")))
    })
}

/// MiniSom's decay function `name` of `value` at tick `t` of `max_iter` (burnax-som's
/// [`MiniSomDecay`], the same bits as MiniSom's).
#[pyfunction]
fn decay(name: &str, value: f64, t: usize, max_iter: usize) -> PyResult<f64> {
    Ok(decay_named(name, "decay function")?.at(value, t, max_iter))
}

/// Online training, one example per step, `order[t]` at step `t`, under MiniSom's decays:
/// learning rate `lr_decay(learning_rate, k, K)`, radius `sqrt(2) sigma_decay(sigma, k, K)`
/// with `sigma` in MiniSom's convention and `k = t / steps_per_tick`. Returns the new weights.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (weights, data, width, height, order, sigma, learning_rate, lr_decay, sigma_decay, steps_per_tick))]
fn train_online<'py>(
    py: Python<'py>,
    weights: PyReadonlyArray2<'py, f32>,
    data: PyReadonlyArray2<'py, f32>,
    width: usize,
    height: usize,
    order: PyReadonlyArray1<'py, i64>,
    sigma: f64,
    learning_rate: f64,
    lr_decay: &str,
    sigma_decay: &str,
    steps_per_tick: usize,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let (_, dim, w) = matrix(&weights, "weights")?;
    let (rows, cols, x) = matrix(&data, "data")?;
    let order = order
        .as_slice()
        .map_err(|_| PyValueError::new_err("order must be contiguous"))?;
    let alpha = decay_named(lr_decay, "decay_function")?;
    let sigma_decay = decay_named(sigma_decay, "sigma_decay_function")?;
    let order: Vec<usize> = order
        .iter()
        .map(|&i| usize::try_from(i).map_err(|_| PyValueError::new_err(format!("order holds {i}"))))
        .collect::<PyResult<_>>()?;
    let radius = std::f64::consts::SQRT_2 * sigma;
    let cfg = OnlineTrainingConfig::new(order.len())
        .with_sigma(Some([radius, radius]))
        .with_alpha([learning_rate, learning_rate])
        .with_minisom_decays(Some(MiniSomDecays {
            alpha,
            sigma: sigma_decay,
            steps_per_tick,
        }));
    let som = py
        .detach(|| {
            let mut som = som(w, width, height, dim)?;
            let data = checked_data(x, rows, cols, dim)?;
            som.train_online(&data, &cfg, Some(&order), 0)?;
            Ok(som)
        })
        .map_err(error)?;
    Ok(weights_array(py, &som))
}

/// Kohonen's batch map (burnax-som's batch training) for `epochs` epochs, the radius geometric
/// from `sigma` to `final_sigma` (our convention: `exp(-d^2 / sigma^2)`). Returns the new
/// weights.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn train_batch<'py>(
    py: Python<'py>,
    weights: PyReadonlyArray2<'py, f32>,
    data: PyReadonlyArray2<'py, f32>,
    width: usize,
    height: usize,
    epochs: usize,
    sigma: f64,
    final_sigma: f64,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let (_, dim, w) = matrix(&weights, "weights")?;
    let (rows, cols, x) = matrix(&data, "data")?;
    // The end radius along both axes is max(sigma_floor, side * min_sigma_frac): with the
    // smallest fraction, it is the floor.
    let cfg = BatchTrainingConfig::new(epochs)
        .with_sigma(Some([sigma, sigma]))
        .with_sigma_floor(final_sigma)
        .with_min_sigma_frac(f64::MIN_POSITIVE);
    let som = py
        .detach(|| {
            let mut som = som(w, width, height, dim)?;
            let data = checked_data(x, rows, cols, dim)?;
            som.train_batch(&data, &cfg)?;
            Ok(som)
        })
        .map_err(error)?;
    Ok(weights_array(py, &som))
}

/// Each row's best unit (the lowest index among equals), as `int64`.
#[pyfunction]
fn winners<'py>(
    py: Python<'py>,
    weights: PyReadonlyArray2<'py, f32>,
    data: PyReadonlyArray2<'py, f32>,
    width: usize,
    height: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (_, dim, w) = matrix(&weights, "weights")?;
    let (rows, cols, x) = matrix(&data, "data")?;
    let bmus = py
        .detach(|| {
            let som = som(w, width, height, dim)?;
            let data = checked_data(x, rows, cols, dim)?;
            Ok(som
                .bmus(&data)
                .into_data()
                .convert::<i64>()
                .to_vec::<i64>()
                .expect("int64 data"))
        })
        .map_err(error)?;
    Ok(bmus.into_pyarray(py))
}

/// `(quantization error, topographic error, best units, hits per unit)` from one search.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn evaluate<'py>(
    py: Python<'py>,
    weights: PyReadonlyArray2<'py, f32>,
    data: PyReadonlyArray2<'py, f32>,
    width: usize,
    height: usize,
) -> PyResult<(f64, f64, Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<u64>>)> {
    let (_, dim, w) = matrix(&weights, "weights")?;
    let (rows, cols, x) = matrix(&data, "data")?;
    let e = py
        .detach(|| {
            let som = som(w, width, height, dim)?;
            let data = checked_data(x, rows, cols, dim)?;
            Ok(som.evaluate(&data))
        })
        .map_err(error)?;
    let bmus: Vec<i64> = e.bmus.iter().map(|&b| b as i64).collect();
    Ok((
        e.quantization_error,
        e.topographic_error,
        bmus.into_pyarray(py),
        e.hits.into_pyarray(py),
    ))
}

/// The U-matrix: each unit's mean distance to its 8-neighbours, `(width, height)`.
#[pyfunction]
fn umatrix<'py>(
    py: Python<'py>,
    weights: PyReadonlyArray2<'py, f32>,
    width: usize,
    height: usize,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let (_, dim, w) = matrix(&weights, "weights")?;
    let u = som(w, width, height, dim).map_err(error)?.umatrix();
    let values = u.into_data().to_vec::<f32>().expect("float32 data");
    Ok(Array2::from_shape_vec((width, height), values)
        .expect("width x height values")
        .into_pyarray(py))
}

/// Writes a model file the `som` command reads: the weights, the grid, the seed, the
/// features' names and the normalisation (`(method, shift, scale)`), atomically.
#[pyfunction]
#[pyo3(signature = (path, weights, width, height, seed, features=None, normalization=None))]
fn save_model(
    path: PathBuf,
    weights: PyReadonlyArray2<'_, f32>,
    width: usize,
    height: usize,
    seed: u64,
    features: Option<Vec<String>>,
    normalization: Option<(String, Vec<f64>, Vec<f64>)>,
) -> PyResult<()> {
    let (_, dim, w) = matrix(&weights, "weights")?;
    // Checks the grid, the shape and the values.
    som(w, width, height, dim).map_err(error)?;
    if let Some(f) = &features {
        if f.len() != dim {
            return Err(PyValueError::new_err(format!(
                "{} feature names for dimension {dim}",
                f.len()
            )));
        }
    }
    let normalization = normalization
        .map(|(method, shift, scale)| {
            let method = match method.as_str() {
                "zscore" => Normalize::ZScore,
                "minmax" => Normalize::MinMax,
                m => {
                    return Err(PyValueError::new_err(format!(
                        "normalization {m:?} is not zscore or minmax"
                    )))
                }
            };
            let n = Normalization { method, shift, scale };
            n.validate(dim).map_err(error)?;
            Ok(n)
        })
        .transpose()?;
    ModelFile {
        config: SomConfig::new(width, height, dim).with_seed(seed),
        weights: w.to_vec(),
        training: None,
        features,
        normalization,
    }
    .save(&path)
    .map_err(error)
}

/// Reads a model file: a dict with `weights` (`(units, dim)` float32), `width`, `height`,
/// `dim`, `seed`, `features` (a list or `None`) and `normalization` (`(method, shift, scale)`
/// or `None`).
#[pyfunction]
fn load_model(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let m = ModelFile::load(&path).map_err(error)?;
    let c = &m.config;
    // MiniSom's maps are flat, rectangular, Gaussian and Euclidean: a model of another map
    // would be read as one silently.
    if !c.spec().is_playbook() {
        return Err(PyValueError::new_err(format!(
            "{}: a {}{} map with the {} neighbourhood and the {} distance; burnax_som.MiniSom holds rectangular, gaussian, euclidean maps only (evaluate this one with the som command)",
            path.display(),
            if c.toroidal { "toroidal " } else { "" },
            c.topology.name(),
            c.neighborhood.name(),
            c.distance.name()
        )));
    }
    let d = PyDict::new(py);
    let weights = Array2::from_shape_vec((c.width * c.height, c.dim), m.weights.clone())
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    d.set_item("weights", weights.into_pyarray(py))?;
    d.set_item("width", c.width)?;
    d.set_item("height", c.height)?;
    d.set_item("dim", c.dim)?;
    d.set_item("seed", c.seed)?;
    d.set_item("features", m.features.clone())?;
    let normalization = m.normalization.as_ref().map(|n| {
        let method = match n.method {
            Normalize::ZScore => "zscore",
            Normalize::MinMax => "minmax",
            Normalize::None => "none",
        };
        (method, n.shift.clone(), n.scale.clone())
    });
    d.set_item("normalization", normalization)?;
    Ok(d)
}

/// The compiled half of the `burnax_som` package.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(decay, m)?)?;
    m.add_function(wrap_pyfunction!(train_online, m)?)?;
    m.add_function(wrap_pyfunction!(train_batch, m)?)?;
    m.add_function(wrap_pyfunction!(winners, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(umatrix, m)?)?;
    m.add_function(wrap_pyfunction!(save_model, m)?)?;
    m.add_function(wrap_pyfunction!(load_model, m)?)?;
    Ok(())
}
