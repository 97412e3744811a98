"""Shared fixtures: the repository, the CLI binary the package is compared with, one loaded pipeline."""

import os
import subprocess
from pathlib import Path

import pytest

import triplex

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "corpus"
FIXTURES = ROOT / "tests" / "fixtures"


def cli_binary() -> Path:
    """The `triplex` binary: $TRIPLEX_BIN, else the release build under the cargo target dir."""
    if os.environ.get("TRIPLEX_BIN"):
        return Path(os.environ["TRIPLEX_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "triplex"


@pytest.fixture(scope="session")
def cli() -> Path:
    path = cli_binary()
    if not path.is_file():
        # Build it rather than skip: these tests exist to compare the package with the CLI.
        subprocess.run(["cargo", "build", "--release", "--bin", "triplex"], cwd=ROOT, check=True)
    assert path.is_file(), f"no triplex binary at {path} (set TRIPLEX_BIN)"
    return path


@pytest.fixture(scope="session")
def nlp() -> triplex.Pipeline:
    return triplex.Pipeline()


def corpus_items() -> list[dict]:
    """corpus/ as dict items, with the ids and in the order `triplex extract corpus/` gives them."""
    return [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(CORPUS.glob("*.txt"))]
