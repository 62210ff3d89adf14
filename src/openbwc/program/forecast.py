"""Storage, cost and redaction forecasts for a BWC program (docs/forecast.md has the math).

The model is deliberately simple enough to check by hand:

- footage arrives at a constant rate: officers x hours per officer-month, every month;
- GB per footage hour = bitrate_mbps x 3600 / 8 / 1000 (decimal GB, 1 TB = 1000 GB);
- footage in a retention category is deleted when older than the category's period,
  so after t days a category with share s and period d holds s x daily x min(t, d);
- the monthly bill is stored TB x price per TB-month; a year's bill is the integral of
  the stored TB over the year, in TB-months (a month is 365 / 12 days);
- redaction: the share of footage that is requested or released takes 5 to 10 hours of
  manual work per footage hour (POLICY.md MET-5), against openbwc's automatic rate.

Years are 365 days. Legal holds and open requests keep footage longer (RET-3); the
forecast leaves them out: add a category with a longer period to model them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openbwc.kit.errors import ValidationFailed
from openbwc.policy import service as policy_service
from openbwc.policy.retention import MixEntry, mix_from_policy

DAYS_PER_YEAR = 365
MONTHS_PER_YEAR = 12
DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR

# POLICY.md MET-5: manual redaction takes 5 to 10 hours per hour of footage.
MANUAL_HOURS_PER_FOOTAGE_HOUR = (5.0, 10.0)
# FACTS.md, measured on 2 cores: face detection on 2x2 tiles every 3rd frame with boxes
# held between detections, decode + blur + encode of 720p30 at 55 fps = 1.8x real time.
# So one footage hour needs 1 / 1.8 machine hours. The media issue's benchmark replaces this.
AUTOMATIC_REDACTION_X_REALTIME = 1.8
# [D] Assumption: 5% of footage hours are requested or released and so need redaction.
# No source fixes this; the CLI and console take it as an input.
DEFAULT_REDACTION_SHARE = 0.05

# MET-5 cross-check: about 20 GB per officer per month is 7.4 hours at 6 Mbps (2.7 GB/h).
DEFAULT_HOURS_PER_OFFICER_MONTH = 8.0
DEFAULT_BITRATE_MBPS = 6.0
# [D] Assumption: a typical cloud object-storage list price, USD per TB-month.
DEFAULT_PRICE_PER_TB_MONTH = 23.0
DEFAULT_YEARS = 5


@dataclass(frozen=True)
class Scenario:
    name: str
    officers: int
    note: str


# `--compare` scenarios. Phase 1 is sourced (POLICY.md MET-1); the others are ASSUMPTIONS:
# ICE has roughly 6,000 ERO officers and 7,000 HSI special agents, and a border expansion
# adds about 20,000 CBP-scale officers (CBP had ~7,000 cameras by 2023, MET-1).
SCENARIOS = (
    Scenario("Phase 1", 1_600, "1,600 cameras, ERO and HSI, five field offices (MET-1)"),
    Scenario("All ERO and HSI", 13_000, "assumption: ~6,000 ERO officers + ~7,000 HSI special agents"),
    Scenario("Border expansion", 33_000, "assumption: all ERO and HSI + ~20,000 CBP-scale officers"),
)


@dataclass(frozen=True)
class ForecastInput:
    officers: int
    hours_per_officer_month: float = DEFAULT_HOURS_PER_OFFICER_MONTH
    bitrate_mbps: float = DEFAULT_BITRATE_MBPS
    price_per_tb_month: float = DEFAULT_PRICE_PER_TB_MONTH
    years: int = DEFAULT_YEARS
    redaction_share: float = DEFAULT_REDACTION_SHARE

    def validate(self) -> ForecastInput:
        checks = [
            (1 <= self.officers <= 10_000_000, "officers must be between 1 and 10,000,000"),
            (0 < self.hours_per_officer_month <= 744, "hours per officer-month must be above 0 and at most 744"),
            (0 < self.bitrate_mbps <= 200, "bitrate must be above 0 and at most 200 Mbps"),
            (0 <= self.price_per_tb_month <= 100_000, "price per TB-month must be between 0 and 100,000"),
            (1 <= self.years <= 30, "years must be between 1 and 30"),
            (0 <= self.redaction_share <= 1, "the redaction share must be between 0 and 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValidationFailed(message, code="INVALID_FORECAST_INPUT")
        return self


@dataclass(frozen=True)
class YearFigures:
    year: int
    footage_hours: float
    ingested_tb: float
    stored_tb: float  # at the end of the year
    monthly_cost: float  # at the end of the year
    year_cost: float  # what the year's storage costs in all
    redaction_hours: float  # footage hours to redact
    manual_hours_low: float
    manual_hours_high: float
    automatic_hours: float  # machine hours on 2 cores


def gb_per_footage_hour(bitrate_mbps: float) -> float:
    return bitrate_mbps * 3600 / 8 / 1000


def _held_days(t: float, days: int | None) -> float:
    """Days of a category's inflow still held at day t: min(t, d)."""
    return t if days is None else min(t, days)


def _held_day_integral(a: float, b: float, days: int | None) -> float:
    """Integral of min(t, d) dt from a to b (in day x days)."""
    if days is None or b <= days:
        return (b * b - a * a) / 2
    if a >= days:
        return days * (b - a)
    return (days * days - a * a) / 2 + days * (b - days)


def forecast(inp: ForecastInput, mix: Sequence[MixEntry]) -> list[YearFigures]:
    inp.validate()
    gbh = gb_per_footage_hour(inp.bitrate_mbps)
    footage_hours_year = inp.officers * inp.hours_per_officer_month * MONTHS_PER_YEAR
    daily_tb = footage_hours_year * gbh / 1000 / DAYS_PER_YEAR
    redaction_hours = footage_hours_year * inp.redaction_share
    low, high = MANUAL_HOURS_PER_FOOTAGE_HOUR
    rows = []
    for year in range(1, inp.years + 1):
        a, b = (year - 1) * DAYS_PER_YEAR, year * DAYS_PER_YEAR
        stored = daily_tb * sum(e.share * _held_days(b, e.days) for e in mix)
        tb_days = daily_tb * sum(e.share * _held_day_integral(a, b, e.days) for e in mix)
        rows.append(
            YearFigures(
                year=year,
                footage_hours=footage_hours_year,
                ingested_tb=daily_tb * DAYS_PER_YEAR,
                stored_tb=stored,
                monthly_cost=stored * inp.price_per_tb_month,
                year_cost=tb_days / DAYS_PER_MONTH * inp.price_per_tb_month,
                redaction_hours=redaction_hours,
                manual_hours_low=redaction_hours * low,
                manual_hours_high=redaction_hours * high,
                automatic_hours=redaction_hours / AUTOMATIC_REDACTION_X_REALTIME,
            )
        )
    return rows


def compare(base: ForecastInput, mix: Sequence[MixEntry]) -> list[tuple[Scenario, list[YearFigures]]]:
    """The `--compare` scenarios, each with the base inputs but its own number of officers."""
    out = []
    for s in SCENARIOS:
        inp = ForecastInput(
            officers=s.officers,
            hours_per_officer_month=base.hours_per_officer_month,
            bitrate_mbps=base.bitrate_mbps,
            price_per_tb_month=base.price_per_tb_month,
            years=base.years,
            redaction_share=base.redaction_share,
        )
        out.append((s, forecast(inp, mix)))
    return out


CSV_COLUMNS = (
    "scenario",
    "officers",
    "year",
    "footage_hours",
    "ingested_tb",
    "stored_tb",
    "monthly_cost",
    "year_cost",
    "redaction_footage_hours",
    "manual_redaction_hours_low",
    "manual_redaction_hours_high",
    "automatic_redaction_hours",
)


def csv_rows(results: Sequence[tuple[str, int, list[YearFigures]]]) -> list[list[str]]:
    """Long format (one row per scenario-year), plain numbers, for spreadsheets."""
    rows: list[list[str]] = [list(CSV_COLUMNS)]
    for name, officers, years in results:
        for y in years:
            rows.append(
                [
                    name,
                    str(officers),
                    str(y.year),
                    f"{y.footage_hours:.0f}",
                    f"{y.ingested_tb:.3f}",
                    f"{y.stored_tb:.3f}",
                    f"{y.monthly_cost:.2f}",
                    f"{y.year_cost:.2f}",
                    f"{y.redaction_hours:.0f}",
                    f"{y.manual_hours_low:.0f}",
                    f"{y.manual_hours_high:.0f}",
                    f"{y.automatic_hours:.0f}",
                ]
            )
    return rows


@dataclass(frozen=True)
class ForecastResult:
    inputs: ForecastInput
    mix: list[MixEntry]
    mix_source: str
    scenarios: list[tuple[Scenario, list[YearFigures]]]


def policy_mix(session: Session) -> tuple[list[MixEntry], str]:
    """The retention mix of the policy in force, and where it came from (the forecast's default)."""
    policy = policy_service.active_retention(session)
    return mix_from_policy(policy), policy.source


def run(
    inp: ForecastInput, mix: Sequence[MixEntry], *, mix_source: str = "", compare_scenarios: bool = False
) -> ForecastResult:
    """One forecast, or the `--compare` scenarios, with the given retention mix (see ``policy_mix``)."""
    inp.validate()
    if compare_scenarios:
        results = compare(inp, mix)
    else:
        results = [(Scenario("Forecast", inp.officers, "as given"), forecast(inp, mix))]
    return ForecastResult(inp, list(mix), mix_source or "given", results)
