"""The backtest page: upload labelled history, pick a candidate rule set and model, and see
it side by side with the champion (the active rule set and the champion model).

The replay is seconds to minutes of CPU, so the form's route is a plain ``def``: FastAPI runs
it in its worker threads and the event loop keeps answering other requests. It holds no
database connection while replaying (one short read session picks the contenders, another
draws the page).
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Form, Request, Response, UploadFile

from paytrust.console.csrf import CsrfProtected
from paytrust.console.templating import render
from paytrust.platform.errors import NotFound, ValidationFailed
from paytrust.platform.identity.deps import api_router, get_database, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.permissions import BACKTEST_RUN
from paytrust.risk.views._shell import BASE

if TYPE_CHECKING:
    from paytrust.risk.backtest import BacktestReport, LabelledCase

router = api_router(prefix=BASE, tags=["console"], include_in_schema=False)

Runner = Annotated[Principal, require(BACKTEST_RUN)]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ROWS = 500_000
HISTORY_SUFFIXES = frozenset({".parquet", ".csv", ".jsonl", ".ndjson"})
COPY_CHUNK = 1024 * 1024
# Each replay takes a core for as long as it runs; more at once would only slow them all and
# starve live scoring in the same process.
MAX_CONCURRENT_REPLAYS = 2
_replay_slots = threading.BoundedSemaphore(MAX_CONCURRENT_REPLAYS)


@dataclass
class Refusal(Exception):  # not frozen: raising sets __traceback__ and __cause__
    """Why the backtest did not run: a message key, its parameters, the technical detail."""

    key: str
    status_code: int = 422
    params: dict[str, Any] = field(default_factory=dict)
    detail: str = ""


def _page(
    request: Request, *, ruleset: str = risk_service.ACTIVE_RULESET,
    model: str = risk_service.CHAMPION_MODEL, report: BacktestReport | None = None,
    refusal: Refusal | None = None,
) -> Response:
    with get_database(request).read_session() as session:  # rows expire when it closes
        active = risk_service.active_ruleset(session)
        active_name = f"{active.name}@{active.version}" if active else None
        models = [(row.version, row.status) for row in risk_service.list_model_versions(session)]
        saved = risk_service.saved_ruleset_versions(session)
    return render(
        request, "risk/backtest.html", current_nav="risk_backtest",
        status_code=refusal.status_code if refusal else 200, active_name=active_name,
        saved_rulesets=saved, models=models,
        champion=next((version for version, status in models if status == "champion"), None),
        chosen={"ruleset": ruleset, "model": model}, report=report, refusal=refusal,
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), max_rows=MAX_ROWS,
    )


@router.get("/backtest")
def backtest_form(request: Request, caller: Runner) -> Response:
    return _page(request)


def _history(upload: UploadFile | None) -> list[LabelledCase]:
    """The uploaded file's cases; the upload is copied to a file of its own suffix (the
    readers choose the format by it), stopping at the size cap."""
    if upload is None or not upload.filename:
        raise Refusal("risk.backtest.no_file")
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in HISTORY_SUFFIXES:
        raise Refusal("risk.backtest.bad_suffix")
    too_large = Refusal("risk.backtest.too_large", 413, {"mb": MAX_UPLOAD_BYTES // 2**20})
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise too_large
    with tempfile.TemporaryDirectory(prefix="paytrust-backtest-") as directory:
        path = Path(directory) / f"history{suffix}"
        copied = 0
        with path.open("wb") as out:
            while chunk := upload.file.read(COPY_CHUNK):
                copied += len(chunk)
                if copied > MAX_UPLOAD_BYTES:
                    raise too_large
                out.write(chunk)
        try:
            return risk_service.read_history(path, max_rows=MAX_ROWS)
        except risk_service.HistoryTooLong as error:
            raise Refusal("risk.backtest.too_many_rows", 413,
                          {"rows": f"{error.max_rows:,}"}) from error
        except risk_service.HistoryFileError as error:
            raise Refusal("risk.backtest.bad_file", detail=str(error)) from error


@router.post("/backtest", dependencies=[CsrfProtected])
def run_backtest(
    request: Request, caller: Runner,
    ruleset: Annotated[str, Form(max_length=120)] = risk_service.ACTIVE_RULESET,
    model: Annotated[str, Form(max_length=64)] = risk_service.CHAMPION_MODEL,
    history: UploadFile | None = None,
) -> Response:
    if not _replay_slots.acquire(blocking=False):
        busy = Refusal("risk.backtest.busy", 503, {"count": MAX_CONCURRENT_REPLAYS})
        return _page(request, ruleset=ruleset, model=model, refusal=busy)
    try:
        return _replayed(request, history, ruleset=ruleset, model=model)
    finally:
        _replay_slots.release()


def _replayed(
    request: Request, history: UploadFile | None, *, ruleset: str, model: str
) -> Response:
    try:
        cases = _history(history)
        with get_database(request).read_session() as session:
            candidate, champion = risk_service.choose_contenders(session, ruleset=ruleset,
                                                                 model=model)
    except Refusal as refusal:
        return _page(request, ruleset=ruleset, model=model, refusal=refusal)
    except (NotFound, ValidationFailed) as error:
        return _page(request, ruleset=ruleset, model=model,
                     refusal=Refusal("risk.backtest.bad_choice", detail=error.detail))
    report = risk_service.compare_contenders(cases, candidate=candidate, champion=champion)
    return _page(request, ruleset=ruleset, model=model, report=report)
