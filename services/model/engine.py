"""The model and its one thread: every load and every inference runs on a dedicated thread
that owns the `Llama` object (two threads on one `Llama` abort the process), one
generation at a time, with a bounded number admitted to wait behind it.

Plain Python: the servicer turns requests into `Generation`s and the events back into
messages. A caller that goes away sets the generation's cancel flag; the thread checks it
between tokens and stops generating.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.model.generation import Delta, Done, Generation, run_generation
from services.runtime import logs
from services.runtime.errors import DomainError, Internal, ResourceExhausted, Unavailable

log = logs.get("model.engine")
LOADING, READY, FAILED = "loading", "ready", "failed"


@dataclass(frozen=True)
class EngineConfig:
    name: str
    path: Path
    context: int
    threads: int
    queue_size: int


@dataclass
class _Job:
    generation: Generation
    loop: asyncio.AbstractEventLoop
    events: asyncio.Queue[Delta | Done | DomainError] = field(default_factory=asyncio.Queue)
    cancel: threading.Event = field(default_factory=threading.Event)

    def send(self, event: Delta | Done | DomainError) -> None:
        """From the model thread to the caller's event loop."""
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is listening
            self.loop.call_soon_threadsafe(self.events.put_nowait, event)


def load_llama(cfg: EngineConfig) -> Any:
    # Imported here: only the model service loads llama.cpp (and only on its thread).
    from llama_cpp import Llama

    return Llama(
        model_path=str(cfg.path),
        n_ctx=cfg.context,
        n_threads=cfg.threads,
        n_threads_batch=cfg.threads,
        verbose=False,
    )


class Engine:
    def __init__(self, cfg: EngineConfig, loader: Callable[[EngineConfig], Any] = load_llama):
        self.cfg = cfg
        self.state = LOADING
        self.load_seconds = 0.0
        self._loader = loader
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        # Generations admitted (running or waiting); only the event loop changes it.
        self._admitted = 0
        self._loaded: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, name="model", daemon=True)

    @property
    def waiting(self) -> int:
        return max(0, self._admitted - 1)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._loaded = loop.create_future()
        self._thread.start()

    async def ready(self) -> None:
        """Returns once the model is loaded; raises if loading failed."""
        assert self._loaded is not None, "start() first"
        await asyncio.shield(self._loaded)

    def stop(self) -> None:
        self._jobs.put(None)

    def _settle_load(self, error: BaseException | None) -> None:
        if self._loaded is None or self._loaded.done():
            return
        if error is None:
            self._loaded.set_result(None)
        else:
            self._loaded.set_exception(error)

    def _run(self) -> None:
        loop = self._loaded.get_loop() if self._loaded else None
        assert loop is not None
        began = time.perf_counter()
        try:
            llama = self._loader(self.cfg)
        except Exception as exc:  # noqa: BLE001 - any load failure is reported, not raised
            self.state = FAILED
            log.error("model failed to load", model=self.cfg.name, error=str(exc)[:300])
            loop.call_soon_threadsafe(self._settle_load, exc)
            return
        self.load_seconds = time.perf_counter() - began
        self.state = READY
        log.info("model loaded", model=self.cfg.name, seconds=round(self.load_seconds, 2))
        loop.call_soon_threadsafe(self._settle_load, None)
        while (job := self._jobs.get()) is not None:
            if job.cancel.is_set():
                continue
            try:
                for event in run_generation(llama, self.cfg.name, job.generation, job.cancel):
                    job.send(event)
            except DomainError as exc:
                job.send(exc)
            except Exception as exc:  # noqa: BLE001 - the caller gets INTERNAL, the log why
                log.exception("generation failed", error=str(exc)[:300])
                job.send(Internal("the model failed while generating"))

    async def generate(self, generation: Generation) -> AsyncGenerator[Delta | Done, None]:
        """The generation's deltas, then its Done; cancelled callers stop it."""
        if self.state != READY:
            raise Unavailable(f"the model is {self.state}; retry shortly", reason="MODEL_LOADING")
        if self._admitted >= 1 + self.cfg.queue_size:
            raise ResourceExhausted(
                f"the local model is busy: one answer is being generated and "
                f"{self.cfg.queue_size} more are waiting; retry in a moment",
                reason="MODEL_QUEUE_FULL",
            )
        job = _Job(generation, asyncio.get_running_loop())
        self._admitted += 1
        self._jobs.put(job)
        try:
            while True:
                event = await job.events.get()
                if isinstance(event, DomainError):
                    raise event
                yield event
                if isinstance(event, Done):
                    return
        finally:
            # Finished, failed or abandoned by the caller: the thread stops at its next token.
            job.cancel.set()
            self._admitted -= 1
