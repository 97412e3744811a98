//! Tiny models and data for unit tests: a random BERT with a WordPiece tokenizer over a handful of
//! words, and matching CoNLL and CoNLL-U samples.

use crate::model::config::BertConfig;
use crate::train::ner::{TrainOptions, normal};
use candle_core::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const WORDS: [&str; 14] = ["the", "army", "left", "gao", "rebels", "reached", "kidal", "wagner", "said", "john", "smith", "in", "mali", "."];

/// A tiny random BERT with a tiny WordPiece tokenizer, written as a model directory.
pub fn tiny_base(dir: &Path) {
    let mut vocab = serde_json::Map::new();
    for (i, w) in ["[PAD]", "[UNK]", "[CLS]", "[SEP]"].iter().chain(WORDS.iter()).enumerate() {
        vocab.insert(w.to_string(), i.into());
    }
    let tok = serde_json::json!({"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
      "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true},
      "pre_tokenizer":{"type":"BertPreTokenizer"},"post_processor":null,"decoder":null,
      "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":vocab}});
    std::fs::write(dir.join("tokenizer.json"), tok.to_string()).unwrap();
    let cfg = serde_json::json!({"model_type":"bert","vocab_size":18,"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":2,
      "intermediate_size":32,"max_position_embeddings":64,"type_vocab_size":2,"layer_norm_eps":1e-12});
    std::fs::write(dir.join("config.json"), cfg.to_string()).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let c: BertConfig = serde_json::from_value(cfg).unwrap();
    let mut ts: HashMap<String, Tensor> = HashMap::new();
    let mut put = |name: String, shape: Vec<usize>, ln: bool| {
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| if ln && !name.ends_with("bias") { 1.0 } else { normal(&mut rng) * 0.2 }).collect();
        ts.insert(name, Tensor::from_vec(v, shape, &Device::Cpu).unwrap());
    };
    let h = c.hidden_size;
    put("embeddings.word_embeddings.weight".into(), vec![c.vocab_size, h], false);
    put("embeddings.position_embeddings.weight".into(), vec![c.max_position_embeddings, h], false);
    put("embeddings.token_type_embeddings.weight".into(), vec![2, h], false);
    put("embeddings.LayerNorm.weight".into(), vec![h], true);
    put("embeddings.LayerNorm.bias".into(), vec![h], true);
    for l in 0..c.num_hidden_layers {
        let p = format!("encoder.layer.{l}.");
        for (n, o, i) in [
            ("attention.self.query", h, h),
            ("attention.self.key", h, h),
            ("attention.self.value", h, h),
            ("attention.output.dense", h, h),
            ("intermediate.dense", c.intermediate_size, h),
            ("output.dense", h, c.intermediate_size),
        ] {
            put(format!("{p}{n}.weight"), vec![o, i], false);
            put(format!("{p}{n}.bias"), vec![o], false);
        }
        for n in ["attention.output.LayerNorm", "output.LayerNorm"] {
            put(format!("{p}{n}.weight"), vec![h], true);
            put(format!("{p}{n}.bias"), vec![h], true);
        }
    }
    candle_core::safetensors::save(&ts, dir.join("model.safetensors")).unwrap();
}

pub fn sample_conll(path: &Path) {
    let mut s = String::from("-DOCSTART- O\n\n");
    for _ in 0..6 {
        s += "The O\narmy O\nleft O\nGao B-LOC\n. O\n\nJohn B-PER\nSmith I-PER\nsaid O\nWagner B-ORG\nreached O\nKidal B-LOC\nin O\nMali B-LOC\n. O\n\n";
    }
    std::fs::write(path, s).unwrap();
}

/// A CoNLL-U treebank over [`WORDS`]: two sentence shapes, repeated.
pub fn sample_conllu(path: &Path) {
    let a = "1\tthe\t_\tDET\t_\t_\t2\tdet\t_\t_\n2\tarmy\t_\tNOUN\t_\t_\t3\tnsubj\t_\t_\n3\tleft\t_\tVERB\t_\t_\t0\troot\t_\t_\n4\tgao\t_\tPROPN\t_\t_\t3\tobj\t_\t_\n5\t.\t_\tPUNCT\t_\t_\t3\tpunct\t_\t_\n\n";
    let b = "1\trebels\t_\tNOUN\t_\t_\t2\tnsubj\t_\t_\n2\treached\t_\tVERB\t_\t_\t0\troot\t_\t_\n3\tkidal\t_\tPROPN\t_\t_\t2\tobj\t_\t_\n4\tin\t_\tADP\t_\t_\t5\tcase\t_\t_\n5\tmali\t_\tPROPN\t_\t_\t2\tobl\t_\t_\n6\t.\t_\tPUNCT\t_\t_\t2\tpunct\t_\t_\n\n";
    std::fs::write(path, format!("{a}{b}").repeat(6)).unwrap();
}

/// A tiny trained NER model in `dir/ner` (`epochs` over [`sample_conll`], from [`tiny_base`]), and
/// a tiny treebank at `dir/tb.conllu`.
pub fn tiny_ner(dir: &Path, epochs: usize) -> PathBuf {
    let base = dir.join("base");
    std::fs::create_dir(&base).unwrap();
    tiny_base(&base);
    let conll = dir.join("ner.conll");
    sample_conll(&conll);
    let ner = dir.join("ner");
    crate::train::train_ner(&tiny_ner_options(&conll, &base, &ner, epochs), &crate::train::Silent).unwrap();
    sample_conllu(&dir.join("tb.conllu"));
    ner
}

/// Syntax training settings for the tiny model: the heads on `ner`, trained on `dir/tb.conllu`
/// (see [`tiny_ner`]) into `dir/syntax`.
pub fn tiny_syntax_options(dir: &Path, ner: &Path) -> crate::train::SyntaxTrainOptions {
    crate::train::SyntaxTrainOptions {
        train: dir.join("tb.conllu"),
        dev: dir.join("tb.conllu"),
        model: ner.to_path_buf(),
        out: dir.join("syntax"),
        epochs: 25,
        lr: 1e-2,
        branch_lr_factor: 0.5,
        seed: 3,
        batch_size: 4,
        dropout: 0.0,
        shared_layers: None,
        arc_dim: 16,
        rel_dim: 8,
        branch_intermediate: None,
        max_steps: 0,
        resume: false,
        stop_after_epochs: 0,
        model_name: Some("tiny-syntax".into()),
    }
}

/// NER training settings for the tiny model: `epochs` over `data` (train and dev), from `base` into `out`.
pub fn tiny_ner_options(data: &Path, base: &Path, out: &Path, epochs: usize) -> TrainOptions {
    TrainOptions {
        train: vec![data.to_path_buf()],
        dev: data.to_path_buf(),
        base: base.to_path_buf(),
        out: PathBuf::from(out),
        epochs,
        lr: 1e-2,
        seed: 5,
        batch_size: 4,
        warmup: 0.1,
        weight_decay: 0.01,
        dropout: 0.0,
        max_pieces: 64,
        max_steps: 0,
        stop_after: 0,
        checkpoint_every: 0,
        resume: false,
        model_name: "tiny".into(),
        freeze_layers: 0,
    }
}

/// Asserts that every variable of `varmap` got a finite, non-zero gradient; returns their count.
pub fn assert_every_var_has_a_gradient(varmap: &candle_nn::VarMap, grads: &candle_core::backprop::GradStore) -> usize {
    let data = varmap.data().lock().unwrap();
    for (name, var) in data.iter() {
        let g = grads.get(var).unwrap_or_else(|| panic!("{name} got no gradient"));
        let norm = g.sqr().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(norm > 0.0 && norm.is_finite(), "{name}: gradient norm {norm}");
    }
    data.len()
}

/// A kernel path or feature a test needs: a test must not pass without running what it checks,
/// so a missing one fails it, unless `TRIPLEX_ALLOW_MISSING_KERNELS=1` says this CPU is known to
/// lack it (then the test says so and stops).
pub fn required<T>(have: Option<T>, what: &str) -> Option<T> {
    if have.is_none() {
        if std::env::var("TRIPLEX_ALLOW_MISSING_KERNELS").is_ok_and(|v| v == "1") {
            eprintln!("skipped: this CPU cannot run {what} (TRIPLEX_ALLOW_MISSING_KERNELS=1)");
        } else {
            panic!("this CPU cannot run {what}; set TRIPLEX_ALLOW_MISSING_KERNELS=1 to run the suite without it");
        }
    }
    have
}
