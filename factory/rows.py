"""The bottom layer: rows in, files out. It imports nothing else of this project.

Reading: `read_rows(source)` yields `(where, row)` pairs from a jsonl (or `.jsonl.gz`), json (a
list of objects) or parquet file, or a `datasets` source `hf:NAME[:CONFIG]`; `where` is
`file:line N` or `file:row N`, and every error names it (`RowError`). Writing: whole files are
written under a temporary name and renamed into place, so a reader never sees half a file.

The verifier command lines import this module and nothing else of the factory; `factory/__init__`
is two lines, so importing it costs nothing.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path


class RowError(ValueError):
    """A row that cannot be used; the message names the file, the line (or row) and the field."""


def read_rows(source: str, split: str = "train") -> Iterator[tuple[str, dict]]:
    """(where, row) pairs; `where` is `file:line N` or `file:row N` for error messages."""
    if source.startswith("hf:"):
        yield from _hub_rows(source, split)
        return
    path = Path(source).expanduser()
    if not path.is_file():
        raise RowError(f"{source}: no such problem file")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for index, row in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield f"{path}:row {index}", row
    elif path.suffix == ".json":
        rows = json.loads(path.read_text())
        if not isinstance(rows, list):
            raise RowError(f"{path}: expected a JSON list of row objects, got {type(rows).__name__}")
        for index, row in enumerate(rows, start=1):
            yield f"{path}:row {index}", _as_object(row, f"{path}:row {index}")
    else:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                where = f"{path}:line {number}"
                try:
                    yield where, _as_object(json.loads(line), where)
                except json.JSONDecodeError as exc:
                    raise RowError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None


def _hub_rows(source: str, split: str) -> Iterator[tuple[str, dict]]:
    import datasets

    name, _, config = source[len("hf:") :].partition(":")
    for index, row in enumerate(datasets.load_dataset(name, config or None, split=split), start=1):
        yield f"{source}[{split}]:row {index}", row


def _as_object(row: object, where: str) -> dict:
    if not isinstance(row, dict):
        raise RowError(f"{where}: expected a JSON object, got {type(row).__name__}")
    return row


def text_field(row: dict, name: str, where: str) -> str:
    """A non-empty text (or number) field of a row, as text."""
    if name not in row:
        raise RowError(f"{where}: missing field {name!r} (fields present: {sorted(row)})")
    value = row[name]
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise RowError(f"{where}: field {name!r} is empty")
    return str(value)


def count_rows(path: Path) -> int | None:
    """Rows in a jsonl file (for a progress bar's total); None for other formats."""
    if path.suffix != ".jsonl":
        return None
    with open(path, encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip())


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSON-lines file this project wrote; an absent file has none. Lines end at "\n"
    only: a text may hold U+2028 and the like, written as they are."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def write_jsonl_atomic(path: Path, rows: Iterable[dict]) -> int:
    count = 0
    with _atomic(path) as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_json_atomic(path: Path, value: dict) -> None:
    with _atomic(path) as out:
        out.write(json.dumps(value, indent=2) + "\n")


@contextlib.contextmanager
def _atomic(path: Path):
    """A temporary file beside `path`, fsync'ed and renamed over it: a crash leaves the old file
    or the new one, never a part."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        yield out
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself
    finally:
        os.close(folder)
