//! `triplex._native`: the triplex pipeline and scoring for Python (PyO3). Items become one JSONL
//! stream read by the CLI's own reader, so ids, error records and metadata follow the CLI's rules;
//! records come back as the JSONL lines the CLI writes, parsed by Python's `json`. The pure-Python
//! package around it (`python/triplex`) finds the model and documents the API.

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Mutex;
use triplex_core::eval::score_records;
use triplex_core::reader::{DocError, Document, ReaderOptions, kind, read_jsonl_stream};
use triplex_core::record::Record;
use triplex_core::sink::{EntityRow, TripleRow};
use triplex_model::{Isa, KernelPath, Pipeline, PipelineConfig, WeightFormat, run};

/// The name of the JSONL stream the items make: a dict item without a usable id gets the id
/// `items:N` (N its position counted from 1, as the CLI numbers a file's lines).
const STREAM_NAME: &str = "items";

/// What `extract` returns for each document.
#[derive(Clone, Copy, PartialEq)]
enum Emit {
    Records,
    Triples,
    Entities,
}

impl Emit {
    fn parse(s: &str) -> PyResult<Emit> {
        match s {
            "records" => Ok(Emit::Records),
            "triples" => Ok(Emit::Triples),
            "entities" => Ok(Emit::Entities),
            _ => Err(PyValueError::new_err(format!("emit must be \"records\", \"triples\" or \"entities\", not {s:?}"))),
        }
    }
}

/// A loaded model and the stages around it. Calls from several Python threads take turns.
#[pyclass(frozen, module = "triplex._native", name = "Pipeline")]
struct PyPipeline {
    inner: Mutex<Pipeline>,
    #[pyo3(get)]
    model_dir: PathBuf,
    #[pyo3(get)]
    model_name: String,
}

#[pymethods]
impl PyPipeline {
    #[new]
    #[pyo3(signature = (model_dir, weights = None, kernels = None, batch_size = 32))]
    fn new(py: Python<'_>, model_dir: PathBuf, weights: Option<&str>, kernels: Option<&str>, batch_size: usize) -> PyResult<Self> {
        let mut config = PipelineConfig::new(&model_dir).map_err(value_error)?;
        config.weights = WeightFormat::parse(weights.unwrap_or("")).map_err(|e| value_error(e.context("weights")))?;
        if let Some(k) = kernels {
            let names = KernelPath::ALL.map(KernelPath::name).join(", ");
            let path = KernelPath::parse(k).ok_or_else(|| PyValueError::new_err(format!("kernels={k:?}: expected one of {names}")))?;
            config.kernels = Isa::new(path).ok_or_else(|| PyValueError::new_err(format!("kernels={k:?}: this CPU cannot run that kernel path")))?;
        }
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        config.batch_size = batch_size;
        let pipeline = py.detach(|| Pipeline::load(&config)).map_err(|e| value_error(e.context(format!("model {}", model_dir.display()))))?;
        let model_name = pipeline.model_name().to_string();
        Ok(PyPipeline { inner: Mutex::new(pipeline), model_dir, model_name })
    }

    /// Runs the pipeline over `items` and returns one JSON text per record (or per flat row),
    /// joined as a JSON array; the Python side parses it.
    #[pyo3(signature = (items, threads = None, emit = "records", chunk_docs = 64, max_doc_bytes = 5_000_000))]
    fn extract_json(&self, py: Python<'_>, items: &Bound<'_, PyList>, threads: Option<usize>, emit: &str, chunk_docs: usize, max_doc_bytes: usize) -> PyResult<String> {
        let emit = Emit::parse(emit)?;
        if threads == Some(0) {
            return Err(PyValueError::new_err("threads must be at least 1"));
        }
        let (lines, overrides) = items_to_jsonl(items)?;
        py.detach(|| {
            let opts = ReaderOptions { max_bytes: max_doc_bytes };
            let mut docs: Vec<Document> = read_jsonl_stream(STREAM_NAME, Cursor::new(lines), opts).collect();
            if docs.len() != overrides.len() {
                return Err(PyRuntimeError::new_err(format!("internal error: {} items read as {} documents", overrides.len(), docs.len())));
            }
            for (doc, err) in docs.iter_mut().zip(overrides) {
                if let Some(err) = err {
                    doc.text = Err(err);
                }
            }
            let mut pipeline = self.inner.lock().map_err(|_| PyRuntimeError::new_err("a previous call panicked inside the pipeline"))?;
            pipeline.set_threads(threads).map_err(runtime_error)?;
            let mut out = String::from("[");
            run(&pipeline, docs.into_iter(), chunk_docs, |rec| write_output(&mut out, rec, emit), |_| Ok(())).map_err(runtime_error)?;
            out.push(']');
            Ok(out)
        })
    }

    fn __repr__(&self) -> String {
        format!("Pipeline(model={:?}, name={:?})", self.model_dir.display().to_string(), self.model_name)
    }
}

/// Appends one record, or its flat rows, to a JSON array being built (each as the CLI writes it).
fn write_output(out: &mut String, rec: &Record, emit: Emit) -> anyhow::Result<()> {
    let mut push = |json: String| {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&json);
    };
    match emit {
        Emit::Records => push(serde_json::to_string(rec)?),
        Emit::Triples => {
            for (i, t) in rec.triples.iter().enumerate() {
                push(serde_json::to_string(&TripleRow::new(&rec.id, i, t))?);
            }
        }
        Emit::Entities => {
            for (i, e) in rec.entities.iter().enumerate() {
                push(serde_json::to_string(&EntityRow::new(&rec.id, i, e))?);
            }
        }
    }
    Ok(())
}

/// One JSONL line per item, and for each item the error that replaces its text when its text
/// cannot be written into JSON at all (not valid Unicode).
///
/// - `str` (or UTF-8 `bytes`): `{"id": "<position from 0>", "text": item}`.
/// - `dict`: the object itself, its values converted as [`to_json`] says; the reader then checks
///   its `id` and `text` exactly as it checks a JSONL line.
/// - anything else (`None` too): `{"id": "<position>", "text": <item>}`, so that the reader gives it
///   the `missing_text` error record ("`text` is not a string").
fn items_to_jsonl(items: &Bound<'_, PyList>) -> PyResult<(Vec<u8>, Vec<Option<DocError>>)> {
    let mut lines = Vec::new();
    let mut overrides = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let text_item = |text: Value| Value::Object(Map::from_iter([("id".to_string(), Value::String(i.to_string())), ("text".to_string(), text)]));
        let (line, err) = if let Ok(s) = item.cast::<PyString>() {
            match s.to_cow() {
                Ok(t) => (text_item(Value::String(t.into_owned())), None),
                Err(_) => (
                    text_item(Value::String(String::new())),
                    Some(DocError::new(kind::INVALID_UTF8, format!("{STREAM_NAME} line {}: text is not valid Unicode (it holds lone surrogates)", i + 1))),
                ),
            }
        } else if let Ok(b) = item.cast::<PyBytes>() {
            match std::str::from_utf8(b.as_bytes()) {
                Ok(t) => (text_item(Value::String(t.to_string())), None),
                Err(e) => (
                    text_item(Value::String(String::new())),
                    Some(DocError::new(kind::INVALID_UTF8, format!("{STREAM_NAME} line {}: invalid UTF-8 at byte offset {} of the text", i + 1, e.valid_up_to()))),
                ),
            }
        } else if let Ok(d) = item.cast::<PyDict>() {
            let bad_text = d.get_item("text")?.is_some_and(|t| t.cast::<PyString>().is_ok_and(|s| s.to_cow().is_err()));
            let err = bad_text.then(|| DocError::new(kind::INVALID_UTF8, format!("{STREAM_NAME} line {}: text is not valid Unicode (it holds lone surrogates)", i + 1)));
            (to_json(&item)?, err)
        } else {
            (text_item(to_json(&item)?), None)
        };
        serde_json::to_writer(&mut lines, &line).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        lines.push(b'\n');
        overrides.push(err);
    }
    Ok((lines, overrides))
}

/// A Python value as JSON: `None`, `bool`, `int`, `float` (NaN and infinities become `null`, as
/// pandas writes them), `str`, `list`/`tuple` and `dict` (keys as `str(key)`) map as `json` maps
/// them; integers beyond 64 bits and any other object (dates, decimals) are carried as `str(value)`.
fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Ok(Value::String(obj.str()?.to_cow()?.into_owned()));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_string_lossy().into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => s.to_string_lossy().into_owned(),
                Err(_) => k.str()?.to_string_lossy().into_owned(),
            };
            map.insert(key, to_json(&v)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l.iter().map(|v| to_json(&v)).collect::<PyResult<Vec<_>>>().map(Value::Array);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t.iter().map(|v| to_json(&v)).collect::<PyResult<Vec<_>>>().map(Value::Array);
    }
    // NumPy integers are not `int` but convert through `__index__`.
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::from(i));
    }
    Ok(Value::String(obj.str()?.to_string_lossy().into_owned()))
}

/// Records from Python dicts (gold or predictions), each converted through JSON.
fn to_records(what: &str, items: &Bound<'_, PyList>) -> PyResult<Vec<Record>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if item.cast::<PyDict>().is_err() {
                return Err(PyTypeError::new_err(format!("{what}[{i}]: a record must be a dict, not {}", item.get_type().name()?)));
            }
            serde_json::from_value(to_json(&item)?).map_err(|e| PyValueError::new_err(format!("{what}[{i}]: not a record: {e}")))
        })
        .collect()
}

/// Scores predicted records against gold records (as `triplex eval --gold G --pred P --json`)
/// and returns the report as a JSON text.
#[pyfunction]
fn score_json(py: Python<'_>, gold: &Bound<'_, PyList>, pred: &Bound<'_, PyList>) -> PyResult<String> {
    let gold = to_records("gold", gold)?;
    let pred = to_records("pred", pred)?;
    if gold.is_empty() {
        return Err(PyValueError::new_err("no gold records"));
    }
    py.detach(|| serde_json::to_string(&score_records(&gold, &pred))).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

fn value_error(e: anyhow::Error) -> PyErr {
    PyValueError::new_err(format!("{e:#}"))
}

fn runtime_error(e: anyhow::Error) -> PyErr {
    PyRuntimeError::new_err(format!("{e:#}"))
}

/// The source tree's model directory, compiled in: the last place the package looks for a model.
const SOURCE_MODEL_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/default");

#[pymodule]
#[pyo3(name = "_native")]
fn native_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPipeline>()?;
    m.add_function(wrap_pyfunction!(score_json, m)?)?;
    m.add("SOURCE_MODEL_DIR", SOURCE_MODEL_DIR)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
