"""`make fuzz` in small: schemathesis against the app in-process, a few examples per operation.

Each operation is called as a role that holds its permission (the operations a role may
not call answer 403, which the permission walk proves), with valid and with invalid
requests. The checks are those of `make fuzz`: no 5xx, and every answer's status, content
type, headers and body as the OpenAPI document declares. `make fuzz` runs the full
version against a real server, for every role, on the demo agency.

(schemathesis's own pytest plugin does not run on pytest 9 yet, so the operations are
walked here with Hypothesis directly.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.helpers import Callers

# The operations that can revoke the caller's own token; `make fuzz` runs them last, alone.
SELF_REVOKING = {
    ("POST", "/api/v1/accounts/{account_id}/disable"),
    ("DELETE", "/api/v1/accounts/{account_id}/roles/{role}"),
    ("DELETE", "/api/v1/tokens/{token_id}"),
}
EXAMPLES = 2


def _can_be_invalid(raw: dict) -> bool:
    """Whether a request to the operation can break its schema (free-text path ids cannot)."""
    if "requestBody" in raw:
        return True
    return any(p["in"] != "path" or p["schema"].get("type") != "string" for p in raw.get("parameters", []))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_every_operation_answers_as_documented(app, db, mode):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the answers' shapes do not depend on the database; make fuzz and every other test cover both")
    callers = Callers(db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    walked, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SELF_REVOKING:
            continue
        if mode == GenerationMode.NEGATIVE and not _can_be_invalid(operation.definition.raw):
            continue
        permission = operation.definition.raw.get("x-permission")
        headers = callers.for_permission(None if permission == "public" else permission)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def answers_as_documented(case) -> None:
            # Every check `make fuzz` runs; not "valid data is accepted": a valid-looking
            # request is still refused by the rules (an unknown role, a reserved email domain).
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])  # noqa: B023

        walked += 1
        try:
            answers_as_documented()
        except Unsatisfiable:
            continue  # nothing to send wrong: no parameter or body, or only free text
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert walked > (100 if mode == GenerationMode.POSITIVE else 50)
    assert not failures, "\n\n".join(failures)
