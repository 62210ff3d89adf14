"""Permissions and statuses are names (StrEnums), not string literals scattered in the code."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

from openbwc.compliance.models import ReviewStatus
from openbwc.devices.models import CameraStatus
from openbwc.evidence.models import QuarantineStatus, UploadStatus
from openbwc.identity.models import AccountStatus
from openbwc.jobs.models import JobStatus
from openbwc.media.models import RedactionStatus
from openbwc.org.models import PersonStatus
from tests.conftest import REGISTRY

SRC = Path(__file__).parents[1] / "src" / "openbwc"
STATUSES = {
    s.value
    for enum in (JobStatus, AccountStatus, PersonStatus, CameraStatus, RedactionStatus, QuarantineStatus, UploadStatus)
    for s in enum
} | {s.value for s in ReviewStatus}


def _strings(path: Path):  # type: ignore[no-untyped-def]
    text = path.read_text()
    lines = text.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING:
            try:
                value = ast.literal_eval(tok.string)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str):
                yield value, lines[tok.start[0] - 1], tok.start[0]


def test_no_permission_is_spelled_out_outside_its_domains_permissions_module():
    found = []
    for path in SRC.rglob("*.py"):
        if path.name == "permissions.py" or "migrations" in path.parts:
            continue
        for value, _line, n in _strings(path):
            if value in REGISTRY.permissions:
                found.append(f"{path.relative_to(SRC)}:{n}: {value}")
    assert found == [], "use the domain's Permissions StrEnum member instead"


def test_no_status_is_compared_or_set_as_a_literal():
    found = []
    for path in SRC.rglob("*.py"):
        if path.name == "models.py" or "migrations" in path.parts:
            continue
        for value, line, n in _strings(path):
            if value in STATUSES and ".status" in line or (value in STATUSES and "status=" in line):
                found.append(f"{path.relative_to(SRC)}:{n}: {line.strip()}")
    assert found == [], "use the model's Status StrEnum member instead"
