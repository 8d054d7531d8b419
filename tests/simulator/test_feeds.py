"""Feeding a running service: HTTP to a real receiver, JetStream to the real NATS server."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from paytrust.cli import app as cli
from paytrust.simulator import SimulationConfig
from paytrust.simulator.sender import live_transactions, post_transactions, publish_transactions

NATS_URL = "nats://127.0.0.1:4222"


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        body["_api_key"] = self.headers.get("x-api-key")
        _Receiver.received.append(body)
        decision = "block" if body.get("type") == "cash_out" else "approve"
        payload = json.dumps({"decision": decision}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the feed opens up to 16 connections at once


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received = []
    server = _Server(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_feed_posts_live_json_and_reports_the_decision_mix(receiver: str) -> None:
    config = SimulationConfig(customers=200, days=3, seed=4)
    report = asyncio.run(post_transactions(receiver, live_transactions(config), api_key="k1",
                                           rate=0, limit=120))
    assert report.sent == 120
    assert report.failed == 0
    assert sum(report.decisions.values()) == 120
    assert len(_Receiver.received) == 120
    first = _Receiver.received[0]
    assert first["_api_key"] == "k1"
    assert "amount" in first
    assert "amount_minor" not in first
    assert len({body["transaction_id"] for body in _Receiver.received}) == 120


def test_cli_writes_files_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "world.parquet"
    result = CliRunner().invoke(cli, ["simulate", "--customers", "200", "--days", "2", "--seed",
                                      "3", "--out", str(out), "--summary"])
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert "by typology" in result.output


def test_cli_refuses_an_unknown_target() -> None:
    result = CliRunner().invoke(cli, ["simulate", "--to", "ftp://x"])
    assert result.exit_code == 2


def _nats_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.integration
@pytest.mark.skipif(not _nats_answers(), reason="no NATS server on 127.0.0.1:4222")
def test_jetstream_feed_publishes_every_transaction() -> None:
    import nats

    stream, subject = "PAYTRUST_TEST_SIM", "paytrust.test.sim"
    config = SimulationConfig(customers=100, days=2, seed=6)

    async def run() -> int:
        report = await publish_transactions(NATS_URL, live_transactions(config), limit=25,
                                            subject=subject, stream=stream)
        connection = await nats.connect(NATS_URL)
        try:
            info = await connection.jetstream().stream_info(stream)
            await connection.jetstream().delete_stream(stream)
        finally:
            await connection.close()
        assert report.sent == 25
        return int(info.state.messages)

    assert asyncio.run(run()) == 25
