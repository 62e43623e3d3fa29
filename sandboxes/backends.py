"""Backends by name, for the command lines (`python -m sandboxes`, `python -m verifiers.code`); in a
run, Hydra's `sandbox=` group builds them. Each backend is imported only when asked for."""

from __future__ import annotations

from sandboxes import Limits, Sandbox

BACKENDS = ("process", "bwrap", "docker", "http")


def open_sandbox(backend: str, limits: Limits, url: str | None = None, workers: int = 1) -> Sandbox:
    """A backend by name (for the command lines; Hydra's `sandbox=` group builds them in a run)."""
    if backend == "process":
        from sandboxes.process import ProcessSandbox

        return ProcessSandbox(workers=workers, limits=limits)
    if backend == "bwrap":
        from sandboxes.bwrap import BwrapSandbox

        return BwrapSandbox(limits=limits)
    if backend == "docker":
        from sandboxes.docker import DockerSandbox

        return DockerSandbox(limits=limits)
    from sandboxes.http import HttpSandbox

    return HttpSandbox(url or "http://localhost:8080", limits=limits)
