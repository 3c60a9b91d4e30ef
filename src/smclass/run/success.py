"""What a Dask run's ``_SUCCESS`` says: every part, its records and rejects, and the model that made them."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from smclass.run import output

if TYPE_CHECKING:
    from smclass.run.dask_engine import PartResult


def manifest(results: list[PartResult], targets: list[str], model_bytes: bytes, model_name: str) -> dict[str, Any]:
    """What ``_SUCCESS`` says: every part, its records and rejects, and the model that made them."""
    parts = []
    for result, target in zip(results, targets, strict=True):
        entry: dict[str, Any] = {"part": target.rsplit("/", 1)[-1], "source": output.displayable(result.source), "records": result.records}
        if result.span is not None:
            entry["bytes"] = list(result.span)
        entry["rejects"] = result.rejects
        if result.rejects_file is not None:
            entry["rejects_file"] = result.rejects_file.rsplit("/", 1)[-1]
        parts.append(entry)
    return {
        "parts": parts,
        "records": sum(r.records for r in results),
        "rejects": sum(r.rejects for r in results),
        "model": {"file": model_name, "sha256": hashlib.sha256(model_bytes).hexdigest()},
    }
