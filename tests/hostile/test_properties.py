"""Property tests (hypothesis) of every parser that reads what a caller or a file sends.

Each parser, whatever it is given, either answers or raises its typed error with its
own code: never another exception (a 500 at the API, a traceback at the CLI).
Derandomized and without an example database, so CI runs the same examples each time.
"""

from __future__ import annotations

import base64
import json
import string
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from openbwc.compliance import activities
from openbwc.devices.cameras import parse_camera_csv
from openbwc.evidence import manifest as mf
from openbwc.evidence.checks import name_problem
from openbwc.evidence.uploads import sessions as tus
from openbwc.kit.errors import DomainError
from openbwc.kit.types import MAX_INT
from openbwc.policy import service as policy

PROPS = settings(
    max_examples=150, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)


def _code(exc: DomainError, *codes: str) -> None:
    assert exc.code in codes, (exc.code, exc.message)


# --- the camera manifest ------------------------------------------------------------------

SHA = "ab" * 32


def _valid_manifest() -> dict:
    return mf.build(camera_serial="CAM-1", recorded_start=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                    files=[("a.mp4", SHA, 10), ("b.mp4", "cd" * 32, 20)])


@PROPS
@given(json_values)
def test_any_json_is_a_manifest_or_invalid_manifest(raw):
    try:
        mf.parse(raw)
    except DomainError as exc:
        _code(exc, "INVALID_MANIFEST")


@PROPS
@given(st.sampled_from(["format", "camera_serial", "officer_badge", "recorded_start", "recorded_end", "activated_at",
                        "pre_event_buffer_s", "subject_notified", "files", "signature", "trigger", "stop_reason"]),
       json_values)
def test_one_field_replaced_by_anything_is_read_or_refused_by_name(field, value):
    raw = _valid_manifest()
    raw[field] = value
    try:
        m = mf.parse(raw)
    except DomainError as exc:
        _code(exc, "INVALID_MANIFEST")
        return
    assert m.files and all(isinstance(f.name, str) and f.name for f in m.files)


@PROPS
@given(st.integers(0, 1), st.sampled_from(["name", "sha256", "size", "index", "prev_sha256"]), json_values)
def test_one_segment_field_replaced_by_anything(i, field, value):
    raw = _valid_manifest()
    raw["files"][i][field] = value
    try:
        m = mf.parse(raw)
    except DomainError as exc:
        _code(exc, "INVALID_MANIFEST")
        return
    assert [f.index for f in m.files] == sorted(f.index for f in m.files)
    assert all(f.size >= 0 and len(f.sha256) == 64 for f in m.files)


# --- file names: no way out of the directory they are written to -------------------------

names = st.text(st.characters(codec="utf-8"), max_size=40) | st.builds(
    lambda parts: "/".join(parts), st.lists(st.sampled_from(["..", ".", "", "a", "..\\..", "\x00", "~", "C:"]),
                                            max_size=5))


@PROPS
@given(names)
@example("../../etc/passwd")
@example("..")
@example("/etc/passwd")
@example("a/../../b")
@example("..\\..\\windows")
@example("nul\x00.mp4")
def test_a_name_kept_for_export_stays_inside_its_directory(tmp_path_factory, name):
    directory = Path("/srv/export/rec")
    if name_problem(name) is None:
        target = (directory / name).resolve()
        assert target.parent == directory.resolve(), name
        assert "\x00" not in name and "/" not in name and "\\" not in name and name not in (".", "..")


# --- tus headers -------------------------------------------------------------------------

@PROPS
@given(st.text(max_size=200) | st.none())
@example("1" * 5000)
@example("٣")
@example(" 12 ")
@example("-1")
@example(str(MAX_INT + 1))
def test_a_byte_count_header_is_in_range_or_refused(text):
    try:
        n = tus.parse_length(text, "Upload-Length")
    except DomainError as exc:
        _code(exc, "INVALID_UPLOAD_HEADER")
        assert exc.status == 422
        return
    assert 0 <= n <= MAX_INT


@PROPS
@given(st.text(max_size=6000) | st.none())
def test_any_upload_metadata_header_is_read_or_refused(header):
    try:
        meta = tus.parse_metadata(header)
    except DomainError as exc:
        _code(exc, "INVALID_UPLOAD_METADATA", "UPLOAD_METADATA_TOO_LARGE")
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())


@PROPS
@given(st.dictionaries(st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=20),
                       st.text(max_size=60), max_size=8))
def test_upload_metadata_round_trips(meta):
    header = tus.encode_metadata(meta)
    if len(header) <= tus.MAX_METADATA_BYTES:
        assert tus.parse_metadata(header) == meta


@PROPS
@given(st.text(max_size=120) | st.none()
       | st.binary(max_size=40).map(lambda b: "sha256 " + base64.b64encode(b).decode()))
def test_any_checksum_header_is_a_digest_or_refused(header):
    try:
        digest = tus.parse_checksum(header)
    except DomainError as exc:
        _code(exc, "UNSUPPORTED_CHECKSUM", "INVALID_CHECKSUM")
        return
    assert digest is None or len(digest) == 32


# --- CSV and JSON Lines imports ------------------------------------------------------------

csv_cells = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
header = ",".join(activities.REQUIRED)


@PROPS
@given(st.lists(st.lists(csv_cells, max_size=8), max_size=6), st.booleans())
def test_any_activities_csv_is_rows_or_invalid_activities(rows, with_header):
    lines = ([header] if with_header else []) + [",".join(r) for r in rows]
    try:
        read = activities.read_rows("\n".join(lines), "x.csv", "csv")
    except DomainError as exc:
        _code(exc, "INVALID_ACTIVITIES")
        return
    assert all(isinstance(n, int) and isinstance(r, dict) for n, r in read)


@PROPS
@given(st.lists(json_values.map(json.dumps) | st.text(max_size=40), max_size=6))
def test_any_activities_json_lines_are_rows_or_invalid_activities(lines):
    try:
        activities.read_rows("\n".join(lines), "x.jsonl", "jsonl")
    except DomainError as exc:
        _code(exc, "INVALID_ACTIVITIES")


@PROPS
@given(st.text(max_size=300))
@example('serial,model,public_key\n"unterminated')
@example("\ufeff")
@example("serial,model,public_key\nA,B," + "x" * 200_000)
def test_any_camera_csv_is_cameras_or_invalid_csv(text):
    try:
        parse_camera_csv(text)
    except DomainError as exc:
        _code(exc, "INVALID_CSV")


# --- the policy file --------------------------------------------------------------------------

yaml_like = st.lists(st.sampled_from(list("ab:- \n{}[]&*!|>'\"#%@`?,0123456789.") + ["version", "retention", "  "]),
                     max_size=60).map("".join)


@PROPS
@given(yaml_like | st.text(max_size=200))
@example("a: &x [*x]")
@example("version: 1\nversion: 2")
@example("? [a]\n: b")
@example("!!python/object:os.system ls")
@example("[" * 2000)
def test_any_policy_text_is_a_policy_or_invalid_policy(text):
    try:
        policy.parse(text, "policy.yaml")
    except DomainError as exc:
        _code(exc, "INVALID_POLICY")


@PROPS
@given(st.sampled_from(["version", "name", "retention", "recording", "compliance", "sealed", "review"]), json_values)
def test_the_shipped_policy_with_one_section_replaced_is_read_or_refused(section, value):
    import yaml

    data = yaml.safe_load(policy.default_text())
    data[section] = value
    try:
        policy.parse(yaml.safe_dump(data), "policy.yaml")
    except DomainError as exc:
        _code(exc, "INVALID_POLICY")
