"""The default sandbox: a warm pool of pre-forked workers, one job per forked child.

Each slot is one worker process (`_jail.py`) started once with an interpreter that the slot's
unprivileged uid can read (the project's venv interpreter may live under /root, which other uids
cannot enter: then the system `python3` is used, and a job imports that interpreter's standard
library and packages, not the project's venv). The worker forks a confined child per job; see
`_jail.py` for the layers and the supervision. Per-job cost is a fork, not an interpreter start:
each worker imports the common standard-library modules (`PRELOAD`) once and compiles each
distinct program once.

Slots claim their uids with an exclusive lock file (`/run/lock/starfactory-sandbox-uids/<uid>.lock`,
machine-wide whatever TMPDIR says) held for the pool's life, so two pools side by side, in one
process or two, never share a uid and never sweep each other's jobs. A pool holds a lock in its
own temporary folder too; the next pool removes folders whose lock is free (a SIGKILLed run's).

Covered: wall-clock and CPU limits, address-space cap, process count, file size and count, a
per-job disk quota (as root: each slot's folder is a tmpfs of `limits.disk_mb` and `limits.files`,
mounted in the worker's own mount namespace), output cap, no network, no SysV IPC or POSIX
message queues, no signals or ptrace outside the job, no reads outside the interpreter, the
system libraries and the job folder, no daemon outliving its job. Not covered: `stat` of host
paths outside the job folder (Landlock governs opening, not looking up: a job can learn that a
path exists and its size and times, not read it), CPU or disk bandwidth fairness between jobs,
side channels, kernel exploits (use `bwrap`/`docker` layers on top, or a VM, for adversarial
code).
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from sandboxes import Limits, Result, SandboxUnavailable

_JAIL = Path(__file__).with_name("_jail.py")
# Machine-wide, whatever TMPDIR says: pools started with different TMPDIRs (a batch scheduler sets
# one per job) must still see each other's claims.
_UID_LOCKS = Path("/run/lock" if os.path.isdir("/run/lock") else "/tmp") / "starfactory-sandbox-uids"
_ROOT_PREFIX = "starfactory-sandbox-"
_ROOT_LOCK = ".owner.lock"  # held by the pool for its life: a root whose lock is free was abandoned
_STARTUP_TIMEOUT_S = 30.0
_GRACE_S = 5.0  # beyond the job's own timeout, before the pool gives up on a silent worker
# Imported once in each worker before it forks jobs: `typing` alone would cost each job ~7 ms.
# Kept to what test programs use most, because every module here also makes each fork dearer.
PRELOAD = (
    "typing", "collections", "itertools", "functools", "heapq", "bisect", "string", "hashlib", "math",
    "random", "re", "json", "importlib",
)  # fmt: skip


def readable_python(candidates: tuple[str, ...] = ()) -> str:
    """An interpreter whose files every uid can read: the current one if so, else a system one."""
    for candidate in (*candidates, sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        real = os.path.realpath(candidate)
        if os.path.isfile(real) and _world_readable(Path(real)):
            return real
    raise SandboxUnavailable(
        f"no interpreter that an unprivileged uid can read (tried {sys.executable}, /usr/bin/python3); "
        "pass python=PATH"
    )


def _world_readable(path: Path) -> bool:
    for folder in path.parents:
        if not os.stat(folder).st_mode & 0o001:  # others may not enter
            return False
    return bool(os.stat(path).st_mode & 0o005 == 0o005)


class _Slot:
    def __init__(self, python: str, uid: int, lock, base: Path, preload: tuple[str, ...], quota: str):
        self.uid, self.lock, self.base = uid, lock, base
        base.mkdir(mode=0o711)
        self.process = subprocess.Popen(
            [python, "-E", "-s", str(_JAIL), str(uid), str(base), quota, *preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        hello = self.receive(_STARTUP_TIMEOUT_S)
        if not hello or not hello.get("ready"):
            self.close()
            raise SandboxUnavailable(f"sandbox worker did not start with {python}")
        self.layers: dict[str, str] = hello["layers"]

    def send(self, message: dict) -> None:
        data = json.dumps(message).encode()
        self.process.stdin.write(struct.pack("!I", len(data)) + data)
        self.process.stdin.flush()

    def receive(self, timeout_s: float) -> dict | None:
        stdout = self.process.stdout
        ready = _wait_readable(stdout.fileno(), timeout_s)
        header = stdout.read(4) if ready else b""
        if len(header) < 4:
            return None
        return json.loads(stdout.read(struct.unpack("!I", header)[0]))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()
        shutil.rmtree(self.base, ignore_errors=True)


def _wait_readable(fd: int, timeout_s: float) -> bool:
    import select

    readable, _, _ = select.select([fd], [], [], timeout_s)
    return bool(readable)


class ProcessSandbox:
    name = "process"

    def __init__(
        self,
        workers: int = 2,
        limits: Limits | None = None,
        python: str | None = None,
        uid_base: int = 61000,
        uid_count: int = 1000,
        preload: tuple[str, ...] = PRELOAD,
    ):
        self.limits = limits or Limits()
        self._python = readable_python((python,) if python else ())
        _sweep_abandoned_roots()
        self._root = Path(tempfile.mkdtemp(prefix=_ROOT_PREFIX))
        os.chmod(self._root, 0o711)  # slot uids must reach their job folders
        self._owner = open(self._root / _ROOT_LOCK, "w")
        fcntl.flock(self._owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._idle: queue.Queue[_Slot] = queue.Queue()
        self._all: list[_Slot] = []
        self._lock = threading.Lock()
        self._uids = (uid_base, uid_count)
        self._preload = tuple(preload)
        self._started = 0
        try:
            for _ in range(workers):
                self._idle.put(self._start_slot())
        except BaseException:
            self.close()
            raise
        self.missing = {k: v for k, v in self._all[0].layers.items() if not v.startswith("on")}
        self.layers = tuple(k for k, v in self._all[0].layers.items() if v.startswith("on"))

    def run(self, program: str, limits: Limits | None = None, stdin: str = "") -> Result:
        limits = limits or self.limits
        slot = self._idle.get()
        started = time.monotonic()
        try:
            slot.send({"program": program, "stdin": stdin, "limits": asdict(limits)})
            reply = slot.receive(limits.timeout_s + _GRACE_S)
        except (BrokenPipeError, OSError, ValueError) as exc:
            reply, why = None, f"{type(exc).__name__}: {exc}"
        else:
            why = "the sandbox worker stopped answering"
        if reply is None:
            try:
                slot = self._replace(slot)
            except Exception as exc:  # the dead slot goes back: the next run tries the restart again
                why = f"{why}; restarting the worker failed: {exc}"
            self._idle.put(slot)
            return Result("sandbox_error", duration_s=time.monotonic() - started, reason=why)
        self._idle.put(slot)
        return Result(
            status=reply["status"],
            exit_code=reply.get("exit_code"),
            stdout=reply.get("stdout", ""),
            stderr=reply.get("stderr", ""),
            duration_s=reply.get("duration_s", time.monotonic() - started),
            layers=tuple(reply.get("layers", ())),
            reason=reply.get("reason", ""),
            signal=reply.get("signal"),
        )

    def close(self) -> None:
        with self._lock:
            slots, self._all = self._all, []
        for slot in slots:
            slot.close()
            _release_uid(slot.lock)
        shutil.rmtree(self._root, ignore_errors=True)
        self._owner.close()

    def __enter__(self) -> ProcessSandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start_slot(self) -> _Slot:
        uid, lock = _claim_uid(*self._uids) if os.geteuid() == 0 else (-1, None)
        try:
            self._started += 1
            quota = f"{self.limits.disk_mb}:{self.limits.files}"
            slot = _Slot(self._python, uid, lock, self._root / f"slot-{self._started}", self._preload, quota)
        except BaseException:
            _release_uid(lock)
            raise
        with self._lock:
            self._all.append(slot)
        return slot

    def _replace(self, slot: _Slot) -> _Slot:
        """A worker that failed is killed (its uid swept by the next worker) and started afresh."""
        with self._lock:
            if slot in self._all:
                self._all.remove(slot)
        slot.close()
        _release_uid(slot.lock)
        return self._start_slot()


def _sweep_abandoned_roots() -> None:
    """Remove the job folders of pools that died without closing (a SIGKILLed run): their owner
    lock is free. A live pool's root keeps its lock held, and is left alone."""
    for root in Path(tempfile.gettempdir()).glob(_ROOT_PREFIX + "*"):
        try:
            if time.time() - root.stat().st_mtime < 60:
                continue  # a pool that is starting now has not taken its lock yet
            with open(root / _ROOT_LOCK, "a") as owner:
                fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(root, ignore_errors=True)
        except (BlockingIOError, FileNotFoundError, NotADirectoryError, PermissionError):
            continue


def _claim_uid(base: int, count: int):
    _UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    for uid in range(base, base + count):
        handle = open(_UID_LOCKS / f"{uid}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return uid, handle
    raise SandboxUnavailable(f"all sandbox uids {base}..{base + count - 1} are in use")


def _release_uid(lock) -> None:
    if lock is not None:
        lock.close()
