"""A minimal OpenAI-compatible `/v1/chat/completions` server on loopback, for tests.

The completion function is injected: a deterministic fake for contract tests, or a real
`HFGenerator` for the through-a-real-model test. `drop_first` closes that many connections without
an answer (a transport failure); `status` answers every request with that HTTP status instead.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OpenAIStub:
    def __init__(self, complete, drop_first: int = 0, status: int = 200):
        self.complete = complete  # (body: dict) -> (text, completion_tokens, finish_reason)
        self.drop_first = drop_first
        self.status = status
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub._lock:
                    stub.requests.append(body)
                    drop = stub.drop_first > 0
                    stub.drop_first -= drop
                if drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if stub.status != 200:
                    return self._send(stub.status, {"error": {"message": "injected", "type": "server_error"}})
                text, tokens, finish = stub.complete(body)
                self._send(
                    200,
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": finish,
                                "message": {"role": "assistant", "content": text},
                            }
                        ],
                        "usage": {
                            "prompt_tokens": 1,
                            "completion_tokens": tokens,
                            "total_tokens": tokens + 1,
                        },
                    },
                )

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
