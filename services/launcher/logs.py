"""`tablemesh logs`: print the end of a log, or follow it as it grows."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

TAIL_LINES = 30


def tail(path: Path, lines: int) -> list[str]:
    """The last `lines` lines of a file ([] if it does not exist)."""
    if lines <= 0 or not path.exists():
        return []
    with path.open(errors="replace") as f:
        return [line.rstrip("\n") for line in deque(f, maxlen=lines)]


def follow(path: Path, write: Callable[[str], None], poll: float = 0.2) -> None:
    """Print lines appended to path until interrupted; copes with truncation."""
    position = path.stat().st_size if path.exists() else 0
    while True:
        size = path.stat().st_size if path.exists() else 0
        if size < position:  # truncated or replaced: start from the top
            position = 0
        if size > position:
            with path.open("rb") as f:
                f.seek(position)
                chunk = f.read(size - position)
            # Hold back a trailing partial line until its newline arrives.
            complete = chunk.rfind(b"\n") + 1
            if complete:
                write(chunk[:complete].decode(errors="replace"))
                position += complete
        time.sleep(poll)


def show_tail(console: Console, path: Path, lines: int = TAIL_LINES) -> None:
    """Print the end of a log under a header, unwrapped and without rich markup."""
    console.print(f"--- last lines of {path} ---", markup=False, soft_wrap=True)
    console.print("\n".join(tail(path, lines)) or "(empty)", markup=False, soft_wrap=True)
