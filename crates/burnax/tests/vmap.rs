//! `vmap` against the loop it replaces, rule by rule, on random shapes (batch size 1 included)
//! and every input and output axis; composition with the grad family; misuse.

use burn::backend::Flex;
use burn::prelude::*;
use burnax::random;
use burnax::tree::Leaf;
use burnax::vmap::Stack;
use burnax::{grad, value_and_grad, vmap, Function};
use burnax_testing::{assert_close, check_vmap, looped, Tolerance};

#[macro_use]
mod ops;

use ops::*;

type B = Flex;

/// A small deterministic generator for shapes and axes.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, lo: usize, hi: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + ((self.0 >> 33) as usize) % (hi - lo + 1)
    }
}

fn normal<const D: usize>(seed: u64, shape: [usize; D]) -> Tensor<B, D> {
    random::normal::<B, D>(random::key(seed), shape, &Default::default())
}

/// A tensor's values on the host.
fn values<const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

/// Checks `f` (examples of shape `example`) on several batches: sizes 1 to 4, the batch axis at
/// every position of the input and of the output.
fn check<F, const I: usize, const O: usize, const J: usize, const P: usize>(
    f: F,
    example: impl Fn(&mut Dice) -> [usize; I],
) where
    F: Function<In = Leaf<I>, Out = Leaf<O>>,
    Leaf<I>: Stack<Stacked = Leaf<J>>,
    Leaf<O>: Stack<Stacked = Leaf<P>>,
{
    let mut dice = Dice(7);
    for case in 0..2 * J {
        let n = if case == 0 { 1 } else { dice.roll(2, 4) };
        let in_axis = case % J;
        let out_axis = dice.roll(0, P - 1);
        let ex = example(&mut dice);
        let mut shape = [0; J];
        let mut k = 0;
        for (axis, size) in shape.iter_mut().enumerate() {
            if axis == in_axis {
                *size = n;
            } else {
                *size = ex[k];
                k += 1;
            }
        }
        check_vmap::<F, I, O, J, P>(&f, normal(case as u64, shape), in_axis, out_axis);
    }
}

fn rows_cols(d: &mut Dice) -> [usize; 2] {
    [d.roll(1, 5), d.roll(1, 5)]
}

#[test]
fn elementwise_rules_match_the_loop() {
    check::<_, 2, 2, 3, 3>(Unary, rows_cols);
    check::<_, 2, 2, 3, 3>(Scalars, rows_cols);
    check::<_, 2, 2, 3, 3>(Binary, rows_cols);
    check::<_, 2, 2, 3, 3>(Comparisons, rows_cols);
}

#[test]
fn reduction_and_scan_rules_match_the_loop() {
    check::<_, 2, 2, 3, 3>(Reductions, rows_cols);
    check::<_, 2, 2, 3, 3>(Sorting, |d| [d.roll(1, 5), d.roll(2, 5)]);
}

#[test]
fn matmul_rules_match_the_loop() {
    check::<_, 2, 2, 3, 3>(MatmulShared, rows_cols);
    check::<_, 2, 2, 3, 3>(MatmulBatched, rows_cols);
    check::<_, 3, 3, 4, 4>(Matmul3, |d| [d.roll(1, 3), d.roll(1, 4), d.roll(1, 4)]);
}

#[test]
fn shape_rules_match_the_loop() {
    check::<_, 3, 3, 4, 4>(Shapes, |d| [d.roll(1, 3), d.roll(1, 4), d.roll(1, 4)]);
}

#[test]
fn indexing_rules_match_the_loop() {
    check::<_, 2, 2, 3, 3>(Indexing, |d| [d.roll(2, 5), d.roll(2, 5)]);
}

#[test]
fn int_and_bool_rules_match_the_loop() {
    check::<_, 2, 2, 3, 3>(Ints, rows_cols);
}

#[test]
fn int_and_bool_indexing_rules_match_the_loop() {
    check::<_, 2, 2, 3, 3>(IntBoolIndexing, |d| [d.roll(2, 5), d.roll(2, 5)]);
}

/// Per-example gradients through convolution, pooling and interpolation exercise their backward
/// operations on batched tensors.
#[test]
fn module_backward_rules_match_the_loop() {
    check_vmap::<_, 1, 1, 2, 2>(&grad(ConvLoss), normal(21, [3, 32]), 0, 0);
    check_vmap::<_, 1, 1, 2, 2>(&grad(ConvLoss), normal(22, [32, 1]), 1, 1);
}

#[test]
fn module_rules_match_the_loop() {
    check::<_, 3, 3, 4, 4>(Conv, |d| [d.roll(1, 3), d.roll(2, 5), d.roll(2, 5)]);
}

/// `vmap(vmap(f))` maps two axes, one `Batched` level each.
#[test]
fn nested_vmap_matches_a_double_loop() {
    let xs = normal(3, [3, 4, 5]);
    let got: Tensor<B, 2> = vmap(vmap(Scalar)).call(xs.clone()).squeeze_dim::<2>(2);
    for i in 0..3 {
        for j in 0..4 {
            let x = xs.clone().slice(s![i, j, ..]).flatten::<1>(0, 2);
            let want = Scalar.call(x).into_scalar();
            let g = got.clone().slice(s![i, j]).into_scalar();
            assert!(
                Tolerance::F32_REORDERED.accepts(g as f64, want as f64),
                "[{i}, {j}]: {g} vs {want}"
            );
        }
    }
    check_vmap::<_, 2, 2, 3, 3>(&vmap(Scalar), xs.clone(), 1, 0);
    check_vmap::<_, 2, 2, 3, 3>(&vmap(Scalar).in_axes(0), xs, 2, 1);
}

/// Per-example gradients (`Autodiff<Batched<B>>`) equal a loop of `grad` calls, and the
/// gradient of a vmapped sum (`Batched<Autodiff<B>>`) is the same.
#[test]
fn vmap_of_grad_and_grad_of_vmap_give_per_example_gradients() {
    let xs = normal(11, [5, 4]);
    check_vmap::<_, 1, 1, 2, 2>(&grad(Scalar), xs.clone(), 0, 0);
    check_vmap::<_, 1, 1, 2, 2>(&grad(Scalar), xs.clone(), 1, 1);

    func!(SumOfVmap, 1 -> 1, |x| vmap(Scalar).call(x.reshape([5, 4])).sum());
    let g = grad(SumOfVmap)
        .call(xs.clone().flatten::<1>(0, 1))
        .reshape([5, 4]);
    let want: Tensor<B, 2> = looped(&grad(Scalar), xs.clone(), 0, 0);
    assert_close(
        &g.into_data().to_vec::<f32>().unwrap(),
        &want.into_data().iter::<f64>().collect::<Vec<_>>(),
        Tolerance::F32_REORDERED,
        "grad of a vmapped sum",
    );

    // Second order through vmap: per-example Hessian diagonals by vmap(grad(grad)) on scalars.
    func!(Cube, 1 -> 1, |x| x.clone().powi_scalar(3).sum() + x.sin().sum());
    check_vmap::<_, 1, 1, 2, 2>(&grad(grad(Cube)), normal(12, [6, 1]), 0, 0);
}

/// The gradient of a vmapped function matches central differences.
#[test]
fn gradients_through_vmap_match_finite_differences() {
    func!(Through, 1 -> 1, |x| {
        let rows = x.reshape([3, 2]);
        vmap(Scalar).call(rows).square().sum()
    });
    burnax_testing::check_grads(&Through, &[0.3, -0.7, 1.1, 0.2, -0.4, 0.9], 2);
}

/// The per-example MLP loss: unbatched parameters, one example (x, y).
struct MlpLoss;

impl Function for MlpLoss {
    type In = ((Leaf<2>, Leaf<1>, Leaf<2>), Leaf<1>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<B: Backend>(
        &self,
        ((w1, b1, w2), x, y): (
            (Tensor<B, 2>, Tensor<B, 1>, Tensor<B, 2>),
            Tensor<B, 1>,
            Tensor<B, 1>,
        ),
    ) -> Tensor<B, 1> {
        let [d] = x.dims();
        let h = (x.reshape([1, d]).matmul(w1) + b1.unsqueeze()).tanh();
        let out = h.matmul(w2).flatten::<1>(0, 1);
        (out - y).square().sum()
    }
}

/// Per-example parameter gradients, as a [`Function`] to vmap.
struct PerExampleGrads;

impl Function for PerExampleGrads {
    type In = ((Leaf<2>, Leaf<1>, Leaf<2>), Leaf<1>, Leaf<1>);
    type Out = (Leaf<2>, Leaf<1>, Leaf<2>);
    fn call<B: Backend>(
        &self,
        x: (
            (Tensor<B, 2>, Tensor<B, 1>, Tensor<B, 2>),
            Tensor<B, 1>,
            Tensor<B, 1>,
        ),
    ) -> (Tensor<B, 2>, Tensor<B, 1>, Tensor<B, 2>) {
        let (_, (g, _, _)) = value_and_grad(&MlpLoss).argnums(&[0]).call(x);
        g
    }
}

#[test]
fn per_example_gradients_of_a_tree_match_a_loop() {
    let (n, d, h) = (6, 3, 4);
    let params = (normal(1, [d, h]), normal(2, [h]), normal(3, [h, 1]));
    let (xs, ys) = (normal(4, [n, d]), normal(5, [n, 1]));
    let (gw1, gb1, gw2) =
        vmap(PerExampleGrads)
            .in_axes((None, 0, 0))
            .call((params.clone(), xs.clone(), ys.clone()));
    assert_eq!(
        (gw1.dims(), gb1.dims(), gw2.dims()),
        ([n, d, h], [n, h], [n, h, 1])
    );
    for i in 0..n {
        let x = xs.clone().slice(s![i, ..]).flatten::<1>(0, 1);
        let y = ys.clone().slice(s![i, ..]).flatten::<1>(0, 1);
        let (w1, b1, w2) = PerExampleGrads.call((params.clone(), x, y));
        for (got, want, what) in [
            (
                gw1.clone().slice(s![i, .., ..]).flatten::<1>(0, 2),
                w1.flatten::<1>(0, 1),
                "w1",
            ),
            (gb1.clone().slice(s![i, ..]).flatten::<1>(0, 1), b1, "b1"),
            (
                gw2.clone().slice(s![i, .., ..]).flatten::<1>(0, 2),
                w2.flatten::<1>(0, 1),
                "w2",
            ),
        ] {
            assert_close(
                &got.into_data().to_vec::<f32>().unwrap(),
                &want.into_data().iter::<f64>().collect::<Vec<_>>(),
                Tolerance::F32_REORDERED,
                &format!("example {i}, d loss / d {what}"),
            );
        }
    }
}

/// A tree function: a matrix-vector product with a shared matrix, and the vector's norm.
struct Apply;

impl Function for Apply {
    type In = (Leaf<2>, Leaf<1>);
    type Out = (Leaf<1>, Leaf<1>, Leaf<2>);
    fn call<B: Backend>(
        &self,
        (m, v): (Tensor<B, 2>, Tensor<B, 1>),
    ) -> (Tensor<B, 1>, Tensor<B, 1>, Tensor<B, 2>) {
        let [k] = v.dims();
        let y = m.clone().matmul(v.clone().reshape([k, 1])).flatten::<1>(0, 1);
        (y, v.square().sum().sqrt(), m)
    }
}

#[test]
fn tree_in_axes_and_out_axes_match_a_loop() {
    let (n, r, k) = (4, 3, 5);
    let m = normal(6, [r, k]);
    let vs = normal(7, [k, n]); // mapped along axis 1
    let (ys, norms, same) = vmap(Apply)
        .in_axes((None, 1))
        .out_axes((1, 0, None))
        .call((m.clone(), vs.clone()));
    assert_eq!((ys.dims(), norms.dims(), same.dims()), ([r, n], [n, 1], [r, k]));
    for i in 0..n {
        let v = vs.clone().slice(s![.., i]).flatten::<1>(0, 1);
        let (y, norm, _) = Apply.call((m.clone(), v));
        assert_close(
            &ys.clone()
                .slice(s![.., i])
                .flatten::<1>(0, 1)
                .into_data()
                .to_vec::<f32>()
                .unwrap(),
            &y.into_data().iter::<f64>().collect::<Vec<_>>(),
            Tolerance::F32_REORDERED,
            "mapped output on axis 1",
        );
        let got = norms.clone().slice(s![i]).into_scalar() as f64;
        assert!(Tolerance::F32_REORDERED.accepts(got, norm.into_scalar() as f64));
    }
    assert_eq!(same.into_data(), m.into_data());
}

#[test]
fn axis_size_broadcasts_when_no_input_is_mapped() {
    let m = normal(8, [2, 3]);
    let v = normal(9, [3]);
    let (ys, _, _) = vmap(Apply)
        .in_axes((None, None))
        .out_axes((0, 0, None))
        .axis_size(3)
        .call((m.clone(), v.clone()));
    let (y, _, _) = Apply.call((m, v));
    for i in 0..3 {
        assert_eq!(
            ys.clone().slice(s![i, ..]).flatten::<1>(0, 1).into_data(),
            y.clone().into_data()
        );
    }
}

#[test]
fn nested_tree_vmap_maps_two_axes() {
    let m = normal(10, [2, 3]);
    let vs = normal(11, [4, 5, 3]);
    let inner = vmap(Apply).in_axes((None, 0)).out_axes((0, 0, None));
    let (ys, norms, _) = vmap(inner)
        .in_axes((None, 0))
        .out_axes((0, 0, None))
        .call((m.clone(), vs.clone()));
    assert_eq!((ys.dims(), norms.dims()), ([4, 5, 2], [4, 5, 1]));
    let (y, _, _) = Apply.call((m, vs.slice(s![3, 4, ..]).flatten::<1>(0, 2)));
    assert_close(
        &ys.slice(s![3, 4, ..])
            .flatten::<1>(0, 2)
            .into_data()
            .to_vec::<f32>()
            .unwrap(),
        &y.into_data().iter::<f64>().collect::<Vec<_>>(),
        Tolerance::F32_REORDERED,
        "nested vmap over a tree, example [3, 4]",
    );
}

#[test]
fn sequential_fallback_equals_vmap_and_runs_host_code() {
    func!(HostRead, 1 -> 1, |x| {
        let first = x.clone().slice(s![0..1]).into_scalar().elem::<f32>();
        x.sum() * first
    });
    let xs = normal(12, [4, 3]);
    let got: Tensor<B, 2> = vmap(HostRead).sequential().call(xs.clone());
    let want: Tensor<B, 2> = looped(&HostRead, xs.clone(), 0, 0);
    assert_eq!(got.into_data(), want.into_data());
    let fast: Tensor<B, 2> = vmap(Scalar).call(xs.clone());
    let slow: Tensor<B, 2> = vmap(Scalar).sequential().call(xs);
    assert_close(
        &fast.into_data().to_vec::<f32>().unwrap(),
        &slow.into_data().iter::<f64>().collect::<Vec<_>>(),
        Tolerance::F32_REORDERED,
        "vmap vs sequential",
    );
}

#[test]
#[should_panic(expected = "`into_data` reads a tensor's data on the host")]
fn reading_a_batched_tensor_on_the_host_names_the_operation() {
    func!(HostRead, 1 -> 1, |x| {
        let first = x.clone().slice(s![0..1]).into_scalar().elem::<f32>();
        x.sum() * first
    });
    let _: Tensor<B, 2> = vmap(HostRead).call(normal(1, [2, 3]));
}

#[test]
#[should_panic(expected = "in_axes 2 is out of range for an input of rank 2")]
fn an_in_axis_out_of_range_is_named() {
    let _: Tensor<B, 2> = vmap(Scalar).in_axes(2).call(normal(1, [2, 3]));
}

#[test]
#[should_panic(expected = "disagree on the batch size: [3, 4]")]
fn mapped_inputs_of_different_sizes_are_named() {
    let _ = vmap(Pair).call((normal(1, [3, 2]), normal(2, [4, 2])));
}

/// Two tensors batched with different sizes cannot meet in one operation: `vmap` never makes
/// them, but `Stack::split` is public.
#[test]
#[should_panic(expected = "are batched with different axis sizes 3 and 4")]
fn operands_batched_with_different_sizes_are_named() {
    let a = <Leaf<1> as Stack>::split::<B>(normal(1, [3, 2]), 0);
    let b = <Leaf<1> as Stack>::split::<B>(normal(2, [4, 2]), 0);
    let _ = a + b;
}

/// x -> [2x, x]: a list of outputs.
struct Both;
impl Function for Both {
    type In = Leaf<1>;
    type Out = Vec<Leaf<1>>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Vec<Tensor<Bk, 1>> {
        vec![x.clone().mul_scalar(2.0), x]
    }
}

#[test]
#[should_panic(expected = "out_axes has 1 entries for a list of 2 elements")]
fn a_list_spec_of_the_wrong_length_is_named() {
    let _ = vmap(Both).out_axes(vec![0]).call(normal(1, [2, 3]));
}

#[test]
#[should_panic(expected = "marked unmapped (out_axes None) varies along the vmapped axis")]
fn an_unmapped_output_that_varies_is_named() {
    let _ = vmap(Apply)
        .in_axes((None, 0))
        .out_axes((None, 0, None))
        .call((normal(1, [2, 3]), normal(2, [4, 3])));
}

#[test]
#[should_panic(
    expected = "`conv2d` has no batching rule for weights or a bias that vary along the vmapped axis"
)]
fn an_operation_without_a_rule_is_named() {
    func!(PerExampleWeights, 3 -> 3, |x| {
        let [c, h, w] = x.dims();
        let weight = x.clone().narrow(1, 0, 1).narrow(2, 0, 1).reshape([1, c, 1, 1]);
        burn::tensor::module::conv2d(x.reshape([1, c, h, w]), weight, None, burn::tensor::ops::ConvOptions::new([1, 1], [0, 0], [1, 1], 1))
            .squeeze_dim::<3>(0)
    });
    let _: Tensor<B, 4> = vmap(PerExampleWeights).call(normal(1, [2, 2, 3, 3]));
}

#[test]
fn sequential_tree_fallback_equals_vmap() {
    let m = normal(13, [2, 3]);
    let vs = normal(14, [3, 4]);
    let mapped = || vmap(Apply).in_axes((None, 1)).out_axes((1, 0, None));
    let fast = mapped().call((m.clone(), vs.clone()));
    let slow = mapped().sequential().call((m, vs));
    for (f, s, what) in [
        (
            fast.0.flatten::<1>(0, 1),
            slow.0.flatten::<1>(0, 1),
            "mapped on axis 1",
        ),
        (
            fast.1.flatten::<1>(0, 1),
            slow.1.flatten::<1>(0, 1),
            "mapped on axis 0",
        ),
        (fast.2.flatten::<1>(0, 1), slow.2.flatten::<1>(0, 1), "unmapped"),
    ] {
        assert_close(
            &f.into_data().to_vec::<f32>().unwrap(),
            &s.into_data().iter::<f64>().collect::<Vec<_>>(),
            Tolerance::F32_REORDERED,
            what,
        );
    }
}

/// `vmap` of `grad` over a tree gives the same per-example gradients as the hand-written wrapper
/// above, and zeros for the inputs not in `argnums`.
#[test]
fn vmap_of_grad_over_a_tree_gives_per_example_gradients() {
    let (n, d, h) = (5, 3, 4);
    let params = (normal(1, [d, h]), normal(2, [h]), normal(3, [h, 1]));
    let (xs, ys) = (normal(4, [n, d]), normal(5, [n, 1]));
    let ((gw1, gb1, gw2), gx, gy) = vmap(grad(MlpLoss).argnums(&[0])).in_axes((None, 0, 0)).call((
        params.clone(),
        xs.clone(),
        ys.clone(),
    ));
    let (w1, b1, w2) = vmap(PerExampleGrads).in_axes((None, 0, 0)).call((params, xs, ys));
    for (got, want) in [
        (gw1.flatten::<1>(0, 2), w1.flatten::<1>(0, 2)),
        (gb1.flatten::<1>(0, 1), b1.flatten::<1>(0, 1)),
        (gw2.flatten::<1>(0, 2), w2.flatten::<1>(0, 2)),
    ] {
        assert_eq!(got.into_data(), want.into_data());
    }
    assert_eq!(gx.dims(), [n, d]);
    assert_eq!(gx.abs().sum().into_scalar() + gy.abs().sum().into_scalar(), 0.0);
}

/// `detach` inside a vmapped function holds under `grad` of the vmap (`Batched<Autodiff<B>>`):
/// d/dx sum(x * stop_gradient(x)) = x, not 2x.
#[test]
fn detach_inside_vmap_stops_the_gradient() {
    func!(HalfStopped, 1 -> 1, |x| (x.clone() * x.detach()).sum());
    func!(SumOfVmap, 1 -> 1, |x| vmap(HalfStopped).call(x.reshape([3, 4])).sum());
    let xs = normal(31, [3, 4]);
    let g = grad(SumOfVmap).call(xs.clone().flatten::<1>(0, 1));
    assert_eq!(g.into_data(), xs.clone().flatten::<1>(0, 1).into_data());
    check_vmap::<_, 1, 1, 2, 2>(&grad(HalfStopped), xs, 0, 0);
}

#[test]
fn shared_tables_indexed_per_example_match_the_loop() {
    check_vmap::<_, 1, 2, 2, 3>(&Lookup, normal(32, [4, 5]), 0, 0);
    check_vmap::<_, 1, 2, 2, 3>(&Lookup, normal(33, [5, 1]), 1, 2);
}

/// Per-example gradients of a convolution's weights: one weight backward per example.
struct ConvWeightLoss;

impl Function for ConvWeightLoss {
    type In = (Leaf<4>, Leaf<3>);
    type Out = Leaf<1>;
    fn call<B: Backend>(&self, (w, x): (Tensor<B, 4>, Tensor<B, 3>)) -> Tensor<B, 1> {
        let [c, h, wd] = x.dims();
        let opts = burn::tensor::ops::ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
        let y = burn::tensor::module::conv2d(x.reshape([1, c, h, wd]), w, None, opts);
        y.tanh().square().sum()
    }
}

#[test]
fn per_example_convolution_weight_gradients_match_a_loop() {
    let w = normal(34, [3, 2, 3, 3]);
    let xs = normal(35, [4, 2, 5, 5]);
    let (gw, _) = vmap(grad(ConvWeightLoss).argnums(&[0]))
        .in_axes((None, 0))
        .call((w.clone(), xs.clone()));
    assert_eq!(gw.dims(), [4, 3, 2, 3, 3]);
    for i in 0..4 {
        let x = xs.clone().slice(s![i, .., .., ..]).squeeze_dim::<3>(0);
        let (want, _) = grad(ConvWeightLoss).argnums(&[0]).call((w.clone(), x));
        assert_close(
            &gw.clone()
                .slice(s![i, .., .., .., ..])
                .flatten::<1>(0, 4)
                .into_data()
                .to_vec::<f32>()
                .unwrap(),
            &want
                .flatten::<1>(0, 3)
                .into_data()
                .iter::<f64>()
                .collect::<Vec<_>>(),
            Tolerance::F32_REORDERED,
            &format!("example {i}"),
        );
    }
}

#[test]
fn attention_with_a_broadcast_mask_matches_the_loop() {
    check_vmap::<_, 2, 2, 3, 3>(&Attend, normal(36, [3, 4, 2]), 0, 0);
}

/// Specs for a `Vec` and an array of inputs, one entry each: the first element mapped along axis
/// 0, the second along axis 1.
#[test]
fn list_and_array_specs_map_each_element_along_its_axis() {
    struct Dot;
    impl Function for Dot {
        type In = Vec<Leaf<1>>;
        type Out = Leaf<1>;
        fn call<B: Backend>(&self, v: Vec<Tensor<B, 1>>) -> Tensor<B, 1> {
            (v[0].clone() * v[1].clone()).sum()
        }
    }
    struct DotArray;
    impl Function for DotArray {
        type In = [Leaf<1>; 2];
        type Out = Leaf<1>;
        fn call<B: Backend>(&self, [a, b]: [Tensor<B, 1>; 2]) -> Tensor<B, 1> {
            Dot.call(vec![a, b])
        }
    }
    let (a, b) = (normal(40, [4, 3]), normal(41, [3, 4])); // b's examples are its columns
    let got = vmap(Dot).in_axes(vec![0, 1]).call(vec![a.clone(), b.clone()]);
    let got_array = vmap(DotArray).in_axes([0, 1]).call([a.clone(), b.clone()]);
    let want = (a.clone() * b.clone().transpose()).sum_dim(1);
    assert_eq!(got.dims(), [4, 1]);
    let want: Vec<f64> = want.into_data().iter::<f64>().collect();
    assert_close(
        &got.into_data().to_vec::<f32>().unwrap(),
        &want,
        Tolerance::F32_REORDERED,
        "Vec spec",
    );
    assert_close(
        &got_array.into_data().to_vec::<f32>().unwrap(),
        &want,
        Tolerance::F32_REORDERED,
        "array spec",
    );
    let slow = vmap(Dot).in_axes(vec![0, 1]).sequential().call(vec![a, b]);
    assert_close(
        &slow.into_data().to_vec::<f32>().unwrap(),
        &want,
        Tolerance::F32_REORDERED,
        "sequential Vec spec",
    );

    // A list of outputs, each stacked along its own axis: [2x, x^T].
    let x = normal(42, [2, 3]);
    let spec = || vmap(Both).out_axes(vec![0, 1]);
    for (mode, ys) in [
        ("batched", spec().call(x.clone())),
        ("sequential", spec().sequential().call(x.clone())),
    ] {
        assert_eq!(ys.len(), 2, "{mode}");
        assert_eq!(values(ys[0].clone()), values(x.clone().mul_scalar(2.0)), "{mode}");
        assert_eq!(ys[1].dims(), [3, 2], "{mode}");
        assert_eq!(values(ys[1].clone()), values(x.clone().transpose()), "{mode}");
    }
}

/// `Vec`, `Option` and array trees in and out, mapped along axis 0 batched and sequentially,
/// against the same formula on the stacked tensors; an absent `Option` stays absent.
#[test]
fn vec_option_and_array_trees_map_leaf_by_leaf() {
    /// (vs, o, [a, b]) -> ([v0 + a, v1 * b], o * sum(v0), [a - b]), leaves of shape [3].
    struct Mixed;
    type Trees<T> = (Vec<T>, Option<T>, [T; 2]);
    impl Function for Mixed {
        type In = (Vec<Leaf<1>>, Option<Leaf<1>>, [Leaf<1>; 2]);
        type Out = (Vec<Leaf<1>>, Option<Leaf<1>>, [Leaf<1>; 1]);
        fn call<Bk: Backend>(
            &self,
            (vs, o, [a, b]): Trees<Tensor<Bk, 1>>,
        ) -> (Vec<Tensor<Bk, 1>>, Option<Tensor<Bk, 1>>, [Tensor<Bk, 1>; 1]) {
            let o = o.map(|o| o * vs[0].clone().sum());
            let out = vec![vs[0].clone() + a.clone(), vs[1].clone() * b.clone()];
            (out, o, [a - b])
        }
    }
    let leaf = |seed| normal(seed, [4, 3]);
    let (v0, v1, o, a, b) = (leaf(50), leaf(51), leaf(52), leaf(53), leaf(54));
    let want = [
        v0.clone() + a.clone(),
        v1.clone() * b.clone(),
        o.clone() * v0.clone().sum_dim(1),
        a.clone() - b.clone(),
    ];
    let input = |o: Option<Tensor<B, 2>>| (vec![v0.clone(), v1.clone()], o, [a.clone(), b.clone()]);
    for (mode, (vs, o, [d])) in [
        ("batched", vmap(Mixed).call(input(Some(o.clone())))),
        (
            "sequential",
            vmap(Mixed).sequential().call(input(Some(o.clone()))),
        ),
    ] {
        assert_eq!(vs.len(), 2, "{mode}");
        let got = [&vs[0], &vs[1], &o.expect("o is given"), &d];
        for (k, (g, w)) in got.into_iter().zip(&want).enumerate() {
            assert_eq!(g.dims(), [4, 3], "{mode}: output leaf {k}");
            let w: Vec<f64> = values(w.clone()).into_iter().map(f64::from).collect();
            assert_close(
                &values(g.clone()),
                &w,
                Tolerance::F32_REORDERED,
                &format!("{mode} leaf {k}"),
            );
        }
    }
    for mode in [vmap(Mixed), vmap(Mixed).sequential()] {
        let (vs, o, _) = mode.call(input(None));
        assert!(o.is_none() && vs.len() == 2);
    }

    // The batch size found in a Vec or an Option alone.
    struct First;
    impl Function for First {
        type In = (Vec<Leaf<1>>, Option<Leaf<1>>);
        type Out = Leaf<1>;
        fn call<Bk: Backend>(&self, (vs, o): (Vec<Tensor<Bk, 1>>, Option<Tensor<Bk, 1>>)) -> Tensor<Bk, 1> {
            vs.into_iter().chain(o).next().expect("one input")
        }
    }
    assert_eq!(
        values(vmap(First).call((vec![v0.clone()], None))),
        values(v0.clone())
    );
    assert_eq!(values(vmap(First).call((vec![], Some(o.clone())))), values(o));
}

/// A batched operand against a shared one whose first axis is not 1 (`[n, 2, 3] + [2, 3]`,
/// broadcast along the batch) and against a bias row (`[n, 2, 3] + [1, 3]`, folded into
/// the rows): both against the loop.
#[test]
fn binary_operations_with_shared_operands_match_the_loop() {
    struct AddShared;
    impl Function for AddShared {
        type In = Leaf<2>;
        type Out = Leaf<2>;
        fn call<Bk: Backend>(&self, x: Tensor<Bk, 2>) -> Tensor<Bk, 2> {
            let device = x.device();
            let block = Tensor::<Bk, 1>::from_floats([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &device).reshape([2, 3]);
            let row = Tensor::<Bk, 2>::from_floats([[10.0, 20.0, 30.0]], &device);
            (x.clone() + block.clone()) * row.clone() - block * x + row
        }
    }
    check_vmap::<_, 2, 2, 3, 3>(&AddShared, normal(60, [4, 2, 3]), 0, 0);
    check_vmap::<_, 2, 2, 3, 3>(&AddShared, normal(61, [2, 4, 3]), 1, 2);
}

/// `try_call` returns a transformation's failure inside the function as an `Error`: an
/// operation without a rule and a host read under `vmap`; a success is the same as `call`; any
/// other panic keeps unwinding.
#[test]
fn try_call_returns_the_errors_of_transformations() {
    use burnax::{try_call, Error};
    func!(HostRead, 1 -> 1, |x| {
        let first = x.clone().slice(s![0..1]).into_scalar().elem::<f32>();
        x.sum() * first
    });
    func!(PerExampleWeights, 3 -> 3, |x| {
        let [c, h, w] = x.dims();
        let weight = x.clone().narrow(1, 0, 1).narrow(2, 0, 1).reshape([1, c, 1, 1]);
        burn::tensor::module::conv2d(x.reshape([1, c, h, w]), weight, None, burn::tensor::ops::ConvOptions::new([1, 1], [0, 0], [1, 1], 1))
            .squeeze_dim::<3>(0)
    });
    match try_call(&vmap(HostRead), normal(1, [2, 3])) {
        Err(Error::HostRead {
            transformation, op, ..
        }) => assert_eq!((transformation, op.as_str()), ("vmap", "into_data")),
        other => panic!("want a host-read error, got {other:?}"),
    }
    match try_call(&vmap(PerExampleWeights), normal(1, [2, 2, 3, 3])) {
        Err(Error::NoRule { op, detail, .. }) => {
            assert_eq!(op, "conv2d");
            assert!(detail.contains("weights or a bias that vary"), "{detail}");
        }
        other => panic!("want a no-rule error, got {:?}", other.map(|t| t.dims())),
    }
    match try_call(&vmap(Pair), (normal(1, [3, 2]), normal(2, [4, 2]))) {
        Err(Error::Mismatch { detail, .. }) => {
            assert!(detail.contains("disagree on the batch size: [3, 4]"), "{detail}")
        }
        other => panic!("want a mismatch, got {:?}", other.map(|t| t.dims())),
    }
    let xs = normal(3, [4, 3]);
    let ok = try_call(&vmap(Scalar), xs.clone()).expect("Scalar has rules");
    assert_eq!(ok.into_data(), vmap(Scalar).call(xs.clone()).into_data());
    func!(Bug, 1 -> 1, |x| {
        let _ = &x;
        panic!("a bug in the function itself")
    });
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| try_call(&vmap(Bug), xs)));
    let msg = *unwound
        .expect_err("not a transformation's error")
        .downcast::<&str>()
        .unwrap();
    assert_eq!(msg, "a bug in the function itself");
}

/// Two vectors' sums, for the batch-size check.
struct Pair;
impl Function for Pair {
    type In = (Leaf<1>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<B: Backend>(&self, (a, b): (Tensor<B, 1>, Tensor<B, 1>)) -> Tensor<B, 1> {
        a.sum() + b.sum()
    }
}

#[test]
fn activation_rules_match_the_loop() {
    check::<_, 2, 2, 3, 3>(Activations, rows_cols);
}

#[test]
fn fft_rules_match_the_loop() {
    check::<_, 2, 2, 3, 3>(Fft, |d| [d.roll(2, 5), d.roll(2, 6)]);
}

#[test]
fn convolution_and_adaptive_pooling_rules_match_the_loop() {
    check::<_, 4, 4, 5, 5>(Convolutions, |d| {
        [d.roll(1, 2), d.roll(1, 2), d.roll(2, 4), d.roll(2, 4)]
    });
}

// Expands that add leading axes (a batched `[r, 3]` to `[2, r, 3]`: the new axis goes after the
// batch axis) and cross products along the last axis, against a shared operand and between two
// batched ones.
func!(Broadcasts, 2 -> 3, |x| {
    let [r, c] = x.dims();
    let w = Tensor::<B, 1, Int>::arange(0..(r * c) as i64, &x.device()).float().reshape([r, c]) / 7.0;
    let crossed = x.clone().cross(w.clone(), 1) + x.clone().sin().cross(x.clone(), 1);
    crossed.expand([2, r, c]) + x.expand([2, r, c]) * w.reshape([1, r, c])
});

#[test]
fn rank_growing_expands_and_cross_products_match_the_loop() {
    check::<_, 2, 3, 3, 4>(Broadcasts, |d| [d.roll(1, 4), 3]);
}

// Attention where only the mask varies per example (query, key and value shared), with a
// shared bias broadcast along the attention's own batch axis. The mask never hides a row's
// diagonal (x_i . x_i >= 0), so no row is all masked.
func!(AttendPerExampleMask, 2 -> 2, |x| {
    let [l, e] = x.dims();
    let d = x.device();
    let q = Tensor::<B, 1, Int>::arange(0..(2 * l * e) as i64, &d).float().reshape([2, 1, l, e]) / 11.0;
    let mask = x.clone().matmul(x.clone().transpose()).lower_elem(0.0).reshape([1, 1, l, l]);
    let bias = Tensor::<B, 1, Int>::arange(0..(l * l) as i64, &d).float().reshape([1, 1, l, l]) / 5.0;
    let out = burn::tensor::module::attention(q.clone(), q.clone().cos(), q, Some(mask), Some(bias), Default::default());
    out.narrow(0, 1, 1).reshape([l, e]) + x
});

#[test]
fn attention_with_a_per_example_mask_and_a_broadcast_bias_matches_the_loop() {
    check_vmap::<_, 2, 2, 3, 3>(&AttendPerExampleMask, normal(70, [3, 4, 2]), 0, 0);
    check_vmap::<_, 2, 2, 3, 3>(&AttendPerExampleMask, normal(71, [4, 3, 2]), 1, 2);
}

/// Code that asks whether a tensor is tracked for gradients (as `pmap`'s collectives do) gets the
/// same answer under `vmap` as without it: inside `grad` of a vmapped function the input (a leaf
/// of the graph, as Burn's `is_require_grad` asks) is tracked and a constant made inside is not;
/// under `vmap` alone nothing is.
#[test]
fn gradient_tracking_is_reported_through_vmap() {
    func!(Tracked, 1 -> 1, |x| {
        let device = x.device();
        let tracked = |t: &Tensor<B, 1>| B::ad_enabled(&device) && t.is_require_grad();
        let constant = Tensor::<B, 1>::ones([1], &device);
        let flags = 2.0 * f32::from(u8::from(tracked(&x))) + f32::from(u8::from(tracked(&constant)));
        x.sum() * 0.0 + flags
    });
    func!(SumOfTracked, 2 -> 1, |x| vmap(Tracked).call(x).sum());
    let xs = normal(72, [3, 2]);
    assert_eq!(
        values(vmap(Tracked).call(xs.clone())),
        vec![0.0; 3],
        "nothing tracked without grad"
    );
    let (value, _) = value_and_grad(&SumOfTracked).call(xs);
    assert_eq!(
        values(value),
        vec![6.0],
        "three examples, each with its input tracked and its constant not"
    );
}

/// `Batched<B>` answers the backend's own queries (autodiff, dtypes, devices, name) as `B` does,
/// and seeding it seeds `B`.
#[test]
fn the_batched_backend_answers_queries_as_its_inner_backend() {
    use burn::backend::Autodiff;
    use burn::tensor::{BoolStore, DType, Distribution};
    use burnax::vmap::Batched;
    type V = Batched<B>;
    let dev = Default::default();
    assert!(!V::ad_enabled(&dev));
    assert!(Batched::<Autodiff<B>>::ad_enabled(&dev));
    assert_eq!(V::name(&dev), format!("batched<{}>", B::name(&dev)));
    let dtypes = [
        DType::F64,
        DType::F32,
        DType::Flex32,
        DType::F16,
        DType::BF16,
        DType::I64,
        DType::I32,
        DType::I16,
        DType::I8,
        DType::U64,
        DType::U32,
        DType::U16,
        DType::U8,
        DType::Bool(BoolStore::Native),
        DType::Bool(BoolStore::U8),
        DType::Bool(BoolStore::U32),
    ];
    for dtype in dtypes {
        assert_eq!(
            V::supports_dtype(&dev, dtype),
            B::supports_dtype(&dev, dtype),
            "{dtype:?}"
        );
        assert_eq!(
            V::dtype_usage(&dev, dtype),
            B::dtype_usage(&dev, dtype),
            "{dtype:?}"
        );
    }
    assert_eq!(V::device_count(0), B::device_count(0));
    let draw = || values(Tensor::<B, 1>::random([8], Distribution::Default, &dev));
    V::seed(&dev, 11);
    let after_batched = draw();
    B::seed(&dev, 11);
    assert_eq!(after_batched, draw(), "seeding Batched<B> seeds B");
}

// An inverse FFT of a spectrum with one half per example and the other shared (`irfft`'s
// operands batched one at a time).
func!(InverseFftHalfShared, 2 -> 2, |x| {
    use burn::tensor::signal::irfft;
    let [r, c] = x.dims();
    let shared = Tensor::<B, 1, Int>::arange(0..(r * c) as i64, &x.device()).float().reshape([r, c]) / 9.0;
    irfft(x.clone(), shared.clone(), 1, Some(8)) + irfft(shared, x, 1, Some(8))
});

#[test]
fn inverse_ffts_with_one_shared_half_match_the_loop() {
    check::<_, 2, 2, 3, 3>(InverseFftHalfShared, |d| [d.roll(1, 4), 5]);
}
