//! `pmap` against one-device oracles: the collectives bit for bit (the rank-order fold written
//! with tensor operations), gradients against the full batch, composition with `grad`, `vmap`,
//! `jit` and itself, the communicator path, and every failure as an error, never a hang.

use std::sync::Arc;
use std::time::{Duration, Instant};

use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burnax::pmap::{Communicator, Threads};
use burnax::tree::Leaf;
use burnax::{
    all_gather, axis_index, axis_size, grad, jit, pmap, pmax, pmean, pmin, ppermute, psum, random, try_call,
    vmap, Error, Function,
};
use burnax_testing::{assert_close, Tolerance};

mod linear;
use linear::Loss;

type B = Flex;

/// Values whose float sums depend on the order of addition: normals scaled by up to 1e6.
fn mixed(seed: u64, shape: [usize; 3]) -> Tensor<B, 3> {
    let d = Default::default();
    let x = random::normal::<B, 3>(random::key(seed), shape, &d);
    let scale = random::uniform::<B, 3>(random::key(seed + 1), shape, &d)
        .mul_scalar(6.0)
        .floor();
    x * Tensor::full(shape, 10.0, &d).powf(scale)
}

fn bits<B2: Backend, const D: usize>(t: Tensor<B2, D>) -> (Vec<usize>, Vec<u32>) {
    let dims = t.dims().to_vec();
    (dims, t.into_data().iter::<f32>().map(f32::to_bits).collect())
}

/// Every reduction over ranks, as one output each.
#[derive(Clone)]
struct Reductions;
impl Function for Reductions {
    type In = Leaf<2>;
    type Out = (Leaf<2>, Leaf<2>, Leaf<2>, Leaf<2>);
    fn call<B2: Backend>(
        &self,
        x: Tensor<B2, 2>,
    ) -> (Tensor<B2, 2>, Tensor<B2, 2>, Tensor<B2, 2>, Tensor<B2, 2>) {
        (
            psum(x.clone(), "i"),
            pmean(x.clone(), "i"),
            pmax(x.clone(), "i"),
            pmin(x, "i"),
        )
    }
}

#[test]
fn reductions_equal_the_rank_order_fold_bit_for_bit() {
    for ranks in 1..=4 {
        let x = mixed(ranks as u64, [ranks, 5, 7]);
        let (sum, mean, max, min) = pmap(Reductions).axis_name("i").call(x.clone());
        // The oracle on one device: slice 0, then + slice 1, + slice 2, ... in order.
        let slice = |r: usize| x.clone().narrow(0, r, 1).squeeze_dim::<2>(0);
        let (mut s, mut mx, mut mn) = (slice(0), slice(0), slice(0));
        for r in 1..ranks {
            s = s + slice(r);
            mx = mx.max_pair(slice(r));
            mn = mn.min_pair(slice(r));
        }
        let m = s.clone().div_scalar(ranks as f64);
        for (what, got, want) in [
            ("psum", sum, s),
            ("pmean", mean, m),
            ("pmax", max, mx),
            ("pmin", min, mn),
        ] {
            for r in 0..ranks {
                let got_r = got.clone().narrow(0, r, 1).squeeze_dim::<2>(0);
                assert_eq!(
                    bits(got_r),
                    bits(want.clone()),
                    "{what} over {ranks} ranks, rank {r}"
                );
            }
        }
    }
}

#[test]
fn the_sum_is_reproducible_and_order_sensitive() {
    // 1e8 + 1 - 1e8 = 0 in rank order; any other order gives 1.
    let x = Tensor::<B, 2>::from_floats([[1e8], [1.0], [-1e8]], &Default::default());
    for _ in 0..20 {
        let (sum, ..) = pmap(Reductions)
            .axis_name("i")
            .call(x.clone().unsqueeze_dim::<3>(2));
        assert_eq!(sum.into_data().to_vec::<f32>().unwrap(), [0.0; 3]);
    }
}

/// `all_gather`, `ppermute` (a ring), `axis_index` and `axis_size`.
struct Exchange;
impl Function for Exchange {
    type In = Leaf<1>;
    type Out = (Leaf<2>, Leaf<1>, Leaf<1>);
    fn call<B2: Backend>(&self, x: Tensor<B2, 1>) -> (Tensor<B2, 2>, Tensor<B2, 1>, Tensor<B2, 1>) {
        let n = axis_size("i");
        let ring: Vec<(usize, usize)> = (0..n).map(|r| (r, (r + 1) % n)).collect();
        // Only rank 0 sends, to the last rank: the others receive zeros.
        let one = ppermute(x.clone(), "i", &[(0, n - 1)]);
        let index = Tensor::from_floats([axis_index("i") as f32], &x.device());
        (
            all_gather(x.clone(), "i"),
            ppermute(x, "i", &ring) + one * 0.5,
            index,
        )
    }
}

#[test]
fn gather_permute_and_index() {
    for ranks in 1..=4 {
        let x = mixed(10 + ranks as u64, [ranks, 3, 1]).squeeze_dim::<2>(2);
        let (gathered, moved, index) = pmap(Exchange).axis_name("i").call(x.clone());
        assert_eq!(gathered.dims(), [ranks, ranks, 3]);
        for r in 0..ranks {
            let mine = gathered.clone().narrow(0, r, 1).squeeze_dim::<2>(0);
            assert_eq!(bits(mine), bits(x.clone()), "all_gather on rank {r} of {ranks}");
        }
        // Rank r holds slice r - 1 (the ring), plus half of slice 0 on the last rank.
        let slice = |r: usize| x.clone().narrow(0, r, 1);
        let mut want: Vec<Tensor<B, 2>> = (0..ranks).map(|r| slice((r + ranks - 1) % ranks)).collect();
        want[ranks - 1] = want[ranks - 1].clone() + slice(0) * 0.5;
        assert_eq!(
            bits(moved),
            bits(Tensor::cat(want, 0)),
            "ppermute over {ranks} ranks"
        );
        let want_index: Vec<f32> = (0..ranks).map(|r| r as f32).collect();
        assert_eq!(index.into_data().to_vec::<f32>().unwrap(), want_index);
    }
}

/// One data-parallel step: each rank's gradient of its shard's loss, averaged over the ranks.
struct ParallelGrad;
impl Function for ParallelGrad {
    type In = (Leaf<1>, Leaf<2>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<B2: Backend>(&self, x: (Tensor<B2, 1>, Tensor<B2, 2>, Tensor<B2, 1>)) -> Tensor<B2, 1> {
        pmean(grad(Loss).call(x).0, "batch")
    }
}

#[test]
fn pmean_of_shard_gradients_is_the_full_batch_gradient() {
    let d = Default::default();
    let (n, features) = (24, 5);
    let w = random::normal::<B, 1>(random::key(1), [features], &d);
    let x = random::normal::<B, 2>(random::key(2), [n, features], &d);
    let y = random::normal::<B, 1>(random::key(3), [n], &d);
    let full = grad(Loss).call((w.clone(), x.clone(), y.clone())).0;
    let want: Vec<f64> = full.into_data().iter::<f32>().map(f64::from).collect();
    for ranks in [1, 2, 3, 4] {
        let shards = (
            x.clone().reshape([ranks, n / ranks, features]),
            y.clone().reshape([ranks, n / ranks]),
        );
        let g = pmap(ParallelGrad)
            .axis_name("batch")
            .in_axes((None, 0, 0))
            .out_axes(None)
            .call((w.clone(), shards.0, shards.1));
        let got = g.into_data().to_vec::<f32>().unwrap();
        // The shards' sums meet in another order than the full batch's.
        assert_close(
            &got,
            &want,
            Tolerance::F32_REORDERED,
            &format!("gradient over {ranks} ranks"),
        );
    }
}

/// The loss per shard, mapped by pmap with no collective: `grad` flows through the ranks.
struct ShardLosses;
impl Function for ShardLosses {
    type In = (Leaf<1>, Leaf<3>, Leaf<2>);
    type Out = Leaf<1>;
    fn call<B2: Backend>(&self, (w, x, y): (Tensor<B2, 1>, Tensor<B2, 3>, Tensor<B2, 2>)) -> Tensor<B2, 1> {
        pmap(Loss).in_axes((None, 0, 0)).call((w, x, y)).mean()
    }
}

#[test]
fn grad_of_pmap_is_the_gradient_of_the_loop() {
    let d = Default::default();
    let w = random::normal::<B, 1>(random::key(4), [3], &d);
    let x = random::normal::<B, 3>(random::key(5), [3, 4, 3], &d);
    let y = random::normal::<B, 2>(random::key(6), [3, 4], &d);
    let got = grad(ShardLosses).call((w.clone(), x.clone(), y.clone())).0;
    let want = grad(Loss).call((w, x.reshape([12, 3]), y.reshape([12]))).0;
    let want: Vec<f64> = want.into_data().iter::<f32>().map(f64::from).collect();
    assert_close(
        &got.into_data().to_vec::<f32>().unwrap(),
        &want,
        Tolerance::F32_REORDERED,
        "grad(pmap)",
    );
}

/// `vmap` and `jit` inside each rank, with the rank's index inside the jitted body.
#[derive(Clone)]
struct Scaled;
impl Function for Scaled {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<B2: Backend>(&self, x: Tensor<B2, 1>) -> Tensor<B2, 1> {
        x.exp().mul_scalar(1.0 + axis_index("i") as f64)
    }
}

struct Composed<F>(F);
impl<F: Function<In = Leaf<2>, Out = Leaf<2>> + Sync> Function for Composed<F> {
    type In = Leaf<2>;
    type Out = Leaf<2>;
    fn call<B2: Backend>(&self, x: Tensor<B2, 2>) -> Tensor<B2, 2> {
        let y = self.0.call(x);
        let total = psum(y.clone().sum().reshape([1, 1]), "i");
        y / total
    }
}

#[test]
fn pmap_of_vmap_and_of_jit_equal_the_plain_pmap() {
    let x = mixed(20, [3, 4, 6]).div_scalar(1e6);
    let plain = pmap(Composed(vmap(Scaled))).axis_name("i").call(x.clone());
    let jitted = jit(vmap(Scaled)).without_fusion();
    let with_jit = pmap(Composed(&jitted)).axis_name("i");
    assert_eq!(bits(with_jit.call(x.clone())), bits(plain.clone()));
    assert_eq!(bits(with_jit.call(x.clone())), bits(plain.clone()), "the replay");
    // axis_index is a constant of each trace: one trace per rank, not rank 0's for all.
    assert_eq!(jitted.traces(), 3);
    // The oracle: rank r computes (r + 1) exp(x_r), divided by the total over ranks.
    let y: Vec<Tensor<B, 2>> = (0..3)
        .map(|r| {
            x.clone()
                .narrow(0, r, 1)
                .squeeze_dim::<2>(0)
                .exp()
                .mul_scalar(1.0 + r as f64)
        })
        .collect();
    let total = y
        .iter()
        .skip(1)
        .fold(y[0].clone().sum(), |t, yr| t + yr.clone().sum());
    let want: Vec<f64> = Tensor::stack::<3>(y, 0)
        .div(total.reshape([1, 1, 1]))
        .into_data()
        .iter::<f32>()
        .map(f64::from)
        .collect();
    assert_close(
        &plain.into_data().to_vec::<f32>().unwrap(),
        &want,
        Tolerance::F32_REORDERED,
        "pmap(vmap)",
    );
}

/// The sum over an inner axis `j` and over an outer axis `i`.
struct Inner;
impl Function for Inner {
    type In = Leaf<1>;
    type Out = (Leaf<1>, Leaf<1>);
    fn call<B2: Backend>(&self, x: Tensor<B2, 1>) -> (Tensor<B2, 1>, Tensor<B2, 1>) {
        (psum(x.clone(), "j"), psum(x, "i"))
    }
}
struct Outer;
impl Function for Outer {
    type In = Leaf<2>;
    type Out = (Leaf<2>, Leaf<2>);
    fn call<B2: Backend>(&self, x: Tensor<B2, 2>) -> (Tensor<B2, 2>, Tensor<B2, 2>) {
        pmap(Inner).axis_name("j").call(x)
    }
}

#[test]
fn nested_pmaps_address_either_axis_by_name() {
    // A 2 x 3 mesh: x[i][j] = 10 i + j.
    let x = Tensor::<B, 3>::from_floats(
        [[[0.0], [1.0], [2.0]], [[10.0], [11.0], [12.0]]],
        &Default::default(),
    );
    let (over_j, over_i) = pmap(Outer).axis_name("i").call(x);
    assert_eq!(
        over_j.into_data().to_vec::<f32>().unwrap(),
        [3.0, 3.0, 3.0, 33.0, 33.0, 33.0]
    );
    assert_eq!(
        over_i.into_data().to_vec::<f32>().unwrap(),
        [10.0, 12.0, 14.0, 10.0, 12.0, 14.0]
    );
}

#[test]
fn devices_and_a_communicator_per_process_give_the_same_result() {
    let x = mixed(30, [3, 2, 4]);
    let threads = pmap(Reductions).axis_name("i").call(x.clone());
    let with_devices = pmap(Reductions)
        .axis_name("i")
        .devices(vec![x.device(); 3])
        .call(x.clone());
    assert_eq!(bits(with_devices.0), bits(threads.0.clone()));
    // As under mpirun: each "process" (a thread here) is one rank and passes its own slice.
    let per_process = Threads::run(3, |comm| {
        let mine = x.clone().narrow(0, comm.rank(), 1);
        let comm: Arc<dyn Communicator> = Arc::new(comm);
        pmap(Reductions).axis_name("i").communicator(comm).call(mine).0
    });
    assert_eq!(bits(Tensor::cat(per_process, 0)), bits(threads.0));
}

/// Rank `bad` fails in the way `how` says; the others reduce.
struct FailOn {
    bad: usize,
    how: &'static str,
}
impl Function for FailOn {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<B2: Backend>(&self, x: Tensor<B2, 1>) -> Tensor<B2, 1> {
        if axis_index("i") == self.bad {
            match self.how {
                "panic" => panic!("rank {} ran out of data", self.bad),
                "return" => return x,
                "shape" => return psum(x.clone().narrow(0, 0, 1), "i"),
                "axis" => return psum(x, "k"),
                _ => unreachable!(),
            }
        }
        psum(x, "i")
    }
}

fn attempt(bad: usize, how: &'static str) -> Result<Tensor<B, 2>, Error> {
    let x = Tensor::<B, 2>::ones([3, 2], &Default::default());
    try_call(&pmap(FailOn { bad, how }).axis_name("i"), x)
}

#[test]
fn a_rank_that_panics_fails_the_call_with_its_own_panic() {
    let start = Instant::now();
    let payload = std::panic::catch_unwind(|| attempt(1, "panic")).unwrap_err();
    let message = payload.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(message, "rank 1 ran out of data");
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "noticed late: {:?}",
        start.elapsed()
    );
}

#[test]
fn a_rank_that_skips_a_collective_fails_its_peers_not_hangs() {
    let Err(Error::Collective { op, axis, detail }) = attempt(0, "return") else {
        panic!("no error")
    };
    assert_eq!((op, axis.as_str()), ("psum", "i"));
    assert!(detail.contains("rank 0 returned without joining"), "{detail}");
}

#[test]
fn errors_name_the_shapes_the_axis_and_the_cause() {
    let Err(Error::Collective { detail, .. }) = attempt(2, "shape") else {
        panic!("no error")
    };
    assert!(detail.contains("[1]") && detail.contains("[2]"), "{detail}");
    // Rank 1's own error, not the echoes of its peers ("rank 1 failed: ...").
    let Err(Error::Collective { axis, detail, .. }) = attempt(1, "axis") else {
        panic!("no error")
    };
    assert_eq!(axis, "k");
    assert!(detail.contains("the axes in scope are `i`"), "{detail}");
}

/// A collective on a tensor being differentiated.
struct SumLoss;
impl Function for SumLoss {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<B2: Backend>(&self, x: Tensor<B2, 1>) -> Tensor<B2, 1> {
        psum(x, "i").sum()
    }
}
struct GradInside;
impl Function for GradInside {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<B2: Backend>(&self, x: Tensor<B2, 1>) -> Tensor<B2, 1> {
        grad(SumLoss).call(x)
    }
}

#[test]
fn collectives_under_grad_and_pmap_under_jit_are_clear_errors() {
    let x = Tensor::<B, 2>::ones([2, 3], &Default::default());
    let Err(Error::Collective { op, detail, .. }) = try_call(&pmap(GradInside).axis_name("i"), x.clone())
    else {
        panic!("no error")
    };
    assert_eq!(op, "psum");
    assert!(detail.contains("differentiated"), "{detail}");
    let Err(Error::Mismatch { detail, .. }) = try_call(&jit(pmap(Scaled).axis_name("i")), x.clone()) else {
        panic!("no error")
    };
    assert!(detail.contains("pmap(jit(f))"), "{detail}");
    let Err(Error::Collective { detail, .. }) = try_call(&Scaled, x.narrow(0, 0, 1).squeeze_dim::<1>(0))
    else {
        panic!("no error")
    };
    assert!(detail.contains("no pmap with that axis name"), "{detail}");
}

#[test]
fn bad_rank_counts_and_devices_are_mismatches() {
    let d = Default::default();
    let x = Tensor::<B, 2>::ones([3, 2], &d);
    let wrong = pmap(Scaled).axis_name("i").devices(vec![x.device(); 2]);
    let Err(Error::Mismatch { detail, .. }) = try_call(&wrong, x.clone()) else {
        panic!("no error")
    };
    assert!(detail.contains("3 slices for 2 devices"), "{detail}");
    let other_backend = pmap(Scaled).axis_name("i").devices(vec![0u8; 3]);
    let Err(Error::Mismatch { detail, .. }) = try_call(&other_backend, x.clone()) else {
        panic!("no error")
    };
    assert!(detail.contains("not devices of the backend"), "{detail}");
    let Err(Error::Mismatch { detail, .. }) = try_call(
        &pmap(Loss).in_axes((None, 0, 0)),
        (
            Tensor::<B, 1>::ones([2], &d),
            Tensor::<B, 3>::ones([3, 1, 2], &d),
            Tensor::<B, 2>::ones([2, 1], &d),
        ),
    ) else {
        panic!("no error")
    };
    assert!(detail.contains("[3, 2]"), "{detail}");
}

#[test]
fn autodiff_backend_runs_pmap_of_grad() {
    // The same data-parallel step called on Autodiff<Flex> (as a training loop that is itself
    // differentiated elsewhere would): gradients per shard are plain values again.
    type A = Autodiff<Flex>;
    let d = Default::default();
    let w = Tensor::<A, 1>::ones([2], &d);
    let x = Tensor::<A, 3>::ones([2, 3, 2], &d);
    let y = Tensor::<A, 2>::zeros([2, 3], &d);
    let g = pmap(ParallelGrad)
        .axis_name("batch")
        .in_axes((None, 0, 0))
        .out_axes(None)
        .call((w, x, y));
    // d/dw mean((x.w - 0)^2) with x = w = 1: 2 * 2 * x = 4 per weight.
    assert_eq!(g.into_data().to_vec::<f32>().unwrap(), [4.0, 4.0]);
}
