"""Strict rules for AWS Backup: what AWS refuses that moto accepts. See local/EMULATOR-RULES.md.

The selection operations themselves (moto has none) live in ``local/moto_server.py``; the rules here wrap them and
moto's own plan and vault operations, so there is one implementation of each operation and one place for its rules.

- CreateBackupSelection: at most 100 resource assignments per backup plan, not adjustable (AWS Backup quotas,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html) → LimitExceededException; a
  selection name is unique within its plan → AlreadyExistsException (a retry with the same CreatorRequestId
  still returns the existing selection, as the API reference says). The name pattern ``^[a-zA-Z0-9\\-\\_\\.]{1,50}$``
  is checked by the gap patch itself.
- CreateBackupVault: the vault name matches ``^[a-zA-Z0-9\\-\\_]{2,50}$`` (no ``.``, unlike plan and selection
  names; https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html)
  → InvalidParameterValueException "Backup vault name X is not valid" (AWS's wording, as reported in aws-cdk#8685).
- CreateBackupPlan: BackupPlanName matches ``^[a-zA-Z0-9\\-\\_\\.]{1,50}$`` (API_BackupPlanInput); every rule's
  ScheduleExpression is a ``cron(...)`` expression, since AWS Backup accepts no ``rate(...)`` expressions
  (API_BackupRuleInput: "A CRON expression in UTC"); every rule's TargetBackupVaultName matches the vault pattern.
  moto has no UpdateBackupPlan, and the product never calls it, so there is nothing to wrap there.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from moto.backup.exceptions import AlreadyExistsException, BackupClientError, InvalidParameterValueException
from moto.backup.models import BackupBackend
from moto.backup.responses import BackupResponse

from strict.common import _patch

#: AWS Backup quotas: "Number of resource assignments per backup plan: 100" (not adjustable).
MAX_SELECTIONS_PER_PLAN = 100

VAULT_NAME = re.compile(r"[a-zA-Z0-9\-_]{2,50}")
PLAN_NAME = re.compile(r"[a-zA-Z0-9\-_.]{1,50}")
# A cron expression has six space-separated fields inside cron( ); the fields themselves are AWS's to parse.
CRON = re.compile(r"cron\(\s*\S+(\s+\S+){5}\s*\)")


class LimitExceededException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("LimitExceededException", msg)


def _segment(handler: BackupResponse, index: int) -> str:
    return unquote(handler.raw_path.split("/")[index])


@_patch(BackupResponse, "create_backup_selection")
def _create_backup_selection(original, self: BackupResponse):
    backend: BackupBackend = self.backup_backend
    plan_id = _segment(self, 3)
    params = json.loads(self.body) if self.body else {}
    spec = params.get("BackupSelection") or {}
    request_id = params.get("CreatorRequestId")
    selections: dict[str, dict[str, Any]] = getattr(backend, "tw_selections", {}).get(plan_id, {})
    retried = request_id and any(s["CreatorRequestId"] == request_id for s in selections.values())
    if not retried and plan_id in backend.plans:
        name = spec.get("SelectionName")
        if name and any(s["BackupSelection"]["SelectionName"] == name for s in selections.values()):
            raise AlreadyExistsException(f"Backup selection with the name {name} already exists in backup plan {plan_id}")
        if len(selections) >= MAX_SELECTIONS_PER_PLAN:
            raise LimitExceededException(
                f"Cannot create more than {MAX_SELECTIONS_PER_PLAN} backup selections (resource assignments) per backup plan"
            )
    return original(self)


@_patch(BackupBackend, "create_backup_vault")
def _create_backup_vault(original, self: BackupBackend, backup_vault_name: str, *args: Any, **kwargs: Any):
    # moto takes the name from the URL path without decoding it ("my%20vault"); decode it as AWS does.
    backup_vault_name = unquote(backup_vault_name or "")
    if not VAULT_NAME.fullmatch(backup_vault_name or ""):
        raise InvalidParameterValueException(f"Backup vault name {backup_vault_name} is not valid")
    return original(self, backup_vault_name, *args, **kwargs)


@_patch(BackupBackend, "create_backup_plan")
def _create_backup_plan(original, self: BackupBackend, backup_plan: dict[str, Any], *args: Any, **kwargs: Any):
    check_backup_plan(backup_plan or {})
    return original(self, backup_plan, *args, **kwargs)


def check_backup_plan(plan: dict[str, Any]) -> None:
    """The request rules of a BackupPlanInput (shared by CreateBackupPlan and, were it emulated, UpdateBackupPlan)."""
    name = plan.get("BackupPlanName") or ""
    if not PLAN_NAME.fullmatch(name):
        raise InvalidParameterValueException(
            f"Backup plan name {name} is not valid: it must contain 1 to 50 alphanumeric or '-_.' characters"
        )
    for rule in plan.get("Rules") or []:
        vault = rule.get("TargetBackupVaultName") or ""
        if not VAULT_NAME.fullmatch(vault):
            raise InvalidParameterValueException(f"Error in rule {rule.get('RuleName')} : Backup vault name {vault} is not valid")
        schedule = rule.get("ScheduleExpression")
        if schedule is not None and not CRON.fullmatch(schedule.strip()):
            raise InvalidParameterValueException(
                f"Error in rule {rule.get('RuleName')} : Invalid schedule expression {schedule}: AWS Backup accepts only cron expressions"
            )
