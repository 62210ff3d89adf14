"""Evidence: footage taken in (tus uploads, signed manifests, the CLI), stored, checked and classified."""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Recordings, uploads, quarantine, categories, tags and cases: API, CLI, jobs, permissions."""
    from openbwc.evidence import (
        cli,
        endpoints,
        keys_cli,
        models,
        pages,
        scope,
        tasks,
    )
    from openbwc.evidence.classification import cli as classification_cli
    from openbwc.evidence.classification import endpoints as classification_endpoints
    from openbwc.evidence.permissions import ROLE_GRANTS, EvidencePermissions

    registry.add_models(models)
    registry.add_permissions(EvidencePermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_api(classification_endpoints.router)
    registry.add_api(endpoints.tus_router)
    registry.add_cli("ingest", cli.ingest_command)
    registry.add_cli("verify", cli.verify_command)
    registry.add_cli("evidence", cli.evidence_app)
    registry.add_cli("case", classification_cli.case_app)
    registry.add_cli("quarantine", cli.quarantine_app)
    registry.add_cli("keys", keys_cli.keys_app)
    registry.add_tasks(tasks)
    # The layers below evidence (jobs, custody reports) hide what this row scope hides.
    registry.set_row_scope(scope.resolve)
    registry.add_nav("Evidence", "/evidence", EvidencePermissions.RECORDINGS_READ, order=50)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
