//! A trace lowered once into the program every later call replays: dead code removed, common
//! subexpressions merged, elementwise chains fused (on Flex), each
//! operand read by moving on its last use, slots in a dense frame (no lock, hash or clone of
//! the trace per call).

use std::collections::{HashMap, HashSet};

use super::trace::{Builder, Frame, Instr, Run, Use};

/// One step of a program: an instruction's body and where it reads and writes.
struct Step {
    name: &'static str,
    uses: Vec<Use>,
    outs: Vec<u32>,
    run: Run,
}

/// A lowered trace. Generic over nothing: the steps know their types.
pub(crate) struct Program {
    slots: usize,
    inputs: Vec<u32>,
    steps: Vec<Step>,
    outputs: Vec<Use>,
    /// Operations recorded, before dead-code elimination.
    recorded: usize,
}

impl Program {
    /// Lowers a finished trace whose function read `inputs` and returned `outputs` (slots).
    pub(crate) fn lower(trace: Builder, inputs: Vec<u32>, mut outputs: Vec<u32>, fusion: bool) -> Self {
        let recorded = trace.instrs.len();
        let slots = trace.slots as usize;
        let fusion = fusion && trace.fuses();
        // Dead code: walk back from the outputs; operations with an effect always stay.
        let mut live: HashSet<u32> = outputs.iter().copied().collect();
        let mut keep = vec![false; trace.instrs.len()];
        for (k, instr) in trace.instrs.iter().enumerate().rev() {
            if instr.effect || instr.outputs.iter().any(|o| live.contains(o)) {
                keep[k] = true;
                live.extend(instr.inputs.iter().copied());
            }
        }
        let kept: Vec<Instr> = trace
            .instrs
            .into_iter()
            .zip(keep)
            .filter_map(|(instr, k)| k.then_some(instr))
            .collect();
        let kept = common_subexpressions(kept, &mut outputs);
        #[cfg(feature = "flex")]
        let kept = if fusion {
            super::fuse::fuse(kept, &outputs)
        } else {
            kept
        };
        #[cfg(not(feature = "flex"))]
        let _ = fusion;
        // Last uses: walking back, a read moves its value out unless a later read (or an
        // output) still needs it.
        let mut needed: HashSet<u32> = HashSet::new();
        let mut outs: Vec<Use> = outputs
            .iter()
            .rev()
            .map(|&slot| Use {
                slot,
                take: needed.insert(slot),
            })
            .collect();
        outs.reverse();
        let mut steps: Vec<Step> = Vec::new();
        for instr in kept.into_iter().rev() {
            let mut uses: Vec<Use> = instr
                .inputs
                .iter()
                .rev()
                .map(|&slot| Use {
                    slot,
                    take: needed.insert(slot),
                })
                .collect();
            uses.reverse();
            for o in &instr.outputs {
                needed.remove(o);
            }
            steps.push(Step {
                name: instr.name,
                uses,
                outs: instr.outputs,
                run: instr.run,
            });
        }
        steps.reverse();
        Self {
            slots,
            inputs,
            steps,
            outputs: outs,
            recorded,
        }
    }

    /// Runs the program on new inputs (the inner backend's primitives of the function's leaves,
    /// in order) and returns its outputs' primitives.
    pub(crate) fn run<P: Clone + Send + 'static>(&self, inputs: Vec<P>) -> Vec<P> {
        let mut frame = Frame::new(self.slots);
        for (&slot, p) in self.inputs.iter().zip(inputs) {
            frame.put(slot, p);
        }
        for step in &self.steps {
            (step.run)(&mut frame, &step.uses, &step.outs);
        }
        self.outputs.iter().map(|&u| frame.get::<P>(u)).collect()
    }

    /// Operations recorded while tracing (before dead code was removed).
    pub(crate) fn recorded(&self) -> usize {
        self.recorded
    }

    /// The replayed operations' names, in order.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.steps.iter().map(|s| s.name).collect()
    }
}

/// Common subexpressions: an operation described for fusion (its kind and scalar: pure, on
/// operands of one shape) on the same operands as an earlier one is replaced by the earlier
/// one's result. Operations without such a description are kept as they are (their closures'
/// arguments are not comparable).
fn common_subexpressions(instrs: Vec<Instr>, outputs: &mut [u32]) -> Vec<Instr> {
    let mut seen: HashMap<(String, Vec<u32>), Vec<u32>> = HashMap::new();
    let mut rename: HashMap<u32, u32> = HashMap::new();
    let mut kept = Vec::with_capacity(instrs.len());
    for mut instr in instrs {
        for s in &mut instr.inputs {
            if let Some(&r) = rename.get(s) {
                *s = r;
            }
        }
        if let Some(f) = &instr.fuse {
            let key = (format!("{:?}", f.op), instr.inputs.clone());
            if let Some(first) = seen.get(&key) {
                rename.extend(instr.outputs.iter().copied().zip(first.iter().copied()));
                continue;
            }
            seen.insert(key, instr.outputs.clone());
        }
        kept.push(instr);
    }
    for o in outputs.iter_mut() {
        if let Some(&r) = rename.get(o) {
            *o = r;
        }
    }
    kept
}
