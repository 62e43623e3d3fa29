"""`python -m sandboxes FILE.py [--backend B] [--timeout S] [--memory-mb M] [--stdin F]`: run one
program and print the result as JSON (status, exit code, stdout, stderr, isolation layers used)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sandboxes import Limits, SandboxUnavailable
from sandboxes.backends import BACKENDS, open_sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandboxes", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--backend", choices=BACKENDS, default="process")
    parser.add_argument("--timeout", type=float, default=10.0, help="wall-clock seconds")
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--url", help="the service for --backend http")
    parser.add_argument("--stdin", type=Path, help="a file whose text the program reads on stdin")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"{args.file}: no such file")
    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory_mb)
    try:
        sandbox = open_sandbox(args.backend, limits, args.url)
    except SandboxUnavailable as exc:
        print(f"error: {args.backend} sandbox unavailable: {exc}", file=sys.stderr)
        return 2
    try:
        stdin = args.stdin.read_text(encoding="utf-8") if args.stdin else ""
        result = sandbox.run(args.file.read_text(encoding="utf-8"), limits, stdin)
    finally:
        sandbox.close()
    # Layers this machine lacks, and why (the process backend degrades rather than fails).
    print(json.dumps({**result.to_dict(), "layers_missing": getattr(sandbox, "missing", {})}, indent=2))
    return 0 if result.status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
