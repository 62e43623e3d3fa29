"""Client for a SandboxFusion-compatible `/run_code` service (bytedance/SandboxFusion), for users who
run sandboxes as a fleet. Standard library HTTP; the isolation is whatever that service provides.

Request: `{"code", "language": "python", "run_timeout", "memory_limit_MB", "stdin"}`. Response:
`{"status": "Success"|"Failed"|"SandboxError", "message", "run_result": {"status", "return_code",
"stdout", "stderr", "execution_time"}}`. A service that cannot be reached, answers garbage or
reports SandboxError is `sandbox_error`: never the program's fault.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from sandboxes import Limits, Result
from sandboxes._finish import finish


class HttpSandbox:
    name = "http"
    layers = ("remote",)

    def __init__(
        self, url: str = "http://localhost:8080", limits: Limits | None = None, grace_s: float = 10.0
    ):
        self.url, self.limits, self.grace_s = url.rstrip("/"), limits or Limits(), grace_s

    def run(self, program: str, limits: Limits | None = None, stdin: str = "") -> Result:
        limits = limits or self.limits
        body = {
            "code": program,
            "language": "python",
            "run_timeout": limits.timeout_s,
            "memory_limit_MB": limits.memory_mb,
            "stdin": stdin,
        }
        request = urllib.request.Request(
            f"{self.url}/run_code", json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=limits.timeout_s + self.grace_s) as response:
                reply = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return Result("sandbox_error", duration_s=time.monotonic() - started, reason=f"{self.url}: {exc}")
        return _result(reply, limits, time.monotonic() - started)

    def close(self) -> None:
        pass


def _result(reply: dict, limits: Limits, duration: float) -> Result:
    run = reply.get("run_result") or {}
    if reply.get("status") == "SandboxError" or not run:
        return Result(
            "sandbox_error", duration_s=duration, layers=HttpSandbox.layers, reason=reply.get("message", "")
        )
    stdout, stderr = ((run.get(name) or "").encode() for name in ("stdout", "stderr"))
    stopped = "timeout" if run.get("status") == "TimeLimitExceeded" else None
    result = finish(run.get("return_code"), stdout, stderr, limits.output_bytes, stopped)
    return Result(**result, duration_s=duration, layers=HttpSandbox.layers)
