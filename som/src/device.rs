//! Which device to compute on: the one chooser of the `som` CLI, the tutorials and the benches.
//!
//! ```
//! use burnax_som::device::DeviceKind;
//!
//! let cpu: DeviceKind = "cpu".parse().unwrap();
//! assert_eq!(cpu, DeviceKind::Cpu);
//! assert!(cpu.probe().is_ok());
//! let err = "tpu".parse::<DeviceKind>().unwrap_err();
//! assert_eq!(err.to_string(), "\"tpu\" is not a device: expected cpu, wgpu or cuda");
//! ```
//!
//! A name parses only to a device this build has (`wgpu` and `cuda` are features); the error
//! for one it lacks names the feature to rebuild with. [`DeviceKind::probe`] then asks the
//! device whether it is there, without running anything on it and without touching the
//! process's panic hook: Burn's GPU runtimes panic, often on a thread of their own, when the
//! device or driver is missing, so the probe asks the layers below them (wgpu for an adapter,
//! the CUDA driver and NVRTC libraries, then the device count) first.

use std::fmt;
use std::str::FromStr;

use crate::error::SomError;

/// A device to compute on, and the Burn backend that runs there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// The CPU: Burn's `Flex` backend with the fused kernels of [`crate::cpu`].
    #[default]
    Cpu,
    /// A GPU through `wgpu` (Vulkan, Metal, DX12): Burn's `Wgpu` backend, feature `wgpu`.
    Wgpu,
    /// An NVIDIA GPU: Burn's `Cuda` backend, feature `cuda`.
    Cuda,
}

impl DeviceKind {
    /// Every device, built in or not.
    pub const ALL: [DeviceKind; 3] = [DeviceKind::Cpu, DeviceKind::Wgpu, DeviceKind::Cuda];

    /// The name it parses from, which is also the name of its feature (none for the CPU).
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Cpu => "cpu",
            DeviceKind::Wgpu => "wgpu",
            DeviceKind::Cuda => "cuda",
        }
    }

    /// Whether this build has its backend.
    pub fn is_built(self) -> bool {
        match self {
            DeviceKind::Cpu => true,
            DeviceKind::Wgpu => cfg!(feature = "wgpu"),
            DeviceKind::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// The device named `name`, if this build has it and it answers [`DeviceKind::probe`].
    ///
    /// # Errors
    /// [`SomError::Device`]: an unknown name, a device this build lacks (naming the feature to
    /// rebuild with), or one that is not there (with the reason).
    pub fn choose(name: &str) -> Result<Self, SomError> {
        let kind: DeviceKind = name.parse()?;
        kind.probe()?;
        Ok(kind)
    }

    /// The device named by `--device NAME` in `args` (the CPU without the flag), chosen as
    /// [`DeviceKind::choose`] does.
    ///
    /// # Errors
    /// As [`DeviceKind::choose`], and for a `--device` without a value; every message starts
    /// with `--device`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, SomError> {
        let mut args = args.into_iter().skip_while(|a| a != "--device");
        if args.next().is_none() {
            return Ok(DeviceKind::Cpu);
        }
        let name = args
            .next()
            .ok_or_else(|| SomError::Device("--device needs a value: cpu, wgpu or cuda".into()))?;
        DeviceKind::choose(&name).map_err(|e| SomError::Device(format!("--device {name}: {e}")))
    }

    /// Whether the device is there: the CPU always is; a GPU is asked through the layers below
    /// Burn's runtime, which report a missing device as an error rather than a panic.
    ///
    /// # Errors
    /// [`SomError::Device`] with the reason, e.g. `no usable cuda device: the CUDA driver
    /// library (libcuda) is not installed`; also for a device this build lacks.
    pub fn probe(self) -> Result<(), SomError> {
        if !self.is_built() {
            return Err(not_built(self));
        }
        let answer: Result<(), String> = match self {
            DeviceKind::Cpu => Ok(()),
            #[cfg(feature = "wgpu")]
            DeviceKind::Wgpu => probe_wgpu(),
            #[cfg(feature = "cuda")]
            DeviceKind::Cuda => probe_cuda(),
            #[allow(unreachable_patterns)]
            _ => unreachable!("checked above: this build has the backend"),
        };
        answer.map_err(|why| SomError::Device(format!("no usable {self} device: {why}")))
    }
}

fn not_built(kind: DeviceKind) -> SomError {
    SomError::Device(format!(
        "this build has no {kind} backend; rebuild with `--features {kind}`"
    ))
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DeviceKind {
    type Err = SomError;

    /// `cpu`, `wgpu` or `cuda`; a GPU only where this build has its backend.
    fn from_str(s: &str) -> Result<Self, SomError> {
        let kind = DeviceKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| SomError::Device(format!("{s:?} is not a device: expected cpu, wgpu or cuda")))?;
        if kind.is_built() {
            Ok(kind)
        } else {
            Err(not_built(kind))
        }
    }
}

/// An adapter and a device from wgpu, as Burn's `WgpuDevice::default()` asks for them (primary
/// backends, high performance).
#[cfg(feature = "wgpu")]
fn probe_wgpu() -> Result<(), String> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::PRIMARY,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = cubecl::future::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        force_fallback_adapter: false,
        compatible_surface: None,
    }))
    .map_err(|e| format!("no adapter ({e})"))?;
    cubecl::future::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default()))
        .map(|_| ())
        .map_err(|e| format!("adapter {:?} gives no device ({e})", adapter.get_info().name))
}

/// The CUDA driver library, NVRTC (Burn's CUDA runtime compiles its kernels with it), the
/// driver's initialisation and at least one device.
#[cfg(feature = "cuda")]
fn probe_cuda() -> Result<(), String> {
    use cudarc::driver::result;
    // SAFETY: these only try to open the shared libraries.
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return Err("the CUDA driver library (libcuda) is not installed".into());
    }
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return Err("NVRTC (libnvrtc), which compiles the kernels, is not installed".into());
    }
    result::init().map_err(|e| format!("the CUDA driver does not start ({e:?})"))?;
    match result::device::get_count() {
        Ok(0) => Err("the CUDA driver sees no device".into()),
        Ok(_) => Ok(()),
        Err(e) => Err(format!("the CUDA driver cannot count its devices ({e:?})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_errors_name_the_value() {
        for kind in DeviceKind::ALL.into_iter().filter(|k| k.is_built()) {
            assert_eq!(kind.name().parse::<DeviceKind>().unwrap(), kind);
        }
        let e = "gpu".parse::<DeviceKind>().unwrap_err().to_string();
        assert!(e.contains("\"gpu\"") && e.contains("cpu, wgpu or cuda"), "{e}");
        for kind in DeviceKind::ALL.into_iter().filter(|k| !k.is_built()) {
            let e = kind.name().parse::<DeviceKind>().unwrap_err().to_string();
            assert!(e.contains(&format!("--features {kind}")), "{e}");
        }
    }

    #[test]
    fn from_args_defaults_to_the_cpu_and_prefixes_the_flag() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            DeviceKind::from_args(args(&["t", "--quick"])).unwrap(),
            DeviceKind::Cpu
        );
        assert_eq!(
            DeviceKind::from_args(args(&["t", "--device", "cpu"])).unwrap(),
            DeviceKind::Cpu
        );
        let e = DeviceKind::from_args(args(&["t", "--device", "x"]))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--device x: "), "{e}");
        let e = DeviceKind::from_args(args(&["t", "--device"]))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--device needs a value"), "{e}");
    }
}
