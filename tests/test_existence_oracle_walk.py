"""No existence oracle: whatever a caller may not see answers exactly as what does not exist.

Two walks over every route of the app that takes an id naming a recording or a row
of one (a recording, a derived item, a redaction, a transcript, a job, a review
assignment), found from the app itself:

(a) for every role without ``evidence:sealed:read``: a sealed recording's ids and
    random missing ids give the same status, code and message;
(b) for an officer, a supervisor and a custodian: a recording hidden from them
    (another officer's; sealed) and a missing one answer alike.

A route whose id parameter this walk cannot classify fails the walk: a new kind of
id must be added here, where it is proven, before the route can ship.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.compliance.models import ReviewAssignment
from openbwc.evidence.classification import service as classification
from openbwc.evidence.models import EvidenceObject, Recording
from openbwc.jobs import service as jobs
from openbwc.media.models import DerivedItem, Redaction, Transcript
from openbwc.policy import seals
from openbwc.sharing.models import Share
from openbwc.web.http import api_routes, declared_permission
from tests.compliance.helpers import T0, officer, recording, s
from tests.conftest import ROLES
from tests.factories import TEST_ACTOR, bearer, make_account, make_machine

# What each path parameter names. A recording kind is walked; None is not about recordings.
RECORDING_KINDS = {
    "recording_id": "recording",
    "evidence_id": "recording",  # a custody report's item: a recording (or a row or file of one)
    "redaction_id": "redaction",
    "derived_id": "derived",
    "share_id": "share",  # a shared link to a derived item
    "transcript_id": "transcript",
    "job_id": "job",
    "assignment_id": "review",
}
UNRELATED = {
    "account_id", "token_id", "code", "badge", "serial", "number", "seq", "upload_id", "activity_id",
    "decision", "position", "tag", "role", "box_id", "audio_id", "hold_id", "disposition_id",
    "release_id", "document_id",
    # An initial report is its officer's document, scoped by officer, not by recording (a sealed
    # recording's officer still reads their report): tests/reports proves hidden answers as missing.
    "report_id",
    "track",  # a face track's number within a redaction (named by redaction_id)
    "action",  # close or reopen on a case's page (the case is named by number)
}  # fmt: skip
CASE = "C-ORACLE"
FILL = {"action": "close", "position": "0", "tag": "foia", "number": CASE, "role": "officer", "decision": "reject"}


def classify(path: str, name: str) -> str | None:
    """The kind of id a path parameter holds; unknown names stop the walk (see the module doc)."""
    if name == "item_id" and "/quarantine/" in path:
        return None
    if name in RECORDING_KINDS:
        return RECORDING_KINDS[name]
    if name in UNRELATED:
        return None
    raise AssertionError(
        f"{path}: the path parameter {name!r} is not classified by the existence-oracle walk: say in "
        "tests/test_existence_oracle_walk.py whether it names a recording (or a row of one) or not"
    )


# Bodies good enough to reach the route's lookup (JSON for the API, forms for the console).
JSON_BODIES: dict[str, Any] = {
    "PUT /api/v1/recordings/{recording_id}/category": {"code": "evidentiary", "reason": "walk"},
    "POST /api/v1/recordings/{recording_id}/tags": {"tags": ["foia"]},
    "POST /api/v1/recordings/{recording_id}/redactions": {"faces": True},
    "POST /api/v1/redactions/{redaction_id}/boxes": {"start_s": 0, "end_s": 1, "x": 0, "y": 0, "w": 0.1, "h": 0.1},
    "PUT /api/v1/redactions/{redaction_id}/boxes/{box_id}": {
        "start_s": 0, "end_s": 1, "x": 0, "y": 0, "w": 0.1, "h": 0.1,
    },  # fmt: skip
    "PUT /api/v1/redactions/{redaction_id}/keep-tracks": {"keep_tracks": []},
    "POST /api/v1/redactions/{redaction_id}/audio": {"start_s": 0, "end_s": 1},
    "POST /api/v1/redactions/{redaction_id}/audio/from-suggestions": {"mode": "mute"},
    "POST /api/v1/compliance/recordings/{recording_id}/links": {"activity_id": "OP-1", "note": "walk"},
    "POST /api/v1/compliance/reviews/{assignment_id}/complete": {"notes": "walk"},
    "POST /api/v1/shares/{share_id}/revoke": {"reason": "walk"},
    "PUT /api/v1/redactions/{redaction_id}/tracks/{track}": {"decision": "accept"},
}
FORM_BODIES: dict[str, dict[str, str]] = {
    "POST /evidence/{recording_id}/category": {"code": "evidentiary", "reason": "walk"},
    "POST /evidence/{recording_id}/tags": {"tag": "foia"},
    "POST /evidence/{recording_id}/untag": {"tag": "foia"},
    "POST /evidence/{recording_id}/cases": {"number": CASE, "reason": "walk"},
    "POST /media/{recording_id}/redact": {"faces": "on", "exemption": "7(C)", "style": "blur", "reason": "walk"},
    "POST /shares/{share_id}/revoke": {"reason": "walk"},
    "POST /redactions/{redaction_id}/tracks/{track}": {"decision": "accept"},
}
QUERY = {"DELETE /api/v1/cases/{number}/recordings/{recording_id}": {"reason": "walk"}}


@dataclass
class Owned:
    """A recording and a row of each kind that belongs to it."""

    ids: dict[str, str] = field(default_factory=dict)


def _owned(db: Session, rec: Recording, n: int) -> Owned:
    obj = EvidenceObject(sha256=f"{n:02x}" * 32, size=1, storage_key=f"walk/{n}", stored_at=T0)
    red = Redaction(recording_id=rec.id, created_by="walk", created_by_name="walk")
    db.add_all([obj, red])
    db.flush()
    item = DerivedItem(
        recording_id=rec.id, object_id=obj.id, sha256=obj.sha256, redaction_id=red.id, log={}, created_by="walk"
    )
    words = [[0.0, 0.5, "hello", 0.9]]
    db.add_all([item, Transcript(recording_id=rec.id, model="walk", text="hello", words=words)])
    job = jobs.enqueue(db, "media.derivatives", {"recording_id": str(rec.id)}, created_by="walk", recordings=[rec.id])
    job.status = "failed"  # retryable, were it visible
    db.flush()
    share = Share(
        derived_id=item.id, recording_id=rec.id, token_sha256=f"{n:02x}" * 32, recipient_name="walk",
        recipient_email="walk@example.gov", recipient_role="court", expires_at=T0, created_by="walk",
        created_by_name="walk",
    )
    db.add(share)
    review = ReviewAssignment(
        month="2024-03", recording_id=rec.id, officer_id=rec.officer_id, supervisor_id=None, draw_id=uuid.uuid4()
    )
    db.add(review)
    db.flush()
    # Something in the ledger about it, so that its custody report would have entries.
    custody.record(db, actor=TEST_ACTOR, action="test:walk:note", object_type="evidence", object_id=str(rec.id))
    classification.link(db, TEST_ACTOR, _ALL, CASE, [rec.id])
    return Owned(
        {
            "recording": str(rec.id),
            "redaction": str(red.id),
            "derived": str(item.id),
            "transcript": str(uuid.uuid4()),  # no route takes one yet; a transcript route would get its own
            "job": str(job.id),
            "review": str(review.id),
            "share": str(share.id),
        }
    )


_ALL: Any = None


@dataclass
class World:
    sup: Any
    off: Any
    custodian: Any
    own: Owned
    others: Owned
    sealed: Owned


@pytest.fixture
def world(db: Session) -> World:
    global _ALL
    from openbwc.evidence.scope import Viewer

    _ALL = Viewer(TEST_ACTOR, everything=True, sealed=True)
    classification.create_case(db, TEST_ACTOR, CASE, "Existence-oracle walk")
    sup_acct, off_acct = make_account(db, "supervisor"), make_account(db, "officer")
    boss = officer(db)
    boss.account_id = sup_acct.account.id
    me = officer(db, supervisor=boss)
    me.account_id = off_acct.account.id
    stranger = officer(db)
    db.flush()
    own = _owned(db, recording(db, me, T0, T0 + s(60)), 1)
    others = _owned(db, recording(db, stranger, T0, T0 + s(60)), 2)
    mine_sealed = recording(db, me, T0 + s(100), T0 + s(160))
    sealed = _owned(db, mine_sealed, 3)
    seals.seal(db, TEST_ACTOR, mine_sealed.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    db.flush()
    return World(sup_acct, off_acct, make_account(db, "evidence_custodian"), own, others, sealed)


def _routes(app) -> list[tuple[str, APIRoute, str, dict[str, str | None]]]:
    out = []
    for path, route in api_routes(app):
        if declared_permission(route)[1] is None:
            continue
        kinds = {p.name: classify(path, p.name) for p in route.dependant.path_params}
        if any(kinds.values()):
            for method in sorted(route.methods - {"HEAD"}):
                out.append((path, route, method, kinds))
    return out


_ERROR_PAGE = re.compile(r'<h1>(\d+) · ([A-Z0-9_]+)</h1>\s*<div class="error" role="alert">(.*?)</div>', re.S)


def answer(r, asked: str) -> tuple:
    """Everything a response says that could tell one id from another: status, code, message, detail."""
    def plain(text: str) -> str:
        return text.replace(asked, "<id>")

    kind = r.headers.get("content-type", "")
    if kind.startswith("application/json"):
        body = r.json()
        if isinstance(body, dict) and "code" in body:
            return r.status_code, body["code"], plain(str(body.get("message"))), plain(repr(body.get("detail")))
        return r.status_code, plain(r.text)
    if kind.startswith("text/html"):
        found = _ERROR_PAGE.search(r.text)
        return (r.status_code, *(plain(g) for g in found.groups())) if found else (r.status_code, "page")
    return r.status_code, plain(r.headers.get("location", ""))


def _call(client, headers, path, route, method, kinds, ids: dict[str, str], fixed: dict[str, str]):
    url = path
    for p in route.dependant.path_params:
        kind = kinds[p.name]
        url = url.replace("{" + p.name + "}", ids[kind] if kind else FILL.get(p.name, fixed[p.name]))
    key = f"{method} {path}"
    kw: dict[str, Any] = {"headers": headers, "follow_redirects": False, "params": QUERY.get(key)}
    if key in FORM_BODIES:
        kw["data"] = FORM_BODIES[key]
    elif method in ("POST", "PUT", "PATCH"):
        kw["json"] = JSON_BODIES.get(key, {})
    return client.request(method, url, **kw)


def walk(app, client, headers, hidden: Owned) -> list[str]:
    """Every id route, the hidden row's id against a missing one's; returns the differences."""
    problems, walked = [], 0
    for path, route, method, kinds in _routes(app):
        fixed = {p.name: str(uuid.uuid4()) for p in route.dependant.path_params}
        missing = {k: str(uuid.uuid4()) for k in hidden.ids}
        asked = [kinds[p.name] for p in route.dependant.path_params if kinds[p.name]]
        a = _call(client, headers, path, route, method, kinds, hidden.ids, fixed)
        b = _call(client, headers, path, route, method, kinds, missing, fixed)
        seen_a, seen_b = answer(a, hidden.ids[asked[0]]), answer(b, missing[asked[0]])
        if seen_a != seen_b:
            problems.append(f"{method} {path}: hidden {seen_a} but missing {seen_b}")
        walked += 1
    assert walked >= 40, walked  # evidence, media, compliance, jobs, custody and the console
    # Ids in a body or a query are looked up the same way.
    for method, url, kw, asked in _extra_calls(hidden):
        miss = str(uuid.uuid4())
        a = client.request(method, url.format(id=hidden.ids[asked]), headers=headers, **_fmt(kw, hidden.ids[asked]))
        b = client.request(method, url.format(id=miss), headers=headers, **_fmt(kw, miss))
        if answer(a, hidden.ids[asked]) != answer(b, miss):
            problems.append(f"{method} {url}: hidden {answer(a, hidden.ids[asked])} but missing {answer(b, miss)}")
    return problems


def _extra_calls(hidden: Owned) -> list[tuple[str, str, dict[str, Any], str]]:
    return [
        ("POST", f"/api/v1/cases/{CASE}/recordings", {"json": {"recording_ids": ["{id}"]}}, "recording"),
        ("GET", "/custody/report", {"params": {"evidence_id": "{id}"}}, "recording"),
        ("GET", "/api/v1/custody/reports/{id}", {}, "derived"),
    ]


def _fmt(kw: dict[str, Any], value: str) -> dict[str, Any]:
    def sub(v: Any) -> Any:
        if isinstance(v, str):
            return v.replace("{id}", value)
        if isinstance(v, list):
            return [sub(x) for x in v]
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        return v

    return sub(kw)


NOT_OVERSIGHT = sorted(r for r, perms in ROLES.items() if seals.SEALED_READ not in perms)


@pytest.mark.parametrize("role", NOT_OVERSIGHT)
def test_no_role_without_sealed_access_can_tell_a_sealed_recording_from_a_missing_one(app, client, db, world, role):
    headers = bearer(db, make_machine(db, "dock")) if role == "dock" else bearer(db, make_account(db, role).account)
    problems = walk(app, client, headers, world.sealed)
    assert not problems, f"{role}:\n" + "\n".join(problems)


@pytest.mark.parametrize("who", ["officer", "supervisor", "custodian"])
def test_a_hidden_recording_answers_as_a_missing_one(app, client, db, world, who):
    person = {"officer": world.off, "supervisor": world.sup, "custodian": world.custodian}[who]
    headers = bearer(db, person.account)
    # The walk is not vacuous: the caller does see their own (or their report's) recording.
    r = client.get(f"/api/v1/recordings/{world.own.ids['recording']}", headers=headers)
    assert r.status_code == 200, r.text
    hidden = [world.sealed] if who == "custodian" else [world.others, world.sealed]
    for rows in hidden:
        problems = walk(app, client, headers, rows)
        assert not problems, f"{who}:\n" + "\n".join(problems)


def test_an_unclassified_id_parameter_stops_the_walk():
    with pytest.raises(AssertionError, match="widget_id"):
        classify("/api/v1/widgets/{widget_id}", "widget_id")
