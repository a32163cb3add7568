//! Every tutorial runs in quick mode and prints what it should.

use std::process::Command;

fn run(bin: &str) -> String {
    let out = Command::new(bin)
        .arg("--quick")
        .output()
        .expect("runs the tutorial");
    assert!(
        out.status.success(),
        "{bin} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
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
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
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
