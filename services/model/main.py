"""Runs the model service: `python -m services.model.main` (one process: one copy of the
weights; the launcher never starts more than one)."""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.model.v1 import model_service_pb2_grpc as pb_grpc

from services.model import weights
from services.model.engine import Engine, EngineConfig
from services.model.servicer import ModelServicer
from services.runtime.config import Settings
from services.runtime.server import Deps, run


def engine_config(cfg: Settings) -> EngineConfig:
    path = weights.model_file(cfg.model, cfg.model_path, cfg.model_cache_dir)
    name = path.stem if cfg.model_path is not None else cfg.model
    return EngineConfig(name, path, cfg.model_context, cfg.model_threads, cfg.model_queue_size)


def register(server: grpc.aio.Server, deps: Deps) -> None:
    cfg = engine_config(deps.settings)
    if not cfg.path.is_file():
        raise SystemExit(
            f"model: no model file {cfg.path.name} in the model cache or at "
            "TABLEMESH_MODEL_PATH; `tablemesh up` assembles the pinned model first"
        )
    engine = Engine(cfg)
    engine.start()

    async def loaded() -> None:
        try:
            await engine.ready()
        except Exception as exc:
            raise SystemExit(f"model: {cfg.name} could not be loaded: {exc}") from exc

    async def stop() -> None:
        engine.stop()

    deps.readiness.append(loaded)
    deps.on_stop.append(stop)
    pb_grpc.add_ModelServiceServicer_to_server(ModelServicer(engine), server)


def main() -> None:
    run("model", register)


if __name__ == "__main__":
    main()
