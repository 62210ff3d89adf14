"""kit.scope: without the evidence domain's rule registered, nothing that names a recording is shown."""

from __future__ import annotations

import pytest

from openbwc.jobs import service as jobs
from openbwc.kit import scope
from openbwc.kit.errors import NotFound
from openbwc.kit.registry import Registry
from tests.compliance.helpers import T0, recording, s


def test_without_a_rule_jobs_about_recordings_are_hidden(db, monkeypatch):
    monkeypatch.setitem(db.info, "registry", Registry())  # an app whose domains declare no row scope
    rec = recording(db, None, T0, T0 + s(60))
    about = jobs.enqueue(db, "media.derivatives", {"recording_id": str(rec.id)}, created_by="t", recordings=[rec.id])
    plain = jobs.enqueue(db, "evidence.verify_sample", {"percent": 1.0}, created_by="t", recordings=())
    nobody = scope.for_caller(db, None, None)
    assert nobody is scope.NOTHING
    rows, _ = jobs.list_jobs(db, nobody, limit=500)
    assert plain.id in {j.id for j in rows} and about.id not in {j.id for j in rows}
    with pytest.raises(NotFound):
        jobs.get(db, about.id, nobody)
    assert nobody.hides_item(db, str(rec.id), via="test")
