"""The model registry through its service, the scoring runtime and the commands."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from paytrust.cli import app
from paytrust.config import Settings
from paytrust.platform.audit import AuditEntry
from paytrust.platform.db import Database, utcnow
from paytrust.platform.errors import NotFound, ValidationFailed
from paytrust.risk import service as risk_service
from paytrust.risk.adapters.runtime import RiskRuntime
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.engine.lightgbm_model import LightGBMScoringModel
from paytrust.risk.models import RiskModelVersion
from paytrust.risk.training import TrainedModel
from paytrust.simulator import SimulationConfig, write_file
from paytrust.simulator.config import DEFAULT_RATES
from tests.risk.engine.factories import make_txn


def _register(database: Database, trained: TrainedModel) -> None:
    with database.session_scope() as session:
        risk_service.save_model_version(session, actor="user:ana", model=trained.model,
                                        metrics=trained.metrics, now=utcnow())


def test_promotion_retires_the_champion_and_is_audited(
    database: Database, trained_model: TrainedModel,
) -> None:
    _register(database, trained_model)
    with database.session_scope() as session:
        first = risk_service.save_model_version(
            session, actor="user:ana", metrics={}, now=utcnow(),
            model=LightGBMScoringModel.from_text(trained_model.model.to_text(), "test-model-2"))
        assert first.status == "candidate"
        risk_service.promote_model(session, actor="user:ana", version="test-model-1",
                                   now=utcnow())
        risk_service.promote_model(session, actor="user:bo", version="test-model-2",
                                   now=utcnow())
    with database.read_session() as session:
        statuses = {row.version: row.status
                    for row in risk_service.list_model_versions(session)}
        actions = list(session.scalars(select(AuditEntry.action)
                                       .where(AuditEntry.entity_type == "risk_model")))
    assert statuses == {"test-model-1": "retired", "test-model-2": "champion"}
    assert actions.count("risk.model.promoted") == 2
    assert "risk.model.registered" in actions


def test_the_champion_cannot_be_its_own_challenger(
    database: Database, trained_model: TrainedModel,
) -> None:
    _register(database, trained_model)
    with database.session_scope() as session:
        risk_service.promote_model(session, actor="user:ana", version="test-model-1",
                                   now=utcnow())
    with pytest.raises(ValidationFailed), database.session_scope() as session:
        risk_service.set_challenger(session, actor="user:ana", version="test-model-1")
    with pytest.raises(NotFound), database.session_scope() as session:
        risk_service.promote_model(session, actor="user:ana", version="nope", now=utcnow())


def test_a_registered_model_round_trips_through_the_database(
    database: Database, trained_model: TrainedModel,
) -> None:
    _register(database, trained_model)
    with database.read_session() as session:
        loaded = risk_service.load_model(risk_service.get_model_version(session, "test-model-1"))
    assert loaded.feature_names == trained_model.model.feature_names
    assert loaded.to_text() == trained_model.model.to_text()


def test_the_runtime_scores_with_the_champion_and_shadows_the_challenger(
    database: Database, settings: Settings, trained_model: TrainedModel,
) -> None:
    _register(database, trained_model)
    runtime = RiskRuntime(database, settings.risk, MemoryStateStore())
    runtime.reload()
    assert runtime.scorer.engine.model is None
    with database.session_scope() as session:
        risk_service.promote_model(session, actor="user:ana", version="test-model-1",
                                   now=utcnow())
    runtime.reload()
    result = asyncio.run(runtime.scorer.score(make_txn()))
    assert result.model_version == "test-model-1"
    assert result.challenger_score is None


def test_a_damaged_champion_leaves_scoring_on_rules(
    database: Database, settings: Settings, trained_model: TrainedModel,
) -> None:
    _register(database, trained_model)
    with database.session_scope() as session:
        row = session.scalar(select(RiskModelVersion))
        assert row is not None
        assert row.artifact is not None
        row.artifact = row.artifact[:-100]
        risk_service.promote_model(session, actor="user:ana", version=row.version,
                                   now=utcnow())
    runtime = RiskRuntime(database, settings.risk, MemoryStateStore())
    runtime.reload()
    result = asyncio.run(runtime.scorer.score(make_txn()))
    assert runtime.scorer.engine.model is None
    assert result.model_version is None


def test_train_promote_and_backtest_from_the_command_line(
    configured: None, database: Database, tmp_path: Path,
) -> None:
    history = tmp_path / "history.parquet"
    rates = {name: rate * 10 for name, rate in DEFAULT_RATES.items()}
    write_file(SimulationConfig(customers=250, days=20, seed=4, typology_rates=rates), history)
    runner = CliRunner()
    trained = runner.invoke(app, ["model", "train", "--data", str(history), "--rounds", "40",
                                  "--comment", "first"])
    assert trained.exit_code == 0, trained.output
    assert "AUC" in trained.output
    listed = runner.invoke(app, ["model", "list"])
    version = listed.output.splitlines()[1].split("\t")[0]
    assert "candidate" in listed.output
    assert runner.invoke(app, ["model", "promote", version]).exit_code == 0
    shown = runner.invoke(app, ["model", "show", version])
    assert "champion" in shown.output
    assert "first" in shown.output
    compared = runner.invoke(app, ["backtest", "--data", str(history), "--ruleset", "active",
                                   "--model", "none"])
    assert compared.exit_code == 0, compared.output
    assert f"default-pack + {version}" in compared.output  # the champion column
    missing = runner.invoke(app, ["model", "promote", "no-such-model"])
    assert missing.exit_code == 2
    assert "no-such-model" in missing.output


def test_unmeasured_metrics_are_stored_as_null(
    database: Database, trained_model: TrainedModel,
) -> None:
    with database.session_scope() as session:
        risk_service.save_model_version(
            session, actor="user:ana", model=trained_model.model, now=utcnow(),
            metrics={"auc": float("nan"), "at_review": {"precision": float("inf")}})
    with database.read_session() as session:
        row = risk_service.get_model_version(session, "test-model-1")
        assert row.metrics == {"auc": None, "at_review": {"precision": None}}
