//! The CPU feature sets the inference kernels are compiled for. A kernel compiled with
//! `#[target_feature]` is called only through an [`Isa`] or [`Int8`] value, and those are built
//! only by constructors that check every feature the kernels enable: safe by construction.

/// Which compiled variant of the kernels runs: the f32 parts (layer norm, GELU, attention,
/// classifier) and the int8 matmul (see [`Int8::for_path`]). Every path gives the same int8
/// results, bit for bit; the paths differ in speed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KernelPath {
    /// Plain Rust, any CPU (the compiler's baseline vectors; the scalar int8 reference).
    Portable,
    /// x86-64 AVX2 with FMA.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// x86-64 AVX2 with FMA and AVX-VNNI (256-bit `vpdpbusd`: Alder Lake and later, Zen 4/5): the
    /// AVX2 f32 kernels with the AVX-VNNI int8 matmul.
    #[cfg(target_arch = "x86_64")]
    AvxVnni,
    /// x86-64 AVX-512 (F, VL, DQ, BW) with AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// aarch64 NEON with the dot product extension (`sdot`).
    #[cfg(target_arch = "aarch64")]
    Neon,
}

impl KernelPath {
    /// Every path compiled for this architecture.
    #[cfg(target_arch = "x86_64")]
    pub const ALL: [KernelPath; 4] = [KernelPath::Portable, KernelPath::Avx2, KernelPath::AvxVnni, KernelPath::Avx512];
    #[cfg(target_arch = "aarch64")]
    pub const ALL: [KernelPath; 2] = [KernelPath::Portable, KernelPath::Neon];
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    pub const ALL: [KernelPath; 1] = [KernelPath::Portable];

    pub fn name(self) -> &'static str {
        match self {
            KernelPath::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            KernelPath::AvxVnni => "avx-vnni",
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx512 => "avx512",
            #[cfg(target_arch = "aarch64")]
            KernelPath::Neon => "neon",
        }
    }

    pub fn parse(s: &str) -> Option<KernelPath> {
        KernelPath::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// A [`KernelPath`] this CPU can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isa(KernelPath);

impl Isa {
    /// The path, if the CPU has every feature its kernels are compiled with.
    pub fn new(path: KernelPath) -> Option<Isa> {
        supported(path).then_some(Isa(path))
    }

    /// The widest path the CPU runs.
    pub fn best() -> Isa {
        KernelPath::ALL.into_iter().rev().find_map(Isa::new).unwrap_or(Isa(KernelPath::Portable))
    }

    pub fn path(self) -> KernelPath {
        self.0
    }
}

fn supported(path: KernelPath) -> bool {
    match path {
        KernelPath::Portable => true,
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2 => has_avx2(),
        #[cfg(target_arch = "x86_64")]
        KernelPath::AvxVnni => has_avx2() && std::arch::is_x86_feature_detected!("avxvnni"),
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 => {
            use std::arch::is_x86_feature_detected as has;
            has_avx2() && has!("avx512f") && has!("avx512vl") && has!("avx512dq") && has!("avx512bw")
        }
        #[cfg(target_arch = "aarch64")]
        KernelPath::Neon => std::arch::is_aarch64_feature_detected!("neon") && std::arch::is_aarch64_feature_detected!("dotprod"),
    }
}

#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// Which int8 matmul kernel runs. They give the same i32 sums and the same f32 results, bit for
/// bit (see `i8mm`); they differ in speed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Int8Kernel {
    /// Plain Rust: i8 × i8 products summed in i32, any CPU (the reference).
    Scalar,
    /// x86-64 AVX2: `vpmaddwd` on sign-extended i16 pairs (exact: no i16 saturation).
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// x86-64 AVX-VNNI: 256-bit `vpdpbusd` on activations offset to u8.
    #[cfg(target_arch = "x86_64")]
    AvxVnni,
    /// x86-64 AVX-512 VNNI: `vpdpbusd` on activations offset to u8.
    #[cfg(target_arch = "x86_64")]
    Avx512Vnni,
    /// aarch64 NEON `sdot` on signed activations and weights.
    #[cfg(target_arch = "aarch64")]
    NeonDot,
}

impl Int8Kernel {
    /// Every int8 kernel compiled for this architecture (the tests run each).
    #[cfg(all(test, target_arch = "x86_64"))]
    pub const ALL: [Int8Kernel; 4] = [Int8Kernel::Scalar, Int8Kernel::Avx2, Int8Kernel::AvxVnni, Int8Kernel::Avx512Vnni];
    #[cfg(all(test, target_arch = "aarch64"))]
    pub const ALL: [Int8Kernel; 2] = [Int8Kernel::Scalar, Int8Kernel::NeonDot];
    #[cfg(all(test, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
    pub const ALL: [Int8Kernel; 1] = [Int8Kernel::Scalar];

    pub fn name(self) -> &'static str {
        match self {
            Int8Kernel::Scalar => "scalar",
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::AvxVnni => "avx-vnni",
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::Avx512Vnni => "avx512-vnni",
            #[cfg(target_arch = "aarch64")]
            Int8Kernel::NeonDot => "neon-sdot",
        }
    }
}

/// An [`Int8Kernel`] this CPU can run: the proof its `#[target_feature]` functions need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int8(Int8Kernel);

impl Int8 {
    /// The kernel, if the CPU has every feature it is compiled with.
    pub fn new(kernel: Int8Kernel) -> Option<Int8> {
        let ok = match kernel {
            Int8Kernel::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::Avx2 => has_avx2(),
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::AvxVnni => supported(KernelPath::AvxVnni),
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::Avx512Vnni => {
                use std::arch::is_x86_feature_detected as has;
                has_avx2() && has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512dq") && has!("avx512vnni")
            }
            #[cfg(target_arch = "aarch64")]
            Int8Kernel::NeonDot => supported(KernelPath::Neon),
        };
        ok.then_some(Int8(kernel))
    }

    /// The int8 kernel of a kernel path: the scalar one on `portable`, the AVX2 one on `avx2`, the
    /// AVX-VNNI one on `avx-vnni`, on `avx512` the AVX-512 VNNI one where the CPU has it (else the
    /// AVX-VNNI one where it has that, else the AVX2 one, which AVX-512 implies), `sdot` on `neon`.
    pub fn for_path(isa: Isa) -> Int8 {
        match isa.path() {
            KernelPath::Portable => Int8(Int8Kernel::Scalar),
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx2 => Int8(Int8Kernel::Avx2),
            #[cfg(target_arch = "x86_64")]
            KernelPath::AvxVnni => Int8(Int8Kernel::AvxVnni),
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx512 => Int8::new(Int8Kernel::Avx512Vnni).or_else(|| Int8::new(Int8Kernel::AvxVnni)).unwrap_or(Int8(Int8Kernel::Avx2)),
            #[cfg(target_arch = "aarch64")]
            KernelPath::Neon => Int8::new(Int8Kernel::NeonDot).unwrap_or(Int8(Int8Kernel::Scalar)),
        }
    }

    pub fn kernel(self) -> Int8Kernel {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_offered_exactly_when_the_cpu_has_its_features() {
        assert_eq!(Isa::new(KernelPath::Portable).map(Isa::path), Some(KernelPath::Portable));
        assert_eq!(Int8::for_path(Isa::new(KernelPath::Portable).unwrap()).kernel(), Int8Kernel::Scalar);
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            assert_eq!(Isa::new(KernelPath::Avx2).is_some(), has!("avx2") && has!("fma"));
            let wide = has!("avx512f") && has!("avx512vl") && has!("avx512dq") && has!("avx512bw");
            assert_eq!(Isa::new(KernelPath::Avx512).is_some(), wide && has!("avx2") && has!("fma"));
            assert_eq!(Int8::new(Int8Kernel::Avx2).is_some(), has!("avx2") && has!("fma"));
            assert_eq!(Int8::new(Int8Kernel::Avx512Vnni).is_some(), wide && has!("avx2") && has!("fma") && has!("avx512vnni"));
            assert_eq!(Isa::new(KernelPath::AvxVnni).is_some(), has!("avx2") && has!("fma") && has!("avxvnni"));
            assert_eq!(Int8::new(Int8Kernel::AvxVnni).is_some(), has!("avx2") && has!("fma") && has!("avxvnni"));
        }
        for p in KernelPath::ALL {
            assert_eq!(KernelPath::parse(p.name()), Some(p));
        }
    }
}
