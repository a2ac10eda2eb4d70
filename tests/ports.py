"""Port offsets of the test meshes, shifted as a whole by TABLEMESH_TEST_PORT_SHIFT.

Each test module that boots services uses its own offset (e2e 1000, chaos 1800, ...), so the
suite's meshes never collide with each other or with a developer's mesh at offset 0. Two
suites on one machine (two checkouts, two engineers) set different shifts, multiples of
3000, and then never collide either.
"""

from __future__ import annotations

import os

SHIFT = int(os.environ.get("TABLEMESH_TEST_PORT_SHIFT", "0"))


def offset(base: int) -> int:
    """The port offset a test module asked for, shifted for this run."""
    return base + SHIFT
