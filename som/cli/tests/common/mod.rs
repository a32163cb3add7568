//! What the `som` command's tests share: running it, and checking how it succeeded or failed.
#![allow(dead_code)] // each test binary uses some of these

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burnax_som::io::parse_npy;

/// Runs `som` with `args` in `dir`.
pub fn som(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs som")
}

#[track_caller]
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "som failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Asserts a clean failure: non-zero exit, one `error:` line containing every `needle`, no panic.
#[track_caller]
pub fn fails(out: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "expected failure, got success; stderr: {err}"
    );
    assert!(!err.contains("panicked"), "panic instead of an error: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    for n in needles {
        assert!(lines[0].contains(n), "{:?} not in {err}", n);
    }
}

pub fn weights(dir: &Path, model: &str) -> Vec<f32> {
    ok(&som(dir, &["export", "--model", model, "--weights", "w.npy"]));
    let p = dir.join("w.npy");
    parse_npy(&p, &fs::read(&p).unwrap()).unwrap().values
}

/// Files in `dir` (names), to check that failures leave no output or temporary files.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

pub fn tmp() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().to_path_buf();
    (t, p)
}
