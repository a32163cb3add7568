//! Templates for the batching rules shared by the float, int and bool tensor kinds. Each expands
//! to trait methods of `Batched<B>`; `$T` is the tensor alias (`FloatTensor`, ...), `$K` the
//! primitive kind (`FloatK`, ...).

/// Elementwise on one tensor: the batch axis rides along.
macro_rules! unary {
    ($T:ident; $($name:ident),* $(,)?) => {$(
        fn $name(tensor: $T<Self>) -> $T<Self> {
            tensor.map(B::$name)
        }
    )*};
}

/// A tensor and a scalar: the batch axis rides along.
macro_rules! with_scalar {
    ($T:ident; $($name:ident),* $(,)?) => {$(
        fn $name(lhs: $T<Self>, rhs: Scalar) -> $T<Self> {
            lhs.map(|p| B::$name(p, rhs))
        }
    )*};
}

/// Two tensors elementwise (with Burn's broadcasting): both brought to the batch.
macro_rules! elementwise {
    ($T:ident, $K:ident; $($name:ident),* $(,)?) => {$(
        fn $name(lhs: $T<Self>, rhs: $T<Self>) -> $T<Self> {
            broadcasting::<B, $K, $K>(stringify!($name), lhs, rhs, B::$name)
        }
    )*};
}

/// Two tensors compared elementwise into a bool tensor.
macro_rules! compare {
    ($T:ident, $K:ident; $($name:ident),* $(,)?) => {$(
        fn $name(lhs: $T<Self>, rhs: $T<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
            broadcasting::<B, $K, BoolK>(stringify!($name), lhs, rhs, |a, b| B::$name(a, b, out_dtype))
        }
    )*};
}

/// A tensor compared with a scalar.
macro_rules! compare_scalar {
    ($T:ident; $($name:ident),* $(,)?) => {$(
        fn $name(lhs: $T<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
            lhs.map(|p| B::$name(p, rhs, out_dtype))
        }
    )*};
}

/// An operation along one axis (reductions, scans, arg-reductions): the axis shifts past the
/// batch axis.
macro_rules! along {
    ($T:ident; $($name:ident),* $(,)?) => {$(
        fn $name(tensor: $T<Self>, dim: usize) -> $T<Self> {
            tensor.map_dim(dim, B::$name)
        }
    )*};
}
