"""``paytrust score FILE``: decisions for a file, in order, with the active lists."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from paytrust.cli import app
from paytrust.platform.db import Database, utcnow
from paytrust.risk import service as risk_service
from paytrust.risk.engine.lists import ListAction, ListKind
from paytrust.risk.schemas import ListEntryCreate

from .factories import json_transaction

FIXTURES = Path(__file__).parent / "fixtures"


def test_score_prints_one_decision_per_transaction_using_the_lists(
    configured: None, database: Database, tmp_path: Path,
) -> None:
    with database.session_scope() as session:
        risk_service.add_list_entry(
            session, actor="user:ana", now=utcnow(),
            entry=ListEntryCreate(kind=ListKind.DEVICE, action=ListAction.BLOCK, value="bad"))
    batch = {"transactions": [json_transaction(transaction_id="ok"),
                              json_transaction(transaction_id="stop", device_id="bad")]}
    file = tmp_path / "batch.json"
    file.write_text(json.dumps(batch))
    result = CliRunner().invoke(app, ["score", str(file)])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.splitlines()]
    assert [line[0] for line in lines] == ["ok", "stop"]
    assert lines[1][1] == "block"
    assert lines[0][1] != "block"


def test_score_reads_iso20022_and_reports_bad_files(configured: None, tmp_path: Path) -> None:
    good = CliRunner().invoke(app, ["score", str(FIXTURES / "pacs008_two_transfers.xml"),
                                    "--json"])
    assert good.exit_code == 0, good.output
    assert len([json.loads(line) for line in good.output.splitlines()]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(json_transaction(currency="XYZ")))
    failed = CliRunner().invoke(app, ["score", str(bad)])
    assert failed.exit_code == 2
    assert "currency" in failed.output
