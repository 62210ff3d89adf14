"""A form with an error comes back with what was typed and the reason beside the field.

Pages catch the service's typed error and call :func:`form_errors`, which says
which field it is about: the error's ``detail["field"]`` if the service named
one, else the page's map from error code to field, else the form as a whole
(``errors["_form"]``). The template shows each message with the ``_forms.html``
macros, which also mark the field ``aria-invalid`` and point it at its message.
Nothing was changed: the services check before they write.
"""

from __future__ import annotations

from collections.abc import Mapping

from openbwc.kit.errors import DomainError

FORM = "_form"


def form_errors(exc: DomainError, fields: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{field: message}`` for one refusal, in plain words (no validator jargon)."""
    detail = exc.detail if isinstance(exc.detail, Mapping) else {}
    field = detail.get("field") or (fields or {}).get(exc.code) or FORM
    return {str(field): exc.message}


def status_of(exc: DomainError) -> int:
    """The page comes back with the refusal's status (422, 404, 409 ...)."""
    return exc.status
