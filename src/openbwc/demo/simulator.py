"""`bwc sim dock`: docks full of simulated demo cameras uploading to a server.

In the top layer because it signs with the demo cameras' keys
(``openbwc.demo.fleet.camera_private_key``); the footage, manifests and tus
client are in :mod:`openbwc.evidence.sim`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from sqlalchemy import select

from openbwc.custody.actor import cli_actor
from openbwc.demo.fleet import camera_private_key
from openbwc.devices import service as devices
from openbwc.devices.models import Camera, CameraStatus
from openbwc.evidence import sim
from openbwc.identity import duties, tokens
from openbwc.identity import repository as identity_repo
from openbwc.identity import service as identity
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, session_scope

app = typer.Typer(help="Simulators for demos and load tests.", no_args_is_help=True)
SIM_DOCK_EMAIL = "sim-dock@demo.openbwc.org"


def demo_cameras(count: int) -> list[sim.SimCamera]:
    """Issued demo cameras whose registered key is the demo derivation (so we can sign for them)."""
    out: list[sim.SimCamera] = []
    now = utcnow()
    with session_scope() as db:
        for camera in db.scalars(select(Camera).where(Camera.status == CameraStatus.ISSUED).order_by(Camera.serial)):
            key = camera_private_key(camera.serial)
            if devices.camera_key_id(key.public_key()) != camera.key_id:
                continue
            holder = devices.holder_at(db, camera.serial, now)
            out.append(sim.SimCamera(camera.serial, key, holder.badge if holder else None))
            if len(out) == count:
                break
    if not out:
        raise ValidationFailed("no issued demo camera found: run `bwc demo --seed-only` first", code="NO_DEMO_CAMERAS")
    return out


def sim_dock_token() -> str:
    """A fresh API token for the simulator's own dock account (created the first time)."""
    with session_scope() as db:
        account = identity_repo.account_by_email(db, SIM_DOCK_EMAIL)
        if account is None:
            account = identity.create_account(
                db,
                cli_actor(),
                email=SIM_DOCK_EMAIL,
                display_name="Simulated dock",
                roles=["dock"],
                kind="machine",
                authority=duties.SHELL,
            )
        plain, _ = tokens.create_token(db, cli_actor(), account, name="bwc sim dock", authority=duties.SHELL)
    return plain


@app.command("dock")
@handle_errors
def dock(
    cameras: int = typer.Option(2, "--cameras", min=1, max=1600, help="How many cameras dock."),
    minutes: float = typer.Option(1.0, "--minutes", min=0.02, max=600, help="Footage per camera."),
    server: str = typer.Option("http://127.0.0.1:8000", "--server", help="The openbwc server."),
    token: str = typer.Option(None, "--token", envvar="BWC_DOCK_TOKEN", help="A dock's API token."),
    segment_seconds: float = typer.Option(60.0, "--segment-seconds", min=1, max=3600),
    width: int = typer.Option(1280, "--width", min=64, max=3840),
    height: int = typer.Option(720, "--height", min=64, max=2160),
    json_out: bool = JSON_OPTION,
) -> None:
    """Record synthetic 720p H.264 footage on demo cameras, sign the manifests, upload through tus."""
    cams = demo_cameras(cameras)
    client = sim.TusClient(server, token or sim_dock_token())
    results = []
    with tempfile.TemporaryDirectory(prefix="bwc-sim-") as tmp:
        for result in sim.simulate_dock(
            client,
            cams,
            Path(tmp),
            minutes=minutes,
            end=utcnow(),
            segment_seconds=segment_seconds,
            width=width,
            height=height,
        ):
            results.append(result)
            if not json_out:
                typer.echo(f"{result['camera']}: evidence {result['recording_id']} ({result['status']})", err=True)
    if json_out:
        print_json(results)
    else:
        print_table(
            f"{len(results)} recording(s) uploaded",
            ["camera", "evidence id", "status", "segments", "flags"],
            [(r["camera"], r["recording_id"], r["status"], len(r["files"]), ", ".join(r["flags"])) for r in results],
        )
