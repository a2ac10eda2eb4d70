"""Benchmark of the embedded local model (the `local` provider), in one run of its own mesh:
the model's load time, the time to the first token of a streamed chat through Envoy, the
model's generation speed, and the wall time of a whole tool-using chat turn.

`make bench-ai` runs it after the AI chain bench (BENCH_MODEL picks the pinned model,
qwen2.5-coder-1.5b by default; BENCH_LOCAL_PORT_OFFSET, 2700 by default)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import grpc
import httpx
from tablemesh.model.v1 import model_service_pb2 as pb
from tablemesh.model.v1 import model_service_pb2_grpc as pb_grpc

from bench.ai_chain import seed

OFFSET = int(os.environ.get("BENCH_LOCAL_PORT_OFFSET", "2700"))
MODEL = os.environ.get("BENCH_MODEL", "qwen2.5-coder-1.5b")
BIN = Path(sys.executable).parent
VAR = Path(f"var/bench-local-{OFFSET}").resolve()
GATEWAY = f"http://127.0.0.1:{8000 + OFFSET}"
MODEL_TARGET = f"127.0.0.1:{8004 + OFFSET}"


def first_token_seconds(token: str) -> float:
    """StreamChat through Envoy: seconds from the request to the first text delta."""
    began = time.perf_counter()
    body = {"message": "Say hello to the team in one short sentence."}
    headers = {"authorization": f"Bearer {token}"}
    with httpx.stream(
        "POST", f"{GATEWAY}/api/v1/chat:stream", json=body, headers=headers, timeout=300
    ) as reply:
        for line in reply.iter_lines():
            if '"delta"' in line:
                return time.perf_counter() - began
    raise SystemExit(f"no delta in the stream (HTTP {reply.status_code})")


def generation_speed(token: str) -> tuple[float, float, int]:
    """(load seconds, generated tokens per second, tokens) from the model service."""
    with grpc.insecure_channel(MODEL_TARGET) as channel:
        stub = pb_grpc.ModelServiceStub(channel)
        load = stub.GetModel(pb.GetModelRequest(), timeout=5).load_seconds
        request = pb.GenerateRequest(
            messages=[pb.Message(role="user", content="Write a short story about a lighthouse.")],
            max_tokens=128,
        )
        md = (("authorization", f"Bearer {token}"),)
        first = None
        for event in stub.Generate(request, metadata=md, timeout=300):
            if event.HasField("delta") and first is None:
                first = time.perf_counter()
            if event.HasField("done"):
                spent = time.perf_counter() - (first or time.perf_counter())
                tokens = event.done.completion_tokens
                return load, (tokens - 1) / spent if spent > 0 else 0.0, tokens
    raise SystemExit("the generation did not finish")


def tool_turn(token: str, base_id: str) -> tuple[float, dict[str, Any]]:
    headers = {"authorization": f"Bearer {token}"}
    body = {"message": "Total hours of all projects?", "base_id": base_id}
    began = time.perf_counter()
    reply = httpx.post(f"{GATEWAY}/api/v1/chat", json=body, headers=headers, timeout=600)
    return time.perf_counter() - began, reply.json()


def main() -> None:
    env = {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(OFFSET),
        "TABLEMESH_VAR_DIR": str(VAR),
        "TABLEMESH_LOG_LEVEL": "warning",
        "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "TABLEMESH_LLM_PROVIDER": "local",
        "TABLEMESH_MODEL": MODEL,
        "TABLEMESH_LLM_TIMEOUT": "600",
    }
    tablemesh = str(BIN / "tablemesh")
    subprocess.run([tablemesh, "up", "--detach", "--timeout", "600"], env=env, check=True)
    try:
        token, base_id, _ = seed(GATEWAY)
        load, speed, tokens = generation_speed(token)
        ttft = first_token_seconds(token)
        wall, answer = tool_turn(token, base_id)
    finally:
        subprocess.run([tablemesh, "down"], env=env, check=False, stdout=subprocess.DEVNULL)
    calls = [c.get("name") for c in answer.get("tool_calls", [])]
    print(f"\nlocal model ({MODEL}) on {os.cpu_count()} cores")
    print(f"  {'load time':<44} {load:8.2f} s")
    print(f"  {'time to first token, StreamChat via Envoy':<44} {ttft:8.2f} s")
    print(f"  {'generation speed':<44} {speed:8.1f} tokens/s ({tokens} tokens)")
    print(f"  {'a tool-using chat turn (100 records)':<44} {wall:8.2f} s")
    print(f"    tools called: {', '.join(map(str, calls)) or 'none'}")
    print(f"    answer (right: 450): {json.dumps(answer.get('message'))[:200]}")
    print(f"    usage: {json.dumps(answer.get('usage'))}")


if __name__ == "__main__":
    main()
