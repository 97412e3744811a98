//! Output records of the extraction contract (`shared/spec/extraction.md`): spans in code points.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A piece of the document: `text == doc[start..end]` counted in Unicode code points.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// Dictionary form of an action ("take control of"); absent for other spans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lemma: Option<String>,
    /// An action that is an event noun ("an ambush near Menaka"); absent (false) otherwise.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nominal: bool,
    /// Actors: the antecedent mention a pronoun or definite description refers to ("We" → "The column").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Box<Span>>,
    /// Actors: the document-level actor this mention belongs to (an id of `Record::actors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    /// Actors: that actor's one name (the longest name of its mentions, or the `--actors` dictionary's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// Actors: the `--actors` dictionary's code for that actor (e.g. a CAMEO-style code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Places: the gazetteer entry (`null`: not held, or not told apart); absent on other spans.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub geo: Option<Option<Geo>>,
}

/// A place in the embedded GeoNames gazetteer, as chosen for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Geo {
    pub geonameid: u32,
    pub name: String,
    /// ISO 3166-1 alpha-2 (empty for a continent).
    pub country_code: String,
    /// First-level region name, where the gazetteer has it.
    pub admin1: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    /// GeoNames feature class (`A` country or region, `P` populated place, `L` continent) and code.
    pub feature_class: String,
    pub feature_code: String,
    pub population: u64,
    /// Confidence of the choice (0..1): the document's country agreement, then name ambiguity.
    pub score: f32,
}

/// One actor of a document: every mention of it, its canonical name, and its dictionary code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    /// "A1", "A2", ... in order of first mention.
    pub id: String,
    pub canonical: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// PER or ORG when a mention is such an entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub mentions: Vec<Span>,
}

/// Deserializes a present field, `null` included, as `Some` (so `"geo": null` stays distinct from no `geo`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A named entity: PER, ORG, LOC or MISC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub text: String,
    pub label: String,
    pub start: usize,
    pub end: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Gold only: predicting it is no false positive, missing it no false negative.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// PER/ORG: the document-level actor (an id of `Record::actors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    /// LOC: the gazetteer entry, or `null`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub geo: Option<Option<Geo>>,
}

/// Where the action happened relative to the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaceRelation {
    At,
    To,
    From,
    Near,
}

impl PlaceRelation {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceRelation::At => "at",
            PlaceRelation::To => "to",
            PlaceRelation::From => "from",
            PlaceRelation::Near => "near",
        }
    }
}

/// Code-point range of the sentence a triple was read from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SentenceRange {
    pub start: usize,
    pub end: usize,
}

/// One actor – action – place statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triple {
    /// Who acts; `null` when the text names no doer (an agentless passive, an event noun alone,
    /// a subject that undergoes the event).
    pub actor: Option<Span>,
    pub action: Span,
    pub place: Span,
    pub place_relation: PlaceRelation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_qualifier: Option<String>,
    #[serde(default)]
    pub negated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence: Option<SentenceRange>,
    /// Gold only, as for entities.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

impl Triple {
    /// A triple with only its action and place (`at`), for tests and tools that fill the rest.
    pub fn at(action: Span, place: Span) -> Triple {
        Triple {
            actor: None,
            action,
            place,
            place_relation: PlaceRelation::At,
            place_qualifier: None,
            negated: false,
            object: None,
            time: None,
            attributed_to: None,
            score: None,
            sentence: None,
            optional: false,
        }
    }
}

/// Why a document could not be processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Ok,
    Error,
}

/// One output line: the result for one input document (also the shape of gold fixtures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub status: Status,
    /// Every input field but `id` and `text` (title, date, url, ...), by name, under one
    /// `meta` key so that no input field can shadow a record field; absent when there is none.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub meta: Map<String, Value>,
    /// The document text: present in gold fixtures, absent in extraction output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Length of the document text in code points (not serialized; the SQLite sink stores it).
    #[serde(skip)]
    pub chars: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    #[serde(default)]
    pub entities: Vec<Entity>,
    #[serde(default)]
    pub triples: Vec<Triple>,
    /// The document's actors (pronouns and descriptions resolved, one canonical name each).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<Actor>,
    /// The document's sentences as CoNLL-U (for `--emit conllu`; not serialized).
    #[serde(skip)]
    pub conllu: Option<String>,
}

impl Record {
    pub fn error(id: impl Into<String>, meta: Map<String, Value>, kind: &str, message: impl Into<String>) -> Self {
        Record {
            id: id.into(),
            status: Status::Error,
            meta,
            text: None,
            chars: None,
            error: Some(ErrorInfo { kind: kind.to_string(), message: message.into() }),
            entities: Vec::new(),
            triples: Vec::new(),
            actors: Vec::new(),
            conllu: None,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Converts byte offsets of one text into code-point offsets in O(log n).
pub struct CharIndex {
    /// Byte offset of every char boundary that starts a non-ASCII run, with its char count.
    byte_starts: Vec<usize>,
    ascii_only: bool,
}

impl CharIndex {
    pub fn new(text: &str) -> Self {
        let ascii_only = text.is_ascii();
        let byte_starts = if ascii_only { Vec::new() } else { text.char_indices().map(|(b, _)| b).collect() };
        CharIndex { byte_starts, ascii_only }
    }

    /// Code-point offset of byte offset `b` (which must be a char boundary or the text length).
    pub fn char_of(&self, b: usize) -> usize {
        if self.ascii_only { b } else { self.byte_starts.partition_point(|&x| x < b) }
    }

    /// A code-point span for the byte range `start..end` of `text`.
    pub fn span(&self, text: &str, start: usize, end: usize) -> Span {
        Span { text: text[start..end].to_string(), start: self.char_of(start), end: self.char_of(end), ..Span::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_index_counts_code_points() {
        let text = "Zoë met 東京 😀 at Gao";
        let idx = CharIndex::new(text);
        let b = text.find("Gao").unwrap();
        let s = idx.span(text, b, b + 3);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[s.start..s.end].iter().collect::<String>(), "Gao");
        assert_eq!(idx.char_of(text.len()), chars.len());
    }

    #[test]
    fn gold_record_round_trips_with_meta() {
        let line = r#"{"id":"a","status":"ok","meta":{"title":"T"},"entities":[{"text":"Gao","label":"LOC","start":0,"end":3,"optional":true}],"triples":[]}"#;
        let r: Record = serde_json::from_str(line).unwrap();
        assert_eq!(r.meta.get("title").unwrap(), "T");
        assert!(r.entities[0].optional);
        let back = serde_json::to_string(&r).unwrap();
        assert!(back.contains(r#""meta":{"title":"T"}"#), "{back}");
    }

    #[test]
    fn input_fields_named_like_record_fields_stay_under_meta() {
        let meta: Map<String, Value> = serde_json::from_str(r#"{"status":"draft","entities":[1],"triples":"x","error":null,"meta":{"a":1}}"#).unwrap();
        let mut r = Record::error("d", meta, "empty_text", "empty");
        r.status = Status::Ok;
        r.error = None;
        let line = serde_json::to_string(&r).unwrap();
        let top: Map<String, Value> = serde_json::from_str(&line).unwrap();
        let mut keys: Vec<&str> = top.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["entities", "id", "meta", "status", "triples"], "{line}");
        assert_eq!(top["status"], "ok");
        assert_eq!(top["entities"], Value::Array(vec![]));
        assert_eq!(top["meta"]["status"], "draft");
        assert_eq!(top["meta"]["meta"]["a"], 1);
        // serde_json keeps the last of duplicate keys, so also count the key tokens of the line.
        assert_eq!(line.matches(r#""status":"#).count(), 2, "one top-level, one in meta: {line}");
    }
}
