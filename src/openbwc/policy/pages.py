"""Console pages for compliance: the dashboard, findings, activities, the policy in force."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from openbwc.identity.service import Principal
from openbwc.policy import repository as policy_repo
from openbwc.policy import service as policy_service
from openbwc.policy.endpoints import summary as policy_summary
from openbwc.policy.permissions import PolicyPermissions
from openbwc.web.console import render
from openbwc.web.http import DB, requires
from openbwc.web.names import actor_names

router = APIRouter(include_in_schema=False)
PAGE = 50
GOOD = {"COMPLIANT", "EXEMPT"}


@router.get("/policy")
def policy_page(
    request: Request, db: Session = DB, _: Principal = requires(PolicyPermissions.POLICIES_READ)
) -> Response:
    policy = policy_service.active(db)
    history = policy_repo.history(db)
    names = actor_names(db, [policy.activated_by, *(h.activated_by for h in history)])
    return render(
        request,
        "policy.html",
        {"policy": policy, "s": policy_summary(policy), "history": history, "names": names},
    )
