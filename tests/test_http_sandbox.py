"""The SandboxFusion client against a local `/run_code` service speaking that protocol, backed by the
real process sandbox (SandboxFusion itself needs Docker, which this machine kind lacks)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandboxes import Limits
from sandboxes.http import HttpSandbox
from sandboxes.process import ProcessSandbox


@pytest.fixture(scope="module")
def service():
    backend = ProcessSandbox(workers=1)

    class RunCode(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            limits = Limits(timeout_s=body["run_timeout"], memory_mb=body["memory_limit_MB"])
            result = backend.run(body["code"], limits, body.get("stdin", ""))
            run = {
                "status": "TimeLimitExceeded" if result.status == "timeout" else "Finished",
                "return_code": result.exit_code,
                "stdout": result.stdout,
                "stderr": result.stderr,
                "execution_time": result.duration_s,
            }
            reply = {
                "status": "Success" if result.status == "ok" else "Failed",
                "message": "",
                "run_result": run,
            }
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RunCode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    backend.close()


def test_a_program_runs_through_the_service(service):
    result = HttpSandbox(service).run("import sys\nprint(sys.stdin.read().upper())", stdin="hi")
    assert (result.status, result.exit_code, result.stdout) == ("ok", 0, "HI\n")


def test_the_services_time_limit_is_a_timeout(service):
    result = HttpSandbox(service).run("while True:\n    pass", Limits(timeout_s=1.0))
    assert result.status == "timeout"


def test_an_unreachable_service_is_a_sandbox_error_not_a_failure():
    with socket.socket() as probe:  # a port nobody listens on: bound here, never listened on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        result = HttpSandbox(url, grace_s=1.0).run("print(1)", Limits(timeout_s=1.0))
    assert result.status == "sandbox_error" and url in result.reason
