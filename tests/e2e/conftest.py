"""One mesh for all end-to-end tests, booted through the launcher like a user would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.datastores import PrivateStores
from tests.e2e.mesh import Mesh, booted, mesh_env


@pytest.fixture(scope="session")
def mesh(tmp_path_factory: pytest.TempPathFactory, private_stores: PrivateStores) -> Iterator[Mesh]:
    database_url, redis_url = private_stores.new()
    var_dir = tmp_path_factory.mktemp("var")
    with booted(Mesh(var_dir, mesh_env(var_dir, database_url, redis_url))) as m:
        yield m
