"""Background jobs: database rows run by Dramatiq actors (see runtime.py).

Domains declare work with :func:`task` in their ``tasks.py`` and add it with
:func:`enqueue` inside their transaction; it is sent to workers only after
that transaction commits.
"""

from pathlib import Path

from openbwc.jobs.registry import periodic, task
from openbwc.jobs.service import enqueue

__all__ = ["enqueue", "periodic", "task"]


def register(registry):  # type: ignore[no-untyped-def]
    """The job table's API, ``bwc jobs`` and ``bwc worker``, and the permissions to see and retry jobs."""
    from openbwc.jobs import cli, endpoints, models, pages
    from openbwc.jobs.permissions import ROLE_GRANTS, JobsPermissions

    registry.add_models(models)
    registry.add_permissions(JobsPermissions, grants=ROLE_GRANTS)
    registry.add_api(endpoints.router)
    registry.add_cli("jobs", cli.app)
    registry.add_cli("worker", cli.worker_command)
    registry.add_nav("Jobs", "/jobs", JobsPermissions.READ, order=70)
    registry.add_pages(pages.router, templates=Path(__file__).parent / "templates")
