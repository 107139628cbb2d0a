"""The one way tests read test_vectors/: paths relative to that folder, JSON or bytes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "test_vectors"


def path(relpath: str) -> Path:
    """Absolute path of a file or folder under test_vectors/ (which must exist)."""
    p = ROOT / relpath
    if not p.exists():
        raise FileNotFoundError(f"test vector {relpath} is missing")
    return p


def load_json(relpath: str) -> Any:
    """Parse a JSON vector file."""
    return json.loads(path(relpath).read_text(encoding="utf-8"))


def load_bytes(relpath: str) -> bytes:
    return path(relpath).read_bytes()


def json_files(relpath: str) -> list[Path]:
    """Every *.json file below a folder, sorted (names may hold @ [ ], so no shell globs)."""
    return sorted(path(relpath).rglob("*.json"))


def b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def ids(paths: list[Path], base: str) -> list[str]:
    """Readable pytest ids for vector files: their path below ``base``."""
    root = path(base)
    return [str(p.relative_to(root)) for p in paths]
