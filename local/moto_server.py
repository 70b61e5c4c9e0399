"""tablewarden's local AWS: moto 5.2.1 in server mode, with the gaps the product needs filled in.

    python3 local/moto_server.py -H 127.0.0.1 -p PORT      (-p 0 picks a free port)

Once the socket listens, one line goes to stdout: ``tablewarden-moto listening on http://HOST:PORT``.

Every patch below keeps state in moto's own model objects (tables, KMS keys, backup backends), so that
DescribeTable, ListBackups, RestoreTableFromBackup, the tagging API and ``POST /moto-api/reset`` all see one
truth. Behaviour follows the AWS API reference; where AWS and a recorded real response differ, the recording
wins (see test/fixtures/aws-recordings). Each patch says why it exists.

Fault injection (throttling, 5xx, latency, partial BatchWriteItem and BatchGetItem) runs in this same process, as a WSGI
middleware around moto's application, rather than as a proxy in front of it: there is one process to start,
stop and reap, callers keep the one endpoint, and the partial-write fault can act inside BatchWriteItem on
moto's own tables instead of rewriting responses. It is configured at runtime on the same port:

    POST   /tablewarden/faults   {"rate": 0.2, "seed": 42, "kinds": ["throttle", "5xx", "latency"],
                                  "latencyMs": 200, "services": ["dynamodb"], "operations": ["UpdateTable"],
                                  "unprocessed": 0.3}                        -> 200 with the stats below
    GET    /tablewarden/faults   {"enabled": true, "config": {...}, "seen": n,
                                  "injected": {"throttle": n, "5xx": n, "latency": n, "unprocessed": n}}
    DELETE /tablewarden/faults   faults off (the counters stay readable until the next POST)

or at start with the same JSON in ``TABLEWARDEN_FAULTS``. Faults are test configuration, not AWS state:
``POST /moto-api/reset`` leaves them as they are, so a suite can reset between tests under one fault
setting. ``/moto-api/*`` and ``/tablewarden/*`` are never faulted. See the "Fault injection" section.
"""

from __future__ import annotations

import functools
import json
import math
import os
import random
import re
import sys
import threading
import time
import traceback
import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Callable
from urllib.parse import unquote

REQUIRED_MOTO = "5.2.1"
NEEDS = f"moto {REQUIRED_MOTO} in server mode: pip install 'moto[server]=={REQUIRED_MOTO}'"

try:
    import moto
    import moto.server as moto_server
except ImportError as err:  # moto, or its [server] extra (flask, werkzeug), is missing
    sys.stderr.write(f"tablewarden local AWS needs {NEEDS} ({err})\n")
    sys.exit(3)
if getattr(moto, "__version__", None) != REQUIRED_MOTO:
    # The patches below reach into moto internals that change between releases.
    sys.stderr.write(f"tablewarden local AWS needs {NEEDS} (found moto {moto.__version__})\n")
    sys.exit(3)

from moto.backup import urls as backup_urls  # noqa: E402
from moto.backup.exceptions import BackupClientError  # noqa: E402
from moto.backup.exceptions import ResourceNotFoundException as BackupNotFound  # noqa: E402
from moto.backup.models import BackupBackend, backup_backends  # noqa: E402
from moto.backup.responses import BackupResponse  # noqa: E402
from moto.core.responses import ActionResult, EmptyResult  # noqa: E402
from moto.core.utils import convert_to_flask_response, utcnow  # noqa: E402
from moto.dynamodb.exceptions import DynamodbException, MockValidationException  # noqa: E402
from moto.dynamodb.exceptions import ResourceNotFoundException as DynamoNotFound  # noqa: E402
from moto.dynamodb.exceptions import InvalidAttributeTypeError  # noqa: E402
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends  # noqa: E402
from moto.dynamodb.models.dynamo_type import DynamoType, Item  # noqa: E402
from moto.dynamodb.models.table import Table  # noqa: E402
from moto.dynamodb.responses import DynamoHandler, DynamoResult, validate_put_has_empty_keys  # noqa: E402
from moto.kms.exceptions import ValidationException as KmsValidation  # noqa: E402
from moto.kms.models import KmsBackend  # noqa: E402
from moto.kms.responses import KmsResponse  # noqa: E402
from werkzeug.exceptions import HTTPException  # noqa: E402


from strict.common import _check_enum, _check_range, _constraint, _patch, kms_key, resolve_sse  # noqa: E402
from strict import clock as emulator_clock  # noqa: E402


# ---------------------------------------------------------------------------------------------------------
# KMS: AWS managed keys, rotation period
# ---------------------------------------------------------------------------------------------------------


@_patch(KmsBackend, "_generate_default_keys")
def _generate_default_keys(original, self: KmsBackend, alias_name: str):
    # moto creates aws/* keys on first use but labels them KeyManager CUSTOMER. The SSE control tells an
    # AWS managed key from a customer managed one by KeyManager, so mark them as AWS's.
    key_id = original(self, alias_name)
    if key_id:
        self.keys[key_id].key_manager = "AWS"
    return key_id


# Tables created with SSE but no key id (also via CloudFormation or restore) get the one AWS managed key.
Table._get_default_encryption_key = lambda self, account_id, region: kms_key(
    account_id, region, "alias/aws/dynamodb"
).arn


@_patch(KmsResponse, "enable_key_rotation")
def _enable_key_rotation(original, self: KmsResponse):
    # moto ignores RotationPeriodInDays (90..2560, default 365); the rotation control enforces the period.
    period = self._get_param("RotationPeriodInDays")
    _check_range(period, "rotationPeriodInDays", 90, 2560, KmsValidation)
    result = original(self)  # validates the key id, flips the flag
    key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
    key.tw_rotation_period_days = period or 365
    key.tw_rotation_enabled_at = time.time()
    return result


@_patch(KmsResponse, "get_key_rotation_status")
def _get_key_rotation_status(original, self: KmsResponse):
    # moto answers only KeyRotationEnabled; AWS also names the key and, when on, the period and next date.
    body = json.loads(original(self))
    key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
    body["KeyId"] = key.arn
    if body.get("KeyRotationEnabled"):
        period = getattr(key, "tw_rotation_period_days", 365)
        body["RotationPeriodInDays"] = period
        body["NextRotationDate"] = getattr(key, "tw_rotation_enabled_at", key.creation_date) + period * 86400
    return json.dumps(body)


# ---------------------------------------------------------------------------------------------------------
# DynamoDB: table class, SSE with a real key lookup, PITR recovery period, contributor insights
# ---------------------------------------------------------------------------------------------------------

TABLE_CLASSES = ["STANDARD", "STANDARD_INFREQUENT_ACCESS"]


def _table_class(body: dict) -> str | None:
    table_class = body.get("TableClass")
    _check_enum(table_class, "tableClass", TABLE_CLASSES, MockValidationException)
    return table_class


def _sse(handler: DynamoHandler, spec: dict | None) -> dict | None:
    """An SSESpecification validated, its key resolved in moto's KMS (strict/common.py); None: the AWS owned key."""
    return resolve_sse(handler.current_account, handler.region, spec, "sSESpecification")


@_patch(Table, "describe")
def _describe(original, self: Table, base_key: str = "TableDescription"):
    # moto has no table class. Real responses carry TableClassSummary only for tables that were given a
    # class, and LastUpdateDateTime only once the class was changed by UpdateTable (recorded responses).
    result = original(self, base_key)
    if getattr(self, "tw_table_class", None):
        summary = {"TableClass": self.tw_table_class}
        if getattr(self, "tw_table_class_updated", None):
            summary["LastUpdateDateTime"] = self.tw_table_class_updated
        result[base_key]["TableClassSummary"] = summary
    return result


@_patch(DynamoHandler, "create_table")
def _create_table(original, self: DynamoHandler):
    # Validate before moto creates anything, so a rejected request leaves no table behind.
    table_class = _table_class(self.body)
    sse = _sse(self, self.body.get("SSESpecification"))
    self.body.pop("SSESpecification", None)
    if sse:
        self.body["SSESpecification"] = sse
    original(self)
    table = self.dynamodb_backend.get_table(self.body["TableName"])
    table.tw_table_class = table_class
    return DynamoResult(table.describe())


@_patch(DynamoHandler, "update_table")
def _update_table(original, self: DynamoHandler):
    # moto ignores TableClass and SSESpecification on UpdateTable; the reconciler changes both in place.
    table = self.dynamodb_backend.get_table(self.body["TableName"])  # ResourceNotFoundException
    table_class = _table_class(self.body)
    has_sse = self.body.get("SSESpecification") is not None
    sse = _sse(self, self.body.get("SSESpecification")) if has_sse else None
    original(self)
    if table_class:
        table.tw_table_class, table.tw_table_class_updated = table_class, utcnow()
    if has_sse:
        table.sse_specification = sse  # None: back to the AWS owned key, no SSEDescription
    return DynamoResult(table.describe())


@_patch(DynamoHandler, "update_continuous_backups")
def _update_continuous_backups(original, self: DynamoHandler):
    # moto stores RecoveryPeriodInDays but accepts any number. AWS: 1..35, and 35 when left out.
    spec = self.body.get("PointInTimeRecoverySpecification") or {}
    period = spec.get("RecoveryPeriodInDays")
    _check_range(
        period, "pointInTimeRecoverySpecification.recoveryPeriodInDays", 1, 35, MockValidationException
    )
    if spec.get("PointInTimeRecoveryEnabled") and period is None:
        spec["RecoveryPeriodInDays"] = 35
    return original(self)


def _insights_target(handler: DynamoHandler) -> tuple[Table, str | None]:
    name, index = handler.body.get("TableName"), handler.body.get("IndexName")
    try:
        table = handler.dynamodb_backend.get_table(name)
    except DynamoNotFound:
        raise DynamoNotFound(table_name=name)
    if index and index not in [gsi.name for gsi in table.global_indexes]:
        raise DynamoNotFound(f"Requested resource not found: Index: {index} not found for table {name}")
    return table, index


def describe_contributor_insights(self: DynamoHandler):
    # Not in moto. State lives on the table object, keyed by index name (None for the table itself).
    table, index = _insights_target(self)
    state = getattr(table, "tw_insights", {}).get(index)
    out: dict[str, Any] = {"TableName": table.name, "ContributorInsightsStatus": "DISABLED"}
    if index:
        out["IndexName"] = index
    if state:
        out["ContributorInsightsStatus"] = state["status"]
        out["LastUpdateDateTime"] = state["updated"]
        if state["status"] == "ENABLED":
            out["ContributorInsightsMode"] = state["mode"]
            out["ContributorInsightsRuleList"] = state["rules"]
    return ActionResult(out)


def update_contributor_insights(self: DynamoHandler):
    # Goes straight to ENABLED / DISABLED: moto tables are ACTIVE at once, so there is nothing to wait for.
    table, index = _insights_target(self)
    action, mode = self.body.get("ContributorInsightsAction"), self.body.get("ContributorInsightsMode")
    _check_enum(action, "contributorInsightsAction", ["ENABLE", "DISABLE"], MockValidationException)
    _check_enum(
        mode, "contributorInsightsMode", ["ACCESSED_AND_THROTTLED_KEYS", "THROTTLED_KEYS"], MockValidationException
    )
    mode = mode or "ACCESSED_AND_THROTTLED_KEYS"
    status = "ENABLED" if action == "ENABLE" else "DISABLED"
    # CloudWatch rule names as DynamoDB creates them: partition key (PK) and, with one, sort key (SK),
    # for consumed capacity (C, only when accessed keys are tracked) and throttled requests (T).
    kinds = ["PKC", "PKT"] + (["SKC", "SKT"] if table.range_key_attr else [])
    kinds = [k for k in kinds if mode != "THROTTLED_KEYS" or k.endswith("T")]
    stamp = int(time.time() * 1000)
    resource = table.name if not index else f"{table.name}-{index}"
    rules = [f"DynamoDBContributorInsights-{k}-{resource}-{stamp}" for k in kinds]
    if not hasattr(table, "tw_insights"):
        table.tw_insights = {}
    table.tw_insights[index] = {"status": status, "mode": mode, "rules": rules, "updated": utcnow()}
    out = {"TableName": table.name, "ContributorInsightsStatus": status}
    if index:
        out["IndexName"] = index
    if status == "ENABLED":
        out["ContributorInsightsMode"] = mode
    return ActionResult(out)


DynamoHandler.describe_contributor_insights = describe_contributor_insights
DynamoHandler.update_contributor_insights = update_contributor_insights


# ---------------------------------------------------------------------------------------------------------
# DynamoDB: BatchWriteItem limits, all-or-nothing validation, partial writes; TagResource replaces values
# ---------------------------------------------------------------------------------------------------------

BATCH_WRITE_MAX = 25  # write requests per BatchWriteItem call, over all tables (API reference)
KEY_MISMATCH = "The provided key element does not match the schema"


def _key_part(value: dict) -> tuple:
    """A key attribute value in a form where equal DynamoDB values compare equal (numbers by value)."""
    kind, raw = next(iter(value.items()))
    if kind == "N":
        try:
            return kind, Decimal(raw).normalize()
        except (InvalidOperation, TypeError):
            return kind, raw
    return kind, raw


def _put_key(table: Table, item: dict) -> tuple[DynamoType, DynamoType | None]:
    # Same checks and messages as moto's Table.put_item, made before anything is written.
    for name in filter(None, (table.hash_key_attr, table.range_key_attr)):
        if name not in item:
            raise MockValidationException(
                f"One or more parameter values were invalid: Missing the key {name} in the item"
            )
    hash_value = DynamoType(item[table.hash_key_attr])
    range_value = DynamoType(item[table.range_key_attr]) if table.range_key_attr else None
    if hash_value.type != table.hash_key_type:
        raise InvalidAttributeTypeError(table.hash_key_attr, table.hash_key_type, hash_value.type)
    if range_value is not None and range_value.type != table.range_key_type:
        raise InvalidAttributeTypeError(table.range_key_attr, table.range_key_type, range_value.type)
    return hash_value, range_value


def _delete_key(table: Table, key: dict) -> None:
    names = {table.hash_key_attr, table.range_key_attr} - {None}
    types = {table.hash_key_attr: table.hash_key_type, table.range_key_attr: table.range_key_type}
    if set(key) != names or any(next(iter(key[n])) != types[n] for n in names):
        raise MockValidationException(KEY_MISMATCH)


@_patch(DynamoHandler, "batch_write_item")
def _batch_write_item(original, self: DynamoHandler):
    # Replaces moto's BatchWriteItem. AWS rejects the whole batch, writing nothing, for: more than 25
    # requests, an item over 400 KB, a key that does not match the schema, two requests for one item (put and
    # delete alike), an unknown table. moto checked none of the first two and the others only while writing,
    # so a bad item in the middle left the first half written; it never returned UnprocessedItems. Here every
    # request is validated first with moto's own rules (moto's item-size limit, key sizes, number format),
    # then written through moto's backend. With an "unprocessed" fault set, a seeded share of the requests is
    # not written and comes back in UnprocessedItems exactly as it was sent, as AWS does under throttling.
    request_items = self.body.get("RequestItems") or {}
    for table_name, requests in request_items.items():
        if not requests:
            raise MockValidationException(
                _constraint(
                    f"{{{table_name}=[]}}",
                    "requestItems",
                    "Map value must satisfy constraint: [Member must have length less than or equal to 25, "
                    "Member must have length greater than or equal to 1]",
                )
            )
    if sum(len(requests) for requests in request_items.values()) > BATCH_WRITE_MAX:
        raise MockValidationException("Too many items requested for the BatchWriteItem call")
    mode = self.body.get("ReturnConsumedCapacity", "NONE")
    _check_enum(mode, "returnConsumedCapacity", ["INDEXES", "TOTAL", "NONE"], MockValidationException)

    writes: list[tuple[str, dict, float]] = []  # (table name, request as sent, write capacity units)
    keys: set[tuple] = set()
    for table_name, requests in request_items.items():
        table = self.dynamodb_backend.get_table(table_name)  # ResourceNotFoundException
        for request in requests:
            kinds = [k for k in ("PutRequest", "DeleteRequest") if request.get(k)]
            if len(kinds) != 1:
                raise MockValidationException(
                    "Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest"
                )
            if kinds[0] == "PutRequest":
                item = request["PutRequest"].get("Item") or {}
                validate_put_has_empty_keys(
                    item,
                    table,
                    custom_error_msg="One or more parameter values are not valid. The AttributeValue for a key "
                    "attribute cannot contain an empty string value. Key: {}",
                )
                hash_value, range_value = _put_key(table, item)
                table._validate_item_types(item)
                table._validate_key_sizes(item)
                size = Item(hash_value, range_value, item).size()  # ItemSizeTooLarge, moto's 400 KB rule
                key = {n: item[n] for n in (table.hash_key_attr, table.range_key_attr) if n}
                units = float(max(1, math.ceil(size / 1024)))
            else:
                key = request["DeleteRequest"].get("Key") or {}
                _delete_key(table, key)
                units = 1.0
            identity = (table.name, *(_key_part(key[n]) for n in sorted(key)))
            if identity in keys:
                raise MockValidationException("Provided list of item keys contains duplicates")
            keys.add(identity)
            writes.append((table_name, request, units))

    skipped = FAULTS.unprocessed_mask("dynamodb", "BatchWriteItem", len(writes))
    unprocessed: dict[str, list[dict]] = {}
    consumed: dict[str, float] = {}
    for (table_name, request, units), skip in zip(writes, skipped):
        if skip:
            unprocessed.setdefault(table_name, []).append(request)
            continue
        if "PutRequest" in request:
            self.dynamodb_backend.put_item(table_name, request["PutRequest"]["Item"])
        else:
            self.dynamodb_backend.delete_item(table_name, request["DeleteRequest"]["Key"])
        consumed[table_name] = consumed.get(table_name, 0.0) + units

    result: dict[str, Any] = {"UnprocessedItems": unprocessed}
    if mode != "NONE":  # AWS reports capacity only when asked
        result["ConsumedCapacity"] = [
            {"TableName": name, "CapacityUnits": units}
            | ({"Table": {"CapacityUnits": units}} if mode == "INDEXES" else {})
            for name, units in consumed.items()
        ]
    return ActionResult(result)


@_patch(DynamoHandler, "batch_get_item")
def _batch_get_item(original, self: DynamoHandler):
    # With an "unprocessed" fault set, a seeded share of the requested keys is left out of Responses and comes
    # back in UnprocessedKeys, with the table's request parameters (ProjectionExpression, ConsistentRead, ...),
    # as AWS does under throttling or past the 16 MB response limit
    # (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). moto never returns
    # UnprocessedKeys below 16 MB. The draws come from the same second generator as BatchWriteItem's, one per key
    # in request order, after moto's own validation (100 keys, duplicates, unknown table) passed. When no key at
    # all is processed, AWS answers ProvisionedThroughputExceededException instead ("If none of the items can be
    # processed due to insufficient provisioned throughput ...").
    result = original(self)
    body = result.result
    request_items = self.body.get("RequestItems") or {}
    requested = [(table_name, key) for table_name, request in request_items.items() for key in request.get("Keys") or []]
    skipped = FAULTS.unprocessed_mask("dynamodb", "BatchGetItem", len(requested))
    if not any(skipped):
        return result
    if all(skipped):
        raise DynamodbException(
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded. "
            "Consider increasing your provisioning level with the UpdateTable API.",
        )
    left_out: dict[str, list[dict]] = {}
    for (table_name, key), skip in zip(requested, skipped):
        if skip:
            left_out.setdefault(table_name, []).append(key)
    unprocessed = body.setdefault("UnprocessedKeys", {})
    for table_name, keys in left_out.items():
        table = self.dynamodb_backend.get_table(table_name)
        names = [n for n in (table.hash_key_attr, table.range_key_attr) if n]
        identity = lambda key: tuple(_key_part(key[n]) for n in names)  # noqa: E731
        gone = {identity(key) for key in keys}
        # Items are matched to keys by their key attributes; an item projected without them is left in (the
        # product reads whole items, so this never happens there).
        body["Responses"][table_name] = [
            item for item in body["Responses"].get(table_name, [])
            if not all(n in item for n in names) or identity(item) not in gone
        ]
        request = {k: v for k, v in request_items[table_name].items() if k != "Keys"}
        entry = unprocessed.setdefault(table_name, {**request, "Keys": []})
        entry["Keys"].extend(keys)
    return result


@_patch(DynamoDBBackend, "tag_resource")
def _tag_resource(original, self: DynamoDBBackend, table_arn: str, tags: list[dict[str, str]]) -> None:
    # moto appends, so tagging a key that exists lists it twice, in ListTagsOfResource and in the tagging
    # API's GetResources (both read table.tags; the tagging API's TagResources also lands here). AWS replaces
    # the value of an existing key. A tag keeps its position; new keys go to the end.
    for table in self.tables.values():
        if table.table_arn == table_arn:
            merged = {tag["Key"]: tag["Value"] for tag in table.tags}
            merged.update((tag["Key"], tag["Value"]) for tag in tags)
            table.tags = [{"Key": key, "Value": value} for key, value in merged.items()]


# ---------------------------------------------------------------------------------------------------------
# AWS Backup: selections, on-demand backup jobs of DynamoDB tables, recovery points, protected resources
# ---------------------------------------------------------------------------------------------------------


class _MissingParameter(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("MissingParameterValueException", msg)


class _InvalidParameter(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("InvalidParameterValueException", msg)


class _InvalidRequest(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("InvalidRequestException", msg)


@_patch(BackupBackend, "__init__")
def _backup_init(original, self: BackupBackend, *args, **kwargs):
    # Selections and jobs live on the backend, so /moto-api/reset (which re-runs __init__) clears them.
    original(self, *args, **kwargs)
    self.tw_selections = {}  # plan id -> selection id -> selection
    self.tw_jobs = {}  # job id -> job; a job's recovery point is the DynamoDB backup it created


@_patch(BackupBackend, "delete_backup_plan")
def _delete_backup_plan(original, self: BackupBackend, backup_plan_id: str):
    # AWS refuses to delete a plan that still has resources assigned; a selection never dangles.
    if self.tw_selections.get(backup_plan_id):
        raise _InvalidRequest("Related backup plan selections must be deleted prior to backup plan deletion")
    return original(self, backup_plan_id)


# Routes for the new operations (the selection URLs already fall under moto's /backup/plans/ route).
backup_urls.url_paths.update(
    {
        "{0}/backup-jobs/?$": BackupResponse.dispatch,
        "{0}/backup-jobs/(?P<backup_job_id>[^/]+)$": BackupResponse.dispatch,
        "{0}/resources/?$": BackupResponse.dispatch,
        "{0}/resources/(?P<resource_arn>.+)/recovery-points/?$": BackupResponse.dispatch,
    }
)


def _path_part(handler: BackupResponse, index: int) -> str:
    # raw_path keeps URL-encoded ARNs in one segment; decode after splitting.
    return unquote(handler.raw_path.split("/")[index])


def _query(handler: BackupResponse, name: str) -> str | None:
    values = handler.querystring.get(name)
    return values[0] if values else None


def _body(handler: BackupResponse) -> dict:
    return json.loads(handler.body) if handler.body else {}


def _page(handler: BackupResponse, items: list, key: str) -> ActionResult:
    """Offset pagination with MaxResults / NextToken, as every Backup List* operation has."""
    start = int(_query(handler, "nextToken") or 0)
    size = int(_query(handler, "maxResults") or 1000)
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return ActionResult(out)


def _live_plan(backend: BackupBackend, plan_id: str):
    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        raise BackupNotFound("Failed reading Backup plan with provided version")
    return plan


def _selection(backend: BackupBackend, plan_id: str, selection_id: str) -> dict:
    _live_plan(backend, plan_id)
    selection = backend.tw_selections.get(plan_id, {}).get(selection_id)
    if selection is None:
        raise BackupNotFound(f"Failed reading Selection with id {selection_id}")
    return selection


def create_backup_selection(self: BackupResponse):
    backend, plan_id = self.backup_backend, _path_part(self, 3)
    _live_plan(backend, plan_id)
    params = _body(self)
    spec, request_id = params.get("BackupSelection") or {}, params.get("CreatorRequestId")
    for field in ("SelectionName", "IamRoleArn"):
        if not spec.get(field):
            raise _MissingParameter(f"BackupSelection.{field} is required")
    if not re.fullmatch(r"[a-zA-Z0-9\-_.]{1,50}", spec["SelectionName"]):
        raise _InvalidParameter(f"Invalid SelectionName: {spec['SelectionName']}")
    selections = backend.tw_selections.setdefault(plan_id, {})
    existing = [s for s in selections.values() if request_id and s["CreatorRequestId"] == request_id]
    if existing:  # a retried request with the same CreatorRequestId creates nothing new
        selection = existing[0]
    else:
        selection = {
            "SelectionId": str(uuid.uuid4()),
            "BackupPlanId": plan_id,
            "CreationDate": utcnow(),
            "CreatorRequestId": request_id,
            "BackupSelection": {
                "Resources": [],
                "ListOfTags": [],
                "NotResources": [],
                "Conditions": {"StringEquals": [], "StringNotEquals": [], "StringLike": [], "StringNotLike": []},
                **spec,
            },
        }
        selections[selection["SelectionId"]] = selection
    return ActionResult({k: selection[k] for k in ("SelectionId", "BackupPlanId", "CreationDate")})


def get_backup_selection(self: BackupResponse):
    return ActionResult(_selection(self.backup_backend, _path_part(self, 3), _path_part(self, 5)))


def list_backup_selections(self: BackupResponse):
    backend, plan_id = self.backup_backend, _path_part(self, 3)
    _live_plan(backend, plan_id)
    members = [
        {
            **{k: s[k] for k in ("SelectionId", "BackupPlanId", "CreationDate", "CreatorRequestId")},
            "SelectionName": s["BackupSelection"]["SelectionName"],
            "IamRoleArn": s["BackupSelection"]["IamRoleArn"],
        }
        for s in backend.tw_selections.get(plan_id, {}).values()
    ]
    return _page(self, members, "BackupSelectionsList")


def delete_backup_selection(self: BackupResponse):
    backend, plan_id, selection_id = self.backup_backend, _path_part(self, 3), _path_part(self, 5)
    _selection(backend, plan_id, selection_id)
    del backend.tw_selections[plan_id][selection_id]
    return EmptyResult()


TABLE_ARN = re.compile(r"arn:aws[a-z-]*:dynamodb:(?P<region>[^:]+):(?P<account>\d{12}):table/(?P<name>[^/]+)")


def _dynamodb(handler: BackupResponse):
    return dynamodb_backends[handler.current_account][handler.region]


def start_backup_job(self: BackupResponse):
    # An on-demand backup of a DynamoDB table, as AWS Backup does for tables without advanced features:
    # a real DynamoDB backup (items preserved, restorable with RestoreTableFromBackup) whose ARN is the
    # recovery point ARN. The job only records which vault and role asked for it.
    params, backend = _body(self), self.backup_backend
    for field in ("BackupVaultName", "ResourceArn", "IamRoleArn"):
        if not params.get(field):
            raise _MissingParameter(f"{field} is required")
    token = params.get("IdempotencyToken")
    for job in backend.tw_jobs.values():
        if token and job["IdempotencyToken"] == token:
            return ActionResult(_job_started(job))
    vault_name, resource_arn = params["BackupVaultName"], params["ResourceArn"]
    if vault_name not in backend.vaults:
        raise BackupNotFound(f"Backup vault {vault_name} does not exist")
    match = TABLE_ARN.fullmatch(resource_arn)
    if not match:
        raise _InvalidParameter(f"Invalid ResourceArn {resource_arn}: the local emulator backs up DynamoDB tables only")
    dynamodb = _dynamodb(self)
    if match["account"] != self.current_account or match["region"] != self.region:
        raise _InvalidParameter(f"ResourceArn {resource_arn} is not in {self.current_account} / {self.region}")
    if match["name"] not in dynamodb.tables:
        raise BackupNotFound(f"Resource {resource_arn} not found")
    job_id = str(uuid.uuid4()).upper()
    backup = dynamodb.create_backup(match["name"], f"AwsBackup-{job_id}")
    backup.type = "AWS_BACKUP"
    vault = backend.vaults[vault_name]
    job = {
        "AccountId": self.current_account,
        "BackupJobId": job_id,
        "BackupVaultName": vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "RecoveryPointArn": backup.arn,
        "ResourceArn": resource_arn,
        "ResourceName": match["name"],
        "ResourceType": "DynamoDB",
        "CreationDate": backup.creation_date_time,
        "InitiationDate": backup.creation_date_time,
        "CompletionDate": backup.creation_date_time,
        "StartBy": backup.creation_date_time + timedelta(minutes=params.get("StartWindowMinutes") or 480),
        "State": "COMPLETED",
        "PercentDone": "100.0",
        "BackupSizeInBytes": backup.details["BackupSizeBytes"],
        "IamRoleArn": params["IamRoleArn"],
        "IsParent": False,
        "VaultType": "BACKUP_VAULT",
        "IdempotencyToken": token,
    }
    backend.tw_jobs[job_id] = job
    return ActionResult(_job_started(job))


def _job_started(job: dict) -> dict:
    return {k: job[k] for k in ("BackupJobId", "RecoveryPointArn", "CreationDate", "IsParent")}


def describe_backup_job(self: BackupResponse):
    job = self.backup_backend.tw_jobs.get(_path_part(self, 2))
    if job is None:
        raise BackupNotFound(f"Backup job {_path_part(self, 2)} not found")
    return ActionResult(job)


def _jobs_by_recovery_point(handler: BackupResponse) -> dict[str, dict]:
    """Jobs whose DynamoDB backup still exists: deleting the backup deletes the recovery point."""
    backups = _dynamodb(handler).backups
    return {j["RecoveryPointArn"]: j for j in handler.backup_backend.tw_jobs.values() if j["RecoveryPointArn"] in backups}


def list_recovery_points_by_resource(self: BackupResponse):
    # Derived from moto's DynamoDB backups of the table. Like AWS, on-demand DynamoDB backups made outside
    # AWS Backup are listed too (without a vault) unless ManagedByAWSBackupOnly is true.
    resource_arn = _path_part(self, 2)
    managed_only = (_query(self, "managedByAWSBackupOnly") or "").lower() == "true"
    jobs = _jobs_by_recovery_point(self)
    points = []
    for backup in _dynamodb(self).backups.values():
        job = jobs.get(backup.arn)
        if backup.table.table_arn != resource_arn or (managed_only and not job):
            continue
        point = {
            "RecoveryPointArn": backup.arn,
            "CreationDate": backup.creation_date_time,
            "Status": "COMPLETED",
            "BackupSizeBytes": backup.details["BackupSizeBytes"],
            "ResourceName": backup.table.name,
        }
        sse = backup.table.sse_specification
        if sse and sse.get("Enabled"):
            point["EncryptionKeyArn"] = sse["KMSMasterKeyId"]
        if job:
            point.update(BackupVaultName=job["BackupVaultName"], VaultType="BACKUP_VAULT")
        points.append(point)
    points.sort(key=lambda p: p["CreationDate"], reverse=True)
    return _page(self, points, "RecoveryPoints")


def list_protected_resources(self: BackupResponse):
    # A resource is protected once AWS Backup holds a recovery point of it; the latest one is reported.
    latest: dict[str, dict] = {}
    for job in _jobs_by_recovery_point(self).values():
        if job["ResourceArn"] not in latest or job["CreationDate"] >= latest[job["ResourceArn"]]["CreationDate"]:
            latest[job["ResourceArn"]] = job
    results = [
        {
            "ResourceArn": j["ResourceArn"],
            "ResourceType": j["ResourceType"],
            "ResourceName": j["ResourceName"],
            "LastBackupTime": j["CreationDate"],
            "LastBackupVaultArn": j["BackupVaultArn"],
            "LastRecoveryPointArn": j["RecoveryPointArn"],
        }
        for j in latest.values()
    ]
    return _page(self, results, "Results")


for _fn in (
    create_backup_selection,
    get_backup_selection,
    list_backup_selections,
    delete_backup_selection,
    start_backup_job,
    describe_backup_job,
    list_recovery_points_by_resource,
    list_protected_resources,
):
    setattr(BackupResponse, _fn.__name__, _fn)


# ---------------------------------------------------------------------------------------------------------
# Resource Groups Tagging API: GetResources with ResourceARNList
# ---------------------------------------------------------------------------------------------------------
# moto 5.2.1 ignores ResourceARNList and answers every tagged resource, one page at a time. AWS answers only the
# listed resources (a missing one is simply not included), in one response, and refuses ResourceARNList together
# with ResourceTypeFilters, TagFilters or a pagination parameter (ResourcesPerPage, TagsPerPage, PaginationToken)
# with InvalidParameterException (API_GetResources, "ResourceARNList").
from moto.core.exceptions import JsonRESTError  # noqa: E402
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse  # noqa: E402

_ARN_LIST_EXCLUSIVE = ("ResourceTypeFilters", "TagFilters", "ResourcesPerPage", "TagsPerPage", "PaginationToken")
_ARN_LIST_MAX = 100


@_patch(ResourceGroupsTaggingAPIResponse, "get_resources")
def _get_resources(original, self: ResourceGroupsTaggingAPIResponse):
    arns = self._get_param("ResourceARNList")
    if arns is None:
        return original(self)
    for other in _ARN_LIST_EXCLUSIVE:
        if self._get_param(other) not in (None, [], ""):
            raise JsonRESTError("InvalidParameterException", f"You can't specify both ResourceARNList and {other} in the same request.")
    if len(arns) < 1 or len(arns) > _ARN_LIST_MAX:
        raise JsonRESTError("InvalidParameterException", _constraint(arns, "resourceARNList", f"Member must have length less than or equal to {_ARN_LIST_MAX}" if arns else "Member must have length greater than or equal to 1"))
    wanted = set(arns)
    services = sorted({arn.split(":")[2] for arn in wanted if arn.count(":") >= 5})
    found = [
        mapping
        for mapping in self.backend._get_resources_generator(tag_filters=[], resource_type_filters=services)
        if mapping["ResourceARN"] in wanted
    ]
    return json.dumps({"ResourceTagMappingList": found, "PaginationToken": ""})


# ---------------------------------------------------------------------------------------------------------
# Fault injection: throttling, 5xx and latency in front of moto, partial BatchWriteItem inside it
# ---------------------------------------------------------------------------------------------------------
# Each eligible request (a service and operation the config selects, while faults are on) takes exactly one
# draw from random.Random(seed): below `rate` it is faulted, and the same draw picks the kind, so a given seed
# and request sequence always fault the same requests the same way. BatchWriteItem's partial writes and
# BatchGetItem's unprocessed keys draw from a second generator (one draw per write request or requested key),
# so turning them on does not shift the first.
#
# Error shapes are each service's own, so the SDK parses them into its modeled exceptions and its retry
# strategy classifies them as real AWS errors are classified: throttling by error name (the SDK's list of
# throttling codes has ThrottlingException, ProvisionedThroughputExceededException, ThrottledException, ...),
# transient by HTTP status (500, 502, 503, 504).

FAULT_KINDS = ("throttle", "5xx", "latency")
FAULT_SERVICES = ("dynamodb", "kms", "backup", "tagging")  # SigV4 signing names
FAULT_SETTINGS = ("rate", "seed", "kinds", "latencyMs", "services", "operations", "unprocessed")
_TARGET_SERVICES = {
    "DynamoDB_20120810": "dynamodb",
    "TrentService": "kms",
    "ResourceGroupsTaggingAPI_20170126": "tagging",
}
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")
# DynamoDB throttles item operations with ProvisionedThroughputExceededException and control-plane
# operations (CreateTable, UpdateTable, DescribeTable, ...) with ThrottlingException.
DYNAMODB_DATA_PLANE = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchGetItem", "BatchWriteItem", "Query", "Scan",
    "TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
}  # fmt: skip


class FaultConfigError(ValueError):
    """A fault configuration that POST /tablewarden/faults (or TABLEWARDEN_FAULTS) does not accept."""


def _fault_config(raw: Any) -> dict[str, Any]:
    """Validates a fault configuration and fills in the defaults; the result is what GET reports."""
    if not isinstance(raw, dict):
        raise FaultConfigError("the fault configuration must be a JSON object")
    unknown = sorted(set(raw) - set(FAULT_SETTINGS))
    if unknown:
        raise FaultConfigError(f"unknown setting {', '.join(unknown)}; known: {', '.join(FAULT_SETTINGS)}")

    def number(name: str, default: float, high: float) -> float:
        value = raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= high:
            raise FaultConfigError(f"{name} must be a number from 0 to {high}, got {json.dumps(value)}")
        return value

    def names(name: str, allowed: tuple[str, ...] | None) -> list[str] | None:
        value = raw.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise FaultConfigError(f"{name} must be a non-empty list of names, got {json.dumps(value)}")
        wrong = [v for v in value if allowed and v not in allowed]
        if wrong:
            raise FaultConfigError(f"{name}: unknown {', '.join(wrong)}; known: {', '.join(allowed or ())}")
        return list(dict.fromkeys(value))

    seed = raw.get("seed")
    if seed is None:  # still reproducible: GET reports the seed that was picked
        seed = random.SystemRandom().randrange(2**31)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise FaultConfigError(f"seed must be an integer, got {json.dumps(seed)}")
    return {
        "rate": float(number("rate", 0, 1)),
        "seed": seed,
        "kinds": names("kinds", FAULT_KINDS) or list(FAULT_KINDS),
        "latencyMs": number("latencyMs", 100, 60_000),
        "services": names("services", FAULT_SERVICES) or list(FAULT_SERVICES),
        "operations": names("operations", None),
        "unprocessed": float(number("unprocessed", 0, 1)),
    }


class Faults:
    """The fault configuration, its two seeded generators and its counters; shared by all server threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._config: dict[str, Any] | None = None
        self._draws = random.Random(0)
        self._unprocessed_draws = random.Random(0)
        self._seen = 0
        self._injected = dict.fromkeys((*FAULT_KINDS, "unprocessed"), 0)

    def configure(self, config: dict[str, Any] | None) -> None:
        """A new configuration restarts both generators and the counters; None turns faults off."""
        with self._lock:
            self._config = config
            if config is not None:
                self._draws = random.Random(config["seed"])
                self._unprocessed_draws = random.Random(f"tablewarden-unprocessed-{config['seed']}")
                self._seen = 0
                self._injected = dict.fromkeys(self._injected, 0)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            config = self._config
            injected = dict(self._injected)
            return {"enabled": config is not None, "config": config, "seen": self._seen, "injected": injected}

    @property
    def filters_operations(self) -> bool:
        config = self._config
        return bool(config and config["operations"])

    @staticmethod
    def _selects(config: dict[str, Any], service: str, operation: str | None) -> bool:
        return service in config["services"] and (not config["operations"] or operation in config["operations"])

    def decide(self, service: str, operation: str | None) -> tuple[str, dict[str, Any]] | None:
        """The fault for one request, or None; one draw for each request the configuration selects."""
        with self._lock:
            config = self._config
            if config is None or not self._selects(config, service, operation):
                return None
            self._seen += 1
            draw = self._draws.random()
            if draw >= config["rate"]:
                return None
            kinds = config["kinds"]
            kind = kinds[min(int(draw / config["rate"] * len(kinds)), len(kinds) - 1)]
            self._injected[kind] += 1
            return kind, config

    def unprocessed_mask(self, service: str, operation: str, count: int) -> list[bool]:
        """Which of `count` write requests to leave unprocessed; one draw each while `unprocessed` is set."""
        with self._lock:
            config = self._config
            if config is None or not config["unprocessed"] or not self._selects(config, service, operation):
                return [False] * count
            mask = [self._unprocessed_draws.random() < config["unprocessed"] for _ in range(count)]
            self._injected["unprocessed"] += sum(mask)
            return mask


FAULTS = Faults()


def _request_service(environ: dict) -> str | None:
    """The service a request is for: X-Amz-Target (JSON protocols), else the SigV4 credential scope."""
    prefix = environ.get("HTTP_X_AMZ_TARGET", "").split(".", 1)[0]
    if prefix in _TARGET_SERVICES:
        return _TARGET_SERVICES[prefix]
    match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match[1] if match and match[1] in FAULT_SERVICES else None


@functools.lru_cache(maxsize=None)
def _rest_routes(signing_name: str) -> list[tuple[str, re.Pattern, str]]:
    """(method, path pattern, operation) for a REST service, from botocore's model; most specific first."""
    import botocore.session  # loads in about a second, so only when an operations filter needs it

    service_name = {"tagging": "resourcegroupstaggingapi"}.get(signing_name, signing_name)
    model = botocore.session.get_session().get_service_model(service_name)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        template = http["requestUri"].split("?")[0].rstrip("/")
        parts = re.split(r"(\{[^}]+\})", template)
        pattern = "".join(
            (".+" if p.endswith("+}") else "[^/]+") if p.startswith("{") else re.escape(p) for p in parts
        )
        literal = sum(len(p) for p in parts if not p.startswith("{"))
        routes.append((literal, http["method"], re.compile(f"^{pattern}/?$"), name))
    routes.sort(key=lambda route: -route[0])
    return [(method, pattern, name) for _, method, pattern, name in routes]


def _request_operation(environ: dict, service: str) -> str | None:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if "." in target:
        return target.split(".", 1)[1]
    path = (environ.get("RAW_URI") or environ.get("PATH_INFO") or "/").split("?")[0]  # ARNs stay encoded
    method = environ.get("REQUEST_METHOD", "GET")
    return next((name for m, pattern, name in _rest_routes(service) if m == method and pattern.match(path)), None)


def _fault_error(service: str, operation: str | None, kind: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    """HTTP status, headers and JSON body of an injected throttle or 5xx, in the service's own shape."""
    throttle = kind == "throttle"
    if service == "dynamodb":  # awsJson1_0, error name in __type with the service namespace
        if throttle and operation in DYNAMODB_DATA_PLANE:
            status, code = 400, "ProvisionedThroughputExceededException"
            message = (
                "The level of configured provisioned throughput for the table was exceeded. "
                "Consider increasing your provisioning level with the UpdateTable API."
            )
        elif throttle:
            status, code, message = 400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."
        else:
            status, code, message = 500, "InternalServerError", "DynamoDB could not process your request."
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
        return status, {"Content-Type": "application/x-amz-json-1.0"}, body
    if service == "kms":  # awsJson1_1
        if throttle:
            status, code = 400, "ThrottlingException"
            message = "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
        else:
            status, code = 500, "KMSInternalException"
            message = "The request was rejected because an internal exception occurred. The request can be retried."
        return status, {"Content-Type": "application/x-amz-json-1.1"}, {"__type": code, "message": message}
    if service == "tagging":  # awsJson1_1; this API's errors carry Message, capitalised
        if throttle:
            status, code, message = 400, "ThrottledException", "Rate exceeded"
        else:
            status, code = 500, "InternalServiceException"
            message = "The request processing failed because of an unknown error, exception, or failure."
        return status, {"Content-Type": "application/x-amz-json-1.1"}, {"__type": code, "Message": message}
    # backup: restJson1, error name in the x-amzn-ErrorType header. Its common ThrottlingException is HTTP
    # 400; ServiceUnavailableException is its modeled server error (Code, Message, Type, Context).
    if throttle:
        status, code, body = 400, "ThrottlingException", {"message": "Rate exceeded"}
    else:
        status, code = 500, "ServiceUnavailableException"
        message = "The request failed due to a temporary failure of the server."
        body = {"Code": code, "Message": message, "Type": "Server"}
    return status, {"Content-Type": "application/json", "x-amzn-ErrorType": code}, body


def _wsgi_json(start_response: Callable, status: int, body: Any, headers: dict[str, str] | None = None):
    from http import HTTPStatus

    data = json.dumps(body).encode()
    head = {"Content-Type": "application/json", **(headers or {})}
    head.update({"Content-Length": str(len(data)), "x-amzn-RequestId": str(uuid.uuid4())})
    start_response(f"{status} {HTTPStatus(status).phrase}", list(head.items()))
    return [data]


def _read_body(environ: dict) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return stream.read(int(length))
    return stream.read() if environ.get("wsgi.input_terminated") else b""


class FaultInjection:
    """WSGI middleware around moto's application: the /tablewarden/faults API, and the faults themselves."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/tablewarden/"):
            return self._admin(environ, start_response)
        if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            emulator_clock.reset()  # the clock offset is emulator state, like the tables it times
            strict_restore.reset_settings()  # a per-test restore delay ends with the test
            strict_settle.reset_settings()  # so does a per-test UpdateTable settle time
        service = None if path.startswith("/moto-api/") else _request_service(environ)
        if service is None:
            return self.app(environ, start_response)
        operation = None
        if environ.get("HTTP_X_AMZ_TARGET") or FAULTS.filters_operations:
            operation = _request_operation(environ, service)
        decision = FAULTS.decide(service, operation)
        if decision is None:
            return self.app(environ, start_response)
        kind, config = decision
        if kind == "latency":
            time.sleep(config["latencyMs"] / 1000)
            return self.app(environ, start_response)
        _read_body(environ)  # answered here, without moto: drain the request body first
        status, headers, body = _fault_error(service, operation, kind)
        return _wsgi_json(start_response, status, body, headers)

    def _admin(self, environ: dict, start_response: Callable):
        path, method = environ.get("PATH_INFO", "").rstrip("/"), environ.get("REQUEST_METHOD", "GET")
        if path == "/tablewarden/clock":
            return self._clock(environ, start_response, method)
        if path == "/tablewarden/restore":  # the restore delay (strict/restore.py)
            status, body = strict_restore.admin(method, _read_body(environ) if method == "POST" else b"")
            return _wsgi_json(start_response, status, body)
        if path == "/tablewarden/settle":  # how long UpdateTable takes to settle (strict/settle.py)
            status, body = strict_settle.admin(method, _read_body(environ) if method == "POST" else b"")
            return _wsgi_json(start_response, status, body)
        if path == "/tablewarden/config/evaluations":  # Config evaluation results put by tests (strict/config.py)
            status, body = strict_config.admin(method, _read_body(environ) if method == "POST" else b"")
            return _wsgi_json(start_response, status, body)
        if path != "/tablewarden/faults":
            return _wsgi_json(start_response, 404, {"message": f"no such endpoint: {path}"})
        if method == "POST":
            try:
                config = _fault_config(json.loads(_read_body(environ) or b"null"))
            except ValueError as err:  # JSONDecodeError and FaultConfigError
                return _wsgi_json(start_response, 400, {"message": f"fault configuration: {err}"})
            FAULTS.configure(config)
        elif method == "DELETE":
            FAULTS.configure(None)
        elif method != "GET":
            return _wsgi_json(start_response, 405, {"message": f"{method} not allowed"}, {"Allow": "GET, POST, DELETE"})
        return _wsgi_json(start_response, 200, FAULTS.stats())


    def _clock(self, environ: dict, start_response: Callable, method: str):
        # GET: the emulator's time; POST {"advanceSeconds": n}: step over a time window (see strict/clock.py).
        if method == "POST":
            try:
                body = json.loads(_read_body(environ) or b"{}")
                emulator_clock.advance(float(body["advanceSeconds"]))
            except (ValueError, KeyError, TypeError) as err:
                return _wsgi_json(start_response, 400, {"message": f"clock: {err}"})
        elif method != "GET":
            return _wsgi_json(start_response, 405, {"message": f"{method} not allowed"}, {"Allow": "GET, POST"})
        return _wsgi_json(start_response, 200, {"now": emulator_clock.now().isoformat(), "offsetSeconds": emulator_clock.offset_seconds()})


def _faults_from_env() -> None:
    raw = os.environ.get("TABLEWARDEN_FAULTS", "").strip()
    if not raw:
        return
    try:
        FAULTS.configure(_fault_config(json.loads(raw)))
    except ValueError as err:
        sys.stderr.write(f"tablewarden local AWS: TABLEWARDEN_FAULTS: {err}\n")
        sys.exit(2)


# ---------------------------------------------------------------------------------------------------------
# Server: errors as JSON, a machine-readable ready line, exit with the parent
# ---------------------------------------------------------------------------------------------------------


@_patch(convert_to_flask_response, "__call__")
def _call(original, self, *args, **kwargs):
    # moto answers an unimplemented operation or an unexpected exception with Flask's HTML 500 page, which
    # the SDK can't parse. Answer JSON instead: 501 (not retried by the SDK) names the missing operation.
    from flask import Response

    try:
        return original(self, *args, **kwargs)
    except HTTPException:
        raise
    except NotImplementedError as err:
        status, code, message = 501, "NotImplementedException", f"moto {REQUIRED_MOTO}: {err}"
    except Exception as err:  # noqa: BLE001
        traceback.print_exc()
        status, code, message = 500, "InternalFailure", f"{type(err).__name__}: {err}"
    body = json.dumps({"__type": code, "message": message, "Message": message})
    return Response(body, status=status, headers={"Content-Type": "application/json", "x-amzn-ErrorType": code})


def _run_simple(host: str, port: int, app: Any, threaded: bool = True, ssl_context: Any = None, **_: Any) -> None:
    # Replaces werkzeug's run_simple in moto.server.main so that port 0 works (the OS picks a free port,
    # no race with other test files) and the launcher learns the port as soon as the socket listens. The
    # app is wrapped in the fault injection middleware here, the one place every request passes through.
    from werkzeug.serving import make_server

    server = make_server(host, port, FaultInjection(app), threaded=threaded, ssl_context=ssl_context)
    os.environ["MOTO_PORT"] = str(server.port)  # moto builds some URLs (SQS, S3) from it
    scheme = "https" if ssl_context else "http"
    print(f"tablewarden-moto listening on {scheme}://{host}:{server.port}", flush=True)
    server.serve_forever()


def _exit_with_parent() -> None:
    # The launcher kills the process group on stop and on exit, but a parent killed with SIGKILL runs no
    # handlers. Re-parenting means the parent is gone: leave instead of lingering as an orphan.
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


import strict  # noqa: E402

strict.install()  # the strict rules wrap the patches above
from strict import restore as strict_restore  # noqa: E402  (its /tablewarden/restore setting)
from strict import config as strict_config  # noqa: E402  (its /tablewarden/config/evaluations hook)
from strict import settle as strict_settle  # noqa: E402  (its /tablewarden/settle setting)

if __name__ == "__main__":
    _faults_from_env()
    moto_server.run_simple = _run_simple
    if os.environ.get("TABLEWARDEN_QUIET") == "1":
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    if os.environ.get("TABLEWARDEN_EXIT_WITH_PARENT") == "1":
        threading.Thread(target=_exit_with_parent, daemon=True).start()
    moto_server.main(sys.argv[1:])
