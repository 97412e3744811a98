//! The `triplex` command line: extract, train, eval.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use triplex::pipeline::{Pipeline, Totals, default_model_dir, run};
use triplex::reader::{ReaderOptions, open_inputs};
use triplex::sink::JsonlSink;
use triplex::train::{TrainOptions, train_ner};

/// Entities and actor–action–place triples from news articles, offline, on CPUs.
///
/// Exit codes: 0 when every document got its output line (error records included);
/// 1 when the run failed mid-way (e.g. the output could not be written);
/// 2 for a bad command line, a missing input or model, before any work.
#[derive(Parser)]
#[command(name = "triplex", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reads articles and writes one JSON Lines record per article with its entities and triples.
    Extract(ExtractArgs),
    /// Trains a model (`triplex train ner ...`).
    #[command(subcommand)]
    Train(TrainCommand),
    /// Scores predictions against labelled fixtures (gold JSONL or CoNLL files).
    Eval(eval_cmd::EvalArgs),
}

#[derive(Args)]
struct ExtractArgs {
    /// Inputs: .txt files (one article each), .jsonl files (`id`, `text`, other fields carried),
    /// directories (their .txt/.jsonl files, recursively), `.gz` versions of both, or `-` for JSONL on stdin.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output JSON Lines file; stdout when absent.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Model directory (config.json with id2label, tokenizer.json, model.safetensors); default: the shipped models/ner.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Sentences per model batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Documents read and processed together (bounds memory).
    #[arg(long, default_value_t = 64)]
    chunk_docs: usize,
    /// Longest document accepted, in bytes; longer ones get an error record.
    #[arg(long, default_value_t = 5_000_000)]
    max_doc_bytes: usize,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum TrainCommand {
    /// Fine-tunes a BERT encoder as an IOB2 entity tagger (PER, ORG, LOC, MISC).
    Ner(NerTrainArgs),
}

#[derive(Args)]
struct NerTrainArgs {
    /// Training data: CoNLL files (token first, NER tag last, IOB1 or IOB2) or gold JSONL fixtures; repeatable.
    #[arg(long, required = true)]
    train: Vec<PathBuf>,
    /// Development data (same formats), scored after each epoch to keep the best model.
    #[arg(long)]
    dev: PathBuf,
    /// Base model directory: a BERT encoder (config.json, tokenizer.json, model.safetensors) or a triplex model to fine-tune.
    #[arg(long)]
    base: PathBuf,
    /// Output model directory (the best epoch on dev; checkpoints go to OUT/checkpoint).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    /// Peak learning rate (linear warm-up, then linear decay).
    #[arg(long, default_value_t = 5e-5)]
    lr: f64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Sentences per batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Fraction of steps spent warming up.
    #[arg(long, default_value_t = 0.1)]
    warmup: f64,
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f64,
    #[arg(long, default_value_t = 0.1)]
    dropout: f32,
    /// Longest training sequence in word pieces (longer sentences are cut).
    #[arg(long, default_value_t = 128)]
    max_pieces: usize,
    /// Stop after this many steps (0: train all epochs).
    #[arg(long, default_value_t = 0)]
    max_steps: usize,
    /// Save a checkpoint every N steps (and at each epoch end).
    #[arg(long, default_value_t = 500)]
    checkpoint_every: usize,
    /// Continue from OUT/checkpoint.
    #[arg(long)]
    resume: bool,
    /// Name and version written into the model's config.
    #[arg(long, default_value = "triplex-ner")]
    model_name: String,
    #[arg(short, long)]
    quiet: bool,
}

mod eval_cmd;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract(a) => extract(a),
        Command::Train(TrainCommand::Ner(a)) => train(a),
        Command::Eval(a) => eval_cmd::eval(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("triplex: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Errors found before any work: one line, exit code 2.
fn usage_error(e: anyhow::Error) -> Result<ExitCode> {
    eprintln!("triplex: error: {e:#}");
    Ok(ExitCode::from(2))
}

fn set_threads(threads: Option<usize>) -> Result<()> {
    if let Some(n) = threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        // candle's matrix kernels size their work by RAYON_NUM_THREADS; set before any pool starts.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", n.to_string()) };
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global().context("cannot start the thread pool")?;
    }
    Ok(())
}

fn extract(a: ExtractArgs) -> Result<ExitCode> {
    if let Err(e) = set_threads(a.threads) {
        return usage_error(e);
    }
    let docs = match open_inputs(&a.inputs, ReaderOptions { max_bytes: a.max_doc_bytes }) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let model_dir = a.model.clone().unwrap_or_else(default_model_dir);
    let pipeline = match Pipeline::load(&model_dir, a.batch_size) {
        Ok(p) => p,
        Err(e) => return usage_error(e),
    };
    let mut sink = match JsonlSink::open(a.output.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let total_bytes = input_bytes(&a.inputs);
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::with_draw_target(total_bytes, ProgressDrawTarget::stderr());
        let tpl = if total_bytes.is_some() { "{elapsed_precise} [{bar:30}] {percent}% ETA {eta} {msg}" } else { "{spinner} {elapsed_precise} {msg}" };
        b.set_style(ProgressStyle::with_template(tpl).unwrap());
        b
    };
    let start = Instant::now();
    let totals = run(
        &pipeline,
        docs,
        a.chunk_docs,
        |r| sink.write(r),
        |t: &Totals| {
            bar.set_position(t.bytes as u64);
            bar.set_message(format!("{} docs, {:.0} words/s", t.documents, t.words as f64 / start.elapsed().as_secs_f64()));
        },
    );
    let flushed = sink.flush();
    bar.finish_and_clear();
    let totals = totals?;
    flushed?;
    if !a.quiet {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "triplex: {} documents ({} errors), {} entities, {} triples, {} words in {secs:.1}s ({:.0} words/s), model {}",
            totals.documents,
            totals.errors,
            totals.entities,
            totals.triples,
            totals.words,
            totals.words as f64 / secs.max(1e-9),
            pipeline.model_name()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Total size of plain (not gzip, not stdin) inputs, for the progress bar's ETA; None if unknown.
fn input_bytes(inputs: &[PathBuf]) -> Option<u64> {
    fn walk(p: &Path, total: &mut u64) -> Option<()> {
        if p.is_dir() {
            for e in std::fs::read_dir(p).ok()? {
                walk(&e.ok()?.path(), total)?;
            }
        } else {
            let name = p.to_string_lossy();
            if name.ends_with(".gz") {
                return None;
            }
            if name.ends_with(".txt") || name.ends_with(".jsonl") {
                *total += std::fs::metadata(p).ok()?.len();
            }
        }
        Some(())
    }
    let mut total = 0;
    for p in inputs {
        if p.as_os_str() == "-" {
            return None;
        }
        walk(p, &mut total)?;
    }
    Some(total)
}

fn train(a: NerTrainArgs) -> Result<ExitCode> {
    for (what, p) in [("--base", &a.base)] {
        if !p.join("config.json").is_file() {
            return usage_error(anyhow::anyhow!("{what} {} is not a model directory (no config.json)", p.display()));
        }
    }
    let opts = TrainOptions {
        train: a.train,
        dev: a.dev,
        base: a.base,
        out: a.out.clone(),
        epochs: a.epochs,
        lr: a.lr,
        seed: a.seed,
        batch_size: a.batch_size,
        warmup: a.warmup,
        weight_decay: a.weight_decay,
        dropout: a.dropout,
        max_pieces: a.max_pieces,
        max_steps: a.max_steps,
        checkpoint_every: a.checkpoint_every,
        resume: a.resume,
        quiet: a.quiet,
        model_name: a.model_name,
    };
    let summary = train_ner(&opts)?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    eprintln!("best model (epoch {}, dev F1 {:.4}) in {}", summary.best_epoch, summary.best_dev_f1, a.out.display());
    Ok(ExitCode::SUCCESS)
}
