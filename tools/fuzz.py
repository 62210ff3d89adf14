"""`make fuzz`: schemathesis against a running openbwc, once per role, each with its own API token.

What it does, on a throwaway data directory (deleted at the end unless --keep):

1. seeds the demo agency (`bwc demo --seed-only`: offices, people, cameras, recordings),
   so the generated requests meet real rows, not only empty tables;
2. creates one machine account per built-in role and an API token for each;
3. starts `bwc serve` on a free loopback port (jobs queue but do not run);
4. runs `schemathesis run <server>/openapi.json` with each role's token on the operations
   that role may call (each operation names its permission in ``x-permission``; that every
   other operation answers 403 is the permission walk's test): the fuzzing phase (random
   valid and invalid requests, a bounded number per operation, a fixed seed) as every role
   that may call the operation, and the coverage phase (every boundary and wrong type of
   every input, the same whoever asks) once per operation, as the first role that may call
   it; each checks that no answer is a 5xx and that every answer (status, content type,
   headers, body) is what the OpenAPI document declares;
5. last, with a fresh administrator token, the operations that take the caller's own
   access away (disabling an account, revoking a role or a token), so that no earlier
   run loses its token half-way.

Exit status 0 when every run passed, 1 otherwise (each failure is printed with a
curl line that reproduces it). The run time is bounded by ``--examples`` (default 8):
a few minutes on two cores. One schemathesis worker: with two, Hypothesis on Python 3.11
sometimes trips over CPython's ast recursion check and reports a runtime error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
# Administrator last: it can disable the other roles' accounts, not they its.
ROLES = [
    "officer",
    "supervisor",
    "evidence_custodian",
    "program_manager",
    "records_officer",
    "oversight",
    "dock",
    "admin",
]
# Each takes the caller's own access away when the fuzzer aims it at the caller; they run last, alone.
SELF_REVOKING = [
    "POST /api/v1/accounts/{account_id}/disable",
    "DELETE /api/v1/accounts/{account_id}/roles/{role}",
    "DELETE /api/v1/tokens/{token_id}",
]
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "unsupported_method",
        "missing_required_header",
    ]
)


def bwc(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "bwc"), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bwc {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 (loopback, our own server)
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url} within {seconds:.0f} s")


# Oversight tokens carry permissions only oversight may grant (PRO-1): neither `bwc users create`
# nor an administrator can make one. The fuzz is the platform's own test setup, as the demo's
# seeding is, so it makes that token as the platform (identity.duties.PLATFORM).
_PLATFORM_TOKEN = """
import json, sys
from openbwc.custody.actor import cli_actor
from openbwc.identity import duties, service, tokens
from openbwc.shell import session_scope
from openbwc.cli.main import app  # noqa: F401 - installs the registry, as `bwc` does
with session_scope() as db:
    account = service.create_account(db, cli_actor(), email=sys.argv[1], display_name=sys.argv[1],
                                     roles=[sys.argv[2]], kind="machine", authority=duties.PLATFORM)
    plain, _ = tokens.create_token(db, cli_actor(), account, name="fuzz", authority=duties.PLATFORM)
print(json.dumps({"token": plain}))
"""  # noqa: S105 - a script, not a secret


def token_for(env: dict[str, str], role: str, tag: str) -> str:
    email = f"fuzz-{tag}@fuzz.openbwc.org"
    if role == "oversight":
        done = subprocess.run([sys.executable, "-c", _PLATFORM_TOKEN, email, role], env=env, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"could not make the oversight token:\n{done.stdout}\n{done.stderr}")
        return str(json.loads(done.stdout.strip().splitlines()[-1])["token"])
    out = bwc(env, "users", "create", "--email", email, "--role", role, "--machine", "--json")
    return str(json.loads(out)["token"])


def schemathesis(url: str, token: str, args: argparse.Namespace, phases: str, extra: list[str]) -> int:
    cmd = [
        str(BIN / "schemathesis"),
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--phases",
        phases,
        "--max-examples",
        str(args.examples),
        "--seed",
        str(args.seed),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--no-color",
        "--suppress-health-check",
        "all",
        *extra,
    ]
    # In the throwaway directory: schemathesis keeps a cache of what it found where it runs.
    return subprocess.run(cmd, check=False, cwd=args.workdir).returncode


def operations_by_role(url: str, roles: list[str]) -> dict[str, list[str]]:
    """``METHOD /path`` of every operation each role's permissions reach (public ones included)."""
    from openbwc.domains import default_registry

    granted = {name: spec.permissions for name, spec in default_registry().roles.items()}
    with urllib.request.urlopen(f"{url}/openapi.json", timeout=30) as r:  # noqa: S310 (loopback)
        spec = json.load(r)
    ops = [
        (f"{method.upper()} {path}", op.get("x-permission"))
        for path, item in spec["paths"].items()
        for method, op in item.items()
    ]
    return {
        role: [name for name, perm in ops if perm == "public" or perm in granted[role]] for role in roles
    }


def _names(flag: str, names: list[str]) -> list[str]:
    return [arg for name in names for arg in (flag, name)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=8, help="examples per operation and role (default 8)")
    parser.add_argument("--seed", type=int, default=20260101, help="the generator's seed (default fixed)")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated roles (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and print where it is")
    args = parser.parse_args()
    roles = [r for r in ROLES if r in args.roles.split(",")]

    data = Path(tempfile.mkdtemp(prefix="bwc-fuzz-"))
    args.workdir = data
    env = {k: v for k, v in os.environ.items() if not k.startswith("BWC_")}
    env.update(
        BWC_DATA_DIR=str(data),
        BWC_JOBS_IN_PROCESS="false",  # jobs a request queues stay queued: the fuzz is about the API
        BWC_VERIFY_SCHEDULE="false",
        BWC_COOKIE_SECURE="false",
    )
    server = None
    results: dict[str, int] = {}
    try:
        print(f"fuzz: seeding the demo agency in {data}", flush=True)
        bwc(env, "demo", "--seed-only")
        tokens = {role: token_for(env, role, role) for role in roles}
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(data / "server.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            [str(BIN / "bwc"), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        wait_for(f"{url}/healthz")
        reach = operations_by_role(url, roles)
        covered: set[str] = set(SELF_REVOKING)
        skip = _names("--exclude-name", SELF_REVOKING)
        # Administrator first for coverage: it reaches the most operations, so it covers them.
        for role in sorted(roles, key=lambda r: r != "admin"):
            mine = [name for name in reach[role] if name not in covered]
            covered.update(mine)
            if mine:
                print(f"\n===== fuzz: coverage as {role} ({len(mine)} operations) =====", flush=True)
                results[f"{role} (coverage)"] = schemathesis(
                    url, tokens[role], args, "coverage", _names("--include-name", mine) + skip
                )
        for role in roles:
            names = reach[role]
            print(f"\n===== fuzz: {role} ({len(names)} operations) =====", flush=True)
            results[role] = schemathesis(
                url, tokens[role], args, "examples,fuzzing", _names("--include-name", names) + skip
            )
        if "admin" in roles:
            print("\n===== fuzz: admin, the operations that revoke the caller's own access =====", flush=True)
            results["admin (self-revoking)"] = schemathesis(
                url,
                token_for(env, "admin", "admin-last"),
                args,
                "examples,coverage,fuzzing",
                _names("--include-name", SELF_REVOKING),
            )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep:
            print(f"fuzz: data directory kept: {data} (server log: {data / 'server.log'})")
        else:
            shutil.rmtree(data, ignore_errors=True)
    print("\n===== fuzz: summary =====")
    for name, code in results.items():
        print(f"  {name:24} {'passed' if code == 0 else f'FAILED (schemathesis exit {code})'}")
    return 0 if results and all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
