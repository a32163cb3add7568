//! A figure: one or more labelled pictures of a map, drawn with plotters.
//!
//! Each panel is a title, the map with its x and y axes (unit `(x, y)` is the square
//! `[x, x + 1) x [y, y + 1)`, `y` growing upwards as in matplotlib's `pcolor`, which MiniSom's
//! examples use; on a hexagonal grid a hexagon centred on the unit's position, odd rows half a
//! unit to the right, rows `sqrt(3) / 2` apart) and, beside it, what explains the colours: a
//! colour bar for values, a legend for classes, nothing for weights drawn as RGB.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use super::color::{byte, class_color, toward_white, viridis, Rgb};
use super::image::{Image, MAX_SIDE};
use crate::error::SomError;
use crate::grid::{Grid, Topology, HEX_ROW};
use crate::labels::LabelsMap;

/// What a panel shows of each unit.
pub enum Plot<'a> {
    /// 3-D weights as colours: `units * 3` values, read as RGB in `[0, 1]` (clipped outside).
    Rgb(&'a [f32]),
    /// One value per unit, coloured with viridis from the smallest (dark blue) to the largest
    /// (yellow), with a colour bar titled `label`.
    Values {
        /// A value per unit, in unit order.
        values: &'a [f32],
        /// What the values are, written along the colour bar.
        label: &'a str,
    },
    /// Each unit's majority class, paler where fewer of its rows belong to it (lower purity),
    /// light grey where no row has it as best unit; a legend names the classes.
    Classes(&'a LabelsMap),
}

/// A titled picture of one map.
pub struct Panel<'a> {
    /// The text above the map.
    pub title: String,
    /// What the map shows.
    pub plot: Plot<'a>,
}

/// One or more panels of the same grid, laid out in rows.
///
/// ```
/// use burnax_som::render::{Figure, Panel, Plot};
/// use burnax_som::Grid;
///
/// let u = [0.1, 0.4, 0.2, 0.9, 0.3, 0.5]; // a 3 x 2 map's U-matrix
/// let panel = Panel { title: "U-matrix".into(), plot: Plot::Values { values: &u, label: "distance" } };
/// let image = Figure::new(Grid::new(3, 2), vec![panel]).draw()?;
/// assert!(image.width > 400 && image.width < 900, "about 600 pixels of map, and labels");
/// # Ok::<(), burnax_som::SomError>(())
/// ```
pub struct Figure<'a> {
    grid: Grid,
    panels: Vec<Panel<'a>>,
    columns: usize,
    scale: usize,
}

/// Blank pixels around each part.
const MARGIN: u32 = 8;
/// The title's band.
const TITLE: u32 = 28;
/// The x axis' ticks and name, below the map.
const X_AXIS: u32 = 34;
/// The y axis' ticks and name, left of the map.
const Y_AXIS: u32 = 44;
/// The colour bar: a gap, the bar, its ticks and name.
const BAR_GAP: u32 = 10;
const BAR_WIDTH: u32 = 16;
const BAR_LABELS: u32 = 70;
/// A legend line's height and its swatch's side.
const LEGEND_LINE: u32 = 18;
const SWATCH: u32 = 12;
/// The most classes a legend names; the rest are counted in one line.
const LEGEND_MAX: usize = 30;
/// Font sizes in pixels.
const TITLE_FONT: f64 = 16.0;
const LABEL_FONT: f64 = 12.0;
/// The font family every text is drawn in (DejaVu Sans, embedded).
const FONT: &str = "sans-serif";
/// How many pixels of map a figure aims at, across all its columns.
const TARGET_SIDE: usize = 600;
/// The fewest pixels of map a panel of many aims at.
const TARGET_PANEL_MIN: usize = 150;

/// Colour of a unit that no row has as best unit.
const EMPTY: Rgb = [0.85, 0.85, 0.85];
/// How much of a unit's class colour turns white at purity 0 (linearly less up to purity 1).
const PALE: f32 = 0.8;

impl<'a> Figure<'a> {
    /// The panels of `grid`, in about as many columns as rows, each map about
    /// [`Figure::default_scale`] pixels per unit.
    pub fn new(grid: Grid, panels: Vec<Panel<'a>>) -> Self {
        let columns = (panels.len() as f64).sqrt().ceil().max(1.0) as usize;
        let scale = Self::default_scale(grid, columns);
        Self {
            grid,
            panels,
            columns,
            scale,
        }
    }

    /// Pixels per unit for `columns` panels side by side: about 600 pixels of map in all, at
    /// least 150 a panel and one a unit.
    pub fn default_scale(grid: Grid, columns: usize) -> usize {
        let side = (TARGET_SIDE / columns.max(1)).max(TARGET_PANEL_MIN);
        (side / grid.width.max(grid.height).max(1)).max(1)
    }

    /// Draws each unit as `scale x scale` pixels instead.
    pub fn with_scale(mut self, scale: usize) -> Self {
        self.scale = scale;
        self
    }

    /// Pixels per unit.
    pub fn scale(&self) -> usize {
        self.scale
    }

    /// The picture's width and height in pixels; `None` if a side would exceed
    /// [`MAX_SIDE`], the scale is 0 or there are no panels.
    pub fn size(&self) -> Option<(u32, u32)> {
        let (w, h) = self.cell()?;
        let rows = self.panels.len().div_ceil(self.columns) as u64;
        let (w, h) = (w.checked_mul(self.columns as u64)?, h.checked_mul(rows)?);
        (w <= MAX_SIDE && h <= MAX_SIDE).then_some((w as u32, h as u32))
    }

    /// About how many bytes drawing and encoding the picture needs: its RGB pixels twice;
    /// `None` where [`Figure::size`] is.
    pub fn bytes(&self) -> Option<u64> {
        let (w, h) = self.size()?;
        Some(w as u64 * h as u64 * 3 * 2)
    }

    /// The pixel at the centre of `unit` in panel `panel` (panels in reading order).
    ///
    /// # Panics
    /// If the figure has no such panel or grid no such unit, or its size is `None`.
    pub fn unit_center(&self, panel: usize, unit: usize) -> (u32, u32) {
        assert!(panel < self.panels.len() && unit < self.grid.units());
        self.center_in(self.cell().expect("a drawable figure"), panel, unit)
    }

    /// [`Figure::unit_center`] given the cell size (measuring the titles for it is not free).
    fn center_in(&self, cell: (u64, u64), panel: usize, unit: usize) -> (u32, u32) {
        let (left, top) = self.map_origin(cell, panel);
        let (cx, cy) = self.center_on_map(unit);
        (
            (left as f64 + cx).floor() as u32,
            (top as f64 + cy).floor() as u32,
        )
    }

    /// The top left pixel of panel `panel`'s map.
    fn map_origin(&self, (cw, ch): (u64, u64), panel: usize) -> (u64, u64) {
        let (col, row) = ((panel % self.columns) as u64, (panel / self.columns) as u64);
        (
            col * cw + (MARGIN + Y_AXIS) as u64,
            row * ch + (TITLE + MARGIN) as u64,
        )
    }

    /// The centre of `unit` in pixels from the map's top left corner: the middle of its square,
    /// or of its hexagon (`scale` wide flat side to flat side, pointed top and bottom).
    fn center_on_map(&self, unit: usize) -> (f64, f64) {
        let (x, y) = self.grid.coords(unit);
        let s = self.scale as u64;
        match self.grid.topology {
            // Whole pixels: the square's left edge plus half its side, rounded down.
            Topology::Rectangular => (
                (x as u64 * s + s / 2) as f64,
                ((self.grid.height - 1 - y) as u64 * s + s / 2) as f64,
            ),
            Topology::Hexagonal => {
                let s = s as f64;
                (
                    (x as f64 + 0.5 + self.grid.x_shift(y)) * s,
                    hex_radius(s) + (self.grid.height - 1 - y) as f64 * s * HEX_ROW,
                )
            }
        }
    }

    /// The map's width and height in pixels: `width x height` squares, or the hexagons' extent
    /// (half a unit wider for the shifted rows; rows `sqrt(3) / 2` apart plus a hexagon's
    /// points).
    fn map_size(&self) -> Option<(u64, u64)> {
        let s = self.scale as u64;
        let w = (self.grid.width as u64).checked_mul(s)?;
        match self.grid.topology {
            Topology::Rectangular => Some((w, (self.grid.height as u64).checked_mul(s)?)),
            Topology::Hexagonal => {
                let sf = s as f64;
                let h = (self.grid.height - 1) as f64 * sf * HEX_ROW + 2.0 * hex_radius(sf);
                // Past 2^53 the f64 is not exact; such a map is far past MAX_SIDE anyway.
                (h < 9e15).then_some((w.checked_add(s / 2 + 1)?, h.ceil() as u64 + 1))
            }
        }
    }

    /// The chart's coordinate ranges along x and y: grid cells, so that unit `(x, y)`'s centre
    /// is at `(x + 0.5, y + 0.5)` (on a hexagonal grid plus the row's shift along x, and
    /// along y in rows, not positions).
    fn chart_ranges(&self, (map_w, map_h): (u64, u64)) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
        let (gx, gy) = (self.grid.width as f64, self.grid.height as f64);
        match self.grid.topology {
            Topology::Rectangular => (0.0..gx, 0.0..gy),
            Topology::Hexagonal => {
                let s = self.scale as f64;
                let bottom = 0.5 - hex_radius(s) / (s * HEX_ROW);
                let (w, h) = (map_w as f64 / s, map_h as f64 / (s * HEX_ROW));
                (0.0..w, bottom..bottom + h)
            }
        }
    }

    /// The map pixels around `unit`'s cell (x range, y range), from the map's top left.
    fn bounding_box(&self, unit: usize) -> (std::ops::Range<u64>, std::ops::Range<u64>) {
        let (cx, cy) = self.center_on_map(unit);
        let s = self.scale as u64;
        match self.grid.topology {
            Topology::Rectangular => {
                let (left, top) = (cx as u64 - s / 2, cy as u64 - s / 2);
                (left..left + s, top..top + s)
            }
            Topology::Hexagonal => {
                let (r, big) = (s as f64 / 2.0, hex_radius(s as f64));
                let lo = |c: f64, half: f64| (c - half).floor().max(0.0) as u64;
                let hi = |c: f64, half: f64| (c + half).ceil() as u64;
                (lo(cx, r)..hi(cx, r), lo(cy, big)..hi(cy, big))
            }
        }
    }

    /// Whether map pixel `(px, py)` (its centre) lies in `unit`'s cell, whose bounding box
    /// holds it: its square, or its hexagon (`|dx| <= s / 2` and `|dx| / 2 + |dy| sqrt(3) / 2
    /// <= s / 2`).
    fn in_cell(&self, unit: usize, px: u64, py: u64) -> bool {
        match self.grid.topology {
            Topology::Rectangular => true,
            Topology::Hexagonal => {
                let (cx, cy) = self.center_on_map(unit);
                let r = self.scale as f64 / 2.0;
                let (dx, dy) = ((px as f64 + 0.5 - cx).abs(), (py as f64 + 0.5 - cy).abs());
                dx <= r && 0.5 * dx + HEX_ROW * dy <= r
            }
        }
    }

    /// Draws the figure.
    ///
    /// # Errors
    /// [`SomError::Config`] for a scale of 0 or no panels; [`SomError::Limit`] for a side
    /// beyond [`MAX_SIDE`]; [`SomError::Data`] if a plot's values do not match the grid;
    /// [`SomError::Picture`] if drawing fails.
    pub fn draw(&self) -> Result<Image, SomError> {
        if self.scale == 0 || self.panels.is_empty() {
            return Err(SomError::Config(
                "a figure needs at least one panel and a scale of at least 1 pixel a unit".into(),
            ));
        }
        let (w, h) = self.size().ok_or_else(|| {
            SomError::Limit(format!(
                "a picture of a {} x {} map at {} pixels a unit is larger than PNG allows",
                self.grid.width, self.grid.height, self.scale
            ))
        })?;
        self.check_plots()?;
        fonts();
        let cell = self.cell().expect("size() is Some");
        let mut rgb = vec![255u8; w as usize * h as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            let (cw, ch) = cell;
            for (i, panel) in self.panels.iter().enumerate() {
                let (col, row) = ((i % self.columns) as i32, (i / self.columns) as i32);
                let cell = root
                    .clone()
                    .shrink((col * cw as i32, row * ch as i32), (cw as u32, ch as u32));
                self.draw_panel(&cell, panel).map_err(picture)?;
            }
            root.present().map_err(picture)?;
        }
        let mut image = Image {
            width: w,
            height: h,
            rgb,
        };
        // The maps themselves pixel by pixel, exactly where unit_center says, after plotters
        // (whose rectangles include both corners, so neighbours would overlap by a pixel).
        let (map_w, map_h) = self.map_size().expect("size() is Some");
        for (i, panel) in self.panels.iter().enumerate() {
            let colours = unit_colours(&panel.plot, self.grid.units());
            let (left, top) = self.map_origin(cell, i);
            for (unit, c) in colours.iter().enumerate() {
                let (xs, ys) = self.bounding_box(unit);
                for py in ys.start..ys.end.min(map_h) {
                    for px in xs.start..xs.end.min(map_w) {
                        if self.in_cell(unit, px, py) {
                            let at = (((top + py) * w as u64 + left + px) * 3) as usize;
                            image.rgb[at..at + 3].copy_from_slice(c);
                        }
                    }
                }
            }
        }
        Ok(image)
    }

    /// The size of every panel's cell: the largest panel's.
    fn cell(&self) -> Option<(u64, u64)> {
        if self.scale == 0 || self.panels.is_empty() {
            return None;
        }
        let (map_w, map_h) = self.map_size()?;
        let (mut w, mut h) = (0, 0);
        for p in &self.panels {
            let (side_w, side_h) = side_size(&p.plot);
            let title = text_width(&p.title, TITLE_FONT) + 2 * MARGIN;
            w = w.max(title as u64);
            w = w.max((MARGIN + Y_AXIS) as u64 + map_w + MARGIN as u64 + side_w as u64);
            h = h.max(TITLE as u64 + (MARGIN as u64 + map_h + X_AXIS as u64).max(side_h as u64));
        }
        Some((w, h))
    }

    fn check_plots(&self) -> Result<(), SomError> {
        let units = self.grid.units();
        for p in &self.panels {
            let (n, want, what) = match &p.plot {
                Plot::Rgb(w) => (w.len(), units * 3, "RGB values"),
                Plot::Values { values, .. } => (values.len(), units, "values"),
                Plot::Classes(m) => (m.units(), units, "units of labels"),
            };
            if n != want {
                return Err(SomError::Data(format!(
                    "{}: {n} {what} for a {} x {} map (want {want})",
                    p.title, self.grid.width, self.grid.height
                )));
            }
        }
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        panel: &Panel,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (map_w, map_h) = self.map_size().expect("a drawable figure");
        let (xs, ys) = self.chart_ranges((map_w, map_h));
        let (map_w, map_h) = (map_w as u32, map_h as u32);
        let (title, body) = cell.split_vertically(TITLE);
        title.draw(&Text::new(
            panel.title.clone(),
            (MARGIN as i32, (MARGIN / 2) as i32),
            (FONT, TITLE_FONT).into_font().color(&BLACK),
        ))?;
        let (chart_area, side) = body.split_horizontally(MARGIN + Y_AXIS + map_w + MARGIN);
        let (chart_area, _) = chart_area.split_vertically(MARGIN + map_h + X_AXIS);
        let mut chart = ChartBuilder::on(&chart_area)
            .margin_top(MARGIN)
            .margin_left(MARGIN)
            .margin_right(MARGIN)
            .x_label_area_size(X_AXIS)
            .y_label_area_size(Y_AXIS)
            .build_cartesian_2d(xs, ys)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x")
            .y_desc("y")
            .x_label_formatter(&whole)
            .y_label_formatter(&whole)
            .label_style((FONT, LABEL_FONT))
            .axis_desc_style((FONT, LABEL_FONT))
            .draw()?;
        match &panel.plot {
            Plot::Rgb(_) => Ok(()),
            Plot::Values { values, label } => {
                let (bar, _) = side.split_vertically(MARGIN + map_h + X_AXIS);
                colour_bar(&bar, values, label)
            }
            Plot::Classes(m) => legend(&side, m),
        }
    }
}

/// A hexagon's circumradius for a flat-to-flat width of `s`: `s / sqrt(3)`.
fn hex_radius(s: f64) -> f64 {
    s / 3f64.sqrt()
}

/// The colour `plot` gives each of `units` units.
fn unit_colours(plot: &Plot, units: usize) -> Vec<[u8; 3]> {
    let (lo, span) = match plot {
        Plot::Values { values, .. } => spread(values),
        _ => (0.0, 1.0),
    };
    let colour = |unit: usize| -> Rgb {
        match plot {
            Plot::Rgb(w) => [w[unit * 3], w[unit * 3 + 1], w[unit * 3 + 2]],
            Plot::Values { values, .. } => viridis((values[unit] - lo) / span),
            Plot::Classes(m) => match (m.majority(unit), m.purity(unit)) {
                (Some(k), Some(p)) => toward_white(class_color(k), PALE * (1.0 - p as f32)),
                _ => EMPTY,
            },
        }
    };
    (0..units).map(|u| colour(u).map(byte)).collect()
}

/// A value's smallest and its spread (1 where all are equal, so that they get one colour).
fn spread(values: &[f32]) -> (f32, f32) {
    let lo = values.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    (lo, if hi > lo { hi - lo } else { 1.0 })
}

/// Axis ticks at whole units only (unit edges).
fn whole(v: &f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// A colour bar from the values' smallest to their largest, ticks on its right.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    values: &[f32],
    label: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (lo, span) = spread(values);
    let (lo, hi) = (lo as f64, (lo + span) as f64);
    let mut bar = ChartBuilder::on(area)
        .margin_top(MARGIN)
        .margin_left(BAR_GAP)
        .margin_bottom(X_AXIS)
        .margin_right(MARGIN)
        .right_y_label_area_size(BAR_LABELS)
        .build_cartesian_2d(0f64..1f64, lo..hi)?
        .set_secondary_coord(0f64..1f64, lo..hi);
    bar.configure_secondary_axes()
        .y_desc(label)
        .y_label_formatter(&|v| tick(*v))
        .label_style((FONT, LABEL_FONT))
        .axis_desc_style((FONT, LABEL_FONT))
        .draw()?;
    let steps = 256;
    bar.draw_series((0..steps).map(|k| {
        let (a, b) = (k as f64 / steps as f64, (k + 1) as f64 / steps as f64);
        let c = viridis(((k as f64 + 0.5) / steps as f64) as f32);
        Rectangle::new(
            [(0.0, lo + a * (hi - lo)), (1.0, lo + b * (hi - lo))],
            plotters_rgb(c).filled(),
        )
    }))?;
    Ok(())
}

/// A tick label: up to 4 decimals, trailing zeros dropped; scientific where plain would be
/// long or lose the value (below 1e-3, from 1e5).
fn tick(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.into()
        }
    }
}

/// The legend of a labels map: a swatch and the class's name and row count per class.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    map: &LabelsMap,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = (FONT, LABEL_FONT).into_font().color(&BLACK);
    let (x, mut y) = (BAR_GAP as i32, MARGIN as i32);
    for line in legend_lines(map) {
        if let Some(c) = line.1 {
            let s = SWATCH as i32;
            let top = y + (LEGEND_LINE as i32 - s) / 2;
            area.draw(&Rectangle::new(
                [(x, top), (x + s, top + s)],
                plotters_rgb(c).filled(),
            ))?;
        }
        area.draw(&Text::new(line.0, (x + SWATCH as i32 + 6, y + 2), style.clone()))?;
        y += LEGEND_LINE as i32;
    }
    Ok(())
}

/// The legend's lines: text and, for a class, its swatch colour.
fn legend_lines(map: &LabelsMap) -> Vec<(String, Option<Rgb>)> {
    let totals = class_totals(map);
    let classes = map.classes();
    let mut lines: Vec<(String, Option<Rgb>)> = classes
        .iter()
        .zip(&totals)
        .take(LEGEND_MAX)
        .enumerate()
        .map(|(k, (name, n))| (format!("{name} ({n})"), Some(class_color(k))))
        .collect();
    if classes.len() > LEGEND_MAX {
        lines.push((format!("and {} more classes", classes.len() - LEGEND_MAX), None));
    }
    lines.push(("paler: lower purity".into(), None));
    lines.push(("no rows".into(), Some(EMPTY)));
    lines
}

/// How many rows each class has.
fn class_totals(map: &LabelsMap) -> Vec<u64> {
    let mut totals = vec![0; map.classes().len()];
    for unit in 0..map.units() {
        for (t, c) in totals.iter_mut().zip(map.counts(unit)) {
            *t += c;
        }
    }
    totals
}

/// The width and height the part beside the map needs.
fn side_size(plot: &Plot) -> (u32, u32) {
    match plot {
        Plot::Rgb(_) => (0, 0),
        Plot::Values { .. } => (BAR_GAP + BAR_WIDTH + BAR_LABELS + MARGIN, 0),
        Plot::Classes(m) => {
            let lines = legend_lines(m);
            let text = lines
                .iter()
                .map(|(t, _)| text_width(t, LABEL_FONT))
                .max()
                .unwrap_or(0);
            (
                BAR_GAP + SWATCH + 6 + text + MARGIN,
                MARGIN + lines.len() as u32 * LEGEND_LINE + MARGIN,
            )
        }
    }
}

/// How wide `text` is drawn at `size` pixels.
fn text_width(text: &str, size: f64) -> u32 {
    fonts();
    let font = (FONT, size).into_font();
    // A font that cannot measure would fail the drawing too, with its reason.
    font.box_size(text)
        .map_or(size as u32 * text.len() as u32, |(w, _)| w)
}

fn plotters_rgb(c: Rgb) -> RGBColor {
    let [r, g, b] = c.map(byte);
    RGBColor(r, g, b)
}

fn picture<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> SomError {
    SomError::Picture(e.to_string())
}

/// Registers the embedded DejaVu Sans as the font every text is drawn in, once: pictures look
/// the same on every machine and need no system fonts.
pub(super) fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let ok = register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok();
        assert!(ok, "the embedded DejaVu Sans is a valid font");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(image: &Image, (x, y): (u32, u32)) -> [u8; 3] {
        image.pixel(x, y)
    }

    /// A figure of one panel.
    fn one_panel<'a>(grid: Grid, title: &str, plot: Plot<'a>) -> Figure<'a> {
        Figure::new(
            grid,
            vec![Panel {
                title: title.into(),
                plot,
            }],
        )
    }

    #[test]
    fn units_are_drawn_where_unit_center_says() {
        // A 3 x 2 map: unit i = x * 2 + y, each a different colour.
        let grid = Grid::new(3, 2);
        let w: Vec<f32> = (0..6).flat_map(class_color).collect();
        for scale in [1, 2, 7, 50] {
            let fig = one_panel(grid, "weights", Plot::Rgb(&w)).with_scale(scale);
            let image = fig.draw().unwrap();
            assert_eq!((image.width, image.height), fig.size().unwrap());
            for unit in 0..6 {
                let want = class_color(unit).map(byte);
                assert_eq!(
                    at(&image, fig.unit_center(0, unit)),
                    want,
                    "scale {scale}, unit {unit}"
                );
            }
            // y grows upwards: unit (0, 1) is drawn above unit (0, 0).
            assert!(fig.unit_center(0, 1).1 < fig.unit_center(0, 0).1);
        }
    }

    #[test]
    fn hexagonal_units_are_hexagons_where_unit_center_says() {
        let grid = Grid::new(3, 4).with_topology(Topology::Hexagonal);
        let w: Vec<f32> = (0..12).flat_map(class_color).collect();
        for scale in [4, 9, 40] {
            let fig = one_panel(grid, "weights", Plot::Rgb(&w)).with_scale(scale);
            let image = fig.draw().unwrap();
            for unit in 0..12 {
                let c = fig.unit_center(0, unit);
                assert_eq!(
                    at(&image, c),
                    class_color(unit).map(byte),
                    "scale {scale}, unit {unit}"
                );
            }
            // Unit (0, 1) is half a unit right of (0, 0) and a row (sqrt(3)/2 units) above.
            let (a, b) = (fig.unit_center(0, 0), fig.unit_center(0, 1));
            let s = scale as f64;
            assert!(((b.0 as f64 - a.0 as f64) - s / 2.0).abs() <= 1.0, "{a:?} {b:?}");
            assert!(
                ((a.1 as f64 - b.1 as f64) - s * HEX_ROW).abs() <= 1.0,
                "{a:?} {b:?}"
            );
            if scale >= 9 {
                // Left of an odd row's first hexagon is blank: the row is shifted.
                let left_of_b = (b.0 - scale as u32 / 2 - 2, b.1);
                assert_eq!(at(&image, left_of_b), [255; 3], "scale {scale}");
            }
        }
    }

    #[test]
    fn default_size_is_about_600_pixels_of_map() {
        for (w, h) in [(10, 10), (3, 2), (240, 135), (1, 1)] {
            let s = Figure::default_scale(Grid::new(w, h), 1);
            let side = w.max(h) * s;
            assert!((300..=600).contains(&side), "{w} x {h}: {side} pixels");
        }
        assert_eq!(Figure::default_scale(Grid::new(2000, 5), 1), 1);
        assert_eq!(
            Figure::default_scale(Grid::new(10, 10), 8),
            15,
            "at least 150 a panel"
        );
    }

    #[test]
    fn values_run_from_dark_to_bright_with_a_bar() {
        let grid = Grid::new(4, 1);
        let v = [3.0, 1.0, 2.0, 5.0];
        let fig = one_panel(
            grid,
            "U-matrix",
            Plot::Values {
                values: &v,
                label: "distance",
            },
        );
        let image = fig.draw().unwrap();
        assert_eq!(
            at(&image, fig.unit_center(0, 1)),
            viridis(0.0).map(byte),
            "the smallest"
        );
        assert_eq!(
            at(&image, fig.unit_center(0, 3)),
            viridis(1.0).map(byte),
            "the largest"
        );
        assert_eq!(at(&image, fig.unit_center(0, 0)), viridis(0.5).map(byte));
        // The bar: a column right of the map whose colours run from viridis(0) to viridis(1).
        let (_, cy) = fig.unit_center(0, 0);
        let map_w = 4 * fig.scale() as u32;
        let x = MARGIN + Y_AXIS + map_w + MARGIN + BAR_GAP + BAR_WIDTH / 2;
        let column: Vec<[u8; 3]> = (0..image.height).map(|y| at(&image, (x, y))).collect();
        let near = |c: [u8; 3], t: f32| {
            let want = viridis(t).map(byte);
            c.iter().zip(want).all(|(&a, b)| (a as i32 - b as i32).abs() <= 6)
        };
        assert!(
            column.iter().any(|&c| near(c, 0.0)),
            "the bar's bottom colour, at y {cy}"
        );
        assert!(column.iter().any(|&c| near(c, 1.0)), "the bar's top colour");
        let top = column.iter().position(|&c| near(c, 1.0)).unwrap();
        let bottom = column.iter().rposition(|&c| near(c, 0.0)).unwrap();
        assert!(top < bottom, "bright at the top, dark at the bottom");
    }

    #[test]
    fn classes_are_coloured_by_majority_and_paled_by_purity() {
        let grid = Grid::new(3, 1);
        let labels: Vec<String> = ["a", "a", "b", "a", "b"].iter().map(|s| s.to_string()).collect();
        // Unit 0: a, a (pure a); unit 1: b, a, b (b, purity 2/3); unit 2: nothing.
        let map = LabelsMap::new(3, &[0, 0, 1, 1, 1], &labels);
        let fig = one_panel(grid, "labels", Plot::Classes(&map));
        let image = fig.draw().unwrap();
        assert_eq!(at(&image, fig.unit_center(0, 0)), class_color(0).map(byte));
        let pale = toward_white(class_color(1), PALE / 3.0).map(byte);
        assert_eq!(at(&image, fig.unit_center(0, 1)), pale);
        assert_eq!(at(&image, fig.unit_center(0, 2)), EMPTY.map(byte));
        let lines = legend_lines(&map);
        assert_eq!(lines[0].0, "a (3)");
        assert_eq!(lines[1].0, "b (2)");
    }

    #[test]
    fn panels_are_laid_out_in_rows() {
        let grid = Grid::new(2, 2);
        // Unit 0 the smallest of each plane.
        let planes: Vec<Vec<f32>> = (0..5)
            .map(|k| vec![-(k as f32), 1.0, 2.0, 3.0 + k as f32])
            .collect();
        let panels = planes
            .iter()
            .enumerate()
            .map(|(k, v)| Panel {
                title: format!("feature {k}"),
                plot: Plot::Values {
                    values: v,
                    label: "value",
                },
            })
            .collect();
        let fig = Figure::new(grid, panels);
        let image = fig.draw().unwrap();
        // Five panels: three columns, two rows.
        let (a, b, d) = (
            fig.unit_center(0, 0),
            fig.unit_center(1, 0),
            fig.unit_center(3, 0),
        );
        assert!(b.0 > a.0 && b.1 == a.1 && d.0 == a.0 && d.1 > a.1);
        for p in 0..5 {
            assert_eq!(
                at(&image, fig.unit_center(p, 0)),
                viridis(0.0).map(byte),
                "panel {p}"
            );
        }
    }

    #[test]
    fn bad_plots_and_sizes_are_errors() {
        let grid = Grid::new(2, 2);
        let short = [0.0; 3];
        let fig = one_panel(
            grid,
            "u",
            Plot::Values {
                values: &short,
                label: "",
            },
        );
        assert!(matches!(fig.draw(), Err(SomError::Data(m)) if m.contains("3 values")));
        let v = [0.0; 4];
        let huge = one_panel(
            grid,
            "u",
            Plot::Values {
                values: &v,
                label: "",
            },
        )
        .with_scale(1 << 31);
        assert_eq!(huge.size(), None);
        assert!(matches!(huge.draw(), Err(SomError::Limit(_))));
        assert_eq!(fig.with_scale(0).size(), None);
        assert_eq!(Figure::new(grid, Vec::new()).size(), None, "no panels");
        assert!(matches!(
            Figure::new(grid, Vec::new()).draw(),
            Err(SomError::Config(_))
        ));
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(12.0), "12");
        assert_eq!(tick(1.23456), "1.2346");
        assert_eq!(tick(123456.0), "1.23e5");
        assert_eq!(tick(-0.00001), "-1.00e-5");
    }
}
