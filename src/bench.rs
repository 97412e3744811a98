//! `triplex bench`: throughput of the whole pipeline (read → segment → tokenize → model → rules →
//! write) on a corpus, for each thread count, each repetition in a fresh child process (the global
//! thread pool can be set only once per process, and a fresh process also gives a clean peak RSS).
//! Reports medians of words/s, documents/s, peak memory and per-stage seconds.
//!
//! Words are counted as the pipeline counts them (`words::split_words` on each sentence: runs of
//! letters/digits, and each punctuation mark or symbol alone), so "words/s" is the same figure
//! `triplex extract` prints. Timing starts after the model is loaded (load time is reported apart).

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;
use triplex_core::reader::{ReaderOptions, open_inputs};
use triplex_core::sink::{Emit, FileSink, Format, Sink};
use triplex_model::{Pipeline, PipelineConfig, StageTimes, run};

#[derive(Args)]
pub struct BenchArgs {
    /// Corpus: inputs as for `extract` (e.g. `corpus/`; the published figures use 400 BBC articles).
    #[arg(required_unless_present = "kernels")]
    inputs: Vec<PathBuf>,
    /// Documents processed: the first N in input order (0: all).
    #[arg(long, default_value_t = 400)]
    limit: usize,
    /// Thread counts to measure, comma-separated; each run is its own process.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    threads: Vec<usize>,
    /// Repetitions per thread count; the report gives medians.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Model directory (found as for `extract` when not given).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Sentences per model batch (as for `extract`).
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Documents read and processed together (as for `extract`).
    #[arg(long, default_value_t = 64)]
    chunk_docs: usize,
    /// Where the JSONL records go, through the same sink as `extract -o`.
    #[arg(long, default_value = "/dev/null")]
    output: PathBuf,
    /// Print the summary as JSON on stdout (the table then goes to stderr).
    #[arg(long)]
    json: bool,
    /// Instead of the pipeline: GFLOP/s of the matmul kernels on an encoder-sized product
    /// (1024 × 384 × 1536), per thread count.
    #[arg(long)]
    kernels: bool,
    /// Internal: one measurement with this many threads, printed as JSON.
    #[arg(long, hide = true)]
    child: Option<usize>,
}

/// Seconds per stage (a copy of `StageTimes` that can also be read back).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Stages {
    read: f64,
    segment: f64,
    tokenize: f64,
    model: f64,
    rules: f64,
    write: f64,
}

impl From<StageTimes> for Stages {
    fn from(t: StageTimes) -> Self {
        Stages { read: t.read, segment: t.segment, tokenize: t.tokenize, model: t.model, rules: t.rules, write: t.write }
    }
}

/// One run of one process.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Measure {
    threads: usize,
    model: String,
    documents: usize,
    errors: usize,
    words: usize,
    bytes: usize,
    entities: usize,
    triples: usize,
    load_s: f64,
    seconds: f64,
    words_per_s: f64,
    docs_per_s: f64,
    peak_rss_mib: f64,
    stages: Stages,
}

/// Medians over the runs of one thread count.
#[derive(Debug, Clone, Serialize)]
struct Summary {
    threads: usize,
    runs: usize,
    words_per_s: f64,
    docs_per_s: f64,
    seconds: f64,
    peak_rss_mib: f64,
    load_s: f64,
    stages: Stages,
    words_per_s_all: Vec<f64>,
}

#[derive(Debug, Clone, Serialize)]
struct Report {
    machine: String,
    cores: usize,
    corpus: Vec<PathBuf>,
    model: String,
    documents: usize,
    words: usize,
    bytes: usize,
    entities: usize,
    triples: usize,
    batch_size: usize,
    chunk_docs: usize,
    results: Vec<Summary>,
}

pub fn bench(a: BenchArgs) -> Result<ExitCode> {
    let inputs = a.inputs.clone();
    if let Some(n) = a.child {
        let config = crate::config::pipeline_config(a.model.clone(), a.batch_size, Some(n))?;
        if a.kernels {
            rayon::ThreadPoolBuilder::new().num_threads(n).build_global().context("cannot start the thread pool")?;
            let probe = triplex_model::model::bert::matmul_probe(1024, 384, 1536, 20)?;
            println!("{}", serde_json::to_string(&probe)?);
            return Ok(ExitCode::SUCCESS);
        }
        let m = measure(&a, &inputs, &config, n)?;
        println!("{}", serde_json::to_string(&m)?);
        return Ok(ExitCode::SUCCESS);
    }
    if a.threads.is_empty() || a.threads.contains(&0) || a.runs == 0 {
        bail!("--threads needs counts of at least 1, and --runs at least 1");
    }
    let exe = std::env::current_exe().context("cannot find the triplex executable")?;
    if a.kernels {
        for &t in &a.threads {
            let out = Command::new(&exe).args(["bench", "--kernels", "--child", &t.to_string()]).args(&inputs).env_remove("RAYON_NUM_THREADS").output()?;
            let probe: Vec<(String, f64)> = serde_json::from_slice(&out.stdout).context("kernel probe printed nothing")?;
            for (name, gflops) in probe {
                println!("{t} thread{}: {name:<28} {gflops:>6.1} GFLOP/s (1024 x 384 x 1536)", if t == 1 { " " } else { "s" });
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut all: Vec<Vec<Measure>> = vec![Vec::new(); a.threads.len()];
    // Thread counts alternate within each round, so slow drifts of the machine touch them alike.
    for r in 0..a.runs {
        for (ti, &t) in a.threads.iter().enumerate() {
            let mut cmd = Command::new(&exe);
            cmd.arg("bench").arg("--child").arg(t.to_string());
            cmd.args(["--limit", &a.limit.to_string(), "--batch-size", &a.batch_size.to_string(), "--chunk-docs", &a.chunk_docs.to_string()]);
            cmd.arg("--output").arg(&a.output);
            if let Some(m) = &a.model {
                cmd.arg("--model").arg(m);
            }
            cmd.args(&inputs);
            // The child sets its own pool size; an inherited RAYON_NUM_THREADS must not override it.
            cmd.env_remove("RAYON_NUM_THREADS").stdout(Stdio::piped()).stderr(Stdio::inherit());
            let out = cmd.output().context("cannot start a benchmark process")?;
            if !out.status.success() {
                bail!("benchmark process ({t} threads) failed: {}", out.status);
            }
            let m: Measure = serde_json::from_slice(&out.stdout).context("benchmark process printed no measurement")?;
            eprintln!(
                "triplex bench: run {}/{}, {t} thread{}: {:.0} words/s, {:.1} docs/s, {:.2}s, peak {:.0} MiB",
                r + 1,
                a.runs,
                if t == 1 { "" } else { "s" },
                m.words_per_s,
                m.docs_per_s,
                m.seconds,
                m.peak_rss_mib
            );
            all[ti].push(m);
        }
    }
    let first = &all[0][0];
    let report = Report {
        machine: cpu_model(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        corpus: inputs.clone(),
        model: first.model.clone(),
        documents: first.documents,
        words: first.words,
        bytes: first.bytes,
        entities: first.entities,
        triples: first.triples,
        batch_size: a.batch_size,
        chunk_docs: a.chunk_docs,
        results: a.threads.iter().zip(&all).map(|(&t, ms)| summarize(t, ms)).collect(),
    };
    let table = table(&report);
    if a.json {
        eprint!("{table}");
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{table}");
    }
    Ok(ExitCode::SUCCESS)
}

fn measure(a: &BenchArgs, inputs: &[PathBuf], config: &PipelineConfig, threads: usize) -> Result<Measure> {
    let clock = Instant::now();
    let pipeline = Pipeline::load(config)?;
    let load_s = clock.elapsed().as_secs_f64();
    let docs = open_inputs(inputs, ReaderOptions::default())?;
    let limit = if a.limit == 0 { usize::MAX } else { a.limit };
    let sink = RefCell::new(FileSink::create(Some(&a.output), Emit::Records, Format::Jsonl, false)?);
    let clock = Instant::now();
    let totals = run(&pipeline, docs.take(limit), a.chunk_docs, |r| sink.borrow_mut().write(r), |_| sink.borrow_mut().commit())?;
    sink.borrow_mut().commit()?;
    let seconds = clock.elapsed().as_secs_f64();
    Ok(Measure {
        threads,
        model: pipeline.model_name().to_string(),
        documents: totals.documents,
        errors: totals.errors,
        words: totals.words,
        bytes: totals.bytes,
        entities: totals.entities,
        triples: totals.triples,
        load_s,
        seconds,
        words_per_s: totals.words as f64 / seconds.max(1e-9),
        docs_per_s: totals.documents as f64 / seconds.max(1e-9),
        peak_rss_mib: peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
        stages: totals.times.into(),
    })
}

/// Peak resident memory of this process (VmHWM), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    info.lines().find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())).unwrap_or_else(|| "unknown CPU".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn summarize(threads: usize, ms: &[Measure]) -> Summary {
    let med = |f: &dyn Fn(&Measure) -> f64| median(ms.iter().map(f).collect());
    Summary {
        threads,
        runs: ms.len(),
        words_per_s: med(&|m| m.words_per_s),
        docs_per_s: med(&|m| m.docs_per_s),
        seconds: med(&|m| m.seconds),
        peak_rss_mib: med(&|m| m.peak_rss_mib),
        load_s: med(&|m| m.load_s),
        stages: Stages {
            read: med(&|m| m.stages.read),
            segment: med(&|m| m.stages.segment),
            tokenize: med(&|m| m.stages.tokenize),
            model: med(&|m| m.stages.model),
            rules: med(&|m| m.stages.rules),
            write: med(&|m| m.stages.write),
        },
        words_per_s_all: ms.iter().map(|m| m.words_per_s).collect(),
    }
}

fn table(r: &Report) -> String {
    let mut s = format!(
        "triplex bench: {} documents, {} words, {:.1} MB; model {}; {} ({} cores); batch {} sentences, chunk {} docs\n",
        r.documents,
        r.words,
        r.bytes as f64 / 1e6,
        r.model,
        r.machine,
        r.cores,
        r.batch_size,
        r.chunk_docs
    );
    s += "threads  runs   words/s   docs/s  total s  peak MiB |  read  segment  tokenize   model   rules   write  (s, medians)\n";
    for x in &r.results {
        let t = &x.stages;
        s += &format!(
            "{:>7} {:>5} {:>9.0} {:>8.1} {:>8.2} {:>9.0} | {:>5.2} {:>8.2} {:>9.2} {:>7.2} {:>7.2} {:>7.2}\n",
            x.threads, x.runs, x.words_per_s, x.docs_per_s, x.seconds, x.peak_rss_mib, t.read, t.segment, t.tokenize, t.model, t.rules, t.write
        );
    }
    s
}
