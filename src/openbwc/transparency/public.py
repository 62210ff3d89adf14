"""Everything the public site shows, gathered once for the page and the JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openbwc.custody import heads as custody_heads
from openbwc.custody import repository as custody_repo
from openbwc.custody import service as custody_service
from openbwc.policy import service as policy_service
from openbwc.policy.endpoints import summary as policy_summary
from openbwc.transparency import service
from openbwc.transparency.service import Facts

PORTAL = "/portal"
RECENT_HEADS = 5
REQUIRED = {
    "always": "always",
    "planned": "when the operation was planned",
    "never": "not required",
}


@dataclass
class Site:
    facts: Facts
    policy: dict[str, Any]
    policy_text: str
    latest_head: custody_heads.Head
    recent_heads: list[custody_heads.Head]
    head_count: int

    def public(self) -> dict[str, Any]:
        policy = {k: v for k, v in self.policy.items() if k != "activated_by"}
        if policy.get("activated_at") is not None:
            policy["activated_at"] = policy["activated_at"].replace(microsecond=0).isoformat().replace("+00:00", "Z")
        return {
            **self.facts.public(),
            "policy": {**policy, "text": self.policy_text},
            "ledger": {
                "latest_head": self.latest_head.public(),
                "recent_heads": [{"number": h.number, **h.public()} for h in self.recent_heads],
                "heads": self.head_count,
                "page": "/transparency/ledger",
            },
            "request_portal": PORTAL,
        }


def gather(session: Session, since: str | None, until: str | None, office: str | None) -> Site:
    facts = service.facts(session, service.window(since, until), office)
    policy = policy_service.active(session)
    latest = custody_service.current_head(session)
    rows = custody_repo.heads(session, limit=RECENT_HEADS, newest_first=True)
    recent = [custody_heads.Head.from_row(r) for r in rows]
    return Site(
        facts=facts,
        policy=policy_summary(policy),
        policy_text=policy.text,
        latest_head=latest,
        recent_heads=recent,
        head_count=custody_repo.head_count(session),
    )


def label(activity_type: str) -> str:
    return activity_type.replace("_", " ").capitalize()
