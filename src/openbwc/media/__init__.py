"""Media: browser proxies, thumbnails, redaction, transcripts and derived items."""


def register(registry):  # type: ignore[no-untyped-def]
    """Proxies, redactions and transcripts: API, ``bwc redact|transcribe|search|derivatives``, jobs."""
    from openbwc.media import cli, endpoints, models, subscribers, tasks
    from openbwc.media.permissions import ROLE_GRANTS, MediaPermissions

    registry.add_models(models)
    registry.add_permissions(MediaPermissions)
    for role, perms in ROLE_GRANTS.items():
        registry.grant(role, perms)
    registry.add_api(endpoints.router)
    for name in ("redact", "transcribe", "search", "derivatives"):
        registry.add_cli(name, getattr(cli, name))
    registry.add_tasks(tasks)
    subscribers.register(registry)
