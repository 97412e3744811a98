"""Type stubs of the compiled extension `triplex._native` (use the `triplex` package instead)."""

from os import PathLike
from pathlib import Path
from typing import Any, Optional, Union

__version__: str
#: The source tree's `models/default`, compiled in (the last place `find_model` looks).
SOURCE_MODEL_DIR: str

class Pipeline:
    """A loaded model; `triplex.Pipeline` wraps it."""

    model_dir: Path
    model_name: str

    def __init__(self, model_dir: Union[str, PathLike[str]], weights: Optional[str] = None, kernels: Optional[str] = None, batch_size: int = 32) -> None: ...
    def extract_json(self, items: list[Any], threads: Optional[int] = None, emit: str = "records", chunk_docs: int = 64, max_doc_bytes: int = 5_000_000) -> str:
        """One JSON array of records (or flat rows), each as the CLI writes its JSONL line."""
        ...

def score_json(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> str:
    """The evaluation report of `triplex eval --json`, as a JSON text."""
    ...
