//! What fusion may fuse: the operations ([`Fuse`]), and the test an operation's operands must
//! pass when it is recorded ([`tag`]). The fusing itself is in `fuse.rs`; common
//! subexpressions (`program.rs`) use the same descriptions.

use burn::tensor::{DType, Scalar, Shape, TensorMetadata};

/// A fusable operation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Fuse {
    Exp,
    Log,
    Sin,
    Cos,
    Tanh,
    Sqrt,
    Abs,
    Neg,
    Recip,
    /// `x * x`: `powi_scalar(x, 2)`, which Flex computes so.
    Square,
    Add,
    Sub,
    Mul,
    Div,
    AddScalar(f32),
    SubScalar(f32),
    MulScalar(f32),
    DivScalar(f32),
    /// `x > s` as 1.0 or 0.0 (a bool, in the group).
    Greater(f32),
    GreaterEqual(f32),
    Lower(f32),
    LowerEqual(f32),
    /// A bool as a float: the register already holds 1.0 or 0.0.
    ToFloat,
    /// `mask_where(tensor, mask, value)`: `value` where `mask`, else `tensor`.
    MaskWhere,
    /// The sum of every value, into a tensor of shape `[1]`: ends a group.
    Sum,
}

// Without Flex nothing is fused: what only the fusing reads is unused.
#[cfg_attr(not(feature = "flex"), allow(dead_code))]
impl Fuse {
    pub(crate) fn makes_bool(self) -> bool {
        matches!(
            self,
            Fuse::Greater(_) | Fuse::GreaterEqual(_) | Fuse::Lower(_) | Fuse::LowerEqual(_)
        )
    }

    /// Operand positions that must be bools made in the group.
    pub(crate) fn bool_operand(self, k: usize) -> bool {
        matches!((self, k), (Fuse::ToFloat, 0) | (Fuse::MaskWhere, 1))
    }
}

/// What the recording knows of a fusable operation: the operation and the shape of its
/// elementwise operands (for a sum, of its input).
#[derive(Clone, Debug)]
pub(crate) struct Fusable {
    pub(crate) op: Fuse,
    pub(crate) shape: Vec<usize>,
}

/// Whether a trace of the backend with this `TypeId` can be fused: it is Flex.
pub(crate) fn fuses(backend: std::any::TypeId) -> bool {
    #[cfg(feature = "flex")]
    return backend == std::any::TypeId::of::<burn::backend::Flex>();
    #[cfg(not(feature = "flex"))]
    {
        let _ = backend;
        false
    }
}

/// The dtype and shape of an operand, for [`tag`].
pub(crate) fn meta<P: TensorMetadata>(t: &P) -> (DType, Shape) {
    (t.dtype(), t.shape())
}

/// `op` on these operands as a fusable operation, if it is one: `f32` operands (bools where the
/// operation takes one) of one shape. The description serves common-subexpression elimination on
/// every backend, and fusion on Flex.
pub(crate) fn tag(op: Fuse, operands: &[(DType, Shape)]) -> Option<Fusable> {
    let shape = &operands.first()?.1;
    let fits = operands
        .iter()
        .enumerate()
        .all(|(k, (dtype, s))| s == shape && (op.bool_operand(k) || *dtype == DType::F32));
    fits.then(|| Fusable {
        op,
        shape: shape.iter().copied().collect(),
    })
}

/// A scalar operand as Flex's `f32` kernels see it.
pub(crate) fn scalar(s: Scalar) -> f32 {
    let x = match s {
        Scalar::Float(x) => x,
        Scalar::Int(x) => x as f64,
        Scalar::UInt(x) => x as f64,
        Scalar::Bool(x) => f64::from(u8::from(x)),
    };
    x as f32
}
