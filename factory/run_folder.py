"""The run folder: where every file of a run lives, the append-only attempt log, and the markers
that say what is finished. Nothing else spells a path inside a run folder.

Layout (the same as in 0.1.0, so folders written then resume now):

    <run>/round-<r>/<stage>/attempts.jsonl  every attempt of a stage (sample | rationalize | heldout)
    <run>/round-<r>/<stage>/train.jsonl     the stage's correct attempts as chat rows
    <run>/round-<r>/<stage>/summary.json    the stage's figures
    <run>/round-<r>/train.jsonl             the selection after round r
    <run>/round-<r>/preferences.jsonl       (prompt, chosen, rejected) pairs of round r's sampling
    <run>/round-<r>/dropped.jsonl           rows the quality steps dropped, each with step and reason
    <run>/round-<r>/model/                  the model trained after round r, with its training.json
                                            (trained in a .training-* scratch folder, renamed into place)
    <run>/round-<r>/round.json              the round's figures; it marks the round finished
    <run>/round-<r>/heldout-greedy/         the round's model on the held-out task, greedy (a stage)
    <run>/final-heldout/...                 the last trained model on the held-out task (a stage)
    <run>/final-heldout-greedy/...          the same, greedy
    <run>/summary.json, train.jsonl, history.jsonl, heldout_pass_at_1.png, monitor.png   the run's results

Resume rests on two facts: every attempt has an ID derived from what produced it (problem, prompt
template, model, sampling settings, sample index), and each record is one line, appended and
flushed as soon as it is verified. A process killed with SIGKILL loses at most the attempts it had
in flight and, at worst, leaves one torn last line, which the next open cuts off. A machine crash
(power, kernel) loses at most the attempts since the last batch: the log is fsync'ed after each
batch and on close, and every derived file (rows, summaries, markers) is written to a temporary
file, fsync'ed and renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from factory.rows import read_jsonl, write_json_atomic


@dataclass(frozen=True)
class StageFolder:
    """One pass of sample-verify-keep: its log, its rows, its figures."""

    path: Path

    @property
    def attempts(self) -> Path:
        return self.path / "attempts.jsonl"

    @property
    def train(self) -> Path:
        return self.path / "train.jsonl"

    @property
    def summary(self) -> Path:
        return self.path / "summary.json"


@dataclass(frozen=True)
class RoundFolder:
    path: Path

    def stage(self, name: str) -> StageFolder:
        return StageFolder(self.path / name)

    @property
    def selection(self) -> Path:
        return self.path / "train.jsonl"

    @property
    def model(self) -> Path:
        return self.path / "model"

    @property
    def preferences(self) -> Path:
        return self.path / "preferences.jsonl"

    @property
    def dropped(self) -> Path:
        return self.path / "dropped.jsonl"

    def trained(self) -> dict | None:
        """The training result of a model folder that is in place (renamed there whole, with its
        `training.json`), else None. Scratch folders of a killed training are removed here."""
        for scratch in self.path.glob(".training-*"):
            shutil.rmtree(scratch, ignore_errors=True)
        result = self.model / "training.json"
        if result.exists():
            return json.loads(result.read_text())
        if self.model.exists():  # a model folder without its result: not ours to trust
            shutil.rmtree(self.model)
        return None

    def place_model(self, train: Callable[[Path], dict]) -> dict:
        """Runs `train(scratch)` in a fresh scratch folder, writes its result beside the weights
        and renames the folder into place: a kill at any moment leaves the old state or the
        whole model, never a part (and `trained()` cleans up the rest)."""
        self.path.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".training-", dir=self.path))
        result = train(scratch)
        write_json_atomic(scratch / "training.json", result)
        os.replace(scratch, self.model)
        return result

    def finished(self) -> dict | None:
        """The round's figures if it finished, else None (an unfinished round is resumed)."""
        marker = self.path / "round.json"
        return json.loads(marker.read_text()) if marker.exists() else None

    def finish(self, summary: dict) -> None:
        write_json_atomic(self.path / "round.json", summary)


@dataclass(frozen=True)
class RunFolder:
    root: Path

    def round(self, index: int) -> RoundFolder:
        return RoundFolder(self.root / f"round-{index}")

    def previous_selection(self, index: int) -> list[dict]:
        """The rows selected after round `index - 1` (none before round 0)."""
        return read_jsonl(self.round(index - 1).selection) if index > 0 else []

    @property
    def final_heldout(self) -> StageFolder:
        return StageFolder(self.root / "final-heldout")

    def heldout_stage(self, index: int | None, name: str = "heldout") -> Path:
        """Round `index`'s held-out stage (`heldout` sampled, `heldout_greedy`), or the final
        model's for None (`final-heldout`, `final-heldout-greedy`)."""
        suffix = "-greedy" if name == "heldout_greedy" else ""
        if index is None:
            return self.root / f"final-heldout{suffix}"
        return self.round(index).path / f"heldout{suffix}"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def train(self) -> Path:
        return self.root / "train.jsonl"

    @property
    def history(self) -> Path:
        return self.root / "history.jsonl"

    @property
    def heldout_plot(self) -> Path:
        return self.root / "heldout_pass_at_1.png"

    @property
    def monitor_plot(self) -> Path:
        return self.root / "monitor.png"


class AttemptLogError(ValueError):
    pass


class AttemptLog:
    """A stage's `attempts.jsonl`: records by attempt ID, appended and flushed one by one."""

    def __init__(self, path: Path):
        self.path = path
        self.records: dict[str, dict] = {}
        if path.exists():
            self._load()
        self._file = open(path, "a", encoding="utf-8")

    def _load(self) -> None:
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):  # a torn line from a killed writer: drop it
            with open(self.path, "r+b") as torn:
                torn.truncate(len(complete))
        # split("\n"), never splitlines(): a response may hold U+2028, U+2029 or U+0085, which
        # the log writes as they are (ensure_ascii=False) and splitlines() would cut at.
        for number, line in enumerate(complete.decode("utf-8").split("\n")[:-1], start=1):
            try:
                record = json.loads(line)
                self.records[record["id"]] = record
            except (json.JSONDecodeError, KeyError, TypeError):
                raise AttemptLogError(f"{self.path}:line {number}: not an attempt record") from None

    def append(self, record: dict) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()  # a killed process loses nothing appended
        self.records[record["id"]] = record

    def sync(self) -> None:
        """fsync: what is appended survives a machine crash, not only a killed process."""
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self.sync()
        self._file.close()
