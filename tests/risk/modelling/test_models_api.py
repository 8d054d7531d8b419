"""The model registry over HTTP: list, inspect, promote, challenger; permissions; problems."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from paytrust.platform.audit import AuditEntry
from paytrust.platform.db import Database, utcnow
from paytrust.risk import service as risk_service
from paytrust.risk.engine.lightgbm_model import LightGBMScoringModel
from paytrust.risk.permissions import MODELS_MANAGE, MODELS_READ, RULES_READ
from paytrust.risk.training import TrainedModel

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def registered(database: Database, trained_model: TrainedModel) -> list[str]:
    """Two versions: the trained one and a copy without metrics (as an old import might be)."""
    copy = LightGBMScoringModel.from_text(trained_model.model.to_text(), "test-model-2")
    with database.session_scope() as session:
        risk_service.save_model_version(session, actor="user:ana", model=trained_model.model,
                                        metrics=trained_model.metrics, now=utcnow(),
                                        comment="first")
        risk_service.save_model_version(session, actor="user:ana", model=copy,
                                        metrics={"auc": math.nan}, now=utcnow())
    return ["test-model-1", "test-model-2"]


def test_the_list_gives_status_and_headline_metrics(
    client: TestClient, auth: Auth, registered: list[str], trained_model: TrainedModel,
) -> None:
    response = client.get("/api/v1/models", headers=auth(MODELS_READ))
    assert response.status_code == 200, response.text
    items = {item["version"]: item for item in response.json()["items"]}
    assert set(items) == set(registered)
    first = items["test-model-1"]
    assert first["status"] == "candidate"
    assert first["auc"] == pytest.approx(trained_model.metrics["auc"])
    assert first["recall_at_half_percent_alerts"] == pytest.approx(
        trained_model.metrics["recall_at_0.5%_alerts"])
    assert first["review_precision"] == pytest.approx(
        trained_model.metrics["at_review"]["precision"])
    assert items["test-model-2"]["auc"] is None  # unmeasured, not NaN (which JSON lacks)


def test_one_version_shows_every_metric_and_its_training(
    client: TestClient, auth: Auth, registered: list[str], trained_model: TrainedModel,
) -> None:
    detail = client.get("/api/v1/models/test-model-1", headers=auth(MODELS_READ)).json()
    training = trained_model.metrics["training"]
    assert detail["training"]["train_rows"] == training["train_rows"]
    assert detail["training"]["params"]["objective"] == training["params"]["objective"]
    assert set(detail["thresholds"]) == {"challenge", "review", "block"}
    assert set(detail["recall_at_alert_rates"]) == {"0.1%", "0.5%", "1.0%"}
    assert detail["metrics"]["auprc"] == pytest.approx(trained_model.metrics["auprc"])
    assert detail["comment"] == "first"


def test_an_unknown_version_is_a_404_problem_naming_the_field(
    client: TestClient, auth: Auth, registered: list[str],
) -> None:
    for method, path in (("GET", "/api/v1/models/nope"),
                         ("POST", "/api/v1/models/nope:promote")):
        response = client.request(method, path, headers=auth(MODELS_READ, MODELS_MANAGE))
        assert response.status_code == 404, response.text
        assert response.json()["type"] == "/problems/not-found"
        assert response.json()["field"] == "version"


def test_promote_then_challenger_then_clear_are_audited(
    client: TestClient, auth: Auth, registered: list[str], database: Database,
) -> None:
    manager = auth(MODELS_READ, MODELS_MANAGE)
    promoted = client.post("/api/v1/models/test-model-1:promote", headers=manager)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["status"] == "champion"
    shadow = client.post("/api/v1/models/challenger", headers=manager,
                         json={"version": "test-model-2"})
    assert shadow.json() == {"champion": "test-model-1", "challenger": "test-model-2"}
    cleared = client.post("/api/v1/models/challenger", headers=manager, json={"version": None})
    assert cleared.json() == {"champion": "test-model-1", "challenger": None}
    statuses = {item["version"]: item["status"]
                for item in client.get("/api/v1/models", headers=manager).json()["items"]}
    assert statuses == {"test-model-1": "champion", "test-model-2": "candidate"}
    with database.read_session() as session:
        actions = list(session.scalars(select(AuditEntry.action)
                                       .where(AuditEntry.entity_type == "risk_model")))
    assert actions.count("risk.model.challenger") == 2
    assert "risk.model.promoted" in actions


def test_the_champion_as_challenger_and_a_missing_version_field_are_refused(
    client: TestClient, auth: Auth, registered: list[str],
) -> None:
    manager = auth(MODELS_READ, MODELS_MANAGE)
    client.post("/api/v1/models/test-model-1:promote", headers=manager)
    refused = client.post("/api/v1/models/challenger", headers=manager,
                          json={"version": "test-model-1"})
    assert refused.status_code == 400
    assert refused.json()["field"] == "version"
    missing = client.post("/api/v1/models/challenger", headers=manager, json={})
    assert missing.status_code == 422
    assert missing.json()["field"] == "version"


@pytest.mark.parametrize(("method", "path", "held"), [
    ("GET", "/api/v1/models", RULES_READ),
    ("GET", "/api/v1/models/test-model-1", RULES_READ),
    ("POST", "/api/v1/models/test-model-1:promote", MODELS_READ),
])
def test_callers_without_the_permission_are_refused(
    client: TestClient, auth: Auth, registered: list[str], method: str, path: str, held: str,
) -> None:
    response = client.request(method, path, headers=auth(held))
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/permission-denied"
