"""`tablemesh trace TRACE_ID`: the spans the platform collector wrote to var/traces, as a
tree with each span's service, name and duration."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.tree import Tree

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Span:
    data: dict[str, Any]
    children: list[Span] = field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return (int(self.data["end_ns"]) - int(self.data["start_ns"])) / 1e6

    def label(self) -> str:
        status = " [red]error[/red]" if self.data.get("status_code") == 2 else ""
        return (
            f"[bold]{self.data['service']}[/bold] {self.data['name']} "
            f"[cyan]{self.duration_ms:.2f} ms[/cyan]{status}"
        )


def load(traces_dir: Path, trace_id: str) -> list[Span]:
    """The trace's root spans, each with its children, in start order."""
    trace_id = trace_id.strip().lower()
    if not TRACE_ID.match(trace_id):
        raise ValueError(f"{trace_id!r} is not a trace id (32 hex digits)")
    path = traces_dir / f"{trace_id}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"no spans recorded for trace {trace_id} in {traces_dir}")
    spans: dict[str, Span] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            spans[record["span_id"]] = Span(record)
    roots: list[Span] = []
    for span in sorted(spans.values(), key=lambda s: int(s.data["start_ns"])):
        parent = spans.get(span.data["parent_span_id"])
        (parent.children if parent else roots).append(span)
    return roots


def render(trace_id: str, roots: list[Span]) -> Tree:
    tree = Tree(f"trace {trace_id}")

    def add(node: Tree, span: Span) -> None:
        branch = node.add(span.label())
        for child in span.children:
            add(branch, child)

    for root in roots:
        add(tree, root)
    return tree
