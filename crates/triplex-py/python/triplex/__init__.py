"""triplex from Python: entities and actor-action-place triples from news, offline, on CPUs.

>>> import triplex
>>> nlp = triplex.Pipeline()                      # the shipped model
>>> rec = nlp.extract(["Malian forces took control of Anefis on Sunday."])[0]
>>> [(t["actor"]["text"], t["action"]["text"], t["place"]["text"]) for t in rec["triples"]]

Records are plain dicts, exactly the objects of the CLI's JSON Lines output (`triplex extract`):
`json.dumps(record, ensure_ascii=False, separators=(",", ":"))` is the CLI's line, byte for byte.
The work runs in Rust on a rayon thread pool with the GIL released.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Union

from . import _native

__all__ = ["Pipeline", "shared_pipeline", "score", "find_model", "read_jsonl", "__version__"]
__version__: str = _native.__version__

PathLike = Union[str, "os.PathLike[str]"]

#: The environment variable that names a model directory when `model=` is not given.
MODEL_ENV = "TRIPLEX_MODEL"


def find_model(model: Optional[PathLike] = None) -> str:
    """The model directory a `Pipeline` loads.

    In order: `model` when given; the `TRIPLEX_MODEL` environment variable; the model shipped
    inside this package (`triplex/model`, copied into the wheel at build time); the source tree's
    `models/default` the extension was built from. The first that is given (or, for the last
    two, holds a `config.json`) wins; a given directory that is not a model fails when loaded.
    """
    if model is not None:
        return os.fspath(model)
    env = os.environ.get(MODEL_ENV)
    if env:
        return env
    for candidate in (Path(__file__).resolve().parent / "model", Path(_native.SOURCE_MODEL_DIR)):
        if (candidate / "config.json").is_file():
            return str(candidate)
    raise FileNotFoundError(f"no triplex model found: pass model=DIR or set {MODEL_ENV}")


class Pipeline:
    """A loaded model and the pipeline around it (sentences, words, entities, parse, triples).

    Loading takes about a second (the model is memory-mapped, then packed for the CPU's
    kernels); load once and call `extract` many times. One instance may be shared by threads:
    their calls take turns, each using the cores it is given.

    Args:
        model: model directory (see `find_model` for the default).
        weights: `"i8"` (int8 matmuls, the default on CPUs with AVX-512 VNNI) or `"f32"` (output
            identical on every CPU); the values `TRIPLEX_WEIGHTS` takes for the CLI.
        kernels: `"portable"`, `"avx2"` or `"avx512"` to force the f32 kernels' path (default: the
            widest the CPU runs).
        batch_size: sentences per model batch (as `triplex extract --batch-size`).
    """

    def __init__(self, model: Optional[PathLike] = None, *, weights: Optional[str] = None, kernels: Optional[str] = None, batch_size: int = 32) -> None:
        start = time.perf_counter()
        self._native = _native.Pipeline(find_model(model), weights, kernels, batch_size)
        #: Seconds the model took to load.
        self.load_seconds: float = time.perf_counter() - start

    @property
    def model_dir(self) -> str:
        """The directory the model was loaded from."""
        return str(self._native.model_dir)

    @property
    def model_name(self) -> str:
        """The model's name (from its config.json)."""
        return self._native.model_name

    def extract(
        self,
        items: Iterable[Union[str, bytes, Mapping[str, Any], None]],
        threads: Optional[int] = None,
        *,
        emit: str = "records",
        chunk_docs: int = 64,
        max_doc_bytes: int = 5_000_000,
    ) -> list[dict[str, Any]]:
        """Extracts entities and triples; one record per item, in input order.

        Each item is a text (`str`, or UTF-8 `bytes`), whose record gets the id of its position
        (`"0"`, `"1"`, ...), or a dict read as the CLI reads a JSONL line: a string (or number)
        `id`, a string `text`, and any other fields carried into the record as metadata. Values
        JSON cannot hold are carried as `str(value)`; NaN becomes null.

        Bad items never raise and are never dropped: each gets an error record
        (`"status": "error"`, `error.kind` and `error.message`) as the CLI writes them:
        `empty_text`, `missing_text` (no `text`, or not a string: `None` is one), `missing_id`
        (id `items:N`, N the item's position counted from 1, as the CLI numbers lines),
        `duplicate_id` (within this call), `too_large`, `invalid_utf8` (bytes that are not UTF-8,
        text with lone surrogates).

        Args:
            items: texts and/or dicts (any iterable; it is read whole before the work starts).
            threads: worker threads for this call (None: all cores, or `RAYON_NUM_THREADS`).
            emit: `"records"` (the JSONL contract), or one flat row per triple (`"triples"`) or
                per entity (`"entities"`), as `triplex extract --emit triples|entities`.
            chunk_docs: documents processed together (as `--chunk-docs`).
            max_doc_bytes: longest text accepted, in UTF-8 bytes (as `--max-doc-bytes`).

        Returns:
            A list of dicts: records, or flat rows for `emit="triples"`/`"entities"`.
        """
        if not isinstance(items, list):
            items = list(items)
        return json.loads(self._native.extract_json(items, threads, emit, chunk_docs, max_doc_bytes))

    def __call__(self, text: str) -> dict[str, Any]:
        """The record of one text (`extract([text])[0]`)."""
        return self.extract([text])[0]

    def __repr__(self) -> str:
        return f"triplex.Pipeline(model={self.model_dir!r})"


_shared: dict[tuple, Pipeline] = {}
_shared_lock = threading.Lock()


def shared_pipeline(model: Optional[PathLike] = None, **options: Any) -> Pipeline:
    """One `Pipeline` per process for each model and options, loaded on first use and kept.

    For workers that run many small tasks (Spark's Python workers, multiprocessing pools): the
    model loads once per worker process, not once per task. Options are `Pipeline`'s.
    """
    key = (find_model(model), tuple(sorted(options.items())))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Pipeline(key[0], **options)
        return _shared[key]


def read_jsonl(path: PathLike) -> list[dict[str, Any]]:
    """The objects of a JSON Lines file (blank lines skipped), e.g. gold fixtures or CLI output."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(gold: Union[PathLike, Iterable[Mapping[str, Any]]], pred: Union[PathLike, Iterable[Mapping[str, Any]]]) -> dict[str, Any]:
    """Scores predicted records against gold records, matched by id.

    The same figures as `triplex eval --gold GOLD --pred PRED --json`: `docs`, `entities`
    (`strict`, `lenient`, `per_label`, `macro`: precision, recall, f1, tp, fp, fn), `triples`
    (`strict`, `lenient`, `negated_accuracy`, `place_relation_accuracy`, ...) and `warnings`
    (ids missing, unknown or duplicated). Gold items marked `"optional": true` count as the
    spec's Scoring section says.

    Args:
        gold: gold records (dicts with `id`, `entities`, `triples`), or a JSONL file of them.
        pred: predicted records (as `Pipeline.extract` returns them), or a JSONL file.
    """
    as_list = lambda x: read_jsonl(x) if isinstance(x, (str, os.PathLike)) else list(x)  # noqa: E731
    return json.loads(_native.score_json(as_list(gold), as_list(pred)))
