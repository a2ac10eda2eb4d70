"""A mesh with fault injection switched on, for the saga's failure and soak tests.

It is booted through the launcher like the e2e mesh, on its own ports and database, with
the launcher's own embedded Redis (so a test can restart it), a short saga lease (a killed
orchestrator's sagas are resumed within seconds) and quick retries. Each test sets the
fault rules it needs with `tablemesh faults set`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chaos.world import set_faults
from tests.datastores import PrivateStores
from tests.e2e.mesh import Mesh, booted, mesh_env
from tests.ports import offset


@pytest.fixture(scope="package")
def chaos_mesh(
    tmp_path_factory: pytest.TempPathFactory, private_stores: PrivateStores
) -> Iterator[Mesh]:
    database_url = private_stores.new_database()
    var_dir = tmp_path_factory.mktemp("chaos")
    env = mesh_env(var_dir, database_url, "", offset("chaos"))
    del env["REDIS_URL"]  # the launcher starts and supervises its own
    env.update(
        {
            "TABLEMESH_FAULT_INJECTION": "true",
            "TABLEMESH_SAGA_LEASE_SECONDS": "3",
            "TABLEMESH_SAGA_POLL_INTERVAL": "0.5",
            "TABLEMESH_SAGA_RETRY_DELAY": "0.05",
            # Retries span about 6 s: longer than a Redis restart takes.
            "TABLEMESH_SAGA_STEP_ATTEMPTS": "8",
            "TABLEMESH_SAGA_CALL_TIMEOUT": "5",
        }
    )
    with booted(Mesh(var_dir, env)) as m:
        yield m


@pytest.fixture
def mesh(chaos_mesh: Mesh) -> Iterator[Mesh]:
    """The chaos mesh with no faults at the start and end of a test."""
    set_faults(chaos_mesh)
    yield chaos_mesh
    set_faults(chaos_mesh)
