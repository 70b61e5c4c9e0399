"""Strict rules for kms: what AWS refuses that moto accepts. See local/EMULATOR-RULES.md.

Key policy lockout safety check (CreateKey, PutKeyPolicy)
---------------------------------------------------------
AWS: "The key policy must allow the calling principal to make a subsequent PutKeyPolicy request on the KMS key
... (To omit this condition, set BypassPolicyLockoutSafetyCheck to true.)"
(https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html#KMS-CreateKey-request-Policy,
https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html#KMS-PutKeyPolicy-request-Policy).
A policy that fails it is refused with ``MalformedPolicyDocumentException`` and the message "The new key policy
will not allow you to update the key policy in the future." (the message CloudFormation and the SDKs surface).
moto accepts any string as a policy.

AWS does not publish how it evaluates the check, so this is the model (stated here and in the rule table):

* A policy passes when some ``Allow`` statement's action covers ``kms:PutKeyPolicy`` and its principal covers
  the caller, and no ``Deny`` statement's action covers ``kms:PutKeyPolicy`` with a principal covering the caller.
* An action covers ``kms:PutKeyPolicy`` when it matches it as an IAM action pattern, case-insensitively, with
  ``*`` and ``?`` wildcards: ``kms:PutKeyPolicy``, ``kms:*``, ``kms:Put*``, ``*``. ``NotAction`` covers it when
  none of its patterns match.
* A principal covers the caller when it is ``*`` (or ``{"AWS": "*"}``), the caller's ARN as moto reports it for
  GetCallerIdentity (``arn:aws:sts::ACCOUNT:user/moto`` for credentials moto does not know; for an assumed role
  also the role's IAM ARN), or the caller's account (``arn:PARTITION:iam::ACCOUNT:root`` or the bare account id):
  the account principal delegates to IAM, which is how AWS's own default key policy passes the check for every
  caller in the account (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
  ``NotPrincipal`` covers the caller when none of its principals do. Service principals never cover a caller.
* Strict where AWS is not documented: an ``Allow`` with a ``Condition`` does not count (its condition cannot be
  known to hold for a later PutKeyPolicy); a ``Deny`` with a ``Condition`` counts as a deny.

Statement elements (CreateKey, PutKeyPolicy)
--------------------------------------------
Since 18 August 2025 AWS refuses a key policy statement without ``Action``/``NotAction`` or ``Resource``
(``MalformedPolicyDocumentException``); the only Resource a key policy accepts is ``"*"``. A policy that is not a
JSON object with a ``Statement`` is refused with the same code.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kms.responses import KmsResponse
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from strict.common import _patch

LOCKOUT_MESSAGE = "The new key policy will not allow you to update the key policy in the future."
PUT_KEY_POLICY = "kms:PutKeyPolicy"


class MalformedPolicyDocumentException(JsonRESTError):
    """KMS's error for a key policy it refuses (moto has no class for it)."""

    code = 400

    def __init__(self, message: str):
        super().__init__("MalformedPolicyDocumentException", message)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _action_matches(pattern: Any, action: str) -> bool:
    if not isinstance(pattern, str):
        return False
    regex = "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$"
    return re.match(regex, action, re.IGNORECASE) is not None


def _covers_action(statement: dict, action: str) -> bool:
    if "NotAction" in statement:
        return not any(_action_matches(p, action) for p in _as_list(statement["NotAction"]))
    return any(_action_matches(p, action) for p in _as_list(statement.get("Action")))


def _principal_values(principal: Any) -> list[str]:
    """Every principal a statement names that could be an AWS caller (service principals never are)."""
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return [p for p in _as_list(principal.get("AWS")) if isinstance(p, str)]
    return []


def _caller_principals(caller_arn: str, account_id: str, partition: str) -> set[str]:
    names = {caller_arn, account_id, f"arn:{partition}:iam::{account_id}:root", "*"}
    role = re.match(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/.+$", caller_arn)
    if role:
        names.add(f"arn:{role[1]}:iam::{role[2]}:role/{role[3]}")
    return names


def _covers_caller(statement: dict, caller: set[str]) -> bool:
    if "NotPrincipal" in statement:
        return not any(p in caller for p in _principal_values(statement["NotPrincipal"]))
    return any(p in caller for p in _principal_values(statement.get("Principal")))


def _statements(policy: str) -> list[dict]:
    try:
        document = json.loads(policy)
    except ValueError as err:
        raise MalformedPolicyDocumentException(f"The key policy is not valid JSON: {err}")
    statements = document.get("Statement") if isinstance(document, dict) else None
    statements = _as_list(statements)
    if not statements or not all(isinstance(s, dict) for s in statements):
        raise MalformedPolicyDocumentException("The key policy must have a Statement with at least one statement object.")
    for statement in statements:
        if "Action" not in statement and "NotAction" not in statement:
            raise MalformedPolicyDocumentException("Policy statement must contain an Action or NotAction element.")
        if _as_list(statement.get("Resource")) != ["*"]:
            raise MalformedPolicyDocumentException('Policy statement must contain a Resource element with the value "*".')
    return statements


def check_key_policy(policy: str, caller_arn: str, account_id: str, partition: str, bypass: bool) -> None:
    """Raise MalformedPolicyDocumentException when AWS would refuse this key policy from this caller."""
    statements = _statements(policy)
    if bypass:
        return
    caller = _caller_principals(caller_arn, account_id, partition)
    applies = [s for s in statements if _covers_action(s, PUT_KEY_POLICY) and _covers_caller(s, caller)]
    denied = any(str(s.get("Effect", "")).lower() == "deny" for s in applies)
    allowed = any(str(s.get("Effect", "")).lower() == "allow" and "Condition" not in s for s in applies)
    if denied or not allowed:
        raise MalformedPolicyDocumentException(LOCKOUT_MESSAGE)


def _caller_arn(handler: KmsResponse) -> tuple[str, str, str]:
    """(caller ARN, account id, partition) as moto's GetCallerIdentity would answer for this request."""
    partition = get_partition(handler.region)
    account_id = handler.current_account
    sts = sts_backends[account_id][partition]
    _, arn, account = sts.get_caller_identity(handler.get_access_key(), handler.region)
    return arn, account, partition


def _check_request(handler: KmsResponse) -> None:
    policy = handler._get_param("Policy")
    if policy is None:
        return  # CreateKey without a policy gets the default key policy, which always passes
    arn, account, partition = _caller_arn(handler)
    check_key_policy(policy, arn, account, partition, handler._get_param("BypassPolicyLockoutSafetyCheck") is True)


@_patch(KmsResponse, "create_key")
def _create_key(original, self: KmsResponse):
    _check_request(self)  # before moto creates anything: a refused CreateKey leaves no key behind
    return original(self)


@_patch(KmsResponse, "put_key_policy")
def _put_key_policy(original, self: KmsResponse):
    _check_request(self)
    return original(self)
