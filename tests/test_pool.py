"""DeadlinePool: hard deadlines without signals, memory caps, worker replacement."""

from __future__ import annotations

import asyncio
import time

import pytest

from verifiers.pool import DeadlineExceeded, DeadlinePool


def sleep_then_return(seconds: float, value):
    time.sleep(seconds)
    return value


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_overrun_is_killed_and_replaced():
    with DeadlinePool(workers=1, deadline_s=0.5, memory_mb=0) as pool:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            pool.submit(sleep_then_return, 30, "late").result()
        assert time.monotonic() - started < 5
        assert pool.submit(sleep_then_return, 0, "next").result() == "next"
        assert pool.restarts == 1


def test_memory_cap_fails_the_call_not_the_pool():
    with DeadlinePool(workers=1, deadline_s=10, memory_mb=512) as pool:
        with pytest.raises(RuntimeError, match="MemoryError"):
            pool.submit(allocate, 4096).result()
        assert pool.submit(allocate, 1).result() == 1024 * 1024


def test_awaitable_from_asyncio():
    async def main(pool):
        return await asyncio.wrap_future(pool.submit(sleep_then_return, 0, 7))

    with DeadlinePool(workers=1, deadline_s=5, memory_mb=0) as pool:
        assert asyncio.run(main(pool)) == 7


def test_no_worker_starts_until_needed():
    pool = DeadlinePool(workers=2)
    pool.close()
    assert pool.restarts == 0 and not pool._threads
