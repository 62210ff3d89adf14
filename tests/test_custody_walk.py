"""Walk every route that hands out or changes evidence: each one must write the custody ledger.

POLICY INT-1 ("log who, why, when and where for every handling") and SEC-1
(reads are audit events). The routes are discovered from the app, as in
``test_permissions_walk``: a route is about evidence when a path parameter names
a recording, a derived item, a redaction, a quarantine item, an upload or a
case, or when it is one of the evidence listings below. Each is called, as a
role allowed to, against one rich recording (stored footage, proxy and
thumbnails made by the real job, a transcript, a rendered redaction with its
derived item, a case, quarantine items), and must append at least one ledger
entry naming that evidence. A new evidence route that is neither exercised here
nor allow-listed with a reason fails the walk.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc.custody.models import LedgerEntry
from openbwc.evidence import repository as evidence_repo
from openbwc.evidence.checks import Quarantined
from openbwc.evidence.classification import service as classification
from openbwc.evidence.incoming import Context, stage_path
from openbwc.evidence.ingest import ingest
from openbwc.evidence.models import QuarantineItem
from openbwc.evidence.scope import Viewer
from openbwc.jobs.runtime import Runtime
from openbwc.kit.time import utcnow
from openbwc.media import repository as media_repo
from openbwc.media import service as media
from openbwc.media.models import Transcript
from openbwc.media.transcripts import MODEL_NAME
from openbwc.org import service as org
from openbwc.settings import Settings, get_settings
from openbwc.storage import open_store
from openbwc.web.http import api_routes, declared_permission
from tests.conftest import REGISTRY, ROLES, session_on
from tests.factories import TEST_ACTOR, Person, bearer, make_account
from tests.media.clips import astronaut
from tests.web_helpers import csrf_from, log_on

# Path parameters that name evidence, and evidence listings without one.
EVIDENCE_PARAMS = {"recording_id", "item_id", "redaction_id", "upload_id", "derived_id"}
EVIDENCE_LISTINGS = {
    "/api/v1/recordings",
    "/evidence",
    "/api/v1/transcripts/search",
    "/api/v1/quarantine",
    "/quarantine",
    "/api/v1/cases",
    "/api/v1/custody/reports/{evidence_id}",
    "/custody/report",
}

# Evidence routes the walk cannot call on its fixture recording. Each names the test that calls
# it over HTTP and asserts its ledger entry, and the action that test asserts; the walk checks
# that the test exists and asserts that action (test_every_exemption_names_a_test_that_asserts_it).
ALLOWED_WITHOUT_ENTRY: dict[str, tuple[str, str]] = {
    # A chunk of bytes in flight is not yet evidence; the upload's end is ledgered, and ingest.
    "PATCH /api/v1/uploads/{upload_id}": (
        "tests/evidence/test_ledgered_routes.py::test_the_last_chunk_of_an_upload_ledgers_its_completion",
        "evidence:upload:complete",
    ),
    "DELETE /api/v1/uploads/{upload_id}": (
        "tests/evidence/test_ledgered_routes.py::test_terminating_an_upload_is_ledgered",
        "evidence:upload:terminate",
    ),
    # Needs finished tus uploads and a signed manifest of its own.
    "POST /api/v1/recordings": (
        "tests/evidence/test_ledgered_routes.py::test_submitting_a_recording_is_ledgered_as_its_ingest",
        "evidence:recording:ingest",
    ),
    # Needs a held file that passes the checks on a second look.
    "POST /api/v1/quarantine/{item_id}/release": (
        "tests/evidence/test_ledgered_routes.py::test_releasing_from_quarantine_is_ledgered_with_the_new_recording",
        "evidence:quarantine:release",
    ),
    # Needs an activity to link to.
    "POST /api/v1/compliance/recordings/{recording_id}/links": (
        "tests/evidence/test_ledgered_routes.py::test_linking_a_recording_to_an_activity_by_hand_is_ledgered",
        "compliance:recording:link",
    ),
}

# The suite's own setup sees every recording (sealed ones too).
ALL = Viewer(TEST_ACTOR, everything=True, sealed=True)


# --- the fixture recording ----------------------------------------------------------------------


@dataclass
class Evidence:
    recording_id: str
    segment_sha256: list[str]
    redaction_id: str
    derived_id: str
    derived_sha256: str
    case_number: str
    quarantine_ids: list[str]
    transcript_word: str
    # Ids made along the walk (a draft redaction, its box and audio range).
    made: dict[str, str] = field(default_factory=dict)

    def ids(self) -> set[str]:
        return {
            self.recording_id,
            self.case_number + "-B",
            self.redaction_id,
            self.derived_id,
            self.case_number,
            *self.quarantine_ids,
            *self.made.values(),
        }

    def hashes(self) -> set[str]:
        return {*self.segment_sha256, self.derived_sha256}


def _runtime(db: Session) -> Runtime:
    settings = Settings(**{**get_settings().model_dump(), "jobs_lease_s": 3600.0})
    return Runtime(
        settings,
        lambda: session_on(db.connection()),
        REGISTRY,
        use_broker=False,
    )


def _quarantined(db: Session, store, path: Path, badge: str) -> str:  # type: ignore[no-untyped-def]
    inc = stage_path(store, path, max_bytes=10**8)
    try:
        ingest(db, store, TEST_ACTOR, Context(source="cli", recorded_start=utcnow(), officer_badge=badge), [inc])
    except Quarantined:
        pass
    finally:
        inc.discard()
    item = db.scalars(select(QuarantineItem).order_by(QuarantineItem.created_at.desc())).first()
    assert item is not None and item.status == "held"
    return str(item.id)


def build_evidence(db: Session, tmp_path: Path) -> Evidence:
    org.ensure_reference_data(db)
    badge = f"W{uuid.uuid4().hex[:6].upper()}"
    org.add_person(db, TEST_ACTOR, badge=badge, name="Walk Test", division="ERO", office="BAL")
    store = open_store()
    clip, _ = astronaut()
    inc = stage_path(store, clip, max_bytes=10**10)
    try:
        rec = ingest(
            db, store, TEST_ACTOR, Context(source="cli", recorded_start=utcnow(), officer_badge=badge), [inc]
        ).recording
    finally:
        inc.discard()
    db.flush()
    runtime = _runtime(db)
    # Proxy and thumbnails, made by the real job run inline.
    assert runtime.execute(media.enqueue_derivatives(db, TEST_ACTOR, ALL, rec.id).id) == "succeeded"
    # A transcript (the speech model is tested elsewhere): a name, so there is a PII suggestion.
    words = [[0.2, 0.5, " My", 0.9], [0.5, 0.8, " name", 0.9], [0.8, 1.0, " is", 0.9]]
    words += [[1.0, 1.3, " John", 0.9], [1.3, 1.7, " Smith.", 0.9]]
    db.add(
        Transcript(
            recording_id=rec.id, model=MODEL_NAME, language="en", duration_s=4.0,
            text="My name is John Smith.", words=words,
        )
    )
    db.flush()
    # A rendered redaction and its derived item.
    red = media.create_redaction(db, TEST_ACTOR, ALL, rec.id, faces=True, reason="third parties", exemption="6")
    assert runtime.execute(media.render(db, TEST_ACTOR, red).id) == "succeeded"
    db.expire_all()
    (item,) = media_repo.derived_of_recording(db, rec.id)
    # A case holding the recording.
    number = f"CASE-{uuid.uuid4().hex[:6].upper()}"
    classification.create_case(db, TEST_ACTOR, number, "Walk of the ledger")
    classification.link(db, TEST_ACTOR, ALL, number, [rec.id])
    # Two held files in quarantine (rejected by the API and by the console).
    held = []
    for n in range(2):
        notes = tmp_path / f"notes-{n}-{uuid.uuid4().hex}.mp4"
        notes.write_bytes(f"shift notes {n} {uuid.uuid4()}, not a video\n".encode() * 100)
        held.append(_quarantined(db, store, notes, badge))
    db.commit()
    return Evidence(
        recording_id=str(rec.id),
        segment_sha256=[o.sha256 for _s, o in evidence_repo.segments_of(db, rec.id)],
        redaction_id=str(red.id),
        derived_id=str(item.id),
        derived_sha256=item.sha256,
        case_number=number,
        quarantine_ids=held,
        transcript_word="John",
    )


# --- the routes ---------------------------------------------------------------------------------


def _routes(app) -> list[tuple[str, str, Any]]:  # type: ignore[no-untyped-def]
    out = []
    for path, route in api_routes(app):
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            out.append((method, path, route))
    return out


def is_evidence_route(path: str, route: Any) -> bool:
    params = {p.name for p in route.dependant.path_params}
    return bool(params & EVIDENCE_PARAMS) or path in EVIDENCE_LISTINGS or path.startswith("/api/v1/cases")


# How to call each evidence route: (method path) -> a function of the evidence and the walk's state
# giving (url, request kwargs). Order matters where one call makes what the next uses.
Call = Callable[["Walk"], tuple[str, dict[str, Any]]]


def _get(url: Callable[[Evidence], str], **kw: Any) -> Call:
    return lambda w: (url(w.ev), kw)


def _json(url: Callable[[Evidence], str], body: Callable[[Evidence], Any]) -> Call:
    return lambda w: (url(w.ev), {"json": body(w.ev)})


def _form(page: Callable[[Evidence], str], url: Callable[[Evidence], str], data: dict[str, str]) -> Call:
    def call(w: Walk) -> tuple[str, dict[str, Any]]:
        token = csrf_from(w.current.get(page(w.ev)).text)
        return url(w.ev), {"data": {**data, "csrf_token": token}}

    return call


def _rec(ev: Evidence) -> str:
    return ev.recording_id


CALLS: dict[str, Call] = {
    # evidence: records, listings, cases
    "GET /api/v1/recordings": _get(lambda ev: "/api/v1/recordings"),
    "GET /api/v1/recordings/{recording_id}": _get(lambda ev: f"/api/v1/recordings/{_rec(ev)}"),
    "GET /api/v1/compliance/recordings/{recording_id}": _get(lambda ev: f"/api/v1/compliance/recordings/{_rec(ev)}"),
    "GET /evidence": _get(lambda ev: "/evidence"),
    "GET /evidence/{recording_id}": _get(lambda ev: f"/evidence/{_rec(ev)}"),
    "GET /api/v1/quarantine": _get(lambda ev: "/api/v1/quarantine"),
    "GET /quarantine": _get(lambda ev: "/quarantine"),
    "GET /api/v1/cases": _get(lambda ev: "/api/v1/cases"),
    "GET /api/v1/cases/{number}": _get(lambda ev: f"/api/v1/cases/{ev.case_number}"),
    "GET /api/v1/custody/reports/{evidence_id}": _get(lambda ev: f"/api/v1/custody/reports/{_rec(ev)}"),
    "GET /custody/report": _get(lambda ev: "/custody/report", params={"evidence_id": None}),
    # media: proxies, thumbnails, tracks, redactions, derived items, transcripts
    "GET /api/v1/recordings/{recording_id}/media": _get(lambda ev: f"/api/v1/recordings/{_rec(ev)}/media"),
    "GET /api/v1/recordings/{recording_id}/proxy": _get(lambda ev: f"/api/v1/recordings/{_rec(ev)}/proxy"),
    "GET /api/v1/recordings/{recording_id}/thumbnails/{position}": _get(
        lambda ev: f"/api/v1/recordings/{_rec(ev)}/thumbnails/0"
    ),
    "GET /api/v1/recordings/{recording_id}/face-tracks": _get(
        lambda ev: f"/api/v1/recordings/{_rec(ev)}/face-tracks"
    ),
    "GET /api/v1/recordings/{recording_id}/redactions": _get(lambda ev: f"/api/v1/recordings/{_rec(ev)}/redactions"),
    "GET /api/v1/redactions/{redaction_id}": _get(lambda ev: f"/api/v1/redactions/{ev.redaction_id}"),
    "GET /api/v1/redactions/{redaction_id}/review": _get(lambda ev: f"/api/v1/redactions/{ev.redaction_id}/review"),
    "POST /api/v1/redactions/{redaction_id}/revise": _get(lambda ev: f"/api/v1/redactions/{ev.redaction_id}/revise"),
    "GET /api/v1/derived/{derived_id}": _get(lambda ev: f"/api/v1/derived/{ev.derived_id}"),
    "GET /api/v1/derived/{derived_id}/play": _get(lambda ev: f"/api/v1/derived/{ev.derived_id}/play"),
    "GET /api/v1/derived/{derived_id}/download": _get(lambda ev: f"/api/v1/derived/{ev.derived_id}/download"),
    "GET /api/v1/derived/{derived_id}/export": _get(lambda ev: f"/api/v1/derived/{ev.derived_id}/export"),
    "GET /derived/{derived_id}": _get(lambda ev: f"/derived/{ev.derived_id}"),
    "GET /api/v1/recordings/{recording_id}/transcript": _get(lambda ev: f"/api/v1/recordings/{_rec(ev)}/transcript"),
    # retention: a recording's retain-until and why
    "GET /api/v1/recordings/{recording_id}/retention": _get(lambda ev: f"/api/v1/recordings/{_rec(ev)}/retention"),
    "GET /api/v1/transcripts/search": _get(lambda ev: "/api/v1/transcripts/search", params={"q": "John Smith"}),
    "GET /media/{recording_id}": _get(lambda ev: f"/media/{_rec(ev)}"),
    "GET /media/{recording_id}/redact": _get(lambda ev: f"/media/{_rec(ev)}/redact"),
    # changes by the API
    "PUT /api/v1/recordings/{recording_id}/category": _json(
        lambda ev: f"/api/v1/recordings/{_rec(ev)}/category", lambda ev: {"code": "CATEGORY", "reason": "walk"}
    ),
    "POST /api/v1/recordings/{recording_id}/tags": _json(
        lambda ev: f"/api/v1/recordings/{_rec(ev)}/tags", lambda ev: {"tags": ["walked"], "reason": "walk"}
    ),
    "DELETE /api/v1/recordings/{recording_id}/tags/{tag}": _get(
        lambda ev: f"/api/v1/recordings/{_rec(ev)}/tags/walked", params={"reason": "walk"}
    ),
    "POST /api/v1/cases": _json(lambda ev: "/api/v1/cases", lambda ev: {"number": ev.case_number + "-B", "title": "B"}),
    "POST /api/v1/cases/{number}/recordings": _json(
        lambda ev: f"/api/v1/cases/{ev.case_number}-B/recordings",
        lambda ev: {"recording_ids": [_rec(ev)], "reason": "walk"},
    ),
    # Closing and reopening a case is an entry for each recording linked to it.
    "POST /api/v1/cases/{number}/close": _json(
        lambda ev: f"/api/v1/cases/{ev.case_number}-B/close", lambda ev: {"reason": "walk"}
    ),
    "POST /api/v1/cases/{number}/reopen": _json(
        lambda ev: f"/api/v1/cases/{ev.case_number}-B/reopen", lambda ev: {"reason": "walk"}
    ),
    "DELETE /api/v1/cases/{number}/recordings/{recording_id}": _get(
        lambda ev: f"/api/v1/cases/{ev.case_number}-B/recordings/{_rec(ev)}", params={"reason": "walk"}
    ),
    "POST /api/v1/quarantine/{item_id}/reject": _json(
        lambda ev: f"/api/v1/quarantine/{ev.quarantine_ids[0]}/reject", lambda ev: {"note": "not footage"}
    ),
    "POST /api/v1/recordings/{recording_id}/derivatives": _get(
        lambda ev: f"/api/v1/recordings/{_rec(ev)}/derivatives"
    ),
    "POST /api/v1/recordings/{recording_id}/transcript": _get(lambda ev: f"/api/v1/recordings/{_rec(ev)}/transcript"),
    "POST /api/v1/recordings/{recording_id}/redactions": _json(
        lambda ev: f"/api/v1/recordings/{_rec(ev)}/redactions", lambda ev: {"faces": True, "reason": "walk"}
    ),
    "POST /api/v1/redactions/{redaction_id}/boxes": _json(
        lambda ev: f"/api/v1/redactions/{ev.made['draft']}/boxes",
        lambda ev: {"start_s": 0, "end_s": 1, "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2},
    ),
    "PUT /api/v1/redactions/{redaction_id}/boxes/{box_id}": _json(
        lambda ev: f"/api/v1/redactions/{ev.made['draft']}/boxes/{ev.made['box']}",
        lambda ev: {"start_s": 0, "end_s": 2, "x": 0.2, "y": 0.2, "w": 0.2, "h": 0.2},
    ),
    "POST /redactions/{redaction_id}/boxes/{box_id}": _form(
        lambda ev: f"/redactions/{ev.made['draft']}/review",
        lambda ev: f"/redactions/{ev.made['draft']}/boxes/{ev.made['box']}",
        {"start_s": "0", "end_s": "1", "x": "0.3", "y": "0.3", "w": "0.2", "h": "0.2"},
    ),
    "DELETE /api/v1/redactions/{redaction_id}/boxes/{box_id}": _get(
        lambda ev: f"/api/v1/redactions/{ev.made['draft']}/boxes/{ev.made['box']}"
    ),
    "POST /api/v1/redactions/{redaction_id}/audio": _json(
        lambda ev: f"/api/v1/redactions/{ev.made['draft']}/audio", lambda ev: {"start_s": 1, "end_s": 2}
    ),
    "DELETE /api/v1/redactions/{redaction_id}/audio/{audio_id}": _get(
        lambda ev: f"/api/v1/redactions/{ev.made['draft']}/audio/{ev.made['audio']}"
    ),
    "POST /api/v1/redactions/{redaction_id}/audio/from-suggestions": _json(
        lambda ev: f"/api/v1/redactions/{ev.made['draft']}/audio/from-suggestions", lambda ev: {"mode": "bleep"}
    ),
    "PUT /api/v1/redactions/{redaction_id}/keep-tracks": _json(
        lambda ev: f"/api/v1/redactions/{ev.made['draft']}/keep-tracks", lambda ev: {"keep_tracks": [1]}
    ),
    "PUT /api/v1/redactions/{redaction_id}/tracks/{track}": _json(
        lambda ev: f"/api/v1/redactions/{ev.made['draft']}/tracks/1",
        lambda ev: {"decision": "reject", "requester": True},
    ),
    "POST /api/v1/redactions/{redaction_id}/render": _get(lambda ev: f"/api/v1/redactions/{ev.made['draft']}/render"),
    # changes by console forms
    "POST /evidence/{recording_id}/category": _form(
        lambda ev: f"/evidence/{_rec(ev)}", lambda ev: f"/evidence/{_rec(ev)}/category",
        {"code": "CATEGORY", "reason": "walk by the console"},
    ),
    "POST /evidence/{recording_id}/tags": _form(
        lambda ev: f"/evidence/{_rec(ev)}", lambda ev: f"/evidence/{_rec(ev)}/tags", {"tag": "console-walked"}
    ),
    "POST /evidence/{recording_id}/untag": _form(
        lambda ev: f"/evidence/{_rec(ev)}", lambda ev: f"/evidence/{_rec(ev)}/untag", {"tag": "console-walked"}
    ),
    "POST /evidence/{recording_id}/cases": _form(
        lambda ev: f"/evidence/{_rec(ev)}", lambda ev: f"/evidence/{_rec(ev)}/cases",
        {"number": "CASE-WALK-C", "reason": "walk"},
    ),
    "POST /media/{recording_id}/redact": _form(
        lambda ev: f"/media/{_rec(ev)}/redact", lambda ev: f"/media/{_rec(ev)}/redact",
        {"faces": "on", "exemption": "7(C)", "style": "blur", "reason": "walk by the console"},
    ),
    "GET /redactions/{redaction_id}/review": _get(lambda ev: f"/redactions/{ev.redaction_id}/review"),
    "POST /redactions/{redaction_id}/tracks/{track}": _form(
        lambda ev: f"/redactions/{ev.made['revised']}/review", lambda ev: f"/redactions/{ev.made['revised']}/tracks/1",
        {"decision": "accept"},
    ),
    "POST /redactions/{redaction_id}/render": _form(
        lambda ev: f"/redactions/{ev.made['revised']}/review", lambda ev: f"/redactions/{ev.made['revised']}/render", {}
    ),
    "POST /redactions/{redaction_id}/revise": _form(
        lambda ev: f"/redactions/{ev.redaction_id}/review", lambda ev: f"/redactions/{ev.redaction_id}/revise", {}
    ),
    "POST /quarantine/{item_id}/{decision}": _form(
        lambda ev: "/quarantine", lambda ev: f"/quarantine/{ev.quarantine_ids[1]}/reject", {"note": "not footage"}
    ),
}

# Who calls: the first of these roles that holds the route's permission (oversight reads where it can).
ROLE_ORDER = ["oversight", "records_officer", "admin"]


def _role_for(permission: str | None) -> str:
    for role in ROLE_ORDER:
        if role in ROLES and (permission is None or permission in ROLES[role]):
            return role
    raise AssertionError(f"no role in {ROLE_ORDER} holds {permission}")


@dataclass
class Walk:
    ev: Evidence
    current: TestClient


def _new_entries(db: Session, after: int) -> list[LedgerEntry]:
    db.expire_all()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.seq > after).order_by(LedgerEntry.seq)))


def _names(entry: LedgerEntry, ev: Evidence) -> bool:
    if entry.object_id in ev.ids() or (entry.evidence_sha256 or "") in ev.hashes():
        return True
    # Listings and searches: one query entry naming what was returned.
    returned = json.loads(entry.leaf)["details"].get("returned")
    return isinstance(returned, list) and bool(set(map(str, returned)) & ev.ids())


def _remember(key: str, r: Any, ev: Evidence) -> None:
    """Keep the ids a call made, for the calls after it."""
    if key == "POST /api/v1/recordings/{recording_id}/redactions":
        ev.made["draft"] = r.json()["id"]
    elif key == "POST /api/v1/redactions/{redaction_id}/boxes":
        ev.made["box"] = r.json()["boxes"][-1]["id"]
    elif key == "POST /api/v1/redactions/{redaction_id}/revise":
        ev.made["revised"] = r.json()["id"]
    elif key == "POST /api/v1/redactions/{redaction_id}/audio":
        ev.made["audio"] = r.json()["audio"][-1]["id"]


def test_every_evidence_route_is_walked_or_allow_listed(app):
    keys = {f"{m} {p}" for m, p, route in _routes(app) if is_evidence_route(p, route)}
    unknown = keys - set(CALLS) - set(ALLOWED_WITHOUT_ENTRY)
    assert not unknown, (
        "evidence routes neither walked for a ledger entry nor allow-listed (add them to CALLS in "
        f"tests/test_custody_walk.py): {sorted(unknown)}"
    )
    stale = (set(CALLS) | set(ALLOWED_WITHOUT_ENTRY)) - keys
    assert not stale, f"listed routes the app no longer has (or no longer about evidence): {sorted(stale)}"
    assert not set(CALLS) & set(ALLOWED_WITHOUT_ENTRY)


def test_every_evidence_route_writes_the_custody_ledger(app, client, db, tmp_path):
    ev = build_evidence(db, tmp_path)
    # Two categories: the API sets one, the console the other (setting the same again changes nothing).
    category, console_category = classification.selectable_categories(db)[:2]
    routes = {f"{m} {p}": (m, route) for m, p, route in _routes(app) if is_evidence_route(p, route)}
    people: dict[str, Person] = {}
    clients: dict[str, TestClient] = {}
    tokens: dict[str, dict[str, str]] = {}
    problems = []
    try:
        for key, call in CALLS.items():
            method, route = routes[key]
            _, permission = declared_permission(route)
            role = _role_for(permission)
            if role not in clients:
                people[role] = make_account(db, role)
                db.commit()
                clients[role] = TestClient(app, base_url="https://testserver")
                clients[role].__enter__()
                log_on(clients[role], people[role])
                tokens[role] = bearer(db, people[role].account)
                db.commit()
            # The API by bearer token (no console session: no CSRF check); console pages logged on.
            api = key.split(" ", 1)[1].startswith("/api/")
            walk = Walk(ev, client if api else clients[role])
            try:
                url, shared = call(walk)
            except KeyError as missing:
                problems.append(f"{key}: not called, an earlier call did not make {missing}")
                continue
            # The call table's dicts are module constants: fill in a copy, or the next backend's
            # walk would send this one's ids (it did: PostgreSQL asked for SQLite's recording).
            kwargs = copy.deepcopy(shared)
            if kwargs.get("params") == {"evidence_id": None}:
                kwargs["params"] = {"evidence_id": ev.recording_id}
            if isinstance(kwargs.get("json"), dict) and kwargs["json"].get("code") == "CATEGORY":
                kwargs["json"]["code"] = category
            if isinstance(kwargs.get("data"), dict) and kwargs["data"].get("code") == "CATEGORY":
                kwargs["data"]["code"] = console_category
            if key == "POST /evidence/{recording_id}/cases":
                kwargs["data"]["number"] = ev.case_number + "-B"  # unlinked by the API just before
            before = db.scalar(select(func.max(LedgerEntry.seq))) or 0
            if api:
                kwargs["headers"] = tokens[role]
            r = walk.current.request(method, url, follow_redirects=False, **kwargs)
            if not (200 <= r.status_code < 400):
                text = re.sub(r"<[^>]+>", " ", r.text.split("<main", 1)[-1]) if "<html" in r.text else r.text
                problems.append(f"{key} as {role}: {r.status_code} {' '.join(text.split())[:400]}")
                continue
            _remember(key, r, ev)
            new = _new_entries(db, before)
            if not any(_names(e, ev) for e in new):
                problems.append(f"{key} as {role}: no ledger entry names the evidence ({[e.action for e in new]})")
    finally:
        for c in clients.values():
            c.__exit__(None, None, None)
    assert not problems, "\n".join(problems)


def test_range_requests_of_one_playback_are_ledgered_once(client, db, tmp_path):
    """A video element fetches a proxy in many ranges: the playback is one entry, not one per chunk."""
    ev = build_evidence(db, tmp_path)
    from tests.factories import role_headers

    headers = role_headers(db, "oversight")
    db.commit()
    url = f"/api/v1/recordings/{ev.recording_id}/proxy"
    before = db.scalar(select(func.max(LedgerEntry.seq))) or 0
    assert client.get(url, headers={**headers, "Range": "bytes=0-99"}).status_code == 206
    for start in (100, 1000, 5000):
        assert client.get(url, headers={**headers, "Range": f"bytes={start}-"}).status_code == 206
    views = [e for e in _new_entries(db, before) if e.action == "media:proxy:view"]
    assert len(views) == 1 and views[0].object_id == ev.recording_id


def test_every_exemption_names_a_test_that_asserts_it():
    """An allow-list entry is only as good as the test it points to: it must exist and assert the action."""
    import ast

    root = Path(__file__).parent.parent
    for route, (node, action) in ALLOWED_WITHOUT_ENTRY.items():
        path, name = node.split("::")
        tree = ast.parse((root / path).read_text())
        functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
        assert name in functions, f"{route}: {node} does not exist"
        # The action must be asserted, not merely named: inside an assert statement, or in a lookup
        # unpacked into exactly one entry (``(entry,) = entries(db, "<action>", ...)``), or in a lookup
        # whose result a later assert checks by name.
        fn = functions[name]
        asserted = {n.id for a in ast.walk(fn) if isinstance(a, ast.Assert) for n in ast.walk(a)
                    if isinstance(n, ast.Name)}

        def names(node: ast.AST, action: str = action) -> bool:
            return any(isinstance(c, ast.Constant) and c.value == action for c in ast.walk(node))

        proven = any(isinstance(a, ast.Assert) and names(a) for a in ast.walk(fn)) or any(
            isinstance(a, ast.Assign) and names(a.value) and (
                any(isinstance(t, ast.Tuple) and len(t.elts) == 1 for t in a.targets)
                or any(isinstance(t, ast.Name) and t.id in asserted for t in a.targets)
            )
            for a in ast.walk(fn)
        )
        assert proven, f"{route}: {node} does not assert {action}"
