"""Entry point of one `DeadlinePool` worker: `python -m verifiers._worker FD MEMORY_MB [MODULE ...]`.

Started with subprocess rather than multiprocessing so it never re-imports the caller's `__main__`
(a user script without a main guard would otherwise start workers recursively).
"""

import importlib
import resource
import sys
from multiprocessing.connection import Connection


def main() -> None:
    fd, memory_mb, preload = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for module in preload:
        importlib.import_module(module)
    conn = Connection(fd)
    conn.send("ready")
    while True:
        try:
            fn, args = conn.recv()
        except EOFError:
            return
        try:
            conn.send((True, fn(*args)))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
            conn.send((False, f"{type(exc).__name__}: {exc}"))


if __name__ == "__main__":
    main()
