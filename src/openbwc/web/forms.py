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


# What a person reads for each kind of bad value (pydantic's error types), instead of validator text.
_PLAIN = {
    "missing": "fill this in",
    "int_parsing": "enter a whole number",
    "int_from_float": "enter a whole number",
    "float_parsing": "enter a number",
    "bool_parsing": "choose yes or no",
    "date_parsing": "enter a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "enter a date as YYYY-MM-DD",
    "datetime_parsing": "enter a date and time as YYYY-MM-DDTHH:MM:SSZ",
    "datetime_from_date_parsing": "enter a date and time as YYYY-MM-DDTHH:MM:SSZ",
    "uuid_parsing": "this is not an id the system gave out",
    "uuid_type": "this is not an id the system gave out",
    "string_too_long": "at most {max_length} characters",
    "string_too_short": "at least {min_length} characters",
    "too_long": "at most {max_length} items",
    "greater_than_equal": "at least {ge}",
    "greater_than": "more than {gt}",
    "less_than_equal": "at most {le}",
    "less_than": "less than {lt}",
    "enum": "choose one of: {expected}",
    "literal_error": "choose one of: {expected}",
    "string_pattern_mismatch": "not in the expected form",
}


def plain_problem(error: Mapping[str, object]) -> str:
    """One request validation error as "field: what to do", e.g. "officers: enter a whole number"."""
    loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body", "header", "cookie")]  # type: ignore[union-attr]
    field = loc[-1].replace("_", " ") if loc else "the form"
    template = _PLAIN.get(str(error.get("type", "")))
    if template is None:
        return f"{field}: {error.get('msg', 'not valid')}"
    try:
        text = template.format(**(error.get("ctx") or {}))  # type: ignore[arg-type]
    except (KeyError, IndexError):
        text = template.split(":")[0]
    return f"{field}: {text}"
