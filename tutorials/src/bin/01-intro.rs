//! The playbook's JAX intro notebook in Rust: arrays and immutable updates, timing on a device,
//! PRNG keys, `grad` (square, Newton's square root, a data-dependent loop), `vmap` (row norms,
//! per-row gradients), `jit` (selu timed eagerly and jitted, first call against later calls;
//! the concretization error of a data-dependent loop) and `pmap` (one call per device, `psum`
//! across them, a data-parallel training step; the CPU's threads are the devices here).
//!
//! `cargo run --release -p tutorials --bin 01-intro [-- --quick] [--device cpu|wgpu|cuda]`
//! (`--device wgpu` needs `--features wgpu`, `--device cuda` needs `--features cuda`)

use std::time::Instant;

use burn::backend::Flex;
use burn::prelude::*;
use burnax::random;
use burnax::tree::Leaf;
use burnax::vmap;
use burnax::{grad, jit, pmap, pmean, psum, try_call, value_and_grad, Function};

type B = Flex;

/// square(x) = x * x
struct Square;
impl Function for Square {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        x.clone() * x
    }
}

/// Newton's method for sqrt(a) needs the derivative of f(x) = x^2 - a.
struct Residual(f32);
impl Function for Residual {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        x.clone() * x - self.0
    }
}

/// The notebook's bogus_square: adds x to itself floor(x) times. The loop count depends on the
/// value of x, which is fine under grad (it traces with concrete values): d/dx = floor(x).
struct BogusSquare;
impl Function for BogusSquare {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let n = x
            .clone()
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .expect("f32")[0] as usize;
        let mut y = x.zeros_like();
        for _ in 0..n {
            y = y + x.clone();
        }
        y
    }
}

/// The norm of one vector, written for one example.
struct Norm;
impl Function for Norm {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        x.square().sum().sqrt()
    }
}

/// The notebook's selu: `1.05 * where(x > 0, x, 1.67 * (exp(x) - 1))`.
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

/// Each device's value as a share of the sum over the devices.
struct Share;
impl Function for Share {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        x.clone() / psum(x, "devices")
    }
}

/// The mean squared error of a linear model `w` on rows `x` with targets `y`.
struct Mse;
impl Function for Mse {
    type In = (Leaf<1>, Leaf<2>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, (w, x, y): (Tensor<Bk, 1>, Tensor<Bk, 2>, Tensor<Bk, 1>)) -> Tensor<Bk, 1> {
        let [d] = w.dims();
        (x.matmul(w.reshape([d, 1])).flatten::<1>(0, 1) - y)
            .square()
            .mean()
    }
}

/// One SGD step of data-parallel training: each device's gradient on its shard, averaged over
/// the devices with `pmean`, the same update on every device.
struct ParallelStep(f64);
impl Function for ParallelStep {
    type In = (Leaf<1>, Leaf<2>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, (w, x, y): (Tensor<Bk, 1>, Tensor<Bk, 2>, Tensor<Bk, 1>)) -> Tensor<Bk, 1> {
        let g = pmean(grad(Mse).call((w.clone(), x, y)).0, "batch");
        w - g.mul_scalar(self.0)
    }
}

/// Seconds `f` takes, the device waited for (JAX's `block_until_ready`), median of `rounds`.
fn median_time(
    rounds: usize,
    device: &<B as burn::tensor::backend::BackendTypes>::Device,
    f: impl Fn(),
) -> f64 {
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            B::sync(device).expect("device sync");
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[rounds / 2]
}

fn scalar(t: Tensor<B, 1>) -> f32 {
    t.into_scalar()
}

/// Times an `n x n` matmul on backend `Bk`, waiting for the device before stopping the clock.
fn time_matmul<Bk: Backend>(device: &Bk::Device, n: usize) {
    // Sampled on the CPU and copied over: `random` needs 64-bit int tensors, which not every
    // GPU backend has.
    let a = random::normal::<B, 2>(random::key(0), [n, n], &Default::default());
    let a = Tensor::<Bk, 2>::from_data(a.into_data(), device);
    // Once to warm up (GPU kernels compile on first use), then timed.
    let _ = a.clone().matmul(a.clone());
    Bk::sync(device).expect("device sync");
    let t = Instant::now();
    let c = a.clone().matmul(a);
    // JAX's block_until_ready: Bk::sync waits for the device. On the CPU backend the work is
    // already done; on a GPU backend (wgpu, cuda) the clock would stop before the matmul does.
    Bk::sync(device).expect("device sync");
    let dt = t.elapsed().as_secs_f64();
    let flops = 2.0 * (n as f64).powi(3);
    println!(
        "{n} x {n} matmul on {}: {:.4} s, {:.1} GFLOP/s",
        Bk::name(device),
        dt,
        flops / dt / 1e9
    );
    drop(c);
}

fn main() {
    let quick = tutorials::quick();
    let choice = match tutorials::device_choice() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let device = Default::default();
    println!("# 1. Arrays live on a device; updates make new arrays\n");
    let x = Tensor::<B, 1>::from_floats([1.0, 2.0, 3.0, 4.0], &device);
    // JAX: y = x.at[0].set(10.0). Burn tensors are values too: slice_assign returns a new one.
    let y = x
        .clone()
        .slice_assign(s![0..1], Tensor::from_floats([10.0], &device));
    println!("x = {:?}", x.to_data().to_vec::<f32>().unwrap());
    println!(
        "y = x.at[0].set(10) = {:?}  (x is unchanged)",
        y.to_data().to_vec::<f32>().unwrap()
    );

    println!("\n# 2. Timing: work is queued; wait for it before stopping the clock\n");
    let n = if quick { 64 } else { 2000 };
    time_matmul::<B>(&device, n);
    match choice {
        tutorials::DeviceKind::Cpu => {
            println!("(pass --device wgpu or --device cuda to compare with a GPU)")
        }
        #[cfg(feature = "wgpu")]
        tutorials::DeviceKind::Wgpu => time_matmul::<burn::backend::Wgpu>(&Default::default(), n),
        #[cfg(feature = "cuda")]
        tutorials::DeviceKind::Cuda => time_matmul::<burn::backend::Cuda>(&Default::default(), n),
        #[allow(unreachable_patterns)]
        _ => unreachable!("device_choice only returns backends this build has"),
    }

    println!("\n# 3. Random numbers need explicit keys\n");
    let key = random::key(0);
    let keys = random::split(key, 2);
    println!(
        "key(0) = {:?}; split -> {:?}, {:?}",
        key.data(),
        keys[0].data(),
        keys[1].data()
    );
    let samples = if quick { 10_000 } else { 1_000_000 };
    let s = random::normal::<B, 1>(keys[0], [samples], &device);
    let mean: f32 = s.clone().mean().into_scalar();
    let var: f32 = (s - mean).square().mean().into_scalar();
    println!("{samples} normal samples: mean {mean:.4}, variance {var:.4} (expected 0 and 1)");
    let again = random::normal::<B, 1>(keys[0], [3], &device);
    println!(
        "same key, same numbers: {:?}",
        again.to_data().to_vec::<f32>().unwrap()
    );

    println!("\n# 4. grad\n");
    let x3 = Tensor::<B, 1>::from_floats([3.0], &device);
    let (v, g) = value_and_grad(&Square).call(x3.clone());
    println!("square(3) = {}, grad(square)(3) = {}", scalar(v), scalar(g));
    println!(
        "grad(grad(square))(3) = {}",
        scalar(grad(grad(Square)).call(x3.clone()))
    );

    println!("\nNewton's method for sqrt(2): x <- x - f(x) / f'(x), f(x) = x^2 - 2");
    let f = Residual(2.0);
    let mut x = Tensor::<B, 1>::from_floats([1.0], &device);
    for i in 0..5 {
        let (fx, dfx) = value_and_grad(&f).call(x.clone());
        x = x - fx / dfx;
        println!("  step {}: x = {:.7}", i + 1, scalar(x.clone()));
    }
    println!("sqrt(2) = {:.7}", 2f32.sqrt());

    println!("\nbogus_square adds x to itself floor(x) times:");
    for v in [3.0f32, 4.5] {
        let x = Tensor::<B, 1>::from_floats([v], &device);
        let (y, g) = value_and_grad(&BogusSquare).call(x);
        println!(
            "  bogus_square({v}) = {}, grad = {} (= floor(x))",
            scalar(y),
            scalar(g)
        );
    }

    println!("\n# 5. vmap: write it for one example, run it on a batch\n");
    let (rows, dim) = if tutorials::quick() { (4, 3) } else { (10_000, 64) };
    let xs = random::normal::<B, 2>(random::key(2), [rows, dim], &device);
    let norms: Tensor<B, 2> = vmap(Norm).call(xs.clone()); // [rows, 1]
    let reduced = xs.clone().square().sum_dim(1).sqrt(); // the same, written batched by hand
    let worst = (norms.clone() - reduced).abs().max().into_scalar();
    println!(
        "row norms of a {rows} x {dim} matrix by vmap(norm): first {:.4}; largest difference from a",
        norms.slice([0..1, 0..1]).into_scalar()
    );
    println!("hand-written reduction: {worst:.1e}");
    let g: Tensor<B, 2> = vmap(grad(Norm)).call(xs.clone());
    println!(
        "vmap(grad(norm)): each row's gradient x / |x|, shape {:?}",
        g.dims()
    );

    println!("\n# 6. jit: trace once, replay\n");
    let n = if quick { 10_000 } else { 1_000_000 };
    let x = random::normal::<B, 1>(random::key(0), [n], &device);
    let eager = median_time(5, &device, || drop(Selu.call(x.clone())));
    let selu = jit(Selu);
    let t = Instant::now();
    let first = selu.call(x.clone()); // traces Selu's body while computing it
    B::sync(&device).expect("device sync");
    let first_s = t.elapsed().as_secs_f64();
    let later = median_time(5, &device, || drop(selu.call(x.clone()))); // replays the trace
    println!(
        "selu on {n} values: eager {:.2} ms; jit: first call {:.2} ms, later calls {:.2} ms",
        eager * 1e3,
        first_s * 1e3,
        later * 1e3
    );
    println!("(the first call runs the body and records it; later calls replay the recorded operations,");
    println!("fused on the CPU into one pass over memory, without running the Rust body)");
    let worst = (first - Selu.call(x)).abs().max().into_scalar();
    println!("jit(selu) equals selu: largest difference {worst}");
    println!("traces: {} (one per input shape)", selu.traces());
    // try_call returns the error instead of unwinding; the panic hook would still print it, so
    // it is silenced for this one call.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let err = try_call(&jit(BogusSquare), Tensor::<B, 1>::from_floats([3.0], &device)).unwrap_err();
    std::panic::set_hook(hook);
    println!("\nbogus_square's loop count is a value read on the host, so it cannot be traced:");
    println!(
        "  jit(bogus_square): {}",
        err.to_string().split(". ").next().unwrap_or_default()
    );

    println!("\n# 7. pmap: one call per device, collectives between them\n");
    // No second GPU here: the CPU's threads are the devices, one rank each.
    let devices = 4;
    let x = Tensor::<B, 2>::from_floats([[0.0], [1.0], [2.0], [3.0]], &device);
    let squares = pmap(Square).call(x.clone());
    println!(
        "pmap(square) over {devices} devices (threads): {:?}",
        squares.into_data().to_vec::<f32>().expect("f32")
    );
    let shares = pmap(Share).axis_name("devices").call(x);
    println!(
        "x / psum(x) on each device: {:?} (sums to 1 on every device)",
        shares.into_data().to_vec::<f32>().expect("f32")
    );
    // Data-parallel SGD: the batch split over the devices against the whole batch on one.
    let (rows, features, steps, lr) = (256, 8, 50, 0.1);
    let truth = random::normal::<B, 1>(random::key(7), [features], &device);
    let xs = random::normal::<B, 2>(random::key(8), [rows, features], &device);
    let noise = random::normal::<B, 1>(random::key(9), [rows], &device).mul_scalar(0.01);
    let ys = xs.clone().matmul(truth.reshape([features, 1])).flatten::<1>(0, 1) + noise;
    let shards = (
        xs.clone().reshape([devices, rows / devices, features]),
        ys.clone().reshape([devices, rows / devices]),
    );
    let step = pmap(ParallelStep(lr))
        .axis_name("batch")
        .in_axes((None, 0, 0))
        .out_axes(None);
    let (mut w, mut w_one) = (
        Tensor::<B, 1>::zeros([features], &device),
        Tensor::<B, 1>::zeros([features], &device),
    );
    let loss = |w: &Tensor<B, 1>| scalar(Mse.call((w.clone(), xs.clone(), ys.clone())));
    let start = loss(&w);
    let mut worst = 0f32;
    for _ in 0..steps {
        w = step.call((w, shards.0.clone(), shards.1.clone()));
        let g = grad(Mse).call((w_one.clone(), xs.clone(), ys.clone())).0;
        w_one = w_one - g.mul_scalar(lr);
        worst = worst.max(scalar((w.clone() - w_one.clone()).abs().max()));
    }
    println!(
        "data-parallel SGD over {devices} devices, {steps} steps: loss {start:.3} -> {:.5}",
        loss(&w)
    );
    println!("largest difference from full-batch SGD on one device: {worst:.1e} (the shards' sums meet in another order)");
}
