"""The policy file's schema: every field checked, every error named by its path.

A policy file is YAML (POLICY.md: "every rule below is data in a versioned
policy file, not code"). This module turns its text into a validated
:class:`PolicyDocument` or raises one ``INVALID_POLICY`` error that lists each
problem with the dotted path of the field at fault (``recording.graces.gap_s``)
so an agency editing the file knows what to fix and where.

The retention section belongs to the retention rules (RET-3,
:mod:`openbwc.policy.retention`); it is validated by that module's parser so
there is one definition of it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from openbwc.kit.errors import ValidationFailed
from openbwc.policy import retention

# The activity types of ICE's 2024 policy (TRG-3) plus the DHS and DOJ triggers
# (TRG-1, TRG-2), First Amendment activity (PRO-1) and a catch-all. Fixed by
# openbwc: imports and the engine know them; the policy says what each requires.
ACTIVITY_TYPES: tuple[str, ...] = (
    "at_large_arrest",
    "investigatory_detention",
    "arrest_warrant",
    "subpoena_service",
    "search_warrant",
    "removal_order",
    "facility_protection",
    "facility_disturbance",
    "emergency_response",
    "public_interaction",
    "first_amendment_activity",
    "other",
)

# What the engine can say about one (activity, officer) pair.
FINDING_CODES: tuple[str, ...] = (
    "COMPLIANT",
    "EXEMPT",
    "NOT_RECORDED",
    "LATE_ACTIVATION",
    "EARLY_DEACTIVATION",
    "RECORDING_GAP",
    "EXCEPTION_UNAPPROVED",
    "UNSIGNED_FOOTAGE",
    "CAMERA_NOT_ASSIGNED",
)

RULE_ID = r"^[A-Z]{2,5}-[0-9]{1,3}$"
EXCEPTION_CODE = r"^EXC-[0-9]{1,3}$"
VERSION = r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,39}$"
MAX_GRACE_S = 3600


class _Strict(BaseModel):
    # A misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


def normalise_reason(text: str) -> str:
    """``"Scene secured"``, ``scene-secured`` and ``SCENE_SECURED`` are one stop reason."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower()).strip("_")


class Graces(_Strict):
    activation_s: int = Field(ge=0, le=MAX_GRACE_S)
    deactivation_s: int = Field(ge=0, le=MAX_GRACE_S)
    gap_s: int = Field(ge=0, le=MAX_GRACE_S)


class Trigger(_Strict):
    rule: str = Field(pattern=RULE_ID)
    required: Literal["always", "planned", "never"]
    category: str = Field(min_length=1, max_length=40)
    first_amendment: bool = False


class RecordingRulesSection(_Strict):
    graces: Graces
    pre_event_buffer_min_s: int = Field(ge=0, le=600)
    accepted_stop_reasons: list[str] = Field(default_factory=list, max_length=100)
    triggers: dict[str, Trigger]

    @field_validator("accepted_stop_reasons")
    @classmethod
    def _reasons(cls, value: list[str]) -> list[str]:
        out = [normalise_reason(v) for v in value]
        if any(not v or len(v) > 60 for v in out):
            raise ValueError("each stop reason is 1 to 60 characters")
        return out

    @field_validator("triggers")
    @classmethod
    def _types(cls, value: dict[str, Trigger]) -> dict[str, Trigger]:
        unknown = sorted(set(value) - set(ACTIVITY_TYPES))
        missing = [t for t in ACTIVITY_TYPES if t not in value]
        problems = []
        if unknown:
            problems.append(f"unknown activity type(s) {', '.join(unknown)}")
        if missing:
            problems.append(f"missing activity type(s) {', '.join(missing)}")
        if problems:
            raise ValueError("; ".join(problems) + f" (the types are: {', '.join(ACTIVITY_TYPES)})")
        return value


class FirstAmendment(_Strict):
    rule: str = Field(pattern=RULE_ID)
    tags: list[str] = Field(min_length=1)
    seal: bool = True
    category: str = Field(min_length=1, max_length=40)


class Review(_Strict):
    rule: str = Field(pattern=RULE_ID)
    monthly_share: float = Field(gt=0, le=1)
    minimum_per_officer: int = Field(ge=0, le=1000)


TAG = r"^[a-z0-9][a-z0-9_:-]{0,59}$"


class ViewingBeforeReport(_Strict):
    """ACC-3: for these incident types (tags on a recording), the recording officer may not open
    the footage until they have filed their initial report on it."""

    rule: str = Field(default="ACC-3", pattern=RULE_ID)
    incident_types: list[str] = Field(
        default_factory=lambda: ["use_of_force", "serious_injury", "death_in_custody"], max_length=50
    )

    @field_validator("incident_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        out = [v.strip().lower() for v in value]
        bad = [v for v in out if not re.match(TAG, v)]
        if bad:
            raise ValueError(f"incident types are tags (a-z, 0-9, _ : -, up to 60): not {', '.join(bad)}")
        return out


class FindingRule(_Strict):
    # A rule id, or "trigger" (the activity type's rule) or "exception" (the claimed EXC code).
    rule: str = Field(pattern=RULE_ID + "|^trigger$|^exception$")
    flags: list[str] = Field(default_factory=list)


class PolicyDocument(_Strict):
    version: str = Field(pattern=VERSION)
    name: str = Field(default="", max_length=300)
    retention: dict[str, Any]
    recording: RecordingRulesSection
    exceptions: dict[str, str]
    first_amendment: FirstAmendment
    review: Review
    # ACC-3; optional so that policy files written before it stay valid (its defaults then apply).
    viewing_before_report: ViewingBeforeReport = Field(default_factory=ViewingBeforeReport)
    findings: dict[str, FindingRule]
    status_order: list[str]

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # YAML reads 2024.1 as a number; a version is a string either way.
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("exceptions")
    @classmethod
    def _exceptions(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not re.match(EXCEPTION_CODE, k)]
        if bad:
            raise ValueError(f"exception codes look like EXC-1; not {', '.join(bad)}")
        if any(not str(v).strip() for v in value.values()):
            raise ValueError("each exception needs a description")
        return value

    @field_validator("findings")
    @classmethod
    def _findings(cls, value: dict[str, FindingRule]) -> dict[str, FindingRule]:
        unknown = sorted(set(value) - set(FINDING_CODES))
        missing = [c for c in FINDING_CODES if c not in value]
        if unknown or missing:
            raise ValueError(
                f"findings must name each of {', '.join(FINDING_CODES)}"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                + (f"; missing: {', '.join(missing)}" if missing else "")
            )
        return value

    @field_validator("status_order")
    @classmethod
    def _order(cls, value: list[str]) -> list[str]:
        if sorted(value) != sorted(FINDING_CODES):
            raise ValueError(f"status_order lists each finding code once, worst first: {', '.join(FINDING_CODES)}")
        return value


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; in a policy that hides an edit, so refuse it."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                hash(key)
            except TypeError:  # `? [a]` makes a list a key: no policy has one
                raise yaml.constructor.ConstructorError(None, None, "a key must be a plain value", key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _error(source: str, problems: list[dict[str, str]]) -> ValidationFailed:
    listed = "; ".join(f"{p['path'] or '(top)'}: {p['message']}" for p in problems[:8])
    more = f" (and {len(problems) - 8} more)" if len(problems) > 8 else ""
    return ValidationFailed(
        f"{source} is not a valid policy: {listed}{more}",
        code="INVALID_POLICY",
        detail={"source": source, "errors": problems},
    )


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def parse_text(text: str, source: str) -> PolicyDocument:
    """Parse and validate a policy file's text; raise ``INVALID_POLICY`` listing every problem."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "YAML"
        raise _error(source, [{"path": where, "message": str(getattr(exc, "problem", None) or exc)}])
    except RecursionError:  # thousands of nested brackets
        raise _error(source, [{"path": "YAML", "message": "nested too deeply"}])
    return parse_data(data, source)


def parse_data(data: Any, source: str) -> PolicyDocument:
    if not isinstance(data, dict):
        raise _error(
            source, [{"path": "", "message": "a policy file is a mapping (version, retention, recording, ...)"}]
        )
    problems: list[dict[str, str]] = []
    doc: PolicyDocument | None = None
    try:
        doc = PolicyDocument.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field (a misspelling?)"
            problems.append({"path": _path(err["loc"]), "message": message})
    try:
        retention_policy = retention.parse_policy(data, source)
    except ValidationFailed as exc:
        problems.append({"path": "retention", "message": exc.message.removeprefix(f"{source}: ")})
        retention_policy = None
    if doc is not None and retention_policy is not None:
        problems.extend(_cross_checks(doc, {c.id for c in retention_policy.categories}))
    if problems:
        raise _error(source, problems)
    assert doc is not None
    return doc


def _cross_checks(doc: PolicyDocument, categories: set[str]) -> list[dict[str, str]]:
    """Checks that span sections: categories exist, First Amendment activity is never required."""
    problems = []
    for kind, trigger in doc.recording.triggers.items():
        if trigger.category not in categories:
            problems.append(
                {
                    "path": f"recording.triggers.{kind}.category",
                    "message": f"{trigger.category!r} is not a retention category ({', '.join(sorted(categories))})",
                }
            )
        if trigger.first_amendment and trigger.required != "never":
            problems.append(
                {
                    "path": f"recording.triggers.{kind}.required",
                    "message": "First Amendment activity may not require recording (PRO-1): use 'never'",
                }
            )
    if doc.first_amendment.category not in categories:
        problems.append(
            {
                "path": "first_amendment.category",
                "message": f"{doc.first_amendment.category!r} is not a retention category",
            }
        )
    if not doc.exceptions:
        problems.append({"path": "exceptions", "message": "list at least one exception (EXC-1 ...)"})
    return problems
