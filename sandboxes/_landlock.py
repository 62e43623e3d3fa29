"""Landlock for sandboxed jobs through raw syscalls (standard library only, like `_seccomp`).

The job may read (and map as executable) the interpreter's standard library and the system's
libraries, read and write everything under its own job folder and `/dev/null`, and nothing else:
no /proc (so no other process's environment or memory maps), no home folders, no project files.
From ABI 4 TCP bind/connect are refused outright; from ABI 6 the job may signal only processes in
its own Landlock domain and may not reach abstract unix sockets outside it.

Landlock only restricts what is opened after `restrict_self`; the worker closes every other
descriptor before calling it. The ruleset is built once per worker: its writable path is the
worker's slot folder, which holds only the job running now (root-owned, mode 711: a job can
reach its own folder in it and list nothing).
"""

from __future__ import annotations

import ctypes
import os
import struct

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # + TRUNCATE, IOCTL_DEV
_NET_TCP = 0b11  # BIND_TCP | CONNECT_TCP (ABI 4)
_SCOPES = 0b11  # ABSTRACT_UNIX_SOCKET | SIGNAL (ABI 6)

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version() -> int:
    """The kernel's Landlock ABI, or 0 where Landlock is missing or disabled."""
    version = _libc.syscall(
        _CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
    )
    return max(int(version), 0)


def _fs_rights(abi: int) -> int:
    return _FS_BY_ABI[max(level for level in _FS_BY_ABI if level <= abi)]


def ruleset(read_only: list[str], read_write: list[str], abi: int) -> int:
    """A ruleset (a file descriptor) allowing the given paths; made once, applied per job."""
    handled = _fs_rights(abi)
    attr = struct.pack("QQQ", handled, _NET_TCP if abi >= 4 else 0, _SCOPES if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = _libc.syscall(_CREATE_RULESET, attr, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        for path in read_only:
            _allow(ruleset, path, EXECUTE | READ_FILE | READ_DIR)
        for path in read_write:
            _allow(ruleset, path, handled)
    except BaseException:
        os.close(ruleset)
        raise
    return ruleset


def restrict_self(ruleset_fd: int) -> None:
    """Confine the calling process (and its future children) to the ruleset's paths."""
    if _libc.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset_fd), ctypes.c_uint32(0)) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self")


def _allow(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path this machine lacks needs no rule
    try:
        if not os.path.isdir(path):
            access &= _FILE_ONLY
        rule = struct.pack("=Qi", access, fd)  # struct landlock_path_beneath_attr is packed
        if _libc.syscall(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), rule, 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule({path})")
    finally:
        os.close(fd)
