"""One generation: the request checked, then run on a `Llama` (on the model thread).

A JSON schema becomes a llama.cpp grammar, so every sampled token keeps the output
inside the schema: small models then produce valid tool calls instead of prose about them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.runtime.errors import InvalidArgument, Violations

ROLES = ("system", "user", "assistant")
MAX_MESSAGES = 200
MAX_MESSAGE_CHARS = 100_000
MAX_SCHEMA_CHARS = 100_000
DEFAULT_MAX_TOKENS = 1024
MAX_TOKENS = 8192


@dataclass(frozen=True)
class Generation:
    messages: tuple[tuple[str, str], ...]
    grammar: Any = None
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float = 0.0


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Done:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    model: str


def grammar_of(schema_text: str) -> Any:
    """The llama.cpp grammar for a JSON schema; ValueError says why there is none."""
    try:
        schema = json.loads(schema_text)
    except json.JSONDecodeError as exc:
        raise ValueError("must be a JSON object (a JSON schema)") from exc
    if not isinstance(schema, dict):
        raise ValueError("must be a JSON object (a JSON schema)")
    from llama_cpp.llama_grammar import LlamaGrammar

    try:
        return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    except Exception as exc:  # noqa: BLE001 - the converter raises many kinds
        raise ValueError("is a JSON schema the model cannot be constrained to") from exc


def parse(
    messages: list[tuple[str, str]], json_schema: str, max_tokens: int, temperature: float
) -> Generation:
    v = Violations()
    if not messages:
        v.add("messages", "at least one message is required")
    elif len(messages) > MAX_MESSAGES:
        v.add("messages", f"at most {MAX_MESSAGES} messages")
    for index, (role, content) in enumerate(messages[:MAX_MESSAGES]):
        if role not in ROLES:
            v.add(f"messages[{index}].role", f"must be one of {', '.join(ROLES)}")
        if len(content) > MAX_MESSAGE_CHARS:
            v.add(f"messages[{index}].content", f"must be at most {MAX_MESSAGE_CHARS} characters")
    if messages and messages[-1][0] == "assistant":
        v.add("messages", "the last message must be a user or system message")
    if not 0 <= max_tokens <= MAX_TOKENS:
        v.add("max_tokens", f"must be between 0 and {MAX_TOKENS}")
    if not 0 <= temperature <= 2:  # also refuses NaN
        v.add("temperature", "must be between 0 and 2")
    grammar = None
    if len(json_schema) > MAX_SCHEMA_CHARS:
        v.add("json_schema", f"must be at most {MAX_SCHEMA_CHARS} characters")
    elif json_schema:
        try:
            grammar = grammar_of(json_schema)
        except ValueError as exc:
            v.add("json_schema", str(exc))
    v.raise_if_any()
    return Generation(tuple(messages), grammar, max_tokens or DEFAULT_MAX_TOKENS, temperature)


def run_generation(
    llama: Any, model: str, generation: Generation, cancel: threading.Event
) -> Iterator[Delta | Done]:
    """The deltas and the Done of one generation; stops early once `cancel` is set."""
    messages = [{"role": role, "content": content} for role, content in generation.messages]
    before = llama.n_tokens
    try:
        chunks = llama.create_chat_completion(
            messages,
            grammar=generation.grammar,
            max_tokens=generation.max_tokens,
            temperature=generation.temperature,
            stream=True,
        )
        text: list[str] = []
        finish = "stop"
        completion = 0
        for chunk in chunks:
            if cancel.is_set():
                chunks.close()
                return
            choice = chunk["choices"][0]
            piece = choice["delta"].get("content") or ""
            if piece:
                completion += 1
                text.append(piece)
                yield Delta(piece)
            finish = choice.get("finish_reason") or finish
    except ValueError as exc:  # llama.cpp's "Requested tokens exceed context window"
        if "context window" not in str(exc):
            raise
        raise InvalidArgument(
            f"messages: the conversation is longer than the model's context of {llama.n_ctx()} "
            "tokens",
            reason="CONTEXT_EXCEEDED",
            violations=[("messages", "too long for the model's context window")],
        ) from exc
    # The context holds the prompt and the answer now (the reused prefix counted once).
    prompt = max(0, llama.n_tokens - completion) if llama.n_tokens >= before else 0
    yield Done("".join(text), prompt, completion, finish, model)
