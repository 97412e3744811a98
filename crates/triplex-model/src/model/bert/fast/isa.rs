//! The CPU feature sets the inference kernels are compiled for. A kernel compiled with
//! `#[target_feature]` is called only through an [`Isa`] or [`Int8`] value, and those are built
//! only by constructors that check every feature the kernels enable: safe by construction.

/// Which compiled variant of the f32 kernels (layer norm, GELU, attention) runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KernelPath {
    /// Plain Rust, any CPU (the compiler's baseline vectors).
    Portable,
    /// x86-64 AVX2 with FMA.
    Avx2,
    /// x86-64 AVX-512 (F, VL, DQ, BW) with AVX2 and FMA.
    Avx512,
}

impl KernelPath {
    pub const ALL: [KernelPath; 3] = [KernelPath::Portable, KernelPath::Avx2, KernelPath::Avx512];

    pub fn name(self) -> &'static str {
        match self {
            KernelPath::Portable => "portable",
            KernelPath::Avx2 => "avx2",
            KernelPath::Avx512 => "avx512",
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
        [KernelPath::Avx512, KernelPath::Avx2].into_iter().find_map(Isa::new).unwrap_or(Isa(KernelPath::Portable))
    }

    pub fn path(self) -> KernelPath {
        self.0
    }
}

fn supported(path: KernelPath) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        let avx2 = has!("avx2") && has!("fma");
        match path {
            KernelPath::Portable => true,
            KernelPath::Avx2 => avx2,
            KernelPath::Avx512 => avx2 && has!("avx512f") && has!("avx512vl") && has!("avx512dq") && has!("avx512bw"),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        path == KernelPath::Portable
    }
}

/// Which int8 matmul kernel runs. They give the same i32 sums and the same f32 results, bit for
/// bit (see `i8mm`); they differ in speed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Int8Kernel {
    /// Plain Rust: i8 × i8 products summed in i32, any CPU (the reference).
    Scalar,
    /// x86-64 AVX2: `vpmaddwd` on sign-extended i16 pairs (exact: no i16 saturation).
    Avx2,
    /// x86-64 AVX-512 VNNI: `vpdpbusd` on activations offset to u8.
    Avx512Vnni,
}

impl Int8Kernel {
    pub const ALL: [Int8Kernel; 3] = [Int8Kernel::Scalar, Int8Kernel::Avx2, Int8Kernel::Avx512Vnni];

    pub fn name(self) -> &'static str {
        match self {
            Int8Kernel::Scalar => "scalar",
            Int8Kernel::Avx2 => "avx2",
            Int8Kernel::Avx512Vnni => "avx512-vnni",
        }
    }
}

/// An [`Int8Kernel`] this CPU can run: the proof its `#[target_feature]` functions need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int8(Int8Kernel);

impl Int8 {
    /// The kernel, if the CPU has every feature it is compiled with.
    pub fn new(kernel: Int8Kernel) -> Option<Int8> {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            let ok = match kernel {
                Int8Kernel::Scalar => true,
                Int8Kernel::Avx2 => has!("avx2") && has!("fma"),
                Int8Kernel::Avx512Vnni => has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512dq") && has!("avx512vnni") && has!("fma"),
            };
            ok.then_some(Int8(kernel))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            (kernel == Int8Kernel::Scalar).then_some(Int8(kernel))
        }
    }

    /// The int8 kernel of a kernel path: the scalar one on `portable`, the AVX2 one on `avx2`, and
    /// on `avx512` the VNNI one where the CPU has VNNI (else the AVX2 one, which AVX-512 implies).
    pub fn for_path(isa: Isa) -> Int8 {
        match isa.path() {
            KernelPath::Portable => Int8(Int8Kernel::Scalar),
            KernelPath::Avx2 => Int8(Int8Kernel::Avx2),
            KernelPath::Avx512 => Int8::new(Int8Kernel::Avx512Vnni).unwrap_or(Int8(Int8Kernel::Avx2)),
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
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            assert_eq!(Isa::new(KernelPath::Avx2).is_some(), has!("avx2") && has!("fma"));
            let wide = has!("avx512f") && has!("avx512vl") && has!("avx512dq") && has!("avx512bw");
            assert_eq!(Isa::new(KernelPath::Avx512).is_some(), wide && has!("avx2") && has!("fma"));
            assert_eq!(Int8::new(Int8Kernel::Avx2).is_some(), has!("avx2") && has!("fma"));
            assert_eq!(Int8::new(Int8Kernel::Avx512Vnni).is_some(), wide && has!("avx512vnni") && has!("fma"));
        }
        assert_eq!(Int8::for_path(Isa::new(KernelPath::Portable).unwrap()).kernel(), Int8Kernel::Scalar);
        for p in KernelPath::ALL {
            assert_eq!(KernelPath::parse(p.name()), Some(p));
        }
    }
}
