"""Media: browser proxies, thumbnails, redaction, transcripts and derived items."""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Proxies, redactions and transcripts: API, ``bwc redact|transcribe|search|derivatives|derived``, jobs."""
    from openbwc.media import cli, endpoints, models, pages, subscribers, tasks
    from openbwc.media.permissions import ROLE_GRANTS, MediaPermissions

    registry.add_models(models)
    registry.add_permissions(MediaPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    for name in ("redact", "transcribe", "search", "derivatives"):
        registry.add_cli(name, getattr(cli, name))
    registry.add_cli("derived", cli.derived_app)
    registry.add_cli("review", cli.review_app)
    registry.add_tasks(tasks)
    subscribers.register(registry)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
    registry.add_panel("recording", pages.recording_panel)
