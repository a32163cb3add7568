//! Reading a tree's leaves: flattened, their shapes, a dot product of two trees, a shape check.

use burn::prelude::*;

use super::def::{MapLeaves, On, TreeDef};
use crate::error::mismatch;

/// Collects every leaf of a tree flattened to a vector, leaves in order.
struct Flatten<B: Backend>(Vec<Tensor<B, 1>>);

impl<B: Backend> MapLeaves<B, B> for Flatten<B> {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        let n = t.shape().num_elements();
        self.0.push(t.clone().reshape([n]));
        t
    }
}

/// Collects every leaf's shape, leaves in order.
struct Shapes(Vec<Vec<usize>>);

impl<B: Backend> MapLeaves<B, B> for Shapes {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        self.0.push(t.dims().to_vec());
        t
    }
}

/// Every leaf of a tree, flattened to a vector, in order.
pub(crate) fn leaves<T: TreeDef, B: Backend>(t: &On<T, B>) -> Vec<Tensor<B, 1>> {
    let mut f = Flatten(Vec::new());
    T::map::<B, B, _>(t.clone(), &mut f);
    f.0
}

/// Every leaf's shape, in order.
pub(crate) fn shapes<T: TreeDef, B: Backend>(t: &On<T, B>) -> Vec<Vec<usize>> {
    let mut f = Shapes(Vec::new());
    T::map::<B, B, _>(t.clone(), &mut f);
    f.0
}

/// Every leaf of a tree, flattened and concatenated.
pub(crate) fn flat<T: TreeDef, B: Backend>(y: On<T, B>) -> Tensor<B, 1> {
    Tensor::cat(leaves::<T, B>(&y), 0)
}

/// `sum over leaves of sum(a_k * b_k)`, or `None` for a tree with no leaves.
pub(crate) fn dot<T: TreeDef, B: Backend>(a: On<T, B>, b: On<T, B>) -> Option<Tensor<B, 1>> {
    leaves::<T, B>(&a)
        .into_iter()
        .zip(leaves::<T, B>(&b))
        .map(|(a, b)| (a * b).sum())
        .reduce(|acc, s| acc + s)
}

/// Panics unless `a` and `b` have the same leaves with the same shapes, naming the first
/// difference; `name` is the transformation, the `&str`s say what each tree is.
#[track_caller]
pub(crate) fn same_shapes<T: TreeDef, B: Backend>(name: &str, a: (&On<T, B>, &str), b: (&On<T, B>, &str)) {
    let (sa, sb) = (shapes::<T, B>(a.0), shapes::<T, B>(b.0));
    let (what_a, what_b) = (a.1, b.1);
    if sa.len() != sb.len() {
        let detail = format!(
            "the {what_a} has {} leaves, the {what_b} has {}",
            sa.len(),
            sb.len()
        );
        mismatch(name, detail);
    }
    for (k, (x, y)) in sa.iter().zip(&sb).enumerate() {
        if x != y {
            if sa.len() == 1 {
                mismatch(
                    name,
                    format!("the {what_a} has shape {x:?}, the {what_b} has shape {y:?}"),
                );
            }
            let detail =
                format!("leaf {k} of the {what_a} has shape {x:?}, leaf {k} of the {what_b} has shape {y:?}");
            mismatch(name, detail);
        }
    }
}
