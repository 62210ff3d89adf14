"""`bwc keys status|rotate|encrypt-existing [--json]`: the master keys of encryption at rest.

``rotate`` makes a new master key current and re-wraps every data key under it
(objects in the store and tus staging files); the footage itself is not
re-encrypted. With a key file (the default) the old master key is then retired;
with ``BWC_MASTER_KEY``, put the new key first in the list, run ``rotate``, then
drop the old one. Each run is one custody-ledger entry. ``encrypt-existing``
seals objects stored before encryption was on. See docs/storage.md.

``evidence/__init__.py`` registers the group as ``bwc keys``.
"""

from __future__ import annotations

from typing import Any

import typer

from openbwc import custody
from openbwc.custody.actor import cli_actor
from openbwc.evidence.uploads.sessions import staging_dir
from openbwc.kit.errors import ValidationFailed
from openbwc.settings import get_settings
from openbwc.shell import JSON_OPTION, handle_errors, print_json, say, session_scope
from openbwc.storage import key_provider, open_store, staging
from openbwc.storage.keys import FileKeyring

keys_app = typer.Typer(help="Encryption at rest: master keys, rotation, sealing old objects.", no_args_is_help=True)


def _sealed_store() -> Any:
    settings = get_settings()
    if not settings.encrypt_at_rest:
        raise ValidationFailed(
            "encryption at rest is off (BWC_ENCRYPT_AT_REST=false): there are no data keys to manage",
            code="ENCRYPTION_OFF",
        )
    return settings, open_store(settings)


@keys_app.command("status")
@handle_errors
def status_command(json_out: bool = JSON_OPTION) -> None:
    """Which master keys there are, which one is current, and how many data keys each wraps."""
    settings, store = _sealed_store()
    provider = key_provider(settings)
    counts: dict[str, int] = {}
    from openbwc.storage.crypto import decode_record

    for name in store.raw.iter_records():
        record = store.raw.get_record(name)
        if record is not None:
            master = decode_record(record)[1].master_id
            counts[master] = counts.get(master, 0) + 1
    out = {
        "source": "BWC_MASTER_KEY" if settings.master_key else str(settings.resolved_master_key_file),
        "current": provider.current_id,
        "master_keys": provider.ids(),
        "data_keys_by_master": counts,
    }
    if json_out:
        print_json(out)
        return
    say(f"master keys from {out['source']}; current {out['current']}")
    for kid in out["master_keys"]:
        say(f"  {kid}: wraps {counts.get(kid, 0)} data keys")


@keys_app.command("rotate")
@handle_errors
def rotate_command(json_out: bool = JSON_OPTION) -> None:
    """A new current master key; every data key re-wrapped under it; the old key retired."""
    settings, store = _sealed_store()
    provider = key_provider(settings)
    old = list(provider.ids())
    # A new key is saved before anything is wrapped under it: a crash part-way leaves both, a rerun finishes.
    new = provider.add_current() if isinstance(provider, FileKeyring) else provider.current_id
    rewrapped, current = store.rewrap_all()
    staged = staging.rewrap_dir(staging_dir(settings), provider)
    retired: list[str] = []
    if isinstance(provider, FileKeyring):
        retired = [k for k in old if k != new]
        provider.retire(retired)
    out = {
        "current": new,
        "rewrapped": rewrapped,
        "already_current": current,
        "staging_rewrapped": staged,
        "retired": retired,
        "note": "" if retired else "remove the old keys from BWC_MASTER_KEY now that nothing is wrapped under them",
    }
    with session_scope() as db:
        custody.record(
            db,
            actor=cli_actor(),
            action="storage:keys:rotate",
            object_type="store",
            object_id=store.url,
            details={k: v for k, v in out.items() if k != "note"},
        )
    if json_out:
        print_json(out)
        return
    say(f"current master key {new}: {rewrapped} data keys re-wrapped ({current} already were), {staged} staging keys")
    if retired:
        say(f"retired {', '.join(retired)}")
    elif out["note"]:
        say(out["note"])


@keys_app.command("encrypt-existing")
@handle_errors
def encrypt_existing_command(json_out: bool = JSON_OPTION) -> None:
    """Seal objects stored before encryption was turned on (each rehashed against its name first)."""
    settings, store = _sealed_store()
    count = store.encrypt_existing()
    with session_scope() as db:
        custody.record(
            db,
            actor=cli_actor(),
            action="storage:objects:encrypt",
            object_type="store",
            object_id=store.url,
            details={"sealed": count},
        )
    if json_out:
        print_json({"sealed": count})
        return
    say(f"{count} objects sealed")
