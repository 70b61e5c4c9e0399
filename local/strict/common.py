"""Helpers every gap-layer module shares: patching moto methods, and AWS's wording for constraint errors."""

from __future__ import annotations

import functools
from typing import Any


def _patch(cls: Any, name: str):
    """Replace cls.name with the decorated function; the original is passed as the first argument."""

    def wrap(fn):
        original = getattr(cls, name)

        @functools.wraps(original)
        def patched(*args: Any, **kwargs: Any) -> Any:
            return fn(original, *args, **kwargs)

        setattr(cls, name, patched)
        return fn

    return wrap


def _constraint(value: Any, where: str, constraint: str) -> str:
    """AWS's wording for a request that fails the API model's constraints (Coral validation)."""
    return f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: {constraint}"


def _check_range(value: Any, where: str, low: int, high: int, error: type) -> None:
    if value is None:
        return
    if not isinstance(value, int) or value < low:
        raise error(_constraint(value, where, f"Member must have value greater than or equal to {low}"))
    if value > high:
        raise error(_constraint(value, where, f"Member must have value less than or equal to {high}"))


def _check_enum(value: Any, where: str, allowed: list[str], error: type) -> None:
    if value is not None and value not in allowed:
        raise error(_constraint(value, where, f"Member must satisfy enum value set: [{', '.join(allowed)}]"))


def kms_key(account_id: str, region: str, key_ref: str):
    """The moto KMS key behind a key id, key ARN, alias name or alias ARN; None when there is none."""
    from moto.kms.models import kms_backends

    kms = kms_backends[account_id][region]
    try:
        return kms.keys.get(kms.any_id_to_key_id(key_ref))
    except (AttributeError, KeyError, TypeError):  # moto's lookup fails this way for unknown aliases
        return None


def resolve_sse(account_id: str, region: str, spec: dict | None, where: str) -> dict | None:
    """Validate an SSESpecification (or a restore's SSESpecificationOverride, `where` names which) and resolve its
    key in moto's KMS; None means the AWS owned key. One home for CreateTable, UpdateTable and the restores.

    moto stores KMSMasterKeyId as given, without checking that the key exists, so DescribeTable would report an
    alias (or a typo) as KMSMasterKeyArn. AWS reports the key's ARN and rejects a missing or disabled key.
    """
    from moto.dynamodb.exceptions import MockValidationException

    if not spec or not spec.get("Enabled"):
        return None
    sse_type, key_ref = spec.get("SSEType"), spec.get("KMSMasterKeyId")
    _check_enum(sse_type, f"{where}.sSEType", ["KMS"], MockValidationException)
    if key_ref and sse_type is None:
        raise MockValidationException("SSEType KMS is required if KMSMasterKeyId is specified")
    key = kms_key(account_id, region, key_ref or "alias/aws/dynamodb")
    if key is None or key.key_state != "Enabled":
        state = "does not exist" if key is None else f"is {key.key_state}"
        raise MockValidationException(
            f"One or more parameter values were invalid: KMSMasterKeyId {key_ref} {state} "
            f"in account {account_id}, region {region}"
        )
    return {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key.arn}
