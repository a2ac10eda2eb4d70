"""What a model call costs: a built-in table of well-known models' list prices, merged with
TABLEMESH_LLM_PRICES. Prices are US dollars per million input and output tokens.

A model with no price (a local Ollama model, a new release) costs 0 and is logged once, so
an operator notices and adds it to TABLEMESH_LLM_PRICES.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from services.runtime import logs

log = logs.get("pricing")

# (input, output) USD per million tokens, from the providers' public price lists.
BUILT_IN: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-3.5-turbo": (0.50, 1.50),
    "o1": (15.00, 60.00),
    "o1-mini": (1.10, 4.40),
    "o3": (2.00, 8.00),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "gemini-1.5-flash": (0.075, 0.30),
    "gemini-1.5-pro": (1.25, 5.00),
    "gemini-2.0-flash": (0.10, 0.40),
    "gemini-2.0-flash-lite": (0.075, 0.30),
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.5-flash-lite": (0.10, 0.40),
    "gemini-2.5-pro": (1.25, 10.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-3-5-sonnet": (3.00, 15.00),
    "claude-sonnet-4": (3.00, 15.00),
    "mistral-large": (2.00, 6.00),
    "mistral-small": (0.20, 0.60),
    # The mesh's own models (the `local` provider): the CPU they run on is the only cost.
    "qwen2.5-coder-1.5b": (0.0, 0.0),
    "smollm2-135m": (0.0, 0.0),
}


@dataclass(frozen=True)
class Cost:
    usd: float
    # False when the model is in no price table (the cost is then 0).
    priced: bool


def parse_prices(raw: str) -> dict[str, tuple[float, float]]:
    """TABLEMESH_LLM_PRICES: {"model": [input, output]}; ValueError says what is wrong."""
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"TABLEMESH_LLM_PRICES is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError('TABLEMESH_LLM_PRICES must be a JSON object {"model": [in, out]}')
    prices: dict[str, tuple[float, float]] = {}
    for model, pair in data.items():
        ok = isinstance(pair, list) and len(pair) == 2
        if not ok or not all(isinstance(p, int | float) and p >= 0 for p in pair):
            raise ValueError(
                f"TABLEMESH_LLM_PRICES[{model!r}] must be [usd_per_million_input, "
                f"usd_per_million_output] with numbers >= 0, got {pair!r}"
            )
        prices[model] = (float(pair[0]), float(pair[1]))
    return prices


class PriceTable:
    def __init__(self, extra: dict[str, tuple[float, float]] | None = None) -> None:
        self.prices = {**BUILT_IN, **(extra or {})}
        self._warned: set[str] = set()

    def price_of(self, model: str) -> tuple[float, float] | None:
        """Exact name first, then without a "models/" or vendor prefix, then the longest
        known name the model starts with (dated releases like gpt-4o-mini-2024-07-18)."""
        for name in (model, model.removeprefix("models/"), model.rsplit("/", 1)[-1]):
            if name in self.prices:
                return self.prices[name]
        name = model.rsplit("/", 1)[-1]
        matches = [known for known in self.prices if name.startswith(known + "-")]
        return self.prices[max(matches, key=len)] if matches else None

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> Cost:
        price = self.price_of(model)
        if price is None:
            if model not in self._warned:
                self._warned.add(model)
                log.warning(
                    "model has no price; its calls are recorded at cost 0",
                    model=model,
                    fix="add it to TABLEMESH_LLM_PRICES",
                )
            return Cost(0.0, False)
        usd = (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000
        return Cost(round(usd, 10), True)
