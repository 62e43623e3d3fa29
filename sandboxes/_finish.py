"""How every backend ends a run: cap the output and classify the finish, in one place.

Standard library only and free of package imports: the process backend's worker (`_jail.py`, a
script run under the system interpreter) imports it as `_finish`, the other backends as
`sandboxes._finish`. The docker and http backends cannot stop a run at the cap (the engine or the
service collects the output), so for them an output over the cap is classified here.
"""

from __future__ import annotations

MEMORY_HINT_BYTES = 4096  # where a MemoryError traceback would be: the end of stderr


def finish(
    exit_code: int | None,
    stdout: bytes,
    stderr: bytes,
    output_bytes: int,
    stopped: str | None = None,
    reason: str = "",
    out_of_memory: bool | None = None,
) -> dict:
    """The `Result` fields (less duration and layers) of a finished run.

    `exit_code`: as `os.waitstatus_to_exitcode` gives it (negative: killed by that signal), or None
    when unknown. `stopped`: "timeout" or "output_limit" when the supervisor stopped the run.
    `out_of_memory`: the engine's own word (docker's OOMKilled), or None to look for a MemoryError
    at the end of stderr.
    """
    status = stopped
    if status is None and len(stdout) + len(stderr) > output_bytes:
        status, reason = "output_limit", reason or f"more than {output_bytes} bytes of output"
    if status is None:
        if out_of_memory is None:
            out_of_memory = b"MemoryError" in stderr[-MEMORY_HINT_BYTES:]
        status = "ok" if exit_code == 0 else "memory" if out_of_memory else "error"
    killed = exit_code is not None and exit_code < 0
    return {
        "status": status,
        "exit_code": exit_code if exit_code is not None and not killed and status != "timeout" else None,
        "signal": -exit_code if killed else None,
        "stdout": stdout[:output_bytes].decode("utf-8", "replace"),
        "stderr": stderr[: max(output_bytes - len(stdout), 0)].decode("utf-8", "replace"),
        "reason": reason,
    }
