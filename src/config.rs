//! The only place the environment and the terminal are read: the model directory search, the
//! kernel and thread settings a run is configured with, and the training progress bar.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use triplex_model::train::Progress;
use triplex_model::{Isa, KernelPath, PipelineConfig, WeightFormat};

/// The model directory used when `--model` is not given: `models/default` here, else in the source tree.
pub fn default_model_dir() -> PathBuf {
    let local = PathBuf::from("models/default");
    if local.join("config.json").is_file() { local } else { PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/default") }
}

/// A run's pipeline settings from its flags and these environment variables:
/// `TRIPLEX_WEIGHTS` (`f32`, `i8`, `q8`, `i8:qkv,out,inter,down`; default int8 on every CPU),
/// `TRIPLEX_KERNELS` (`portable`, `avx2`, `avx512` on x86-64, `portable`, `neon` on aarch64; default
/// the widest the CPU runs; an unsupported one is an error; int8 output is the same on each) and
/// `TRIPLEX_I8_BLOCK` (int8 activation block length).
pub fn pipeline_config(model: Option<PathBuf>, batch_size: usize, threads: Option<usize>) -> Result<PipelineConfig> {
    let mut c = PipelineConfig::new(model.unwrap_or_else(default_model_dir))?;
    c.weights = weight_format()?;
    c.kernels = kernel_path()?;
    c.batch_size = batch_size;
    if batch_size == 0 {
        bail!("--batch-size must be at least 1");
    }
    if let Some(n) = threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        // candle's own matrix kernels size their work by RAYON_NUM_THREADS.
        // SAFETY: called from main before any other thread of this process starts.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", n.to_string()) };
    }
    c.threads = threads;
    Ok(c)
}

fn weight_format() -> Result<WeightFormat> {
    let w = WeightFormat::parse(&std::env::var("TRIPLEX_WEIGHTS").unwrap_or_default()).context("TRIPLEX_WEIGHTS")?;
    Ok(match std::env::var("TRIPLEX_I8_BLOCK") {
        Ok(b) => w.with_i8_block(b.parse().context("TRIPLEX_I8_BLOCK must be a number")?),
        Err(_) => w,
    })
}

fn kernel_path() -> Result<Isa> {
    match std::env::var("TRIPLEX_KERNELS") {
        Err(_) => Ok(Isa::best()),
        Ok(v) => {
            let names = KernelPath::ALL.map(KernelPath::name).join(", ");
            let path = KernelPath::parse(&v).with_context(|| format!("TRIPLEX_KERNELS={v:?}: expected one of {names}"))?;
            Isa::new(path).with_context(|| format!("TRIPLEX_KERNELS={v}: this CPU cannot run that kernel path"))
        }
    }
}

/// Training progress on stderr: a bar on a terminal, lines otherwise; nothing but lines with --quiet.
pub struct TrainBar(ProgressBar);

impl TrainBar {
    pub fn new(quiet: bool) -> Self {
        if quiet {
            return TrainBar(ProgressBar::hidden());
        }
        let bar = ProgressBar::new(0);
        bar.set_style(ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} steps, ETA {eta} {msg}").expect("valid template"));
        TrainBar(bar)
    }
}

impl Progress for TrainBar {
    fn start(&self, total: u64, done: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }

    fn step(&self, step: u64, message: &str) {
        self.0.set_position(step);
        self.0.set_message(message.to_string());
    }

    fn line(&self, line: &str) {
        if self.0.is_hidden() { eprintln!("{line}") } else { self.0.println(line) }
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
