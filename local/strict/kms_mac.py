"""Strict rules for KMS GenerateMac and VerifyMac (HMAC keys): what AWS refuses that moto accepts.

tablewarden authenticates desired-state bundles with an HMAC KMS key: ``tablewarden publish`` calls GenerateMac,
the operator's load-desired-state Lambda calls VerifyMac. moto 5.2.1 implements both with a real HMAC (RFC 2104)
over the message with a per-key secret (the key's material), and refuses a wrong MAC with
``KMSInvalidMacException`` and a key whose usage is not ``GENERATE_VERIFY_MAC`` with ``InvalidKeyUsageException``.
What it does not check, and AWS does (https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html,
https://docs.aws.amazon.com/kms/latest/APIReference/API_VerifyMac.html):

* ``Message`` is 1 to 4,096 bytes → ``ValidationException``. (The product MACs a short canonical header that
  carries the bundle's sha256, never the bundle itself, so a bundle of any size can be authenticated.)
* The key must be usable: a disabled key → ``DisabledException`` "<key ARN> is disabled."; a key pending deletion →
  ``KMSInvalidStateException`` "<key ARN> is pending deletion." (key states:
  https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html).
* ``MacAlgorithm`` must be the one the key's spec supports (HMAC_256 → HMAC_SHA_256, ...), else
  ``InvalidKeyUsageException``; moto MACs with whatever algorithm is asked.
* The wrong-usage ``InvalidKeyUsageException`` carries AWS's message, "<key ARN> key usage is ENCRYPT_DECRYPT which
  is not valid for GenerateMac." (moto's is empty).
* The response's ``KeyId`` is the key ARN ("The HMAC KMS key used in the operation"); moto returns the bare id.

Checked in AWS's order: parameters, then the key (existence: moto), its state, its usage, the algorithm, then (VerifyMac)
the MAC itself.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kms.models import KmsBackend
from moto.kms.responses import KmsResponse

from strict.common import _patch

MAX_MESSAGE_BYTES = 4096

#: The one MAC algorithm each HMAC key spec supports (KeyMetadata.MacAlgorithms).
SPEC_ALGORITHM = {"HMAC_224": "HMAC_SHA_224", "HMAC_256": "HMAC_SHA_256", "HMAC_384": "HMAC_SHA_384", "HMAC_512": "HMAC_SHA_512"}


class DisabledException(JsonRESTError):
    """The key is disabled (AWS: "arn:aws:kms:REGION:ACCOUNT:key/ID is disabled.")."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("DisabledException", message)


class KMSInvalidStateException(JsonRESTError):
    """The key's state does not allow the operation (pending deletion, pending import...)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("KMSInvalidStateException", message)


class InvalidKeyUsage(JsonRESTError):
    """``InvalidKeyUsageException`` with AWS's message (moto's own class has none)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidKeyUsageException", message)


class MacValidation(JsonRESTError):
    """KMS ``ValidationException`` (AWS's constraint wording for a blob: the value is not echoed)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


def _message_length(message: Any) -> int:
    if isinstance(message, (bytes, bytearray)):
        return len(message)
    if isinstance(message, str):
        return len(message.encode("utf-8"))
    return 0


def _check(backend: KmsBackend, key_id: str, mac_algorithm: str, message: Any, operation: str) -> None:
    length = _message_length(message)
    if length < 1:
        raise MacValidation("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1")
    if length > MAX_MESSAGE_BYTES:
        raise MacValidation(f"1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to {MAX_MESSAGE_BYTES}")
    key = backend.keys[backend.any_id_to_key_id(key_id)]
    if key.key_state == "Disabled":
        raise DisabledException(f"{key.arn} is disabled.")
    if key.key_state == "PendingDeletion":
        raise KMSInvalidStateException(f"{key.arn} is pending deletion.")
    usage = key.key_usage or "ENCRYPT_DECRYPT"  # moto leaves it unset for a CreateKey without KeyUsage (AWS's default)
    if usage != "GENERATE_VERIFY_MAC":
        raise InvalidKeyUsage(f"{key.arn} key usage is {usage} which is not valid for {operation}.")
    supported = SPEC_ALGORITHM.get(key.key_spec)
    if mac_algorithm != supported:
        # Wording not verified against a real response (the API reference names the exception, not the text).
        raise InvalidKeyUsage(f"{key.arn} key spec is {key.key_spec}, which supports {supported}, not {mac_algorithm}, for {operation}.")


@_patch(KmsBackend, "generate_mac")
def _generate_mac(original, self: KmsBackend, message: Any, key_id: str, mac_algorithm: str, *args: Any, **kwargs: Any):
    _check(self, key_id, mac_algorithm, message, "GenerateMac")
    return original(self, message, key_id, mac_algorithm, *args, **kwargs)


@_patch(KmsBackend, "verify_mac")
def _verify_mac(original, self: KmsBackend, message: Any, key_id: str, mac_algorithm: str, *args: Any, **kwargs: Any):
    _check(self, key_id, mac_algorithm, message, "VerifyMac")
    return original(self, message, key_id, mac_algorithm, *args, **kwargs)


def _with_key_arn(response: KmsResponse, body: str) -> str:
    """Report the key as its ARN, as AWS does."""
    document = json.loads(body)
    key_id = document.get("KeyId")
    if key_id:
        key = response.kms_backend.keys.get(response.kms_backend.any_id_to_key_id(key_id))
        if key is not None:
            document["KeyId"] = key.arn
    return json.dumps(document)


@_patch(KmsResponse, "generate_mac")
def _generate_mac_response(original, self: KmsResponse) -> str:
    return _with_key_arn(self, original(self))


@_patch(KmsResponse, "verify_mac")
def _verify_mac_response(original, self: KmsResponse) -> str:
    return _with_key_arn(self, original(self))

