"""A seccomp-BPF filter for sandboxed jobs, assembled here (standard library only).

Why not libseccomp's bindings: this module runs inside the sandbox's worker, under whatever system
interpreter the job uses, with no site-packages; the filter is a short deny list plus two argument
checks, which is easy to read as BPF.

Policy (x86_64; on another architecture `install` returns False and the layer is reported missing):
- a foreign architecture (32-bit `int 0x80`) or an x32 syscall number kills the process;
- denied with EPERM: sockets, ptrace and cross-process memory access, session and process-group
  changes (no daemonizing), namespaces and mounts, kernel keyrings, BPF, perf, io_uring (it would
  bypass this filter), module loading, reboot and the like;
- `clone` is denied with EPERM when it asks for a new namespace; `clone3` (whose flags a filter
  cannot read) returns ENOSYS, so the C library falls back to `clone`;
- `kill`/`rt_sigqueueinfo` only to the job itself: pid 0 (own group), the job's pid or minus its
  pgid; `tgkill`/`rt_tgsigqueueinfo` only to the job's pid. Arguments are compared on their low 32
  bits only: a pid is a C int, and a 64-bit compare of `-1` would miss it when the upper half is
  zero-extended (that is how `kill(-1)` slips through filters).
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_KILL_PROCESS, _RET_ALLOW, _RET_ERRNO = 0x80000000, 0x7FFF0000, 0x00050000
_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000
_NR_OFFSET, _ARCH_OFFSET, _ARG0_LOW, _ARG0_HIGH = 0, 4, 16, 20
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_CLONE_NEW_ANY = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
_CLONE_NEW_ANY |= 0x40000000 | 0x00000080  # NEWNS CGROUP UTS IPC USER PID, NET TIME

# x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
_DENIED_X86_64 = {
    "socket": 41, "connect": 42, "accept": 43, "bind": 49, "listen": 50, "socketpair": 53,
    "accept4": 288, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
    "pidfd_getfd": 438, "pidfd_send_signal": 424, "tkill": 200, "setsid": 112, "setpgid": 109,
    "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
    "fspick": 433, "mount_setattr": 442, "keyctl": 250, "add_key": 248, "request_key": 249,
    "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "personality": 135, "kexec_load": 246,
    "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
    "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163, "mknod": 133, "mknodat": 259,
    "open_by_handle_at": 304, "name_to_handle_at": 303, "fanotify_init": 300, "syslog": 103,
    "iopl": 172, "ioperm": 173, "vhangup": 153, "quotactl": 179,
    # SysV IPC and POSIX message queues live in the host's IPC namespace: objects one job leaves
    # another could read, and shared memory outlives its job beyond any rlimit.
    "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65, "semctl": 66,
    "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "mq_open": 240,
    "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
}  # fmt: skip
_KILL, _RT_SIGQUEUEINFO, _TGKILL, _RT_TGSIGQUEUEINFO = 62, 129, 234, 297
_CLONE, _CLONE3 = 56, 435


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _guarded(nr: int, body: list[bytes]) -> list[bytes]:
    # jeq nr ? fall into body : jump past it. The body ends by reloading nr for the next check.
    return [_op(_JEQ, nr, 0, len(body)), *body]


def _static_part() -> bytes:
    """Everything but the pid checks: built once per worker, not once per job."""
    deny = _op(_RET, _RET_ERRNO | errno.EPERM)
    program = [
        _op(_LD_W_ABS, _ARCH_OFFSET),
        _op(_JEQ, _AUDIT_ARCH_X86_64, 1, 0),
        _op(_RET, _RET_KILL_PROCESS),
        _op(_LD_W_ABS, _NR_OFFSET),
        _op(_JGE, _X32_BIT, 0, 1),
        _op(_RET, _RET_KILL_PROCESS),
    ]
    for nr in _DENIED_X86_64.values():
        program += [_op(_JEQ, nr, 0, 1), deny]
    program += [_op(_JEQ, _CLONE3, 0, 1), _op(_RET, _RET_ERRNO | errno.ENOSYS)]
    program += _guarded(
        _CLONE,
        [_op(_LD_W_ABS, _ARG0_LOW), _op(_JSET, _CLONE_NEW_ANY, 0, 1), deny, _op(_LD_W_ABS, _NR_OFFSET)],
    )
    return b"".join(program)


_STATIC = _static_part()


def filter_program(job_pid: int) -> bytes:
    program = [_STATIC]
    to_self = (0, job_pid, -job_pid)
    for nr in (_KILL, _RT_SIGQUEUEINFO):
        program += _arg0_check(nr, to_self)
    for nr in (_TGKILL, _RT_TGSIGQUEUEINFO):
        program += _arg0_check(nr, (job_pid,))
    program.append(_op(_RET, _RET_ALLOW))
    return b"".join(program)


def _arg0_check(nr: int, allowed: tuple[int, ...]) -> list[bytes]:
    body = [_op(_LD_W_ABS, _ARG0_LOW)]
    for value in allowed:
        body += [_op(_JEQ, value & 0xFFFFFFFF, 0, 1), _op(_RET, _RET_ALLOW)]
    body.append(_op(_RET, _RET_ERRNO | errno.EPERM))
    return _guarded(nr, body)


def supported() -> bool:
    return platform.machine() == "x86_64"


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


# The program is built once per worker with a placeholder pid, in a ctypes buffer; a forked job
# patches its own pid into the six slots that hold it (building it per job cost ~0.8 ms of Python).
_PLACEHOLDER = 0x7FFF_FFF1
_TEMPLATE = filter_program(_PLACEHOLDER)
_PID_SLOTS = [
    (offset + 4, sign)
    for offset in range(0, len(_TEMPLATE), 8)
    for sign in (1, -1)
    if struct.unpack_from("I", _TEMPLATE, offset + 4)[0] == (sign * _PLACEHOLDER) & 0xFFFFFFFF
]
assert len(_PID_SLOTS) == 6, "kill/rt_sigqueueinfo: pid and -pid; tgkill/rt_tgsigqueueinfo: pid"
_BUFFER = ctypes.create_string_buffer(_TEMPLATE, len(_TEMPLATE))
_PROG = _SockFprog(len(_TEMPLATE) // 8, ctypes.addressof(_BUFFER))


def patched_program(job_pid: int) -> bytes:
    """The filter `install` attaches for `job_pid` (equal to `filter_program(job_pid)`)."""
    for offset, sign in _PID_SLOTS:
        struct.pack_into("I", _BUFFER, offset, (sign * job_pid) & 0xFFFFFFFF)
    return _BUFFER.raw[: len(_TEMPLATE)]


def install(job_pid: int) -> bool:
    """Install the filter on the calling process (inherited by its children). False if unsupported."""
    if not supported():
        return False
    patched_program(job_pid)
    prog = _PROG
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if _libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")
    return True
