//! Model files: the weights, the map's config and the training state together, as
//! [safetensors](https://github.com/huggingface/safetensors).
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

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use crate::error::SomError;
use crate::io::write_atomic;
use crate::schedule::{BatchTrainingConfig, OnlineTrainingConfig};
use crate::som::SomConfig;

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
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&(rows as u64).to_le_bytes());
    eat(&(cols as u64).to_le_bytes());
    for v in values {
        eat(&v.to_le_bytes());
    }
    format!("{rows}x{cols}:{h:016x}")
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
}

impl ModelFile {
    /// Writes the model to `path` atomically (temporary file, then rename).
    ///
    /// # Errors
    /// [`SomError::Io`] if the file cannot be written.
    ///
    /// # Panics
    /// If the number of weights does not match the config.
    pub fn save(&self, path: &Path) -> Result<(), SomError> {
        let c = &self.config;
        assert_eq!(
            self.weights.len(),
            c.width * c.height * c.dim,
            "ModelFile::save: weights do not match the config"
        );
        let bytes: Vec<u8> = self.weights.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = TensorView::new(Dtype::F32, vec![c.width * c.height, c.dim], &bytes)
            .expect("shape and byte count agree");
        let mut meta = HashMap::new();
        meta.insert("format".to_string(), FORMAT.to_string());
        meta.insert(
            "config".to_string(),
            serde_json::to_string(c).expect("a config serialises"),
        );
        if let Some(t) = &self.training {
            meta.insert(
                "training".to_string(),
                serde_json::to_string(t).expect("a training state serialises"),
            );
        }
        let out = safetensors::serialize([("weights", view)], &Some(meta))
            .expect("serialising an in-memory tensor cannot fail");
        write_atomic(path, &out)
    }

    /// Reads a model file.
    ///
    /// # Errors
    /// [`SomError::Io`] if it cannot be read, [`SomError::Model`] if it is truncated, corrupt, or
    /// not a `burnax-som` model.
    pub fn load(path: &Path) -> Result<Self, SomError> {
        let bytes = std::fs::read(path).map_err(|e| SomError::io(path, e))?;
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
        let config: SomConfig = serde_json::from_str(
            meta.get("config")
                .ok_or_else(|| bad("no \"config\" entry".into()))?,
        )
        .map_err(|e| bad(format!("config: {e}")))?;
        config.validate().map_err(|e| bad(e.to_string()))?;
        let training = meta
            .get("training")
            .map(|t| {
                serde_json::from_str::<TrainingState>(t).map_err(|e| bad(format!("training state: {e}")))
            })
            .transpose()?;
        let w = st.tensor("weights").map_err(|e| bad(format!("weights: {e:?}")))?;
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
        if let Some(i) = weights.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!("weight {i} is {}", weights[i])));
        }
        Ok(Self {
            config,
            weights,
            training,
        })
    }
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
}
