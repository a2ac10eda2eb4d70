"""The answer's text decoded from a constrained JSON reply as it streams."""

from __future__ import annotations

import json

import pytest

from services.llm.providers.answer_stream import AnswerDecoder


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_the_answer_streams_in_any_pieces(size: int) -> None:
    reply = json.dumps({"answer": 'Total: 42 h\n"done" \u00e9\\'})
    decoder = AnswerDecoder()
    pieces = [decoder.feed(reply[i : i + size]) for i in range(0, len(reply), size)]
    assert "".join(pieces) == json.loads(reply)["answer"]


def test_a_tool_call_streams_nothing() -> None:
    decoder = AnswerDecoder()
    reply = '{"tool": "get_records", "arguments": {"answer": "x"}}'
    assert [decoder.feed(c) for c in reply] == [""] * len(reply)
