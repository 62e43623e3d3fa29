"""The one helper every sandbox backend ends a run with (`sandboxes/_finish.py`): how a finished
run is classified and capped. The backends' own tests run it through real programs."""

from __future__ import annotations

import pytest

from sandboxes._finish import finish

CAP = 16


@pytest.mark.parametrize(
    "exit_code,stderr,stopped,out_of_memory,expected",
    [
        (0, b"", None, None, ("ok", 0, None)),
        (1, b"Traceback...\nValueError: x\n", None, None, ("error", 1, None)),
        (1, b"Traceback...\nMemoryError\n", None, None, ("memory", 1, None)),
        (137, b"", None, True, ("memory", 137, None)),  # the engine said OOM (docker)
        (1, b"MemoryError\n", None, False, ("error", 1, None)),  # the engine said it was not
        (-9, b"", "timeout", None, ("timeout", None, 9)),
        (-9, b"", "output_limit", None, ("output_limit", None, 9)),
        (-11, b"", None, None, ("error", None, 11)),
        (None, b"", "timeout", None, ("timeout", None, None)),
    ],
)
def test_a_finished_run_is_classified(exit_code, stderr, stopped, out_of_memory, expected):
    result = finish(exit_code, b"", stderr, 1 << 20, stopped, out_of_memory=out_of_memory)
    assert (result["status"], result["exit_code"], result["signal"]) == expected


def test_output_over_the_cap_is_output_limit_even_when_the_engine_collected_it_all():
    result = finish(0, b"x" * 10, b"y" * 10, CAP)
    assert result["status"] == "output_limit" and len(result["stdout"]) + len(result["stderr"]) == CAP


def test_the_stop_reason_is_kept():
    assert finish(None, b"", b"", CAP, "timeout", "ran past 1 s")["reason"] == "ran past 1 s"
