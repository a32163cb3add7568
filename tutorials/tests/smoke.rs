//! Every tutorial runs in quick mode and prints what it should.

use std::process::Command;

use burnax_testing::Tolerance;

/// Runs a tutorial binary with `args`, asserting success; returns its standard output.
fn run_with(bin: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(bin).args(args).output().expect("runs the tutorial");
    assert!(
        out.status.success(),
        "{bin} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn run(bin: &str) -> String {
    run_with(bin, &["--quick".as_ref()])
}

#[test]
fn intro_runs_and_computes() {
    let out = run(env!("CARGO_BIN_EXE_01-intro"));
    for line in [
        "y = x.at[0].set(10) = [10.0, 2.0, 3.0, 4.0]  (x is unchanged)",
        "key(0) = [0, 0]; split -> [1797259609, 2579123966], [928981903, 3453687069]",
        "square(3) = 9, grad(square)(3) = 6",
        "grad(grad(square))(3) = 2",
        "  step 5: x = 1.4142135",
        "  bogus_square(3) = 9, grad = 3 (= floor(x))",
        "  bogus_square(4.5) = 18, grad = 4 (= floor(x))",
        "vmap(grad(norm)): each row's gradient x / |x|, shape [4, 3]",
        "jit(selu) equals selu: largest difference 0",
        "traces: 1 (one per input shape)",
        "  jit(bogus_square): jit: `into_data` reads a tensor's data on the host",
        "pmap(square) over 4 devices (threads): [0.0, 1.0, 4.0, 9.0]",
        "x / psum(x) on each device: [0.0, 0.16666667, 0.33333334, 0.5]",
        "data-parallel SGD over 4 devices, 50 steps: loss",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    let worst: f32 = out
        .lines()
        .find_map(|l| l.strip_prefix("hand-written reduction: "))
        .expect("the vmap row norms are compared")
        .parse()
        .unwrap();
    // The same f32 sums in another order: F32_REORDERED.
    assert!(
        (worst as f64) < Tolerance::F32_REORDERED.atol,
        "vmap row norms differ from the reduction by {worst}"
    );
    // The pmean of the shards' gradients is the full-batch gradient, to reordering (values of
    // order 1 over 50 steps: F32_REORDERED's 1e-5).
    let worst: f32 = out
        .lines()
        .find_map(|l| l.strip_prefix("largest difference from full-batch SGD on one device: "))
        .and_then(|l| l.split(' ').next())
        .expect("data-parallel SGD is compared with one device")
        .parse()
        .unwrap();
    assert!(
        (worst as f64) < Tolerance::F32_REORDERED.atol,
        "data-parallel SGD differs from full-batch SGD by {worst}"
    );
    let losses = out
        .lines()
        .find_map(|l| l.split_once("50 steps: loss ").map(|(_, l)| l.to_string()))
        .unwrap();
    let (start, end) = losses.split_once(" -> ").unwrap();
    let (start, end): (f32, f32) = (start.parse().unwrap(), end.parse().unwrap());
    assert!(end < start / 100.0, "SGD did not converge: {start} -> {end}");
}

#[test]
fn asking_for_a_backend_this_build_lacks_is_a_clear_error() {
    if cfg!(feature = "wgpu") {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_01-intro"))
        .args(["--quick", "--device", "wgpu"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        "error: --device wgpu: this build has no wgpu backend; rebuild with `--features wgpu`"
    );
}

fn run_in(bin: &str, dir: &std::path::Path) -> String {
    run_with(bin, &["--quick".as_ref(), "--out".as_ref(), dir.as_os_str()])
}

fn magic(path: std::path::PathBuf, want: &[u8]) {
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(want),
        "{} is not the expected format",
        path.display()
    );
}

#[test]
fn som_reference_runs_and_draws() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(env!("CARGO_BIN_EXE_02-som-reference"), dir.path());
    assert!(
        out.contains("# Online training") && out.contains("# Batch training"),
        "{out}"
    );
    for f in [
        "02-random-map.png",
        "02-neighbourhood.png",
        "02-online.png",
        "02-batch.png",
    ] {
        magic(dir.path().join(f), b"\x89PNG");
    }
}

#[test]
fn som_burnax_runs_agrees_and_films() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(env!("CARGO_BIN_EXE_03-som-burnax"), dir.path());
    assert!(out.contains("| fused kernels |"), "{out}");
    assert!(out.contains("| per-example step, vmapped and jitted"), "{out}");
    assert!(out.contains("; 1 trace; "), "one trace for both epochs: {out}");
    // The faster versions (the step kept on the device, the vmapped step, jitted and not, the
    // batched step) must reproduce the direct port.
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("agrees with the direct port to"))
        .collect();
    assert_eq!(
        lines.len(),
        4,
        "the four faster versions are checked against the direct port: {out}"
    );
    for line in lines {
        let err: f32 = line.rsplit(' ').next().unwrap().parse().unwrap();
        // The faster versions sum the same updates in other orders, in f32, over the quick
        // run's epochs; 1e-4 (F32_VS_F64's share of a value near 1) fails on a skipped example
        // or a wrong neighbourhood.
        assert!((err as f64) < Tolerance::F32_VS_F64.rtol, "{line}");
    }
    for f in [
        "03-batched.png",
        "03-fused.png",
        "03-umatrix.png",
        "03-epoch-01.png",
    ] {
        magic(dir.path().join(f), b"\x89PNG");
    }
    magic(dir.path().join("03-training.gif"), b"GIF89a");
}

/// An unknown flag is an error, not ignored; `--help` prints the flags instead of running.
#[test]
fn unknown_flags_are_errors_and_help_does_not_run() {
    for bin in [
        env!("CARGO_BIN_EXE_01-intro"),
        env!("CARGO_BIN_EXE_02-som-reference"),
        env!("CARGO_BIN_EXE_03-som-burnax"),
    ] {
        let out = Command::new(bin).arg("--quik").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bin}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument '--quik'"));
        let help = run_with(bin, &["--help".as_ref()]);
        assert!(
            help.contains("--quick") && help.contains("--device") && help.contains("--out"),
            "{help}"
        );
        assert!(help.lines().count() < 20, "{bin} ran instead of helping:\n{help}");
    }
}
