"""Sandboxes: run one untrusted Python program under limits and say what happened.

Owns: isolation, limits, and the classification of how a run ended (`_finish.py`, shared by every
backend). Does not own: what the program is or what its output means (the code verifier builds
the programs and judges their records). It imports nothing of
`factory` or `verifiers`.

One interface for every backend: `run(program, limits) -> Result`, plus `close()` and the tuple of
isolation `layers` the backend really applies on this machine (a missing kernel feature drops its
layer and the result says so, rather than failing or pretending).

Backends (each imports its heavy dependency inside itself; pick one with Hydra's `sandbox=` group):
- `process.ProcessSandbox` (default; nothing but the standard library): pre-forked workers, each job
  in a forked child with rlimits, a per-slot unprivileged uid, seccomp, Landlock, a scrubbed
  environment and an output cap.
- `bwrap.BwrapSandbox`: bubblewrap namespaces (net, pid, mount), where `bwrap` is installed.
- `docker.DockerSandbox`: a container with no network, a read-only root and memory/pid limits.
- `http.HttpSandbox`: a client for a SandboxFusion-compatible `/run_code` service.

Statuses: `ok` (exit 0), `error` (non-zero exit or a signal), `timeout`, `memory` (the program died
of its memory limit), `output_limit` (more than `limits.output_bytes` on stdout+stderr: it was
killed there), `sandbox_error` (the sandbox itself failed: never the program's fault).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, Protocol

Status = Literal["ok", "error", "timeout", "memory", "output_limit", "sandbox_error"]


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 10.0  # wall clock
    memory_mb: int = 1024  # address space (process), memory cgroup (docker)
    output_bytes: int = 1 << 20  # stdout + stderr together
    processes: int = 32  # processes and threads of the job's uid at once
    file_size_mb: int = 16  # the largest file the program may write
    open_files: int = 64
    # The job folder's quota (process sandbox, as root: a size-limited tmpfs per slot, set when the
    # pool starts, so the pool's limits count here, not a single run's).
    disk_mb: int = 256
    files: int = 4096


@dataclass(frozen=True)
class Result:
    status: Status
    exit_code: int | None = None  # None when killed by a signal or never started
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    layers: tuple[str, ...] = ()  # the isolation layers this run really had
    reason: str = ""  # for sandbox_error / timeout / output_limit: what happened, in words
    signal: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class Sandbox(Protocol):
    name: str
    layers: tuple[str, ...]

    def run(self, program: str, limits: Limits | None = None, stdin: str = "") -> Result: ...

    def close(self) -> None: ...


class SandboxUnavailable(RuntimeError):
    """The backend cannot run on this machine (no engine, no binary); the message says why."""
