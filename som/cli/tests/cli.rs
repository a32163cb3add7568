//! The `som` command end to end: the main job, every bad-input case, kill and resume,
//! reproducibility.

use std::fs;
use std::path::PathBuf;

mod common;
use common::{fails, listing, ok, som, tmp, weights};

use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::TensorData;
use burnax_som::checkpoint::CheckpointedRun;
use burnax_som::io::parse_npy;
use burnax_som::model::{fingerprint, ModelFile, Schedule};
use burnax_som::normalize::{Normalization, Normalize};
use burnax_som::{reference, BatchTrainingConfig, Distance, Grid, OnlineTrainingConfig, SomConfig, SomError};
use burnax_testing::Tolerance;

fn f64s(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&v| v as f64).collect()
}

/// The `hits` of `som eval --json`'s output.
fn json_hits(json: &serde_json::Value) -> Vec<u64> {
    json["hits"]
        .as_array()
        .expect("a hits array")
        .iter()
        .map(|h| h.as_u64().expect("a count"))
        .collect()
}

/// What `som train --demo colors --width 9 --height 7 --mode MODE --epochs|--steps LEN --seed 3
/// --checkpoint-every K --out OUT` runs, through the library's loop, stopped (as a kill would
/// stop it) right after the checkpoint at progress `stop_at`.
fn train_stopped(mode: &str, len: usize, every: usize, out: PathBuf, stop_at: usize) -> Result<(), SomError> {
    let colours = burnax_som::io::demo_colors(3);
    let x = Tensor::<Flex, 2>::from_data(
        TensorData::new(colours.values.clone(), [1000, 3]),
        &Default::default(),
    );
    let config = SomConfig::new(9, 7, 3).with_seed(3);
    let mut som = config.init_with_data(&x)?;
    let schedule = if mode == "batch" {
        Schedule::Batch(BatchTrainingConfig::new(len))
    } else {
        // The demo's clip, as the CLI sets it.
        Schedule::Online(OnlineTrainingConfig::new(len).with_clip(Some([0.0, 1.0])))
    };
    let run = CheckpointedRun {
        config,
        schedule,
        data_fingerprint: fingerprint(1000, 3, &colours.values),
        every: Some(every),
        out,
        features: None,
        normalization: None,
    };
    run.train(&mut som, &x, 0, |_, p| {
        if p.done >= stop_at {
            Err(SomError::Data(format!("stopped at {}", p.done)))
        } else {
            Ok(())
        }
    })
}

#[test]
fn main_job_trains_evaluates_exports_and_renders() {
    let (_t, dir) = tmp();
    let out = som(
        &dir,
        &[
            "train", "--demo", "colors", "--width", "24", "--height", "13", "--epochs", "8", "--out",
            "c.som", "--png", "c.png",
        ],
    );
    ok(&out);
    assert_eq!(&fs::read(dir.join("c.png")).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    // The summary's QE and TE are the reference's, in f64, for the saved weights on the demo's
    // data (seed 0), to the digits printed; the weights are the library's for that run.
    let grid = Grid::new(24, 13);
    let w = ndarray::Array2::from_shape_vec((grid.units(), 3), f64s(&weights(&dir, "c.som"))).unwrap();
    let colours = burnax_som::io::demo_colors(0);
    let x = ndarray::Array2::from_shape_vec((1000, 3), f64s(&colours.values)).unwrap();
    let summary = String::from_utf8_lossy(&out.stderr).into_owned();
    let printed = |key: &str| -> f64 {
        let at = summary
            .find(key)
            .unwrap_or_else(|| panic!("no {key} in {summary}"))
            + key.len();
        summary[at..]
            .split([',', ';'])
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let qe = reference::quantization_error(x.view(), w.view(), Distance::Euclidean);
    let te = reference::topographic_error(x.view(), w.view(), grid);
    // Half a unit of the last printed digit, plus the f32 computation's rounding for the QE.
    let qe_tol = 5e-6 + Tolerance::F32_VS_F64.rtol * qe;
    assert!((printed("QE ") - qe).abs() <= qe_tol, "QE {qe}: {summary}");
    assert!((printed("TE ") - te).abs() <= 5e-5, "TE {te}: {summary}");
    let xt = Tensor::<Flex, 2>::from_data(
        TensorData::new(colours.values.clone(), [1000, 3]),
        &Default::default(),
    );
    let mut lib = SomConfig::new(24, 13, 3)
        .with_seed(0)
        .init_with_data(&xt)
        .unwrap();
    lib.train_batch(&xt, &BatchTrainingConfig::new(8)).unwrap();
    assert_eq!(
        weights(&dir, "c.som"),
        lib.weights_host(),
        "the command's map and the library's"
    );

    fs::write(
        dir.join("d.csv"),
        "r,g,b\n0.1,0.2,0.3\n0.9,0.8,0.7\n0.5,0.5,0.5\n",
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok(&som(
        &dir,
        &["eval", "--model", "c.som", "--input", "d.csv", "--json"],
    )))
    .unwrap();
    // eval computes in f32 what the reference computes in f64.
    let d =
        ndarray::Array2::from_shape_vec((3, 3), vec![0.1, 0.2, 0.3, 0.9, 0.8, 0.7, 0.5, 0.5, 0.5]).unwrap();
    let got = json["quantization_error"].as_f64().unwrap();
    let want = reference::quantization_error(d.view(), w.view(), Distance::Euclidean);
    assert!(
        Tolerance::F32_VS_F64.accepts(got, want),
        "QE {got}, reference {want}"
    );
    let got = json["topographic_error"].as_f64().unwrap();
    assert_eq!(got, reference::topographic_error(d.view(), w.view(), grid), "TE");
    let hits = json_hits(&json);
    let want: Vec<u64> = reference::hit_map(d.view(), w.view(), grid)
        .iter()
        .copied()
        .collect();
    assert_eq!((&json["width"], &json["height"]), (&24.into(), &13.into()));
    assert_eq!(hits, want, "hits in unit order");
    // The same U-matrix and hit map as files.
    ok(&som(
        &dir,
        &[
            "export",
            "--model",
            "c.som",
            "--umatrix",
            "u.npy",
            "--hits",
            "h.csv",
            "--input",
            "d.csv",
        ],
    ));
    let u = parse_npy(&dir.join("u.npy"), &fs::read(dir.join("u.npy")).unwrap()).unwrap();
    assert_eq!((u.rows, u.cols), (24, 13));
    let want_u = reference::umatrix(w.view(), grid);
    burnax_testing::assert_close(
        &u.values,
        &want_u.iter().copied().collect::<Vec<_>>(),
        Tolerance::F32_VS_F64,
        "U-matrix",
    );
    let text = fs::read_to_string(dir.join("h.csv")).unwrap();
    let file_hits: Vec<u64> = text
        .lines()
        .flat_map(|l| l.split(',').map(|v| v.parse::<u64>().unwrap()))
        .collect();
    assert_eq!(
        (text.lines().count(), file_hits),
        (24, want),
        "hit map, 24 rows of 13"
    );
    fails(
        &som(&dir, &["export", "--model", "c.som"]),
        &["nothing to export", "--umatrix"],
    );
    fails(
        &som(&dir, &["export", "--model", "c.som", "--hits", "h2.csv"]),
        &["--input"],
    );
    ok(&som(
        &dir,
        &[
            "render", "--model", "c.som", "--png", "u.png", "--mode", "umatrix", "--scale", "2",
        ],
    ));
    assert!(fs::metadata(dir.join("u.png")).unwrap().len() > 0);

    // A 1-D map, NPY input, PCA init, online mode.
    let data: Vec<f32> = (0..40).map(|i| (i as f32 * 0.37).sin()).collect();
    fs::write(dir.join("x.npy"), burnax_som::io::npy_bytes(20, 2, &data)).unwrap();
    ok(&som(
        &dir,
        &[
            "train", "--input", "x.npy", "--width", "1", "--height", "7", "--mode", "online", "--steps",
            "300", "--init", "pca", "--out", "o.som",
        ],
    ));
    ok(&som(&dir, &["eval", "--model", "o.som", "--input", "x.npy"]));
}

#[test]
fn bad_data_files_are_one_line_errors_and_write_nothing() {
    let (_t, dir) = tmp();
    let cases: &[(&str, &str, &[&str])] = &[
        ("empty.csv", "", &["empty.csv", "no data rows"]),
        (
            "ragged.csv",
            "1,2,3\n4,5\n",
            &["ragged.csv:2", "2 cells, expected 3"],
        ),
        ("word.csv", "1,2\n3,abc\n", &["word.csv:2", "column 2", "\"abc\""]),
        ("nan.csv", "1,2\nNaN,3\n", &["nan.csv:2", "column 1", "NaN"]),
        ("inf.csv", "1,inf\n", &["inf.csv:1", "column 2", "inf"]),
    ];
    for (name, text, needles) in cases {
        fs::write(dir.join(name), text).unwrap();
        let before = listing(&dir);
        fails(
            &som(
                &dir,
                &[
                    "train", "--input", name, "--width", "3", "--height", "3", "--out", "m.som",
                ],
            ),
            needles,
        );
        assert_eq!(listing(&dir), before, "{name}: a failed run wrote files");
    }
    fails(
        &som(
            &dir,
            &[
                "train",
                "--input",
                "missing.csv",
                "--width",
                "3",
                "--height",
                "3",
                "--out",
                "m.som",
            ],
        ),
        &["missing.csv", "No such file"],
    );
    fs::create_dir(dir.join("adir")).unwrap();
    fails(
        &som(
            &dir,
            &[
                "train", "--input", "adir", "--width", "3", "--height", "3", "--out", "m.som",
            ],
        ),
        &["adir"],
    );
    fs::write(dir.join("bad.npy"), b"\x93NUMPY\x01\x00\x10\x00{'descr': '<i4'}").unwrap();
    fails(
        &som(
            &dir,
            &[
                "train", "--input", "bad.npy", "--width", "3", "--height", "3", "--out", "m.som",
            ],
        ),
        &["bad.npy"],
    );
    assert!(!dir.join("m.som").exists());
}

#[test]
fn bad_values_are_named() {
    let (_t, dir) = tmp();
    fs::write(dir.join("d.csv"), "0.1,0.2\n0.3,0.4\n0.5,0.6\n").unwrap();
    let train = |extra: &[&str]| {
        let mut args = vec!["train", "--input", "d.csv", "--out", "m.som"];
        args.extend_from_slice(extra);
        som(&dir, &args)
    };
    fails(
        &train(&["--width", "0", "--height", "3"]),
        &["width must be at least 1, got 0"],
    );
    fails(
        &train(&["--width", "3", "--height", "0"]),
        &["height must be at least 1, got 0"],
    );
    fails(
        &train(&["--width", "3", "--height", "3", "--sigma", "1,0"]),
        &["sigma along y", "got 0"],
    );
    fails(
        &train(&["--width", "3", "--height", "3", "--sigma", "-1,2"]),
        &["sigma along x", "got -1"],
    );
    fails(
        &train(&["--width", "3", "--height", "3", "--epochs", "0"]),
        &["epochs must be at least 1, got 0"],
    );
    fails(
        &train(&[
            "--width", "3", "--height", "3", "--mode", "online", "--steps", "0",
        ]),
        &["steps must be from 1 to 1099511627776, got 0"],
    );
    fails(
        &train(&["--width", "3", "--height", "3", "--min-sigma-frac", "0"]),
        &["min_sigma_frac", "got 0"],
    );
    fails(
        &train(&["--width", "3", "--height", "3", "--checkpoint-every", "0"]),
        &["--checkpoint-every", "got 0"],
    );
    // Initial weights of the wrong dimension, and of the wrong number of rows.
    fs::write(dir.join("w3.npy"), burnax_som::io::npy_bytes(9, 3, &[0.5; 27])).unwrap();
    fails(
        &train(&["--width", "3", "--height", "3", "--init", "w3.npy"]),
        &["d.csv", "dimension 2", "w3.npy", "dimension 3"],
    );
    fs::write(dir.join("w2.npy"), burnax_som::io::npy_bytes(4, 2, &[0.5; 8])).unwrap();
    fails(
        &train(&["--width", "3", "--height", "3", "--init", "w2.npy"]),
        &["w2.npy", "4 rows", "needs 9"],
    );
    assert!(!dir.join("m.som").exists());

    // Data whose dimension differs from the model's.
    ok(&train(&["--width", "3", "--height", "3", "--epochs", "2"]));
    fs::write(dir.join("d3.csv"), "1,2,3\n").unwrap();
    fails(
        &som(&dir, &["eval", "--model", "m.som", "--input", "d3.csv"]),
        &["d3.csv", "dimension 3", "dimension 2"],
    );
}

#[test]
fn truncated_or_corrupt_models_are_rejected() {
    let (_t, dir) = tmp();
    ok(&som(
        &dir,
        &[
            "train", "--demo", "colors", "--width", "4", "--height", "3", "--epochs", "2", "--out", "m.som",
        ],
    ));
    let bytes = fs::read(dir.join("m.som")).unwrap();
    fs::write(dir.join("cut.som"), &bytes[..bytes.len() / 2]).unwrap();
    fs::write(dir.join("junk.som"), b"not a model at all").unwrap();
    let mut flipped = bytes.clone();
    flipped[0] ^= 0xff; // the header length
    fs::write(dir.join("flip.som"), &flipped).unwrap();
    for name in ["cut.som", "junk.som", "flip.som"] {
        fails(
            &som(&dir, &["render", "--model", name, "--png", "x.png"]),
            &[name, "not a valid som model"],
        );
        fails(
            &som(&dir, &["export", "--model", name, "--weights", "x.npy"]),
            &[name],
        );
    }
    fails(
        &som(&dir, &["eval", "--model", "nope.som", "--input", "m.som"]),
        &["nope.som"],
    );
    assert!(!dir.join("x.png").exists() && !dir.join("x.npy").exists());
}

/// Where the weights start in a model file: after the 8-byte length and the header.
fn payload_start(bytes: &[u8]) -> usize {
    8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize
}

#[test]
fn a_flipped_weight_byte_is_a_one_line_error() {
    let (_t, dir) = tmp();
    ok(&som(
        &dir,
        &[
            "train", "--demo", "colors", "--width", "4", "--height", "3", "--epochs", "2", "--out", "m.som",
        ],
    ));
    let bytes = fs::read(dir.join("m.som")).unwrap();
    let start = payload_start(&bytes);
    assert_eq!(bytes.len() - start, 4 * 3 * 3 * 4, "the payload is the weights");
    // The high byte of weight 5: its exponent, so that unchecked it reads as a finite weight
    // far from [0, 1].
    let mut flipped = bytes.clone();
    flipped[start + 5 * 4 + 3] ^= 0x40;
    fs::write(dir.join("flip.som"), &flipped).unwrap();
    let out = som(&dir, &["export", "--model", "flip.som", "--weights", "x.npy"]);
    assert_eq!(out.status.code(), Some(1));
    fails(
        &out,
        &["flip.som", "weights payload is corrupt", "expected", "found"],
    );
    fails(
        &som(&dir, &["render", "--model", "flip.som", "--png", "x.png"]),
        &["flip.som", "weights payload is corrupt"],
    );
    fails(
        &som(&dir, &["eval", "--model", "flip.som", "--input", "m.som"]),
        &["flip.som", "weights payload is corrupt"],
    );
    assert!(!dir.join("x.png").exists() && !dir.join("x.npy").exists());
}

#[test]
fn a_model_without_a_checksum_loads_with_a_note() {
    let (_t, dir) = tmp();
    ok(&som(
        &dir,
        &[
            "train", "--demo", "colors", "--width", "4", "--height", "3", "--epochs", "2", "--out", "m.som",
        ],
    ));
    // The same model as an older som wrote it: safetensors' writer, no checksum entry.
    let bytes = fs::read(dir.join("m.som")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta = header.metadata().clone().unwrap();
    assert!(meta.remove("checksum").is_some());
    let old = safetensors::serialize([("weights", st.tensor("weights").unwrap())], &Some(meta)).unwrap();
    fs::write(dir.join("old.som"), old).unwrap();

    let out = som(&dir, &["export", "--model", "old.som", "--weights", "old.npy"]);
    ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "note: old.som has no checksum (written by an older som); its weights are not verified\n\
         wrote old.npy (12 units x 3 weights)\n"
    );
    let p = dir.join("old.npy");
    assert_eq!(
        parse_npy(&p, &fs::read(&p).unwrap()).unwrap().values,
        weights(&dir, "m.som")
    );
    let out = som(&dir, &["export", "--model", "m.som", "--weights", "new.npy"]);
    ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "wrote new.npy (12 units x 3 weights)\n"
    );
    // CSV by the name, with the features' names as header; any other name is an error.
    ok(&som(
        &dir,
        &["export", "--model", "m.som", "--weights", "new.csv"],
    ));
    let text = fs::read_to_string(dir.join("new.csv")).unwrap();
    assert!(text.starts_with("r,g,b\n"), "{text}");
    assert_eq!(
        burnax_som::io::read_matrix(&dir.join("new.csv")).unwrap().values,
        weights(&dir, "m.som")
    );
    fails(
        &som(&dir, &["export", "--model", "m.som", "--weights", "w.txt"]),
        &["--weights w.txt", ".npy or a .csv"],
    );
}

#[test]
fn argument_errors_are_one_line() {
    let (_t, dir) = tmp();
    let base = ["train", "--demo", "colors", "--width", "3", "--height", "3"];
    let cases: [(&[&str], &[&str]); 10] = [
        (
            &["--out", "m.som", "--sigma", "1"],
            &["--sigma", "'1'", "two numbers"],
        ),
        (
            &["--out", "m.som", "--device", "tpu"],
            &["--device tpu", "not a device"],
        ),
        (&["--out", "m.som", "--bogus"], &["--bogus"]),
        (&[], &["--out", "not provided"]),
        (&["--out", "m.som", "--seed", "x"], &["--seed", "'x'"]),
        (
            &["--out", "m.som", "--mode", "sideways"],
            &["--mode", "'sideways'", "batch", "online"],
        ),
        (
            &["--out", "m.som", "--topology", "square"],
            &["--topology", "'square'", "rectangular", "hexagonal"],
        ),
        (
            &["--out", "m.som", "--neighborhood", "mexican-hat"],
            &["--neighborhood mexican-hat", "--mode online"],
        ),
        (
            &["--out", "m.som", "--learning-rate", "0.5,0.1"],
            &["--learning-rate", "--mode online"],
        ),
        (
            &["--out", "m.som", "--topology", "hexagonal", "--toroidal"],
            &["--height 3", "even height"],
        ),
    ];
    for (extra, needles) in cases {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let out = som(&dir, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        fails(&out, needles);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    fails(&som(&dir, &["frob"]), &["'frob'"]);
    assert!(!dir.join("m.som").exists());

    // Help and version print as clap prints them, to stdout, and exit 0.
    for args in [&["--help"][..], &["train", "--help"], &["--version"]] {
        let out = som(&dir, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}");
        assert!(!ok(&out).is_empty(), "{args:?}");
    }
    assert!(ok(&som(&dir, &["train", "--help"])).contains("Usage: som train"));
}

#[test]
fn a_killed_run_resumes_to_the_same_weights() {
    let (_t, dir) = tmp();
    for (mode, len) in [("batch", "--epochs"), ("online", "--steps")] {
        let n = if mode == "batch" { "6" } else { "600" };
        let k = if mode == "batch" { "2" } else { "200" };
        let base = [
            "train", "--demo", "colors", "--width", "9", "--height", "7", "--mode", mode, len, n, "--seed",
            "3",
        ];
        let full = [&base[..], &["--out", "full.som"]].concat();
        ok(&som(&dir, &full));
        let want = weights(&dir, "full.som");

        // Stopped (like a kill) right after the checkpoint at progress 2 * k.
        let (len_n, k_n): (usize, usize) = (n.parse().unwrap(), k.parse().unwrap());
        let out = train_stopped(mode, len_n, k_n, dir.join("part.som"), 2 * k_n);
        assert!(out.is_err(), "{mode}: the run should have been stopped");
        let partial = weights(&dir, "part.som");
        assert_ne!(partial, want, "{mode}: checkpoint should hold a partial run");

        fails(
            &som(
                &dir,
                &[
                    "train", "--demo", "colors", "--resume", "part.som", len, "9", "--out", "part.som",
                ],
            ),
            &[len, "--resume"],
        );
        ok(&som(
            &dir,
            &[
                "train", "--demo", "colors", "--seed", "3", "--resume", "part.som", "--out", "part.som",
            ],
        ));
        assert_eq!(
            weights(&dir, "part.som"),
            want,
            "{mode}: resumed run differs from an uninterrupted one"
        );
        fails(
            &som(
                &dir,
                &[
                    "train",
                    "--demo",
                    "colors",
                    "--seed",
                    "3",
                    "--resume",
                    "part.som",
                    "--out",
                    "again.som",
                ],
            ),
            &["already complete"],
        );
        fails(
            &som(
                &dir,
                &[
                    "train", "--demo", "colors", "--seed", "4", "--resume", "full.som", "--out", "x.som",
                ],
            ),
            &["--seed 4", "checkpoint's seed 3"],
        );
        fails(
            &som(
                &dir,
                &[
                    "train", "--input", "full.som", "--init", "sample", "--resume", "part.som", "--out",
                    "x.som",
                ],
            ),
            &["--init", "--resume"],
        );
        fs::write(dir.join("other.csv"), "0.1,0.2,0.3\n0.4,0.5,0.6\n").unwrap();
        fails(
            &som(
                &dir,
                &[
                    "train",
                    "--input",
                    "other.csv",
                    "--resume",
                    "full.som",
                    "--out",
                    "x.som",
                ],
            ),
            &["full.som", "other data"],
        );
        assert!(
            listing(&dir).iter().all(|f| !f.ends_with(".tmp")),
            "temporary files left: {:?}",
            listing(&dir)
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_weights() {
    let (_t, dir) = tmp();
    for mode in ["batch", "online"] {
        let run = |seed: &str, out: &str| {
            ok(&som(
                &dir,
                &[
                    "train", "--demo", "colors", "--width", "8", "--height", "6", "--mode", mode, "--steps",
                    "500", "--seed", seed, "--out", out,
                ]
                .into_iter()
                .filter(|a| mode == "online" || (*a != "--steps" && *a != "500"))
                .collect::<Vec<_>>(),
            ));
            weights(&dir, out)
        };
        let a = run("5", "a.som");
        assert_eq!(a, run("5", "b.som"), "{mode}");
        // The whole file, metadata included, is the same bytes.
        assert_eq!(
            fs::read(dir.join("a.som")).unwrap(),
            fs::read(dir.join("b.som")).unwrap(),
            "{mode}"
        );
        assert_ne!(a, run("6", "c.som"), "{mode}");
    }
}

#[test]
fn an_unwritable_output_names_it_once() {
    let (_t, dir) = tmp();
    let out = som(
        &dir,
        &[
            "train",
            "--demo",
            "colors",
            "--width",
            "3",
            "--height",
            "3",
            "--epochs",
            "1",
            "--out",
            "no/such/dir/m.som",
        ],
    );
    // Refused before training, on one line that names the path once.
    fails(
        &out,
        &["--out no/such/dir/m.som: the directory no/such/dir does not exist"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        err.matches("no/such/dir/m.som").count(),
        1,
        "path repeated: {err}"
    );
}

#[test]
fn a_device_not_built_in_is_a_one_line_error() {
    let (_t, dir) = tmp();
    // Each GPU backend this `som` was built without is named in the error, with the feature that
    // adds it. (With the feature built in, a machine without the device gets the probe's error.)
    let missing = [("wgpu", cfg!(feature = "wgpu")), ("cuda", cfg!(feature = "cuda"))];
    for (name, _) in missing.into_iter().filter(|(_, built)| !built) {
        let out = som(
            &dir,
            &[
                "train", "--demo", "colors", "--width", "4", "--height", "3", "--out", "m.som", "--device",
                name,
            ],
        );
        fails(
            &out,
            &[&format!("--device {name}"), &format!("--features {name}")],
        );
        assert!(!dir.join("m.som").exists(), "a failed run wrote its output");
    }
}

/// A device this build has but the machine lacks: wgpu with no Vulkan driver to load (the
/// loader pointed at a driver list that does not exist) is one error line from the probe, before
/// any work. `.ci/run` runs it in its wgpu build.
#[cfg(feature = "wgpu")]
#[test]
fn a_device_the_machine_lacks_is_a_one_line_error() {
    let (_t, dir) = tmp();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(&dir)
        .env("VK_ICD_FILENAMES", dir.join("none.json"))
        .env("VK_DRIVER_FILES", dir.join("none.json"))
        .args([
            "train", "--demo", "colors", "--width", "4", "--height", "3", "--out", "m.som", "--device",
            "wgpu",
        ])
        .output()
        .unwrap();
    fails(&out, &["no usable wgpu device"]);
    assert_eq!(listing(&dir), Vec::<String>::new(), "a failed run wrote a file");
}

/// Issue 18's first class: no output may destroy an input or replace what is not ours to replace,
/// and every such case is refused before any work (no "trained" line), leaving the files as
/// they were.
#[test]
fn outputs_never_destroy_inputs_or_odd_files() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let (_t, dir) = tmp();
    let data = "0.1,0.2,0.3\n0.9,0.8,0.7\n0.5,0.5,0.5\n";
    fs::write(dir.join("d.csv"), data).unwrap();
    let train = [
        "train", "--input", "d.csv", "--width", "2", "--height", "2", "--epochs", "1",
    ];
    let refused = |args: &[&str], needles: &[&str]| {
        let out = som(&dir, &[&train[..], args].concat());
        fails(&out, needles);
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("trained"),
            "refused only after training"
        );
    };
    refused(
        &["--out", "d.csv"],
        &["--out d.csv: is the same file as --input d.csv"],
    );
    refused(
        &["--out", "m.som", "--png", "d.csv"],
        &["--png d.csv: is the same file as --input d.csv"],
    );
    refused(
        &["--out", "m.som", "--png", "m.som"],
        &["--png m.som: is the same file as --out m.som"],
    );
    fs::hard_link(dir.join("d.csv"), dir.join("hard.csv")).unwrap();
    symlink(dir.join("d.csv"), dir.join("soft.csv")).unwrap();
    refused(&["--out", "hard.csv"], &["is the same file as --input d.csv"]);
    refused(&["--out", "soft.csv"], &["is the same file as --input d.csv"]);
    refused(
        &["--out", "no/such/dir/m.som"],
        &["--out no/such/dir/m.som: the directory no/such/dir does not exist"],
    );
    fs::create_dir(dir.join("sub")).unwrap();
    refused(
        &["--out", "sub"],
        &["--out sub: exists and is not a regular file"],
    );
    fs::write(dir.join("ro.som"), "keep").unwrap();
    fs::set_permissions(dir.join("ro.som"), fs::Permissions::from_mode(0o444)).unwrap();
    refused(&["--out", "ro.som"], &["--out ro.som: exists and is read-only"]);
    assert_eq!(fs::read_to_string(dir.join("d.csv")).unwrap(), data);
    assert_eq!(fs::read_to_string(dir.join("ro.som")).unwrap(), "keep");

    // An init file is an input too; export and render do not overwrite their model.
    ok(&som(&dir, &[&train[..], &["--out", "m.som"]].concat()));
    ok(&som(&dir, &["export", "--model", "m.som", "--weights", "w.npy"]));
    refused(
        &["--init", "w.npy", "--out", "w.npy"],
        &["--out w.npy: is the same file as --init w.npy"],
    );
    let model = fs::read(dir.join("m.som")).unwrap();
    fails(
        &som(&dir, &["export", "--model", "m.som", "--weights", "m.som"]),
        &["--weights m.som: is the same file as --model m.som"],
    );
    fails(
        &som(&dir, &["render", "--model", "m.som", "--png", "m.som"]),
        &["--png m.som: is the same file as --model m.som"],
    );
    assert_eq!(fs::read(dir.join("m.som")).unwrap(), model);

    // Rewriting keeps the file's permissions; through a symlink, the target is replaced and the
    // link kept; our temporary files left by a dead process are removed, others are not.
    fs::set_permissions(dir.join("m.som"), fs::Permissions::from_mode(0o600)).unwrap();
    symlink(dir.join("m.som"), dir.join("link.som")).unwrap();
    fs::write(dir.join(".m.som.4194305.0123456789abcdef.tmp"), "stale").unwrap();
    fs::write(dir.join(".m.som.notours.tmp"), "other").unwrap();
    ok(&som(
        &dir,
        &[&train[..], &["--out", "link.som", "--seed", "1"]].concat(),
    ));
    assert!(fs::symlink_metadata(dir.join("link.som"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_ne!(
        fs::read(dir.join("m.som")).unwrap(),
        model,
        "the target holds the new model"
    );
    assert_eq!(
        fs::metadata(dir.join("m.som")).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!dir.join(".m.som.4194305.0123456789abcdef.tmp").exists());
    assert!(dir.join(".m.som.notours.tmp").exists());
    let temps: Vec<String> = listing(&dir)
        .into_iter()
        .filter(|f| f.ends_with(".tmp"))
        .collect();
    assert_eq!(temps, [".m.som.notours.tmp"]);
}

/// CSV files as pandas, spreadsheets and NumPy write them: a pandas index and a label column,
/// a semicolon file, standard input; the header's names kept in the model.
#[test]
fn real_csv_files_read_as_written() {
    let (_t, dir) = tmp();
    let rows = [
        (5.1, 3.5, "setosa"),
        (4.9, 3.0, "setosa"),
        (7.0, 3.2, "versicolor"),
        (6.4, 3.2, "versicolor"),
        (6.3, 3.3, "virginica"),
    ];
    let pandas: String = std::iter::once(",sepal_length,sepal_width,species\n".to_string())
        .chain(
            rows.iter()
                .enumerate()
                .map(|(i, (a, b, s))| format!("{i},{a},{b},{s}\n")),
        )
        .collect();
    fs::write(dir.join("iris.csv"), &pandas).unwrap();
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train", "--input", "iris.csv", "--width", "3", "--height", "2", "--epochs", "3",
        ];
        args.extend_from_slice(extra);
        som(&dir, &args)
    };
    fails(
        &train(&["--out", "m.som"]),
        &["iris.csv:2: column 4", "\"setosa\" is not a number"],
    );
    let out = train(&["--label-column", "species", "--out", "m.som"]);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: iris.csv: header row: , sepal_length, sepal_width, species"),
        "{err}"
    );
    assert!(err.contains("pandas index"), "{err}");
    assert!(err.contains("on 5 examples of dimension 2"), "{err}");
    let model = burnax_som::model::ModelFile::load(&dir.join("m.som")).unwrap();
    assert_eq!(model.features.unwrap(), ["sepal_length", "sepal_width"]);
    // The same by position, and with the columns named.
    ok(&train(&["--drop-columns", "1,4", "--out", "m2.som"]));
    ok(&train(&[
        "--columns",
        "sepal_width,sepal_length",
        "--out",
        "m3.som",
    ]));
    fails(
        &train(&["--columns", "petal", "--out", "m4.som"]),
        &["\"petal\": no such column"],
    );
    // A semicolon file from a spreadsheet, with quoted numbers.
    fs::write(
        dir.join("s.csv"),
        "\"a\";\"b\"\n\"5.1\";\"3.5\"\n4.9;3.0\n7.0;3.2\n",
    )
    .unwrap();
    let out = som(
        &dir,
        &[
            "train", "--input", "s.csv", "--width", "2", "--height", "2", "--epochs", "2", "--out", "s.som",
        ],
    );
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("on 3 examples of dimension 2"));
    // Standard input, and eval noting other column names than the model's.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(&dir)
        .args(["eval", "--model", "m.som", "--input", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"x,y\n5.0,3.4\n6.5,3.0\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = ok(&out);
    assert!(text.contains("quantization error"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("trained on columns sepal_length, sepal_width; these are x, y"),
        "{err}"
    );
}

/// `som predict`: every row's best unit, its grid cell and distance as the reference finds them
/// from the exported weights; the labels map counted by hand from those units; the same rows as
/// NPY; and its misuses as one-line errors that write nothing.
/// `--normalize`: stored in the model; the weights are the library's on the rescaled data;
/// `eval` rescales its data, `export --weights` gives the data's units, `--resume` rescales as
/// its checkpoint did; with no flag, wide ranges earn a warning.
#[test]
fn normalize_is_stored_and_every_command_applies_it() {
    let (_t, dir) = tmp();
    // Features spanning about 0..1, 0..1000 and 95..105, as raw wine's do.
    let n = 90;
    let values: Vec<f32> = (0..n)
        .flat_map(|i| {
            let t = i as f32;
            [
                (t * 0.37).sin() * 0.5 + 0.5,
                ((t * 0.11).cos() + 1.0) * 500.0,
                100.0 + (t * 0.7).sin() * 5.0,
            ]
        })
        .collect();
    let csv: String = std::iter::once("a,b,c\n".to_string())
        .chain(values.chunks(3).map(|r| format!("{},{},{}\n", r[0], r[1], r[2])))
        .collect();
    fs::write(dir.join("w.csv"), csv).unwrap();
    let train = |extra: &[&str], out: &str| {
        let mut args = vec![
            "train", "--input", "w.csv", "--width", "6", "--height", "5", "--epochs", "5", "--out", out,
        ];
        args.extend_from_slice(extra);
        let run = som(&dir, &args);
        ok(&run);
        String::from_utf8_lossy(&run.stderr).into_owned()
    };
    let err = train(&[], "raw.som");
    assert!(
        err.contains("warning: w.csv: feature ranges differ by")
            && err.contains("b spans")
            && err.contains("a spans"),
        "{err}"
    );
    assert_eq!(ModelFile::load(&dir.join("raw.som")).unwrap().normalization, None);
    assert!(!train(&["--normalize", "none"], "none.som").contains("warning"));

    let tensor =
        |v: &[f32]| Tensor::<Flex, 2>::from_data(TensorData::new(v.to_vec(), [n, 3]), &Default::default());
    for (flag, method, said) in [
        ("zscore", Normalize::ZScore, "z-scored"),
        ("minmax", Normalize::MinMax, "min-max scaled"),
    ] {
        let err = train(&["--normalize", flag], "n.som");
        assert!(!err.contains("warning") && err.contains(said), "{err}");
        let file = ModelFile::load(&dir.join("n.som")).unwrap();
        let want = Normalization::fit(method, &values, 3).unwrap();
        assert_eq!(file.normalization.as_ref(), Some(&want), "{flag}");
        let mut scaled = values.clone();
        want.apply(&mut scaled);
        let x = tensor(&scaled);
        let config = SomConfig::new(6, 5, 3).with_seed(0);
        let mut lib = config.init_with_data(&x).unwrap();
        lib.train_batch(&x, &BatchTrainingConfig::new(5)).unwrap();
        assert_eq!(
            file.weights,
            lib.weights_host(),
            "{flag}: the library's map on rescaled data"
        );

        // eval rescales the data: the reference's QE and hits on the rescaled rows.
        let json: serde_json::Value = serde_json::from_str(&ok(&som(
            &dir,
            &["eval", "--model", "n.som", "--input", "w.csv", "--json"],
        )))
        .unwrap();
        let w = ndarray::Array2::from_shape_vec((30, 3), f64s(&file.weights)).unwrap();
        let xs = ndarray::Array2::from_shape_vec((n, 3), f64s(&scaled)).unwrap();
        let qe = reference::quantization_error(xs.view(), w.view(), Distance::Euclidean);
        let got = json["quantization_error"].as_f64().unwrap();
        assert!(Tolerance::F32_VS_F64.accepts(got, qe), "{flag}: QE {got} vs {qe}");
        let hits = json_hits(&json);
        let want_hits: Vec<u64> = reference::hit_map(xs.view(), w.view(), Grid::new(6, 5))
            .iter()
            .copied()
            .collect();
        assert_eq!(hits, want_hits, "{flag}: hits");

        // export --weights: the data's units.
        let mut in_units = file.weights.clone();
        want.undo(&mut in_units);
        assert_eq!(weights(&dir, "n.som"), in_units, "{flag}: exported weights");

        // A rescaled run stopped at epoch 2 and resumed by the command ends where the run
        // straight through ended: the resumed data is rescaled as the checkpoint says.
        let mut stopped = config.init_with_data(&x).unwrap();
        let run = CheckpointedRun {
            config: config.clone(),
            schedule: Schedule::Batch(BatchTrainingConfig::new(5)),
            data_fingerprint: fingerprint(n, 3, &values),
            every: Some(2),
            out: dir.join("r.som"),
            features: Some(["a", "b", "c"].map(String::from).to_vec()),
            normalization: Some(want.clone()),
        };
        let stop = |_: &_, p: burnax_som::Progress| {
            if p.done == 2 {
                Err(SomError::Data("stop".into()))
            } else {
                Ok(())
            }
        };
        assert!(run.train(&mut stopped, &x, 0, stop).is_err());
        ok(&som(
            &dir,
            &["train", "--input", "w.csv", "--resume", "r.som", "--out", "r.som"],
        ));
        assert_eq!(
            ModelFile::load(&dir.join("r.som")).unwrap().weights,
            file.weights,
            "{flag}: resumed"
        );
    }
    fails(
        &som(
            &dir,
            &[
                "train",
                "--input",
                "w.csv",
                "--resume",
                "r.som",
                "--normalize",
                "zscore",
                "--out",
                "r.som",
            ],
        ),
        &["--normalize", "--resume"],
    );
}

#[test]
fn predict_gives_each_rows_unit_and_the_labels_map() {
    let (_t, dir) = tmp();
    // Three classes around three centres, 60 rows, a label column between the features.
    let mut text = String::from("a,species,b,c\n");
    let mut values = Vec::new();
    let mut classes = Vec::new();
    for i in 0..60 {
        let k = i % 3;
        let v = [
            k as f32 + (i as f32 * 0.37).sin() * 0.2,
            (i as f32 * 0.11).cos() * 0.3,
            k as f32 * 0.5,
        ];
        text.push_str(&format!(
            "{},{},{},{}\n",
            v[0],
            ["setosa", "versicolor", "virginica"][k],
            v[1],
            v[2]
        ));
        values.extend(v);
        classes.push(["setosa", "versicolor", "virginica"][k]);
    }
    fs::write(dir.join("iris.csv"), &text).unwrap();
    ok(&som(
        &dir,
        &[
            "train",
            "--input",
            "iris.csv",
            "--label-column",
            "species",
            "--width",
            "5",
            "--height",
            "4",
            "--epochs",
            "4",
            "--out",
            "m.som",
        ],
    ));
    let out = som(
        &dir,
        &[
            "predict",
            "--model",
            "m.som",
            "--input",
            "iris.csv",
            "--label-column",
            "species",
            "--out",
            "p.csv",
            "--labels-map",
            "l.csv",
        ],
    );
    ok(&out);
    let grid = Grid::new(5, 4);
    let w = weights(&dir, "m.som");
    let w64 = ndarray::Array2::from_shape_vec((grid.units(), 3), f64s(&w)).unwrap();
    let x64 = ndarray::Array2::from_shape_vec((60, 3), f64s(&values)).unwrap();
    let want = reference::bmus(Distance::Euclidean, x64.view(), w64.view());
    let text = fs::read_to_string(dir.join("p.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("x,y,unit,distance"));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 60);
    let dist = |i: usize, u: usize| -> f64 {
        (0..3)
            .map(|k| (x64[[i, k]] - w64[[u, k]]).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let mut units = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let u = r[2] as usize;
        // The f32 search may take the other unit of a near tie; its distance is the best one.
        assert!(
            u == want[i] || Tolerance::F32_VS_F64.accepts(dist(i, u), dist(i, want[i])),
            "row {i}: unit {u}, reference {}",
            want[i]
        );
        assert_eq!(
            (r[0], r[1]),
            ((u / 4) as f64, (u % 4) as f64),
            "row {i}: cell of unit {u}"
        );
        assert_eq!(r[3], dist(i, u), "row {i}: distance");
        units.push(u);
    }
    // The labels map, counted here from the units above.
    let text = fs::read_to_string(dir.join("l.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("unit,x,y,hits,majority,purity,setosa,versicolor,virginica")
    );
    let mut majority_rows = 0;
    for (u, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let counts: Vec<u64> = ["setosa", "versicolor", "virginica"]
            .iter()
            .map(|c| (0..60).filter(|&i| units[i] == u && classes[i] == *c).count() as u64)
            .collect();
        let hits: u64 = counts.iter().sum();
        assert_eq!(
            cells[..4],
            [
                u.to_string(),
                (u / 4).to_string(),
                (u % 4).to_string(),
                hits.to_string()
            ]
        );
        assert_eq!(
            cells[6..]
                .iter()
                .map(|c| c.parse::<u64>().unwrap())
                .collect::<Vec<_>>(),
            counts
        );
        let best = *counts.iter().max().unwrap();
        if hits == 0 {
            assert_eq!(cells[4..6], ["", ""], "unit {u} has no rows");
        } else {
            let first = counts.iter().position(|&c| c == best).unwrap();
            assert_eq!(cells[4], ["setosa", "versicolor", "virginica"][first], "unit {u}");
            assert_eq!(
                cells[5].parse::<f64>().unwrap(),
                best as f64 / hits as f64,
                "unit {u}"
            );
            majority_rows += best;
        }
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let purity = format!("purity {:.4}", majority_rows as f64 / 60.0);
    assert!(err.contains(&purity), "{purity} not in {err}");

    // NPY: the same numbers (in f32 when read back here), and labels from a file instead.
    let labels: String = classes.iter().map(|c| format!("{c}\n")).collect();
    fs::write(dir.join("labels.txt"), labels).unwrap();
    ok(&som(
        &dir,
        &[
            "predict",
            "--model",
            "m.som",
            "--input",
            "iris.csv",
            "--label-column",
            "species",
            "--out",
            "p.npy",
        ],
    ));
    let npy = parse_npy(&dir.join("p.npy"), &fs::read(dir.join("p.npy")).unwrap()).unwrap();
    assert_eq!((npy.rows, npy.cols), (60, 4));
    let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    assert_eq!(npy.values, flat);
    fs::write(dir.join("plain.csv"), text_without_labels(&values)).unwrap();
    ok(&som(
        &dir,
        &[
            "predict",
            "--model",
            "m.som",
            "--input",
            "plain.csv",
            "--labels",
            "labels.txt",
            "--out",
            "q.csv",
            "--labels-map",
            "l2.csv",
        ],
    ));
    assert_eq!(
        fs::read(dir.join("l2.csv")).unwrap(),
        fs::read(dir.join("l.csv")).unwrap()
    );

    let before = listing(&dir);
    let cases: &[(&[&str], &[&str])] = &[
        (&["--out", "r.txt"], &["--out r.txt", ".npy or a .csv"]),
        (
            &["--out", "r.csv", "--labels-map", "m.csv"],
            &["--labels-map needs", "--labels FILE"],
        ),
        (
            &[
                "--out",
                "r.csv",
                "--labels",
                "labels.txt",
                "--labels-map",
                "m.npy",
            ],
            &["--labels-map m.npy", "CSV"],
        ),
        (
            &["--out", "r.csv", "--labels", "short.txt"],
            &["--labels short.txt", "2 labels for 60 rows"],
        ),
        (
            &["--out", "r.csv", "--labels", "labels.txt", "--label-column", "x"],
            &["--labels", "--label-column"],
        ),
        (&["--out", "plain.npy"], &["plain.npy"]),
        // Labels files are inputs too.
        (
            &[
                "--labels",
                "short.csv",
                "--out",
                "r.csv",
                "--labels-map",
                "short.csv",
            ],
            &["--labels-map short.csv: is the same file as --labels short.csv"],
        ),
        (
            &["--labels", "short.csv", "--out", "short.csv"],
            &["--out short.csv: is the same file as --labels"],
        ),
    ];
    // NPY input: a CSV's header note would come before the error line.
    fs::write(dir.join("plain.npy"), burnax_som::io::npy_bytes(60, 3, &values)).unwrap();
    fs::write(dir.join("short.txt"), "a\nb\n").unwrap();
    fs::write(dir.join("short.csv"), "a\nb\n").unwrap();
    let new = ["short.txt", "short.csv", "plain.npy"].map(String::from).to_vec();
    let before = [before, new].concat();
    let mut before = before;
    before.sort();
    for (extra, needles) in cases {
        let mut args = vec!["predict", "--model", "m.som", "--input", "plain.npy"];
        args.extend_from_slice(extra);
        fails(&som(&dir, &args), needles);
        assert_eq!(listing(&dir), before, "{extra:?} wrote a file");
    }
}

/// `values` (3 columns) as a CSV with a header and no label column.
fn text_without_labels(values: &[f32]) -> String {
    let rows = values.chunks(3).map(|v| format!("{},{},{}\n", v[0], v[1], v[2]));
    std::iter::once("a,b,c\n".to_string()).chain(rows).collect()
}

/// A hexagonal torus with a bubble and the Manhattan distance, and a rectangular torus with a
/// Mexican hat and the cosine, online: trained by the command as by the library, stored in the
/// model, and `eval` measures QE and TE in the model's own grid and distance (the reference's).
#[test]
fn maps_other_than_the_playbooks_train_store_and_evaluate() {
    use burnax_som::{Neighborhood, Topology};
    let (_t, dir) = tmp();
    let colours = burnax_som::io::demo_colors(0);
    let xt = Tensor::<Flex, 2>::from_data(
        TensorData::new(colours.values.clone(), [1000, 3]),
        &Default::default(),
    );
    let x = ndarray::Array2::from_shape_vec((1000, 3), f64s(&colours.values)).unwrap();
    let runs: [(&[&str], SomConfig, Option<OnlineTrainingConfig>); 2] = [
        (
            &[
                "--topology",
                "hexagonal",
                "--toroidal",
                "--neighborhood",
                "bubble",
                "--distance",
                "manhattan",
                "--epochs",
                "6",
            ],
            SomConfig::new(8, 6, 3)
                .with_topology(Topology::Hexagonal)
                .with_toroidal(true)
                .with_neighborhood(Neighborhood::Bubble)
                .with_distance(Distance::Manhattan),
            None,
        ),
        (
            &[
                "--toroidal",
                "--neighborhood",
                "mexican-hat",
                "--distance",
                "cosine",
                "--mode",
                "online",
                "--steps",
                "3000",
                "--learning-rate",
                "0.5,0.02",
            ],
            SomConfig::new(8, 6, 3)
                .with_toroidal(true)
                .with_neighborhood(Neighborhood::MexicanHat)
                .with_distance(Distance::Cosine),
            Some(
                OnlineTrainingConfig::new(3000)
                    .with_clip(Some([0.0, 1.0]))
                    .with_alpha([0.5, 0.02]),
            ),
        ),
    ];
    for (i, (flags, config, online)) in runs.into_iter().enumerate() {
        let model = format!("m{i}.som");
        let mut args = vec![
            "train", "--demo", "colors", "--width", "8", "--height", "6", "--out", &model,
        ];
        args.extend_from_slice(flags);
        ok(&som(&dir, &args));
        let mut lib = config.init_with_data(&xt).unwrap();
        match &online {
            None => lib.train_batch(&xt, &BatchTrainingConfig::new(6)).unwrap(),
            Some(cfg) => lib.train_online(&xt, cfg, None, 0).unwrap(),
        }
        assert_eq!(
            weights(&dir, &model),
            lib.weights_host(),
            "{flags:?}: the command's map and the library's"
        );
        let file = ModelFile::load(&dir.join(&model)).unwrap();
        assert_eq!(
            file.config.spec(),
            config.spec(),
            "{flags:?}: stored in the model"
        );

        fs::write(
            dir.join("d.npy"),
            burnax_som::io::npy_bytes(1000, 3, &colours.values),
        )
        .unwrap();
        let json: serde_json::Value = serde_json::from_str(&ok(&som(
            &dir,
            &["eval", "--model", &model, "--input", "d.npy", "--json"],
        )))
        .unwrap();
        let w = ndarray::Array2::from_shape_vec((48, 3), f64s(&weights(&dir, &model))).unwrap();
        let spec = config.spec();
        let qe = reference::quantization_error(x.view(), w.view(), spec.distance);
        let te = reference::topographic_error(x.view(), w.view(), spec);
        let got = json["quantization_error"].as_f64().unwrap();
        assert!(
            Tolerance::F32_VS_F64.accepts(got, qe),
            "{flags:?}: QE {got}, reference {qe}"
        );
        assert_eq!(json["topographic_error"].as_f64().unwrap(), te, "{flags:?}: TE");
        ok(&som(
            &dir,
            &["render", "--model", &model, "--png", "p.png", "--mode", "umatrix"],
        ));
    }
}
