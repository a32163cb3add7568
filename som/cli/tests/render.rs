//! `som render`: every mode draws each unit in the colour its numbers give, numbers read
//! independently through `som export`, `som eval --json` and `som predict`; and every misuse is
//! one `error:` line before any work.

use std::fs;
use std::path::Path;

mod common;
use common::{fails, ok, som, tmp};

use burnax_som::io::parse_npy;
use burnax_som::render::{class_color, viridis, Figure, Panel, Plot};
use burnax_som::Grid;

/// Pixels per unit in these tests (the default is checked on its own).
const SCALE: usize = 12;
const SCALE_FLAG: &str = "12";

/// A PNG's width, height and RGB bytes.
fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// The colour of every unit's centre in a one-panel picture of `grid` at [`SCALE`]: where the
/// library's layout puts it (the map's place does not depend on what the panel shows).
fn unit_colours(path: &Path, grid: Grid) -> Vec<[u8; 3]> {
    let (w, _, rgb) = decode(path);
    let layout = Figure::new(
        grid,
        vec![Panel {
            title: String::new(),
            plot: Plot::Rgb(&[]),
        }],
    )
    .with_scale(SCALE);
    (0..grid.units())
        .map(|u| {
            let (x, y) = layout.unit_center(0, u);
            let i = (y as usize * w as usize + x as usize) * 3;
            [rgb[i], rgb[i + 1], rgb[i + 2]]
        })
        .collect()
}

fn byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Viridis of each value, scaled from the smallest to the largest.
fn heat(values: &[f32]) -> Vec<[u8; 3]> {
    let lo = values.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    values
        .iter()
        .map(|v| viridis((v - lo) / (hi - lo)).map(byte))
        .collect()
}

fn npy(dir: &Path, name: &str) -> (usize, Vec<f32>) {
    let path = dir.join(name);
    let m = parse_npy(&path, &fs::read(&path).unwrap()).unwrap();
    (m.cols, m.values)
}

/// Trains `f.som` on three well separated classes in 4-D (`f.csv`, with a label column `kind`)
/// with the map flags `map`.
fn train_flowers(dir: &Path, map: &[&str]) {
    let mut text = String::from("a,b,c,d,kind\n");
    for (k, name) in ["iris", "lily", "rose"].iter().enumerate() {
        for i in 0..20 {
            let v: Vec<String> = (0..4)
                .map(|j| {
                    format!(
                        "{:.3}",
                        k as f32 * 3.0 + ((i * 7 + j * 3) % 11) as f32 * 0.05 + j as f32
                    )
                })
                .collect();
            text.push_str(&format!("{},{name}\n", v.join(",")));
        }
    }
    fs::write(dir.join("f.csv"), text).unwrap();
    let mut args = vec![
        "train",
        "--input",
        "f.csv",
        "--label-column",
        "kind",
        "--out",
        "f.som",
    ];
    args.extend_from_slice(map);
    ok(&som(dir, &args));
}

#[test]
fn every_mode_draws_the_numbers_the_other_commands_give() {
    let (_t, dir) = tmp();
    let grid = Grid::new(5, 4);
    train_flowers(
        &dir,
        &[
            "--normalize",
            "zscore",
            "--width",
            "5",
            "--height",
            "4",
            "--epochs",
            "10",
        ],
    );
    let render = |png: &str, extra: &[&str]| {
        let mut args = vec!["render", "--model", "f.som", "--png", png, "--scale", SCALE_FLAG];
        args.extend_from_slice(extra);
        ok(&som(&dir, &args));
        unit_colours(&dir.join(png), grid)
    };

    // Component planes, in the data's units: export's weights, one column each.
    ok(&som(
        &dir,
        &[
            "export",
            "--model",
            "f.som",
            "--weights",
            "w.npy",
            "--umatrix",
            "u.npy",
        ],
    ));
    let (d, w) = npy(&dir, "w.npy");
    assert_eq!(d, 4);
    let plane = |k: usize| -> Vec<f32> { w.iter().skip(k).step_by(d).copied().collect() };
    assert_eq!(
        render("c.png", &["--mode", "components", "--component", "c"]),
        heat(&plane(2))
    );
    assert_eq!(
        render("c3.png", &["--mode", "components", "--component", "3"]),
        heat(&plane(2))
    );

    // The U-matrix, the default for a map of dimension 4.
    let (_, u) = npy(&dir, "u.npy");
    assert_eq!(render("u.png", &[]), heat(&u));
    assert_eq!(render("u2.png", &["--mode", "umatrix"]), heat(&u));

    // Hits: eval's per-unit counts.
    let data = ["--input", "f.csv", "--label-column", "kind"];
    let mut eval = vec!["eval", "--model", "f.som", "--json"];
    eval.extend_from_slice(&data);
    let json: serde_json::Value = serde_json::from_str(&ok(&som(&dir, &eval))).unwrap();
    let hits: Vec<f32> = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_u64().unwrap() as f32)
        .collect();
    let mut args = vec!["--mode", "hits"];
    args.extend_from_slice(&data);
    assert_eq!(render("h.png", &args), heat(&hits));

    // Labels: predict's labels map; a pure unit in its class's colour, a mixed one paler, an
    // empty one grey.
    let mut predict = vec![
        "predict",
        "--model",
        "f.som",
        "--out",
        "b.csv",
        "--labels-map",
        "lm.csv",
    ];
    predict.extend_from_slice(&data);
    ok(&som(&dir, &predict));
    let mut args = vec!["--mode", "labels"];
    args.extend_from_slice(&data);
    let drawn = render("l.png", &args);
    let classes = ["iris", "lily", "rose"];
    let map = fs::read_to_string(dir.join("lm.csv")).unwrap();
    let mut seen = [false; 3];
    for line in map.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let unit: usize = cells[0].parse().unwrap();
        let c = drawn[unit];
        match (cells[4], cells[5]) {
            ("", "") => {
                assert_eq!(c, [217; 3], "unit {unit}: empty");
                seen[0] = true;
            }
            (class, purity) => {
                let k = classes.iter().position(|&n| n == class).unwrap();
                let colour = class_color(k).map(byte);
                if purity == "1" {
                    assert_eq!(c, colour, "unit {unit}: all {class}");
                    seen[1] = true;
                } else {
                    assert!(
                        c != colour && c.iter().zip(colour).all(|(&a, b)| a >= b),
                        "unit {unit}: paler"
                    );
                    seen[2] = true;
                }
            }
        }
    }
    assert!(seen[1], "a pure unit was checked: {map}");

    // Weights as RGB: a map of dimension 3, its weights clipped to [0, 1].
    ok(&som(
        &dir,
        &[
            "train", "--demo", "colors", "--width", "6", "--height", "4", "--epochs", "3", "--out", "c.som",
        ],
    ));
    ok(&som(&dir, &["export", "--model", "c.som", "--weights", "cw.npy"]));
    let (_, cw) = npy(&dir, "cw.npy");
    let want: Vec<[u8; 3]> = cw
        .chunks(3)
        .map(|p| [byte(p[0]), byte(p[1]), byte(p[2])])
        .collect();
    ok(&som(
        &dir,
        &[
            "render", "--model", "c.som", "--png", "c.png", "--scale", SCALE_FLAG,
        ],
    ));
    assert_eq!(unit_colours(&dir.join("c.png"), Grid::new(6, 4)), want);
}

#[test]
fn pictures_are_about_600_pixels_and_say_their_size() {
    let (_t, dir) = tmp();
    ok(&som(
        &dir,
        &[
            "train", "--demo", "colors", "--width", "10", "--height", "10", "--epochs", "2", "--out", "m.som",
        ],
    ));
    let out = som(&dir, &["render", "--model", "m.som", "--png", "m.png"]);
    ok(&out);
    let (w, h, _) = decode(&dir.join("m.png"));
    assert!((600..900).contains(&w) && (600..800).contains(&h), "{w} x {h}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim(), format!("wrote m.png ({w} x {h} pixels)"));
    // train --png draws the same picture.
    ok(&som(
        &dir,
        &[
            "train", "--demo", "colors", "--width", "10", "--height", "10", "--epochs", "2", "--out",
            "m2.som", "--png", "m2.png",
        ],
    ));
    assert_eq!(decode(&dir.join("m2.png")).0, w);
}

#[test]
fn misuse_is_one_line_before_any_work() {
    let (_t, dir) = tmp();
    train_flowers(&dir, &["--width", "3", "--height", "2", "--epochs", "2"]);
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "--model", "f.som", "--png", "p.png"];
        args.extend_from_slice(extra);
        som(&dir, &args)
    };
    let cases: [(&[&str], &[&str]); 10] = [
        (
            &["--mode", "weights"],
            &["--mode weights", "dimension 4", "--mode components"],
        ),
        (&["--mode", "hits"], &["--mode hits", "give --input"]),
        (
            &["--mode", "labels", "--input", "f.csv"],
            &["--mode labels needs", "--label-column"],
        ),
        (
            &["--mode", "umatrix", "--input", "f.csv"],
            &["--input is read by --mode hits and labels"],
        ),
        (
            &["--component", "2"],
            &["--component picks a plane of --mode components"],
        ),
        (
            &["--mode", "components", "--component", "5"],
            &["--component 5", "features 1 to 4"],
        ),
        (
            &["--mode", "components", "--component", "x"],
            &["--component x", "no such feature", "a, b, c, d"],
        ),
        (
            &["--mode", "hits", "--input", "f.csv", "--labels", "f.csv"],
            &["--labels is read by --mode labels"],
        ),
        (&["--scale", "0"], &["--scale must be at least 1"]),
        (&["--mode", "tpu"], &["tpu"]),
    ];
    for (args, needles) in cases {
        fails(&render(args), needles);
    }
    assert!(!dir.join("p.png").exists());
    // A title or legend never makes a picture of a huge map fail late: the size is checked first.
    fails(
        &render(&["--scale", "1000000000"]),
        &["--scale 1000000000", "larger than PNG allows"],
    );
}
