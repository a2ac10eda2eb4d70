"""The answer's text out of a constrained JSON reply as it streams in."""

from __future__ import annotations

import contextlib


class AnswerDecoder:
    """The text of an `{"answer": "..."}` reply as it streams in, piece by piece; nothing
    for a tool call (whose first key is "tool")."""

    ESCAPES = {
        '"': '"',
        "\\": "\\",
        "/": "/",
        "b": "\b",
        "f": "\f",
        "n": "\n",
        "r": "\r",
        "t": "\t",
    }

    def __init__(self) -> None:
        self.buffer = ""
        self.position = -1  # where the answer string's unread text starts, once found
        self.finished = False

    def _find_start(self) -> None:
        head = self.buffer.lstrip()
        if not head.startswith("{"):
            return
        key_at = head.find('"', 1)
        if key_at < 0 or not head.startswith('"answer"', key_at):
            return
        colon = head.find(":", key_at + 8)
        quote = head.find('"', colon + 1) if colon >= 0 else -1
        if quote >= 0:
            self.position = len(self.buffer) - len(head) + quote + 1

    def feed(self, piece: str) -> str:
        self.buffer += piece
        if self.finished:
            return ""
        if self.position < 0:
            self._find_start()
            if self.position < 0:
                return ""
        out: list[str] = []
        i, text = self.position, self.buffer
        while i < len(text):
            char = text[i]
            if char == '"':
                self.finished = True
                break
            if char != "\\":
                out.append(char)
                i += 1
                continue
            if i + 1 >= len(text):
                break  # the escape's second half has not arrived yet
            kind = text[i + 1]
            if kind == "u":
                if i + 6 > len(text):
                    break
                with contextlib.suppress(ValueError):
                    out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(self.ESCAPES.get(kind, kind))
            i += 2
        self.position = i
        return "".join(out)
