"""bubblewrap backend: each job in fresh user, pid, net, ipc, uts and mount namespaces.

Where `bwrap` is installed. bwrap is started with an empty environment (its PID-1 helper inside the
namespace keeps bwrap's own environment, so a scrubbed `--clearenv` inside is not enough) and as
an unprivileged uid when we are root; rlimits come from `prlimit` around it. The job sees a
read-only /usr and /lib*, its own /proc and /dev, and a writable job folder; no network at all.
One interpreter start per job (no warm pool): slower than `process`, more kernel isolation.

Covered: as `process`, plus pid/mount/net namespaces. Not covered: seccomp (bwrap can take a
filter; the namespaces already remove the network and other processes), cgroup memory.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

from sandboxes import Limits, Result, SandboxUnavailable
from sandboxes._finish import finish
from sandboxes.process import readable_python

_NOBODY = 65534


class BwrapSandbox:
    name = "bwrap"
    layers = ("user_ns", "pid_ns", "net_ns", "mount_ns", "rlimits", "uid", "clean_env", "output_cap")

    def __init__(self, limits: Limits | None = None, python: str | None = None, binary: str = "bwrap"):
        self.limits = limits or Limits()
        self._bwrap = shutil.which(binary)
        if not self._bwrap:
            raise SandboxUnavailable(f"bubblewrap is not installed ({binary!r} is not on PATH)")
        self._python = readable_python((python,) if python else ())
        if os.geteuid() != 0:
            self.layers = tuple(layer for layer in self.layers if layer != "uid")

    def run(self, program: str, limits: Limits | None = None, stdin: str = "") -> Result:
        limits = limits or self.limits
        with tempfile.TemporaryDirectory(prefix="starfactory-bwrap-") as folder:
            with open(os.path.join(folder, "main.py"), "w", encoding="utf-8") as source:
                source.write(program)
            if os.geteuid() == 0:
                os.chown(folder, _NOBODY, _NOBODY)
            return run_capped(self._command(folder, limits), limits, stdin, self.layers)

    def close(self) -> None:
        pass

    def _command(self, folder: str, limits: Limits) -> list[str]:
        rlimits = [
            f"--as={limits.memory_mb << 20}",
            f"--nproc={limits.processes}",
            f"--fsize={limits.file_size_mb << 20}",
            f"--nofile={limits.open_files}",
            "--core=0",
        ]
        mounts = []
        for path in ("/usr", "/lib", "/lib64", "/bin"):
            if os.path.exists(path):
                mounts += ["--ro-bind", path, path]
        python_prefix = os.path.dirname(os.path.dirname(self._python))
        if not python_prefix.startswith("/usr"):
            mounts += ["--ro-bind", python_prefix, python_prefix]
        return [
            "prlimit", *rlimits, "--",
            self._bwrap, "--unshare-all", "--die-with-parent", "--new-session", *mounts,
            "--proc", "/proc", "--dev", "/dev", "--bind", folder, "/job", "--chdir", "/job",
            "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/job",
            self._python, "-E", "-s", "main.py",
        ]  # fmt: skip


def run_capped(command: list[str], limits: Limits, stdin: str, layers: tuple[str, ...]) -> Result:
    """Run a command in its own process group with a wall clock and an output cap (killed there)."""
    started = time.monotonic()
    user = {"user": _NOBODY, "group": _NOBODY, "extra_groups": []} if os.geteuid() == 0 else {}
    with tempfile.TemporaryFile() as stdin_file:
        stdin_file.write(stdin.encode())
        stdin_file.seek(0)
        process = subprocess.Popen(
            command, stdin=stdin_file, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={},
            process_group=0, **user,
        )  # fmt: skip
    streams = {process.stdout.fileno(): bytearray(), process.stderr.fileno(): bytearray()}
    status, reason = None, ""
    deadline = started + limits.timeout_s
    open_fds = set(streams)
    while open_fds and status is None:
        remaining = deadline - time.monotonic()
        readable = select.select(list(open_fds), [], [], max(remaining, 0))[0] if remaining > 0 else []
        if remaining <= 0:
            status, reason = "timeout", f"ran past {limits.timeout_s} s"
        for fd in readable:
            chunk = os.read(fd, 65536)
            streams[fd] += chunk
            if not chunk:
                open_fds.discard(fd)
        if sum(map(len, streams.values())) > limits.output_bytes:
            status, reason = "output_limit", f"more than {limits.output_bytes} bytes of output"
    if status is not None:
        os.killpg(process.pid, signal.SIGKILL)
    returncode = process.wait()
    process.stdout.close()
    process.stderr.close()
    stdout, stderr = streams.values()
    result = finish(returncode, bytes(stdout), bytes(stderr), limits.output_bytes, status, reason)
    return Result(**result, duration_s=round(time.monotonic() - started, 4), layers=layers)
