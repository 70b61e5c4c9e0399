"""UpdateTable takes time: the table is UPDATING, and a new GSI is CREATING and backfilling, until the change settles.

moto applies an UpdateTable at once and shows the table ACTIVE. AWS does not: after UpdateTable the table's status is
UPDATING (API_UpdateTable: "the table status changes from ACTIVE to UPDATING. While it is UPDATING, you can't issue
another UpdateTable request"), and a GSI added by it is CREATING, with ``Backfilling: true`` while DynamoDB copies the
table's items into it (API_GlobalSecondaryIndexDescription); the table itself stays ACTIVE during an online index
build, so here only the index is busy. Another UpdateTable meanwhile is refused with
ResourceInUseException ("You tried to update a resource that was already being updated", API_UpdateTable errors).
Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GlobalSecondaryIndexDescription.html

How long it takes is a per-test setting (``POST /tablewarden/settle {"seconds": n, "tables": {"Orders": 3600}}``),
measured on the emulator clock (strict/clock.py), so a test can hold one table UPDATING for an hour of emulator time
and let another settle in a fraction of a second. The default is 0 (settled at once, moto's behaviour), because AWS's
real time varies from seconds to hours and most tests are not about it. ``POST /moto-api/reset`` resets it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from moto.dynamodb.exceptions import ResourceInUseException
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

from strict import clock
from strict.common import _patch

_default_seconds = 0.0
_table_seconds: dict[str, float] = {}


def settle_seconds(name: str) -> float:
    """How long an UpdateTable of this table takes to settle (emulator seconds)."""
    return _table_seconds.get(name, _default_seconds)


def reset_settings() -> None:
    """Back to settling at once; ``POST /moto-api/reset`` calls it."""
    global _default_seconds
    _default_seconds = 0.0
    _table_seconds.clear()


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{field} must be a number >= 0, got {json.dumps(value)}")
    return float(value)


def admin(method: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """``/tablewarden/settle``: GET the settings, POST ``{"seconds": n, "tables": {"Name": n}}`` to set them."""
    global _default_seconds
    if method == "POST":
        try:
            body = json.loads(raw or b"{}")
            seconds = _number(body.get("seconds", 0), "seconds")
            tables = {str(name): _number(value, f"tables.{name}") for name, value in (body.get("tables") or {}).items()}
        except (ValueError, TypeError, AttributeError) as err:
            return 400, {"message": f"settle settings: {err}"}
        _default_seconds = seconds
        _table_seconds.clear()
        _table_seconds.update(tables)
    elif method != "GET":
        return 405, {"message": f"{method} not allowed"}
    return 200, {"seconds": _default_seconds, "tables": dict(_table_seconds)}


def _updating(table: Table) -> bool:
    state = getattr(table, "tw_settle", None)
    return bool(state) and state["table"] and clock.now() < state["ready_at"]


@_patch(DynamoHandler, "update_table")
def _update_table(original, self: DynamoHandler):
    name = self.body.get("TableName") or ""
    try:
        table = self.dynamodb_backend.get_table(name)
    except Exception:  # noqa: BLE001  (moto's own handler answers an unknown table)
        table = None
    if table is not None and _updating(table):
        # AWS's wording, as recorded from a real UpdateTable during UPDATING (sebdah/dynamic-dynamodb#36).
        raise ResourceInUseException(f"Attempt to change a resource which is still in use: Table is being updated: {name}")
    result = original(self)
    seconds = settle_seconds(name)
    if seconds > 0:
        created = [update["Create"].get("IndexName") for update in self.body.get("GlobalSecondaryIndexUpdates") or [] if "Create" in update]
        table = self.dynamodb_backend.get_table(name)
        # An online index build leaves the table ACTIVE (still taking other reads and writes); the index is what
        # is CREATING and backfilling. Any other change makes the table UPDATING.
        table.tw_settle = {"ready_at": clock.now() + timedelta(seconds=seconds), "indexes": set(created), "table": not created}
    return result


@_patch(Table, "describe")
def _describe(original, self: Table, base_key: str = "TableDescription"):
    result = original(self, base_key)
    state = getattr(self, "tw_settle", None)
    if state and clock.now() < state["ready_at"]:
        description = result[base_key]
        if state["table"] and description.get("TableStatus") == "ACTIVE":
            description["TableStatus"] = "UPDATING"
        for index in description.get("GlobalSecondaryIndexes") or []:
            if index.get("IndexName") in state["indexes"]:
                index["IndexStatus"] = "CREATING"
                index["Backfilling"] = True
    return result
