"""Strict rules for dynamodb: what AWS refuses that moto accepts. See local/EMULATOR-RULES.md.

Each rule wraps a moto handler method (after local/moto_server.py's own patches), checks the request against the
table in moto's model *before* anything changes, and raises DynamoDB's own error code with AWS's message. State a
rule needs (when TTL last changed, recent table class and billing switches) lives on moto's ``Table`` object, so
``POST /moto-api/reset`` clears it with the table. Time windows read the emulator clock (strict/clock.py).

Messages: where AWS's wording is known (recorded responses, AWS's own examples) it is copied exactly; where it is
not, the rule says so in local/EMULATOR-RULES.md.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException, MockValidationException
from moto.dynamodb.exceptions import ResourceNotFoundException
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from strict import clock
from strict.common import _constraint, _patch

INVALID = "One or more parameter values were invalid: "


class LimitExceeded(DynamodbException):
    """DynamoDB's LimitExceededException (HTTP 400), which moto has no class for."""

    error_type = ERROR_TYPE_PREFIX + "LimitExceededException"

    def __init__(self, message: str):
        super().__init__(LimitExceeded.error_type, message=message)


def _table(handler: DynamoHandler, name: str | None) -> Table:
    try:
        return handler.dynamodb_backend.get_table(name)
    except ResourceNotFoundException:
        raise ResourceNotFoundException(table_name=name)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


# ---------------------------------------------------------------------------------------------------------
# UpdateTimeToLive: one change per table per hour; ENABLING / DISABLING while the change settles
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html
# ---------------------------------------------------------------------------------------------------------

TTL_WINDOW = timedelta(hours=1)
TTL_COOLDOWN = "Time to live has been modified multiple times within a fixed interval"


def ttl_settle_seconds() -> float:
    """How long (emulator time) DescribeTimeToLive reports ENABLING / DISABLING after a change.

    AWS says a change "can take up to one hour to fully process". A full hour would leave every test and demo
    run in the interim state, so the default is 10 seconds; TABLEWARDEN_TTL_SETTLE_SECONDS sets it (0: at once).
    """
    raw = os.environ.get("TABLEWARDEN_TTL_SETTLE_SECONDS", "").strip()
    try:
        return max(0.0, float(raw)) if raw else 10.0
    except ValueError:
        return 10.0


def _ttl_description(table: Table) -> dict[str, Any]:
    """moto's TTL state as AWS describes it: interim status while settling, no attribute once disabled."""
    status = table.ttl.get("TimeToLiveStatus", "DISABLED")
    attribute = table.ttl.get("AttributeName")
    changed = getattr(table, "tw_ttl_changed_at", None)
    settling = changed is not None and clock.now() < changed + timedelta(seconds=ttl_settle_seconds())
    if settling:
        status = {"ENABLED": "ENABLING", "DISABLED": "DISABLING"}.get(status, status)
    out: dict[str, Any] = {"TimeToLiveStatus": status}
    if attribute and status != "DISABLED":
        out["AttributeName"] = attribute
    return out


@_patch(DynamoHandler, "describe_time_to_live")
def _describe_time_to_live(original, self: DynamoHandler):
    table = _table(self, self.body.get("TableName"))
    return ActionResult({"TimeToLiveDescription": _ttl_description(table)})


@_patch(DynamoHandler, "update_time_to_live")
def _update_time_to_live(original, self: DynamoHandler):
    # Order as AWS checks: request shape, table, the content of the change, then the one-hour window.
    spec = self.body.get("TimeToLiveSpecification") or {}
    attribute, enabled = spec.get("AttributeName"), spec.get("Enabled")
    for value, where in ((attribute, "attributeName"), (enabled, "enabled")):
        if value is None:
            raise MockValidationException(
                f"1 validation error detected: Value null at 'timeToLiveSpecification.{where}' "
                "failed to satisfy constraint: Member must not be null"
            )
    if not 1 <= len(attribute) <= 255:
        raise MockValidationException(
            _constraint(
                attribute,
                "timeToLiveSpecification.attributeName",
                "Member must have length less than or equal to 255",
            )
            if attribute
            else _constraint(
                attribute,
                "timeToLiveSpecification.attributeName",
                "Member must have length greater than or equal to 1",
            )
        )
    table = _table(self, self.body.get("TableName"))
    status = _ttl_description(table)["TimeToLiveStatus"]
    active = status in ("ENABLED", "ENABLING")
    current = table.ttl.get("AttributeName")
    if active and current != attribute:
        raise MockValidationException(
            f"TimeToLive is active on a different AttributeName: current AttributeName is {current}"
        )
    if enabled and active:
        raise MockValidationException("TimeToLive is already enabled")
    if not enabled and not active:
        raise MockValidationException("TimeToLive is already disabled")
    changed = getattr(table, "tw_ttl_changed_at", None)
    now = clock.now()
    if changed is not None and now < changed + TTL_WINDOW:
        raise MockValidationException(TTL_COOLDOWN)
    result = original(self)
    table.tw_ttl_changed_at = now
    return result


# ---------------------------------------------------------------------------------------------------------
# UpdateTable: AttributeDefinitions merged, one index create/delete per call, what can't share a call,
# table class changes per 30 days, switches to on-demand per 24 hours
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
# ---------------------------------------------------------------------------------------------------------

ONE_INDEX = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
TABLE_CLASS_WINDOW, TABLE_CLASS_MAX = timedelta(days=30), 2
ON_DEMAND_WINDOW, ON_DEMAND_MAX = timedelta(hours=24), 4


def _key_names(schema: list[dict[str, str]] | None) -> list[str]:
    return [element["AttributeName"] for element in schema or []]


def _check_index_updates(body: dict, table: Table) -> list[dict]:
    """The GSI Create actions of the request, after AWS's per-call rules for index changes."""
    updates = body.get("GlobalSecondaryIndexUpdates")
    if updates is None:
        return []
    if not updates:
        raise MockValidationException(INVALID + "List of GlobalSecondaryIndexUpdates is empty")
    creates = [u["Create"] for u in updates if u.get("Create")]
    deletes = [u["Delete"] for u in updates if u.get("Delete")]
    if len(creates) + len(deletes) > 1:
        raise LimitExceeded(ONE_INDEX)
    if creates or deletes:
        if body.get("ProvisionedThroughput"):
            raise MockValidationException(INVALID + "You cannot create or delete index while updating table IOPS")
        if body.get("StreamSpecification"):
            raise MockValidationException(INVALID + "You cannot create or delete index while changing stream status")
    declared = {d["AttributeName"] for d in body.get("AttributeDefinitions") or []}
    for create in creates:
        if any(name not in declared for name in _key_names(create.get("KeySchema"))):
            # The request itself must declare the new index's keys, even ones the table already defines.
            raise MockValidationException(INVALID + f"AttributeDefinitions is not specified for index: {create['IndexName']}")
    return creates


def _merged_definitions(table: Table, body: dict) -> list[dict[str, str]]:
    """AWS treats UpdateTable's AttributeDefinitions as a delta: existing attributes keep their type."""
    merged = {d["AttributeName"]: d for d in table.attr}
    for definition in body.get("AttributeDefinitions") or []:
        merged.setdefault(definition["AttributeName"], definition)
    return list(merged.values())


def _used_definitions(table: Table, definitions: list[dict[str, str]]) -> list[dict[str, str]]:
    """Only attributes that a key schema uses (table, LSIs, current GSIs), as DescribeTable reports them."""
    used = set(_key_names(table.schema))
    for index in [*table.indexes, *table.global_indexes]:
        used.update(_key_names(index.schema))
    return [d for d in definitions if d["AttributeName"] in used]


def _recent(stamps: list[datetime], now: datetime, window: timedelta) -> list[datetime]:
    return [stamp for stamp in stamps if now - stamp < window]


def _check_table_class(body: dict, table: Table, now: datetime) -> bool:
    """Whether the request changes the table class; refuses a third change within 30 days."""
    wanted = body.get("TableClass")
    current = getattr(table, "tw_table_class", None) or "STANDARD"
    if not wanted or wanted == current:
        return False
    recent = _recent(getattr(table, "tw_table_class_changes", []), now, TABLE_CLASS_WINDOW)
    if len(recent) >= TABLE_CLASS_MAX:
        raise LimitExceeded(
            f"Subscriber limit exceeded: Updates to TableClass are limited to {TABLE_CLASS_MAX} times in 30 day(s). "
            f"Last update at {_stamp(recent[-1])}. Next update can be made at {_stamp(recent[0] + TABLE_CLASS_WINDOW)}"
        )
    return True


def _check_billing_mode(body: dict, table: Table, now: datetime) -> bool:
    """Whether the request switches a provisioned table to on-demand; refuses a fifth within 24 hours."""
    if body.get("BillingMode") != "PAY_PER_REQUEST" or table.billing_mode == "PAY_PER_REQUEST":
        return False
    recent = _recent(getattr(table, "tw_on_demand_switches", []), now, ON_DEMAND_WINDOW)
    if len(recent) >= ON_DEMAND_MAX:
        raise LimitExceeded(
            f"Subscriber limit exceeded: Update to PayPerRequest mode are limited to {ON_DEMAND_MAX} times in 1 day(s). "
            f"Last update at {_stamp(recent[-1])}. Next update can be made at {_stamp(recent[0] + ON_DEMAND_WINDOW)}"
        )
    return True


@_patch(DynamoHandler, "update_table")
def _update_table(original, self: DynamoHandler):
    # Every check runs before moto changes anything, so a refused request leaves the table as it was.
    body = self.body
    table = _table(self, body.get("TableName"))
    now = clock.now()
    _check_index_updates(body, table)
    class_change = _check_table_class(body, table, now)
    on_demand = _check_billing_mode(body, table, now)
    if body.get("AttributeDefinitions") is not None:
        # moto replaces table.attr with the request's list, dropping the key schema's definitions.
        body["AttributeDefinitions"] = _merged_definitions(table, body)
    original(self)
    table.attr = _used_definitions(table, table.attr)
    if class_change:
        table.tw_table_class_changes = [*_recent(getattr(table, "tw_table_class_changes", []), now, TABLE_CLASS_WINDOW), now]
    if on_demand:
        table.tw_on_demand_switches = [*_recent(getattr(table, "tw_on_demand_switches", []), now, ON_DEMAND_WINDOW), now]
    return DynamoResult(table.describe())


# ---------------------------------------------------------------------------------------------------------
# Tags: 50 per resource, key and value lengths and characters, aws: reserved
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TaggingRestrictions.html
# ---------------------------------------------------------------------------------------------------------

TAG_MAX = 50
# Letters, numbers and white space, plus + - = . _ : /  (DynamoDB's tagging restrictions; @ is not listed).
# \w admits Unicode letters, digits and '_'.
_TAG_CHARS = re.compile(r"^[\w\s+\-=.:/]*$", re.UNICODE)


def _check_tags(tags: list[dict[str, Any]], existing: list[dict[str, str]]) -> None:
    for tag in tags:
        key, value = tag.get("Key"), tag.get("Value")
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _TAG_CHARS.match(key):
            raise MockValidationException(f"The Tag Key provided is invalid, Key: {key}")
        if key.lower().startswith("aws:"):
            raise MockValidationException(f"Tag Key cannot be prefixed with aws:, Key: {key}")
        if not isinstance(value, str) or len(value) > 256 or not _TAG_CHARS.match(value):
            raise MockValidationException(f"The Tag Value provided is invalid, Value: {value}")
    keys = [tag["Key"] for tag in tags]
    duplicate = next((key for i, key in enumerate(keys) if key in keys[:i]), None)
    if duplicate is not None:
        raise MockValidationException(f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {duplicate}")
    user_keys = {t["Key"] for t in existing if not t["Key"].lower().startswith("aws:")} | set(keys)
    if len(user_keys) > TAG_MAX:
        raise MockValidationException("Number of Tags exceed the current limit for the provided ResourceArn")


@_patch(DynamoHandler, "create_table")
def _create_table(original, self: DynamoHandler):
    tags = self.body.get("Tags")
    if tags is not None:
        _check_tags(tags, [])
    return original(self)


@_patch(DynamoHandler, "tag_resource")
def _tag_resource(original, self: DynamoHandler):
    tags = self.body.get("Tags") or []
    if not tags:
        raise MockValidationException("Atleast one Tag needs to be provided as Input.")
    arn = self.body.get("ResourceArn")
    table = next((t for t in self.dynamodb_backend.tables.values() if t.table_arn == arn), None)
    if table is None:
        raise ResourceNotFoundException(f"Requested resource not found: ResourcArn: {arn} not found")
    _check_tags(tags, table.tags)
    return original(self)

