"""Each RPC's declared policy, read from its `tablemesh.api.v1.policy` method option.

The protos say who may call a method (public, user, internal), whether it counts against
the sign-in bucket, whether it runs long, and (protobuf's own `idempotency_level`) whether
a retry is safe. The gateway, the services' token check and the client retry rule all ask
this module, so the answer is written down once, in the contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import descriptor_pb2, descriptor_pool
from tablemesh.api.v1 import method_policy_pb2 as policy_pb

Visibility = policy_pb.Visibility
_Idempotency = descriptor_pb2.MethodOptions.IdempotencyLevel


@dataclass(frozen=True)
class Policy:
    """What the contract says about one method."""

    visibility: int = policy_pb.VISIBILITY_INTERNAL
    sign_in_limited: bool = False
    long_running: bool = False
    tokenless: bool = False
    idempotency: int = descriptor_pb2.MethodOptions.IDEMPOTENCY_UNKNOWN

    @property
    def public(self) -> bool:
        return self.visibility == policy_pb.VISIBILITY_PUBLIC

    @property
    def internal(self) -> bool:
        """Never routed by the gateway (undeclared methods count as internal)."""
        return self.visibility not in (policy_pb.VISIBILITY_PUBLIC, policy_pb.VISIBILITY_USER)

    @property
    def token_required(self) -> bool:
        """Whether the service itself refuses a call that carries no access token."""
        return not (self.public or self.tokenless)

    @property
    def retryable(self) -> bool:
        """Safe to send again after a failure that may have reached the server."""
        return self.idempotency in (
            descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS,
            descriptor_pb2.MethodOptions.IDEMPOTENT,
        )


def from_options(options: descriptor_pb2.MethodOptions) -> Policy:
    """The policy a method's options declare (an undeclared one is internal)."""
    declared = options.Extensions[policy_pb.policy]
    return Policy(
        visibility=declared.visibility or policy_pb.VISIBILITY_INTERNAL,
        sign_in_limited=declared.sign_in_limited,
        long_running=declared.long_running,
        tokenless=declared.tokenless,
        idempotency=options.idempotency_level,
    )


_known: dict[str, Policy] = {}


def of(method: str) -> Policy:
    """The policy of `/pkg.Service/Method`, from the generated modules this process loaded.

    A method this process does not know is internal: it is never treated as public. That
    answer is not remembered, so a module imported later is seen.
    """
    known = _known.get(method)
    if known is not None:
        return known
    service, _, name = method.removeprefix("/").rpartition("/")
    try:
        found = descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]
    except KeyError:
        return Policy()
    policy = _known[method] = from_options(found.GetOptions())  # type: ignore[arg-type]
    return policy
