"""Classifying many files on a Dask cluster: one output part per input partition.

Every input file is a partition (a directory counts file by file, so a folder of
part files from Spark, Hive or ``split`` maps one to one). Workers read their file,
run the same reader and model code as ``smclass classify`` and write
``part-NNNNN.jsonl`` into the output directory, which must be reachable from every
worker (a shared or network file system on a real cluster).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from smclass.errors import InputError, UsageError
from smclass.model import files as model_lib
from smclass.reading.records import Record
from smclass.run import output, paths
from smclass.run import stream as classify_lib

_models: dict[str, model_lib.Model] = {}


@dataclass
class PartResult:
    """What one partition produced, sent back to the client."""

    source: str
    part: str
    records: int
    notes: list[str] = field(default_factory=list)
    # Raw bytes of each skipped record, as a rejects file keeps them (a CSV row under its header).
    rejects: list[bytes] = field(default_factory=list)


def partitions(inputs: list[str]) -> list[str]:
    """The input files in order; a directory stands for its files."""
    out: list[str] = []
    for name in inputs:
        if name == "-":
            raise UsageError("--engine dask reads files, not stdin")
        path = Path(name)
        if path.is_dir():
            out.extend(str(p) for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            out.append(name)
        else:
            raise InputError("no such file", source=name)
    return out


def _model(data: bytes, name: str) -> model_lib.Model:
    key = hashlib.sha256(data).hexdigest()
    if key not in _models:
        _models[key] = model_lib.loads(data, Path(name))
    return _models[key]


def classify_partition(
    model_bytes: bytes, model_name: str, source: str, target: str, options: classify_lib.Options, multi: bool
) -> PartResult:
    """Run on a worker: classify one file into one part file, written atomically."""
    model = _model(model_bytes, model_name)
    result = PartResult(source, target, 0)
    header: list[bytes | None] = [None]

    def reject(record: Record, error: InputError) -> None:
        raw = record.raw_bytes()
        if raw is None:
            return
        if record.header is not None and record.header is not header[0]:
            result.rejects.append(record.header.rstrip(b"\r\n"))
            header[0] = record.header
        result.rejects.append(raw)

    batches = classify_lib.classify_paths_in_batches(model, [source], options, notify=result.notes.append, reject=reject, multi=multi)
    with paths.results_file(target) as handle:
        for batch in batches:
            handle.write(b"".join(output.jsonl_line(record) for record in batch))
            result.records += len(batch)
    return result


def run(
    model: model_lib.Model,
    inputs: list[str],
    options: classify_lib.Options,
    out_dir: Path,
    scheduler: str | None = None,
    workers: int = 2,
) -> list[PartResult]:
    """Classify every partition on the cluster and return their summaries in input order."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--engine dask needs Dask: pip install 'smclass[dask]'") from None
    if model.path is None:
        raise UsageError("--engine dask needs a model loaded from a file")
    files = partitions(inputs)
    if not files:
        return []
    targets = [str(out_dir / f"part-{i:05d}.jsonl") for i in range(len(files))]
    paths.check_outputs(inputs, [("--output", target) for target in targets])
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise paths.cannot_write(str(out_dir), exc) from None
    model_bytes = model.path.read_bytes()
    # Workers see the batches whole; a local --jobs would only add processes inside a worker.
    options = replace(options, jobs=1)
    multi = classify_lib.several_sources(inputs)  # the same rule as one process, so the parts match its output
    cluster: Any = None
    client: Any
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        shared = client.scatter(model_bytes, broadcast=True)
        futures = [
            client.submit(classify_partition, shared, str(model.path), source, target, options, multi, pure=False)
            for source, target in zip(files, targets, strict=True)
        ]
        results: list[PartResult] = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results
