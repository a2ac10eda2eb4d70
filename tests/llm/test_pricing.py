"""Cost per model call from the built-in price table and TABLEMESH_LLM_PRICES."""

from __future__ import annotations

import pytest

from services.llm.pricing import PriceTable, parse_prices


def test_cost_of_a_known_model() -> None:
    table = PriceTable()
    cost = table.cost("gpt-4o-mini", 1_000_000, 1_000_000)
    assert cost.priced and cost.usd == pytest.approx(0.15 + 0.60)
    assert table.cost("gpt-4o", 1000, 500).usd == pytest.approx((1000 * 2.5 + 500 * 10) / 1e6)


def test_dated_and_prefixed_names_find_their_model() -> None:
    table = PriceTable()
    assert table.price_of("gpt-4o-mini-2024-07-18") == (0.15, 0.60)
    assert table.price_of("gpt-4o-2024-08-06") == (2.50, 10.00)  # not gpt-4o-mini's price
    assert table.price_of("models/gemini-2.0-flash") == (0.10, 0.40)
    assert table.price_of("openai/gpt-4.1-mini") == (0.40, 1.60)


def test_unknown_model_costs_nothing_and_is_flagged() -> None:
    cost = PriceTable().cost("llama3.1:8b", 5000, 5000)
    assert cost.usd == 0 and not cost.priced


def test_configured_prices_add_and_override() -> None:
    table = PriceTable(parse_prices('{"llama3.1:8b": [1, 2], "gpt-4o-mini": [0.2, 0.8]}'))
    assert table.cost("llama3.1:8b", 1_000_000, 500_000).usd == pytest.approx(2.0)
    assert table.cost("gpt-4o-mini", 1_000_000, 0).usd == pytest.approx(0.2)


@pytest.mark.parametrize(
    "raw", ["not json", "[1, 2]", '{"m": [1]}', '{"m": [-1, 2]}', '{"m": ["1", 2]}']
)
def test_bad_configured_prices_name_the_variable(raw: str) -> None:
    with pytest.raises(ValueError, match="TABLEMESH_LLM_PRICES"):
        parse_prices(raw)
