//! Model files: round trips, the checksum of the weights, config and training state, files
//! written before the checksum, and the same bytes on every save.

use std::collections::HashMap;
use std::path::Path;

use burnax_som::model::{fingerprint, ModelFile, PayloadCheck, Schedule, TrainingState};
use burnax_som::normalize::{Normalization, Normalize};
use burnax_som::{BatchTrainingConfig, SomConfig};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;

fn model(training: bool) -> ModelFile {
    ModelFile {
        config: SomConfig::new(3, 2, 4).with_seed(4),
        weights: (0..24).map(|v| v as f32 / 7.0 - 1.0).collect(),
        training: training.then(|| TrainingState {
            schedule: Schedule::Batch(BatchTrainingConfig::new(9)),
            done: 5,
            data_fingerprint: fingerprint(2, 4, &[0.5; 8]),
        }),
        features: training.then(|| ["a", "b", "c", "d"].map(String::from).to_vec()),
        normalization: training.then(|| Normalization {
            method: Normalize::MinMax,
            shift: vec![0.0, 1.0, -2.0, 3.0],
            scale: vec![1.0, 2.0, 4.0, 0.5],
        }),
    }
}

/// Where the data section (the weights) of a safetensors file starts.
fn data_start(bytes: &[u8]) -> usize {
    8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize
}

#[track_caller]
fn load_error(path: &Path) -> String {
    ModelFile::load(path).unwrap_err().to_string()
}

#[test]
fn saved_models_load_verified() {
    let dir = tempfile::tempdir().unwrap();
    for training in [false, true] {
        let path = dir.path().join(format!("m{training}.som"));
        let file = model(training);
        file.save(&path).unwrap();
        assert_eq!(
            ModelFile::load_checked(&path).unwrap(),
            (file, PayloadCheck::Verified)
        );
    }
}

#[test]
fn a_flipped_weight_byte_is_a_corrupt_payload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.som");
    model(true).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let start = data_start(&bytes);
    assert_eq!(bytes.len() - start, 24 * 4, "the data section is the weights");
    // The first weight's byte, a byte in the middle (the exponent of a weight: without the
    // checksum it loads as a finite wrong value), and the last byte.
    for at in [start, start + 4 * 11 + 3, bytes.len() - 1] {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x40;
        std::fs::write(&path, &flipped).unwrap();
        let e = load_error(&path);
        assert!(e.contains("m.som"), "{e}");
        assert!(e.contains("not a valid som model"), "{e}");
        assert!(e.contains("the weights payload is corrupt"), "{e}");
        assert!(e.contains("expected") && e.contains("found"), "{e}");
    }
}

#[test]
fn a_changed_config_training_features_or_normalization_entry_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.som");
    model(true).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let header = String::from_utf8(bytes[8..data_start(&bytes)].to_vec()).unwrap();
    // One digit changed inside each entry's JSON: the header stays valid JSON and the values
    // valid, so only the checksum can tell.
    for (needle, entry) in [
        (r#"\"seed\":4"#, "config"),
        (r#"\"done\":5"#, "training"),
        (r#"[\"a"#, "features"),
        (r#"\"scale\":[1"#, "normalization"),
    ] {
        let at = 8
            + header
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} in {header}"))
            + needle.len()
            - 1;
        let mut changed = bytes.clone();
        changed[at] = b'6';
        std::fs::write(&path, &changed).unwrap();
        let e = load_error(&path);
        assert!(
            e.contains(&format!("the {entry} entry is corrupt")) && e.contains("expected"),
            "{e}"
        );
    }
}

#[test]
fn a_malformed_checksum_entry_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.som");
    model(false).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let header = String::from_utf8(bytes[8..data_start(&bytes)].to_vec()).unwrap();
    let at = 8 + header.find("crc32:").unwrap();
    let mut changed = bytes.clone();
    changed[at..at + 5].copy_from_slice(b"md5:x");
    std::fs::write(&path, &changed).unwrap();
    let e = load_error(&path);
    assert!(e.contains("m.som") && e.contains("checksum entry"), "{e}");
}

#[test]
fn a_file_without_a_checksum_loads_unverified() {
    // As an older som wrote it: safetensors' own writer, no checksum entry.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.som");
    let file = ModelFile {
        features: None, // older files had no names
        normalization: None,
        ..model(true)
    };
    let bytes: Vec<u8> = file.weights.iter().flat_map(|v| v.to_le_bytes()).collect();
    let view = TensorView::new(Dtype::F32, vec![6, 4], &bytes).unwrap();
    let meta = HashMap::from([
        ("format".to_string(), "burnax-som/1".to_string()),
        ("config".to_string(), serde_json::to_string(&file.config).unwrap()),
        (
            "training".to_string(),
            serde_json::to_string(file.training.as_ref().unwrap()).unwrap(),
        ),
    ]);
    std::fs::write(
        &path,
        safetensors::serialize([("weights", view)], &Some(meta)).unwrap(),
    )
    .unwrap();
    assert_eq!(
        ModelFile::load_checked(&path).unwrap(),
        (file.clone(), PayloadCheck::NoChecksum)
    );
    assert_eq!(ModelFile::load(&path).unwrap(), file);
}

#[test]
fn a_model_is_the_same_bytes_on_every_save_and_safetensors_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.som"), dir.path().join("b.som"));
    let file = model(true);
    file.save(&a).unwrap();
    file.save(&b).unwrap();
    let bytes = std::fs::read(&a).unwrap();
    assert_eq!(bytes, std::fs::read(&b).unwrap());
    assert_eq!(data_start(&bytes) % 8, 0, "the header is padded to 8 bytes");

    let st = SafeTensors::deserialize(&bytes).unwrap();
    let w = st.tensor("weights").unwrap();
    assert_eq!((w.dtype(), w.shape()), (Dtype::F32, &[6, 4][..]));
    let want: Vec<u8> = file.weights.iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(w.data(), &want[..]);
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    let mut keys: Vec<&str> = meta.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "checksum",
            "config",
            "features",
            "format",
            "normalization",
            "training"
        ]
    );
    let text = String::from_utf8(bytes[8..data_start(&bytes)].to_vec()).unwrap();
    let order: Vec<usize> = [
        "\"checksum\"",
        "\"config\"",
        "\"features\"",
        "\"format\"",
        "\"normalization\"",
        "\"training\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.is_sorted(), "metadata keys in sorted order: {text}");
}
