"""Work a service does besides answering calls: polling loops and lease keepers.

Every such loop must outlive a data store that is briefly away, and must stop promptly and
quietly at shutdown. They are written once here; services pass the one pass of work.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Protocol

from services.runtime import logs

log = logs.get("background")

# One pass of a polling loop: True when more work is already waiting (go again at once).
Pass = Callable[[], Awaitable[bool]]


class Waker(Protocol):
    """Something that can end a loop's wait early (pg_listen.Listener: a NOTIFY)."""

    async def wait(self, seconds: float) -> None: ...


async def poll_forever(work: Pass, interval: float, what: str, waker: Waker | None = None) -> None:
    """Runs `work` until cancelled: at once again while it says more is waiting, else
    after `interval` or as soon as the waker says there is work. A failing pass is logged
    and the loop goes on."""
    while True:
        try:
            if await work():
                continue
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - PostgreSQL or Redis briefly away
            log.warning(f"{what} failed; retrying", error=str(exc), kind=type(exc).__name__)
            await asyncio.sleep(interval)  # not woken early while the store is away
            continue
        if waker is None:
            await asyncio.sleep(interval)
        else:
            await waker.wait(interval)


async def until_done(work: Callable[[], Awaitable[object]], retry_every: float, what: str) -> None:
    """Runs `work` once to completion, trying again after `retry_every` while it fails
    (at start-up the services it calls may not be up yet)."""
    while True:
        try:
            await work()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a store or a service not up yet
            log.info(f"{what} failed; retrying", error=str(exc), kind=type(exc).__name__)
            await asyncio.sleep(retry_every)


async def keep_renewed(renew: Callable[[], Awaitable[bool]], every: float, what: str) -> None:
    """Renews a lease every `every` seconds until cancelled or until `renew` says it is no
    longer held (False). A renewal that fails is tried again at the next tick, before the
    lease runs out."""
    while True:
        await asyncio.sleep(every)
        try:
            if not await renew():
                log.warning(f"{what} was lost")
                return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - try again before the lease runs out
            log.warning(f"renewing {what} failed", error=str(exc), kind=type(exc).__name__)


# How long a cancelled task may take to finish before shutdown goes on without it.
STOP_TIMEOUT = 3.0


async def stop(task: asyncio.Task[None] | None, within: float = STOP_TIMEOUT) -> None:
    """Cancels a background task and waits until it has finished, `within` seconds at
    most: a task stuck in its cleanup (a connection that never answers) is named in the
    log and left behind, so that a process's shutdown stays bounded."""
    if task is None:
        return
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=within)
    if not done:
        coro = task.get_coro()
        log.warning(
            "a background task did not stop in time", task=getattr(coro, "__qualname__", "")
        )
        return
    with contextlib.suppress(asyncio.CancelledError):
        await task
