"""The strict layer of the local AWS: rules AWS enforces on requests, which moto does not.

moto keeps state; AWS also *refuses* requests (limits, ordering, policy checks). Each module here patches moto so
the local AWS refuses what AWS refuses, with AWS's error code and message. One module per service; every rule is
listed in ``local/EMULATOR-RULES.md`` with the AWS documentation page it follows and the test that proves it.

``install()`` applies every module's patches; ``local/moto_server.py`` calls it after its own patches, so a rule
here wraps the gap-filling behaviour there.
"""


def install() -> None:
    """Apply the strict rules of every service (idempotent: a module's patches run once, at its import)."""
    from strict import backup, dynamodb, kms, kms_mac  # noqa: F401  (imported for their patches)
    from strict import restore  # noqa: F401  (after dynamodb: its UpdateTable/DeleteTable guards run first)
    from strict import config  # noqa: F401  (AWS Config compliance APIs and the local managed-rule evaluator)
    from strict import settle  # noqa: F401  (UpdateTable leaves the table UPDATING, a new GSI backfilling, for a set time)
