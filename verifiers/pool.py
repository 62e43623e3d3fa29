"""A process pool whose every call has a hard wall-clock deadline, enforced without signals.

Why not `concurrent.futures.ProcessPoolExecutor` or `multiprocessing.Pool`: neither can kill the one
worker that overran (a sympy `simplify` that never returns) and replace it; a hung task there stalls
the pool for good. Why not `signal.alarm` (what math-verify and most graders use): it works only on
the main thread and cannot interrupt C code.

Design: one supervising thread per worker process. A thread takes a job, sends it down its worker's
pipe and polls for the answer until the deadline; past it, the worker is SIGKILLed (it is our own
child, ended by PID) and a fresh one starts on the next job. Workers run under an address-space cap,
so a memory bomb fails inside the worker (MemoryError) or kills only that worker. Workers are
plain subprocesses (`verifiers/_worker.py`), never forks of a parent that may hold torch threads.
`submit` is thread-safe and returns a `Future`, so callers in threads or asyncio
(`asyncio.wrap_future`) can wait on it.

Covered: deadlines, memory caps, worker replacement, clean shutdown. Not covered: CPU isolation or
sandboxing of untrusted code (that is `sandboxes/`); jobs must be picklable top-level functions.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any


class DeadlineExceeded(Exception):
    """The call ran past its deadline; its worker was killed."""


class WorkerCrashed(Exception):
    """The worker died mid-call (for example killed by the memory cap)."""


_STARTUP_TIMEOUT_S = 120.0  # interpreter + imports; kept out of the per-call deadline


class _Worker:
    def __init__(self, memory_mb: int, preload: tuple[str, ...]):
        parent_sock, child_sock = socket.socketpair()
        # The worker sees the caller's sys.path, so jobs defined in any importable module unpickle.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "verifiers._worker", str(child_sock.fileno()), str(memory_mb), *preload],
            pass_fds=[child_sock.fileno()],
            env=env,
        )
        child_sock.close()
        self.conn = Connection(parent_sock.detach())
        try:
            ready = self.conn.poll(_STARTUP_TIMEOUT_S) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise WorkerCrashed(f"worker did not start (exit code {self.process.returncode})")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.conn.close()


class DeadlinePool:
    def __init__(
        self,
        workers: int = 2,
        deadline_s: float = 5.0,
        memory_mb: int = 2048,
        preload: tuple[str, ...] = (),
    ):
        self.deadline_s = deadline_s
        self._memory_mb = memory_mb
        self._preload = preload  # modules each worker imports before it reports ready
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._size = workers
        self._lock = threading.Lock()
        self._closed = False
        self.restarts = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("DeadlinePool is closed")
            self._start_threads(eager=False)  # workers start on first use: fast-path-only runs spawn none
            self._jobs.put((future, fn, args))
        return future

    def warm_up(self) -> None:
        """Start the workers now, in the background: a caller that knows it will need them (a
        whole file to verify) overlaps their start-up with its own work."""
        with self._lock:
            if not self._closed:
                self._start_threads(eager=True)

    def _start_threads(self, eager: bool) -> None:
        if self._threads:
            return
        for _ in range(self._size):
            thread = threading.Thread(target=self._supervise, args=(eager,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _supervise(self, eager: bool = False) -> None:
        worker: _Worker | None = self._start_worker() if eager else None
        while True:
            job = self._jobs.get()
            if job is None:
                break
            future, fn, args = job
            if not future.set_running_or_notify_cancel():
                continue
            worker = worker or self._start_worker()
            if worker is None:
                future.set_exception(WorkerCrashed("worker did not start"))
                continue
            # A killed worker is replaced at once, so the next job does not wait for its start-up.
            worker = self._run_one(worker, future, fn, args) or self._start_worker()
        if worker is not None:
            worker.kill()

    def _start_worker(self) -> _Worker | None:
        try:
            return _Worker(self._memory_mb, self._preload)
        except (WorkerCrashed, OSError):
            return None

    def _run_one(self, worker: _Worker, future: Future, fn, args) -> _Worker | None:
        """Runs one job; returns the worker if it is still usable, else None (it was killed)."""
        try:
            worker.conn.send((fn, args))
            if not worker.conn.poll(self.deadline_s):
                worker.kill()
                self.restarts += 1
                future.set_exception(DeadlineExceeded(f"no answer within {self.deadline_s:g}s"))
                return None
            ok, value = worker.conn.recv()
        except (EOFError, OSError) as exc:
            worker.kill()
            self.restarts += 1
            future.set_exception(WorkerCrashed(f"worker died: {exc or type(exc).__name__}"))
            return None
        if ok:
            future.set_result(value)
        else:
            future.set_exception(RuntimeError(value))
        return worker

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for _ in self._threads:
                self._jobs.put(None)
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> DeadlinePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
