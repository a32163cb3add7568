//! Colours: the viridis map for values, a qualitative palette for classes.

/// An sRGB colour, each channel in `[0, 1]`.
pub type Rgb = [f32; 3];

/// Anchors of matplotlib's viridis colour map at 0, 1/4, 1/2, 3/4 and 1, interpolated linearly.
const VIRIDIS: [Rgb; 5] = [
    [0.267, 0.005, 0.329],
    [0.229, 0.322, 0.546],
    [0.128, 0.567, 0.551],
    [0.369, 0.789, 0.383],
    [0.993, 0.906, 0.144],
];

/// Viridis at `t`, clamped to `[0, 1]`: dark blue (low) to yellow (high), perceptually ordered
/// and readable in grey and by colour-blind readers.
pub fn viridis(t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f32;
    let i = (t.floor() as usize).min(VIRIDIS.len() - 2);
    let f = t - i as f32;
    std::array::from_fn(|c| VIRIDIS[i][c] * (1.0 - f) + VIRIDIS[i + 1][c] * f)
}

/// Matplotlib's `tab10` palette, the classes' colours in order.
const TAB10: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

/// The colour of class `k`: `tab10` for the first ten, then hues a golden angle apart (so that
/// any number of classes gets distinct, stable colours).
pub fn class_color(k: usize) -> Rgb {
    if let Some(c) = TAB10.get(k) {
        return c.map(|v| v as f32 / 255.0);
    }
    let hue = ((k - TAB10.len()) as f32 * 0.618_034 + 0.05).fract();
    hsv(hue, 0.65, 0.85)
}

/// HSV (each in `[0, 1]`) to RGB.
fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let i = (h * 6.0).floor();
    let f = h * 6.0 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - f * s), v * (1.0 - (1.0 - f) * s));
    match i as i32 % 6 {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

/// `c` mixed with white: `amount` 0 keeps it, 1 gives white.
pub fn toward_white(c: Rgb, amount: f32) -> Rgb {
    c.map(|v| v + (1.0 - v) * amount.clamp(0.0, 1.0))
}

/// A channel in `[0, 1]` as a byte.
pub fn byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_runs_through_its_anchors() {
        assert_eq!(viridis(0.0), VIRIDIS[0]);
        assert_eq!(viridis(0.5), VIRIDIS[2]);
        assert_eq!(viridis(1.0), VIRIDIS[4]);
        assert_eq!(viridis(-3.0), VIRIDIS[0], "clamped below");
        assert_eq!(viridis(7.0), VIRIDIS[4], "clamped above");
    }

    #[test]
    fn classes_get_distinct_colours() {
        let colours: Vec<[u8; 3]> = (0..40).map(|k| class_color(k).map(byte)).collect();
        for (i, a) in colours.iter().enumerate() {
            for b in &colours[..i] {
                let d: i32 = a.iter().zip(b).map(|(&x, &y)| (x as i32 - y as i32).abs()).sum();
                assert!(d > 12, "classes {i} and another look alike: {a:?} {b:?}");
            }
        }
        assert_eq!(class_color(0).map(byte), TAB10[0]);
    }
}
