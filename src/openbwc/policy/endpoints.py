"""Policy API: the policy in force, its versions, validation and activation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from openbwc.identity.service import Principal
from openbwc.kit.errors import DomainError
from openbwc.policy import repository as repo
from openbwc.policy import service
from openbwc.policy.permissions import PolicyPermissions
from openbwc.policy.service import MAX_POLICY_BYTES, Policy
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["policy"])


class PolicyText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_POLICY_BYTES)
    source: str = Field(default="request", max_length=300)


def summary(policy: Policy) -> dict[str, Any]:
    r = policy.rules
    return {
        "version": policy.version,
        "name": policy.name,
        "sha256": policy.sha256,
        "shipped_default": policy.is_shipped_default,
        "activated_at": policy.activated_at,
        "activated_by": policy.activated_by,
        "graces_s": {"activation": r.activation_grace_s, "deactivation": r.deactivation_grace_s, "gap": r.gap_grace_s},
        "accepted_stop_reasons": sorted(r.accepted_stop_reasons),
        "triggers": {
            t.activity_type: {"rule": t.rule_id, "required": t.required, "category": t.category}
            for t in r.triggers.values()
        },
        "exceptions": dict(r.exceptions),
        "finding_rules": dict(r.finding_rules),
        "status_order": list(r.status_order),
        "first_amendment": {"rule": r.first_amendment_rule, "tags": sorted(r.first_amendment_tags)},
        "review": {"rule": r.review_rule, "monthly_share": r.review_share, "minimum_per_officer": r.review_minimum},
        "viewing_before_report": {
            "rule": r.viewing_before_report_rule,
            "incident_types": sorted(r.viewing_before_report_types),
        },
    }


@router.get("/policy")
def get_policy(db: Session = DB, _: Principal = requires(PolicyPermissions.POLICIES_READ)) -> dict[str, Any]:
    """The policy in force (the latest activation, else the shipped default)."""
    return summary(service.active(db))


@router.get("/policy/text")
def get_policy_text(db: Session = DB, _: Principal = requires(PolicyPermissions.POLICIES_READ)) -> dict[str, str]:
    policy = service.active(db)
    return {"version": policy.version, "sha256": policy.sha256, "text": policy.text}


@router.get("/policy/versions")
def list_versions(db: Session = DB, _: Principal = requires(PolicyPermissions.POLICIES_READ)) -> list[dict[str, Any]]:
    return [
        {
            "version": p.version,
            "name": p.name,
            "sha256": p.sha256,
            "source": p.source,
            "activated_at": p.activated_at,
            "activated_by": p.activated_by,
        }
        for p in repo.history(db)
    ]


@router.post("/policy/validate")
def validate(body: PolicyText, _: Principal = requires(PolicyPermissions.POLICIES_READ)) -> dict[str, Any]:
    """Check a policy file without activating it: ``valid``, or each problem with its path."""
    try:
        policy = service.parse(body.text, body.source)
    except DomainError as exc:
        return {"valid": False, "code": exc.code, "message": exc.message, "detail": exc.detail}
    return {"valid": True, "version": policy.version, "sha256": policy.sha256}


@router.post("/policy/activate")
def activate(
    body: PolicyText, request: Request, db: Session = DB, caller: Principal = requires(PolicyPermissions.POLICIES_WRITE)
) -> dict[str, Any]:
    """Make a policy file the one in force (a custody-ledger entry). Findings keep the version
    they were computed under until the next run."""
    policy, activated = service.activate(db, actor_of(request, caller), body.text, body.source)
    return {**summary(policy), "activated_now": activated}
