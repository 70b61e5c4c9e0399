"""AWS Config compliance on the local AWS: evaluation results, the three compliance APIs, a small evaluator.

moto 5.2.1 keeps Config rules (PutConfigRule, DescribeConfigRules, DeleteConfigRule) but answers no compliance API.
This module adds, on moto's own ``ConfigBackend`` (state lives on the backend object, so ``POST /moto-api/reset``
clears it with the rules):

- ``GetComplianceDetailsByConfigRule``
  (https://docs.aws.amazon.com/config/latest/APIReference/API_GetComplianceDetailsByConfigRule.html),
- ``DescribeComplianceByConfigRule``
  (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeComplianceByConfigRule.html),
- ``StartConfigRulesEvaluation``
  (https://docs.aws.amazon.com/config/latest/APIReference/API_StartConfigRulesEvaluation.html),
- a local evaluator for the AWS managed rules tablewarden deploys, reading moto's DynamoDB, KMS and Backup state,
- ``POST /tablewarden/config/evaluations``: a test hook that records evaluation results directly (AWS's
  PutEvaluations needs the ResultToken of a custom rule's invocation, so it is not faked for managed rules).

Evaluations are keyed by (rule name, resource type, resource id). A DynamoDB table's Config resource id is its
table name (the managed rules' ``resourceId`` parameter is documented as "Name of DynamoDB Table").

Decisions (the docs are silent; see local/EMULATOR-RULES.md "AWS Config"):
- StartConfigRulesEvaluation evaluates synchronously: when it returns, the results are there. AWS evaluates
  asynchronously; a caller that polls sees the same end state.
- PutConfigRule evaluates the rule once too ("When you create a rule, Config evaluates your resources against the
  rule automatically"). Configuration changes do not trigger an evaluation by themselves: call
  StartConfigRulesEvaluation (or put results with the hook) to see a change.
- A resource that was evaluated before and is gone (or left the rule's scope) becomes NOT_APPLICABLE.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.config.exceptions import (
    InvalidNextTokenException,
    InvalidParameterValueException,
    NoSuchConfigRuleException,
)
from moto.config.exceptions import ValidationException as ConfigValidation
from moto.config.models import ConfigBackend, config_backends
from moto.config.responses import ConfigResponse
from moto.core.exceptions import JsonRESTError

from strict import clock
from strict.common import _constraint, _patch

COMPLIANCE_TYPES = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"]
DEFAULT_LIMIT = 10  # "The default is 10 ... If you specify 0, Config uses the default."
MAX_LIMIT = 100
DESCRIBE_PAGE = 25  # DescribeComplianceByConfigRule has no Limit; its page size is not documented
CONTRIBUTOR_CAP = 100  # "up to a maximum number": the cap is not documented; 100 assumed
START_INTERVAL = timedelta(minutes=1)  # "more than once per minute" -> LimitExceededException
TABLE = "AWS::DynamoDB::Table"
KEY = "AWS::KMS::Key"

RULE_RESOURCE_TYPES = {
    "DYNAMODB_PITR_ENABLED": TABLE,
    "DYNAMODB_TABLE_ENCRYPTED_KMS": TABLE,
    "DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED": TABLE,
    "DYNAMODB_IN_BACKUP_PLAN": TABLE,
    "DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN": TABLE,
    "DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED": TABLE,
    "DYNAMODB_MEETS_RESTORE_TIME_TARGET": TABLE,
    "CMK_BACKING_KEY_ROTATION_ENABLED": KEY,
}


class LimitExceededException(JsonRESTError):
    """StartConfigRulesEvaluation: "thrown if an evaluation is in progress or if you call the
    StartConfigRulesEvaluation API more than once per minute" (message wording not verified)."""

    code = 400

    def __init__(self, message: str):
        super().__init__("LimitExceededException", message)


# ---------------------------------------------------------------------------------------------------------
# State: on moto's ConfigBackend, so /moto-api/reset (which re-initialises every backend) clears it
# ---------------------------------------------------------------------------------------------------------


def _state(backend: ConfigBackend) -> dict[str, Any]:
    state = backend.__dict__.get("tw_compliance")
    if state is None:
        state = backend.__dict__["tw_compliance"] = {"evaluations": {}, "last_start": None}
    return state


def _evaluations(backend: ConfigBackend) -> dict[tuple[str, str, str], dict[str, Any]]:
    return _state(backend)["evaluations"]


def record(
    backend: ConfigBackend,
    rule: str,
    resource_type: str,
    resource_id: str,
    compliance: str,
    annotation: str | None = None,
    ordering: datetime | None = None,
    invoked: datetime | None = None,
) -> dict[str, Any]:
    """Store one evaluation result (replacing the resource's previous one for this rule)."""
    now = clock.now()
    result = {
        "rule": rule,
        "resourceType": resource_type,
        "resourceId": resource_id,
        "complianceType": compliance,
        "annotation": annotation,
        "orderingTimestamp": ordering or now,
        "configRuleInvokedTime": invoked or now,
        "resultRecordedTime": now,
    }
    _evaluations(backend)[(rule, resource_type, resource_id)] = result
    return result


def _wire(result: dict[str, Any]) -> dict[str, Any]:
    """An EvaluationResult as the JSON protocol sends it (timestamps as epoch seconds)."""
    out = {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": result["rule"],
                "ResourceType": result["resourceType"],
                "ResourceId": result["resourceId"],
                "EvaluationMode": "DETECTIVE",
            },
            "OrderingTimestamp": result["orderingTimestamp"].timestamp(),
        },
        "ComplianceType": result["complianceType"],
        "ResultRecordedTime": result["resultRecordedTime"].timestamp(),
        "ConfigRuleInvokedTime": result["configRuleInvokedTime"].timestamp(),
    }
    if result.get("annotation"):
        out["Annotation"] = result["annotation"]
    return out


# ---------------------------------------------------------------------------------------------------------
# Request validation: the API model's constraints (ValidationException, Coral wording) and the documented errors
# ---------------------------------------------------------------------------------------------------------


def _rule_name(value: Any, where: str) -> str:
    if value is None:
        raise ConfigValidation(f"1 validation error detected: Value null at '{where}' failed to satisfy constraint: Member must not be null")
    if not isinstance(value, str) or len(value) < 1:
        raise ConfigValidation(_constraint(value, where, "Member must have length greater than or equal to 1"))
    if len(value) > 64:  # StringWithCharLimit64 in these APIs (PutConfigRule allows 128)
        raise ConfigValidation(_constraint(value, where, "Member must have length less than or equal to 64"))
    return value


def _compliance_filter(value: Any) -> list[str]:
    types = value or []
    if len(types) > 3:
        raise ConfigValidation(_constraint(types, "complianceTypes", "Member must have length less than or equal to 3"))
    for t in types:
        if t not in COMPLIANCE_TYPES:
            raise ConfigValidation(
                _constraint(types, "complianceTypes", f"Member must satisfy constraint: [Member must satisfy enum value set: [{', '.join(COMPLIANCE_TYPES)}]]")
            )
    return list(types)


def _rule(backend: ConfigBackend, name: str):
    rule = backend.config_rules.get(name)
    if rule is None:
        raise NoSuchConfigRuleException(name)
    return rule


def _token(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _untoken(raw: Any, scope: str) -> dict[str, Any] | None:
    """A NextToken is only valid for the request it came from (same operation, rule and filter)."""
    if raw is None:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(str(raw).encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidNextTokenException() from None
    if not isinstance(payload, dict) or payload.get("s") != scope or not isinstance(payload.get("k"), list):
        raise InvalidNextTokenException()
    return payload


# ---------------------------------------------------------------------------------------------------------
# The three APIs
# ---------------------------------------------------------------------------------------------------------


def get_compliance_details_by_config_rule(self: ConfigResponse) -> str:
    backend = self.config_backend
    name = _rule_name(self._get_param("ConfigRuleName"), "configRuleName")
    types = _compliance_filter(self._get_param("ComplianceTypes"))
    limit = self._get_param("Limit")
    if limit is not None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise ConfigValidation(_constraint(limit, "limit", "Member must have value greater than or equal to 0"))
        if limit > MAX_LIMIT:
            raise ConfigValidation(_constraint(limit, "limit", f"Member must have value less than or equal to {MAX_LIMIT}"))
    if "INSUFFICIENT_DATA" in types:
        # "INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results" (wording not verified)
        raise InvalidParameterValueException("INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results.")
    _rule(backend, name)
    scope = f"details|{name}|{','.join(sorted(types))}"
    token = _untoken(self._get_param("NextToken"), scope)
    size = limit or DEFAULT_LIMIT
    results = sorted(
        (r for (rule, _, _), r in _evaluations(backend).items() if rule == name and (not types or r["complianceType"] in types)),
        key=lambda r: (r["resourceType"], r["resourceId"]),
    )
    if token:  # resume after the last key served: stable under results added or removed between pages
        after = tuple(token["k"])
        results = [r for r in results if (r["resourceType"], r["resourceId"]) > after]
    page = results[:size]
    out: dict[str, Any] = {"EvaluationResults": [_wire(r) for r in page]}
    if len(results) > size:
        last = page[-1]
        out["NextToken"] = _token({"s": scope, "k": [last["resourceType"], last["resourceId"]]})
    return json.dumps(out)


def _rule_compliance(backend: ConfigBackend, name: str) -> dict[str, Any]:
    """A rule is NON_COMPLIANT if any evaluated resource is, COMPLIANT if all evaluated resources comply, and
    INSUFFICIENT_DATA without current results (or with NOT_APPLICABLE results only)."""
    results = [r for (rule, _, _), r in _evaluations(backend).items() if rule == name]
    non_compliant = sum(1 for r in results if r["complianceType"] == "NON_COMPLIANT")
    if non_compliant:
        return {
            "ComplianceType": "NON_COMPLIANT",
            "ComplianceContributorCount": {"CappedCount": min(non_compliant, CONTRIBUTOR_CAP), "CapExceeded": non_compliant > CONTRIBUTOR_CAP},
        }
    if any(r["complianceType"] == "COMPLIANT" for r in results):
        return {"ComplianceType": "COMPLIANT"}
    return {"ComplianceType": "INSUFFICIENT_DATA"}


def describe_compliance_by_config_rule(self: ConfigResponse) -> str:
    backend = self.config_backend
    names = self._get_param("ConfigRuleNames") or []
    if len(names) > 25:
        raise ConfigValidation(_constraint(names, "configRuleNames", "Member must have length less than or equal to 25"))
    for n in names:
        _rule_name(n, "configRuleNames.member")
    types = _compliance_filter(self._get_param("ComplianceTypes"))
    for n in names:
        _rule(backend, n)
    scope = f"describe|{','.join(sorted(set(names)))}|{','.join(sorted(types))}"
    token = _untoken(self._get_param("NextToken"), scope)
    rows = [
        {"ConfigRuleName": n, "Compliance": _rule_compliance(backend, n)}
        for n in sorted(set(names) if names else backend.config_rules.keys())
    ]
    rows = [r for r in rows if not types or r["Compliance"]["ComplianceType"] in types]
    if token:
        rows = [r for r in rows if r["ConfigRuleName"] > token["k"][0]]
    page = rows[:DESCRIBE_PAGE]
    out: dict[str, Any] = {"ComplianceByConfigRules": page}
    if len(rows) > DESCRIBE_PAGE:
        out["NextToken"] = _token({"s": scope, "k": [page[-1]["ConfigRuleName"]]})
    return json.dumps(out)


def start_config_rules_evaluation(self: ConfigResponse) -> str:
    backend = self.config_backend
    names = self._get_param("ConfigRuleNames")
    if not names:
        raise ConfigValidation(
            _constraint(names or [], "configRuleNames", "Member must have length greater than or equal to 1")
            if names is not None
            else "1 validation error detected: Value null at 'configRuleNames' failed to satisfy constraint: Member must not be null"
        )
    if len(names) > 25:
        raise ConfigValidation(_constraint(names, "configRuleNames", "Member must have length less than or equal to 25"))
    for n in names:
        if not isinstance(n, str) or not 1 <= len(n) <= 64:
            _rule_name(n, "configRuleNames.member")
    rules = [_rule(backend, n) for n in names]
    state, now = _state(backend), clock.now()
    if state["last_start"] is not None and now - state["last_start"] < START_INTERVAL:
        raise LimitExceededException(
            "StartConfigRulesEvaluation can be called once per minute; an evaluation started at "
            f"{state['last_start'].isoformat()} (emulator clock)"
        )
    state["last_start"] = now
    for rule in rules:
        evaluate_rule(backend, rule)
    return "{}"


for _fn in (get_compliance_details_by_config_rule, describe_compliance_by_config_rule, start_config_rules_evaluation):
    setattr(ConfigResponse, _fn.__name__, _fn)


@_patch(ConfigBackend, "put_config_rule")
def _put_config_rule(original, self: ConfigBackend, config_rule: dict[str, Any], tags: list | None = None) -> str:
    out = original(self, config_rule, tags)
    name = config_rule.get("ConfigRuleName")
    rule = self.config_rules.get(name) if name else None
    if rule is not None:
        evaluate_rule(self, rule)  # "When you create a rule, Config evaluates your resources against the rule"
    return out


@_patch(ConfigBackend, "delete_config_rule")
def _delete_config_rule(original, self: ConfigBackend, rule_name: str) -> None:
    original(self, rule_name)
    evaluations = _evaluations(self)
    for key in [k for k in evaluations if k[0] == rule_name]:
        del evaluations[key]  # deleting a rule deletes its evaluation results


# ---------------------------------------------------------------------------------------------------------
# The evaluator: AWS managed rules tablewarden deploys, over moto's own DynamoDB / KMS / Backup state
# ---------------------------------------------------------------------------------------------------------


def _params(rule) -> dict[str, str]:
    return {k: str(v) for k, v in (rule.input_parameters_dict or {}).items()}


def _in_scope(rule, resource_type: str, resource_id: str, tags: dict[str, str]) -> bool:
    scope = rule.scope
    if scope is None:
        return True
    types = getattr(scope, "compliance_resource_types", None)
    if types and resource_type not in types:
        return False
    wanted_id = getattr(scope, "compliance_resource_id", None)
    if wanted_id and wanted_id != resource_id:
        return False
    for tag_key, tag_value in (getattr(scope, "tags", None) or {}).items():  # Scope.TagKey / TagValue
        if tag_key not in tags or (tag_value is not None and tags[tag_key] != tag_value):
            return False
    return True


def _param_filters(params: dict[str, str], name: str, tags: dict[str, str]) -> bool:
    """The backup rules' own resourceId / resourceTags parameters narrow what they check."""
    if params.get("resourceId") and params["resourceId"] != name:
        return False
    raw = params.get("resourceTags")
    if raw:
        try:
            wanted = json.loads(raw)
        except ValueError:
            return False
        if any(tags.get(k) != v for k, v in wanted.items()):
            return False
    return True


def _table_tags(table) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in (table.tags or [])}


def _selection_covers(selection: dict[str, Any], arn: str, tags: dict[str, str]) -> bool:
    spec = selection["BackupSelection"]
    if any(fnmatch.fnmatchcase(arn, pattern) for pattern in spec.get("NotResources") or []):
        return False
    by_resource = any(fnmatch.fnmatchcase(arn, pattern) for pattern in spec.get("Resources") or [])
    by_tag = any(
        t.get("ConditionType", "STRINGEQUALS") == "STRINGEQUALS" and tags.get(t.get("ConditionKey")) == t.get("ConditionValue")
        for t in spec.get("ListOfTags") or []
    )
    if not (by_resource or by_tag):
        return False
    conditions = spec.get("Conditions") or {}

    def tag_of(c: dict[str, str]) -> str | None:
        return tags.get(c["ConditionKey"].removeprefix("aws:ResourceTag/"))

    checks = [
        all(tag_of(c) == c["ConditionValue"] for c in conditions.get("StringEquals") or []),
        all(tag_of(c) != c["ConditionValue"] for c in conditions.get("StringNotEquals") or []),
        all(tag_of(c) is not None and fnmatch.fnmatchcase(tag_of(c), c["ConditionValue"]) for c in conditions.get("StringLike") or []),
        all(tag_of(c) is None or not fnmatch.fnmatchcase(tag_of(c), c["ConditionValue"]) for c in conditions.get("StringNotLike") or []),
    ]
    return all(checks)


def _in_backup_plan(account: str, region: str, table) -> bool:
    from moto.backup.models import backup_backends

    backend = backup_backends[account][region]
    selections = getattr(backend, "tw_selections", {})
    tags = _table_tags(table)
    for plan_id, plan_selections in selections.items():
        plan = backend.plans.get(plan_id)
        if plan is None or plan.deletion_date is not None:
            continue
        if any(_selection_covers(s, table.table_arn, tags) for s in plan_selections.values()):
            return True
    return False


def _recovery_points(account: str, region: str, table) -> list[datetime]:
    """Creation times of AWS Backup recovery points of the table (jobs whose backup still exists)."""
    from moto.backup.models import backup_backends
    from moto.dynamodb.models import dynamodb_backends

    backups = dynamodb_backends[account][region].backups
    jobs = getattr(backup_backends[account][region], "tw_jobs", {}).values()
    return [_aware(j["CreationDate"]) for j in jobs if j["ResourceArn"] == table.table_arn and j["RecoveryPointArn"] in backups]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _latest_restore_minutes(account: str, region: str, table) -> float | None:
    """LatestRestoreExecutionTimeMinutes: the run time of the latest COMPLETED AWS Backup restore job of one of
    the table's recovery points, by the emulator clock; None without one."""
    from moto.backup.models import backup_backends

    now = clock.now()
    done = [
        j
        for j in getattr(backup_backends[account][region], "tw_restore_jobs", {}).values()
        if j.get("SourceResourceArn") == table.table_arn and not j.get("tw_failed") and j["tw_ready_at"] <= now
    ]
    if not done:
        return None
    latest = max(done, key=lambda j: j["tw_ready_at"])
    return (latest["tw_ready_at"] - latest["CreationDate"]).total_seconds() / 60


def _evaluate_table(identifier: str, params: dict[str, str], account: str, region: str, table) -> tuple[str, str | None]:
    if identifier == "DYNAMODB_PITR_ENABLED":
        status = table.continuous_backups["PointInTimeRecoveryDescription"].get("PointInTimeRecoveryStatus")
        return ("COMPLIANT", None) if status == "ENABLED" else ("NON_COMPLIANT", "Point-in-time recovery is not enabled.")
    if identifier == "DYNAMODB_TABLE_ENCRYPTED_KMS":
        sse = table.sse_specification or {}
        if not sse.get("Enabled"):
            return "NON_COMPLIANT", "The table is encrypted with an AWS owned key, not with AWS KMS."
        key = sse.get("KMSMasterKeyId")
        allowed = [k.strip() for k in params.get("kmsKeyArns", "").split(",") if k.strip()]
        if allowed and key not in allowed:
            return "NON_COMPLIANT", f"The table's KMS key {key} is not in kmsKeyArns."
        return "COMPLIANT", None
    if identifier == "DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED":
        return ("COMPLIANT", None) if table.deletion_protection_enabled else ("NON_COMPLIANT", "Deletion protection is disabled.")
    if identifier in ("DYNAMODB_IN_BACKUP_PLAN", "DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN"):
        if _in_backup_plan(account, region, table):
            return "COMPLIANT", None
        return "NON_COMPLIANT", "The table is not in any AWS Backup plan."
    if identifier == "DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED":
        value = int(params.get("recoveryPointAgeValue", "1"))
        unit = params.get("recoveryPointAgeUnit", "days")
        age = timedelta(hours=value) if unit == "hours" else timedelta(days=value)
        points = _recovery_points(account, region, table)
        if any(clock.now() - p <= age for p in points):
            return "COMPLIANT", None
        return "NON_COMPLIANT", f"No recovery point was created in the last {value} {unit}."
    if identifier == "DYNAMODB_MEETS_RESTORE_TIME_TARGET":
        minutes = _latest_restore_minutes(account, region, table)
        if minutes is None:
            return "NOT_APPLICABLE", "No completed restore job of this table."
        if minutes > float(params["maxRestoreTime"]):
            return "NON_COMPLIANT", f"The latest restore took {minutes:.1f} minutes, more than {params['maxRestoreTime']}."
        return "COMPLIANT", None
    raise AssertionError(identifier)


def _evaluate_key(key) -> tuple[str, str | None] | None:
    """CMK_BACKING_KEY_ROTATION_ENABLED for one key; None: not evaluated (AWS managed keys)."""
    if key.key_manager != "CUSTOMER":
        return None
    if key.key_state == "PendingDeletion":
        return "NOT_APPLICABLE", "The key is pending deletion."
    if key.key_spec != "SYMMETRIC_DEFAULT" or key.origin != "AWS_KMS":
        return "NOT_APPLICABLE", "Automatic key rotation is not supported for this key."
    if key.key_rotation_status:
        return "COMPLIANT", None
    return "NON_COMPLIANT", "Automatic key rotation is not enabled."


def evaluate_rule(backend: ConfigBackend, rule) -> None:
    """Evaluate one rule now, if it is an AWS managed rule this evaluator knows; other rules keep their results."""
    source = rule.source
    identifier = source.source_identifier
    if source.owner != "AWS" or identifier not in RULE_RESOURCE_TYPES:
        return
    account, region, name = backend.account_id, backend.region_name, rule.config_rule_name
    params = _params(rule)
    now = clock.now()
    resource_type = RULE_RESOURCE_TYPES[identifier]
    seen: set[tuple[str, str]] = set()
    if resource_type == TABLE:
        from moto.dynamodb.models import dynamodb_backends

        for table in list(dynamodb_backends[account][region].tables.values()):
            tags = _table_tags(table)
            if not _in_scope(rule, TABLE, table.name, tags) or not _param_filters(params, table.name, tags):
                continue
            compliance, annotation = _evaluate_table(identifier, params, account, region, table)
            record(backend, name, TABLE, table.name, compliance, annotation, ordering=now, invoked=now)
            seen.add((TABLE, table.name))
    else:
        from moto.kms.models import kms_backends

        kms = kms_backends[account][region]
        for key in list(kms.keys.values()):
            if not _in_scope(rule, KEY, key.id, {}):
                continue
            verdict = _evaluate_key(key)
            if verdict is None:
                continue
            record(backend, name, KEY, key.id, verdict[0], verdict[1], ordering=now, invoked=now)
            seen.add((KEY, key.id))
    for (rule_name, rtype, rid), result in list(_evaluations(backend).items()):
        if rule_name == name and (rtype, rid) not in seen and result["complianceType"] != "NOT_APPLICABLE":
            record(backend, name, rtype, rid, "NOT_APPLICABLE", "The resource no longer exists or left the rule's scope.", ordering=now, invoked=now)


# ---------------------------------------------------------------------------------------------------------
# POST /tablewarden/config/evaluations: the test hook (see local/moto_server.py _admin)
# ---------------------------------------------------------------------------------------------------------


def _moment(raw: Any, field: str) -> datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field}: not an ISO 8601 time: {raw!r}") from None
    return _aware(moment)


def admin(method: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """POST {"account"?, "region"?, "evaluations": [{"configRuleName", "resourceType", "resourceId",
    "complianceType", "annotation"?, "orderingTimestamp"?}]} records results as if the rule had produced them;
    the rule must exist (NoSuchConfigRule otherwise). GET lists every recorded result of the account/region."""
    if method not in ("GET", "POST"):
        return 405, {"message": f"{method} not allowed"}
    try:
        body = json.loads(raw or b"{}") if method == "POST" else {}
        account = str(body.get("account") or "123456789012")
        region = str(body.get("region") or "us-east-1")
        backend = config_backends[account][region]
        if method == "GET":
            return 200, {"evaluations": [_hook_view(r) for r in _evaluations(backend).values()]}
        items = body.get("evaluations")
        if not isinstance(items, list) or not items:
            raise ValueError("evaluations: a non-empty list is required")
        checked = []
        for i, item in enumerate(items):
            where = f"evaluations[{i}]"
            for field in ("configRuleName", "resourceType", "resourceId", "complianceType"):
                if not isinstance(item.get(field), str) or not item[field]:
                    raise ValueError(f"{where}.{field}: a non-empty string is required")
            if item["complianceType"] not in COMPLIANCE_TYPES:
                raise ValueError(f"{where}.complianceType: one of {', '.join(COMPLIANCE_TYPES)}")
            if item["configRuleName"] not in backend.config_rules:
                raise ValueError(f"{where}.configRuleName: no Config rule {item['configRuleName']} in {account} / {region}")
            checked.append((item, _moment(item.get("orderingTimestamp"), f"{where}.orderingTimestamp")))
    except ValueError as err:  # nothing recorded when any item is bad
        return 400, {"message": f"config evaluations: {err}"}
    for item, ordering in checked:
        record(
            backend, item["configRuleName"], item["resourceType"], item["resourceId"], item["complianceType"],
            item.get("annotation"), ordering=ordering,
        )
    return 200, {"recorded": len(checked)}


def _hook_view(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "configRuleName": result["rule"],
        "resourceType": result["resourceType"],
        "resourceId": result["resourceId"],
        "complianceType": result["complianceType"],
        "annotation": result.get("annotation"),
        "orderingTimestamp": result["orderingTimestamp"].isoformat(),
        "resultRecordedTime": result["resultRecordedTime"].isoformat(),
    }
