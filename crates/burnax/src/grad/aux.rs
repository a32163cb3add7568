//! JAX's `has_aux`: a function's output split into the part a transformation differentiates and
//! auxiliary data carried out as it is.

use burn::prelude::*;

use crate::tree::{On, TreeDef};

/// The default mode: the whole output is differentiated.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAux;

/// JAX's `has_aux=True`: the function returns `(output, aux)`, only `output` is differentiated,
/// and the transformation returns `aux` beside its result (set with `.has_aux()`).
#[derive(Clone, Copy, Debug, Default)]
pub struct HasAux;

/// How a mode ([`NoAux`] or [`HasAux`]) splits a function's output of structure `Out`.
pub trait AuxMode<Out: TreeDef> {
    /// What is differentiated: `Out` itself, or the first element of `(output, aux)`.
    type Primary: TreeDef;
    /// What is carried out: `()`, or the second element.
    type Aux: TreeDef;
    /// A transformation's result `G`, with the auxiliary data beside it when there is some:
    /// `G`, or `(G, aux)`.
    type With<G: TreeDef>: TreeDef;

    /// Splits an output.
    fn split<B: Backend>(y: On<Out, B>) -> (On<Self::Primary, B>, On<Self::Aux, B>);

    /// Puts a result beside the auxiliary data.
    fn with<B: Backend, G: TreeDef>(g: On<G, B>, aux: On<Self::Aux, B>) -> On<Self::With<G>, B>;
}

impl<Out: TreeDef> AuxMode<Out> for NoAux {
    type Primary = Out;
    type Aux = ();
    type With<G: TreeDef> = G;

    fn split<B: Backend>(y: On<Out, B>) -> (On<Out, B>, ()) {
        (y, ())
    }

    fn with<B: Backend, G: TreeDef>(g: On<G, B>, _: ()) -> On<G, B> {
        g
    }
}

impl<P: TreeDef, A: TreeDef> AuxMode<(P, A)> for HasAux {
    type Primary = P;
    type Aux = A;
    type With<G: TreeDef> = (G, A);

    fn split<B: Backend>(y: (On<P, B>, On<A, B>)) -> (On<P, B>, On<A, B>) {
        y
    }

    fn with<B: Backend, G: TreeDef>(g: On<G, B>, aux: On<A, B>) -> (On<G, B>, On<A, B>) {
        (g, aux)
    }
}
