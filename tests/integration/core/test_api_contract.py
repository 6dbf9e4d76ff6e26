"""The OpenAPI document is the contract: schemathesis runs every operation against it.

One app on a fresh SQLite data dir and a real dev chain (anvil), one API key holding every scope
(`flowai.core.auth.SCOPES`, read at run time so new scopes are covered), and every check
schemathesis runs by default (examples, coverage and fuzzing phases) with a fixed seed and a
bounded number of examples. Jobs are queued, never run: the contract is the HTTP surface.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import schemathesis.engine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from flowai_testkit import csrf, make_platform_admin, make_settings
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from flowai.app import create_app
from flowai.core import auth
from flowai.core.context import AppContext
from flowai.core.db import make_engine
from flowai.core.migrate import upgrade
from flowai.shares import devchain

BASE_URL = "http://localhost"
GENEROUS = {"free": {"per_key": "1000000/minute", "per_tenant": "1000000/minute", "concurrent_jobs": 10_000}}
MAX_EXAMPLES = 10
SEED = 20261126

# Operations not run at all, each with its reason (the fewer the better).
EXCLUDED = [
    # an event stream that stays open until the job ends; the jobs here are queued, never run
    ("GET", "/v1/jobs/{job_id}/events"),
]

# Bodies whose validity JSON Schema cannot state: a schema-valid request may still be refused
# with these codes, and the positive-data check accepts them here (and only here).
DEFAULT_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
CONTENT_CHECKED = {
    # bytes of a real media file of an accepted format (sniffed, probed)
    "/v1/files": ["413", "415", "422"],
    "/v1/assets": ["413", "415", "422"],
    "/v1/tenant/logo": ["413", "415", "422"],
    "/v1/tenant/favicon": ["413", "415", "422"],
    "/v1/tenant/font": ["413", "415", "422"],
    # a recording of speech that passes the sample checks, with the speaker's consent
    "/v1/voice/clone": ["400", "413", "415", "422"],
    # a timeline or interchange document whose clips name your assets and fit the timeline;
    # If-Match or ?version= (one of the two) is required
    "/v1/projects/{project_id}/timeline": ["413", "422", "428"],
    "/v1/projects/{project_id}/import.{fmt}": ["400", "413", "422", "428"],
    # what the project's timeline or the asset holds: an empty timeline renders nothing, an EDL
    # carries one video track, Magic Cut needs an asset with sound and a finished Magic Cut job
    "/v1/projects/{project_id}/export.{fmt}": ["422"],
    "/v1/projects/{project_id}/exports": ["422"],
    "/v1/assets/{asset_id}/magic-cut": ["422"],
    "/v1/projects/{project_id}/magic-cut/apply": ["422", "428"],
    # mixed-case addresses must carry a valid EIP-55 checksum
    "/v1/videos/{video_id}/shares": ["422"],
    "/v1/shares/holdings/{address}": ["422"],
    # the URL must resolve (DNS) to a public address
    "/v1/webhooks/endpoints": ["422"],
    "/v1/webhooks/endpoints/{endpoint_id}": ["422"],
    # email addresses at special-use domains (.test, .local, …) are refused by email-validator
    "/v1/platform/tenants": ["422"],
    "/v1/auth/signup": ["422"],
    "/v1/tenant/invites": ["422"],
    # the token of an emailed link (reset, invitation), unknown to a fuzzer
    "/v1/auth/password/reset": ["422"],
    "/v1/auth/invites/lookup": ["422"],
    "/v1/auth/invites/accept": ["422"],
    # text colours must keep WCAG AA contrast on the background and surface colours
    "/v1/tenant": ["422"],
}


def contract_config() -> SchemathesisConfig:
    operations = [
        {
            "include-path": path,
            "checks": {"positive_data_acceptance": {"expected-statuses": DEFAULT_EXPECTED + codes}},
        }
        for path, codes in CONTENT_CHECKED.items()
    ]
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": BASE_URL,
            "workers": 1,
            "cache": {"enabled": False},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "operations": operations,
        }
    )


def test_docs_work_offline(client: TestClient) -> None:
    """/docs names no outside URL, and every asset it names is served from the package."""
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"(?:src|href)=['\"]?(?:https?:)?//", page.text), page.text
    assets = re.findall(r"(?:src|href)=['\"]?(/docs-assets/[^'\" >]+)", page.text)
    types = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    assert {Path(a).suffix for a in assets} == set(types), assets
    for asset in assets:
        r = client.get(asset)
        assert r.status_code == 200 and types[Path(asset).suffix] in r.headers["content-type"], asset
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["Problem"]["required"][:4] == ["type", "title", "status", "detail"]
    me = spec["paths"]["/v1/me"]["get"]["responses"]
    assert me["401"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }


def test_undeclared_methods_answer_405_with_every_allowed_method(client: TestClient) -> None:
    r = client.request("OPTIONS", "/v1/voice")
    assert r.status_code == 405 and r.headers["allow"] == "GET, DELETE", r.headers
    assert r.headers["content-type"] == "application/problem+json"
    r = client.get("/v1/shares/index")  # the web app's catch-all GET does not count
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert client.get("/v1/no-such-thing").status_code == 404


@pytest.fixture(scope="module")
def contract_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    if devchain.anvil_binary() is None:
        pytest.skip("anvil binary missing: run `make deps` (npm ci in src/flowai/shares/contracts)")
    tmp: Path = tmp_path_factory.mktemp("contract")
    url = f"sqlite:///{tmp / 'flowai.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with devchain.running() as dev:
        settings = make_settings(
            tmp,
            url,
            plans=GENEROUS,
            chain_rpc_url=dev.rpc_url,
            chain_deployer_key=dev.accounts[0].private_key,
            chain_index_interval_seconds=0,
        )
        ctx = AppContext.build(settings, run_jobs_in_process=False)
        app = create_app(ctx)
        with TestClient(app, base_url=BASE_URL) as client:
            make_platform_admin(client, ctx)
            r = client.post(
                "/v1/apikeys",
                json={"name": f"contract-{uuid.uuid4().hex[:6]}", "scopes": list(auth.SCOPES)},
                headers=csrf(client),
            )
            assert r.status_code == 201, r.text
            client.cookies.clear()
            yield app, str(r.json()["key"])


@pytest.mark.slow
@pytest.mark.chain
def test_api_contract(contract_app: tuple[FastAPI, str]) -> None:
    app, key = contract_app
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=contract_config(), headers={"Host": "localhost"}
    )
    schema.config.update(headers={"Authorization": f"Bearer {key}"})
    for method, path in EXCLUDED:
        schema = schema.exclude(method=method, path=path)

    cases, failures, errors = 0, {}, []
    started = time.monotonic()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        f = check.failure_info.failure
                        key_ = (event.recorder.label, check.name, f.title)
                        failures.setdefault(key_, f"{f.title}: {f.message}\n{check.failure_info.code_sample}")
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    elapsed = time.monotonic() - started
    report = "\n\n".join(f"{label} [{check}]\n{text}" for (label, check, _), text in sorted(failures.items()))
    print(
        f"schemathesis: {cases} cases, {len(failures)} distinct failures, {len(errors)} errors, {elapsed:.0f} s"
    )
    assert not errors, "\n".join(errors)
    assert not failures, report
