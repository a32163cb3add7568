//! Burn modules as tree nodes: gradients through `value_and_grad` equal Burn's own, and a
//! model passes whole to every example of a `vmap` (`in_axes` `None`).

use burn::backend::{Autodiff, Flex};
use burn::module::{AutodiffModule, Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burnax::grad::value_and_grad_module;
use burnax::random;
use burnax::tree::{Leaf, LinearTree, ParamLeaf};
use burnax::{value_and_grad, vmap, Function};
use burnax_testing::{assert_close, Tolerance};

type B = Flex;

burnax::tree_module! {
    /// Two layers and a learned output scale.
    #[derive(Module, Debug)]
    pub struct Mlp<B: Backend> {
        pub l1: Linear<B> => LinearTree,
        pub l2: Linear<B> => LinearTree,
        pub scale: Param<Tensor<B, 1>> => ParamLeaf<1>,
    }
    tree MlpTree;
}

impl<Bk: Backend> Mlp<Bk> {
    fn new(device: &Bk::Device) -> Self {
        let model = Self {
            l1: LinearConfig::new(3, 5).init(device),
            l2: LinearConfig::new(5, 2).init(device),
            scale: Param::from_tensor(Tensor::from_floats([1.5], device)),
        };
        // Burn initialises parameters lazily, and clones made before that draw their own
        // weights: run the model once so that every clone is the same model.
        let _ = model.forward(Tensor::zeros([1, 3], device));
        model
    }

    fn forward(&self, x: Tensor<Bk, 2>) -> Tensor<Bk, 2> {
        self.l2.forward(self.l1.forward(x).tanh()) * self.scale.val().unsqueeze()
    }
}

fn loss<Bk: Backend>(m: &Mlp<Bk>, x: Tensor<Bk, 2>) -> Tensor<Bk, 1> {
    m.forward(x).square().sum()
}

struct Loss;
impl Function for Loss {
    type In = (MlpTree, Leaf<2>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, (m, x): (Mlp<Bk>, Tensor<Bk, 2>)) -> Tensor<Bk, 1> {
        loss(&m, x)
    }
}

fn values<const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().to_vec().unwrap()
}

fn wide<const D: usize>(t: Tensor<B, D>) -> Vec<f64> {
    t.into_data().iter::<f64>().collect()
}

#[test]
fn module_gradients_through_trees_equal_burns() {
    let device = Default::default();
    let model = Mlp::<Autodiff<B>>::new(&device);
    let x = random::normal::<B, 2>(random::key(1), [4, 3], &device);
    let (want_loss, grads) = value_and_grad_module(&model, |m| loss(m, Tensor::from_inner(x.clone())));
    let inner = model.valid();
    let (got_loss, (g, gx)) = value_and_grad(&Loss).argnums(&[0]).call((inner.clone(), x));
    assert_eq!(values(got_loss), values(want_loss));
    // The gradient tree is the model's type; each parameter keeps its id.
    for (got, id, what) in [
        (values(g.l1.weight.val()), inner.l1.weight.id, "l1.weight"),
        (values(g.l2.weight.val()), inner.l2.weight.id, "l2.weight"),
    ] {
        let want = grads.get::<B, 2>(id).expect("used");
        assert_close(&got, &wide(want), Tolerance::F32_REORDERED, what);
    }
    let b1 = g.l1.bias.expect("l1 has a bias");
    assert_eq!(b1.id, inner.l1.bias.as_ref().unwrap().id);
    assert_close(
        &values(b1.val()),
        &wide(grads.get::<B, 1>(b1.id).expect("used")),
        Tolerance::F32_REORDERED,
        "l1.bias",
    );
    assert_close(
        &values(g.scale.val()),
        &wide(grads.get::<B, 1>(inner.scale.id).expect("used")),
        Tolerance::F32_REORDERED,
        "scale",
    );
    assert_eq!(values(gx.abs().sum()), [0.0], "x was not asked for");
}

/// One example through the model.
struct Predict;
impl Function for Predict {
    type In = (MlpTree, Leaf<1>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, (m, x): (Mlp<Bk>, Tensor<Bk, 1>)) -> Tensor<Bk, 1> {
        m.forward(x.reshape([1, 3])).flatten(0, 1)
    }
}

#[test]
fn a_model_is_shared_by_every_example_of_a_vmap() {
    let device = Default::default();
    let model = Mlp::<B>::new(&device);
    let xs = random::normal::<B, 2>(random::key(2), [6, 3], &device);
    let ys = vmap(Predict).in_axes((None, 0)).call((model.clone(), xs.clone()));
    assert_close(
        &values(ys),
        &wide(model.forward(xs)),
        Tolerance::F32_REORDERED,
        "vmap of one example's prediction vs the batched forward",
    );
}

#[test]
#[should_panic(expected = "marked unmapped")]
fn a_shared_output_that_varies_is_named() {
    struct Leak;
    impl Function for Leak {
        type In = (MlpTree, Leaf<1>);
        type Out = MlpTree;
        fn call<Bk: Backend>(&self, (mut m, x): (Mlp<Bk>, Tensor<Bk, 1>)) -> Mlp<Bk> {
            m.scale = Param::from_tensor(x.sum());
            m
        }
    }
    let device = Default::default();
    let xs = random::normal::<B, 2>(random::key(3), [2, 3], &device);
    let _ = vmap(Leak)
        .in_axes((None, 0))
        .out_axes(None)
        .call((Mlp::<B>::new(&device), xs));
}

burnax::tree_module! {
    /// A convolution and an embedding, for the other built-in layer structures.
    #[derive(Module, Debug)]
    pub struct Cnn<B: Backend> {
        pub conv: burn::nn::conv::Conv2d<B> => burnax::tree::Conv2dTree,
        pub embed: burn::nn::Embedding<B> => burnax::tree::EmbeddingTree,
    }
    tree CnnTree;
}

fn cnn_loss<Bk: Backend>(m: &Cnn<Bk>, x: Tensor<Bk, 4>) -> Tensor<Bk, 1> {
    let ids = Tensor::<Bk, 2, Int>::from_ints([[0, 2, 2]], &x.device());
    let e = m.embed.forward(ids); // [1, 3, 4]
    let y = m.conv.forward(x); // [1, 2, 3, 3]
    y.tanh().square().sum() + (e.clone() * e).sum()
}

struct CnnLoss;
impl Function for CnnLoss {
    type In = (CnnTree, Leaf<4>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, (m, x): (Cnn<Bk>, Tensor<Bk, 4>)) -> Tensor<Bk, 1> {
        cnn_loss(&m, x)
    }
}

#[test]
fn convolution_and_embedding_gradients_equal_burns() {
    let device = Default::default();
    let model = Cnn::<Autodiff<B>> {
        conv: burn::nn::conv::Conv2dConfig::new([2, 2], [3, 3]).init(&device),
        embed: burn::nn::EmbeddingConfig::new(3, 4).init(&device),
    };
    let x = random::normal::<B, 4>(random::key(4), [1, 2, 5, 5], &device);
    let (_, grads) = value_and_grad_module(&model, |m| cnn_loss(m, Tensor::from_inner(x.clone())));
    let inner = model.valid();
    let (_, (g, _)) = value_and_grad(&CnnLoss).argnums(&[0]).call((inner.clone(), x));
    assert_eq!(
        (g.conv.stride, g.conv.groups),
        (inner.conv.stride, inner.conv.groups)
    );
    // Conv weight and bias, embedding table: each equal to Burn's gradient of the same id.
    let mut check = SameAsBurn {
        grads: &grads,
        checked: 0,
    };
    g.visit(&mut check);
    assert_eq!(check.checked, 3);
}

burnax::tree_module! {
    /// Every other built-in layer structure, a parameter-free layer and a setting.
    #[derive(Module, Debug)]
    pub struct Zoo<B: Backend> {
        pub c1: burn::nn::conv::Conv1d<B> => burnax::tree::Conv1dTree,
        pub c3: burn::nn::conv::Conv3d<B> => burnax::tree::Conv3dTree,
        pub t1: burn::nn::conv::ConvTranspose1d<B> => burnax::tree::ConvTranspose1dTree,
        pub t2: burn::nn::conv::ConvTranspose2d<B> => burnax::tree::ConvTranspose2dTree,
        pub t3: burn::nn::conv::ConvTranspose3d<B> => burnax::tree::ConvTranspose3dTree,
        pub group: burn::nn::GroupNorm<B> => burnax::tree::GroupNormTree,
        pub instance: burn::nn::InstanceNorm<B> => burnax::tree::InstanceNormTree,
        pub rms: burn::nn::RmsNorm<B> => burnax::tree::RmsNormTree,
        pub mha: burn::nn::attention::MultiHeadAttention<B> => burnax::tree::MultiHeadAttentionTree,
        pub dropout: burn::nn::Dropout => burnax::tree::Static<burn::nn::Dropout>,
        pub power: usize => burnax::tree::Static<usize>,
    }
    tree ZooTree;
}

impl<Bk: Backend> Zoo<Bk> {
    fn new(device: &Bk::Device) -> Self {
        use burn::nn::conv::*;
        use burn::nn::*;
        Self {
            c1: Conv1dConfig::new(2, 4, 3).init(device),
            c3: Conv3dConfig::new([1, 2], [2, 2, 2]).init(device),
            t1: ConvTranspose1dConfig::new([4, 2], 3).init(device),
            t2: ConvTranspose2dConfig::new([2, 3], [2, 2]).init(device),
            t3: ConvTranspose3dConfig::new([2, 1], [2, 2, 2]).init(device),
            group: GroupNormConfig::new(2, 4).init(device),
            instance: InstanceNormConfig::new(4).init(device),
            rms: RmsNormConfig::new(4).init(device),
            mha: attention::MultiHeadAttentionConfig::new(4, 2)
                .with_dropout(0.0)
                .init(device),
            dropout: DropoutConfig::new(0.0).init(),
            power: 2,
        }
    }

    /// Every layer used once, on inputs `a` `[1, 2, 6]`, `b` `[1, 2, 3, 3]`, `c` `[1, 1, 3, 3, 3]`.
    fn loss(&self, a: Tensor<Bk, 3>, b: Tensor<Bk, 4>, c: Tensor<Bk, 5>) -> Tensor<Bk, 1> {
        let h = self.c1.forward(a); // [1, 4, 4]
        let h = self
            .rms
            .forward(self.instance.forward(self.group.forward(h).tanh()));
        let h = self
            .mha
            .forward(burn::nn::attention::MhaInput::self_attn(h))
            .context;
        let h = self.dropout.forward(self.t1.forward(h)); // [1, 2, 6]
        let p = self.power as i32;
        let b = self.t2.forward(b); // [1, 3, 4, 4]
        let c = self.t3.forward(self.c3.forward(c)); // [1, 1, 3, 3, 3] via [1, 2, 2, 2, 2]
        h.powi_scalar(p).sum() + b.sin().sum() + c.tanh().powi_scalar(p).sum()
    }
}

struct ZooLoss;
impl Function for ZooLoss {
    type In = (ZooTree, Leaf<3>, Leaf<4>, Leaf<5>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(
        &self,
        (m, a, b, c): (Zoo<Bk>, Tensor<Bk, 3>, Tensor<Bk, 4>, Tensor<Bk, 5>),
    ) -> Tensor<Bk, 1> {
        m.loss(a, b, c)
    }
}

/// Compares each float parameter of a gradient module with Burn's gradient of the same id.
struct SameAsBurn<'a> {
    grads: &'a burn::optim::GradientsParams,
    checked: usize,
}
impl burn::module::ModuleVisitor<B> for SameAsBurn<'_> {
    fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<B, D>>) {
        let want = self
            .grads
            .get::<B, D>(p.id)
            .expect("Burn has a gradient for every parameter");
        let got: Vec<f32> = p.val().into_data().iter::<f32>().collect();
        assert_close(
            &got,
            &wide(want),
            Tolerance::F32_REORDERED,
            &format!("parameter {}", p.id),
        );
        self.checked += 1;
    }
}

#[test]
fn every_built_in_layer_structure_gives_burns_gradients() {
    use burnax::tree::TreeDef;
    let device = Default::default();
    let model = Zoo::<Autodiff<B>>::new(&device);
    let a = random::normal::<B, 3>(random::key(5), [1, 2, 6], &device);
    let b = random::normal::<B, 4>(random::key(6), [1, 2, 3, 3], &device);
    let c = random::normal::<B, 5>(random::key(7), [1, 1, 3, 3, 3], &device);
    let (want_loss, grads) = value_and_grad_module(&model, |m| {
        m.loss(
            Tensor::from_inner(a.clone()),
            Tensor::from_inner(b.clone()),
            Tensor::from_inner(c.clone()),
        )
    });
    let inner = model.valid();
    let (got_loss, (g, ..)) = value_and_grad(&ZooLoss)
        .argnums(&[0])
        .call((inner.clone(), a, b, c));
    assert_close(
        &values(got_loss),
        &wide(want_loss),
        Tolerance::F32_REORDERED,
        "loss",
    );
    let mut check = SameAsBurn {
        grads: &grads,
        checked: 0,
    };
    g.visit(&mut check);
    // Weight and bias of 5 convolutions and 4 projections, 2 + 2 + 1 norm parameters: every one
    // a leaf.
    assert_eq!(check.checked, 23);
    assert_eq!(ZooTree::leaf_count::<B>(&inner), 23);
    // Settings are carried over.
    assert_eq!(
        (g.power, g.c1.kernel_size, g.t2.channels, g.mha.n_heads),
        (2, 3, [2, 3], 2)
    );
}
