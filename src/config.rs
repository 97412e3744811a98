//! The only place the environment and the terminal are read: where the model is (`--model`,
//! `TRIPLEX_MODEL`, the usual places), the kernel and thread settings a run is configured with,
//! and the training progress bar.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use triplex_model::train::Progress;
use triplex_model::{Isa, KernelPath, ModelCandidate, PipelineConfig, WeightFormat, beside_executable, locate_model, model_name_in};

/// How the model directory is found, for `--help` (the order of [`model_candidates`]).
pub const MODEL_SEARCH: &str = "Model directory: config.json (with id2label), tokenizer.json, model.safetensors. \
Without --model, the first of these that holds a model: $TRIPLEX_MODEL (when set, it must be a model directory); \
<binary's dir>/../share/triplex/models/default; <binary's dir>/models/default; \
the user data dir's triplex/models/default (Linux: ~/.local/share/triplex/models/default); \
the models/default of the source tree the binary was built from.";

/// The places a model is looked for, in order: `--model`, `TRIPLEX_MODEL`, beside the binary, the
/// platform's data directory, the source tree the binary was built from.
pub fn model_candidates(flag: Option<PathBuf>) -> Vec<ModelCandidate> {
    let mut c = vec![ModelCandidate::explicit("--model", flag), ModelCandidate::explicit("TRIPLEX_MODEL", std::env::var_os("TRIPLEX_MODEL").map(PathBuf::from))];
    if let Ok(exe) = std::env::current_exe() {
        c.extend(beside_executable(&exe).into_iter().map(|p| ModelCandidate::fallback("beside the binary", p)));
    }
    if let Some(dirs) = directories::ProjectDirs::from("", "", "triplex") {
        c.push(ModelCandidate::fallback("user data dir", dirs.data_dir().join("models/default")));
    }
    c.push(ModelCandidate::fallback("source tree", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/default")));
    c
}

/// The model directory: `--model` if given, else the first place of [`MODEL_SEARCH`] that holds one.
pub fn find_model(flag: Option<PathBuf>) -> Result<PathBuf> {
    Ok(locate_model(&model_candidates(flag))?)
}

/// `triplex --version`: the version, and the model a run would use (its name and directory).
pub fn version_line() -> String {
    let model = match locate_model(&model_candidates(None)) {
        Ok(dir) => format!("model {} ({})", model_name_in(&dir).unwrap_or_else(|| "unnamed".into()), dir.display()),
        Err(e) if e.stopped_at_explicit => format!("no model: {e}"),
        Err(_) => "no model found (`triplex extract --help` says where it looks)".to_string(),
    };
    format!("{}, {model}", env!("CARGO_PKG_VERSION"))
}

/// A run's pipeline settings from its flags and these environment variables:
/// `TRIPLEX_WEIGHTS` (`f32`, `i8`, `q8`, `i8:qkv,out,inter,down`; default int8 on every CPU),
/// `TRIPLEX_KERNELS` (`portable`, `avx2`, `avx-vnni`, `avx512` on x86-64, `portable`, `neon` on aarch64; default
/// the widest the CPU runs; an unsupported one is an error; int8 output is the same on each) and
/// `TRIPLEX_I8_BLOCK` (int8 activation block length).
pub fn pipeline_config(model: Option<PathBuf>, batch_size: usize, threads: Option<usize>) -> Result<PipelineConfig> {
    let mut c = PipelineConfig::new(find_model(model)?)?;
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
