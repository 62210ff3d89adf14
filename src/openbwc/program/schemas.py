"""Program API shapes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openbwc.program.forecast import YearFigures
from openbwc.program.service import PhaseProgress


class OfficeTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    office: str
    planned_cameras: int = Field(ge=0, le=1_000_000)
    officers_needed: int | None = Field(default=None, ge=0, le=1_000_000, description="Default: planned cameras")


class PhasePlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    divisions: list[str] = Field(min_length=1, max_length=20)
    description: str = Field(default="", max_length=2000)
    offices: list[OfficeTarget] = Field(min_length=1, max_length=500)


class OfficeProgressOut(BaseModel):
    office: str
    office_name: str
    planned_cameras: int
    issued_cameras: int
    officers_needed: int
    trained_officers: int
    active_officers: int
    silent_cameras: int


class PhaseOut(BaseModel):
    number: int
    name: str
    divisions: list[str]
    description: str
    offices: list[OfficeProgressOut]
    planned_cameras: int
    issued_cameras: int
    officers_needed: int
    trained_officers: int


class MixOut(BaseModel):
    id: str
    name: str
    share: float
    days: int | None


class YearOut(BaseModel):
    year: int
    footage_hours: float
    ingested_tb: float
    stored_tb: float
    monthly_cost: float
    year_cost: float
    redaction_footage_hours: float
    manual_redaction_hours_low: float
    manual_redaction_hours_high: float
    automatic_redaction_hours: float


class ScenarioOut(BaseModel):
    name: str
    officers: int
    note: str
    years: list[YearOut]


class ForecastOut(BaseModel):
    hours_per_officer_month: float
    bitrate_mbps: float
    gb_per_footage_hour: float
    price_per_tb_month: float
    redaction_share: float
    automatic_redaction_x_realtime: float
    retention_source: str
    retention_mix: list[MixOut]
    scenarios: list[ScenarioOut]


def phase_out(p: PhaseProgress) -> PhaseOut:
    return PhaseOut(
        number=p.phase.number,
        name=p.phase.name,
        divisions=p.phase.division_codes,
        description=p.phase.description,
        offices=[
            OfficeProgressOut(
                office=o.office_code,
                office_name=o.office_name,
                planned_cameras=o.planned_cameras,
                issued_cameras=o.issued_cameras,
                officers_needed=o.officers_needed,
                trained_officers=o.trained_officers,
                active_officers=o.active_officers,
                silent_cameras=o.silent_cameras,
            )
            for o in p.offices
        ],
        planned_cameras=p.total("planned_cameras"),
        issued_cameras=p.total("issued_cameras"),
        officers_needed=p.total("officers_needed"),
        trained_officers=p.total("trained_officers"),
    )


def year_out(y: YearFigures) -> YearOut:
    return YearOut(
        year=y.year,
        footage_hours=y.footage_hours,
        ingested_tb=y.ingested_tb,
        stored_tb=y.stored_tb,
        monthly_cost=y.monthly_cost,
        year_cost=y.year_cost,
        redaction_footage_hours=y.redaction_hours,
        manual_redaction_hours_low=y.manual_hours_low,
        manual_redaction_hours_high=y.manual_hours_high,
        automatic_redaction_hours=y.automatic_hours,
    )
