//! The model's `config.json`: the Hugging Face BERT/DistilBERT fields it reads and writes, and
//! triplex's `triplex_syntax` extension.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

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
        Ok(cfg)
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
