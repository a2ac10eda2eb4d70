"""Redis through redis-py's asyncio client (redis://, rediss:// or unix:// URLs).

The pool blocks: under a burst a command waits up to POOL_TIMEOUT for a free connection
instead of failing at once (redis-py's default pool raises MaxConnectionsError). A wait that
runs out raises redis' ConnectionError, which every service answers as UNAVAILABLE.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

# Connections one process keeps at most; a mesh runs services x workers processes.
MAX_CONNECTIONS = 64
# Seconds a command waits for a free connection, and for a new one to connect.
POOL_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0


def create_redis(
    url: str, *, max_connections: int = MAX_CONNECTIONS, pool_timeout: float = POOL_TIMEOUT
) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=pool_timeout,
        decode_responses=True,
        health_check_interval=30,
        socket_connect_timeout=CONNECT_TIMEOUT,
    )
    return Redis.from_pool(pool)
