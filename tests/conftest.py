"""Session-wide real data stores shared by every test, the one end-to-end mesh every test
that needs a running mesh shares (with the doubles of the outside services it talks to),
and the `unit` / `e2e` markers, set here from what each test uses."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime import clock as runtime_clock
from services.runtime.cache import create_redis
from services.runtime.db import create_engine
from tests.clock import FakeClock
from tests.datastores import PrivateStores, fresh_database, redis_server
from tests.e2e.mesh import Mesh, booted, mesh_env
from tests.llm.fake_openai import FakeOpenAI
from tests.notifications.smtp_server import SmtpServer, running_smtp
from tests.ports import offset

# The mesh has no default service secret: one random secret for the whole test session,
# set before anything reads settings; meshes the tests boot inherit it (mesh_env).
os.environ.setdefault("TABLEMESH_SERVICE_SECRET", secrets.token_urlsafe(48))
# Every test signs in from 127.0.0.1 against one Redis: auth's per-address sign-in limit
# would refuse a busy suite. Meshes that test it set their own (tests/e2e/mesh.py).
os.environ.setdefault("TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE", "100000")
# The model service, in the meshes with the local provider (the chaos mesh) and in
# tests/model, runs SmolLM2 (93 MB, loads in 0.1 s); the one test of the real default model
# (tests/model/test_default_model.py) sets its own.
os.environ.setdefault("TABLEMESH_MODEL", "smollm2-135m")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def private_stores(database_url: str, redis_url: str) -> Iterator[PrivateStores]:
    """For tests that boot a whole mesh: `private_stores.new()` -> (database, redis) URLs."""
    stores = PrivateStores(database_url, redis_url)
    yield stores
    stores.drop_all()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url, pool_size=4)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """This process's clock, standing still until the test advances it."""
    fake = FakeClock()
    real = runtime_clock.use(fake)
    yield fake
    runtime_clock.use(real)


@pytest.fixture(scope="session")
def openai_server() -> Iterator[FakeOpenAI]:
    """The OpenAI-compatible model double, for the shared mesh and the llm tests."""
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mesh_smtp() -> Iterator[SmtpServer]:
    """The SMTP server the shared mesh's notifications service sends email to."""
    with running_smtp() as server:
        yield server


@pytest.fixture(scope="session")
def e2e_mesh(
    tmp_path_factory: pytest.TempPathFactory,
    private_stores: PrivateStores,
    openai_server: FakeOpenAI,
    mesh_smtp: SmtpServer,
) -> Iterator[Mesh]:
    """The whole mesh booted once by the launcher for every end-to-end test, with the
    model and SMTP doubles configured (the chaos tests boot their own: they kill it)."""
    database_url, redis_url = private_stores.new()
    var_dir = tmp_path_factory.mktemp("var")
    env = mesh_env(var_dir, database_url, redis_url, offset("e2e"))
    env.update(
        {
            "TABLEMESH_LLM_PROVIDER": "openai",
            "TABLEMESH_LLM_BASE_URL": openai_server.url,
            "TABLEMESH_LLM_API_KEY": openai_server.api_key,
            "TABLEMESH_LLM_MODEL": "gpt-4o-mini",
            "TABLEMESH_SMTP_HOST": "127.0.0.1",
            "TABLEMESH_SMTP_PORT": str(mesh_smtp.port),
            "TABLEMESH_SMTP_SECURITY": "none",
            "TABLEMESH_SMTP_FROM": "Tablemesh <mesh@tablemesh.test>",
        }
    )
    with booted(Mesh(var_dir, env)) as mesh:
        yield mesh


# Fixtures that boot a mesh through the launcher: a test using one is an end-to-end test.
# The order is the order the tests run in, a module at a time: the tests without a mesh,
# then the chaos mesh's (it is torn down at the end of its package), then the shared
# mesh's, so no two meshes ever run at once.
MESHES = ("default_model_mesh", "chaos_mesh", "e2e_mesh")


def _mesh_rank(item: pytest.Item) -> int:
    uses = set(getattr(item, "fixturenames", ()))
    return max((i + 1 for i, name in enumerate(MESHES) if name in uses), default=0)


def _module(item: pytest.Item) -> object:
    return item.module if isinstance(item, pytest.Function) else item.path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks every test but the `hosts` ones `e2e` (it drives a mesh the launcher booted)
    or `unit` (it does not), so `pytest -m unit` runs without booting a mesh, and `chaos`
    when its mesh is the chaos mesh (`soak` is set by hand); and runs the modules in mesh
    order (above), each module's tests in their own order."""
    rank: dict[object, int] = {}
    for item in items:
        if item.get_closest_marker("hosts") is not None:
            # Meshes of their own across namespaces (tests/hosts): neither unit nor e2e,
            # so no slice of `make test` runs them; `make test-hosts` does.
            rank[_module(item)] = len(MESHES) + 1
            continue
        item_rank = _mesh_rank(item)
        item.add_marker(pytest.mark.e2e if item_rank else pytest.mark.unit)
        if item_rank == MESHES.index("chaos_mesh") + 1:
            item.add_marker(pytest.mark.chaos)
        rank[_module(item)] = max(rank.get(_module(item), 0), item_rank)
    items.sort(key=lambda item: rank[_module(item)])
