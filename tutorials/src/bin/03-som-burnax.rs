//! The playbook's refined SOM notebook in Rust: the same batch SOM, faster at each step. A
//! direct port (one example at a time), the step kept on the device, the per-example step
//! vmapped (`burnax::vmap`), the same jitted (`burnax::jit`), one batched step for all examples (the GEMM formulation in Burn
//! tensor ops), then the fused kernels of `burnax-som`;
//! times side by side, snapshots, the U-matrix, and a film of the map forming.
//!
//! `cargo run --release -p tutorials --bin 03-som-burnax [-- --quick] [--out DIR] [--device cpu|wgpu|cuda]`

use burn::prelude::*;
use burn::tensor::TensorData;
use burnax_som::neighborhood::gaussian_row;
use burnax_som::render::{write_gif, Figure, Panel, Plot};
use burnax_som::{tensor_ops, BatchTrainingConfig, Grid, SomBackend, SomConfig};
use tutorials::vmapped::{jit_vmap_epoch, jitted_epoch, vmap_epoch};
use tutorials::{device_choice, out_dir, picture, quick, timed, DeviceKind};

/// One batch epoch as the playbook first writes it: example by example, distances to all
/// units, the best unit read back, its neighbourhood, `num += h x`, `den += h`.
fn direct_epoch<B: Backend>(
    w: Tensor<B, 2>,
    data: &Tensor<B, 2>,
    grid: Grid,
    sigma: [f64; 2],
) -> Tensor<B, 2> {
    let [n, d] = data.dims();
    let m = grid.units();
    let device = w.device();
    let mut num = Tensor::<B, 2>::zeros([m, d], &device);
    let mut den = Tensor::<B, 2>::zeros([m, 1], &device);
    for i in 0..n {
        let x = data.clone().narrow(0, i, 1);
        let dist = (w.clone() - x.clone()).square().sum_dim(1);
        let b: i64 = dist.argmin(0).into_scalar().elem();
        let (bx, by) = grid.coords(b as usize);
        let (hx, hy) = (
            gaussian_row(grid.width, bx, sigma[0]),
            gaussian_row(grid.height, by, sigma[1]),
        );
        let h: Vec<f32> = (0..m)
            .map(|j| (hx[j / grid.height] * hy[j % grid.height]) as f32)
            .collect();
        let h = Tensor::<B, 2>::from_data(TensorData::new(h, [m, 1]), &device);
        num = num + h.clone() * x;
        den = den + h;
    }
    num / den.add_scalar(1e-8)
}

/// The same epoch with the per-example step kept on the device: the best unit never comes back
/// to the host, its neighbourhood is computed from the grid coordinates with tensor ops. This is
/// what `jax.jit` of the step buys in the playbook (no round trip, no Python between ops). On
/// Burn's CPU backend it is slower than the direct port (measured: 80 s against 35 s for the
/// 50 epochs), since syncs are free there and the extra ops are not.
fn device_epoch<B: Backend>(
    w: Tensor<B, 2>,
    data: &Tensor<B, 2>,
    grid: Grid,
    sigma: [f64; 2],
) -> Tensor<B, 2> {
    let [n, d] = data.dims();
    let (m, gy) = (grid.units(), grid.height as i64);
    let device = w.device();
    let units = Tensor::<B, 1, Int>::arange(0..m as i64, &device);
    let (ux, uy) = (
        units.clone().div_scalar(gy).float(),
        units.remainder_scalar(gy).float(),
    );
    let mut num = Tensor::<B, 2>::zeros([m, d], &device);
    let mut den = Tensor::<B, 2>::zeros([m, 1], &device);
    for i in 0..n {
        let x = data.clone().narrow(0, i, 1);
        let b = (w.clone() - x.clone()).square().sum_dim(1).argmin(0).reshape([1]); // stays on the device
        let (bx, by) = (b.clone().div_scalar(gy).float(), b.remainder_scalar(gy).float());
        let hx = (ux.clone() - bx)
            .square()
            .div_scalar(-(sigma[0] * sigma[0]) as f32)
            .exp();
        let hy = (uy.clone() - by)
            .square()
            .div_scalar(-(sigma[1] * sigma[1]) as f32)
            .exp();
        let h = (hx * hy).reshape([m, 1]);
        num = num + h.clone() * x;
        den = den + h;
    }
    num / den.add_scalar(1e-8)
}

fn host<B: Backend>(t: Tensor<B, 2>) -> Vec<f32> {
    t.into_data().convert::<f32>().into_vec().expect("f32")
}

/// Times `f` until the device has finished its work.
fn timed_on<B: Backend, T>(device: &B::Device, f: impl FnOnce() -> T) -> (T, f64) {
    timed(|| {
        let out = f();
        B::sync(device).expect("device sync");
        out
    })
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn run<B: SomBackend>(device: &B::Device) {
    let quick = quick();
    let out = out_dir();
    let (gx, gy, n, epochs) = if quick {
        (24, 13, 100, 5)
    } else {
        (240, 135, 1000, 50)
    };
    let grid = Grid::new(gx, gy);
    let cfg = BatchTrainingConfig::new(epochs).with_sigma(Some([gx as f64 / 2.0, gy as f64 / 2.0 + 2.5]));
    let data = SomConfig::new(n, 1, 3).with_seed(1).init::<B>(device).weights();
    let w0 = SomConfig::new(gx, gy, 3).init::<B>(device).weights();
    println!(
        "{n} random colours, a {gx} x {gy} map, {epochs} batch epochs, backend {}\n",
        B::name(device)
    );

    println!("# 1. Direct port: one example at a time");
    println!("Each example: distances to all units, argmin read back, neighbourhood, accumulate.");
    println!("Thousands of tiny operations per epoch, each a separate kernel and a host round trip.");
    let (w1, one) = timed_on::<B, _>(device, || {
        direct_epoch(w0.clone(), &data, grid, cfg.sigma_at(grid, 0))
    });
    let direct_w = host(w1);
    let direct = one * epochs as f64;
    println!(
        "  1 epoch: {one:.2} s, so {epochs} epochs take about {direct:.1} s (measured 1, times {epochs})\n"
    );

    println!("# 2. The same step, kept on the device");
    println!("No host round trip per example: the best unit and its neighbourhood stay tensors.");
    println!("In JAX, jit's gain. On Burn's CPU backend it is slower: a sync costs nothing there, and");
    println!("the neighbourhood now takes a dozen tensor ops where the host computed it directly. On a");
    println!("GPU backend every round trip stalls the device, which is what this removes.");
    let (w_dev, one_dev) = timed_on::<B, _>(device, || {
        device_epoch(w0.clone(), &data, grid, cfg.sigma_at(grid, 0))
    });
    let on_device = one_dev * epochs as f64;
    let worst = max_diff(&host(w_dev), &direct_w);
    println!("  1 epoch: {one_dev:.2} s, so about {on_device:.1} s for {epochs}; agrees with the direct port to {worst:.1e}\n");

    println!("# 3. The per-example step, vmapped");
    println!("The playbook's move: write the step for one example (distances, argmin, neighbourhood");
    println!("row, its share (h x, h)) and vmap it. burnax's vmap runs it once on a batching backend:");
    println!("every op of the step becomes one op over all examples, no loop. The shares of all examples");
    println!("exist at once (N x M x D) before the sum, as in the playbook's version. XLA fuses the");
    println!("shares into the sum; Burn runs op by op and writes them to memory, so on the CPU this");
    println!("costs more than the direct port. The lesson of steps 4 and 5: change the formulation.");
    let (w_vmap, one_vmap) = timed_on::<B, _>(device, || {
        vmap_epoch(w0.clone(), data.clone(), grid, cfg.sigma_at(grid, 0))
    });
    let vmapped = one_vmap * epochs as f64;
    let worst = max_diff(&host(w_vmap), &direct_w);
    println!("  1 epoch: {one_vmap:.2} s, so about {vmapped:.1} s for {epochs}; agrees with the direct port to {worst:.1e}\n");

    println!("# 3b. The per-example step, vmapped and jitted");
    println!("jit traces the epoch once (the first call computes it while recording every operation)");
    println!("and replays the recording for every later epoch: no Rust body, no batching rules, and");
    println!("the elementwise tails fused. The neighbourhood tables are inputs, so a new width each");
    println!("epoch is the same trace. The big operations (the matmuls, the N x M x D shares) stay:");
    println!("jit removes overhead and passes over memory, not the formulation's cost.");
    let epoch = jitted_epoch(grid);
    let (w_first, first_jit) = timed_on::<B, _>(device, || {
        jit_vmap_epoch(&epoch, w0.clone(), data.clone(), cfg.sigma_at(grid, 0))
    });
    let (w_jit, one_jit) = timed_on::<B, _>(device, || {
        jit_vmap_epoch(&epoch, w0.clone(), data.clone(), cfg.sigma_at(grid, 0))
    });
    let jitted = one_jit * epochs as f64;
    let worst = max_diff(&host(w_jit), &direct_w).max(max_diff(&host(w_first), &direct_w));
    println!(
        "  first call (trace) {first_jit:.2} s, then {one_jit:.2} s an epoch, so about {jitted:.1} s for {epochs}; {} trace; agrees with the direct port to {worst:.1e}\n",
        epoch.traces()
    );

    println!("# 4. One batched step, rewritten for the machine");
    println!("Rewritten so nothing of size N x M x D exists: distances by one GEMM, argmin, per-unit");
    println!("sums, and the separable neighbourhood as two small GEMMs. A few dozen ops per epoch.");
    let check = host(tensor_ops::batch_epoch(
        w0.clone(),
        data.clone(),
        grid.into(),
        cfg.sigma_at(grid, 0),
    ));
    let worst = max_diff(&check, &direct_w);
    println!("  after one epoch it agrees with the direct port to {worst:.1e}");
    let (w2, batched) = timed_on::<B, _>(device, || {
        (0..epochs).fold(w0.clone(), |w, e| {
            tensor_ops::batch_epoch(w, data.clone(), grid.into(), cfg.sigma_at(grid, e))
        })
    });
    println!("  {epochs} epochs: {batched:.2} s");
    picture(
        &out.join("03-batched.png"),
        grid,
        "one batched step",
        Plot::Rgb(&host(w2)),
    );
    println!("\n# 5. Fused kernels (burnax-som)");
    println!("Search, sums and smoothing in hand-written kernels: the distances never leave registers.");

    let mut som = SomConfig::new(gx, gy, 3)
        .init_with_weights(w0.clone())
        .expect("valid map");
    let ((), fused) = timed_on::<B, _>(device, || som.train_batch(&data, &cfg).expect("training"));
    println!(
        "  {epochs} epochs: {fused:.3} s; QE {:.4}, TE {:.4}",
        som.quantization_error(&data),
        som.topographic_error(&data)
    );
    picture(
        &out.join("03-fused.png"),
        grid,
        "fused kernels",
        Plot::Rgb(&som.weights_host()),
    );
    let u: Vec<f32> = som
        .umatrix()
        .into_data()
        .convert::<f32>()
        .into_vec()
        .expect("f32");
    let title = "U-matrix: bright where neighbouring units differ most";
    let plot = Plot::Values {
        values: &u,
        label: "mean distance to neighbours",
    };
    picture(&out.join("03-umatrix.png"), grid, title, plot);

    println!("\n| version | {epochs} epochs | speed-up over the direct port |");
    println!("|---|---:|---:|");
    println!("| direct port (1 epoch measured) | {direct:.2} s | 1x |");
    println!(
        "| step kept on the device (1 epoch measured) | {on_device:.2} s | {:.1}x |",
        direct / on_device
    );
    println!(
        "| per-example step, vmapped (1 epoch measured) | {vmapped:.2} s | {:.1}x |",
        direct / vmapped
    );
    println!(
        "| per-example step, vmapped and jitted (1 replayed epoch measured) | {jitted:.2} s | {:.1}x |",
        direct / jitted
    );
    println!("| one batched step | {batched:.2} s | {:.1}x |", direct / batched);
    println!("| fused kernels | {fused:.3} s | {:.1}x |", direct / fused);

    println!("\n# The film: the map after every epoch");
    let mut som = SomConfig::new(gx, gy, 3)
        .init_with_weights(w0)
        .expect("valid map");
    let mut frames = vec![som.weights_host()];
    let snapshots = [1, epochs / 5, epochs / 2];
    som.train_batch_with(&data, &cfg, 0..epochs, &[1], |s, p| {
        frames.push(s.weights_host());
        if snapshots.contains(&p.done) {
            picture(
                &out.join(format!("03-epoch-{:02}.png", p.done)),
                grid,
                &format!("epoch {} of {epochs}", p.done),
                Plot::Rgb(frames.last().expect("a frame")),
            );
        }
        Ok(())
    })
    .expect("training");
    let path = out.join("03-training.gif");
    // Each frame labelled with its epoch, 10 a second, the finished map held for 3 seconds.
    let images: Vec<_> = frames
        .iter()
        .enumerate()
        .map(|(epoch, w)| {
            let panel = Panel {
                title: format!("epoch {epoch} of {epochs}"),
                plot: Plot::Rgb(w),
            };
            Figure::new(grid, vec![panel]).draw().expect("draw a frame")
        })
        .collect();
    write_gif(&path, &images, 10, 300).expect("write the film");
    println!("  wrote {} ({} frames)", path.display(), frames.len());
}

fn main() {
    match device_choice() {
        Ok(DeviceKind::Cpu) => run::<burn::backend::Flex>(&Default::default()),
        #[cfg(feature = "wgpu")]
        Ok(DeviceKind::Wgpu) => run::<burn::backend::Wgpu>(&Default::default()),
        #[cfg(feature = "cuda")]
        Ok(DeviceKind::Cuda) => run::<burn::backend::Cuda>(&Default::default()),
        #[allow(unreachable_patterns)]
        Ok(_) => unreachable!("device_choice only returns backends this build has"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
