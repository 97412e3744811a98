//! The `triplex` command line: extract, train, eval.

use anyhow::{Context, Result, bail};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use same_file::Handle;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use triplex_core::reader::{Documents, ReaderOptions, open_inputs};
use triplex_core::resume::{Decision, Plan};
use triplex_core::sink::{Emit, FileSink, Format, Sink, Sinks, SqliteSink, check_format, progress_path};
use triplex_model::train::{SyntaxTrainOptions, TrainOptions, train_ner, train_syntax};
use triplex_model::{Pipeline, Totals, run};
use triplex_sinks::{ParquetSink, PostgresSink};

/// Entities and actor–action–place triples from news articles, offline, on CPUs.
///
/// The model: --model DIR if given, else $TRIPLEX_MODEL, else the first of
/// <binary's dir>/../share/triplex/models/default, <binary's dir>/models/default, the user data
/// dir's triplex/models/default (Linux: ~/.local/share/triplex/models/default) and the source
/// tree's models/default that holds one. `triplex --version` names the model found.
///
/// Exit codes: 0 when every document got its output line (error records included);
/// 1 when the run failed mid-way (e.g. the output could not be written);
/// 2 for a bad command line, a missing input or model, before any work;
/// 3 (eval) for a headline F1 below --min-f1.
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
    /// Measures throughput: words/s, documents/s, peak memory and time per stage, per thread count.
    Bench(bench::BenchArgs),
    /// Prints a shell completion script (e.g. `triplex completions bash > ~/.local/share/bash-completion/completions/triplex`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Prints the man page (roff), e.g. `triplex man > ~/.local/share/man/man1/triplex.1`.
    Man,
}

#[derive(Args)]
struct ExtractArgs {
    /// Inputs: .txt files (one article each), .jsonl files (`id`, `text`, other fields carried),
    /// directories (their .txt/.jsonl files, recursively), `.gz` versions of both, or `-` for JSONL on stdin.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file (JSON Lines records unless --emit/--format say otherwise); `-` or absent: stdout
    /// (absent with --sqlite, --postgres or --parquet: none). Without --resume an existing file is replaced.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also (or only) write into this SQLite database: tables documents, entities, triples.
    /// A document processed again replaces its earlier rows.
    #[arg(long, value_name = "OUT.db")]
    sqlite: Option<PathBuf>,
    /// Also (or only) write into this PostgreSQL database (`postgresql://user@host:port/dbname`):
    /// the same tables as --sqlite, loaded with COPY, one transaction per --chunk-docs documents.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Also (or only) write Parquet tables under this directory: documents/, entities/ and
    /// triples/, each of part-NNNNN.parquet files with the columns of the database tables.
    #[arg(long, value_name = "DIR")]
    parquet: Option<PathBuf>,
    /// Documents per Parquet part file (a part is finished, and safe from a kill, once it has this many).
    #[arg(long, value_name = "N", default_value_t = triplex_sinks::PART_DOCUMENTS)]
    parquet_part_docs: usize,
    /// What the --output holds: one record per document, or one flat row per triple or entity.
    #[arg(long, value_enum, default_value_t = EmitArg::Records)]
    emit: EmitArg,
    /// With --emit conllu: each word's model row in MISC (`Vec=SCALE:HEX`), for training the
    /// scene model (scripts/train_scene.py).
    #[arg(long, hide = true)]
    conllu_vectors: bool,
    /// Encoding of the --output: JSON Lines, or CSV (flat rows only, with a header line).
    #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
    format: FormatArg,
    /// For CSV opened in spreadsheets: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
    /// return gets a leading `'`, so it is never run as a formula (off by default: it changes the
    /// text, which is wrong for loading into databases).
    #[arg(long)]
    csv_escape_formulas: bool,
    /// Skip the documents already complete in the outputs (--output file, --sqlite, --postgres, --parquet) and append the rest.
    #[arg(long)]
    resume: bool,
    #[arg(long, value_name = "DIR", help = config::MODEL_SEARCH)]
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
    /// Actor dictionary, CSV with a header `pattern,canonical,code` (code optional): maps the names
    /// of an actor ("FAMa", "Malian arm*") to one canonical name and code, after in-document resolution.
    #[arg(long, value_name = "FILE.csv")]
    actors: Option<PathBuf>,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum TrainCommand {
    /// Fine-tunes a BERT encoder as an IOB2 entity tagger (PER, ORG, LOC, MISC).
    Ner(NerTrainArgs),
    /// Adds UPOS and dependency heads to a trained NER model, trained on CoNLL-U treebanks; the
    /// shared encoder layers stay frozen, so entity output does not change.
    Syntax(SyntaxTrainArgs),
}

#[derive(Args)]
struct SyntaxTrainArgs {
    /// Training treebank (CoNLL-U), e.g. UD English EWT train.
    #[arg(long)]
    train: PathBuf,
    /// Development treebank (CoNLL-U), scored after each epoch to keep the best model (by LAS).
    #[arg(long)]
    dev: PathBuf,
    /// The trained NER model whose encoder the heads share.
    #[arg(long, default_value = "models/default")]
    model: PathBuf,
    /// Output model directory: the NER model plus the syntax heads.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 8)]
    epochs: usize,
    /// Peak learning rate of the heads (linear warm-up over 5% of steps, then linear decay).
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
    /// Learning-rate factor of the branch encoder layer.
    #[arg(long, default_value_t = 0.1)]
    branch_lr_factor: f64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    #[arg(long, default_value_t = 0.2)]
    dropout: f32,
    /// Encoder layers shared with NER (default: all but the last, which the branch copies).
    #[arg(long)]
    shared_layers: Option<usize>,
    #[arg(long, default_value_t = 256)]
    arc_dim: usize,
    #[arg(long, default_value_t = 64)]
    rel_dim: usize,
    /// Feed-forward width of the branch layer (default: the encoder's); a narrower one keeps the
    /// source layer's most important units and costs less at inference.
    #[arg(long)]
    branch_intermediate: Option<usize>,
    /// Stop after this many steps (0: train all epochs).
    #[arg(long, default_value_t = 0)]
    max_steps: usize,
    /// Name and version recorded with outputs (default: the NER model's).
    #[arg(long)]
    model_name: Option<String>,
    /// Continue a killed run from OUT/checkpoint (saved at the end of every epoch).
    #[arg(long)]
    resume: bool,
    /// Stop after this many epochs with a checkpoint, as a kill would (for tests).
    #[arg(long, default_value_t = 0, hide = true)]
    stop_after_epochs: usize,
    #[arg(short, long)]
    quiet: bool,
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
    /// Passes over the training data.
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    /// Peak learning rate (linear warm-up, then linear decay).
    #[arg(long, default_value_t = 5e-5)]
    lr: f64,
    /// Seed of shuffling, dropout and head initialisation: the same seed reproduces a run.
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
    /// Stop after N steps of this invocation, leaving a checkpoint (for testing --resume).
    #[arg(long, default_value_t = 0, hide = true)]
    stop_after: usize,
    /// Save a checkpoint every N steps (and at each epoch end).
    #[arg(long, default_value_t = 500)]
    checkpoint_every: usize,
    /// Continue from OUT/checkpoint.
    #[arg(long)]
    resume: bool,
    /// Name and version written into the model's config.
    #[arg(long, default_value = "triplex-ner")]
    model_name: String,
    /// Keep the embeddings and this many first encoder layers as in --base (with the base's syntax
    /// heads, when they read no further): entities change, parses do not.
    #[arg(long, default_value_t = 0)]
    freeze_layers: usize,
    #[arg(short, long)]
    quiet: bool,
}

mod bench;
mod config;
mod eval_cmd;

/// `--emit`, as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EmitArg {
    /// One record per document (the extraction contract).
    Records,
    /// One flat row per triple, with its document id.
    Triples,
    /// One flat row per entity, with its document id.
    Entities,
    /// CoNLL-U: every sentence's words with the predicted UPOS, head, relation and entity tag
    /// (needs a model with syntax heads).
    Conllu,
}

impl From<EmitArg> for Emit {
    fn from(e: EmitArg) -> Emit {
        match e {
            EmitArg::Records => Emit::Records,
            EmitArg::Triples => Emit::Triples,
            EmitArg::Entities => Emit::Entities,
            EmitArg::Conllu => Emit::Conllu,
        }
    }
}

/// `--format`, as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    Jsonl,
    Csv,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
        }
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().version(config::version_line()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Extract(a) => extract(a),
        Command::Train(TrainCommand::Ner(a)) => train(a),
        Command::Train(TrainCommand::Syntax(a)) => train_syntax_cmd(a),
        Command::Eval(a) => eval_cmd::eval(a),
        Command::Bench(a) => bench::bench(a),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "triplex", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()).map(|()| ExitCode::SUCCESS).map_err(Into::into),
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

fn extract(a: ExtractArgs) -> Result<ExitCode> {
    let (emit, format) = (Emit::from(a.emit), Format::from(a.format));
    let config = check_outputs(&a).and_then(|()| {
        let mut c = config::pipeline_config(a.model.clone(), a.batch_size, a.threads)?;
        c.emit_conllu = emit == Emit::Conllu;
        c.conllu_vectors = a.conllu_vectors;
        c.actors = a.actors.as_deref().map(triplex_core::ActorDictionary::from_path).transpose()?;
        Ok(c)
    });
    let config = match config {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let docs = match open_inputs(&a.inputs, ReaderOptions { max_bytes: a.max_doc_bytes }).and_then(|d| check_outputs_are_not_inputs(&a, emit, &d).map(|()| d)) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let pipeline = match Pipeline::load(&config) {
        Ok(p) => p,
        Err(e) => return usage_error(e.context(format!("model {}", config.model_dir.display()))),
    };
    let (outputs, mut plan) = match open_outputs(&a, emit, format, pipeline.model_name()) {
        Ok(o) => o,
        Err(e) => return usage_error(e),
    };
    let outputs = RefCell::new(outputs);
    let total_bytes = docs.total_bytes();
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::with_draw_target(total_bytes, ProgressDrawTarget::stderr());
        let tpl = if total_bytes.is_some() { "{elapsed_precise} [{bar:30}] {percent}% ETA {eta} {msg}" } else { "{spinner} {elapsed_precise} {msg}" };
        b.set_style(ProgressStyle::with_template(tpl).unwrap());
        b
    };
    // On --resume, documents every output holds are skipped; for the others, which outputs
    // already hold them travels in input order to the sinks through `held`.
    let held: RefCell<VecDeque<u64>> = RefCell::new(VecDeque::new());
    let (skipped, skipped_bytes) = (Cell::new(0usize), Cell::new(0u64));
    let docs = docs.filter(|d| match plan.decide(&d.id) {
        Decision::Skip => {
            skipped.set(skipped.get() + 1);
            skipped_bytes.set(skipped_bytes.get() + d.text.as_ref().map_or(0, |t| t.len() as u64));
            false
        }
        Decision::Run { held: h } => {
            held.borrow_mut().push_back(h);
            true
        }
    });
    let start = Instant::now();
    let totals = run(
        &pipeline,
        docs,
        a.chunk_docs,
        |r| {
            let h = held.borrow_mut().pop_front().unwrap_or(0);
            outputs.borrow_mut().write(r, h)
        },
        |t: &Totals| {
            outputs.borrow_mut().commit()?;
            bar.set_position(t.bytes as u64 + skipped_bytes.get());
            bar.set_message(format!("{} docs, {:.0} words/s", t.documents, t.words as f64 / start.elapsed().as_secs_f64()));
            Ok(())
        },
    );
    let finished = outputs.borrow_mut().finish().context("cannot write output");
    bar.finish_and_clear();
    let totals = totals?;
    finished?;
    if !a.quiet {
        let secs = start.elapsed().as_secs_f64();
        let resumed = if a.resume { format!(", {} already done", skipped.get()) } else { String::new() };
        eprintln!(
            "triplex: {} documents ({} errors){resumed}, {} entities, {} triples, {} words in {secs:.1}s ({:.0} words/s), model {}",
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

/// Flag combinations that cannot work, found before any reading.
fn check_outputs(a: &ExtractArgs) -> Result<()> {
    check_format(a.emit.into(), a.format.into())?;
    let to_file = a.output.as_ref().is_some_and(|o| o.as_os_str() != "-");
    if a.resume && !to_file && !a.has_tables() {
        bail!("--resume needs an --output file, --sqlite or --postgres database, or --parquet directory to resume");
    }
    if a.csv_escape_formulas && a.format != FormatArg::Csv {
        bail!("--csv-escape-formulas needs --format csv");
    }
    if a.output.is_none() && a.has_tables() && (a.emit != EmitArg::Records || a.format != FormatArg::Jsonl) {
        bail!("--emit and --format describe the --output file (`-o -` for stdout), not the --sqlite, --postgres or --parquet tables");
    }
    if let (Some(o), Some(s)) = (&a.output, &a.sqlite)
        && (o == s || o.canonicalize().ok().is_some_and(|o| s.canonicalize().ok() == Some(o)))
    {
        bail!("--output and --sqlite name the same file {}", o.display());
    }
    Ok(())
}

/// Refuses an output (`--output` or stdout, its progress file, `--sqlite`) that is one of the
/// inputs, found by file identity, so through symlinks and hard links too: writing it would
/// destroy the input (or, appended to, feed the run its own output).
fn check_outputs_are_not_inputs(a: &ExtractArgs, emit: Emit, docs: &Documents) -> Result<()> {
    let file = a.output.clone().filter(|o| o.as_os_str() != "-");
    let progress = file.as_deref().filter(|_| emit != Emit::Records).map(progress_path);
    let named = [("--output", file), ("--output's progress file", progress), ("--sqlite", a.sqlite.clone())];
    // An output that does not exist yet cannot be an input.
    let outputs: Vec<(String, Handle)> =
        named.into_iter().filter_map(|(what, p)| p.and_then(|p| Handle::from_path(&p).ok().map(|h| (format!("{what} {}", p.display()), h)))).collect();
    let stdin = docs.reads_stdin().then(|| Handle::stdin().ok()).flatten().map(|h| ("-".to_string(), h));
    let files: Vec<(String, Handle)> = docs.input_files().filter_map(|p| Handle::from_path(p).ok().map(|h| (p.display().to_string(), h))).collect();
    // Stdout when records go there, checked against the input files only (stdin and stdout are
    // often the same terminal).
    let to_stdout = a.output.as_ref().map_or(!a.has_tables(), |o| o.as_os_str() == "-");
    if to_stdout
        && let Ok(out) = Handle::stdout()
        && let Some((input, _)) = files.iter().find(|(_, h)| *h == out)
    {
        bail!("stdout is the input {input}: writing it would destroy the input");
    }
    for (input, h) in files.iter().chain(stdin.iter()) {
        if let Some((what, _)) = outputs.iter().find(|(_, o)| o == h) {
            bail!("{what} is the input {input}: writing it would destroy the input");
        }
    }
    Ok(())
}

impl ExtractArgs {
    /// Whether a run writes tables (--sqlite, --postgres, --parquet).
    fn has_tables(&self) -> bool {
        self.sqlite.is_some() || self.postgres.is_some() || self.parquet.is_some()
    }
}

/// Opens the sinks (the --output file or stdout unless tables alone, the Parquet tables, then the
/// databases); on --resume, first finds what they already hold.
fn open_outputs(a: &ExtractArgs, emit: Emit, format: Format, model_name: &str) -> Result<(Sinks, Plan)> {
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    // `-o -` is stdout; with tables alone nothing goes to stdout.
    if a.output.is_some() || !a.has_tables() {
        let path = a.output.as_deref().filter(|p| p.as_os_str() != "-");
        sinks.push(Box::new(FileSink::create(path, emit, format, a.resume)?.escape_formulas(a.csv_escape_formulas)));
    }
    if let Some(dir) = &a.parquet {
        sinks.push(Box::new(ParquetSink::create(dir, model_name, a.resume, a.parquet_part_docs)?));
    }
    if let Some(p) = &a.sqlite {
        sinks.push(Box::new(SqliteSink::open(p, model_name)?));
    }
    if let Some(url) = &a.postgres {
        sinks.push(Box::new(PostgresSink::open(url, model_name)?));
    }
    let mut sinks = Sinks::new(sinks);
    let plan = if a.resume { Plan::new(sinks.resume()?) } else { Plan::default() };
    Ok((sinks, plan))
}

fn train_syntax_cmd(a: SyntaxTrainArgs) -> Result<ExitCode> {
    if !a.model.join("config.json").is_file() {
        return usage_error(anyhow::anyhow!("--model {} is not a model directory (no config.json)", a.model.display()));
    }
    let opts = SyntaxTrainOptions {
        train: a.train,
        dev: a.dev,
        model: a.model,
        out: a.out.clone(),
        epochs: a.epochs,
        lr: a.lr,
        branch_lr_factor: a.branch_lr_factor,
        seed: a.seed,
        batch_size: a.batch_size,
        dropout: a.dropout,
        shared_layers: a.shared_layers,
        arc_dim: a.arc_dim,
        rel_dim: a.rel_dim,
        branch_intermediate: a.branch_intermediate,
        max_steps: a.max_steps,
        resume: a.resume,
        stop_after_epochs: a.stop_after_epochs,
        model_name: a.model_name,
    };
    let summary = train_syntax(&opts, &config::TrainBar::new(a.quiet))?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    eprintln!("best model (epoch {}, dev LAS {:.4}) in {}", summary.best_epoch, summary.best_dev, a.out.display());
    Ok(ExitCode::SUCCESS)
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
        stop_after: a.stop_after,
        checkpoint_every: a.checkpoint_every,
        resume: a.resume,
        model_name: a.model_name,
        freeze_layers: a.freeze_layers,
    };
    let summary = train_ner(&opts, &config::TrainBar::new(a.quiet))?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    eprintln!("best model (epoch {}, dev F1 {:.4}) in {}", summary.best_epoch, summary.best_dev, a.out.display());
    Ok(ExitCode::SUCCESS)
}
