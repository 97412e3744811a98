//! The CPU feature sets the inference kernels are compiled for. A kernel compiled with
//! `#[target_feature]` is called only through an [`Isa`] or [`Vnni`] value, and those are built
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

/// Proof that the CPU runs the int8 matmul kernel (AVX-512 F, BW, VL, DQ and VNNI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vnni(());

impl Vnni {
    pub fn new() -> Option<Vnni> {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            (has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512dq") && has!("avx512vnni")).then_some(Vnni(()))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            None
        }
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
            assert_eq!(Vnni::new().is_some(), wide && has!("avx512vnni"));
        }
        for p in KernelPath::ALL {
            assert_eq!(KernelPath::parse(p.name()), Some(p));
        }
    }
}
