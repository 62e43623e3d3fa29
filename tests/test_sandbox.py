"""Containment of every sandbox backend present on this machine, one adversarial property per test.

Probes are harmless by construction: canaries in a temporary folder, signal 0, a loopback port this
test opened, a bounded fork loop, sleeping children. Each would be harmless even if the sandbox
failed. Backends that cannot run here (no bwrap, no Docker engine) are skipped with the reason.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from sandboxes import Limits, SandboxUnavailable

FAST = Limits(timeout_s=5.0, memory_mb=512, processes=16)


def _open(backend: str):
    if backend == "process":
        from sandboxes.process import ProcessSandbox

        return ProcessSandbox(workers=2, limits=FAST)
    if backend == "bwrap":
        from sandboxes.bwrap import BwrapSandbox

        return BwrapSandbox(limits=FAST)
    from sandboxes.docker import DockerSandbox

    return DockerSandbox(limits=FAST)


@pytest.fixture(scope="module", params=["process", "bwrap", "docker"])
def sandbox(request):
    try:
        box = _open(request.param)
    except SandboxUnavailable as exc:
        pytest.skip(f"{request.param} sandbox unavailable here: {exc}")
    yield box
    box.close()


def _gone(pid: int, within_s: float = 2.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)  # signal 0: existence probe only
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        if _is_zombie(pid):
            return True
        time.sleep(0.05)
    return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_clean_program_runs_and_reports_its_layers(sandbox):
    result = sandbox.run("print(6 * 7)")
    assert (result.status, result.exit_code, result.stdout) == ("ok", 0, "42\n")
    assert result.layers


def test_an_infinite_loop_ends_at_the_wall_clock(sandbox):
    result = sandbox.run("while True:\n    pass", Limits(timeout_s=1.0))
    assert result.status == "timeout" and result.duration_s < 3.0


def test_a_memory_bomb_is_stopped_by_the_memory_limit(sandbox):
    result = sandbox.run("chunks = []\nwhile True:\n    chunks.append(bytearray(50 << 20))")
    assert result.status in ("memory", "error") and result.status != "ok"


def test_a_bounded_fork_loop_hits_the_process_limit(sandbox):
    program = (
        "import os, time\n"
        "made = 0\n"
        "for _ in range(200):\n"
        "    try:\n"
        "        pid = os.fork()\n"
        "    except OSError:\n"
        "        break\n"
        "    if pid == 0:\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "    made += 1\n"
        "print(made)\n"
    )
    result = sandbox.run(program, Limits(timeout_s=10.0, processes=16))
    assert result.status == "ok", (result.reason, result.stderr)
    assert int(result.stdout) < 16


def test_writing_outside_the_job_folder_is_refused(sandbox, tmp_path):
    if sandbox.name != "process":
        pytest.skip(f"{sandbox.name} mounts none of the host's temp folders into the job")
    canaries = Path(tempfile.mkdtemp(prefix="sf-canary-"))
    try:
        canaries.chmod(0o777)  # only the sandbox may stop the write: not the folder's mode
        existing = canaries / "existing.txt"
        existing.write_text("original")
        existing.chmod(0o666)
        program = (
            f"for path, mode in (({str(existing)!r}, 'w'), ({str(canaries / 'new.txt')!r}, 'w')):\n"
            "    try:\n"
            "        open(path, mode).write('tampered')\n"
            "        print('wrote', path)\n"
            "    except OSError as exc:\n"
            "        print('refused', type(exc).__name__)\n"
        )
        result = sandbox.run(program)
        assert result.stdout.count("refused") == 2, result.stdout
        assert existing.read_text() == "original" and not (canaries / "new.txt").exists()
    finally:
        for leftover in canaries.iterdir():
            leftover.unlink()
        canaries.rmdir()


def test_the_parents_environment_cannot_be_read(monkeypatch):
    from sandboxes.process import ProcessSandbox

    secret = "sf-canary-" + os.urandom(8).hex()
    monkeypatch.setenv("STARFACTORY_CANARY", secret)
    with ProcessSandbox(workers=1, limits=FAST) as box:  # started while the secret is set
        program = (
            "import os\n"
            "print(sorted(os.environ))\n"
            f"for pid in (os.getppid(), {os.getpid()}):\n"
            "    try:\n"
            "        print(open(f'/proc/{pid}/environ').read())\n"
            "    except OSError as exc:\n"
            "        print('refused', type(exc).__name__)\n"
        )
        result = box.run(program)
    assert secret not in result.stdout + result.stderr
    assert result.stdout.count("refused") == 2


def test_a_loopback_port_cannot_be_reached(sandbox):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(0.5)
        port = server.getsockname()[1]
        program = (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    print('connected')\n"
            "except OSError as exc:\n"
            "    print('refused', type(exc).__name__)\n"
        )
        result = sandbox.run(program)
        with pytest.raises(TimeoutError):
            server.accept()
    assert "connected" not in result.stdout and "refused" in result.stdout


def test_the_parent_cannot_be_signalled(sandbox):
    # The test process always; the worker that forked the job too where it is visible (process).
    targets = f"({os.getpid()}, os.getppid())" if sandbox.name == "process" else f"({os.getpid()},)"
    program = (
        "import os\n"
        f"for target in {targets}:\n"
        "    try:\n"
        "        os.kill(target, 0)\n"
        "        print('reached', target)\n"
        "    except OSError as exc:\n"
        "        print('refused', type(exc).__name__)\n"
    )
    result = sandbox.run(program)
    assert result.status == "ok" and "reached" not in result.stdout, result.stdout


def test_kill_minus_one_is_refused_by_the_masked_pid_compare(sandbox):
    if sandbox.name != "process":
        pytest.skip("only the process backend filters kill() with seccomp")
    # Signal 0 to -1 only asks "could I signal everyone?": harmless even if it were allowed.
    program = "import os\ntry:\n    os.kill(-1, 0)\nexcept OSError as e:\n    print(e.errno)"
    result = sandbox.run(program)
    assert result.stdout.strip() == "1"  # EPERM from the filter, not ESRCH


def test_100_mb_of_output_is_cut_at_the_cap(sandbox):
    result = sandbox.run("import sys\nfor _ in range(100):\n    sys.stdout.write('x' * (1 << 20))\n")
    assert result.status == "output_limit"
    assert len(result.stdout) + len(result.stderr) <= FAST.output_bytes
    assert result.duration_s < 5.0


def test_a_daemon_does_not_outlive_its_job(sandbox):
    if sandbox.name != "process":
        pytest.skip(f"{sandbox.name} pids live in their own namespace; its init takes them down")
    program = (
        "import os, time\n"
        "r, w = os.pipe()\n"
        "if os.fork() == 0:\n"
        "    if os.fork() == 0:  # double fork: reparented away from the job's main process\n"
        "        os.write(w, str(os.getpid()).encode())\n"
        "        time.sleep(60)\n"
        "    os._exit(0)\n"
        "print(os.read(r, 32).decode())\n"
    )
    result = sandbox.run(program)
    assert result.status == "ok", result.stderr
    assert _gone(int(result.stdout)), "the daemon survived its job"


def test_a_child_holding_the_pipe_does_not_force_the_timeout(sandbox):
    program = (
        "import os, time\nif os.fork() == 0:\n    time.sleep(30)\n    os._exit(0)\nprint('parent done')\n"
    )
    result = sandbox.run(program, Limits(timeout_s=20.0))
    assert result.status == "ok" and result.duration_s < 5.0


def test_two_pools_side_by_side_do_not_end_each_others_jobs():
    from sandboxes.process import ProcessSandbox

    with ProcessSandbox(workers=1, limits=FAST) as first, ProcessSandbox(workers=1, limits=FAST) as second:
        long_job: dict = {}
        thread = threading.Thread(
            target=lambda: long_job.update(result=first.run("import time\ntime.sleep(2)\nprint('done')"))
        )
        thread.start()
        for _ in range(20):  # each of these ends by killing its own process group and sweeping its uid
            assert second.run("print(1)").status == "ok"
        thread.join()
    assert long_job["result"].status == "ok" and long_job["result"].stdout == "done\n"


def test_docker_without_an_engine_fails_fast_and_says_so():
    from sandboxes.docker import DockerSandbox

    started = time.monotonic()
    try:
        DockerSandbox(ping_timeout_s=2.0).close()
    except SandboxUnavailable as exc:
        assert "no Docker engine answers" in str(exc)
        assert time.monotonic() - started < 3.0
    else:
        pytest.skip("a Docker engine answers here")


def test_a_worker_that_dies_mid_job_is_a_sandbox_error_and_is_replaced():
    from sandboxes.process import ProcessSandbox

    with ProcessSandbox(workers=1, limits=FAST) as box:
        worker = box._all[0].process  # our own child, ended by its PID
        threading.Timer(0.5, worker.kill).start()
        result = box.run("import time\ntime.sleep(3)\nprint('finished')")
        assert result.status == "sandbox_error" and "finished" not in result.stdout
        assert box.run("print('after')").stdout == "after\n"  # a fresh worker took the slot


def test_without_root_the_uid_layer_is_reported_missing_and_jobs_still_run(tmp_path):
    import subprocess

    from sandboxes.process import readable_python
    from tests.conftest import REPO

    if os.geteuid() != 0:
        pytest.skip("needs root to start the probe as nobody")
    source = REPO / "sandboxes" / "process.py"
    if not (source.stat().st_mode & 0o004 and all(p.stat().st_mode & 0o001 for p in source.parents)):
        pytest.skip(f"{REPO} is not readable by other users")
    probe = (
        f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
        "from sandboxes.process import ProcessSandbox\n"
        "with ProcessSandbox(workers=1) as box:\n"
        "    result = box.run('import os; print(os.getuid())')\n"
        "    print(box.missing, result.status, result.stdout.strip(), result.layers)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)}
    tmp_path.chmod(0o777)
    done = subprocess.run(
        [readable_python(), "-c", probe], user=65534, group=65534, extra_groups=[], env=env,
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    missing = "{'uid': 'off: not running as root', 'disk_quota': 'off: not running as root'}"
    assert done.stdout.startswith(f"{missing} ok 65534"), done.stdout
    assert "'uid'" not in done.stdout.split("65534", 1)[1]  # the layers the job had


def test_the_seccomp_filter_patched_per_job_is_the_one_built_for_its_pid():
    """The worker builds the filter once with a placeholder pid; each job patches its own in."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "sandboxes"))
    import _seccomp

    for pid in (1, 2, 4321, 4194304, 2**31 - 1):
        assert _seccomp.patched_program(pid) == _seccomp.filter_program(pid)


ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="the uid and disk-quota layers need root")


def test_sysv_ipc_and_posix_message_queues_are_refused(sandbox):
    probe = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.shmget(0, 4096, 0o1666), libc.msgget(0, 0o1666), libc.semget(0, 1, 0o1666),"
        " libc.mq_open(b'/sf-probe', 0o100 | 2, 0o600, None))\n"
    )
    result = sandbox.run(probe)
    assert result.status == "ok" and result.stdout.split() == ["-1", "-1", "-1", "-1"], result


@ROOT_ONLY
def test_a_job_cannot_write_more_files_or_bytes_than_its_quota():
    from sandboxes.process import ProcessSandbox

    writer = (
        "n = 0\ntry:\n    for i in range(5000):\n        open(f'f{i}', 'wb').write(b'x' * 100_000)\n"
        "        n += 1\nexcept OSError as error:\n    print('stopped', error.errno)\nprint(n)\n"
    )
    with ProcessSandbox(workers=1, limits=Limits(timeout_s=10.0, disk_mb=4, files=1000)) as box:
        by_bytes = box.run(writer)
    with ProcessSandbox(workers=1, limits=Limits(timeout_s=10.0, disk_mb=64, files=50)) as box:
        by_files = box.run(writer.replace("b'x' * 100_000", "b'x'"))
    assert by_bytes.stdout.split()[:2] == ["stopped", "28"] and int(by_bytes.stdout.split()[2]) <= 41
    assert by_files.stdout.split()[:2] == ["stopped", "28"] and int(by_files.stdout.split()[2]) <= 50
    assert "disk_quota" in by_bytes.layers


@ROOT_ONLY
def test_the_quota_mounts_nothing_on_the_host():
    from sandboxes.process import ProcessSandbox

    before = Path("/proc/self/mountinfo").read_text()
    with ProcessSandbox(workers=1, limits=FAST) as box:
        assert box.run("print(1)").stdout == "1\n"
        assert Path("/proc/self/mountinfo").read_text() == before


@ROOT_ONLY
def test_pools_with_different_tmpdirs_claim_different_uids(tmp_path):
    """A batch scheduler sets TMPDIR per job: the uid claims must still be machine-wide."""
    import subprocess
    import sys

    from tests.conftest import REPO

    script = (
        "import sys, time\nfrom sandboxes.process import ProcessSandbox\n"
        "box = ProcessSandbox(workers=2)\nprint(*[slot.uid for slot in box._all], flush=True)\n"
        "sys.stdin.read()\nbox.close()\n"
    )
    pools = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        env = {**os.environ, "TMPDIR": str(tmp_path / name)}
        pools.append(
            subprocess.Popen(
                [sys.executable, "-c", script],
                cwd=REPO,
                env=env,
                text=True,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )  # fmt: skip
        )
    try:
        uids = [set(pool.stdout.readline().split()) for pool in pools]
    finally:
        for pool in pools:
            pool.communicate("", timeout=30)
    assert len(uids[0]) == 2 and len(uids[1]) == 2 and not uids[0] & uids[1]


def test_the_job_folders_of_a_killed_pool_are_removed_by_the_next_pool(tmp_path, monkeypatch):
    import subprocess
    import sys

    from tests.conftest import REPO

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    script = (
        "from sandboxes.process import ProcessSandbox\nbox = ProcessSandbox(workers=1)\n"
        "print(1, flush=True)\ninput()\n"
    )
    killed = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    assert killed.stdout.readline() == "1\n"
    killed.kill()  # a process this test started, by its PID
    killed.wait(timeout=30)
    left = list(tmp_path.glob("starfactory-sandbox-*"))
    assert left, "the killed pool left no folder: nothing to test"
    for root in left:  # as old as an abandoned pool's folder is by the time a run resumes
        os.utime(root, (time.time() - 3600, time.time() - 3600))
    import tempfile as tempfile_module

    monkeypatch.setattr(tempfile_module, "tempdir", str(tmp_path))
    from sandboxes.process import ProcessSandbox

    with ProcessSandbox(workers=1, limits=FAST) as box:
        assert box.run("print(1)").status == "ok"
        assert not any(root.exists() for root in left)
