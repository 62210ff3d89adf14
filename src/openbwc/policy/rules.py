"""The recording rules in the form the compliance engine applies them.

:func:`compile_rules` turns a validated :class:`PolicyDocument` into a frozen
:class:`RecordingRules`: graces in seconds, stop reasons normalised, triggers
by activity type, and the rule id every finding cites. Nothing here reads a
file or a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from openbwc.policy import retention
from openbwc.policy.schema import FINDING_CODES, PolicyDocument, normalise_reason

UNCATEGORIZED = "uncategorized"


@dataclass(frozen=True)
class TriggerRule:
    activity_type: str
    rule_id: str
    required: str  # always | planned | never
    category: str
    first_amendment: bool


@dataclass(frozen=True)
class RecordingRules:
    version: str
    sha256: str
    activation_grace_s: int
    deactivation_grace_s: int
    gap_grace_s: int
    pre_event_buffer_min_s: int
    accepted_stop_reasons: frozenset[str]
    triggers: Mapping[str, TriggerRule]
    exceptions: Mapping[str, str]
    finding_rules: Mapping[str, str]
    finding_flags: Mapping[str, frozenset[str]]
    status_order: tuple[str, ...]
    first_amendment_rule: str
    first_amendment_tags: frozenset[str]
    first_amendment_seal: bool
    first_amendment_category: str
    review_rule: str
    review_share: float
    review_minimum: int
    # ACC-3: incident types (tags) whose footage its officer opens only after the initial report.
    viewing_before_report_rule: str
    viewing_before_report_types: frozenset[str]
    # Retention category -> how protective it is (longer kept ranks higher); auto-categorization
    # only ever moves a recording up this ladder, never down.
    category_rank: Mapping[str, int]
    category_names: Mapping[str, str]

    def is_required(self, activity_type: str, planned: bool) -> bool:
        """TRG-1..3: must this activity be recorded?"""
        required = self.triggers[activity_type].required
        return required == "always" or (required == "planned" and planned)

    def is_first_amendment_only(self, activity_type: str, first_amendment: bool) -> bool:
        """PRO-1: activity that is First Amendment activity and nothing the policy requires recorded.

        An arrest at a protest is still an arrest (its type requires recording);
        a march with no enforcement action is not.
        """
        trigger = self.triggers[activity_type]
        return trigger.first_amendment or (first_amendment and trigger.required == "never")

    def stop_reason_accepted(self, reason: str | None) -> bool:
        """TRG-8: a stop with one of the policy's reasons is not a violation."""
        return bool(reason) and normalise_reason(reason or "") in self.accepted_stop_reasons

    def rule_for(self, code: str, activity_type: str, exception_code: str | None) -> str:
        rule = self.finding_rules[code]
        if rule == "trigger":
            return self.triggers[activity_type].rule_id
        if rule == "exception":
            return exception_code or self.finding_rules["EXCEPTION_UNAPPROVED"]
        return rule

    def severity(self, code: str) -> int:
        """Higher is worse: the pair's status is its worst finding."""
        return len(self.status_order) - self.status_order.index(code)


def compile_rules(doc: PolicyDocument, sha256: str) -> RecordingRules:
    rec = doc.recording
    categories = retention.parse_policy(doc.model_dump(), f"policy {doc.version}").categories
    # Rank by days kept (a rule without a fixed period counts by its forecast average); ties keep file order.
    ordered = sorted(enumerate(categories), key=lambda ic: (ic[1].assumed_days or 0, ic[0]))
    rank = {c.id: i + 1 for i, (_, c) in enumerate(ordered)}
    rank[UNCATEGORIZED] = 0
    return RecordingRules(
        version=doc.version,
        sha256=sha256,
        activation_grace_s=rec.graces.activation_s,
        deactivation_grace_s=rec.graces.deactivation_s,
        gap_grace_s=rec.graces.gap_s,
        pre_event_buffer_min_s=rec.pre_event_buffer_min_s,
        accepted_stop_reasons=frozenset(rec.accepted_stop_reasons),
        triggers=MappingProxyType(
            {
                kind: TriggerRule(kind, t.rule, t.required, t.category, t.first_amendment)
                for kind, t in rec.triggers.items()
            }
        ),
        exceptions=MappingProxyType(dict(doc.exceptions)),
        finding_rules=MappingProxyType({code: doc.findings[code].rule for code in FINDING_CODES}),
        finding_flags=MappingProxyType({code: frozenset(doc.findings[code].flags) for code in FINDING_CODES}),
        status_order=tuple(doc.status_order),
        first_amendment_rule=doc.first_amendment.rule,
        first_amendment_tags=frozenset(t.strip().lower() for t in doc.first_amendment.tags),
        first_amendment_seal=doc.first_amendment.seal,
        first_amendment_category=doc.first_amendment.category,
        review_rule=doc.review.rule,
        review_share=doc.review.monthly_share,
        review_minimum=doc.review.minimum_per_officer,
        viewing_before_report_rule=doc.viewing_before_report.rule,
        viewing_before_report_types=frozenset(doc.viewing_before_report.incident_types),
        category_rank=MappingProxyType(rank),
        category_names=MappingProxyType({c.id: c.name for c in categories}),
    )
