//! `cargo bench -p benches --bench jit`: what `jit` buys, on the workloads of
//! `../shared/peers/jit_peers.py` (same functions, shapes and keys), each eager against jitted
//! (fused, and unfused where that tells something):
//!
//! (a) elementwise on 10^7 f32: `selu(x)` (array out) and `sum(sin(x)^2 + cos(x)^2)` (scalar out);
//! (b) one SGD step of a 64-128-10 MLP (tanh, softmax cross-entropy, mean over a batch of 32,
//!     lr 0.01): the per-call host overhead of about 100 tiny operations;
//! (c) the playbook's vmapped batch SOM step on the rgb workload (1,000 colours, a 240 x 135 map),
//!     time per epoch.
//!
//! (d) with `--features wgpu` (or `cuda`): selu, the sum and the MLP step on that backend (Burn's
//!     `Fusion` over CubeCL), eager against jitted, the device waited for: `cargo bench -p
//!     benches --features wgpu --bench jit -- wgpu`.
//!
//! Also the cost of a cache hit (a jitted identity on one small tensor). Interleaved rounds,
//! medians; every pair is checked to agree first. `benches/peers/jit.sh` runs JAX and NumPy
//! beside it.

use std::time::Instant;

use benches::{assert_agree, interleaved, values};
use burn::backend::Flex;
use burn::prelude::*;
use burnax::tree::Leaf;
use burnax::{grad, jit, random, Function};
use burnax_som::{BatchTrainingConfig, Grid, SomConfig};
use tutorials::vmapped::{tables, VmapEpoch};

type B = Flex;
type Params<Bk> = (Tensor<Bk, 2>, Tensor<Bk, 1>, Tensor<Bk, 2>, Tensor<Bk, 1>);

/// jit_peers.py's `selu`: `1.0507 * where(x > 0, x, 1.6733 * (exp(x) - 1))`.
#[derive(Clone, Copy)]
struct Selu;
impl Function for Selu {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let negative = x.clone().exp().sub_scalar(1.0).mul_scalar(1.673_263_2);
        x.clone()
            .mask_where(x.lower_equal_elem(0.0), negative)
            .mul_scalar(1.050_701)
    }
}

/// jit_peers.py's `sincos`: `sum(sin(x)^2 + cos(x)^2)`.
#[derive(Clone, Copy)]
struct SinCos;
impl Function for SinCos {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        (x.clone().sin().powi_scalar(2) + x.cos().powi_scalar(2)).sum()
    }
}

/// The MLP's mean softmax cross-entropy, `y` one-hot.
#[derive(Clone, Copy)]
struct Loss;
impl Function for Loss {
    type In = ((Leaf<2>, Leaf<1>, Leaf<2>, Leaf<1>), Leaf<2>, Leaf<2>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(
        &self,
        ((w1, b1, w2, b2), x, y): (Params<Bk>, Tensor<Bk, 2>, Tensor<Bk, 2>),
    ) -> Tensor<Bk, 1> {
        let h = (x.matmul(w1) + b1.unsqueeze()).tanh();
        let logits = h.matmul(w2) + b2.unsqueeze();
        let logp = burn::tensor::activation::log_softmax(logits, 1);
        (logp * y).sum_dim(1).mean().neg()
    }
}

/// One SGD step: `p - 0.01 grad(loss)(p)`.
#[derive(Clone, Copy)]
struct Step;
impl Function for Step {
    type In = ((Leaf<2>, Leaf<1>, Leaf<2>, Leaf<1>), Leaf<2>, Leaf<2>);
    type Out = (Leaf<2>, Leaf<1>, Leaf<2>, Leaf<1>);
    fn call<Bk: Backend>(&self, (p, x, y): (Params<Bk>, Tensor<Bk, 2>, Tensor<Bk, 2>)) -> Params<Bk> {
        let (g, _, _) = grad(Loss).argnums(&[0]).call((p.clone(), x, y));
        let lr = 0.01;
        (p.0 - g.0 * lr, p.1 - g.1 * lr, p.2 - g.2 * lr, p.3 - g.3 * lr)
    }
}

/// The identity on one small tensor: what a cache hit costs.
#[derive(Clone, Copy)]
struct Identity;
impl Function for Identity {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        x
    }
}

/// 100 tiny operations on a one-element tensor: what each costs to dispatch.
#[derive(Clone, Copy)]
struct Chain;
impl Function for Chain {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        (0..50).fold(x, |x, _| x.add_scalar(1.0).mul_scalar(0.5))
    }
}

fn row(workload: &str, what: &str, s: f64) {
    println!("{{\"workload\": \"{workload}\", \"impl\": \"{what}\", \"s\": {s:e}}}");
}

/// (d): eager against jitted on a GPU backend `G`, 10^6 values (Mesa's software Vulkan runs wgpu
/// on the CPU here), the device synchronised inside each timed call.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
fn gpu<G: Backend>(name: &str) {
    let d: G::Device = Default::default();
    let sync = || G::sync(&d).expect("device sync");
    let host = random::normal::<B, 1>(random::key(0), [1_000_000], &Default::default());
    let x = Tensor::<G, 1>::from_data(host.into_data(), &d);
    for (wl, eager, jitted) in [
        (
            "selu 1e6",
            Box::new(|x: Tensor<G, 1>| Selu.call(x)) as Box<dyn Fn(Tensor<G, 1>) -> Tensor<G, 1>>,
            Box::new({
                let f = jit(Selu);
                move |x: Tensor<G, 1>| f.call(x)
            }) as Box<dyn Fn(Tensor<G, 1>) -> Tensor<G, 1>>,
        ),
        (
            "sincos 1e6",
            Box::new(|x: Tensor<G, 1>| SinCos.call(x)),
            Box::new({
                let f = jit(SinCos);
                move |x: Tensor<G, 1>| f.call(x)
            }),
        ),
    ] {
        let a: Vec<f32> = eager(x.clone()).into_data().convert::<f32>().to_vec().unwrap();
        let b: Vec<f32> = jitted(x.clone()).into_data().convert::<f32>().to_vec().unwrap();
        assert_agree(&b, &a, 1e-5, wl);
        let [e, j] = interleaved(
            7,
            1,
            [
                &|| {
                    drop(eager(x.clone()));
                    sync()
                },
                &|| {
                    drop(jitted(x.clone()));
                    sync()
                },
            ],
        );
        row(&format!("{name} {wl}"), "burnax eager", e);
        row(&format!("{name} {wl}"), "burnax jit", j);
    }
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let run = |name: &str| filter.as_ref().is_none_or(|f| name.contains(f.as_str()));
    let d = Default::default();

    if run("elementwise") {
        let x = random::normal::<B, 1>(random::key(0), [10_000_000], &d);
        let wl = "elementwise selu 1e7";
        let (jitted, unfused) = (jit(Selu), jit(Selu).without_fusion());
        let first = Instant::now();
        let _ = jitted.call(x.clone());
        row(wl, "burnax jit first call", first.elapsed().as_secs_f64());
        assert_agree(
            &values(jitted.call(x.clone())),
            &values(Selu.call(x.clone())),
            0.0,
            wl,
        );
        let [e, j, u] = interleaved(
            7,
            1,
            [
                &|| drop(values(Selu.call(x.clone()))),
                &|| drop(values(jitted.call(x.clone()))),
                &|| drop(values(unfused.call(x.clone()))),
            ],
        );
        row(wl, "burnax eager", e);
        row(wl, "burnax jit", j);
        row(wl, "burnax jit unfused", u);
        let wl = "elementwise sincos 1e7";
        let (jitted, unfused) = (jit(SinCos), jit(SinCos).without_fusion());
        let first = Instant::now();
        let _ = jitted.call(x.clone());
        row(wl, "burnax jit first call", first.elapsed().as_secs_f64());
        assert_agree(
            &values(jitted.call(x.clone())),
            &values(SinCos.call(x.clone())),
            1e-5,
            wl,
        );
        let [e, j, u] = interleaved(
            7,
            1,
            [
                &|| drop(values(SinCos.call(x.clone()))),
                &|| drop(values(jitted.call(x.clone()))),
                &|| drop(values(unfused.call(x.clone()))),
            ],
        );
        row(wl, "burnax eager", e);
        row(wl, "burnax jit", j);
        row(wl, "burnax jit unfused", u);
    }

    if run("mlp") {
        let p: Params<B> = (
            random::normal(random::key(11), [64, 128], &d).mul_scalar(0.1),
            random::normal(random::key(12), [128], &d).mul_scalar(0.1),
            random::normal(random::key(13), [128, 10], &d).mul_scalar(0.1),
            random::normal(random::key(14), [10], &d).mul_scalar(0.1),
        );
        let x = random::normal::<B, 2>(random::key(2), [32, 64], &d);
        let labels: Vec<f32> = (0..32)
            .flat_map(|i| (0..10).map(move |c| f32::from(u8::from(c == i % 10))))
            .collect();
        let y = Tensor::<B, 2>::from_data(burn::tensor::TensorData::new(labels, [32, 10]), &d);
        let wl = "mlp sgd step b32";
        let jitted = jit(Step);
        let first = Instant::now();
        let _ = jitted.call((p.clone(), x.clone(), y.clone()));
        row(wl, "burnax jit first call", first.elapsed().as_secs_f64());
        let (a, b) = (
            Step.call((p.clone(), x.clone(), y.clone())),
            jitted.call((p.clone(), x.clone(), y.clone())),
        );
        assert_agree(&values(a.0), &values(b.0), 1e-6, wl);
        let [e, j] = interleaved(
            7,
            200,
            [&|| drop(Step.call((p.clone(), x.clone(), y.clone()))), &|| {
                drop(jitted.call((p.clone(), x.clone(), y.clone())))
            }],
        );
        row(wl, "burnax eager", e);
        row(wl, "burnax jit", j);
        let wl = "chain of 100 scalar ops on [1]";
        let small = Tensor::<B, 1>::zeros([1], &d);
        let (jitted, unfused) = (jit(Chain), jit(Chain).without_fusion());
        assert_agree(
            &values(unfused.call(small.clone())),
            &values(Chain.call(small.clone())),
            0.0,
            wl,
        );
        let [e, j, u] = interleaved(
            7,
            1000,
            [
                &|| drop(Chain.call(small.clone())),
                &|| drop(jitted.call(small.clone())),
                &|| drop(unfused.call(small.clone())),
            ],
        );
        row(wl, "burnax eager", e);
        row(wl, "burnax jit", j);
        row(wl, "burnax jit unfused", u);
        let id = jit(Identity);
        let small = Tensor::<B, 1>::zeros([4], &d);
        let _ = id.call(small.clone());
        let [hit] = interleaved(7, 10_000, [&|| drop(id.call(small.clone()))]);
        row("jit cache hit (identity on [4])", "burnax jit", hit);
    }

    #[cfg(feature = "wgpu")]
    if run("wgpu") {
        gpu::<burn::backend::Wgpu>("wgpu");
    }
    #[cfg(feature = "cuda")]
    if run("cuda") {
        gpu::<burn::backend::Cuda>("cuda");
    }

    if run("som") {
        let (gx, gy, n, dim) = (240, 135, 1000, 3);
        let grid = Grid::new(gx, gy);
        let cfg = BatchTrainingConfig::new(50).with_sigma(Some([gx as f64 / 2.0, gy as f64 / 2.0 + 2.5]));
        let data = SomConfig::new(n, 1, dim).with_seed(1).init::<B>(&d).weights();
        let w0 = SomConfig::new(gx, gy, dim).init::<B>(&d).weights();
        let (tx, ty) = tables::<B>(grid, cfg.sigma_at(grid, 0), &d);
        let inputs = || (w0.clone(), data.clone(), tx.clone(), ty.clone());
        let wl = "rgb vmapped batch step (per epoch)";
        let jitted = jit(VmapEpoch { grid });
        let first = Instant::now();
        let _ = jitted.call(inputs());
        row(wl, "burnax jit first call", first.elapsed().as_secs_f64());
        assert_agree(
            &values(jitted.call(inputs())),
            &values(VmapEpoch { grid }.call(inputs())),
            1e-5,
            wl,
        );
        let [e, j] = interleaved(
            3,
            1,
            [&|| drop(values(VmapEpoch { grid }.call(inputs()))), &|| {
                drop(values(jitted.call(inputs())))
            }],
        );
        row(wl, "burnax eager", e);
        row(wl, "burnax jit", j);
    }
}
