"""The small trained models' JSON weight files (qa/data/*.json), read with a one-line error that says how to fix
them: a missing or damaged file, or one trained for other inputs than the code reads."""
from __future__ import annotations

import json
from pathlib import Path

from .errors import QAError


def load_model(path: Path, what: str, tool: str, key: str, expected: tuple) -> dict:
    """The file's fields; `key` must list exactly `expected` (the inputs or classes the code was written for)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QAError(f"cannot read the {what} {path} ({exc.__class__.__name__}): reinstall, or run "
                      f"tools/{tool}") from None
    if tuple(data.get(key, ())) != expected:
        raise QAError(f"{path} was trained for other {key}: run tools/{tool}")
    return data
