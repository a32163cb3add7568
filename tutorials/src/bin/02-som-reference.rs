//! The playbook's NumPy SOM notebook in Rust, NumPy-style with the `ndarray` crate, in `f64`:
//! the slow, obviously correct version (it is `burnax_som::reference`, the oracle of the fast
//! one).
//!
//! `cargo run --release -p tutorials --bin 02-som-reference [-- --quick] [--out DIR]`

use burnax_som::neighborhood::gaussian_row;
use burnax_som::render::Plot;
use burnax_som::{example_order, reference, BatchTrainingConfig, Grid, OnlineTrainingConfig, SomConfig};
use ndarray::Array2;
use tutorials::{out_dir, picture, quick, timed};

fn png(path: std::path::PathBuf, grid: Grid, title: &str, w: &Array2<f64>) {
    let v: Vec<f32> = w.iter().map(|&x| x as f32).collect();
    picture(&path, grid, title, Plot::Rgb(&v));
}

fn main() {
    // NumPy-style on the host by design: there is no other device to choose.
    if tutorials::device_choice() != Ok(tutorials::DeviceKind::Cpu) {
        eprintln!("error: --device: 02-som-reference is the NumPy-style CPU reference; 01-intro and 03-som-burnax take --device");
        std::process::exit(2);
    }
    let quick = quick();
    let out = out_dir();
    let (gx, gy, n) = if quick { (24, 13, 100) } else { (240, 135, 1000) };
    let (steps, epochs) = if quick { (500, 5) } else { (50_000, 50) };
    let grid = Grid::new(gx, gy);
    let sigma = [gx as f64 / 2.0, gy as f64 / 2.0 + 2.5]; // the playbook's 120, 70 at full size

    println!("# A self-organizing map\n");
    println!("A {gx} x {gy} grid of units, each holding a colour (a point in [0, 1]^3). Training pulls");
    println!("the unit that best matches an example, and its grid neighbours, towards the example:");
    println!("similar colours end up next to each other.\n");

    let data = {
        let d = SomConfig::new(n, 1, 3)
            .with_seed(1)
            .init::<burn::backend::Flex>(&Default::default());
        Array2::from_shape_vec((n, 3), d.weights_host().into_iter().map(f64::from).collect()).unwrap()
    };
    let w0 = {
        let m = SomConfig::new(gx, gy, 3).init::<burn::backend::Flex>(&Default::default());
        Array2::from_shape_vec(
            (gx * gy, 3),
            m.weights_host().into_iter().map(f64::from).collect(),
        )
        .unwrap()
    };
    println!("{n} random colours; the map starts random too:");
    png(out.join("02-random-map.png"), grid, "the random map", &w0);

    println!("\n# The neighbourhood\n");
    println!("h(c, j) = exp(-(cx - jx)^2 / sx^2) * exp(-(cy - jy)^2 / sy^2), here around the centre");
    println!(
        "with sx, sy = {:.1}, {:.1}: separable, the outer product of two 1-D Gaussians.",
        sigma[0], sigma[1]
    );
    let hx = gaussian_row(gx, gx / 2, sigma[0]);
    let hy = gaussian_row(gy, gy / 2, sigma[1]);
    let hood: Vec<f32> = (0..gx * gy).map(|j| (hx[j / gy] * hy[j % gy]) as f32).collect();
    let title = format!("the neighbourhood of unit ({}, {})", gx / 2, gy / 2);
    let plot = Plot::Values {
        values: &hood,
        label: "h",
    };
    picture(&out.join("02-neighbourhood.png"), grid, &title, plot);

    println!("\n# Online training: one example at a time\n");
    println!(
        "For {steps} steps: find the best unit b of one example x, then w_j += alpha_t h(b, j) (x - w_j)"
    );
    println!("for every unit, with the radius shrinking linearly and alpha geometrically (0.35 to 0.01).");
    let online = OnlineTrainingConfig::new(steps)
        .with_sigma(Some(sigma))
        .with_clip(Some([0.0, 1.0]));
    let order = example_order(n, steps, 0);
    let (w, secs) = timed(|| reference::train_online(data.view(), w0.clone(), grid, &online, &order));
    println!(
        "  took {secs:.2} s; QE {:.4}",
        reference::quantization_error(data.view(), w.view(), Default::default())
    );
    png(
        out.join("02-online.png"),
        grid,
        &format!("online, {steps} steps"),
        &w,
    );

    println!("\n# Batch training: all examples at once\n");
    println!("For {epochs} epochs: every unit becomes the neighbourhood-weighted mean of all examples,");
    println!("W_j = sum_i h(b_i, j) x_i / sum_i h(b_i, j), the radius shrinking geometrically.");
    let batch = BatchTrainingConfig::new(epochs).with_sigma(Some(sigma));
    let (w, secs) = timed(|| reference::train_batch(data.view(), w0.clone(), grid, &batch));
    println!(
        "  took {secs:.2} s; QE {:.4}",
        reference::quantization_error(data.view(), w.view(), Default::default())
    );
    png(
        out.join("02-batch.png"),
        grid,
        &format!("batch, {epochs} epochs"),
        &w,
    );
    println!("\nThis is the slow version: every epoch visits N x M (example, unit) pairs in f64, one at a");
    println!("time. 03-som-burnax makes it fast.");
}
