//! `triplex eval`: scores predictions (or the model's own extraction) against gold fixtures.

use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use triplex_core::conll::{read_conll, to_iob2, write_predictions};
use triplex_core::conllu::{read_conllu, score_parse, write_conllu};
use triplex_core::eval::{errors, read_jsonl, render_errors, render_table, score_conll, score_records};
use triplex_core::events::{read_event_gold, score_events};
use triplex_core::reader::Document;
use triplex_core::record::Record;
use triplex_core::{Gazetteer, resolve_conll_tags};
use triplex_model::parse_treebank;
use triplex_model::predict_scored_tags;
use triplex_model::{Pipeline, run};

#[derive(Args)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["gold", "conll", "conllu", "events"]))]
pub struct EvalArgs {
    /// Gold JSON Lines records (with `text`; items may be marked `"optional": true`).
    #[arg(long)]
    gold: Option<PathBuf>,
    /// Predicted records; without it, extraction runs on the gold texts.
    #[arg(long)]
    pred: Option<PathBuf>,
    /// Event-place gold (`{"id", "text", "events": [{"verb", "places"}]}` per line, as
    /// shared/data/event_location): scores event-place recall and place precision as the spec's
    /// Scoring section defines them.
    #[arg(long)]
    events: Option<PathBuf>,
    /// A CoNLL-2003-style file (token first, NER tag last, IOB1 or IOB2): tags its tokens and scores as conlleval.
    #[arg(long)]
    conll: Option<PathBuf>,
    /// A gold CoNLL-U file (Universal Dependencies): parses its words with the model (or reads
    /// --parsed) and scores UPOS accuracy, UAS and LAS (universal relation, punctuation
    /// included, as the CoNLL 2018 script).
    #[arg(long)]
    conllu: Option<PathBuf>,
    /// With --conllu: the predicted CoNLL-U file, same sentences and words.
    #[arg(long, requires = "conllu")]
    parsed: Option<PathBuf>,
    /// With --conll: write the file back with the predicted tag as a last column; with
    /// --conllu: write the model's parse as CoNLL-U.
    #[arg(long)]
    predictions: Option<PathBuf>,
    /// With --conll: score the tags after the pipeline's document-level mention clean-up
    /// (`mentions.rs`: cues, then the gazetteer's places), per -DOCSTART- document (each sentence alone in a file without -DOCSTART- lines), instead of the model's alone.
    #[arg(long, requires = "conll")]
    documents: bool,
    /// Model directory (found as for `extract` when not given).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    /// List false positives and false negatives with their sentence.
    #[arg(long)]
    errors: bool,
    /// Exit with code 3 when the headline figure is below this (lenient triple F1, or entity F1 without triples; strict F1 for --conll; LAS for --conllu; event-place recall for --events).
    #[arg(long)]
    min_f1: Option<f64>,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
}

pub fn eval(a: EvalArgs) -> Result<ExitCode> {
    let config = crate::config::pipeline_config(a.model.clone(), a.batch_size, None)?;
    if a.predictions.is_some() && a.conll.is_none() && (a.conllu.is_none() || a.parsed.is_some()) {
        bail!("--predictions goes with --conll, or with --conllu when the model parses");
    }
    if a.pred.is_some() && a.gold.is_none() && a.events.is_none() {
        bail!("--pred goes with --gold or --events");
    }
    let headline = if let Some(path) = &a.events {
        let gold = read_event_gold(path)?;
        if gold.is_empty() {
            bail!("{} holds no event gold", path.display());
        }
        let pred: Vec<Record> = match &a.pred {
            Some(p) => read_jsonl(p)?,
            None => extract_texts(&Pipeline::load(&config)?, gold.iter().map(|g| (g.id.clone(), g.text.clone())))?,
        };
        let (scores, errs) = score_events(&gold, &pred);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "events": scores }))?);
        } else {
            println!(
                "Event places ({} events, {} with a place)\n  recall     {:.4}  ({} placed)\n  precision  {:.4}  ({} of {} covering triples)\n  covered    {} events",
                scores.events,
                scores.events_with_place,
                scores.recall,
                scores.events_placed,
                scores.precision,
                scores.covering_correct,
                scores.covering_triples,
                scores.events_covered
            );
        }
        if a.errors {
            for e in &errs {
                eprintln!("{} {} [{}] gold: {} | predicted: {}\n    {}", e.id, e.kind, e.event, e.gold_places.join(", "), e.predicted.join("; "), e.text);
            }
        }
        scores.recall
    } else if let Some(gold) = &a.conllu {
        let gold = read_conllu(gold)?;
        let pred = match &a.parsed {
            Some(parsed) => read_conllu(parsed)?,
            None => {
                let pipeline = Pipeline::load(&config)?;
                let pred = parse_treebank(pipeline.tagger_model(), pipeline.word_pieces(), &gold, a.batch_size)?;
                if let Some(out) = &a.predictions {
                    std::fs::write(out, write_conllu(&pred)).with_context(|| format!("cannot write {}", out.display()))?;
                }
                pred
            }
        };
        let scores = score_parse(&gold, &pred)?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "parse": scores }))?);
        } else {
            println!("Parse ({} words)\n  UPOS {:.4}\n  UAS  {:.4}\n  LAS  {:.4}", scores.words, scores.upos, scores.uas, scores.las);
        }
        scores.las
    } else if let Some(path) = &a.conll {
        let sents = read_conll(path)?;
        let pipeline = Pipeline::load(&config)?;
        let scored = predict_scored_tags(pipeline.tagger_model(), pipeline.word_pieces(), &sents, a.batch_size)?;
        let mut pred: Vec<Vec<String>> = scored.iter().map(|s| s.iter().map(|(tag, _)| tag.clone()).collect()).collect();
        if a.documents {
            let probs: Vec<Vec<f32>> = scored.iter().map(|s| s.iter().map(|(_, p)| *p).collect()).collect();
            let gazetteer = Gazetteer::embedded();
            pred = resolve_conll_tags(&sents, &pred, &probs, Some(&|name| gazetteer.place_size(name)));
        }
        let gold: Vec<Vec<String>> = sents.iter().map(|s| to_iob2(&s.tags)).collect();
        if let Some(out) = &a.predictions {
            write_predictions(out, &sents, &pred)?;
        }
        let scores = score_conll(&gold, &pred);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "entities": scores }))?);
        } else {
            let report = triplex_core::eval::Report { docs: 0, entities: scores.clone(), ..Default::default() };
            print!("{}", render_table(&report));
        }
        scores.strict.f1
    } else {
        let gold_path = a.gold.as_ref().context("--gold or --conll is required")?;
        let gold = read_jsonl(gold_path)?;
        let pred: Vec<Record> = match &a.pred {
            Some(p) => read_jsonl(p)?,
            None => {
                let texts = gold.iter().map(|g| Ok((g.id.clone(), g.text.clone().with_context(|| format!("gold record {} has no text", g.id))?))).collect::<Result<Vec<_>>>()?;
                extract_texts(&Pipeline::load(&config)?, texts)?
            }
        };
        if gold.is_empty() {
            bail!("{} holds no gold records", gold_path.display());
        }
        let report = score_records(&gold, &pred);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", render_table(&report));
        }
        if a.errors {
            eprint!("{}", render_errors(&errors(&gold, &pred)));
        }
        report.headline_f1()
    };
    if let Some(min) = a.min_f1
        && headline < min
    {
        eprintln!("triplex: headline F1 {headline:.4} is below --min-f1 {min}");
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs extraction over `(id, text)` pairs, a chunk at a time, and returns the records in order.
fn extract_texts(pipeline: &Pipeline, texts: impl IntoIterator<Item = (String, String)>) -> Result<Vec<Record>> {
    let docs = texts.into_iter().map(|(id, text)| Document { id, meta: Default::default(), text: Ok(text) });
    let mut out = Vec::new();
    run(
        pipeline,
        docs,
        256,
        |r| {
            out.push(r.clone());
            Ok(())
        },
        |_| Ok(()),
    )?;
    Ok(out)
}
