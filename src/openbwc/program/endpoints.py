"""Program API: rollout progress and plans, cost forecasts."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session

from openbwc.identity.service import Principal
from openbwc.program import forecast as fc
from openbwc.program import service
from openbwc.program.permissions import ProgramPermissions
from openbwc.program.schemas import (
    ForecastOut,
    MixOut,
    PhaseOut,
    PhasePlan,
    ScenarioOut,
    phase_out,
    year_out,
)
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1/program", tags=["program"])


@router.get("/rollout", response_model=list[PhaseOut])
def rollout(db: Session = DB, _: Principal = requires(ProgramPermissions.ROLLOUT_READ)) -> list[PhaseOut]:
    """Each phase per office: planned versus issued cameras, officers needed versus trained."""
    return [phase_out(p) for p in service.rollout_progress(db)]


@router.put("/phases/{number}", response_model=PhaseOut)
def plan_phase(
    body: PhasePlan,
    request: Request,
    number: int = Path(ge=1, le=99),
    db: Session = DB,
    caller: Principal = requires(ProgramPermissions.ROLLOUT_WRITE),
) -> PhaseOut:
    service.plan_phase(
        db,
        actor_of(request, caller),
        number=number,
        name=body.name,
        divisions=body.divisions,
        description=body.description,
        targets={t.office: (t.planned_cameras, t.officers_needed) for t in body.offices},
    )
    return next(phase_out(p) for p in service.rollout_progress(db) if p.phase.number == number)


def forecast_out(result: fc.ForecastResult) -> ForecastOut:
    inp = result.inputs
    return ForecastOut(
        hours_per_officer_month=inp.hours_per_officer_month,
        bitrate_mbps=inp.bitrate_mbps,
        gb_per_footage_hour=fc.gb_per_footage_hour(inp.bitrate_mbps),
        price_per_tb_month=inp.price_per_tb_month,
        redaction_share=inp.redaction_share,
        automatic_redaction_x_realtime=fc.AUTOMATIC_REDACTION_X_REALTIME,
        retention_source=result.mix_source,
        retention_mix=[MixOut(id=m.id, name=m.name, share=m.share, days=m.days) for m in result.mix],
        scenarios=[
            ScenarioOut(name=s.name, officers=s.officers, note=s.note, years=[year_out(y) for y in years])
            for s, years in result.scenarios
        ],
    )


@router.get("/forecast", response_model=ForecastOut)
def forecast(
    _: Principal = requires(ProgramPermissions.FORECAST_READ),
    officers: int = Query(fc.SCENARIOS[0].officers, ge=1, le=10_000_000),
    hours_per_officer_month: float = Query(fc.DEFAULT_HOURS_PER_OFFICER_MONTH, gt=0, le=744),
    bitrate_mbps: float = Query(fc.DEFAULT_BITRATE_MBPS, gt=0, le=200),
    price_per_tb_month: float = Query(fc.DEFAULT_PRICE_PER_TB_MONTH, ge=0, le=100_000),
    years: int = Query(fc.DEFAULT_YEARS, ge=1, le=30),
    redaction_share: float = Query(fc.DEFAULT_REDACTION_SHARE, ge=0, le=1),
    compare: bool = Query(False, description="Phase 1, all ERO and HSI, and a border expansion side by side"),
    db: Session = DB,
) -> ForecastOut:
    """Stored terabytes, storage cost and redaction hours per year, with the retention mix of the policy in force."""
    inp = fc.ForecastInput(officers, hours_per_officer_month, bitrate_mbps, price_per_tb_month, years, redaction_share)
    mix, source = fc.policy_mix(db)
    return forecast_out(fc.run(inp, mix, mix_source=source, compare_scenarios=compare))
