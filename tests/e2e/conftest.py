"""The end-to-end tests drive the shared mesh (tests/conftest.py: e2e_mesh)."""

from __future__ import annotations

import pytest

from tests.e2e.mesh import Mesh


@pytest.fixture(scope="session")
def mesh(e2e_mesh: Mesh) -> Mesh:
    return e2e_mesh
