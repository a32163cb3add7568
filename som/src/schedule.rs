//! Training configurations and the playbook's schedules.
//!
//! **Batch** (`BatchTrainingConfig`): over `E` epochs the radius along each axis decays
//! geometrically from `sigma` to `max(sigma_floor, dim * min_sigma_frac)` (NumPy's `geomspace`).
//!
//! **Online** (`OnlineTrainingConfig`): over `T` steps the radius decays linearly from `sigma` to
//! `max(sigma_floor, final_sigma_frac * sigma)` (`linspace`) and the learning rate geometrically
//! from `alpha[0]` to `alpha[1]` (`geomspace`). Or, for notebooks ported from MiniSom, each falls
//! by one of MiniSom's decay functions ([`MiniSomDecays`], [`MiniSomDecay`]).

use std::f64::consts::SQRT_2;

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::error::SomError;
use crate::grid::Grid;
use crate::limits::{MAX_STEPS, MIN_SIGMA};

/// Element `t` of NumPy's `geomspace(a, b, n)`.
pub fn geomspace_at(a: f64, b: f64, n: usize, t: usize) -> f64 {
    if n <= 1 || t == 0 {
        return a;
    }
    if t == n - 1 {
        return b;
    }
    a * (b / a).powf(t as f64 / (n - 1) as f64)
}

/// Element `t` of NumPy's `linspace(a, b, n)`.
pub fn linspace_at(a: f64, b: f64, n: usize, t: usize) -> f64 {
    if n <= 1 || t == 0 {
        return a;
    }
    if t == n - 1 {
        return b;
    }
    a + (b - a) * (t as f64 / (n - 1) as f64)
}

/// Radii are finite and at least [`MIN_SIGMA`]; `name` says which.
fn check_radius(name: &str, v: f64) -> Result<(), SomError> {
    if !(v.is_finite() && v >= MIN_SIGMA) {
        return Err(SomError::config(format!(
            "{name} must be a finite number of at least {MIN_SIGMA:e}, got {v:?}"
        )));
    }
    Ok(())
}

fn check_sigma(sigma: Option<[f64; 2]>) -> Result<(), SomError> {
    if let Some(s) = sigma {
        for (axis, v) in ["x", "y"].iter().zip(s) {
            check_radius(&format!("sigma along {axis}"), v)?;
        }
    }
    Ok(())
}

/// Batch training: every epoch, each unit becomes the neighbourhood-weighted mean of the examples.
#[derive(Config, Debug, PartialEq)]
pub struct BatchTrainingConfig {
    /// Number of epochs (full passes over the data).
    pub epochs: usize,
    /// Initial neighbourhood radius along x and y; `None` = half the grid ([`Grid::default_sigma`]).
    #[config(default = "None")]
    pub sigma: Option<[f64; 2]>,
    /// The final radius along an axis is `max(sigma_floor, dim * min_sigma_frac)`.
    #[config(default = 0.2)]
    pub min_sigma_frac: f64,
    /// Smallest final radius (the playbook's 2).
    #[config(default = 2.0)]
    pub sigma_floor: f64,
}

impl BatchTrainingConfig {
    /// Checks the values: at least one epoch, radii of at least [`MIN_SIGMA`], positive finite
    /// fractions.
    ///
    /// # Errors
    /// [`SomError::Config`] naming the offending value.
    pub fn validate(&self) -> Result<(), SomError> {
        if self.epochs == 0 {
            return Err(SomError::config("epochs must be at least 1, got 0"));
        }
        check_sigma(self.sigma)?;
        if !(self.min_sigma_frac.is_finite() && self.min_sigma_frac > 0.0) {
            return Err(SomError::config(format!(
                "min_sigma_frac must be a positive finite number, got {}",
                self.min_sigma_frac
            )));
        }
        check_radius("sigma_floor", self.sigma_floor)
    }

    /// Neighbourhood radii `[sx, sy]` used in epoch `epoch` (0-based).
    pub fn sigma_at(&self, grid: Grid, epoch: usize) -> [f64; 2] {
        let s0 = self.sigma.unwrap_or_else(|| grid.default_sigma());
        let end = |dim: usize| self.sigma_floor.max(dim as f64 * self.min_sigma_frac);
        [
            geomspace_at(s0[0], end(grid.width), self.epochs, epoch),
            geomspace_at(s0[1], end(grid.height), self.epochs, epoch),
        ]
    }
}

/// Online training: one example per step, every unit pulled towards it.
#[derive(Config, Debug, PartialEq)]
pub struct OnlineTrainingConfig {
    /// Number of single-example steps.
    pub steps: usize,
    /// Initial neighbourhood radius along x and y; `None` = half the grid ([`Grid::default_sigma`]).
    #[config(default = "None")]
    pub sigma: Option<[f64; 2]>,
    /// The final radius along an axis is `max(sigma_floor, final_sigma_frac * sigma)`.
    #[config(default = 0.05)]
    pub final_sigma_frac: f64,
    /// Smallest final radius (the playbook's 2).
    #[config(default = 2.0)]
    pub sigma_floor: f64,
    /// Learning rate at the first and the last step (geometric in between).
    #[config(default = "[0.35, 0.01]")]
    pub alpha: [f64; 2],
    /// Clip the weights to `[lo, hi]` after every step (the colour demo clips to `[0, 1]`).
    #[config(default = "None")]
    pub clip: Option<[f32; 2]>,
    /// MiniSom's decays instead of the playbook's (`None`, and files written before this
    /// field existed).
    #[config(default = "None")]
    pub minisom_decays: Option<MiniSomDecays>,
}

/// Online training's learning rate and radii by MiniSom's decay functions: at step `t`, with
/// `k = t / steps_per_tick` (integer division) of `K = steps / steps_per_tick` ticks, the
/// learning rate is `alpha(alpha[0], k, K)` and each radius `sqrt(2) * sigma(s / sqrt(2), k,
/// K)`. MiniSom's neighbourhood is `exp(-d^2 / (2 s^2))`, ours `exp(-d^2 / sigma^2)`, so its `s`
/// is our `sigma / sqrt(2)`, and its decays act on its `s`. `alpha[1]`, `final_sigma_frac` and
/// `sigma_floor` are unused. `steps_per_tick` is 1 for MiniSom's `train`, the number of
/// examples for its `train(..., use_epochs=True)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiniSomDecays {
    /// The learning rate's decay.
    pub alpha: MiniSomDecay,
    /// The radii's decay.
    pub sigma: MiniSomDecay,
    /// Steps that share one value (at least 1, dividing `steps`).
    pub steps_per_tick: usize,
}

/// MiniSom's decay functions `f(v, k, K)` of a start value `v` at tick `k` of `K`, as MiniSom
/// 2.3 computes them (the same `f64` operations in the same order, so the same bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MiniSomDecay {
    /// `v / (1 + k / (K / 2))`: to a third of `v` (MiniSom's default for both).
    #[serde(rename = "asymptotic_decay")]
    Asymptotic,
    /// `v * C / (C + k)` with `C = K / 100` (learning rates).
    #[serde(rename = "inverse_decay_to_zero")]
    InverseToZero,
    /// `v * (1 - k / K)` (learning rates).
    #[serde(rename = "linear_decay_to_zero")]
    LinearToZero,
    /// `v / (1 + k C)` with `C = (v - 1) / K` (radii).
    #[serde(rename = "inverse_decay_to_one")]
    InverseToOne,
    /// `v + k (1 - v) / K` (radii).
    #[serde(rename = "linear_decay_to_one")]
    LinearToOne,
}

impl MiniSomDecay {
    /// Every decay, by MiniSom's name.
    pub const ALL: [(&'static str, MiniSomDecay); 5] = [
        ("asymptotic_decay", MiniSomDecay::Asymptotic),
        ("inverse_decay_to_zero", MiniSomDecay::InverseToZero),
        ("linear_decay_to_zero", MiniSomDecay::LinearToZero),
        ("inverse_decay_to_one", MiniSomDecay::InverseToOne),
        ("linear_decay_to_one", MiniSomDecay::LinearToOne),
    ];

    /// The decay MiniSom calls `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|&(_, d)| d)
    }

    /// MiniSom's name for it.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, d)| *d == self)
            .map(|&(n, _)| n)
            .unwrap_or("")
    }

    /// Whether MiniSom offers it for learning rates (`decay_function`): the ones that fall to
    /// zero and the asymptotic one. The others are for radii (`sigma_decay_function`).
    pub fn for_learning_rate(self) -> bool {
        matches!(self, Self::Asymptotic | Self::InverseToZero | Self::LinearToZero)
    }

    /// `f(v, k, K)`.
    pub fn at(self, v: f64, k: usize, ticks: usize) -> f64 {
        let (t, big_t) = (k as f64, ticks as f64);
        match self {
            Self::Asymptotic => v / (1.0 + t / (big_t / 2.0)),
            Self::InverseToZero => {
                let c = big_t / 100.0;
                v * c / (c + t)
            }
            Self::LinearToZero => v * (1.0 - t / big_t),
            Self::InverseToOne => {
                let c = (v - 1.0) / big_t;
                v / (1.0 + (t * c))
            }
            Self::LinearToOne => v + (t * (1.0 - v) / big_t),
        }
    }
}

/// Learning rate and radii of one online step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OnlineStep {
    /// Learning rate.
    pub alpha: f64,
    /// Neighbourhood radii `[sx, sy]`.
    pub sigma: [f64; 2],
}

impl OnlineTrainingConfig {
    /// Checks the values: at least one step, radii of at least [`MIN_SIGMA`], learning rates in
    /// `(0, 1]`, `lo <= hi`.
    ///
    /// # Errors
    /// [`SomError::Config`] naming the offending value.
    pub fn validate(&self) -> Result<(), SomError> {
        if self.steps == 0 || self.steps > MAX_STEPS {
            return Err(SomError::config(format!(
                "steps must be from 1 to {MAX_STEPS}, got {}",
                self.steps
            )));
        }
        check_sigma(self.sigma)?;
        check_radius("sigma_floor", self.sigma_floor)?;
        if !(self.final_sigma_frac.is_finite() && self.final_sigma_frac > 0.0) {
            return Err(SomError::config(format!(
                "final_sigma_frac must be a positive finite number, got {}",
                self.final_sigma_frac
            )));
        }
        // Above 1 a step moves a unit past its example: the map oscillates and can overflow.
        for (name, v) in [("alpha[0]", self.alpha[0]), ("alpha[1]", self.alpha[1])] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(SomError::config(format!(
                    "{name} (a learning rate) must be in (0, 1], got {v}"
                )));
            }
        }
        if let Some([lo, hi]) = self.clip {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(SomError::config(format!(
                    "clip must be finite with lo <= hi, got [{lo}, {hi}]"
                )));
            }
        }
        if let Some(MiniSomDecays {
            alpha,
            sigma,
            steps_per_tick,
        }) = self.minisom_decays
        {
            if steps_per_tick == 0 || self.steps % steps_per_tick != 0 {
                return Err(SomError::config(format!(
                    "steps_per_tick must be at least 1 and divide the {} steps, got {steps_per_tick}",
                    self.steps
                )));
            }
            if !alpha.for_learning_rate() {
                return Err(SomError::config(format!(
                    "{} is a decay for radii, not for the learning rate",
                    alpha.name()
                )));
            }
            if sigma != MiniSomDecay::Asymptotic && sigma.for_learning_rate() {
                return Err(SomError::config(format!(
                    "{} is a decay for learning rates, not for radii",
                    sigma.name()
                )));
            }
            // The decays are monotonic: the smallest radius is the first (checked above) or the
            // last.
            let ticks = self.steps / steps_per_tick;
            for s in self.sigma.into_iter().flatten() {
                check_radius(
                    "the last step's radius",
                    SQRT_2 * sigma.at(s / SQRT_2, ticks - 1, ticks),
                )?;
            }
        }
        Ok(())
    }

    /// Learning rate and radii of step `t` (0-based).
    pub fn step_at(&self, grid: Grid, t: usize) -> OnlineStep {
        let s0 = self.sigma.unwrap_or_else(|| grid.default_sigma());
        match self.minisom_decays {
            None => {
                let end = |s: f64| self.sigma_floor.max(s * self.final_sigma_frac);
                OnlineStep {
                    alpha: geomspace_at(self.alpha[0], self.alpha[1], self.steps, t),
                    sigma: [
                        linspace_at(s0[0], end(s0[0]), self.steps, t),
                        linspace_at(s0[1], end(s0[1]), self.steps, t),
                    ],
                }
            }
            Some(MiniSomDecays {
                alpha,
                sigma,
                steps_per_tick,
            }) => {
                let (k, ticks) = (t / steps_per_tick, self.steps / steps_per_tick);
                let radius = |s: f64| SQRT_2 * sigma.at(s / SQRT_2, k, ticks);
                OnlineStep {
                    alpha: alpha.at(self.alpha[0], k, ticks),
                    sigma: [radius(s0[0]), radius(s0[1])],
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_match_numpy_endpoints_and_midpoints() {
        assert_eq!(geomspace_at(120.0, 48.0, 50, 0), 120.0);
        assert_eq!(geomspace_at(120.0, 48.0, 50, 49), 48.0);
        assert!((geomspace_at(1.0, 100.0, 3, 1) - 10.0).abs() < 1e-12);
        assert!((linspace_at(0.0, 1.0, 5, 2) - 0.5).abs() < 1e-15);
        assert_eq!(geomspace_at(3.0, 7.0, 1, 0), 3.0);
        // NumPy returns the end itself as the last element, where the formula would round:
        // 1.1 (0.03 / 1.1) is 0.029999999999999995 and 0.35 + (0.01 - 0.35) is
        // 0.010000000000000009.
        assert_eq!(geomspace_at(1.1, 0.03, 4, 3), 0.03);
        assert_eq!(linspace_at(0.35, 0.01, 4, 3), 0.01);
    }

    /// MiniSom 2.3.6's own functions, called in Python (`MiniSom(2, 2, 1)._asymptotic_decay(0.5,
    /// 37, 101)` and so on), printed with `repr`: the same bits.
    #[test]
    fn minisom_decays_match_minisom_bit_for_bit() {
        use MiniSomDecay::*;
        for (decay, v, expected) in [
            (Asymptotic, 0.5, 0.2885714285714286),
            (InverseToZero, 0.5, 0.013285977374375165),
            (LinearToZero, 0.5, 0.31683168316831684),
            (Asymptotic, 3.3, 1.9045714285714286),
            (InverseToOne, 3.3, 1.7909725953788287),
            (LinearToOne, 3.3, 2.4574257425742574),
        ] {
            assert_eq!(decay.at(v, 37, 101), expected, "{decay:?}");
            assert_eq!(MiniSomDecay::from_name(decay.name()), Some(decay));
        }
        assert_eq!(MiniSomDecay::from_name("linear"), None);
    }

    /// Under MiniSom's decays a step's radius is sqrt(2) times MiniSom's sigma of that tick, and
    /// ticks of `steps_per_tick` steps share their values.
    #[test]
    fn minisom_schedule_scales_sigma_and_counts_ticks() {
        let cfg = OnlineTrainingConfig::new(6)
            .with_sigma(Some([3.3 * SQRT_2, 3.3 * SQRT_2]))
            .with_alpha([0.5, 0.5])
            .with_minisom_decays(Some(MiniSomDecays {
                alpha: MiniSomDecay::LinearToZero,
                sigma: MiniSomDecay::LinearToOne,
                steps_per_tick: 2,
            }));
        cfg.validate().unwrap();
        let grid = Grid::new(4, 4);
        let at = |t| cfg.step_at(grid, t);
        assert_eq!(at(2), at(3));
        assert_ne!(at(3), at(4));
        // Tick 1 of 3: MiniSom's 0.5 * (1 - 1/3) and 3.3 + (1 - 3.3) / 3.
        assert!((at(3).alpha - 0.5 * (2.0 / 3.0)).abs() < 1e-15);
        assert!((at(3).sigma[0] / SQRT_2 - (3.3 + (1.0 - 3.3) / 3.0)).abs() < 1e-14);
        for bad in [
            OnlineTrainingConfig {
                steps: 7,
                ..cfg.clone()
            },
            cfg.clone().with_minisom_decays(Some(MiniSomDecays {
                alpha: MiniSomDecay::LinearToOne,
                sigma: MiniSomDecay::Asymptotic,
                steps_per_tick: 1,
            })),
            cfg.clone().with_minisom_decays(Some(MiniSomDecays {
                alpha: MiniSomDecay::Asymptotic,
                sigma: MiniSomDecay::InverseToZero,
                steps_per_tick: 1,
            })),
            cfg.clone().with_minisom_decays(Some(MiniSomDecays {
                alpha: MiniSomDecay::Asymptotic,
                sigma: MiniSomDecay::Asymptotic,
                steps_per_tick: 0,
            })),
        ] {
            assert!(bad.validate().is_err(), "{bad:?} passed");
        }
    }

    /// A model file written before `minisom_decays` existed reads as the playbook's schedule.
    #[test]
    fn configs_without_minisom_decays_read_as_the_playbook() {
        let json = r#"{"steps":10,"sigma":null,"final_sigma_frac":0.05,"sigma_floor":2.0,"alpha":[0.35,0.01],"clip":null}"#;
        let cfg: OnlineTrainingConfig = serde_json::from_str(json).unwrap();
        assert_eq!(cfg, OnlineTrainingConfig::new(10));
        let minisom = cfg.with_minisom_decays(Some(MiniSomDecays {
            alpha: MiniSomDecay::InverseToZero,
            sigma: MiniSomDecay::LinearToOne,
            steps_per_tick: 5,
        }));
        let json = serde_json::to_string(&minisom).unwrap();
        assert!(
            json.contains(r#""alpha":"inverse_decay_to_zero","sigma":"linear_decay_to_one""#),
            "{json}"
        );
        let back: OnlineTrainingConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, minisom);
    }

    /// Every bound of the checks accepts its boundary value and refuses the next one out (and a
    /// non-finite value where a finite one is asked for).
    #[test]
    fn validation_accepts_each_bound_and_refuses_beyond_it() {
        let batch = || BatchTrainingConfig::new(1);
        let online = || OnlineTrainingConfig::new(1);
        let below = MIN_SIGMA * (1.0 - f64::EPSILON);
        for ok in [
            batch().with_sigma(Some([MIN_SIGMA, MIN_SIGMA])),
            batch().with_sigma_floor(MIN_SIGMA),
            batch().with_min_sigma_frac(f64::MIN_POSITIVE),
        ] {
            if let Err(e) = ok.validate() {
                panic!("{ok:?}: {e}");
            }
        }
        for bad in [
            batch().with_sigma(Some([below, 1.0])),
            batch().with_sigma(Some([1.0, f64::INFINITY])),
            batch().with_sigma_floor(below),
            batch().with_min_sigma_frac(0.0),
            batch().with_min_sigma_frac(f64::INFINITY),
            batch().with_min_sigma_frac(f64::NAN),
        ] {
            assert!(bad.validate().is_err(), "{bad:?} passed");
        }
        for ok in [
            OnlineTrainingConfig::new(MAX_STEPS),
            online().with_sigma(Some([MIN_SIGMA, MIN_SIGMA])),
            online().with_sigma_floor(MIN_SIGMA),
            online().with_final_sigma_frac(f64::MIN_POSITIVE),
            online().with_alpha([1.0, f64::MIN_POSITIVE]),
            online().with_clip(Some([0.5, 0.5])),
        ] {
            if let Err(e) = ok.validate() {
                panic!("{ok:?}: {e}");
            }
        }
        for bad in [
            OnlineTrainingConfig::new(0),
            OnlineTrainingConfig::new(MAX_STEPS + 1),
            online().with_sigma(Some([1.0, below])),
            online().with_sigma_floor(below),
            online().with_final_sigma_frac(0.0),
            online().with_final_sigma_frac(f64::INFINITY),
            online().with_alpha([0.0, 0.1]),
            online().with_alpha([0.1, 1.0 + f64::EPSILON]),
            online().with_alpha([f64::NAN, 0.1]),
            online().with_clip(Some([0.5, 0.5 - f32::EPSILON])),
            online().with_clip(Some([f32::NEG_INFINITY, 0.5])),
        ] {
            assert!(bad.validate().is_err(), "{bad:?} passed");
        }
    }

    /// Midpoints against values computed with NumPy 2.4.6 (`np.geomspace`, `np.linspace`), not
    /// special-cased like the endpoints: 1e-13 relative, as `a (b / a)^s` rounds apart from
    /// NumPy's `10^(log10 a + s (log10 b - log10 a))` by a few ulps.
    #[test]
    fn spaces_match_numpy_midpoints() {
        let close =
            |got: f64, want: f64| assert!((got - want).abs() <= 1e-13 * want, "{got} vs NumPy's {want}");
        close(geomspace_at(120.0, 48.0, 50, 17), 87.32134705870394);
        close(geomspace_at(120.0, 48.0, 50, 31), 67.20835742839687);
        close(geomspace_at(0.35, 0.01, 50_000, 1), 0.3499751129506603);
        close(geomspace_at(0.35, 0.01, 50_000, 25_000), 0.0591586944540412);
        close(geomspace_at(0.35, 0.01, 50_000, 49_998), 0.010000711109116586);
        close(linspace_at(120.0, 6.0, 50_000, 12_345), 91.85283705674114);
        close(linspace_at(120.0, 6.0, 50_000, 37_777), 33.86671733434669);
    }

    #[test]
    fn batch_schedule_is_the_playbooks() {
        let cfg = BatchTrainingConfig::new(50).with_sigma(Some([120.0, 70.0]));
        let g = Grid::new(240, 135);
        assert_eq!(cfg.sigma_at(g, 0), [120.0, 70.0]);
        // max(2, 240 * 0.2) = 48, max(2, 135 * 0.2) = 27
        assert_eq!(cfg.sigma_at(g, 49), [48.0, 27.0]);
    }

    #[test]
    fn online_schedule_is_the_playbooks() {
        let cfg = OnlineTrainingConfig::new(50_000).with_sigma(Some([120.0, 70.0]));
        let g = Grid::new(240, 135);
        let last = cfg.step_at(g, 49_999);
        assert_eq!(last.sigma, [6.0, 3.5]);
        assert_eq!(last.alpha, 0.01);
        assert_eq!(cfg.step_at(g, 0).alpha, 0.35);
    }

    #[test]
    fn validation_names_the_value() {
        let e = BatchTrainingConfig::new(0).validate().unwrap_err();
        assert!(e.to_string().contains("epochs"), "{e}");
        let e = BatchTrainingConfig::new(3)
            .with_sigma(Some([1.0, -2.0]))
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("-2"), "{e}");
        let e = OnlineTrainingConfig::new(3)
            .with_clip(Some([1.0, 0.0]))
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("clip"), "{e}");
        let e = BatchTrainingConfig::new(3)
            .with_sigma(Some([1e-300, 1.0]))
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("1e-300"), "{e}");
        let e = OnlineTrainingConfig::new(3)
            .with_alpha([1.5, 0.1])
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("alpha[0]"), "{e}");
    }
}
