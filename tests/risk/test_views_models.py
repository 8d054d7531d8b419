"""The model registry pages: the table, one version in full, promote and challenger forms."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from paytrust.platform.db import Database, utcnow
from paytrust.platform.identity.permissions import Role
from paytrust.risk import service as risk_service
from paytrust.risk.engine.lightgbm_model import LightGBMScoringModel
from paytrust.risk.training import TrainedModel
from tests.console._pages import HTML, csrf_from
from tests.platform.identity.factories import sign_in

MODELS = "/console/risk/models"


@pytest.fixture
def registered(database: Database, trained_model: TrainedModel) -> None:
    copy = LightGBMScoringModel.from_text(trained_model.model.to_text(), "test-model-2")
    with database.session_scope() as session:
        risk_service.save_model_version(session, actor="user:ana", model=trained_model.model,
                                        metrics=trained_model.metrics, now=utcnow(),
                                        comment="first try")
        risk_service.save_model_version(session, actor="user:bo", model=copy, metrics={},
                                        now=utcnow())


@pytest.fixture
def analyst(client: TestClient, session: Session) -> TestClient:
    sign_in(client, session, [Role.RISK_ANALYST])
    return client


def _post(client: TestClient, path: str, **fields: str) -> object:
    token = csrf_from(client, MODELS)
    return client.post(path, data={"csrf_token": token, **fields}, headers=HTML,
                       follow_redirects=False)


def _statuses(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-model="([^"]+)">.*?data-status="(\w+)"', page, re.S))


def test_the_registry_lists_versions_with_their_metrics_and_the_training_command(
    analyst: TestClient, registered: None, trained_model: TrainedModel,
) -> None:
    page = analyst.get(MODELS, headers=HTML).text
    assert _statuses(page) == {"test-model-1": "candidate", "test-model-2": "candidate"}
    assert f"{trained_model.metrics['auc']:.4f}" in page
    assert f"{trained_model.metrics['recall_at_0.5%_alerts']:.3f}" in page
    assert 'href="/console/risk/models/test-model-1"' in page
    assert "paytrust model train --data" in page
    assert "Promote to champion" in page


def test_one_version_shows_every_metric_its_periods_and_parameters(
    analyst: TestClient, registered: None, trained_model: TrainedModel,
) -> None:
    page = analyst.get(MODELS + "/test-model-1", headers=HTML)
    assert page.status_code == 200
    for decision in ("challenge", "review", "block"):
        assert f'data-threshold="{decision}"' in page.text
    training = trained_model.metrics["training"]
    assert f"{training['train_rows']:,} transactions" in page.text
    assert "<code>objective</code>" in page.text
    assert "first try" in page.text
    assert "Recall at 0.5% alerts" in page.text
    bare = analyst.get(MODELS + "/test-model-2", headers=HTML).text
    assert "No description of the training was recorded." in bare
    assert analyst.get(MODELS + "/nope", headers=HTML).status_code == 404


def test_promote_make_challenger_and_stop_it_through_the_forms(
    analyst: TestClient, registered: None,
) -> None:
    promoted = _post(analyst, MODELS + "/test-model-1/promote")
    assert promoted.status_code == 303  # type: ignore[attr-defined]
    page = analyst.get(MODELS + "?notice=promoted", headers=HTML).text
    assert "The model is now the champion" in page
    assert _statuses(page)["test-model-1"] == "champion"
    shadowed = _post(analyst, MODELS + "/challenger", version="test-model-2")
    assert shadowed.status_code == 303  # type: ignore[attr-defined]
    page = analyst.get(MODELS, headers=HTML).text
    assert _statuses(page) == {"test-model-1": "champion", "test-model-2": "challenger"}
    assert 'data-serving="challenger"><code>test-model-2</code>' in page
    cleared = _post(analyst, MODELS + "/challenger", version="")
    assert cleared.headers["location"].endswith("notice=challenger_cleared")  # type: ignore[attr-defined]
    assert _statuses(analyst.get(MODELS, headers=HTML).text)["test-model-2"] == "candidate"


def test_the_champion_cannot_be_made_its_own_challenger(
    analyst: TestClient, registered: None,
) -> None:
    _post(analyst, MODELS + "/test-model-1/promote")
    refused = _post(analyst, MODELS + "/challenger", version="test-model-1")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "The change was refused" in refused.text  # type: ignore[attr-defined]


def test_an_auditor_reads_the_registry_but_cannot_change_it(
    client: TestClient, session: Session, registered: None,
) -> None:
    sign_in(client, session, [Role.AUDITOR])
    page = client.get(MODELS, headers=HTML)
    assert page.status_code == 200
    assert "Promote to champion" not in page.text
    assert client.get(MODELS + "/test-model-1", headers=HTML).status_code == 200
    refused = client.post(MODELS + "/test-model-1/promote", headers=HTML, follow_redirects=False,
                          data={"csrf_token": csrf_from(client, MODELS)})
    assert refused.status_code == 403


def test_a_support_agent_cannot_open_a_model_version(
    client: TestClient, session: Session, registered: None,
) -> None:
    sign_in(client, session, [Role.SUPPORT_AGENT])
    assert client.get(MODELS + "/test-model-1", headers=HTML).status_code == 403


def test_the_registry_in_chinese(analyst: TestClient, registered: None) -> None:
    token = csrf_from(analyst, MODELS)
    analyst.post("/console/language", data={"csrf_token": token, "locale": "zh_Hant"},
                 headers=HTML)
    page = analyst.get(MODELS, headers=HTML).text
    assert "提升為冠軍" in page
    assert "候選" in page
