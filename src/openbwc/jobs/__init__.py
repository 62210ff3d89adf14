"""Background jobs: database rows run by Dramatiq actors (see runtime.py).

Domains declare work with :func:`task` in their ``tasks.py`` and add it with
:func:`enqueue` inside their transaction; it is sent to workers only after
that transaction commits.
"""

from openbwc.jobs.registry import periodic, task
from openbwc.jobs.service import enqueue

__all__ = ["enqueue", "periodic", "task"]
