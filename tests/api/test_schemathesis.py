"""Schemathesis against our own OpenAPI (/api/1/schema/), every operation, an approved API key:
no 500, and no answer that breaks its own schema. Bounded examples per operation."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from sportello.app import create_app
from sportello.settings import Settings
from support import databases
from support.seeding import seed_integration

_folder = Path(tempfile.mkdtemp(prefix="sportello-schemathesis-"))
atexit.register(shutil.rmtree, _folder, ignore_errors=True)
_settings = Settings(
    data_dir=_folder / "data",
    database_url=databases.copy_sqlite(databases.make_sqlite_template(_folder), _folder),
    run_workers=False,
    api_rate_per_minute=0,
)
_integration = seed_integration(_settings)
app = create_app(_settings)
schema = schemathesis.openapi.from_asgi("/api/1/schema/", app)


@schema.parametrize()
@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_own_contract(case: schemathesis.Case) -> None:
    # What the contract promises: never a 500, every answer as its schema says, every status
    # documented. (A schema-valid request may still be refused for its meaning: an id that
    # does not exist is 404, a string that is no phone number is 400.)
    case.call_and_validate(
        headers={"X-Spoki-Api-Key": _integration.api_key},
        checks=[
            checks.not_a_server_error,
            checks.response_schema_conformance,
            checks.status_code_conformance,
            checks.content_type_conformance,
        ],
        excluded_checks=[checks.positive_data_acceptance, checks.unsupported_method, checks.allow_header_conformance],
    )
