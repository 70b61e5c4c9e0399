"""Strict restore emulation: DynamoDB RestoreTableFromBackup / RestoreTableToPointInTime and AWS Backup restore jobs.

moto 5.2.1 restores a table at once (ACTIVE), keeps only key schema, attributes and throughput (SSE, table class and
billing mode are dropped), ignores every override, restores PITR without checking that PITR is on or that the time
is restorable, and has no AWS Backup restore jobs at all. Here one restore path serves the three APIs, and the
restored table lives in moto's own model (``backend.tables``), so DescribeTable, the tagging API, ListTables and
``POST /moto-api/reset`` all see it. Every rule is listed in local/EMULATOR-RULES.md ("Restore") with its AWS page.

Time: a restored table is ``CREATING`` (``RestoreSummary.RestoreInProgress: true``) for the restore delay, measured
on the emulator clock (strict/clock.py), then ``ACTIVE``. The delay is ``TABLEWARDEN_RESTORE_SECONDS`` (default 5 s)
or, per test, ``POST /tablewarden/restore {"seconds": n}`` (``POST /moto-api/reset`` goes back to the environment's
value). A test steps over it with ``POST /tablewarden/clock``; the restore-drill code on the local AWS simply waits,
as it would on AWS.

Point-in-time items: while PITR is on, every write to a table (PutItem, UpdateItem, DeleteItem, and the batch and
transaction writes that go through them) logs the item's before-image with the emulator time. A PITR restore starts
from the current items and undoes, newest first, every write after ``RestoreDateTime``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

from moto.backup import urls as backup_urls
from moto.backup.exceptions import BackupClientError
from moto.backup.exceptions import ResourceNotFoundException as BackupNotFound
from moto.backup.models import BackupBackend
from moto.backup.responses import BackupResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    BackupNotFoundException,
    MockValidationException,
    PointInTimeRecoveryUnavailable,
    ResourceInUseException,
    ResourceNotFoundException,
    TableAlreadyExistsException,
    TableNotFoundException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from strict import clock
from strict.common import _check_enum, _patch, resolve_sse
from strict.dynamodb import LimitExceeded

INVALID = "One or more parameter values were invalid: "
#: "Any number of users can execute up to 50 concurrent restores (any type of restore) in a given account."
MAX_CONCURRENT_RESTORES = 50
#: PointInTimeRecoveryDescription: "LatestRestorableDateTime is typically 5 minutes before the current time."
PITR_LAG = timedelta(minutes=5)
DEFAULT_RESTORE_SECONDS = 5.0

# ---------------------------------------------------------------------------------------------------------
# The restore delay (emulator time)
# ---------------------------------------------------------------------------------------------------------

_override_seconds: float | None = None


def restore_seconds() -> float:
    """How long a restored table stays CREATING: the per-test setting, else TABLEWARDEN_RESTORE_SECONDS, else 5."""
    if _override_seconds is not None:
        return _override_seconds
    raw = os.environ.get("TABLEWARDEN_RESTORE_SECONDS", "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_RESTORE_SECONDS
    except ValueError:
        return DEFAULT_RESTORE_SECONDS


def reset_settings() -> None:
    """Back to the environment's delay; ``POST /moto-api/reset`` calls it with the clock reset."""
    global _override_seconds
    _override_seconds = None


def admin(method: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """``/tablewarden/restore``: GET the delay, POST ``{"seconds": n}`` to set it (test configuration)."""
    global _override_seconds
    if method == "POST":
        try:
            seconds = json.loads(raw or b"{}")["seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
                raise ValueError(f"seconds must be a number >= 0, got {json.dumps(seconds)}")
        except (ValueError, KeyError, TypeError) as err:
            return 400, {"message": f"restore settings: {err}"}
        _override_seconds = float(seconds)
    elif method != "GET":
        return 405, {"message": f"{method} not allowed"}
    return 200, {"seconds": restore_seconds()}


# ---------------------------------------------------------------------------------------------------------
# DynamoDB errors moto has no class for
# ---------------------------------------------------------------------------------------------------------


class TableInUseException(JsonRESTError):
    """RestoreTable*: "A target table with the specified name is either being created or deleted." """

    def __init__(self, name: str):
        super().__init__(ERROR_TYPE_PREFIX + "TableInUseException", f"Table is being created: {name}")


class InvalidRestoreTimeException(JsonRESTError):
    """RestoreTableToPointInTime: "RestoreDateTime must be between EarliestRestorableDateTime and LatestRestorableDateTime." """

    def __init__(self, message: str):
        super().__init__(ERROR_TYPE_PREFIX + "InvalidRestoreTimeException", message)


def _in_use(name: str) -> ResourceInUseException:
    # Recorded from AWS (DeleteTable during CREATING): "Attempt to change a resource which is still in use: Table is
    # being created: NAME".
    return ResourceInUseException(f"Attempt to change a resource which is still in use: Table is being created: {name}")


# ---------------------------------------------------------------------------------------------------------
# Restore state on moto's Table
# ---------------------------------------------------------------------------------------------------------


def restoring(table: Table) -> bool:
    """Whether the table is a restore still in progress (CREATING) by the emulator clock."""
    state = getattr(table, "tw_restore", None)
    return bool(state) and clock.now() < state["ready_at"]


@_patch(Table, "describe")
def _describe(original, self: Table, base_key: str = "TableDescription"):
    # RestoreSummary (API_RestoreSummary): SourceBackupArn (backups only), SourceTableArn, RestoreDateTime (the point
    # in time or the backup's time), RestoreInProgress. While the restore runs the table and its indexes are CREATING.
    result = original(self, base_key)
    state = getattr(self, "tw_restore", None)
    if state:
        description = result[base_key]
        in_progress = clock.now() < state["ready_at"]
        description["RestoreSummary"] = {**state["summary"], "RestoreInProgress": in_progress}
        if in_progress:
            description["TableStatus"] = "CREATING"
            description["ItemCount"] = 0
            for index in description.get("GlobalSecondaryIndexes") or []:
                index["IndexStatus"] = "CREATING"
    return result


# ---------------------------------------------------------------------------------------------------------
# A table that is still being restored refuses data-plane, UpdateTable, DeleteTable and tagging calls
# ---------------------------------------------------------------------------------------------------------

DATA_PLANE = (
    "get_item", "put_item", "update_item", "delete_item", "query", "scan",
    "batch_get_item", "batch_write_item", "transact_get_items", "transact_write_items",
)  # fmt: skip


def _named_tables(body: dict) -> list[str]:
    names = [body["TableName"]] if body.get("TableName") else []
    names += list((body.get("RequestItems") or {}).keys())
    for item in body.get("TransactItems") or []:
        names += [op["TableName"] for op in item.values() if isinstance(op, dict) and op.get("TableName")]
    return names


def _creating(handler: DynamoHandler, name: str) -> bool:
    table = handler.dynamodb_backend.tables.get(name)
    if table is None and name.startswith("arn:"):
        table = next((t for t in handler.dynamodb_backend.tables.values() if t.table_arn == name), None)
    return table is not None and restoring(table)


def _refuse_data_plane(operation: str) -> None:
    @_patch(DynamoHandler, operation)
    def _guard(original, self: DynamoHandler):
        # AWS answers item operations on a CREATING table as if it did not exist yet (ResourceNotFoundException
        # "Requested resource not found", checked on AWS: ExtendDB/extenddb#204).
        if any(_creating(self, name) for name in _named_tables(self.body)):
            raise ResourceNotFoundException("Requested resource not found")
        return original(self)


for _operation in DATA_PLANE:
    _refuse_data_plane(_operation)


def _refuse_control_plane(operation: str) -> None:
    @_patch(DynamoHandler, operation)
    def _guard(original, self: DynamoHandler):
        # ResourceInUseException: "You tried to delete a table currently in the CREATING state" (API reference).
        name = self.body.get("TableName") or ""
        if _creating(self, name):
            raise _in_use(name)
        return original(self)


for _operation in ("update_table", "delete_table"):
    _refuse_control_plane(_operation)


def _refuse_tagging(operation: str) -> None:
    @_patch(DynamoHandler, operation)
    def _guard(original, self: DynamoHandler):
        # DynamoDB can't tag (or list the tags of) a table that is still being created; AWS answers as for an
        # unknown ARN (cortexproject/cortex#1369, cloud-custodian#3177 — AWS's own "ResourcArn" spelling).
        arn = self.body.get("ResourceArn") or ""
        if _creating(self, arn):
            raise ResourceNotFoundException(f"Requested resource not found: ResourcArn: {arn} not found")
        return original(self)


for _operation in ("tag_resource", "untag_resource", "list_tags_of_resource"):
    _refuse_tagging(_operation)


# ---------------------------------------------------------------------------------------------------------
# PITR window: EarliestRestorableDateTime (when PITR was enabled, within the recovery period) and
# LatestRestorableDateTime (now - 5 minutes), by the emulator clock
# ---------------------------------------------------------------------------------------------------------


def _pitr_enabled(table: Table) -> bool:
    description = table.continuous_backups["PointInTimeRecoveryDescription"]
    return description.get("PointInTimeRecoveryStatus") == "ENABLED"


def pitr_window(table: Table) -> tuple[datetime, datetime]:
    """(earliest, latest) restorable time; latest is never before earliest (just after PITR was enabled)."""
    now = clock.now()
    period = table.continuous_backups["PointInTimeRecoveryDescription"].get("RecoveryPeriodInDays") or 35
    enabled_at = getattr(table, "tw_pitr_enabled_at", None) or table.created_at.replace(tzinfo=timezone.utc)
    earliest = max(enabled_at, now - timedelta(days=period))
    return earliest, max(earliest, now - PITR_LAG)


def _continuous_backups(table: Table) -> dict[str, Any]:
    out = copy.deepcopy(table.continuous_backups)
    if _pitr_enabled(table):
        earliest, latest = pitr_window(table)
        out["PointInTimeRecoveryDescription"].update(EarliestRestorableDateTime=earliest, LatestRestorableDateTime=latest)
    return out


@_patch(DynamoDBBackend, "update_continuous_backups")
def _update_continuous_backups(original, self: DynamoDBBackend, table_name: str, spec: dict[str, Any]):
    # moto stamps both times with the real clock once, at enable. Record the enable time on the emulator clock.
    table = self.get_table(table_name) if table_name in self.tables else None
    was_enabled = table is not None and _pitr_enabled(table)
    original(self, table_name, spec)
    table = self.get_table(table_name)
    if spec.get("PointInTimeRecoveryEnabled") and not was_enabled:
        table.tw_pitr_enabled_at = clock.now()
        table.tw_pitr_log = []  # history starts when PITR is enabled: nothing earlier is restorable
    elif not spec.get("PointInTimeRecoveryEnabled"):
        table.tw_pitr_enabled_at = None
        table.tw_pitr_log = []
    return _continuous_backups(table)


@_patch(DynamoDBBackend, "describe_continuous_backups")
def _describe_continuous_backups(original, self: DynamoDBBackend, table_name: str):
    original(self, table_name)  # TableNotFoundException
    return _continuous_backups(self.get_table(table_name))


# ---------------------------------------------------------------------------------------------------------
# Point-in-time items: a before-image log per table while PITR is on
# ---------------------------------------------------------------------------------------------------------


def _key_of(table: Table, key: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    hash_value = DynamoType(key[table.hash_key_attr])
    return hash_value, DynamoType(key[table.range_key_attr]) if table.range_key_attr else None


def _before(table: Table, key: dict[str, Any]) -> tuple | None:
    """(hash, range, copy of the item now or None) when PITR is on and the key is well formed; else None."""
    if not _pitr_enabled(table):
        return None
    try:
        hash_value, range_value = _key_of(table, key)
        return hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))
    except (KeyError, TypeError, MockValidationException):  # moto refuses the write itself, with its own error
        return None


def _log(table: Table, entry: tuple | None) -> None:
    if entry is not None:
        if not hasattr(table, "tw_pitr_log"):
            table.tw_pitr_log = []
        table.tw_pitr_log.append((clock.now(), *entry))


@_patch(Table, "put_item")
def _put_item(original, self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any):
    entry = _before(self, item_attrs)
    result = original(self, item_attrs, *args, **kwargs)  # a failed condition raises: nothing is logged
    _log(self, entry)
    return result


@_patch(Table, "delete_item")
def _delete_item(original, self: Table, hash_key: DynamoType, range_key: DynamoType | None = None):
    before = copy.deepcopy(self.get_item(hash_key, range_key)) if _pitr_enabled(self) else None
    result = original(self, hash_key, range_key)
    if before is not None:
        _log(self, (hash_key, range_key, before))
    return result


@_patch(DynamoDBBackend, "update_item")
def _update_item(original, self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any):
    # UpdateItem changes a stored item in place, past Table.put_item: take its before-image here.
    table = self.tables.get(table_name)
    entry = _before(table, key) if table is not None else None
    result = original(self, table_name, key, *args, **kwargs)
    _log(table, entry)
    return result


def items_at(table: Table, moment: datetime) -> Any:
    """The table's items as of `moment`: the current items with every logged write after it undone."""
    items = copy.deepcopy(table.items)
    for when, hash_value, range_value, before in reversed(getattr(table, "tw_pitr_log", [])):
        if when <= moment:
            break
        if range_value is None:
            if before is None:
                items.pop(hash_value, None)
            else:
                items[hash_value] = copy.deepcopy(before)
        elif before is None:
            items.get(hash_value, {}).pop(range_value, None)
        else:
            items[hash_value][range_value] = copy.deepcopy(before)
    return items


# ---------------------------------------------------------------------------------------------------------
# The one restore path
# ---------------------------------------------------------------------------------------------------------


def _sse_override(backend: DynamoDBBackend, spec: dict | None, source: Table) -> dict | None:
    """The restored table's SSE: the source's (as of the backup / now for PITR) unless overridden."""
    if spec is None:
        return copy.deepcopy(source.sse_specification)
    return resolve_sse(backend.account_id, backend.region_name, spec, "sSESpecificationOverride")


def _capacity(throughput: dict | None) -> dict | None:
    if not throughput:
        return None
    return {k: throughput[k] for k in ("ReadCapacityUnits", "WriteCapacityUnits") if k in throughput}


def _billing(body: dict, source: Table) -> tuple[str, dict | None]:
    mode = body.get("BillingModeOverride")
    _check_enum(mode, "billingModeOverride", ["PROVISIONED", "PAY_PER_REQUEST"], MockValidationException)
    throughput = body.get("ProvisionedThroughputOverride")
    mode = mode or source.billing_mode or "PROVISIONED"
    if mode == "PAY_PER_REQUEST":
        if throughput:
            raise MockValidationException(
                INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
            )
        return mode, None
    throughput = throughput or (_capacity(source.throughput) if source.billing_mode != "PAY_PER_REQUEST" else None)
    if not throughput or not throughput.get("ReadCapacityUnits") or not throughput.get("WriteCapacityUnits"):
        raise MockValidationException(
            INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        )
    return mode, dict(throughput)


def _indexes(body: dict, key: str, existing: list, kind: str, billing: str) -> list[dict]:
    """The indexes of the restored table: the source's, or the override's subset of them ("The indexes provided
    should match existing secondary indexes. You can choose to exclude some or all of the indexes")."""
    by_name = {index.name: index for index in existing}
    wanted = body.get(key)
    chosen = []
    for spec in wanted if wanted is not None else [{"IndexName": name} for name in by_name]:
        name = spec.get("IndexName")
        index = by_name.get(name)
        if index is None:
            raise MockValidationException(INVALID + f"{kind} {name} does not exist in the source table")
        if spec.get("KeySchema") is not None and spec["KeySchema"] != index.schema:
            raise MockValidationException(INVALID + f"{kind} {name} KeySchema does not match the source table")
        out = {
            "IndexName": name,
            "KeySchema": copy.deepcopy(index.schema),
            "Projection": copy.deepcopy(spec.get("Projection") or index.projection),
        }
        if kind == "GlobalSecondaryIndex" and billing == "PROVISIONED":
            throughput = spec.get("ProvisionedThroughput") or _capacity(getattr(index, "throughput", None))
            if not throughput or not throughput.get("ReadCapacityUnits"):
                raise MockValidationException(INVALID + f"ProvisionedThroughput must be specified for index: {name}")
            out["ProvisionedThroughput"] = dict(throughput)
        chosen.append(out)
    return chosen


def _check_target(backend: DynamoDBBackend, name: str | None) -> None:
    if not name:
        raise MockValidationException(
            "1 validation error detected: Value null at 'targetTableName' failed to satisfy constraint: Member must not be null"
        )
    existing = backend.tables.get(name)
    if existing is not None:
        raise TableInUseException(name) if restoring(existing) else TableAlreadyExistsException(name)


def _check_limit(backend: DynamoDBBackend) -> None:
    in_progress = sum(1 for table in backend.tables.values() if restoring(table))
    if in_progress >= MAX_CONCURRENT_RESTORES:
        raise LimitExceeded(
            f"Subscriber limit exceeded: Only {MAX_CONCURRENT_RESTORES} concurrent restores are allowed per account"
        )


def restore_table(
    backend: DynamoDBBackend,
    target: str,
    source: Table,
    body: dict,
    summary: dict[str, Any],
    items: Any,
    deletion_protection: bool = False,
) -> Table:
    """Creates the restored table in moto's model: CREATING for the restore delay, then ACTIVE.

    Kept from the source: key schema, indexes (or the override's subset), billing mode and capacity, SSE and table
    class, unless overridden. Not kept, as AWS documents ("You must manually set up the following on the restored
    table"): tags, TTL, stream, PITR, deletion protection, Contributor Insights, auto scaling.
    """
    _check_target(backend, target)
    billing, throughput = _billing(body, source)
    gsis = _indexes(body, "GlobalSecondaryIndexOverride", source.global_indexes, "GlobalSecondaryIndex", billing)
    lsis = _indexes(body, "LocalSecondaryIndexOverride", source.indexes, "LocalSecondaryIndex", billing)
    sse = _sse_override(backend, body.get("SSESpecificationOverride"), source)
    _check_limit(backend)
    used = {e["AttributeName"] for e in source.schema}
    for index in gsis + lsis:
        used.update(e["AttributeName"] for e in index["KeySchema"])
    table = Table(
        target,
        account_id=backend.account_id,
        region=backend.region_name,
        schema=copy.deepcopy(source.schema),
        attr=[copy.deepcopy(a) for a in source.attr if a["AttributeName"] in used],
        throughput=throughput,
        billing_mode=billing,
        indexes=lsis,
        global_indexes=gsis,
        sse_specification=sse,
        deletion_protection_enabled=deletion_protection,
    )
    table.items = copy.deepcopy(items)
    table.tw_table_class = getattr(source, "tw_table_class", None)  # no table class override in the restore APIs
    now = clock.now()
    table.tw_restore = {"summary": summary, "started_at": now, "ready_at": now + timedelta(seconds=restore_seconds())}
    backend.tables[target] = table
    return table


# ---------------------------------------------------------------------------------------------------------
# RestoreTableFromBackup, RestoreTableToPointInTime
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableFromBackup.html
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html
# ---------------------------------------------------------------------------------------------------------


@_patch(DynamoHandler, "restore_table_from_backup")
def _restore_table_from_backup(original, self: DynamoHandler):
    body, backend = self.body, self.dynamodb_backend
    backup_arn = body.get("BackupArn")
    backup = backend.backups.get(backup_arn)
    if backup is None:
        raise BackupNotFoundException(backup_arn)
    summary = {
        "SourceBackupArn": backup.arn,
        "SourceTableArn": backup.table.table_arn,
        "RestoreDateTime": backup.creation_date_time,
    }
    table = restore_table(backend, body.get("TargetTableName"), backup.table, body, summary, backup.table.items)
    return DynamoResult(table.describe())


TABLE_ARN = re.compile(r"arn:aws[a-z-]*:dynamodb:(?P<region>[^:]+):(?P<account>\d{12}):table/(?P<name>[^/]+)")


def _restore_time(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=timezone.utc)
    if isinstance(raw, (int, float)):
        return datetime.fromtimestamp(raw, timezone.utc)
    try:
        return datetime.fromtimestamp(float(raw), timezone.utc)
    except (TypeError, ValueError):
        parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@_patch(DynamoHandler, "restore_table_to_point_in_time")
def _restore_table_to_point_in_time(original, self: DynamoHandler):
    body, backend = self.body, self.dynamodb_backend
    name, arn = body.get("SourceTableName"), body.get("SourceTableArn")
    if not name and not arn:
        raise MockValidationException(INVALID + "Either SourceTableName or SourceTableArn must be specified")
    if arn:
        match = TABLE_ARN.fullmatch(arn)
        in_scope = match and match["account"] == backend.account_id and match["region"] == backend.region_name
        if name and (not match or match["name"] != name):
            raise MockValidationException(INVALID + "SourceTableName and SourceTableArn name different tables")
        name = match["name"] if in_scope else arn
    source = backend.tables.get(name)
    if source is None or restoring(source):
        # API_RestoreTableToPointInTime: TableNotFoundException, "A source table with the name TableName does not
        # currently exist within the subscriber's account or the subscriber is operating in the wrong AWS Region."
        raise TableNotFoundException(name)
    latest_flag, when = body.get("UseLatestRestorableTime"), body.get("RestoreDateTime")
    if latest_flag and when is not None:
        raise MockValidationException(INVALID + "Only one of RestoreDateTime or UseLatestRestorableTime can be specified")
    if not latest_flag and when is None:
        raise MockValidationException(INVALID + "Either RestoreDateTime or UseLatestRestorableTime must be specified")
    _check_target(backend, body.get("TargetTableName"))
    if not _pitr_enabled(source):
        raise PointInTimeRecoveryUnavailable(name)
    earliest, latest = pitr_window(source)
    moment = latest if latest_flag else _restore_time(when)
    if not earliest <= moment <= latest:
        raise InvalidRestoreTimeException(
            f"RestoreDateTime must be between EarliestRestorableDateTime ({earliest.isoformat()}) "
            f"and LatestRestorableDateTime ({latest.isoformat()})"
        )
    summary = {"SourceTableArn": source.table_arn, "RestoreDateTime": moment}
    table = restore_table(backend, body.get("TargetTableName"), source, body, summary, items_at(source, moment))
    return DynamoResult(table.describe())


# ---------------------------------------------------------------------------------------------------------
# AWS Backup: StartRestoreJob (DynamoDB recovery points), DescribeRestoreJob, PutRestoreValidationResult
# https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html
# https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html (DynamoDB keys)
# ---------------------------------------------------------------------------------------------------------


class _BackupError(BackupClientError):
    def __init__(self, code: str, msg: str):
        super().__init__(code, msg)


def _missing(msg: str) -> _BackupError:
    return _BackupError("MissingParameterValueException", msg)


def _invalid(msg: str) -> _BackupError:
    return _BackupError("InvalidParameterValueException", msg)


@_patch(BackupBackend, "__init__")
def _backup_init(original, self: BackupBackend, *args, **kwargs):
    original(self, *args, **kwargs)
    self.tw_restore_jobs = {}  # restore job id -> job (reset with the backend)


backup_urls.url_paths.update(
    {
        "{0}/restore-jobs/?$": BackupResponse.dispatch,
        "{0}/restore-jobs/(?P<restore_job_id>[^/]+)$": BackupResponse.dispatch,
        "{0}/restore-jobs/(?P<restore_job_id>[^/]+)/validations$": BackupResponse.dispatch,
    }
)

#: DynamoDB restore metadata keys (key names are not case sensitive).
ENCRYPTION_TYPES = {"default": "Default", "kms": "KMS"}
VALIDATION_STATUSES = ["FAILED", "SUCCESSFUL", "TIMED_OUT", "VALIDATING"]


def _body(handler: BackupResponse) -> dict:
    return json.loads(handler.body) if handler.body else {}


def _metadata(raw: dict[str, Any]) -> tuple[str, dict | None, bool]:
    """(targetTableName, SSESpecificationOverride, deletionProtection) from StartRestoreJob's DynamoDB metadata."""
    meta = {str(k).lower(): v for k, v in raw.items()}
    target = meta.get("targettablename")
    if not target:
        raise _missing("Metadata targetTableName is required to restore a DynamoDB recovery point")
    encryption = ENCRYPTION_TYPES.get(str(meta.get("encryptiontype", "Default")).lower())
    if encryption is None:
        raise _invalid(f"Invalid encryptionType {meta.get('encryptiontype')}: must be Default or KMS")
    key = meta.get("kmsmasterkeyarn")
    if encryption == "KMS" and not key:
        raise _invalid("kmsMasterKeyArn is required when encryptionType is KMS")
    if encryption == "Default" and key:
        raise _invalid("kmsMasterKeyArn can be given only when encryptionType is KMS")
    protection = str(meta.get("deletionprotection", "false")).lower()
    if protection not in ("true", "false"):
        raise _invalid(f"Invalid deletionProtection {meta.get('deletionprotection')}: must be true or false")
    # encryptionType Default: the AWS owned key (AWS Backup restores a DynamoDB-managed backup with it).
    sse = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key} if encryption == "KMS" else {"Enabled": False}
    return target, sse, protection == "true"


def start_restore_job(self: BackupResponse):
    params, backend = _body(self), self.backup_backend
    for field in ("RecoveryPointArn", "Metadata", "IamRoleArn"):
        if not params.get(field):
            raise _missing(f"{field} is required")
    token = params.get("IdempotencyToken")
    for job in backend.tw_restore_jobs.values():
        if token and job["IdempotencyToken"] == token:
            return ActionResult({"RestoreJobId": job["RestoreJobId"]})
    resource_type = params.get("ResourceType")
    if resource_type is not None and resource_type != "DynamoDB":
        raise _invalid(f"Invalid ResourceType {resource_type}: the local emulator restores DynamoDB recovery points only")
    dynamodb = dynamodb_backends[self.current_account][self.region]
    point_arn = params["RecoveryPointArn"]
    backup = dynamodb.backups.get(point_arn)
    if backup is None:
        raise BackupNotFound(f"Recovery point {point_arn} not found")
    target, sse, protection = _metadata(params["Metadata"])
    job_id = str(uuid.uuid4()).upper()
    now = clock.now()
    delay = restore_seconds()
    source_job = next((j for j in getattr(backend, "tw_jobs", {}).values() if j["RecoveryPointArn"] == point_arn), None)
    job: dict[str, Any] = {
        "AccountId": self.current_account,
        "RestoreJobId": job_id,
        "RecoveryPointArn": point_arn,
        "SourceResourceArn": backup.table.table_arn,
        "CreationDate": now,
        "IamRoleArn": params["IamRoleArn"],
        "ResourceType": "DynamoDB",
        "RecoveryPointCreationDate": backup.creation_date_time,
        "BackupSizeInBytes": backup.details["BackupSizeBytes"],
        "IsParent": False,
        "IdempotencyToken": token,
        "tw_pending_until": now + timedelta(seconds=delay / 10),
    }
    if source_job:
        job["BackupVaultArn"] = source_job["BackupVaultArn"]
    summary = {"SourceBackupArn": backup.arn, "SourceTableArn": backup.table.table_arn, "RestoreDateTime": backup.creation_date_time}
    try:
        table = restore_table(
            dynamodb, target, backup.table, {"SSESpecificationOverride": sse}, summary, backup.table.items, protection
        )
    except JsonRESTError as err:  # the restore itself fails: the job is accepted and ends FAILED with the reason
        job.update(tw_failed=f"{err.error_type.split('#')[-1]}: {err.message}", tw_ready_at=job["tw_pending_until"])
    else:
        job.update(CreatedResourceArn=table.table_arn, tw_ready_at=table.tw_restore["ready_at"])
    backend.tw_restore_jobs[job_id] = job
    return ActionResult({"RestoreJobId": job_id})


def _job_view(job: dict[str, Any]) -> dict[str, Any]:
    """The job as DescribeRestoreJob shows it now: PENDING, then RUNNING while the table is CREATING, then
    COMPLETED (or FAILED with StatusMessage), by the emulator clock."""
    out = {k: v for k, v in job.items() if not k.startswith("tw_") and k != "IdempotencyToken" and v is not None}
    now = clock.now()
    if now < job["tw_pending_until"]:
        out.update(Status="PENDING", PercentDone="0.00")
        out.pop("CreatedResourceArn", None)
    elif job.get("tw_failed"):
        out.update(Status="FAILED", StatusMessage=job["tw_failed"], CompletionDate=job["tw_ready_at"])
    elif now < job["tw_ready_at"]:
        out.update(Status="RUNNING", PercentDone="50.00")
    else:
        out.update(Status="COMPLETED", PercentDone="100.00", CompletionDate=job["tw_ready_at"])
    return out


def _job(handler: BackupResponse) -> dict[str, Any]:
    job_id = unquote(handler.raw_path.split("/")[2])
    job = handler.backup_backend.tw_restore_jobs.get(job_id)
    if job is None:
        raise BackupNotFound(f"Restore job {job_id} not found")
    return job


def describe_restore_job(self: BackupResponse):
    return ActionResult(_job_view(_job(self)))


def put_restore_validation_result(self: BackupResponse):
    job, params = _job(self), _body(self)
    status = params.get("ValidationStatus")
    if not status:
        raise _missing("ValidationStatus is required")
    if status not in VALIDATION_STATUSES:
        raise _invalid(f"Invalid ValidationStatus {status}: must be one of {', '.join(VALIDATION_STATUSES)}")
    current = _job_view(job)["Status"]
    if current != "COMPLETED":
        raise _BackupError(
            "InvalidRequestException",
            f"Restore job {job['RestoreJobId']} is {current}: a validation result can be put only for a COMPLETED restore job",
        )
    job["ValidationStatus"] = status
    job["ValidationStatusMessage"] = params.get("ValidationStatusMessage")
    return EmptyResult()


for _fn in (start_restore_job, describe_restore_job, put_restore_validation_result):
    setattr(BackupResponse, _fn.__name__, _fn)
