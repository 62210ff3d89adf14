"""Retention categories (POLICY.md RET-3) from the policy file, and retention mixes for forecasts.

A *retention mix* says what share of footage falls into each category and how
long each is kept; the program forecast turns it into stored terabytes. By
default it comes from the categories of the policy in force
(:func:`openbwc.policy.service.active_retention`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from openbwc.kit.errors import ValidationFailed

DEFAULT_POLICY_FILE = "bwc-policy.yaml"
# Rules whose period depends on later events; each needs an assumed average for forecasting.
RULES = {
    "case_close_plus_3y": "until the case closes, plus 3 years (RET-3)",
    "until_categorized": "kept until someone categorizes it (RET-3)",
}
SHARE_TOLERANCE = 0.001


@dataclass(frozen=True)
class RetentionCategory:
    id: str
    name: str
    rule_id: str
    period_days: int | None
    rule: str | None
    forecast_days: int | None
    forecast_share: float
    sealed: bool = False

    @property
    def assumed_days(self) -> int | None:
        """Days kept, for forecasting: the fixed period, or the rule's assumed average."""
        return self.period_days if self.period_days is not None else self.forecast_days


@dataclass(frozen=True)
class RetentionPolicy:
    version: str
    source: str
    categories: tuple[RetentionCategory, ...]


@dataclass(frozen=True)
class MixEntry:
    """One category in a forecast: its share of footage and days kept (None: beyond any horizon)."""

    id: str
    name: str
    share: float
    days: int | None


def _policy_error(source: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{source}: {message}", code="INVALID_POLICY", detail={"source": source})


def _int_days(value: Any, where: str, source: str, err: Any = _policy_error) -> int | None:
    if value is None or value == "":
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        raise err(source, f"{where}: {value!r} is not a whole number of days")
    if days <= 0:
        raise err(source, f"{where}: days must be positive")
    return days


def _share(value: Any, where: str, source: str, err: Any = _policy_error) -> float:
    try:
        share = float(str(value).strip().rstrip("%")) / (100 if str(value).strip().endswith("%") else 1)
    except ValueError:
        raise err(source, f"{where}: share {value!r} is not a number")
    if not math.isfinite(share) or not 0 <= share <= 1:
        raise err(source, f"{where}: share must be between 0 and 1 (or 0% and 100%)")
    return share


def parse_policy(data: Any, source: str) -> RetentionPolicy:
    """Validate the ``version`` and ``retention.categories`` of a policy document."""
    if not isinstance(data, dict):
        raise _policy_error(source, "a policy file is a mapping with 'version' and 'retention'")
    version = data.get("version")
    if not version:
        raise _policy_error(source, "the policy has no 'version'")
    section = data.get("retention")
    cats = section.get("categories") if isinstance(section, dict) else None
    if not isinstance(cats, list) or not cats:
        raise _policy_error(source, "'retention.categories' must be a non-empty list")
    out: list[RetentionCategory] = []
    seen: set[str] = set()
    for i, raw in enumerate(cats, 1):
        where = f"retention category {i}"
        if not isinstance(raw, dict) or not raw.get("id"):
            raise _policy_error(source, f"{where} needs an 'id'")
        cid = str(raw["id"])
        if cid in seen:
            raise _policy_error(source, f"{where}: duplicate id {cid!r}")
        seen.add(cid)
        period = _int_days(raw.get("period_days"), where, source)
        rule = raw.get("rule")
        if (period is None) == (rule is None):
            raise _policy_error(source, f"{where} ({cid}) needs exactly one of 'period_days' or 'rule'")
        if rule is not None and rule not in RULES:
            raise _policy_error(source, f"{where} ({cid}): unknown rule {rule!r}; known: {', '.join(RULES)}")
        forecast_days = _int_days(raw.get("forecast_days"), where, source)
        if rule is not None and forecast_days is None:
            raise _policy_error(source, f"{where} ({cid}): a rule needs 'forecast_days', an assumed average")
        out.append(
            RetentionCategory(
                id=cid,
                name=str(raw.get("name") or cid),
                rule_id=str(raw.get("rule_id") or "RET-3"),
                period_days=period,
                rule=rule,
                forecast_days=forecast_days,
                forecast_share=_share(raw.get("forecast_share", 0), where, source),
                sealed=bool(raw.get("sealed", False)),
            )
        )
    total = sum(c.forecast_share for c in out)
    if abs(total - 1) > SHARE_TOLERANCE:
        raise _policy_error(source, f"the categories' forecast_share values add up to {total:.4f}, not 1")
    return RetentionPolicy(version=str(version), source=source, categories=tuple(out))


def load_default_policy() -> RetentionPolicy:
    text = resources.files("openbwc.policy.defaults").joinpath(DEFAULT_POLICY_FILE).read_text(encoding="utf-8")
    return parse_policy(yaml.safe_load(text), f"default policy {DEFAULT_POLICY_FILE}")


def mix_from_policy(policy: RetentionPolicy) -> list[MixEntry]:
    return [MixEntry(c.id, c.name, c.forecast_share, c.assumed_days) for c in policy.categories]


# -- retention-mix files ----------------------------------------------------------------------------------


def _mix_error(source: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"{source}: {message}. A retention mix lists categories with id, share and period_days "
        "(YAML or JSON list, or CSV with those columns); shares add up to 1",
        code="INVALID_RETENTION_MIX",
        detail={"source": source},
    )


def parse_mix(rows: list[Any], source: str) -> list[MixEntry]:
    if not rows:
        raise _mix_error(source, "no categories")
    out = []
    seen: set[str] = set()
    for i, raw in enumerate(rows, 1):
        where = f"entry {i}"
        if not isinstance(raw, dict) or not str(raw.get("id") or "").strip():
            raise _mix_error(source, f"{where} needs an 'id'")
        cid = str(raw["id"]).strip()
        if cid in seen:
            raise _mix_error(source, f"{where}: duplicate id {cid!r}")
        seen.add(cid)
        share_raw = raw.get("share", raw.get("forecast_share"))
        if share_raw is None or share_raw == "":
            raise _mix_error(source, f"{where} ({cid}) needs a 'share'")
        days_raw = raw.get("period_days")
        if days_raw in (None, ""):
            days_raw = raw.get("forecast_days", raw.get("days"))
        days = _int_days(days_raw, f"{where} ({cid})", source, _mix_error)
        out.append(MixEntry(cid, str(raw.get("name") or cid), _share(share_raw, where, source, _mix_error), days))
    total = sum(e.share for e in out)
    if abs(total - 1) > SHARE_TOLERANCE:
        raise _mix_error(source, f"the shares add up to {total:.4f}, not 1")
    return out


def load_mix_file(path: Path) -> list[MixEntry]:
    """Read a retention mix from YAML, JSON or CSV (chosen by the file's suffix)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationFailed(f"cannot read {path}: {exc.strerror}", code="UNREADABLE_FILE")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        rows: list[Any] = [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in reader]
        return parse_mix(rows, source)
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise _mix_error(source, f"not valid {'JSON' if suffix == '.json' else 'YAML'}: {exc}")
    if isinstance(data, dict) and "retention" in data:
        data = data["retention"]
    if isinstance(data, dict) and "categories" in data:
        data = data["categories"]
    if not isinstance(data, list):
        raise _mix_error(source, "expected a list of categories")
    return parse_mix(data, source)
