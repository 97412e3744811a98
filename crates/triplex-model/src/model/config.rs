//! The model's `config.json`: the Hugging Face BERT/DistilBERT fields it reads and writes, and
//! triplex's `triplex_syntax` extension.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use triplex_core::NUM_SHAPES;

/// The Hugging Face `config.json` fields this model reads (and writes for trained models).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BertConfig {
    #[serde(default = "bert_type")]
    pub model_type: String,
    #[serde(default)]
    pub architectures: Vec<String>,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    #[serde(default = "eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "gelu")]
    pub hidden_act: String,
    #[serde(default)]
    pub id2label: BTreeMap<String, String>,
    #[serde(default)]
    pub label2id: BTreeMap<String, usize>,
    /// triplex extension: token types are word shapes (`words::shape`).
    #[serde(default)]
    pub triplex_word_shapes: bool,
    /// triplex extension: name and version of the trained model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triplex_model_name: Option<String>,
    /// triplex extension: the syntax heads (UPOS, dependency arcs and relations), if trained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triplex_syntax: Option<SyntaxConfig>,
}

fn bert_type() -> String {
    "bert".into()
}
fn two() -> usize {
    2
}
fn eps() -> f64 {
    1e-12
}
fn gelu() -> String {
    "gelu".into()
}

impl BertConfig {
    /// Reads a BERT `config.json`, or a DistilBERT one (mapped onto BERT's fields).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut json: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
        if json["model_type"] == "distilbert" {
            if json.get("activation").is_some_and(|a| a != "gelu") {
                bail!("{}: DistilBERT activation {} is not supported (only gelu)", path.display(), json["activation"]);
            }
            let obj = json.as_object_mut().context("config.json is not an object")?;
            for (from, to) in [("dim", "hidden_size"), ("n_layers", "num_hidden_layers"), ("n_heads", "num_attention_heads"), ("hidden_dim", "intermediate_size")] {
                if let Some(v) = obj.remove(from) {
                    obj.insert(to.into(), v);
                }
            }
            obj.insert("type_vocab_size".into(), 1.into());
        }
        let cfg: BertConfig = serde_json::from_value(json).with_context(|| format!("{} is not a BERT config", path.display()))?;
        if cfg.model_type != "bert" && cfg.model_type != "distilbert" {
            bail!("{}: model_type {:?} is not supported (\"bert\" or \"distilbert\")", path.display(), cfg.model_type);
        }
        cfg.validate().with_context(|| format!("{} is not a usable model config", path.display()))?;
        Ok(cfg)
    }

    /// Checks every field that shapes the model, before any weight is read: sizes at least 1 and
    /// within plausible bounds (so that no product of them overflows), a hidden size that the
    /// attention heads divide, a finite positive layer-norm epsilon, the one activation the
    /// layers compute (gelu), enough token types for word shapes, and a syntax branch that fits.
    pub fn validate(&self) -> Result<()> {
        let sizes = [
            ("vocab_size", self.vocab_size, 1, 1 << 24),
            ("hidden_size", self.hidden_size, 1, 1 << 16),
            ("num_hidden_layers", self.num_hidden_layers, 1, 1 << 10),
            ("num_attention_heads", self.num_attention_heads, 1, 1 << 10),
            ("intermediate_size", self.intermediate_size, 1, 1 << 18),
            // Windows hold [CLS], at least 8 pieces and [SEP] (see `Tagger::windows`).
            ("max_position_embeddings", self.max_position_embeddings, 16, 1 << 20),
            ("type_vocab_size", self.type_vocab_size, 1, 1 << 16),
        ];
        for (name, v, lo, hi) in sizes {
            if !(lo..=hi).contains(&v) {
                bail!("{name} is {v}; it must be between {lo} and {hi}");
            }
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            bail!("hidden_size {} is not a multiple of num_attention_heads {}", self.hidden_size, self.num_attention_heads);
        }
        if !(self.layer_norm_eps.is_finite() && self.layer_norm_eps > 0.0) {
            bail!("layer_norm_eps is {}; it must be a finite number above 0", self.layer_norm_eps);
        }
        if self.hidden_act != "gelu" {
            bail!("hidden_act {:?} is not supported (only \"gelu\")", self.hidden_act);
        }
        if self.triplex_word_shapes && self.type_vocab_size < NUM_SHAPES {
            bail!("triplex_word_shapes needs type_vocab_size of at least {NUM_SHAPES}, not {}", self.type_vocab_size);
        }
        if let Some(s) = &self.triplex_syntax {
            if !(1..=self.num_hidden_layers).contains(&s.shared_layers) {
                bail!("triplex_syntax.shared_layers {} is outside 1..={}", s.shared_layers, self.num_hidden_layers);
            }
            if s.upos.is_empty() || s.deprels.is_empty() {
                bail!("triplex_syntax has no UPOS or relation labels");
            }
            let dims = [("arc_dim", Some(s.arc_dim)), ("rel_dim", Some(s.rel_dim)), ("branch_intermediate", s.branch_intermediate)];
            for (name, v) in dims {
                if let Some(v) = v
                    && !(1..=1 << 16).contains(&v)
                {
                    bail!("triplex_syntax.{name} is {v}; it must be between 1 and 65536");
                }
            }
        }
        Ok(())
    }

    /// The name a BERT-layout tensor has in this model's file (DistilBERT names differ).
    pub(crate) fn stored_name(&self, bert_name: &str) -> String {
        if self.model_type != "distilbert" {
            return bert_name.to_string();
        }
        let Some(rest) = bert_name.strip_prefix("bert.") else { return bert_name.to_string() };
        let rest = rest.replacen("encoder.layer.", "transformer.layer.", 1);
        let mapped = [
            ("attention.self.query", "attention.q_lin"),
            ("attention.self.key", "attention.k_lin"),
            ("attention.self.value", "attention.v_lin"),
            ("attention.output.dense", "attention.out_lin"),
            ("attention.output.LayerNorm", "sa_layer_norm"),
            ("intermediate.dense", "ffn.lin1"),
            ("output.dense", "ffn.lin2"),
            ("output.LayerNorm", "output_layer_norm"),
        ]
        .iter()
        .find(|(b, _)| rest.contains(b))
        .map_or(rest.clone(), |(b, d)| rest.replacen(b, d, 1));
        format!("distilbert.{mapped}")
    }

    /// Labels ordered by id; an error when id2label has holes.
    pub fn labels(&self) -> Result<Vec<String>> {
        let mut labels = vec![String::new(); self.id2label.len()];
        for (k, v) in &self.id2label {
            let i: usize = k.parse().with_context(|| format!("id2label key {k:?} is not a number"))?;
            *labels.get_mut(i).with_context(|| format!("id2label id {i} out of range"))? = v.clone();
        }
        Ok(labels)
    }
}

/// `config.json`'s `triplex_syntax`: where the branch leaves the encoder and the label sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntaxConfig {
    /// Encoder layers shared with NER; the branch layer reads the output of the last of them.
    pub shared_layers: usize,
    pub upos: Vec<String>,
    pub deprels: Vec<String>,
    pub arc_dim: usize,
    pub rel_dim: usize,
    /// Feed-forward width of the branch layer when narrower than the encoder's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_intermediate: Option<usize>,
}

#[cfg(test)]
mod tests {
    use crate::model::bert::BertTagger;
    use crate::test_support::tiny_base;
    use serde_json::{Value, json};

    /// Every field that shapes the model is checked before the weights are read: each bad value
    /// is a clear error naming its field, never a panic (`num_attention_heads: 0` used to divide
    /// by zero in the kernels; 7 heads over a hidden size of 16 used to load).
    #[test]
    fn bad_shape_fields_are_refused_before_loading() {
        let dir = tempfile::tempdir().unwrap();
        tiny_base(dir.path());
        let path = dir.path().join("config.json");
        let mut good: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        good["id2label"] = json!({"0": "O", "1": "B-LOC", "2": "I-LOC"});
        let syntax = json!({"shared_layers": 1, "upos": ["NOUN"], "deprels": ["root"], "arc_dim": 4, "rel_dim": 4});
        let cases: Vec<(&str, Value)> = vec![
            ("num_attention_heads", json!(0)),
            ("num_attention_heads", json!(7)),
            ("hidden_size", json!(0)),
            ("num_hidden_layers", json!(0)),
            ("intermediate_size", json!(0)),
            ("vocab_size", json!(0)),
            ("vocab_size", json!(1u64 << 40)),
            ("max_position_embeddings", json!(4)),
            ("type_vocab_size", json!(0)),
            ("layer_norm_eps", json!(-1.0)),
            ("hidden_act", json!("relu")),
            ("triplex_word_shapes", json!(true)),
            ("triplex_syntax.shared_layers", json!(9)),
            ("triplex_syntax.arc_dim", json!(0)),
            ("id2label", json!({"0": "O", "1": "LOC"})),
            ("id2label", json!({"0": "O", "2": "B-LOC"})),
        ];
        for (field, value) in cases {
            let mut cfg = good.clone();
            match field.split_once('.') {
                Some((outer, inner)) => {
                    cfg[outer] = syntax.clone();
                    cfg[outer][inner] = value.clone();
                }
                None => cfg[field] = value.clone(),
            }
            std::fs::write(&path, cfg.to_string()).unwrap();
            let err = match std::panic::catch_unwind(|| BertTagger::load_dir(dir.path())) {
                Ok(r) => r.err().unwrap_or_else(|| panic!("{field} = {value} was accepted")),
                Err(_) => panic!("{field} = {value} panicked"),
            };
            let msg = format!("{err:#}");
            let name = field.rsplit('.').next().unwrap();
            assert!(msg.contains(name), "{field} = {value}: {msg}");
            assert!(!msg.contains('\n'), "one line: {msg}");
        }
        // The unchanged config passes: loading goes on to the weights (this base has no classifier).
        std::fs::write(&path, good.to_string()).unwrap();
        let err = format!("{:#}", BertTagger::load_dir(dir.path()).err().unwrap());
        assert!(err.contains("classifier.weight"), "{err}");
    }
}
