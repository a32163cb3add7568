//! `som` against careless and hostile input: values whose distances overflow `f32`, sizes that
//! wrap, requests for unbounded memory, odd files; and a property test that feeds random bytes,
//! mutated files and random flag combinations to the command and asserts that it never panics,
//! aborts, hangs, outgrows a memory ceiling, leaves a partial file or changes an input.
//!
//! The property test runs `BURNAX_FUZZ_CASES` cases (default 200, about 10 s); a long run is
//! `BURNAX_FUZZ_CASES=3000 cargo test -p burnax-som-cli --test reliability random -- --nocapture`
//! (`BURNAX_LONG=1 bash .ci/run` runs it).
#![cfg(unix)]

mod common;
use common::{fails, listing, ok, som, tmp};

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use burnax_som::io::npy_bytes;
use burnax_som::model::ModelFile;
use burnax_som::SomConfig;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// The address space a `som` under test may use: far above what any accepted case needs, far
/// below what a runaway allocation asks for (an abort here is a failure, not an error).
const ADDRESS_SPACE: u64 = 4 << 30;
/// Longer than any accepted case takes in a debug build; a hang fails instead of blocking CI.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `som` in `dir` under [`ADDRESS_SPACE`] and [`TIMEOUT`], stdin closed.
fn som_bounded(dir: &Path, args: &[String]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_som"));
    // glibc reserves 64 MiB of address space per malloc arena, up to 8 per core: on a
    // many-core machine that alone would approach the ceiling.
    cmd.env("MALLOC_ARENA_MAX", "2")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: ADDRESS_SPACE,
                rlim_max: ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("runs som");
    let start = Instant::now();
    while child.try_wait().expect("waits for som").is_none() {
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("som {args:?} ran past {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().expect("collects som's output")
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "mkfifo {}",
        path.display()
    );
}

const SMALL: &str = "0.1,0.2,0.3\n0.4,0.5,0.6\n0.9,0.1,0.5\n0.3,0.8,0.2\n";

/// Runs `som` in `dir` with every file it writes limited to `bytes` (`RLIMIT_FSIZE`, `SIGXFSZ`
/// ignored), so a write past it fails midway, as on a full disk.
fn som_with_file_limit(dir: &Path, args: &[&str], bytes: u64) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_som"));
    cmd.current_dir(dir).args(args).stdin(Stdio::null());
    // SAFETY: signal and setrlimit are async-signal-safe; nothing else runs between fork and
    // exec. An ignored signal stays ignored across exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().expect("runs som")
}

/// "Every write is atomic": a model, an export and a picture whose write fails partway (here
/// past a file-size limit) leave the file they would have replaced as it was, and no
/// temporary file, and the failure is one error line naming the file.
#[test]
fn a_write_that_fails_midway_leaves_the_old_file_whole() {
    let (_t, dir) = tmp();
    let train = |w: &str, h: &str, out: &str| {
        strings(&[
            "train", "--demo", "colors", "--width", w, "--height", h, "--epochs", "2", "--out", out,
        ])
    };
    let run = |args: &[String]| ok(&som(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>()));
    run(&train("4", "3", "m.som"));
    run(&train("80", "60", "big.som"));
    run(&strings(&["export", "--model", "m.som", "--weights", "w.npy"]));
    run(&strings(&["render", "--model", "m.som", "--png", "p.png"]));
    // Above a small map's labelled picture (about 26 KiB), below a large one's.
    let limit = 48 << 10;
    let before = snapshot(&dir);
    let small: Vec<_> = ["m.som", "w.npy", "p.png"]
        .iter()
        .map(|f| before[*f].len())
        .collect();
    assert!(small.iter().all(|&s| s < limit), "{small:?} must fit the limit");
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "train", "--demo", "colors", "--width", "80", "--height", "60", "--epochs", "2", "--out",
                "m.som",
            ],
            "m.som",
        ),
        (&["export", "--model", "big.som", "--weights", "w.npy"], "w.npy"),
        (
            &["render", "--model", "big.som", "--png", "p.png", "--scale", "8"],
            "p.png",
        ),
    ];
    for (args, file) in cases {
        let out = som_with_file_limit(&dir, args, limit as u64);
        fails(&out, &[file]);
        assert_eq!(snapshot(&dir), before, "{args:?} changed a file or left one");
    }
}

#[test]
fn values_beyond_what_f32_distances_hold_are_refused() {
    let (_t, dir) = tmp();
    fs::write(dir.join("d.csv"), SMALL).unwrap();
    fs::write(dir.join("big.csv"), "1,2,3\n4,1e20,6\n").unwrap();
    for mode in ["batch", "online"] {
        fails(
            &som(
                &dir,
                &[
                    "train", "--input", "big.csv", "--width", "3", "--height", "2", "--mode", mode, "--out",
                    "m.som",
                ],
            ),
            &["big.csv", "row 2, column 2 is 1e20", "scale the data"],
        );
    }
    // Initial weights near f32::MAX pass as finite numbers, but not as weights.
    fs::write(dir.join("w.npy"), npy_bytes(6, 3, &[3e38; 18])).unwrap();
    fails(
        &som(
            &dir,
            &[
                "train", "--input", "d.csv", "--width", "3", "--height", "2", "--init", "w.npy", "--out",
                "m.som",
            ],
        ),
        &["--init w.npy", "3e38", "beyond"],
    );
    // A radius that squares to zero (0 / 0 is NaN).
    fails(
        &som(
            &dir,
            &[
                "train",
                "--input",
                "d.csv",
                "--width",
                "3",
                "--height",
                "2",
                "--sigma",
                "1e-300,1e-300",
                "--out",
                "m.som",
            ],
        ),
        &["sigma along x", "1e-300"],
    );
    assert!(!dir.join("m.som").exists(), "nothing written");
    // A model whose weights are near f32::MAX (the library writes what it is given).
    ModelFile {
        config: SomConfig::new(3, 2, 3),
        weights: vec![3e38; 18],
        training: None,
        features: None,
        normalization: None,
    }
    .save(&dir.join("huge.som"))
    .unwrap();
    for args in [
        &["eval", "--model", "huge.som", "--input", "d.csv"][..],
        &["export", "--model", "huge.som", "--weights", "w2.npy"],
        &["render", "--model", "huge.som", "--png", "p.png"],
    ] {
        fails(&som(&dir, args), &["huge.som", "beyond"]);
    }
    ok(&som(
        &dir,
        &[
            "train", "--input", "d.csv", "--width", "3", "--height", "2", "--epochs", "2", "--out", "m.som",
        ],
    ));
    fails(
        &som(&dir, &["eval", "--model", "m.som", "--input", "big.csv"]),
        &["big.csv", "row 2, column 2"],
    );
}

/// A model file with `config` (JSON) and `units x 3` weights, with no checksum (as an older som
/// wrote them), so that only the config's validation stands between it and the loader.
fn unchecked_model(path: &Path, config: &str, units: usize) {
    let bytes: Vec<u8> = (0..units * 3)
        .flat_map(|i| (i as f32 / 100.0).to_le_bytes())
        .collect();
    let view = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![units, 3], &bytes).unwrap();
    let meta = std::collections::HashMap::from([
        ("format".to_string(), "burnax-som/1".to_string()),
        ("config".to_string(), config.to_string()),
    ]);
    fs::write(
        path,
        safetensors::serialize([("weights", view)], &Some(meta)).unwrap(),
    )
    .unwrap();
}

#[test]
fn sizes_that_would_wrap_are_refused() {
    let (_t, dir) = tmp();
    fs::write(dir.join("d.csv"), SMALL).unwrap();
    // An NPY shape whose byte size wraps to a small number.
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }\n";
    let mut wrap = b"\x93NUMPY\x01\x00".to_vec();
    wrap.extend_from_slice(&(header.len() as u16).to_le_bytes());
    wrap.extend_from_slice(header.as_bytes());
    wrap.extend_from_slice(&[0; 16]);
    fs::write(dir.join("wrap.npy"), &wrap).unwrap();
    fails(
        &som(
            &dir,
            &[
                "train", "--input", "wrap.npy", "--width", "2", "--height", "2", "--out", "m.som",
            ],
        ),
        &["wrap.npy", "too large to address"],
    );
    fails(
        &som(
            &dir,
            &[
                "train",
                "--input",
                "d.csv",
                "--width",
                "4294967296",
                "--height",
                "4294967296",
                "--out",
                "m.som",
            ],
        ),
        &["--width 4294967296 --height 4294967296", "units"],
    );
    // A model whose config says 2^62 + 4 by 4 units: the product wraps to 16, its weights' rows.
    unchecked_model(
        &dir.join("wrap.som"),
        r#"{"width":4611686018427387908,"height":4,"dim":3,"init":"Random","seed":0}"#,
        16,
    );
    for args in [
        &[
            "render", "--model", "wrap.som", "--png", "p.png", "--mode", "umatrix",
        ][..],
        &["eval", "--model", "wrap.som", "--input", "d.csv"],
        &["export", "--model", "wrap.som", "--weights", "w.npy"],
    ] {
        fails(&som(&dir, args), &["wrap.som", "units"]);
    }
    assert_eq!(
        listing(&dir),
        ["d.csv", "wrap.npy", "wrap.som"],
        "nothing written"
    );
}

#[test]
fn memory_is_checked_before_it_is_allocated() {
    let (_t, dir) = tmp();
    fs::write(dir.join("d.csv"), SMALL).unwrap();
    let args = strings(&[
        "train", "--input", "d.csv", "--width", "50000", "--height", "50000", "--out", "m.som",
    ]);
    fails(
        &som_bounded(&dir, &args),
        &[
            "50000 x 50000 map",
            "over the memory limit of 8.0 GiB",
            "--memory-limit",
        ],
    );
    let args = strings(&[
        "--memory-limit",
        "1000",
        "train",
        "--input",
        "d.csv",
        "--width",
        "30",
        "--height",
        "20",
        "--out",
        "m.som",
    ]);
    fails(
        &som_bounded(&dir, &args),
        &["30 x 20 map", "over the memory limit of 1000 bytes"],
    );
    fails(
        &som(
            &dir,
            &[
                "--memory-limit",
                "lots",
                "train",
                "--input",
                "d.csv",
                "--out",
                "m.som",
            ],
        ),
        &["--memory-limit", "lots"],
    );
    ok(&som(
        &dir,
        &[
            "train", "--input", "d.csv", "--width", "3", "--height", "2", "--epochs", "2", "--out", "m.som",
        ],
    ));
    let args = strings(&[
        "render", "--model", "m.som", "--png", "p.png", "--scale", "100000",
    ]);
    fails(
        &som_bounded(&dir, &args),
        &["--scale 100000: a picture of", "pixels", "memory limit"],
    );
    let args = strings(&[
        "render",
        "--model",
        "m.som",
        "--png",
        "p.png",
        "--scale",
        "4000000000",
    ]);
    fails(
        &som_bounded(&dir, &args),
        &["--scale 4000000000", "larger than PNG allows"],
    );
    // A long, thin map: few units, but a dense 10^6 x 10^6 neighbourhood matrix.
    let args = strings(&[
        "train", "--demo", "colors", "--width", "1000000", "--height", "1", "--out", "m2.som",
    ]);
    fails(&som_bounded(&dir, &args), &["1000000 x 1 map", "memory limit"]);
    // "Regular" files that say they are empty and hold more (one of them about 256 GiB).
    let args = strings(&["eval", "--model", "m.som", "--input", "/proc/self/status"]);
    fails(
        &som_bounded(&dir, &args),
        &["/proc/self/status", "holds more than the 0 bytes"],
    );
    let args = strings(&["eval", "--model", "m.som", "--input", "/proc/self/pagemap"]);
    fails(&som_bounded(&dir, &args), &["/proc/self/pagemap"]);
    // Endless and blocking files are refused before they are opened.
    mkfifo(&dir.join("fifo"));
    for args in [
        &[
            "train",
            "--input",
            "/dev/zero",
            "--width",
            "2",
            "--height",
            "2",
            "--out",
            "m2.som",
        ][..],
        &[
            "train", "--input", "fifo", "--width", "2", "--height", "2", "--out", "m2.som",
        ],
        &["eval", "--model", "fifo", "--input", "d.csv"],
        &["eval", "--model", "m.som", "--input", "/dev/zero"],
        &["train", "--demo", "colors", "--resume", "fifo", "--out", "m2.som"],
    ] {
        fails(&som_bounded(&dir, &strings(args)), &["not a regular file"]);
    }
}

/// What the property test feeds `som`: a command line and one changed input file.
#[derive(Clone, Debug)]
struct Case {
    args: Vec<String>,
    target: &'static str,
    mutation: Mutation,
}

#[derive(Clone, Debug)]
enum Mutation {
    Keep,
    /// Cut at this fraction of the file.
    Truncate(f64),
    /// Set the byte at each fraction of the file.
    Bytes(Vec<(f64, u8)>),
    /// Insert a troublesome token at a fraction of the file.
    Insert(f64, &'static str),
    /// Replace the whole file.
    Random(Vec<u8>),
}

impl Mutation {
    fn apply(&self, bytes: &mut Vec<u8>) {
        let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
        match self {
            Mutation::Keep => {}
            Mutation::Truncate(f) => bytes.truncate(at(*f, bytes.len())),
            Mutation::Bytes(edits) => {
                for &(f, b) in edits {
                    let i = at(f, bytes.len());
                    if i < bytes.len() {
                        bytes[i] = b;
                    }
                }
            }
            Mutation::Insert(f, token) => {
                let i = at(*f, bytes.len());
                bytes.splice(i..i, token.bytes());
            }
            Mutation::Random(b) => *bytes = b.clone(),
        }
    }
}

const TOKENS: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "1e20",
    "3e38",
    "1e39",
    "1e-45",
    "-",
    ",",
    ",,",
    "\n",
    "\r",
    "\r\n",
    "#",
    "\u{feff}",
    "'shape': (",
    "'fortran_order': 1",
    "\"",
    " ",
    "0x10",
    "99999999999999999999999",
    "\0",
    "{",
    "}",
];
const INPUTS: &[&str] = &[
    "data.csv",
    "data.npy",
    "model.som",
    "init.npy",
    "missing.csv",
    "fifo",
    ".",
    "/dev/zero",
];
const MODELS: &[&str] = &["model.som", "data.csv", "init.npy", "missing.som", "fifo"];
const OUTS: &[&str] = &[
    "out.som",
    "out.som",
    "data.csv",
    "model.som",
    "init.npy",
    "fifo",
    ".",
    "nodir/out.som",
    "out.png",
];
const PNGS: &[&str] = &[
    "out.png",
    "data.csv",
    "out.som",
    "model.som",
    "nodir/p.png",
    "fifo",
];
const WEIGHTS: &[&str] = &["w.npy", "w.csv", "model.som", "data.npy", "fifo", "nodir/w.npy"];
const SIZES: &[(&str, &str)] = &[
    ("3", "2"),
    ("3", "2"),
    ("1", "1"),
    ("5", "4"),
    ("0", "4"),
    ("4294967296", "4294967296"),
    ("100000", "100000"),
    ("50000", "50000"),
    ("x", "3"),
    ("-1", "2"),
];

/// `name VALUE` most often absent, else mostly a `good` value, sometimes a `bad` one.
fn flag(
    name: &'static str,
    good: &'static [&'static str],
    bad: &'static [&'static str],
) -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        6 => Just(Vec::new()),
        3 => proptest::sample::select(good).prop_map(move |v| vec![name.to_string(), v.to_string()]),
        1 => proptest::sample::select(bad).prop_map(move |v| vec![name.to_string(), v.to_string()]),
    ]
}

fn switch(name: &'static str) -> impl Strategy<Value = Vec<String>> {
    any::<bool>().prop_map(move |on| if on { vec![name.to_string()] } else { Vec::new() })
}

/// One of `good` mostly, one of `bad` sometimes.
fn pick(good: &'static [&'static str], bad: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop_oneof![
        4 => proptest::sample::select(good),
        1 => proptest::sample::select(bad),
    ]
}

fn train_args() -> impl Strategy<Value = Vec<String>> {
    let data = prop_oneof![
        5 => pick(&["data.csv", "data.npy"], INPUTS).prop_map(|p| vec!["--input".to_string(), p.to_string()]),
        1 => Just(strings(&["--demo", "colors"])),
    ];
    let size = prop_oneof![
        6 => proptest::sample::select(&SIZES[..4]),
        2 => proptest::sample::select(SIZES),
    ]
    .prop_map(|(w, h)| strings(&["--width", w, "--height", h]));
    let schedule = (
        flag("--mode", &["batch", "online"], &["x"]),
        flag("--epochs", &["1", "3"], &["0", "x"]),
        flag("--steps", &["1", "37"], &["0", "-3", "99999999999999999999999"]),
        flag(
            "--sigma",
            &["1,1", "2,0.5"],
            &[
                "0,1",
                "1e-300,1e-300",
                "nan,1",
                "1",
                "1,2,3",
                "1e300,1e300",
                "-1,2",
            ],
        ),
        flag("--clip", &["0,1", "-1e30,1e30"], &["1,0", "nan,1"]),
        flag("--min-sigma-frac", &["0.2"], &["0", "-1", "1e300"]),
    );
    let rest = (
        flag(
            "--init",
            &["random", "sample", "pca", "init.npy"],
            &["data.csv", "missing.npy", "fifo", "model.som"],
        ),
        flag("--seed", &["0", "7", "18446744073709551615"], &["-1"]),
        // Each checkpoint is a synced write: every step of a 50,000-step run is the user's
        // minute-long choice, not a case to time out on.
        flag("--checkpoint-every", &["25", "1000"], &["0"]),
        flag("--resume", &["model.som", "out.som"], MODELS),
        pick(&["out.som"], OUTS),
        flag("--png", &["out.png"], PNGS),
        flag("--memory-limit", &["1M", "8G"], &["100", "x"]),
    );
    (data, size, schedule, rest).prop_map(
        |(data, size, (m, e, st, sg, cl, f), (i, se, ce, r, out, png, lim))| {
            let mut args = lim;
            args.push("train".into());
            for part in [
                data,
                size,
                m,
                e,
                st,
                sg,
                cl,
                f,
                i,
                se,
                ce,
                r,
                strings(&["--out", out]),
                png,
            ] {
                args.extend(part);
            }
            args
        },
    )
}

fn case() -> impl Strategy<Value = Case> {
    let args = prop_oneof![
        4 => train_args(),
        2 => (pick(&["model.som"], MODELS), pick(&["data.csv", "data.npy"], INPUTS), switch("--json"))
            .prop_map(|(m, i, json)| [strings(&["eval", "--model", m, "--input", i]), json].concat()),
        1 => (pick(&["model.som"], MODELS), pick(&["w.npy"], WEIGHTS))
            .prop_map(|(m, w)| strings(&["export", "--model", m, "--weights", w])),
        2 => (
            pick(&["model.som"], MODELS),
            pick(&["out.png"], PNGS),
            flag("--mode", &["umatrix", "weights"], &["hits", "tpu"]),
            flag("--scale", &["1", "4"], &["0", "100000", "x"]),
        )
            .prop_map(|(m, p, u, s)| [strings(&["render", "--model", m, "--png", p]), u, s].concat()),
    ];
    let mutation = prop_oneof![
        5 => Just(Mutation::Keep),
        1 => (0.0..1.0f64).prop_map(Mutation::Truncate),
        2 => proptest::collection::vec((0.0..1.0f64, any::<u8>()), 1..4).prop_map(Mutation::Bytes),
        3 => (0.0..1.0f64, proptest::sample::select(TOKENS)).prop_map(|(f, t)| Mutation::Insert(f, t)),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Mutation::Random),
    ];
    let target = proptest::sample::select(&["data.csv", "data.npy", "model.som", "init.npy"][..]);
    (args, target, mutation).prop_map(|(args, target, mutation)| Case {
        args,
        target,
        mutation,
    })
}

/// The files of a case's directory before it runs: data, initial weights, a model, a FIFO.
fn fixtures(dir: &Path) {
    fs::write(dir.join("data.csv"), format!("r,g,b\n{SMALL}")).unwrap();
    let values: Vec<f32> = (0..30).map(|i| (i * 7 % 10) as f32 / 10.0).collect();
    fs::write(dir.join("data.npy"), npy_bytes(10, 3, &values)).unwrap();
    fs::write(dir.join("init.npy"), npy_bytes(6, 3, &values[..18])).unwrap();
    ModelFile {
        config: SomConfig::new(3, 2, 3),
        weights: values[..18].to_vec(),
        training: None,
        features: None,
        normalization: None,
    }
    .save(&dir.join("model.som"))
    .unwrap();
    mkfifo(&dir.join("fifo"));
}

/// Regular files under `dir` and their bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_file() {
            out.insert(
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            );
        }
    }
    out
}

/// The value after `flag` in `args`.
fn value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// Runs one case and checks it; its exit code and how long it took.
fn check(case: &Case) -> Result<(i32, Duration), TestCaseError> {
    let (_t, dir) = tmp();
    fixtures(&dir);
    let path = dir.join(case.target);
    let mut bytes = fs::read(&path).unwrap();
    case.mutation.apply(&mut bytes);
    fs::write(&path, bytes).unwrap();
    let before = snapshot(&dir);

    let started = Instant::now();
    let out = som_bounded(&dir, &case.args);
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    if std::env::var_os("BURNAX_FUZZ_VERBOSE").is_some() {
        eprintln!(
            "{:?} {:?} {:?}: {}",
            case.args,
            case.target,
            out.status.code(),
            err.trim()
        );
    }
    let code = out.status.code();
    prop_assert!(
        matches!(code, Some(0 | 1)),
        "exit {:?} (a signal if None): {err}",
        out.status
    );
    prop_assert!(!err.contains("panicked"), "panic: {err}");
    if code == Some(1) {
        let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("note: ")).collect();
        prop_assert_eq!(lines.len(), 1, "one error line expected: {}", err);
        prop_assert!(lines[0].starts_with("error: "), "{}", err);
    }

    // What may change: a successful command's outputs, unless one of them is also an input
    // (continuing a run in its own checkpoint, --out = --resume, is the one exception).
    let args = &case.args;
    let outputs: Vec<&str> = ["--out", "--png", "--weights"]
        .iter()
        .filter_map(|f| value(args, f))
        .collect();
    let inputs: Vec<&str> = ["--input", "--init", "--model", "--resume"]
        .iter()
        .filter_map(|f| value(args, f))
        .filter(|i| !(value(args, "--resume") == Some(i) && value(args, "--out") == Some(i)))
        .collect();
    let after = snapshot(&dir);
    for (name, old) in &before {
        let may_change =
            code == Some(0) && outputs.contains(&name.as_str()) && !inputs.contains(&name.as_str());
        if !may_change {
            prop_assert_eq!(
                Some(old),
                after.get(name),
                "{} changed or vanished: {}",
                name,
                err
            );
        }
    }
    for name in after.keys() {
        prop_assert!(!name.ends_with(".tmp"), "temporary file {} left: {}", name, err);
        if !before.contains_key(name) {
            prop_assert!(
                code == Some(0) && outputs.contains(&name.as_str()),
                "{} appeared: {}",
                name,
                err
            );
        }
    }
    // A successful command's outputs are whole files.
    if code == Some(0) {
        for name in outputs.iter().filter(|n| after.contains_key(**n)) {
            let p = dir.join(name);
            if value(args, "--png") == Some(name) {
                prop_assert!(after[*name].starts_with(b"\x89PNG"), "{} is not a PNG", name);
            } else if value(args, "--out") == Some(name) {
                prop_assert!(ModelFile::load(&p).is_ok(), "{} does not load", name);
            } else {
                // Exported weights: NPY or CSV by the name.
                prop_assert!(
                    burnax_som::io::read_matrix(&p).is_ok(),
                    "{} is not a weights file",
                    name
                );
            }
        }
    }
    Ok((code.unwrap_or(-1), took))
}

#[test]
fn random_inputs_and_flags_never_panic_hang_or_destroy() {
    let cases = std::env::var("BURNAX_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    // The same cases on every run (CI is reproducible); another seed explores others.
    let seed: u64 = std::env::var("BURNAX_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let started = Instant::now();
    // Successes, clean errors and the slowest case, for the report.
    let tally = std::cell::RefCell::new(([0usize; 2], Duration::ZERO, Vec::new()));
    let result = runner.run(&case(), |c| {
        let (code, took) = check(&c)?;
        let mut t = tally.borrow_mut();
        t.0[usize::from(code != 0)] += 1;
        if took > t.1 {
            (t.1, t.2) = (took, c.args.clone());
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let ([passed, refused], slowest, args) = tally.into_inner();
    eprintln!(
        "{cases} cases (seed {seed}) in {:.1?}: {passed} succeeded, {refused} refused with one error line; slowest {slowest:.1?}: {args:?}",
        started.elapsed()
    );
}
