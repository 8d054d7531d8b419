"""The backtest page: upload labelled history, pick the candidate, read the report; bad
files and choices are explained on the page."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from paytrust.platform.db import Database, utcnow
from paytrust.platform.identity.deps import SESSION_COOKIE
from paytrust.platform.identity.permissions import Role
from paytrust.risk import service as risk_service
from paytrust.risk.training import TrainedModel
from paytrust.risk.views import backtest as backtest_view
from paytrust.simulator import SimulationConfig, write_file
from paytrust.simulator.config import DEFAULT_RATES
from tests.console._pages import HTML, csrf_from
from tests.platform.identity.factories import make_user, session_token_for, sign_in

BACKTEST = "/console/risk/backtest"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A small simulated world with fraud thirty times as common as by default."""
    path = tmp_path_factory.mktemp("backtest") / "history.parquet"
    rates = {name: rate * 30 for name, rate in DEFAULT_RATES.items()}
    rows = write_file(SimulationConfig(customers=60, days=3, seed=5, typology_rates=rates), path)
    return path, rows


@pytest.fixture
def analyst(client: TestClient, session: Session) -> TestClient:
    sign_in(client, session, [Role.RISK_ANALYST])
    return client


def _upload(client: TestClient, name: str, content: bytes, **fields: str) -> Response:
    token = csrf_from(client, BACKTEST)
    return client.post(BACKTEST, headers=HTML, data={"csrf_token": token, **fields},
                       files={"history": (name, content, "application/octet-stream")})


def _cell(page: str, metric: str) -> tuple[str, str]:
    found = re.search(rf'data-metric="{metric}">.*?<td class="num">([^<]*)</td>'
                      r'<td class="num">([^<]*)</td>', page, re.S)
    assert found is not None, metric
    return found.group(1), found.group(2)


def test_the_form_offers_the_saved_rule_sets_and_registered_models(
    analyst: TestClient, database: Database, trained_model: TrainedModel,
) -> None:
    with database.session_scope() as session:
        risk_service.save_model_version(session, actor="user:ana", model=trained_model.model,
                                        metrics=trained_model.metrics, now=utcnow())
        risk_service.save_ruleset_version(session, actor="user:ana", name="default",
                                          yaml_text=risk_service.default_pack_yaml(),
                                          comment=None, now=utcnow())
    page = analyst.get(BACKTEST, headers=HTML).text
    assert '<option value="default@1"' in page
    assert '<option value="test-model-1"' in page
    assert 'enctype="multipart/form-data"' in page


def test_uploading_history_shows_both_contenders_side_by_side(
    analyst: TestClient, history: tuple[Path, int],
) -> None:
    path, rows = history
    page = _upload(analyst, path.name, path.read_bytes(), ruleset="default", model="none")
    assert page.status_code == 200, page.text
    assert "data-backtest-report" in page.text
    assert _cell(page.text, "transactions") == (f"{rows:,}", f"{rows:,}")
    candidate_fraud, champion_fraud = _cell(page.text, "fraud")
    assert candidate_fraud == champion_fraud != "0"
    assert re.search(r'data-typology="\w+"', page.text)
    # Same rules on both sides (no rule set is active, so the champion runs the pack too).
    assert "No alert differs between the candidate and the champion." in page.text


def test_a_candidate_model_changes_alerts_and_names_the_rules_behind_them(
    analyst: TestClient, database: Database, history: tuple[Path, int],
    trained_model: TrainedModel,
) -> None:
    with database.session_scope() as session:
        risk_service.save_model_version(session, actor="user:ana", model=trained_model.model,
                                        metrics=trained_model.metrics, now=utcnow())
    path, _ = history
    page = _upload(analyst, path.name, path.read_bytes(), ruleset="active",
                   model="test-model-1").text
    assert "<code>default-pack + test-model-1</code>" in page
    changes = re.findall(r'data-rule-change="([^"]+)"><td><code>[^<]+</code></td>'
                         r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', page)
    assert changes, "a model over the rules changes some alerts"
    assert all(int(gained) + int(lost) > 0 for _, gained, lost in changes)


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("history.csv", b"this,is\nnot,history\n", "risk.backtest.bad_file"),
    ("history.jsonl", b'{"transaction_id": "t1"}\n', "risk.backtest.bad_file"),
    ("history.parquet", b"PAR1 but not really", "risk.backtest.bad_file"),
    ("history.xlsx", b"whatever", "risk.backtest.bad_suffix"),
])
def test_a_malformed_file_is_explained_on_the_page(
    analyst: TestClient, name: str, content: bytes, expected: str,
) -> None:
    page = _upload(analyst, name, content)
    assert page.status_code == 422
    assert f'data-refusal="{expected}"' in page.text
    assert "data-backtest-report" not in page.text


def test_a_bad_row_is_named(analyst: TestClient, history: tuple[Path, int]) -> None:
    line = (b'{"transaction_id": "t1", "occurred_at": "2026-01-01T00:00:00+00:00", '
            b'"type": "payment", "amount_minor": "lots", "currency": "CNY", '
            b'"customer_id": "c", "account_id": "a", "channel": "qr", "auth_method": "pin", '
            b'"is_fraud": false}\n')
    page = _upload(analyst, "history.jsonl", line)
    assert "row 1: amount_minor must be int" in page.text


def test_files_over_the_caps_are_refused(
    analyst: TestClient, history: tuple[Path, int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, _ = history
    monkeypatch.setattr(backtest_view, "MAX_ROWS", 10)
    page = _upload(analyst, path.name, path.read_bytes())
    assert page.status_code == 413
    assert "more than 10 transactions" in page.text
    monkeypatch.setattr(backtest_view, "MAX_UPLOAD_BYTES", 1000)
    page = _upload(analyst, path.name, path.read_bytes())
    assert page.status_code == 413
    assert 'data-refusal="risk.backtest.too_large"' in page.text


def test_an_unknown_candidate_is_explained(
    analyst: TestClient, history: tuple[Path, int],
) -> None:
    path, _ = history
    for fields, message in (({"model": "no-such-model"}, "no model version"),
                            ({"ruleset": "strict@9"}, "has no version 9"),
                            ({"ruleset": "nonsense"}, "NAME@VERSION")):
        page = _upload(analyst, path.name, path.read_bytes(), **fields)
        assert page.status_code == 422
        assert 'data-refusal="risk.backtest.bad_choice"' in page.text
        assert message in page.text


def test_a_role_without_backtest_permission_is_refused(
    client: TestClient, session: Session, history: tuple[Path, int],
) -> None:
    sign_in(client, session, [Role.AUDITOR])
    assert client.get(BACKTEST, headers=HTML).status_code == 403
    client.get("/console/risk/models", headers=HTML)  # a page the auditor may open: a token
    token = csrf_from(client, "/console/risk/models")
    path, _ = history
    refused = client.post(BACKTEST, headers=HTML, data={"csrf_token": token},
                          files={"history": (path.name, path.read_bytes())})
    assert refused.status_code == 403


@pytest.mark.anyio
async def test_the_server_keeps_answering_while_a_backtest_replays(
    app: FastAPI, session: Session, history: tuple[Path, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The replay is held in the middle until another page has been served: were it run on
    the event loop, that page could only be served after the replay ended."""
    started, release, replayed = threading.Event(), threading.Event(), threading.Event()
    replay = risk_service.compare_contenders

    def held_replay(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(timeout=10)
        try:
            return replay(*args, **kwargs)
        finally:
            replayed.set()

    monkeypatch.setattr(risk_service, "compare_contenders", held_replay)
    user, _ = make_user(session, roles=[Role.RISK_ANALYST])
    cookies = {SESSION_COOKIE: session_token_for(session, user)}
    session.commit()
    path, _ = history
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), cookies=cookies,
                                 base_url="http://console.test", headers=HTML) as client:
        form = await client.get(BACKTEST)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None

        async def run() -> None:
            answer = await client.post(BACKTEST, data={"csrf_token": token.group(1)},
                                       files={"history": (path.name, path.read_bytes())})
            assert "data-backtest-report" in answer.text

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run)
            await anyio.to_thread.run_sync(started.wait, 10)
            other = await client.get("/console/risk/models")
            served_during_replay = not replayed.is_set()
            release.set()
    assert other.status_code == 200
    assert served_during_replay


def test_a_backtest_beyond_the_concurrent_limit_is_refused_not_queued(
    analyst: TestClient, history: tuple[Path, int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(backtest_view, "_replay_slots", threading.BoundedSemaphore(1))
    backtest_view._replay_slots.acquire()  # another backtest holds the only slot
    path, _ = history
    page = _upload(analyst, path.name, path.read_bytes())
    assert page.status_code == 503
    assert 'data-refusal="risk.backtest.busy"' in page.text
    backtest_view._replay_slots.release()
    assert _upload(analyst, path.name, path.read_bytes()).status_code == 200
