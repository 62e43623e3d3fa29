"""The pre-forked worker of `ProcessSandbox` (run as a script; standard library only).

It starts once per slot, as root when the caller is root, with an interpreter the slot's uid can
read, and then serves jobs read from stdin (length-prefixed JSON) until stdin closes. Each job:

1. a fresh job folder (mode 700, owned by the slot's uid); the program is compiled once per
   worker and cached, and written there as `main.py` only when it does not compile (so the job
   raises the error from the file);
2. `fork()`; the child starts a new session (so the job is one process group), points fd 0/1/2 at
   the job's stdin file (unlinked at once) and two pipes, closes every other descriptor, sets
   rlimits, drops to the slot's uid, confines itself with Landlock and seccomp, scrubs the
   environment, reports the layers it really got on a setup pipe, and executes `main.py` as
   `__main__` in this warm interpreter;
3. the worker (a child subreaper, so orphans come back to it) reads both pipes with an output cap,
   waits for the job's *exit* (a pidfd, not pipe EOF: a grandchild holding the pipe does not stall
   it), then kills the job's process group, reaps, and sweeps every process of the slot's uid
   (SIGSTOP all, then SIGKILL all, until none is left) after a timeout or an output overrun, or
   whenever a descendant is still alive; then it drains the pipes and deletes the folder;
4. the result goes back on stdout as length-prefixed JSON.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import gc
import io
import json
import os
import resource
import select
import shutil
import signal
import struct
import sys
import time
import traceback  # imported here, once: importing it in each job would cost ~6 ms a job
import types

import _finish
import _landlock
import _seccomp

_PR_SET_CHILD_SUBREAPER, _PR_SET_NO_NEW_PRIVS = 36, 38
MEMORY_EXIT = 3  # the child's exit code after an uncaught MemoryError (see _run_job)
_libc = ctypes.CDLL(None, use_errno=True)


def main() -> None:
    uid, base, quota, preload = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    for name in preload:  # forked jobs find these imported: an import costs nothing in a job
        try:
            __import__(name)
        except ImportError:
            pass
    gc.freeze()  # a job's garbage collections then leave these objects' pages shared, not copied
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    abi = _landlock.abi_version()
    layers = _available_layers(uid, abi)
    layers["disk_quota"] = _mount_quota(base, quota) if layers["uid"] == "on" else "off: not running as root"
    if layers["uid"] == "on":
        _sweep_uid(uid)  # leftovers of a worker that died holding this uid
    rules = -1
    if layers["landlock"].startswith("on"):
        rules = _landlock.ruleset(_readable_paths(), [base, "/dev/null"], abi)
    counter = 0
    _send({"ready": True, "layers": layers, "python": sys.executable, "version": sys.version.split()[0]})
    while (request := _receive()) is not None:
        counter += 1
        folder = os.path.join(base, f"job-{counter}")
        try:
            result = _serve(request, folder, uid, layers, rules)
        except Exception as exc:  # the worker's own failure: reported, never the program's fault
            result = {"status": "sandbox_error", "reason": f"{type(exc).__name__}: {exc}"}
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        _send(result)


def _available_layers(uid: int, abi: int) -> dict[str, str]:
    """Each layer -> "on" or why it is off on this machine."""
    return {
        "session": "on",
        "rlimits": "on",
        "uid": "on" if os.geteuid() == 0 and uid >= 0 else "off: not running as root",
        "seccomp": "on" if _seccomp.supported() else "off: no syscall table for this architecture",
        "landlock": f"on: ABI {abi}" if abi else "off: the kernel has no Landlock",
        "clean_env": "on",
        "output_cap": "on",
    }


_CLONE_NEWNS, _MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 0x00020000, 2, 4, 1 << 14, 1 << 18


def _mount_quota(base: str, quota: str) -> str:
    """A size- and inode-limited tmpfs over the slot's folder, in a mount namespace of this worker
    alone (it dies with the worker: nothing is left mounted on the host). Jobs, one at a time,
    live in it, so each job's files and bytes are bounded. Before Landlock's ruleset is built,
    which must see the tmpfs, not the folder under it."""
    megabytes, files = (int(part) for part in quota.split(":"))
    if _libc.unshare(_CLONE_NEWNS) != 0:
        return f"off: unshare(CLONE_NEWNS): {os.strerror(ctypes.get_errno())}"
    if _libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:  # no propagation to the host
        return f"off: mount --make-rprivate /: {os.strerror(ctypes.get_errno())}"
    options = f"size={megabytes}m,nr_inodes={files},mode=0711".encode()
    if _libc.mount(b"tmpfs", base.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) != 0:
        return f"off: mount tmpfs: {os.strerror(ctypes.get_errno())}"
    return f"on: {megabytes} MB, {files} files"


def _readable_paths() -> list[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [p for p in sys.path if p and os.path.abspath(p) != here]
    return [*paths, "/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo", "/dev/urandom"]


def _serve(request: dict, folder: str, uid: int, layers: dict, rules: int) -> dict:
    os.mkdir(folder, 0o700)
    code = _compiled(request["program"])  # before the fork: a program seen before costs nothing
    paths = [folder]
    if code is None:  # it does not compile: the job reads main.py and raises the error there
        paths.append(os.path.join(folder, "main.py"))
        with open(paths[-1], "w", encoding="utf-8") as program:
            program.write(request["program"])
    stdin_path = os.path.join(folder, ".stdin")
    with open(stdin_path, "w", encoding="utf-8") as stdin:
        stdin.write(request.get("stdin", ""))
    if layers["uid"] == "on":
        for path in (*paths, stdin_path):
            os.chown(path, uid, uid)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    setup_r, setup_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the job; never returns
        _child(request, folder, uid, layers, rules, stdin_path, out_w, err_w, setup_w, code)
    for fd in (out_w, err_w, setup_w):
        os.close(fd)
    with os.fdopen(setup_r, "rb") as setup:
        report = setup.read()
    result = _supervise(pid, out_r, err_r, request["limits"], started, uid if layers["uid"] == "on" else -1)
    try:
        setup_report = json.loads(report)
    except ValueError:
        setup_report = {"error": "the job died before its sandbox was set up"}
    if "error" in setup_report:
        return {**result, "status": "sandbox_error", "reason": setup_report["error"], "layers": []}
    return {**result, "layers": setup_report["layers"]}


def _supervise(pid: int, out_r: int, err_r: int, limits: dict, started: float, uid: int) -> dict:
    deadline = started + limits["timeout_s"]
    pidfd = os.pidfd_open(pid)
    streams = {out_r: bytearray(), err_r: bytearray()}
    status, reason = None, ""
    poller = select.poll()
    for fd in (pidfd, out_r, err_r):
        os.set_blocking(fd, False)
        poller.register(fd, select.POLLIN)
    open_fds = {out_r, err_r}
    exited = False
    while not exited:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            status, reason = "timeout", f"ran past {limits['timeout_s']} s"
            break
        for fd, _ in poller.poll(remaining * 1000):
            if fd == pidfd:
                exited = True
            else:
                _read_into(fd, streams, poller, open_fds)
        if sum(map(len, streams.values())) > limits["output_bytes"]:
            status, reason = "output_limit", f"more than {limits['output_bytes']} bytes of output"
            break
    _kill_group(pid)  # before the reap: until then the job's zombie holds its pid (and group id)
    _, wait_status = os.waitpid(pid, 0)
    os.close(pidfd)
    _reap_orphans()
    if uid >= 0 and (status is not None or _has_children()):
        _sweep_uid(uid)  # whatever left the group (seccomp forbids leaving it; this is the backstop)
    for fd in streams:  # every writer is dead now; a non-blocking drain cannot hang
        while _read_into(fd, streams, poller, open_fds):
            pass
        os.close(fd)
    exit_code = os.waitstatus_to_exitcode(wait_status)
    stderr_tail = streams[err_r][-_finish.MEMORY_HINT_BYTES :]
    out_of_memory = exit_code == MEMORY_EXIT and b"MemoryError" in stderr_tail
    result = _finish.finish(
        exit_code, bytes(streams[out_r]), bytes(streams[err_r]), limits["output_bytes"], status, reason,
        out_of_memory,
    )  # fmt: skip
    return {**result, "duration_s": round(time.monotonic() - started, 4)}


def _read_into(fd: int, streams: dict, poller, open_fds: set) -> bool:
    """Read what is there; False when nothing is (and at EOF, stop polling that fd)."""
    if fd not in open_fds:
        return False
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        return False
    if not chunk:
        poller.unregister(fd)
        open_fds.discard(fd)
        return False
    streams[fd] += chunk
    return True


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _has_children() -> bool:
    """Orphans of the job come back to this subreaper: none listed means none alive."""
    try:
        with open(f"/proc/self/task/{os.getpid()}/children", "rb") as children:
            return bool(children.read().strip())
    except OSError:
        return True  # cannot tell: sweep


def _sweep_uid(uid: int) -> None:
    """SIGSTOP every process of `uid` (so none can fork), SIGKILL them, repeat until none is left."""
    for _ in range(100):
        pids = _pids_of(uid)
        if not pids:
            return
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for target in pids:
                try:
                    os.kill(target, sig)
                except ProcessLookupError:
                    pass
        _reap_orphans()


def _pids_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", "rb") as status:
                for line in status:
                    if line.startswith(b"Uid:"):
                        if int(line.split()[1]) == uid and not _is_zombie(entry):
                            found.append(int(entry))
                        break
        except OSError:
            continue
    return found


def _is_zombie(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except OSError:
        return True


def _reap_orphans() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _child(request, folder, uid, layers, rules, stdin_path, out_w, err_w, setup_w, code) -> None:
    try:
        applied = _confine(request["limits"], folder, uid, layers, rules, stdin_path, out_w, err_w, setup_w)
        os.write(setup_w, json.dumps({"layers": applied}).encode())
        os.close(setup_w)
    except BaseException as exc:
        try:
            os.write(
                setup_w, json.dumps({"error": f"sandbox setup failed: {type(exc).__name__}: {exc}"}).encode()
            )
        finally:
            os._exit(70)
    _run_job(os.path.join(folder, "main.py"), folder, code)


def _confine(limits, folder, uid, layers, rules, stdin_path, out_w, err_w, setup_w) -> list[str]:
    os.setsid()
    stdin = os.open(stdin_path, os.O_RDONLY)
    os.unlink(stdin_path)  # the job reads its stdin once, from the descriptor; not as a file in its folder
    for source, target in ((stdin, 0), (out_w, 1), (err_w, 2)):
        os.dup2(source, target)
    low = 3
    for keep in sorted(fd for fd in (setup_w, rules) if fd >= 3):  # closed later, in this order
        os.closerange(low, keep)
        low = keep + 1
    os.closerange(low, 1 << 16)
    os.chdir(folder)
    memory = limits["memory_mb"] << 20
    cpu = int(limits["timeout_s"]) + 2  # a backstop; the wall clock ends the job first
    for limit, value in (
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, limits["file_size_mb"] << 20),
        (resource.RLIMIT_NOFILE, limits["open_files"]),
        (resource.RLIMIT_CORE, 0),
        # Counted per uid: it bounds the job only under the slot's own uid. Without one it would
        # count every process of the user running us, so it is left as it is.
        *([(resource.RLIMIT_NPROC, limits["processes"])] if layers["uid"] == "on" else []),
    ):
        resource.setrlimit(limit, (value, value))
    applied = ["session", "rlimits"]
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:  # Landlock and seccomp need it
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if layers["uid"] == "on":
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        applied.append("uid")
    if layers["landlock"].startswith("on"):
        _landlock.restrict_self(rules)
        os.close(rules)
        applied.append(layers["landlock"].replace("on: ", "landlock "))
    if layers["disk_quota"].startswith("on"):
        applied.append("disk_quota")
    if layers["seccomp"] == "on" and _seccomp.install(os.getpid()):
        applied.append("seccomp")
    os.environ.clear()
    os.environ.update(
        {"PATH": "/usr/bin:/bin", "HOME": folder, "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    )
    applied += ["clean_env", "output_cap"]
    return applied


@functools.lru_cache(maxsize=32)
def _compiled(program: str):
    """The program's code object, or None if it does not compile (the job then raises the error)."""
    try:
        return compile(program, "main.py", "exec")
    except (SyntaxError, ValueError):
        return None


def _run_job(path: str, folder: str, code) -> None:
    """Execute `main.py` as `__main__` in this interpreter; exit with its status. Never returns."""
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", write_through=True)
    sys.argv = [path]
    sys.path[:] = [folder, *(p for p in sys.path[1:])]
    module = types.ModuleType("__main__")
    module.__file__ = path
    sys.modules["__main__"] = module
    exit_code = 0
    try:
        if code is None:
            with open(path, encoding="utf-8") as source:
                code = compile(source.read(), path, "exec")
        exec(code, module.__dict__)
    except SystemExit as exit_request:
        exit_code = _system_exit_code(exit_request)
    except MemoryError:
        traceback.print_exc()
        exit_code = MEMORY_EXIT
    except BaseException:
        traceback.print_exc()
        exit_code = 1
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except SystemExit as exit_request:
        exit_code = _system_exit_code(exit_request)
    except BaseException:
        exit_code = exit_code or 1
    os._exit(exit_code)


def _system_exit_code(exit_request: SystemExit) -> int:
    if exit_request.code is None:
        return 0
    if isinstance(exit_request.code, int):
        return exit_request.code & 0xFF
    print(exit_request.code, file=sys.stderr)
    return 1


def _send(message: dict) -> None:
    data = json.dumps(message).encode()
    view = memoryview(struct.pack("!I", len(data)) + data)
    while view:
        view = view[os.write(1, view) :]


def _receive() -> dict | None:
    header = _read_exact(4)
    if header is None:
        return None
    data = _read_exact(struct.unpack("!I", header)[0])
    return None if data is None else json.loads(data)


def _read_exact(size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(0, remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


if __name__ == "__main__":
    main()
