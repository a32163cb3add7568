//! `burnax::random` against values produced by `jax.random` (jax 0.10.2), stored in
//! `fixtures/jax_random.json` by `fixtures/make_jax_random.py`.

use burn::backend::Flex;
use burn::prelude::*;
use burnax::random::{self, legacy, Key};
use serde_json::Value;

type B = Flex;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/jax_random.json")).expect("valid fixture")
}

fn words(v: &Value) -> Vec<u32> {
    fn walk(v: &Value, out: &mut Vec<u32>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Number(n) => out.push(n.as_u64().expect("u32") as u32),
            _ => panic!("unexpected {v}"),
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}

fn keys(v: &[Key]) -> Vec<u32> {
    v.iter().flat_map(|k| k.data()).collect()
}

fn int_words<const D: usize>(t: Tensor<B, D, Int>) -> Vec<u32> {
    t.into_data()
        .convert::<i64>()
        .into_vec::<i64>()
        .unwrap()
        .into_iter()
        .map(|v| v as u32)
        .collect()
}

fn float_bits<const D: usize>(t: Tensor<B, D>) -> Vec<u32> {
    t.into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .unwrap()
        .into_iter()
        .map(f32::to_bits)
        .collect()
}

#[test]
fn fixture_was_made_with_jax_defaults() {
    let f = fixture();
    assert_eq!(f["partitionable"]["jax_version"], "0.10.2");
    assert_eq!(f["partitionable"]["threefry_partitionable"], true);
    assert_eq!(f["legacy"]["threefry_partitionable"], false);
}

#[test]
fn keys_split_and_fold_in_match_jax() {
    let f = &fixture()["partitionable"];
    for (seed, want) in f["key"].as_object().unwrap() {
        assert_eq!(
            random::key(seed.parse().unwrap()).data().to_vec(),
            words(want),
            "key({seed})"
        );
    }
    let (k0, k42) = (random::key(0), random::key(42));
    assert_eq!(keys(&random::split(k0, 2)), words(&f["split"]["0,2"]));
    assert_eq!(keys(&random::split(k42, 5)), words(&f["split"]["42,5"]));
    assert_eq!(
        random::fold_in(k0, 7).data().to_vec(),
        words(&f["fold_in"]["0,7"])
    );
    assert_eq!(
        random::fold_in(k42, 123456789).data().to_vec(),
        words(&f["fold_in"]["42,123456789"])
    );
    // A derived key, both of whose words are non-zero (key(seed)'s first word is 0).
    let k = random::split(k42, 2)[1];
    assert!(k.data().iter().all(|&w| w != 0));
    assert_eq!(keys(&random::split(k, 3)), words(&f["split"]["42/1,3"]));
    assert_eq!(
        random::fold_in(k, 7).data().to_vec(),
        words(&f["fold_in"]["42/1,7"])
    );
    assert_eq!(
        int_words(random::bits::<B, 1>(k, [5], &Default::default())),
        words(&f["bits"]["42/1,[5]"])
    );
}

#[test]
fn bits_uniform_and_permutation_match_jax_bit_for_bit() {
    let f = &fixture()["partitionable"];
    let d = Default::default();
    let (k0, k42) = (random::key(0), random::key(42));
    assert_eq!(
        int_words(random::bits::<B, 1>(k0, [10], &d)),
        words(&f["bits"]["0,[10]"])
    );
    assert_eq!(
        int_words(random::bits::<B, 2>(k42, [2, 3], &d)),
        words(&f["bits"]["42,[2,3]"])
    );
    assert_eq!(
        float_bits(random::uniform::<B, 1>(k0, [16], &d)),
        words(&f["uniform"]["0,[16]"])
    );
    assert_eq!(
        float_bits(random::uniform_range::<B, 2>(k42, [3, 5], -2.0, 3.0, &d)),
        words(&f["uniform"]["42,[3,5],-2,3"])
    );
    assert_eq!(
        int_words(random::permutation::<B>(k0, 10, &d)),
        words(&f["permutation"]["0,10"])
    );
    assert_eq!(
        int_words(random::permutation::<B>(k42, 1000, &d)),
        words(&f["permutation"]["42,1000"])
    );
    assert_eq!(
        int_words(random::permutation::<B>(k0, 1, &d)),
        words(&f["permutation"]["0,1"])
    );
    // Two sorting rounds, and a tie between two words of the second: see make_jax_random.py.
    assert_eq!(
        int_words(random::permutation::<B>(random::key(7097), 2000, &d)),
        words(&f["permutation"]["7097,2000"])
    );
}

/// `normal` is JAX's bit for bit: it goes through XLA's own `log1p` (Cephes' rational
/// approximation near 0, Eigen's `log` elsewhere), emulated with fused multiply-adds.
#[test]
fn normal_matches_jax_bit_for_bit() {
    let f = &fixture()["partitionable"];
    let d = Default::default();
    let got: Vec<u32> = float_bits(random::normal::<B, 1>(random::key(0), [1000], &d))
        .into_iter()
        .chain(float_bits(random::normal::<B, 2>(random::key(42), [4, 4], &d)))
        .collect();
    let want: Vec<u32> = words(&f["normal"]["0,[1000]"])
        .into_iter()
        .chain(words(&f["normal"]["42,[4,4]"]))
        .collect();
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(
            g,
            w,
            "normal value {i}: {} here, {} in JAX",
            f32::from_bits(*g),
            f32::from_bits(*w)
        );
    }
}

#[test]
fn legacy_stream_matches_jax_without_partitionable() {
    let f = &fixture()["legacy"];
    let d = Default::default();
    let (k0, k42) = (random::key(0), random::key(42));
    assert_eq!(keys(&legacy::split(k0, 2)), words(&f["split"]["0,2"]));
    assert_eq!(keys(&legacy::split(k42, 5)), words(&f["split"]["42,5"]));
    assert_eq!(
        legacy::fold_in(k42, 123456789).data().to_vec(),
        words(&f["fold_in"]["42,123456789"])
    );
    let k = legacy::split(k42, 2)[1];
    assert_eq!(keys(&legacy::split(k, 3)), words(&f["split"]["42/1,3"]));
    assert_eq!(
        legacy::fold_in(k, 7).data().to_vec(),
        words(&f["fold_in"]["42/1,7"])
    );
    assert_eq!(
        int_words(legacy::bits::<B, 1>(k, [5], &d)),
        words(&f["bits"]["42/1,[5]"])
    );
    assert_eq!(
        int_words(legacy::bits::<B, 1>(k0, [10], &d)),
        words(&f["bits"]["0,[10]"])
    );
    assert_eq!(
        int_words(legacy::bits::<B, 2>(k42, [2, 3], &d)),
        words(&f["bits"]["42,[2,3]"])
    );
    assert_eq!(
        float_bits(legacy::uniform::<B, 1>(k0, [16], &d)),
        words(&f["uniform"]["0,[16]"])
    );
    assert_eq!(
        float_bits(legacy::uniform_range::<B, 2>(k42, [3, 5], -2.0, 3.0, &d)),
        words(&f["uniform"]["42,[3,5],-2,3"])
    );
}

#[test]
fn host_hash_and_tensor_hash_agree() {
    // bits(key, [n])[i] = a ^ b for (a, b) = threefry2x32(key, [0, i]).
    let k = random::key(7);
    let got = int_words(random::bits::<B, 1>(k, [37], &Default::default()));
    for (i, g) in got.iter().enumerate() {
        let [a, b] = random::threefry2x32(k, [0, i as u32]);
        assert_eq!(*g, a ^ b, "counter {i}");
    }
}

#[test]
fn samples_have_the_right_moments() {
    let d = Default::default();
    let n = 200_000;
    let x = random::normal::<B, 1>(random::key(3), [n], &d);
    let mean: f32 = x.clone().mean().into_scalar();
    let var: f32 = (x.clone() - mean).square().mean().into_scalar();
    // Standard errors: 1/sqrt(n) = 0.0022 for the mean, sqrt(2/n) = 0.0032 for the variance;
    // 5 standard errors.
    assert!(
        mean.abs() < 0.011 && (var - 1.0).abs() < 0.016,
        "mean {mean}, variance {var}"
    );
    let u = random::uniform::<B, 1>(random::key(4), [n], &d);
    let (lo, hi): (f32, f32) = (u.clone().min().into_scalar(), u.clone().max().into_scalar());
    assert!(lo >= 0.0 && hi < 1.0);
    let um: f32 = u.mean().into_scalar();
    assert!(
        (um - 0.5).abs() < 5.0 * (1.0f32 / 12.0).sqrt() / (n as f32).sqrt(),
        "uniform mean {um}"
    );
}

#[test]
#[should_panic(expected = "uniform_range: need finite minval < maxval, got minval = 2, maxval = 1")]
fn an_empty_range_panics_naming_it() {
    random::uniform_range::<B, 1>(random::key(0), [3], 2.0, 1.0, &Default::default());
}
