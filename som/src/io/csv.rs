//! CSV files as spreadsheets, pandas and NumPy write them, read with the `csv` crate: the
//! rules are [`parse_csv_table`]'s.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

use super::matrix::{Matrix, Shard};
use crate::error::SomError;

/// What separates cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delimiter {
    /// One byte: `,`, `;`, `\t`, `|`, ...
    Byte(u8),
    /// Runs of spaces and tabs (NumPy's `savetxt` default, `loadtxt`'s), no quoting.
    Whitespace,
}

impl FromStr for Delimiter {
    type Err = String;

    /// `,`, `;`, `|`, `tab` (or a tab), `space` or `whitespace` (runs of either).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tab" | "\t" => Ok(Self::Byte(b'\t')),
            "space" | "whitespace" | " " => Ok(Self::Whitespace),
            s if s.len() == 1 && s.is_ascii() && !s.as_bytes()[0].is_ascii_alphanumeric() => {
                Ok(Self::Byte(s.as_bytes()[0]))
            }
            _ => Err(format!(
                "{s:?}: expected one punctuation character (, ; |), tab or whitespace"
            )),
        }
    }
}

impl Delimiter {
    fn name(&self) -> String {
        match self {
            Self::Byte(b'\t') => "tab".into(),
            Self::Byte(b) => format!("{:?}", *b as char),
            Self::Whitespace => "whitespace".into(),
        }
    }
}

/// A column, by its header name or its 1-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// The header's name for it.
    Name(String),
    /// Its position, from 1.
    Index(usize),
}

impl FromStr for Column {
    type Err = String;

    /// A number from 1 is a position; anything else a name.
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        match s.parse::<usize>() {
            Ok(0) => Err("columns are numbered from 1".into()),
            Ok(i) => Ok(Self::Index(i)),
            Err(_) if s.is_empty() => Err("an empty column name".into()),
            Err(_) => Ok(Self::Name(s.to_string())),
        }
    }
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Name(n) => write!(f, "{n:?}"),
            Self::Index(i) => write!(f, "{i}"),
        }
    }
}

/// How to read a CSV file's cells: by default, every column is a feature and the delimiter is
/// sniffed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// The delimiter; `None`: sniffed (see [`parse_csv_table`]).
    pub delimiter: Option<Delimiter>,
    /// The feature columns, in this order; `None`: all not dropped and not the label.
    pub columns: Option<Vec<Column>>,
    /// Columns that are not features.
    pub drop: Vec<Column>,
    /// The column of class labels (any text), kept apart from the features.
    pub label: Option<Column>,
}

/// A data file read: some rows of it, with what the file said about them.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The rows read, of the feature columns.
    pub shard: Shard,
    /// The feature columns' names, where the file has a header.
    pub features: Option<Vec<String>>,
    /// The label column's cells of the rows read, with [`CsvOptions::label`].
    pub labels: Option<Vec<String>>,
    /// What was detected, for the user: the header, a sniffed delimiter, a skipped index.
    pub notes: Vec<String>,
}

/// The bytes of a CSV file of `rows x cols` values (each written as the shortest decimal that
/// reads back as the same `f32`), with a header of `names` when given (quoted where a name
/// needs it).
///
/// # Panics
/// If `values` or `names` do not match the shape.
pub fn csv_bytes(rows: usize, cols: usize, values: &[f32], names: Option<&[String]>) -> Vec<u8> {
    assert_eq!(
        values.len(),
        rows * cols,
        "csv_bytes: {rows} x {cols} values expected"
    );
    let mut w = ::csv::Writer::from_writer(Vec::new());
    if let Some(names) = names {
        assert_eq!(names.len(), cols, "csv_bytes: one name per column");
        w.write_record(names).expect("writing to memory");
    }
    for row in values.chunks_exact(cols.max(1)) {
        w.write_record(row.iter().map(|v| v.to_string()))
            .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Parses CSV text with the default [`CsvOptions`] (every column a feature).
///
/// # Errors
/// As [`super::read_matrix`].
pub fn parse_csv(path: &Path, text: &str) -> Result<Matrix, SomError> {
    parse_csv_rows(path, text, |total| 0..total).map(|s| s.matrix)
}

/// [`parse_csv_table`] with the default options, its rows only.
///
/// # Errors
/// As [`super::read_matrix`].
pub fn parse_csv_rows(
    path: &Path,
    text: &str,
    rows: impl FnOnce(usize) -> Range<usize>,
) -> Result<Shard, SomError> {
    parse_csv_table(path, text, &CsvOptions::default(), rows).map(|t| t.shard)
}

/// Parses the data rows `rows(total)` of CSV text (numbered from 0; header, blank and comment
/// lines not counted), as parsing the whole and keeping those would: the other rows are counted,
/// not parsed. An error is the one the whole parse gives when it lies in those rows (or in the
/// header); the rows before them are not checked.
///
/// - **Delimiter**: given, or sniffed from the first 64 lines: the first of comma, tab, semicolon
///   and `|` that splits every one of them into the same number (more than one) of cells, else
///   runs of whitespace if those do, else one column.
/// - **Header**: a first row with no cell that reads as a finite number (a column may be named
///   `nan`) and some cell that is no number at all; always reported in [`Table::notes`]. An
///   empty first name in a header whose other names are given is pandas' index column: it is
///   skipped, with a note.
/// - Quoted cells (`"1.5"`), `\n`, `\r\n` and lone `\r` line ends, a UTF-8 byte-order mark,
///   blank lines and `#` comment lines.
/// - **Columns** ([`CsvOptions`]): all of them, or those named; minus those dropped; minus the
///   label column, whose cells may be any text (the class of each row).
///
/// # Errors
/// [`SomError::Parse`] naming the file, the line and the cell or column: an empty file, a ragged
/// row, a feature cell that is not a finite `f32` number, a column that is not there (or named
/// with no header), a column both a feature and the label.
pub fn parse_csv_table(
    path: &Path,
    text: &str,
    opts: &CsvOptions,
    rows: impl FnOnce(usize) -> Range<usize>,
) -> Result<Table, SomError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The csv crate counts lines by `\n`: old Mac files' lone `\r`s become `\n`s first.
    let text: Cow<str> = if text.contains('\r') && !text.contains('\n') {
        Cow::Owned(text.replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    // Comment lines are blanked rather than left to the csv crate, which does not count them
    // in its line numbers (and would read a quote in one as a field's start).
    let is_comment = |l: &str| l.trim_start().starts_with('#');
    let text: Cow<str> = if text.lines().any(is_comment) {
        let blanked: Vec<&str> = text.lines().map(|l| if is_comment(l) { "" } else { l }).collect();
        Cow::Owned(blanked.join("\n"))
    } else {
        text
    };
    let mut notes = Vec::new();
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => {
            let d = sniff(&text);
            if d != Delimiter::Byte(b',') {
                notes.push(format!("cells separated by {} (detected)", d.name()));
            }
            d
        }
    };
    let bad = |line: Option<usize>, m: String| SomError::parse(path, line, m);

    // Pass 1: the header, the width, the number of data rows.
    let mut header: Option<(usize, Vec<String>)> = None;
    let mut width = None;
    let mut total = 0;
    each_record(&text, delimiter, |line, cells| {
        if header.is_none() && width.is_none() && is_header(cells) {
            header = Some((line, cells.iter().map(|c| c.to_string()).collect()));
            width = Some(cells.len());
        } else {
            width = width.or(Some(cells.len()));
            total += 1;
        }
        true
    })
    .map_err(|(line, m)| bad(Some(line), m))?;
    let width = width.ok_or_else(|| bad(None, "no data rows".into()))?;
    if total == 0 {
        return Err(bad(None, "no data rows".into()));
    }
    let names = header.as_ref().map(|(_, n)| n.as_slice());
    if let Some(names) = names {
        let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
        let more = if names.len() > 8 {
            format!(", ... ({} in all)", names.len())
        } else {
            String::new()
        };
        notes.push(format!("header row: {}{more}", shown.join(", ")));
    }

    // The columns: features (in order) and the label, as 0-based positions.
    let find = |c: &Column, flag: &str| -> Result<usize, SomError> {
        match (c, names) {
            (Column::Index(i), _) if *i <= width => Ok(i - 1),
            (Column::Index(i), _) => Err(bad(None, format!("{flag} {i}: the file has {width} columns"))),
            (Column::Name(n), Some(names)) => names.iter().position(|h| h == n).ok_or_else(|| {
                bad(
                    None,
                    format!(
                        "{flag} {n:?}: no such column; the header names {}",
                        names.join(", ")
                    ),
                )
            }),
            (Column::Name(n), None) => Err(bad(
                None,
                format!("{flag} {n:?}: the file has no header row; name columns by number (from 1)"),
            )),
        }
    };
    let label = opts.label.as_ref().map(|c| find(c, "label column")).transpose()?;
    let dropped: Vec<usize> = opts
        .drop
        .iter()
        .map(|c| find(c, "dropped column"))
        .collect::<Result<_, _>>()?;
    let features: Vec<usize> = match &opts.columns {
        Some(cols) => cols.iter().map(|c| find(c, "column")).collect::<Result<_, _>>()?,
        None => {
            let index =
                names.is_some_and(|n| n.len() > 1 && n[0].is_empty() && n[1..].iter().all(|s| !s.is_empty()));
            if index && label != Some(0) && !dropped.contains(&0) {
                notes.push("column 1 has no name in the header (a pandas index): not a feature".into());
            }
            (usize::from(index)..width)
                .filter(|j| Some(*j) != label && !dropped.contains(j))
                .collect()
        }
    };
    if let Some(j) = features
        .iter()
        .find(|j| Some(**j) == label || dropped.contains(j))
    {
        return Err(bad(
            None,
            format!("column {} is both a feature and the label or dropped", j + 1),
        ));
    }
    if features.is_empty() {
        return Err(bad(None, "no feature columns left".into()));
    }

    // Pass 2: the rows kept.
    let keep = rows(total);
    let keep = keep.start.min(total)..keep.end.min(total);
    let header_line = header.as_ref().map(|(l, _)| *l);
    let mut values = Vec::with_capacity(keep.len().saturating_mul(features.len()).min(text.len() / 2 + 1));
    let mut labels = label.map(|_| Vec::with_capacity(keep.len().min(text.len() / 2 + 1)));
    let mut row = 0;
    let mut failure = None;
    each_record(&text, delimiter, |line, cells| {
        if Some(line) == header_line {
            return true;
        }
        if row >= keep.end {
            return false;
        }
        if row >= keep.start {
            if let Err(m) = parse_row(cells, width, &features, label, &mut values, labels.as_mut()) {
                failure = Some(bad(Some(line), m));
                return false;
            }
        }
        row += 1;
        true
    })
    .map_err(|(line, m)| bad(Some(line), m))?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(Table {
        shard: Shard {
            matrix: Matrix {
                rows: keep.len(),
                cols: features.len(),
                values,
            },
            first: keep.start,
            total,
        },
        features: names.map(|n| features.iter().map(|&j| n[j].clone()).collect()),
        labels,
        notes,
    })
}

/// A header has no cell that reads as a finite number and some cell that is no number at all
/// (a first row of `nan,inf` is data, and an error, not a header that hides it).
fn is_header(cells: &[&str]) -> bool {
    cells.iter().all(|c| !c.parse::<f64>().is_ok_and(f64::is_finite))
        && cells.iter().any(|c| c.parse::<f64>().is_err())
}

/// One row's feature values (and label) appended; the message of what is wrong otherwise.
fn parse_row(
    cells: &[&str],
    width: usize,
    features: &[usize],
    label: Option<usize>,
    values: &mut Vec<f32>,
    labels: Option<&mut Vec<String>>,
) -> Result<(), String> {
    if cells.len() != width {
        return Err(format!(
            "{} cells, expected {width} as on the lines before",
            cells.len()
        ));
    }
    for &j in features {
        let cell = cells[j];
        // Straight to f32: through f64, a decimal next to the midpoint of two f32s is rounded
        // twice and may land on the wrong one.
        let v: f32 = cell
            .parse()
            .map_err(|_| format!("column {}: {cell:?} is not a number", j + 1))?;
        if !v.is_finite() {
            return Err(format!("column {}: {cell} is not a finite f32 value", j + 1));
        }
        values.push(v);
    }
    if let (Some(j), Some(labels)) = (label, labels) {
        labels.push(cells[j].to_string());
    }
    Ok(())
}

/// Calls `f(line, cells)` for every record of `text` that is not blank or a comment, until it
/// returns false; cells are trimmed and unquoted. A malformed record is `(line, message)`.
fn each_record(
    text: &str,
    delimiter: Delimiter,
    mut f: impl FnMut(usize, &[&str]) -> bool,
) -> Result<(), (usize, String)> {
    let skip = |cells: &[&str]| cells.iter().all(|c| c.is_empty());
    match delimiter {
        Delimiter::Whitespace => {
            for (i, line) in text.lines().enumerate() {
                let cells: Vec<&str> = line.split_whitespace().collect();
                if cells.is_empty() || skip(&cells) {
                    continue;
                }
                if !f(i + 1, &cells) {
                    break;
                }
            }
        }
        Delimiter::Byte(b) => {
            let mut reader = ::csv::ReaderBuilder::new()
                .delimiter(b)
                .has_headers(false)
                .flexible(true)
                .trim(::csv::Trim::All)
                .from_reader(text.as_bytes());
            let mut record = ::csv::StringRecord::new();
            // Line numbers from byte offsets: the csv crate's own skip blank lines, and a record
            // starts where the blank lines before it do.
            let (mut at, mut line) = (0, 1);
            let mut line_of = |byte: usize| {
                let mut byte = byte.min(text.len());
                while matches!(text.as_bytes().get(byte), Some(b'\n' | b'\r')) {
                    byte += 1;
                }
                line += text.as_bytes()[at..byte].iter().filter(|&&b| b == b'\n').count();
                at = byte;
                line
            };
            loop {
                match reader.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        let line = e.position().map_or(0, |p| line_of(p.byte() as usize));
                        return Err((line, e.to_string()));
                    }
                }
                let line = record.position().map_or(0, |p| line_of(p.byte() as usize));
                let cells: Vec<&str> = record.iter().collect();
                if skip(&cells) {
                    continue;
                }
                if !f(line, &cells) {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// The delimiter of `text` (see [`parse_csv_table`]).
fn sniff(text: &str) -> Delimiter {
    let sample: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .take(64)
        .collect();
    let sample_text = sample.join("\n");
    let consistent = |d: Delimiter| -> bool {
        let mut counts = Vec::new();
        let _ = each_record(&sample_text, d, |_, cells| {
            counts.push(cells.len());
            true
        });
        counts
            .first()
            .is_some_and(|&c| c > 1 && counts.iter().all(|&n| n == c))
    };
    [b',', b'\t', b';', b'|']
        .into_iter()
        .map(Delimiter::Byte)
        .chain([Delimiter::Whitespace])
        .find(|&d| consistent(d))
        .unwrap_or(Delimiter::Byte(b','))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Matrix, SomError> {
        parse_csv(Path::new("d.csv"), text)
    }

    fn table(text: &str, opts: &CsvOptions) -> Result<Table, SomError> {
        parse_csv_table(Path::new("d.csv"), text, opts, |n| 0..n)
    }

    #[test]
    fn csv_with_and_without_header() {
        let m = csv("r,g,b\n0.1,0.2,0.3\n\n1,2,3\n").unwrap();
        assert_eq!((m.rows, m.cols), (2, 3));
        assert_eq!(m.values, vec![0.1, 0.2, 0.3, 1.0, 2.0, 3.0]);
        assert_eq!(csv("1, 2\n3 ,4").unwrap().values, vec![1.0, 2.0, 3.0, 4.0]);
        // Just above the midpoint of 1 and 1 + 2^-23: that f32, where f64 then f32 gives 1.
        assert_eq!(
            csv("1.0000000596046447753906251\n").unwrap().values,
            vec![1.0 + f32::EPSILON]
        );
        let t = table("r,g,b\n0.1,0.2,0.3\n", &CsvOptions::default()).unwrap();
        assert_eq!(t.features.unwrap(), ["r", "g", "b"]);
        assert_eq!(t.notes, ["header row: r, g, b"]);
        // Eight names are shown in full; more are cut, with their count.
        let names = |k: usize| (1..=k).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
        let row = |k: usize| vec!["1"; k].join(",");
        let t = table(&format!("{}\n{}\n", names(8), row(8)), &CsvOptions::default()).unwrap();
        assert_eq!(t.notes, ["header row: c1, c2, c3, c4, c5, c6, c7, c8"]);
        let t = table(&format!("{}\n{}\n", names(9), row(9)), &CsvOptions::default()).unwrap();
        assert_eq!(
            t.notes,
            ["header row: c1, c2, c3, c4, c5, c6, c7, c8, ... (9 in all)"]
        );
    }

    /// `--columns` and friends: a number from 1 is a position, anything else a name; shown in
    /// errors as given.
    #[test]
    fn columns_parse_and_show() {
        assert_eq!(" 3 ".parse::<Column>(), Ok(Column::Index(3)));
        assert_eq!("petal".parse::<Column>(), Ok(Column::Name("petal".into())));
        assert!("0".parse::<Column>().unwrap_err().contains("from 1"));
        assert!(" ".parse::<Column>().unwrap_err().contains("empty column name"));
        assert_eq!(Column::Index(3).to_string(), "3");
        assert_eq!(Column::Name("petal".into()).to_string(), "\"petal\"");
    }

    /// What spreadsheets and other tools write: a byte-order mark, old Mac line ends, `#`
    /// comments (NumPy's `savetxt` header), a column named `nan`, quoted numbers.
    #[test]
    fn csv_dialects_read_as_written() {
        let want = vec![1.0, 2.0, 3.0, 4.0];
        assert_eq!(csv("\u{feff}1,2\n3,4\n").unwrap().values, want);
        assert_eq!(csv("1,2\r3,4\r").unwrap().values, want);
        assert_eq!(csv("1,2\r\n3,4").unwrap().values, want);
        assert_eq!(csv("# a, b\n1,2\n# note \"quoted\n3,4\n").unwrap().values, want);
        assert_eq!(csv("\"1\",\"2\"\n\"3\",4\n").unwrap().values, want);
        let m = csv("x,nan\n1,2\n3,4\n").unwrap();
        assert_eq!((m.rows, m.values), (2, want.clone()));
        // Line numbers count every line end, comments included.
        assert_eq!(
            csv("1,2\r#\r3\r").unwrap_err().to_string(),
            "d.csv:3: 1 cells, expected 2 as on the lines before"
        );
        assert_eq!(
            csv("1,2\r\n3,4,5").unwrap_err().to_string(),
            "d.csv:2: 3 cells, expected 2 as on the lines before"
        );
    }

    /// Tab, semicolon and whitespace files are sniffed: none loses its first row to header
    /// guessing or reads as one column.
    /// `--delimiter`'s values: names, a tab, one punctuation byte; letters, digits, longer
    /// strings and non-ASCII refused.
    #[test]
    fn delimiters_parse_from_their_names() {
        let d = |s: &str| s.parse::<Delimiter>();
        assert_eq!(d("tab"), Ok(Delimiter::Byte(b'\t')));
        assert_eq!(d("\t"), Ok(Delimiter::Byte(b'\t')));
        for s in ["space", "whitespace", " "] {
            assert_eq!(d(s), Ok(Delimiter::Whitespace), "{s:?}");
        }
        for (s, b) in [(",", b','), (";", b';'), ("|", b'|')] {
            assert_eq!(d(s), Ok(Delimiter::Byte(b)), "{s:?}");
        }
        for s in ["a", "7", ";;", "§", ""] {
            let e = d(s).unwrap_err();
            assert!(e.contains("expected one punctuation character"), "{s:?}: {e}");
        }
    }

    #[test]
    fn delimiters_are_sniffed() {
        let want = vec![1.5, 2.0, 3.0, 4.0];
        for (text, name) in [
            ("1.5\t2\n3\t4\n", "tab"),
            ("1.5;2\n3;4\n", "';'"),
            ("1.5  2\n 3 4\n", "whitespace"),
            ("a|b\n1.5|2\n3|4\n", "'|'"),
            // A comment is not a sample line, whatever it holds.
            ("# x;y;z\n1.5;2\n3;4\n", "';'"),
        ] {
            let t = table(text, &CsvOptions::default()).unwrap();
            assert_eq!(t.shard.matrix.values, want, "{text:?}");
            assert!(t.notes[0].contains(name), "{text:?}: {:?}", t.notes);
        }
        assert_eq!(csv("1\n2\n3\n").unwrap().cols, 1, "one column");
        let given = CsvOptions {
            delimiter: Some(Delimiter::Byte(b';')),
            ..Default::default()
        };
        assert_eq!(
            table("1,5;2\n", &given).unwrap_err().to_string(),
            "d.csv:1: column 1: \"1,5\" is not a number"
        );
    }

    /// The delimiter is sniffed from data lines: comments and blank lines before the data do
    /// not use up the lines sampled.
    #[test]
    fn a_long_preamble_of_comments_does_not_hide_the_delimiter() {
        let text = format!("{}\n\n1.5;2\n3;4\n", "# exported by a tool\n".repeat(70));
        let t = table(&text, &CsvOptions::default()).unwrap();
        assert_eq!(t.shard.matrix.values, vec![1.5, 2.0, 3.0, 4.0]);
        assert!(t.notes[0].contains("';'"), "{:?}", t.notes);
    }

    /// A pandas CSV: an unnamed index column (skipped) and a label column (kept apart).
    #[test]
    fn pandas_index_and_label_columns() {
        let text = ",sepal,petal,species\n0,5.1,1.4,setosa\n1,7.0,4.7,versicolor\n";
        let e = table(text, &CsvOptions::default()).unwrap_err().to_string();
        assert_eq!(e, "d.csv:2: column 4: \"setosa\" is not a number");
        let opts = CsvOptions {
            label: Some("species".parse().unwrap()),
            ..Default::default()
        };
        let t = table(text, &opts).unwrap();
        assert_eq!(t.shard.matrix.values, vec![5.1, 1.4, 7.0, 4.7]);
        assert_eq!(t.features.unwrap(), ["sepal", "petal"]);
        assert_eq!(t.labels.unwrap(), ["setosa", "versicolor"]);
        assert!(t.notes[1].contains("pandas index"), "{:?}", t.notes);
        let opts = CsvOptions {
            columns: Some(vec!["petal".parse().unwrap(), Column::Index(1)]),
            ..Default::default()
        };
        assert_eq!(
            table(text, &opts).unwrap().shard.matrix.values,
            vec![1.4, 0.0, 4.7, 1.0]
        );
        let opts = CsvOptions {
            drop: vec!["species".parse().unwrap(), Column::Index(3)],
            ..Default::default()
        };
        assert_eq!(table(text, &opts).unwrap().shard.matrix.values, vec![5.1, 7.0]);
        for (opts, needle) in [
            (
                CsvOptions {
                    label: Some("kind".parse().unwrap()),
                    ..Default::default()
                },
                "no such column; the header names , sepal",
            ),
            (
                CsvOptions {
                    columns: Some(vec![Column::Index(9)]),
                    ..Default::default()
                },
                "the file has 4 columns",
            ),
            (
                CsvOptions {
                    columns: Some(vec![Column::Index(4)]),
                    label: Some(Column::Index(4)),
                    ..Default::default()
                },
                "both a feature and the label",
            ),
        ] {
            let e = table(text, &opts).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
        let e = table(
            "1,2\n",
            &CsvOptions {
                columns: Some(vec!["x".parse().unwrap()]),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no header row"), "{e}");
    }

    /// What `csv_bytes` writes reads back as the same bits, names and all.
    #[test]
    fn written_csv_reads_back() {
        let values = [0.1f32, -2.5e-8, 3.0, f32::MAX, 1.0 / 3.0, 7.0];
        let names = ["a, b".to_string(), "c".to_string()];
        let text = String::from_utf8(csv_bytes(3, 2, &values, Some(&names))).unwrap();
        let t = table(&text, &CsvOptions::default()).unwrap();
        assert_eq!(t.shard.matrix.values, values);
        assert_eq!(t.features.unwrap(), names);
    }

    #[test]
    fn csv_errors_name_line_and_cell() {
        assert_eq!(
            csv("1,2\n3\n").unwrap_err().to_string(),
            "d.csv:2: 1 cells, expected 2 as on the lines before"
        );
        assert_eq!(
            csv("1,2\n3,x\n").unwrap_err().to_string(),
            "d.csv:2: column 2: \"x\" is not a number"
        );
        assert!(csv("1,nan\n")
            .unwrap_err()
            .to_string()
            .starts_with("d.csv:1: column 2: nan is not a finite"));
        assert!(csv("1,1e39\n").unwrap_err().to_string().contains("1e39"));
        assert_eq!(csv("").unwrap_err().to_string(), "d.csv: no data rows");
        assert_eq!(csv("a,b\n").unwrap_err().to_string(), "d.csv: no data rows");
        // Whitespace-separated lines are numbered from 1 too, blank lines counted.
        assert_eq!(
            csv("1 2\n\n3 x\n").unwrap_err().to_string(),
            "d.csv:3: column 2: \"x\" is not a number"
        );
        // A first row of non-finite numbers is data (and an error), not a header that hides it.
        assert!(csv("nan,inf\n1,2\n")
            .unwrap_err()
            .to_string()
            .starts_with("d.csv:1: column 1: nan"));
    }
}
