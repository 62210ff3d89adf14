"""Recording-policy compliance (POLICY.md TRG, EXC, PRO-1, ACC-4, MET-4).

Activities x recordings -> findings: the engine (:mod:`.engine`, :mod:`.matching`)
judges every (activity, officer) pair the policy requires recorded; the service
runs it in full or incrementally, places recordings (unlinked queue, categories,
PRO-1 seals); reports and supervisor-review draws read what it wrote.
"""

from pathlib import Path


def register(registry):  # type: ignore[no-untyped-def]
    """Activities, findings, seals and reviews: API, ``bwc activities``, ``bwc compliance``, jobs."""
    from openbwc.compliance import cli, endpoints, models, pages, subscribers, tasks
    from openbwc.compliance.guard import sealed_guard
    from openbwc.compliance.permissions import ROLE_GRANTS, CompliancePermissions

    registry.add_models(models)
    registry.add_permissions(CompliancePermissions, grants=ROLE_GRANTS)
    # PRO-1 at the door: no route hands a sealed recording to anyone but oversight.
    registry.add_app_dependency(sealed_guard)
    registry.add_api(endpoints.router)
    registry.add_cli("activities", cli.activities_app)
    registry.add_cli("compliance", cli.app)
    registry.add_tasks(tasks)
    subscribers.register(registry)
    registry.add_nav("Compliance", "/compliance", CompliancePermissions.FINDINGS_READ, order=60)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
