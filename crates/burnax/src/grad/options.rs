//! The builders JAX's options become on the grad family's transformations.

/// The `.argnums(..)` and `.has_aux()` builders of the transformations with both.
macro_rules! options {
    ($($t:ident),*) => {$(
        impl<F, M> $t<F, M> {
            /// Differentiates only these top-level elements of the input (positions of a tuple,
            /// JAX's `argnums`); the result keeps the input's structure, zeros elsewhere.
            pub fn argnums(mut self, argnums: &[usize]) -> Self {
                self.opts.argnums = Some(argnums.to_vec());
                self
            }
        }

        impl<F> $t<F, $crate::grad::NoAux> {
            /// The function returns `(output, aux)`: only `output` is differentiated, and `aux`
            /// comes back beside the result (JAX's `has_aux=True`).
            pub fn has_aux(self) -> $t<F, $crate::grad::HasAux> {
                $t {
                    f: self.f,
                    opts: self.opts,
                    _mode: core::marker::PhantomData,
                }
            }
        }
    )*};
}
pub(crate) use options;
