"""Docker backend: each job in a fresh container with no network, a read-only root filesystem, a
memory cap and a pid cap; the program is mounted read-only, /tmp is a small tmpfs.

Needs a Docker engine that answers (`docker.from_env()` + ping). With none, construction fails in
well under a second with `SandboxUnavailable` saying which endpoint did not answer, and a run that
asked for this backend stops there with that message.

Covered: what the container runtime gives (namespaces, cgroups, its default seccomp profile). Not
covered: a warm pool (one container per job: expect ~0.5 s a job), images without Python.
"""

from __future__ import annotations

import os
import tempfile
import time

from sandboxes import Limits, Result, SandboxUnavailable
from sandboxes._finish import finish


class DockerSandbox:
    name = "docker"
    layers = ("container", "no_network", "read_only_root", "memory_cgroup", "pids_cgroup", "output_cap")

    def __init__(
        self, limits: Limits | None = None, image: str = "python:3.11-slim", ping_timeout_s: float = 2.0
    ):
        import docker  # the SDK: only this backend needs it

        self.limits, self.image = limits or Limits(), image
        try:
            self._client = docker.from_env(timeout=ping_timeout_s)
            self._client.ping()
        except Exception as exc:  # DockerException, ConnectionError, FileNotFoundError: all mean "no engine"
            host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
            raise SandboxUnavailable(f"no Docker engine answers at {host} ({type(exc).__name__})") from None

    def run(self, program: str, limits: Limits | None = None, stdin: str = "") -> Result:
        limits = limits or self.limits
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="starfactory-docker-") as folder:
            with open(os.path.join(folder, "main.py"), "w", encoding="utf-8") as source:
                source.write(program)
            with open(os.path.join(folder, "stdin"), "w", encoding="utf-8") as stdin_file:
                stdin_file.write(stdin)
            os.chmod(folder, 0o755)
            container = self._client.containers.run(
                self.image,
                ["sh", "-c", "python /job/main.py < /job/stdin"],
                detach=True,
                network_disabled=True,
                read_only=True,
                mem_limit=f"{limits.memory_mb}m",
                pids_limit=limits.processes,
                tmpfs={"/tmp": f"size={limits.file_size_mb}m"},
                volumes={folder: {"bind": "/job", "mode": "ro"}},
                user="nobody",
                environment={},
            )
            try:
                return self._wait(container, limits, started)
            finally:
                container.remove(force=True)

    def _wait(self, container, limits: Limits, started: float) -> Result:
        from requests.exceptions import ConnectionError, ReadTimeout  # what the SDK's waits raise

        try:
            exit_code = container.wait(timeout=limits.timeout_s)["StatusCode"]
        except (ReadTimeout, ConnectionError) as exc:
            if not isinstance(exc, ReadTimeout) and "timed out" not in str(exc):
                return Result("sandbox_error", duration_s=time.monotonic() - started, reason=f"docker: {exc}")
            container.kill()
            return Result("timeout", None, duration_s=time.monotonic() - started, layers=self.layers)
        container.reload()
        oom_killed = bool(container.attrs.get("State", {}).get("OOMKilled"))
        stdout = container.logs(stdout=True, stderr=False)
        stderr = container.logs(stdout=False, stderr=True)
        result = finish(exit_code, stdout, stderr, limits.output_bytes, out_of_memory=oom_killed)
        return Result(**result, duration_s=time.monotonic() - started, layers=self.layers)

    def close(self) -> None:
        self._client.close()
