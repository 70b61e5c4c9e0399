"""tablewarden's local AWS: moto 5.2.1 in server mode, with the gaps the product needs filled in.

    python3 local/moto_server.py -H 127.0.0.1 -p PORT      (-p 0 picks a free port)

Once the socket listens, one line goes to stdout: ``tablewarden-moto listening on http://HOST:PORT``.

Every patch below keeps state in moto's own model objects (tables, KMS keys, backup backends), so that
DescribeTable, ListBackups, RestoreTableFromBackup, the tagging API and ``POST /moto-api/reset`` all see one
truth. Behaviour follows the AWS API reference; where AWS and a recorded real response differ, the recording
wins (see ../shared/aws-recordings). Each patch says why it exists.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import threading
import time
import traceback
import uuid
from datetime import timedelta
from typing import Any
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
from moto.dynamodb.exceptions import MockValidationException  # noqa: E402
from moto.dynamodb.exceptions import ResourceNotFoundException as DynamoNotFound  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402
from moto.dynamodb.models.table import Table  # noqa: E402
from moto.dynamodb.responses import DynamoHandler, DynamoResult  # noqa: E402
from moto.kms.exceptions import ValidationException as KmsValidation  # noqa: E402
from moto.kms.models import KmsBackend, kms_backends  # noqa: E402
from moto.kms.responses import KmsResponse  # noqa: E402
from werkzeug.exceptions import HTTPException  # noqa: E402


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


def _kms_key(account_id: str, region: str, key_ref: str):
    """The moto KMS key behind a key id, key ARN, alias name or alias ARN; None when there is none."""
    kms = kms_backends[account_id][region]
    try:
        return kms.keys.get(kms.any_id_to_key_id(key_ref))
    except (AttributeError, KeyError, TypeError):  # moto's lookup fails this way for unknown aliases
        return None


# Tables created with SSE but no key id (also via CloudFormation or restore) get the one AWS managed key.
Table._get_default_encryption_key = lambda self, account_id, region: _kms_key(
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
    """Validate an SSESpecification and resolve its key in moto's KMS; None means the AWS owned key.

    moto stores KMSMasterKeyId as given, without checking that the key exists, so DescribeTable would
    report an alias (or a typo) as KMSMasterKeyArn. AWS reports the key's ARN and rejects a missing key.
    """
    if not spec or not spec.get("Enabled"):
        return None
    sse_type, key_ref = spec.get("SSEType"), spec.get("KMSMasterKeyId")
    _check_enum(sse_type, "sSESpecification.sSEType", ["KMS"], MockValidationException)
    if key_ref and sse_type is None:
        raise MockValidationException("SSEType KMS is required if KMSMasterKeyId is specified")
    key = _kms_key(handler.current_account, handler.region, key_ref or "alias/aws/dynamodb")
    if key is None or key.key_state != "Enabled":
        state = "does not exist" if key is None else f"is {key.key_state}"
        raise MockValidationException(
            f"One or more parameter values were invalid: KMSMasterKeyId {key_ref} {state} "
            f"in account {handler.current_account}, region {handler.region}"
        )
    return {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key.arn}


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
    # no race with other test files) and the launcher learns the port as soon as the socket listens.
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=threaded, ssl_context=ssl_context)
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


if __name__ == "__main__":
    moto_server.run_simple = _run_simple
    if os.environ.get("TABLEWARDEN_QUIET") == "1":
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    if os.environ.get("TABLEWARDEN_EXIT_WITH_PARENT") == "1":
        threading.Thread(target=_exit_with_parent, daemon=True).start()
    moto_server.main(sys.argv[1:])
