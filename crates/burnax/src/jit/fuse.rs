//! Fusion on Flex, the default CPU backend: chains of elementwise operations (and a full sum at
//! their end) become one pass over memory, in blocks that stay in L1, on every core.
//!
//! Flex runs each operation as its own pass, single-threaded for most: `selu` is eight passes
//! over its input. A fused group reads its inputs once and writes its result once; in between,
//! each operation runs on a block of [`BLOCK`] values held in scratch registers. The elementwise
//! operations are Flex's own scalar functions (`f32::exp`, `a * b`, ...), without FMA
//! contraction, so a fused chain gives the same bits as the eager one; a fused sum adds in
//! another order (blocks of [`BLOCK`] in 8 lanes, the blocks' partial sums in `f64`, in order, so
//! the result does not depend on the number of threads), which is where fused and eager differ.
//!
//! Only operations recorded on `Flex` itself with `f32` operands of one shape (no broadcasting,
//! scalars aside) are fused; a value used outside its group ends the group there.

use std::collections::HashMap;
use std::sync::Arc;

use burn::backend::flex::FlexTensor;
use burn::tensor::TensorData;
use rayon::prelude::*;

use super::fusable::Fuse;
use super::trace::{Frame, Instr, Run, Use};

/// Values per block: 16 KiB of f32, so that the few registers a chain uses at once stay in L1
/// and L2.
pub(crate) const BLOCK: usize = 4096;

/// Up to this many values a fused kernel runs on the calling thread: below it, handing blocks to
/// rayon's threads costs more than it saves (measured on the MLP step's `[32, 128]` tensors).
const SERIAL: usize = 16 * BLOCK;

/// An operand of a fused instruction.
#[derive(Clone, Copy, Debug)]
enum Src {
    Input(usize),
    Reg(usize),
}

#[derive(Clone, Debug)]
struct Code {
    op: Fuse,
    dst: usize,
    srcs: Vec<Src>,
}

/// A fused group, compiled: register code over blocks.
#[derive(Debug)]
struct Kernel {
    code: Vec<Code>,
    registers: usize,
    /// The register holding the result (for a sum, the values summed).
    result: usize,
    sum: bool,
    shape: Vec<usize>,
}

/// Replaces each group of two or more fusable instructions whose intermediate values are used
/// only inside it by one fused instruction, at the place of the group's last member.
pub(crate) fn fuse(instrs: Vec<Instr>, outputs: &[u32]) -> Vec<Instr> {
    let mut uses: HashMap<u32, usize> = HashMap::new();
    for slot in instrs.iter().flat_map(|i| i.inputs.iter()).chain(outputs) {
        *uses.entry(*slot).or_default() += 1;
    }
    let producer: HashMap<u32, usize> = instrs
        .iter()
        .enumerate()
        .flat_map(|(k, i)| i.outputs.iter().map(move |&o| (o, k)))
        .collect();
    // group[k]: the members of the group whose last member is k (empty when k was absorbed).
    let mut group: Vec<Vec<usize>> = vec![Vec::new(); instrs.len()];
    let mut absorbed = vec![false; instrs.len()];
    for k in 0..instrs.len() {
        let Some(f) = &instrs[k].fuse else { continue };
        let mut members = Vec::new();
        let mut feasible = true;
        for (pos, slot) in instrs[k].inputs.iter().enumerate() {
            let from = producer.get(slot).copied().filter(|&p| {
                let Some(pf) = &instrs[p].fuse else { return false };
                !absorbed[p]
                    && !group[p].is_empty()
                    && uses[slot] == 1
                    && pf.op != Fuse::Sum
                    && pf.shape == f.shape
            });
            match from {
                Some(p) => members.push(p),
                None if f.op.bool_operand(pos) => feasible = false,
                None => {}
            }
        }
        if !feasible {
            continue;
        }
        let mut all = vec![k];
        for p in members {
            absorbed[p] = true;
            all.extend(std::mem::take(&mut group[p]));
        }
        all.sort_unstable();
        group[k] = all;
    }
    // A group is fused from two members on, and only if its result is a float.
    let mut fused: HashMap<usize, Instr> = HashMap::new();
    for (k, members) in group.iter().enumerate() {
        let root = instrs[k].fuse.as_ref().map(|f| f.op);
        if members.len() < 2 || absorbed[k] || root.is_none_or(Fuse::makes_bool) {
            continue;
        }
        fused.insert(k, compile(&instrs, members));
    }
    let removed: std::collections::HashSet<usize> = fused
        .keys()
        .flat_map(|&k| group[k].iter().copied().filter(move |&m| m != k))
        .collect();
    instrs
        .into_iter()
        .enumerate()
        .filter(|(k, _)| !removed.contains(k))
        .map(|(k, instr)| fused.remove(&k).unwrap_or(instr))
        .collect()
}

/// Compiles a group (member indices in program order, the last its root) into one instruction.
fn compile(instrs: &[Instr], members: &[usize]) -> Instr {
    let root = *members.last().expect("a group has members");
    let in_group: HashMap<u32, usize> = members.iter().map(|&m| (instrs[m].outputs[0], m)).collect();
    // Last in-group use of each member's value, to reuse its register afterwards.
    let mut last_use: HashMap<u32, usize> = HashMap::new();
    for (pos, &m) in members.iter().enumerate() {
        for s in &instrs[m].inputs {
            if in_group.contains_key(s) {
                last_use.insert(*s, pos);
            }
        }
    }
    let mut inputs: Vec<u32> = Vec::new();
    let mut reg_of: HashMap<u32, usize> = HashMap::new();
    let mut free: Vec<usize> = Vec::new();
    let mut registers = 0;
    let mut code = Vec::new();
    let mut sum = false;
    let mut result = 0;
    for (pos, &m) in members.iter().enumerate() {
        let f = instrs[m].fuse.as_ref().expect("members are fusable");
        let srcs: Vec<Src> = instrs[m]
            .inputs
            .iter()
            .map(|s| match reg_of.get(s) {
                Some(&r) => Src::Reg(r),
                None => {
                    let at = inputs.iter().position(|i| i == s).unwrap_or_else(|| {
                        inputs.push(*s);
                        inputs.len() - 1
                    });
                    Src::Input(at)
                }
            })
            .collect();
        if f.op == Fuse::Sum {
            sum = true;
            result = match srcs[0] {
                Src::Reg(r) => r,
                Src::Input(_) => unreachable!("a fused sum sums a value of its group"),
            };
            continue;
        }
        let dst = free.pop().unwrap_or_else(|| {
            registers += 1;
            registers - 1
        });
        for s in &instrs[m].inputs {
            if last_use.get(s) == Some(&pos) {
                if let Some(r) = reg_of.remove(s) {
                    free.push(r);
                }
            }
        }
        reg_of.insert(instrs[m].outputs[0], dst);
        code.push(Code { op: f.op, dst, srcs });
        result = dst;
    }
    let shape = instrs[members[0]].fuse.as_ref().expect("fusable").shape.clone();
    let kernel = Arc::new(Kernel {
        code,
        registers,
        result,
        sum,
        shape,
    });
    let run: Run = Arc::new(move |frame: &mut Frame, uses: &[Use], outs: &[u32]| {
        let tensors: Vec<FlexTensor> = uses
            .iter()
            .map(|&u| contiguous(frame.get::<FlexTensor>(u)))
            .collect();
        let out = kernel.run(&tensors);
        frame.put(outs[0], out);
    });
    Instr {
        name: "fused",
        inputs,
        outputs: instrs[root].outputs.clone(),
        run,
        effect: false,
        fuse: None,
    }
}

fn contiguous(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

impl Kernel {
    fn run(&self, tensors: &[FlexTensor]) -> FlexTensor {
        let inputs: Vec<&[f32]> = tensors
            .iter()
            .map(|t| t.as_slice::<f32>().expect("fused operands are contiguous f32"))
            .collect();
        let n: usize = self.shape.iter().product();
        let scratch = || vec![vec![0.0f32; BLOCK.min(n)]; self.registers];
        // Small tensors run block after block on this thread: below SERIAL, handing blocks to
        // rayon's threads costs more than it saves. Both ways compute the same blocks.
        let serial = n <= SERIAL;
        if self.sum {
            let partial = |regs: &mut Vec<Vec<f32>>, b: usize| {
                let (start, end) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
                self.block(regs, &inputs, start, end);
                lanes_sum(&regs[self.result][..end - start])
            };
            let blocks = 0..n.div_ceil(BLOCK);
            let partials: Vec<f64> = if serial {
                let mut regs = scratch();
                blocks.map(|b| partial(&mut regs, b)).collect()
            } else {
                blocks.into_par_iter().map_init(scratch, partial).collect()
            };
            let total = partials.iter().sum::<f64>() as f32;
            return FlexTensor::from_data(TensorData::new(vec![total], [1]));
        }
        let fill = |regs: &mut Vec<Vec<f32>>, (b, chunk): (usize, &mut [f32])| {
            let start = b * BLOCK;
            self.block(regs, &inputs, start, start + chunk.len());
            chunk.copy_from_slice(&regs[self.result][..chunk.len()]);
        };
        let mut out = vec![0.0f32; n];
        if serial {
            let mut regs = scratch();
            out.chunks_mut(BLOCK).enumerate().for_each(|c| fill(&mut regs, c));
        } else {
            out.par_chunks_mut(BLOCK).enumerate().for_each_init(scratch, fill);
        }
        FlexTensor::from_data(TensorData::new(out, self.shape.clone()))
    }

    /// Runs the code on values `start..end` of the inputs.
    fn block(&self, regs: &mut [Vec<f32>], inputs: &[&[f32]], start: usize, end: usize) {
        let len = end - start;
        for c in &self.code {
            let mut dst = std::mem::take(&mut regs[c.dst]);
            {
                let src = |k: usize| -> &[f32] {
                    match c.srcs[k] {
                        Src::Input(i) => &inputs[i][start..end],
                        Src::Reg(r) => &regs[r][..len],
                    }
                };
                apply(c.op, &mut dst[..len], &src);
            }
            regs[c.dst] = dst;
        }
    }
}

/// One operation on a block; each arm is a plain loop the compiler vectorises where it can.
fn apply<'a>(op: Fuse, d: &mut [f32], src: &dyn Fn(usize) -> &'a [f32]) {
    fn un(d: &mut [f32], a: &[f32], f: impl Fn(f32) -> f32) {
        d.iter_mut().zip(a).for_each(|(d, &a)| *d = f(a));
    }
    fn bin(d: &mut [f32], a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) {
        d.iter_mut()
            .zip(a.iter().zip(b))
            .for_each(|(d, (&a, &b))| *d = f(a, b));
    }
    let flag = |c: bool| if c { 1.0 } else { 0.0 };
    match op {
        Fuse::Exp => un(d, src(0), f32::exp),
        Fuse::Log => un(d, src(0), f32::ln),
        Fuse::Sin => un(d, src(0), f32::sin),
        Fuse::Cos => un(d, src(0), f32::cos),
        Fuse::Tanh => un(d, src(0), f32::tanh),
        Fuse::Sqrt => un(d, src(0), f32::sqrt),
        Fuse::Abs => un(d, src(0), f32::abs),
        Fuse::Neg => un(d, src(0), |x| -x),
        Fuse::Recip => un(d, src(0), |x| 1.0 / x),
        Fuse::Square => un(d, src(0), |x| x * x),
        Fuse::Add => bin(d, src(0), src(1), |a, b| a + b),
        Fuse::Sub => bin(d, src(0), src(1), |a, b| a - b),
        Fuse::Mul => bin(d, src(0), src(1), |a, b| a * b),
        Fuse::Div => bin(d, src(0), src(1), |a, b| a / b),
        Fuse::AddScalar(s) => un(d, src(0), |x| x + s),
        Fuse::SubScalar(s) => un(d, src(0), |x| x - s),
        Fuse::MulScalar(s) => un(d, src(0), |x| x * s),
        Fuse::DivScalar(s) => un(d, src(0), |x| x / s),
        Fuse::Greater(s) => un(d, src(0), |x| flag(x > s)),
        Fuse::GreaterEqual(s) => un(d, src(0), |x| flag(x >= s)),
        Fuse::Lower(s) => un(d, src(0), |x| flag(x < s)),
        Fuse::LowerEqual(s) => un(d, src(0), |x| flag(x <= s)),
        Fuse::ToFloat => un(d, src(0), |x| x),
        Fuse::MaskWhere => {
            let (t, m, v) = (src(0), src(1), src(2));
            d.iter_mut()
                .zip(t.iter().zip(m.iter().zip(v)))
                .for_each(|(d, (&t, (&m, &v)))| *d = if m != 0.0 { v } else { t });
        }
        Fuse::Sum => unreachable!("a sum is not a register operation"),
    }
}

/// The sum of a block in 8 lanes (vectorisable), the lanes then added in `f64`.
fn lanes_sum(x: &[f32]) -> f64 {
    let mut lanes = [0.0f32; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for (l, v) in lanes.iter_mut().zip(c) {
            *l += v;
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|&v| f64::from(v)).sum();
    lanes.iter().map(|&l| f64::from(l)).sum::<f64>() + tail
}
