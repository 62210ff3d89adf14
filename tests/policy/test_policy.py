"""The policy file: schema-validated with paths and codes, activated through the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from openbwc.kit.errors import Conflict, ValidationFailed
from openbwc.policy import retention, service
from openbwc.policy.schema import ACTIVITY_TYPES
from tests.factories import TEST_ACTOR, role_headers

DEFAULT = service.default_text()


def test_shipped_default_is_valid_and_complete():
    policy = service.shipped_default()
    rules = policy.rules
    assert policy.version == "2024.1"
    assert (rules.activation_grace_s, rules.deactivation_grace_s, rules.gap_grace_s) == (60, 60, 30)
    assert set(rules.triggers) == set(ACTIVITY_TYPES)
    assert {t.rule_id for t in rules.triggers.values()} <= {"TRG-1", "TRG-2", "TRG-3", "PRO-1"}
    assert set(rules.exceptions) == {"EXC-1", "EXC-2", "EXC-3", "EXC-4"}
    assert rules.finding_rules["EXCEPTION_UNAPPROVED"] == "EXC-5" and rules.review_share == 0.01
    # The retention loader (RET-3) still reads the same file.
    assert retention.load_default_policy().version == "2024.1"


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (("activation_s: 60", "activation_s: -5"), "recording.graces.activation_s"),
        (("gap_s: 30", "gap_s: thirty"), "recording.graces.gap_s"),
        (("search_warrant:  ", "search_warant:  "), "recording.triggers"),
        (("required: planned", "required: sometimes"), "recording.triggers.other.required"),
        (("monthly_share: 0.01", "monthly_share: 2"), "review.monthly_share"),
        (("category: evidentiary}", "category: evidentary}"), "recording.triggers.at_large_arrest.category"),
        (("  seal: true", "  seal: true\n  sael: true"), "first_amendment.sael"),
        (("  - COMPLIANT\n", ""), "status_order"),
    ],
)
def test_bad_fields_are_named_by_path(edit, path):
    old, new = edit
    assert old in DEFAULT
    with pytest.raises(ValidationFailed) as err:
        service.parse(DEFAULT.replace(old, new, 1), "edited.yaml")
    assert err.value.code == "INVALID_POLICY"
    assert path in {e["path"] for e in err.value.detail["errors"]}, err.value.detail


def test_duplicate_keys_and_broken_yaml_are_refused():
    with pytest.raises(ValidationFailed, match="duplicate key 'version'"):
        service.parse(DEFAULT + "\nversion: '2'\n", "dup.yaml")
    with pytest.raises(ValidationFailed) as err:
        service.parse("version: [1\n", "broken.yaml")
    assert err.value.detail["errors"][0]["path"].startswith("line ")


def test_first_amendment_activity_may_not_require_recording():
    text = DEFAULT.replace(
        "first_amendment_activity: {rule: PRO-1, required: never",
        "first_amendment_activity: {rule: PRO-1, required: always",
    )
    with pytest.raises(ValidationFailed) as err:
        service.parse(text, "x.yaml")
    assert "recording.triggers.first_amendment_activity.required" in {e["path"] for e in err.value.detail["errors"]}


def test_activation_is_a_ledger_entry_and_versions_are_unique(db):
    assert service.active(db).is_shipped_default
    edited = DEFAULT.replace('version: "2024.1"', 'version: "2024.2"').replace("gap_s: 30", "gap_s: 45")
    policy, now = service.activate(db, TEST_ACTOR, edited, "agency.yaml")
    assert now and policy.version == "2024.2" and policy.rules.gap_grace_s == 45
    assert service.active(db).version == "2024.2"
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.action == "policy:policy:activate"))
    assert entry is not None and entry.object_id == "2024.2"
    # The same file again changes nothing; other content under the same version is refused.
    assert service.activate(db, TEST_ACTOR, edited, "agency.yaml")[1] is False
    with pytest.raises(Conflict) as err:
        service.activate(db, TEST_ACTOR, edited.replace("gap_s: 45", "gap_s: 40"), "agency.yaml")
    assert err.value.code == "POLICY_VERSION_EXISTS"
    # Going back to an earlier file makes it the one in force again.
    service.activate(db, TEST_ACTOR, DEFAULT, "default.yaml")
    assert service.active(db).version == "2024.1"


def test_findings_keep_the_version_they_were_computed_under(db):
    from openbwc.compliance import runs as compliance
    from openbwc.compliance.models import Finding
    from tests.compliance.helpers import T0, officer, put_activity, recording, s

    who = officer(db)
    activity = put_activity(db, ref="OP-V", officers=[who])
    recording(db, who, T0 + s(40), T0 + s(1800))
    compliance.run(db, TEST_ACTOR)
    assert [(f.code, f.policy_version) for f in db.scalars(select(Finding))] == [("COMPLIANT", "2024.1")]
    stricter = DEFAULT.replace('version: "2024.1"', 'version: "2024.9"').replace("activation_s: 60", "activation_s: 30")
    service.activate(db, TEST_ACTOR, stricter, "stricter.yaml")
    # Until re-evaluated, the finding still says which rules made it.
    assert db.scalar(select(Finding.policy_version).where(Finding.activity_id == activity.id)) == "2024.1"
    compliance.run(db, TEST_ACTOR)
    f = db.scalar(select(Finding).where(Finding.activity_id == activity.id))
    assert (f.code, f.seconds, f.policy_version) == ("LATE_ACTIVATION", 40, "2024.9")


def test_policy_api(client, db):
    manager, officer = role_headers(db, "program_manager"), role_headers(db, "officer")
    assert client.get("/api/v1/policy", headers=officer).json()["graces_s"] == {
        "activation": 60,
        "deactivation": 60,
        "gap": 30,
    }
    bad = client.post(
        "/api/v1/policy/validate", json={"text": DEFAULT.replace("gap_s: 30", "gap_s: -1")}, headers=officer
    )
    assert bad.json()["valid"] is False and bad.json()["detail"]["errors"][0]["path"] == "recording.graces.gap_s"
    assert client.post("/api/v1/policy/activate", json={"text": DEFAULT}, headers=officer).status_code == 403
    r = client.post("/api/v1/policy/activate", json={"text": DEFAULT, "source": "api"}, headers=manager)
    assert r.status_code == 200 and r.json()["activated_now"] is True
    assert client.get("/api/v1/policy/versions", headers=manager).json()[0]["version"] == "2024.1"
