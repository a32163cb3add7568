//! Model files: the weights, the map's config, the training state, the features' names and
//! their normalisation together, as [safetensors](https://github.com/huggingface/safetensors).
//!
//! Python reads them with the `safetensors` package:
//!
//! ```text
//! from safetensors import safe_open
//! with safe_open("colors.som", "np") as f:
//!     w = f.get_tensor("weights")            # (width * height, dim) float32, row i = x * height + y
//!     meta = f.metadata()                    # {"format": "burnax-som/1", "config": "{...}", ...}
//! ```
//!
//! Safetensors was chosen over Burn's record formats because it is readable outside Rust,
//! carries string metadata for the config and the training state, and is validated on load
//! (a truncated or corrupt file is an error, not garbage weights).
//!
//! Safetensors checks the file's structure, not its values, so the metadata also holds a
//! `checksum` entry: the CRC-32 (IEEE, as Python's `zlib.crc32`) of the weights' bytes and of
//! the `config` and (when they are there) `training`, `features` (a JSON list of names) and
//! `normalization` ([`Normalization`] as JSON: the weights live in the rescaled space) entries,
//! as `crc32:weights=XXXXXXXX,config=XXXXXXXX,training=XXXXXXXX,...` in lowercase hex, in that
//! order. A load
//! recomputes it, and a flipped byte anywhere in them is a [`SomError::Model`] naming the part.
//! Files written before the checksum still load, unverified ([`PayloadCheck::NoChecksum`]):
//!
//! ```text
//! import zlib
//! zlib.crc32(w.tobytes()) == int(meta["checksum"].split("weights=")[1][:8], 16)
//! ```
//!
//! The metadata entries are written in sorted order, so a model's file is the same bytes on
//! every save.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::tensor::Dtype;
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use crate::error::SomError;
use crate::io::write_atomic;
use crate::normalize::Normalization;
use crate::schedule::{BatchTrainingConfig, OnlineTrainingConfig};
use crate::som::SomConfig;

/// The `config` entry of a model file. Files written before the grid, neighbourhood and
/// distance options lack those fields: they are the playbook's map (flat, rectangular,
/// Gaussian, Euclidean), filled in before the config is read.
fn read_config(entry: &str) -> Result<SomConfig, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(entry)?;
    if let Some(fields) = value.as_object_mut() {
        for (key, default) in [
            ("topology", "rectangular".into()),
            ("toroidal", false.into()),
            ("neighborhood", "gaussian".into()),
            ("distance", "euclidean".into()),
        ] {
            fields.entry(key).or_insert(default);
        }
    }
    serde_json::from_value(value)
}

/// The value of the `format` metadata entry.
pub const FORMAT: &str = "burnax-som/1";

/// Where a training run stands: enough to resume it exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingState {
    /// The schedule.
    pub schedule: Schedule,
    /// Epochs (batch) or steps (online) done.
    pub done: usize,
    /// Fingerprint of the training data ([`fingerprint`]): resuming on other data is refused.
    pub data_fingerprint: String,
}

/// A training schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum Schedule {
    /// Batch training.
    Batch(BatchTrainingConfig),
    /// Online training; the example order is [`crate::example_order`] of the config's seed.
    Online(OnlineTrainingConfig),
}

impl Schedule {
    /// Epochs or steps in the whole schedule.
    pub fn total(&self) -> usize {
        match self {
            Schedule::Batch(c) => c.epochs,
            Schedule::Online(c) => c.steps,
        }
    }
}

/// FNV-1a over the shape and the bits of the values: identifies a data set.
pub fn fingerprint(rows: usize, cols: usize, values: &[f32]) -> String {
    let mut f = Fingerprint::new(rows, cols);
    f.eat(values);
    f.finish()
}

/// [`fingerprint`] taken in pieces: the values in order, in as many calls as there are pieces
/// (ranks that each hold some rows continue the previous rank's state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    rows: usize,
    cols: usize,
    /// The FNV-1a state so far.
    pub state: u64,
}

impl Fingerprint {
    /// The state after the shape, before any value.
    pub fn new(rows: usize, cols: usize) -> Self {
        let mut f = Fingerprint {
            rows,
            cols,
            state: 0xcbf2_9ce4_8422_2325,
        };
        f.bytes(&(rows as u64).to_le_bytes());
        f.bytes(&(cols as u64).to_le_bytes());
        f
    }

    /// Continues with `values`.
    pub fn eat(&mut self, values: &[f32]) {
        for v in values {
            self.bytes(&v.to_le_bytes());
        }
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state ^= b as u64;
            self.state = self.state.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The fingerprint, as stored in a model file.
    pub fn finish(&self) -> String {
        format!("{}x{}:{:016x}", self.rows, self.cols, self.state)
    }
}

/// The contents of a model file.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelFile {
    /// The map's config.
    pub config: SomConfig,
    /// The weights, `width * height` rows of `dim`, row-major.
    pub weights: Vec<f32>,
    /// The training run that produced them, if any.
    pub training: Option<TrainingState>,
    /// The features' names (the training data's header), one per dimension, where known.
    pub features: Option<Vec<String>>,
    /// How the training data was rescaled, if it was: the weights are in the rescaled space,
    /// and data the map is used on must be rescaled the same way.
    pub normalization: Option<Normalization>,
}

impl ModelFile {
    /// Writes the model to `path` atomically (temporary file, then rename).
    ///
    /// # Errors
    /// [`SomError::Io`] if the file cannot be written.
    ///
    /// # Panics
    /// If the number of weights, of feature names or of normalised columns does not match the
    /// config.
    pub fn save(&self, path: &Path) -> Result<(), SomError> {
        let c = &self.config;
        assert_eq!(
            self.weights.len(),
            c.width * c.height * c.dim,
            "ModelFile::save: weights do not match the config"
        );
        let bytes: Vec<u8> = self.weights.iter().flat_map(|v| v.to_le_bytes()).collect();
        let config = serde_json::to_string(c).expect("a config serialises");
        let training = self
            .training
            .as_ref()
            .map(|t| serde_json::to_string(t).expect("a training state serialises"));
        if let Some(f) = &self.features {
            assert_eq!(f.len(), c.dim, "ModelFile::save: one feature name per dimension");
        }
        let features = self
            .features
            .as_ref()
            .map(|f| serde_json::to_string(f).expect("names serialise"));
        if let Some(n) = &self.normalization {
            assert_eq!(
                n.cols(),
                c.dim,
                "ModelFile::save: one normalised column per dimension"
            );
        }
        let normalization = self
            .normalization
            .as_ref()
            .map(|n| serde_json::to_string(n).expect("a normalization serialises"));
        let mut meta = BTreeMap::new();
        let parts = [
            ("training", training.as_deref()),
            ("features", features.as_deref()),
            ("normalization", normalization.as_deref()),
        ];
        meta.insert("checksum", checksum_entry(&bytes, &config, &parts));
        meta.insert("format", FORMAT.to_string());
        meta.insert("config", config);
        for (key, value) in [
            ("training", training),
            ("features", features),
            ("normalization", normalization),
        ] {
            if let Some(v) = value {
                meta.insert(key, v);
            }
        }
        write_atomic(
            path,
            &safetensors_bytes(&meta, [c.width * c.height, c.dim], &bytes),
        )
    }

    /// Reads a model file; one without a `checksum` entry (written by an older `som`) loads
    /// unverified, as [`ModelFile::load_checked`] reports.
    ///
    /// # Errors
    /// As [`ModelFile::load_checked`].
    pub fn load(path: &Path) -> Result<Self, SomError> {
        Self::load_checked(path).map(|(file, _)| file)
    }

    /// Reads a model file and says whether its checksum was there to verify it.
    ///
    /// # Errors
    /// [`SomError::Io`] if it cannot be read, [`SomError::Model`] if it is truncated, corrupt
    /// (its weights, config or training state do not match its checksum), or not a `burnax-som`
    /// model.
    pub fn load_checked(path: &Path) -> Result<(Self, PayloadCheck), SomError> {
        let bytes = crate::io::read_file(path)?;
        let bad = |m: String| SomError::model(path, m);
        let st = SafeTensors::deserialize(&bytes)
            .map_err(|e| bad(format!("{e:?} (truncated or not a safetensors file)")))?;
        let (_, header) = SafeTensors::read_metadata(&bytes).map_err(|e| bad(format!("{e:?}")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        match meta.get("format") {
            Some(f) if f == FORMAT => {}
            Some(f) => return Err(bad(format!("format {f:?}, this version reads {FORMAT:?}"))),
            None => return Err(bad("no \"format\" entry: not written by som".into())),
        }
        let w = st.tensor("weights").map_err(|e| bad(format!("weights: {e:?}")))?;
        let config_entry = meta
            .get("config")
            .ok_or_else(|| bad("no \"config\" entry".into()))?;
        let training_entry = meta.get("training").map(String::as_str);
        let features_entry = meta.get("features").map(String::as_str);
        let normalization_entry = meta.get("normalization").map(String::as_str);
        let check = match meta.get("checksum") {
            None => PayloadCheck::NoChecksum,
            Some(stored) => {
                let parts = [
                    ("training", training_entry),
                    ("features", features_entry),
                    ("normalization", normalization_entry),
                ];
                let found = checksum_entry(w.data(), config_entry, &parts);
                verify_checksum(stored, &found).map_err(bad)?;
                PayloadCheck::Verified
            }
        };
        let config = read_config(config_entry).map_err(|e| bad(format!("config: {e}")))?;
        config.validate().map_err(|e| bad(e.to_string()))?;
        let training = training_entry
            .map(|t| {
                serde_json::from_str::<TrainingState>(t).map_err(|e| bad(format!("training state: {e}")))
            })
            .transpose()?;
        // validate() checked that the sizes multiply without wrapping.
        let want = [config.width * config.height, config.dim];
        if w.dtype() != Dtype::F32 || w.shape() != want {
            return Err(bad(format!(
                "weights are {:?} {:?}, the config needs F32 {want:?}",
                w.dtype(),
                w.shape()
            )));
        }
        let weights: Vec<f32> = w
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        crate::limits::check_values(&weights, config.dim, "weights").map_err(|e| bad(e.to_string()))?;
        let features = features_entry
            .map(|f| serde_json::from_str::<Vec<String>>(f).map_err(|e| bad(format!("features: {e}"))))
            .transpose()?;
        if let Some(f) = features.as_ref().filter(|f| f.len() != config.dim) {
            return Err(bad(format!(
                "{} feature names for dimension {}",
                f.len(),
                config.dim
            )));
        }
        let normalization = normalization_entry
            .map(|n| {
                let n: Normalization =
                    serde_json::from_str(n).map_err(|e| bad(format!("normalization: {e}")))?;
                n.validate(config.dim).map_err(|e| bad(e.to_string()))?;
                Ok::<_, SomError>(n)
            })
            .transpose()?;
        let file = Self {
            config,
            weights,
            training,
            features,
            normalization,
        };
        Ok((file, check))
    }
}

/// Whether a loaded model file was verified against its checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadCheck {
    /// Its weights, config and training state match its `checksum` entry.
    Verified,
    /// It has no `checksum` entry (written by an older `som`): its values are not verified.
    NoChecksum,
}

/// The `checksum` metadata entry of a model's parts (see the [module docs](self)).
fn checksum_entry(weights: &[u8], config: &str, optional: &[(&str, Option<&str>)]) -> String {
    let mut entry = format!(
        "crc32:weights={:08x},config={:08x}",
        crc32fast::hash(weights),
        crc32fast::hash(config.as_bytes())
    );
    for (name, value) in optional {
        if let Some(v) = value {
            entry.push_str(&format!(",{name}={:08x}", crc32fast::hash(v.as_bytes())));
        }
    }
    entry
}

/// Compares the stored `checksum` entry with the one computed from the file's parts; the error
/// names the first part that differs.
fn verify_checksum(stored: &str, found: &str) -> Result<(), String> {
    if stored == found {
        return Ok(());
    }
    let parts = |entry: &str| -> Option<Vec<(String, String)>> {
        entry
            .strip_prefix("crc32:")?
            .split(',')
            .map(|p| p.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect()
    };
    let (Some(want), Some(got)) = (parts(stored), parts(found)) else {
        return Err(format!(
            "checksum entry {stored:?} is not of the form {found:?} (a corrupt header, or a newer som's checksum)"
        ));
    };
    let names = |p: &[(String, String)]| p.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    if names(&want) != names(&got) {
        return Err(format!(
            "the checksum covers {:?}, the file holds {:?}: the header is corrupt",
            names(&want),
            names(&got)
        ));
    }
    let (name, expected, actual) = want
        .iter()
        .zip(&got)
        .find(|(w, g)| w.1 != g.1)
        .map(|(w, g)| (&w.0, &w.1, &g.1))
        .expect("entries that differ differ in some part");
    let what = if name == "weights" {
        "weights payload".to_string()
    } else {
        format!("{name} entry")
    };
    Err(format!(
        "the {what} is corrupt: CRC-32 {expected} expected, {actual} found"
    ))
}

/// A safetensors file of one F32 tensor, `weights`, with `meta` as its metadata in key order.
///
/// `safetensors::serialize` takes the metadata as a `HashMap`, whose order changes from run to
/// run; this writes the same layout (8-byte little-endian header length, the JSON header padded
/// with spaces to a multiple of 8 bytes, the data) with the keys sorted.
fn safetensors_bytes(meta: &BTreeMap<&str, String>, shape: [usize; 2], data: &[u8]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Header<'a> {
        #[serde(rename = "__metadata__")]
        metadata: &'a BTreeMap<&'a str, String>,
        weights: TensorInfo,
    }
    #[derive(Serialize)]
    struct TensorInfo {
        dtype: &'static str,
        shape: [usize; 2],
        data_offsets: [usize; 2],
    }
    let header = Header {
        metadata: meta,
        weights: TensorInfo {
            dtype: "F32",
            shape,
            data_offsets: [0, data.len()],
        },
    };
    let mut json = serde_json::to_vec(&header).expect("a header of strings and numbers serialises");
    json.resize(json.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + json.len() + data.len());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.som");
        let file = ModelFile {
            config: SomConfig::new(2, 3, 2).with_seed(4),
            weights: (0..12).map(|v| v as f32 / 7.0).collect(),
            training: Some(TrainingState {
                schedule: Schedule::Online(OnlineTrainingConfig::new(10).with_clip(Some([0.0, 1.0]))),
                done: 4,
                data_fingerprint: fingerprint(1, 2, &[0.5, 0.25]),
            }),
            features: Some(vec!["a".into(), "b".into()]),
            normalization: Some(Normalization {
                method: crate::normalize::Normalize::ZScore,
                shift: vec![0.5, -2.0],
                scale: vec![3.0, 0.125],
            }),
        };
        file.save(&path).unwrap();
        assert_eq!(ModelFile::load(&path).unwrap(), file);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let e = ModelFile::load(&path).unwrap_err().to_string();
        assert!(e.contains("not a valid som model"), "{e}");
        std::fs::write(&path, b"hello").unwrap();
        assert!(ModelFile::load(&path).is_err());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary files left"
        );
    }

    /// The data fingerprint is FNV-1a 64 over the shape and the values' bytes: the published
    /// test vectors ("a", "foobar"), and a fingerprint computed with Python's `struct` and the
    /// same loop (`2x3:815842fa56ac75fc`), so a change to the hash shows before a resume is
    /// silently refused or accepted.
    #[test]
    fn fingerprints_are_fnv1a_of_shape_and_values() {
        let fnv = |bytes: &[u8]| {
            let mut f = Fingerprint::new(0, 0);
            f.state = 0xcbf2_9ce4_8422_2325;
            f.bytes(bytes);
            f.state
        };
        assert_eq!(fnv(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv(b"foobar"), 0x8594_4171_f739_67e8);
        let values = [0.5, -1.0, 3.25, 0.0, 1e-3, 7.0];
        assert_eq!(fingerprint(2, 3, &values), "2x3:815842fa56ac75fc");
        let mut pieces = Fingerprint::new(2, 3);
        pieces.eat(&values[..2]);
        pieces.eat(&values[2..]);
        assert_eq!(pieces.finish(), fingerprint(2, 3, &values), "in pieces");
    }

    #[test]
    fn a_schedule_counts_its_epochs_or_steps() {
        assert_eq!(Schedule::Batch(BatchTrainingConfig::new(7)).total(), 7);
        assert_eq!(Schedule::Online(OnlineTrainingConfig::new(9)).total(), 9);
    }

    /// The weights' checksum is the CRC-32 Python's `zlib.crc32` gives for the same bytes
    /// (`a8d8756e` for `(0..12) / 7` as little-endian `f32`), as the module docs promise.
    #[test]
    fn the_weights_checksum_is_zlibs_crc32() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.som");
        let file = ModelFile {
            config: SomConfig::new(2, 3, 2),
            weights: (0..12).map(|v| v as f32 / 7.0).collect(),
            training: None,
            features: None,
            normalization: None,
        };
        file.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
        let entry = &header.metadata().as_ref().unwrap()["checksum"];
        assert!(entry.starts_with("crc32:weights=a8d8756e,config="), "{entry}");
    }

    /// Files that safetensors reads but that are not a model this version can use: another
    /// format, or weights of another type or shape than the config's.
    #[test]
    fn other_formats_types_and_shapes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.som");
        let config = serde_json::to_string(&SomConfig::new(2, 3, 2)).unwrap();
        let write = |format: &str, dtype_bytes: usize, shape: [usize; 2]| {
            let meta = BTreeMap::from([("format", format.to_string()), ("config", config.clone())]);
            let data = vec![0u8; shape[0] * shape[1] * dtype_bytes];
            let mut bytes = safetensors_bytes(&meta, shape, &data);
            if dtype_bytes != 4 {
                // The header says F32; make it F16 (2 bytes a value), the same length.
                let at = bytes.windows(5).position(|w| w == b"\"F32\"").unwrap();
                bytes[at..at + 5].copy_from_slice(b"\"F16\"");
            }
            std::fs::write(&path, bytes).unwrap();
        };
        write("burnax-som/2", 4, [6, 2]);
        let e = ModelFile::load(&path).unwrap_err().to_string();
        assert!(e.contains("\"burnax-som/2\""), "{e}");
        write(FORMAT, 4, [6, 2]);
        ModelFile::load(&path).expect("the right format, type and shape load");
        write(FORMAT, 4, [4, 3]);
        let e = ModelFile::load(&path).unwrap_err().to_string();
        assert!(e.contains("[4, 3]") && e.contains("[6, 2]"), "{e}");
        write(FORMAT, 2, [6, 2]);
        let e = ModelFile::load(&path).unwrap_err().to_string();
        assert!(e.contains("F16"), "{e}");
    }
}
