"""Conversions between Python values and the well-known protobuf types servicers share."""

from __future__ import annotations

from datetime import datetime

import grpc
from google.protobuf import timestamp_pb2

from services.runtime import clock

# The servicer context type every servicer method receives.
Ctx = grpc.aio.ServicerContext


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    """A Timestamp for a datetime; None stays unset in the message."""
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def now_timestamp() -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(clock.now())
    return stamp
