"""Console pages of the risk module, on the console shell: rule editor, lists, alert queue,
live decisions, model registry and backtests.

Importing this package registers the pages' templates, sidebar entries and dashboard tiles;
``router`` carries every page for ``paytrust.app``. Pages are server-rendered forms (CSRF
protected); ``/static/risk.js`` only enhances them (line numbers, confirmations, the live
stream's polling).
"""

from __future__ import annotations

from pathlib import Path

from paytrust.console.templating import add_template_directory
from paytrust.platform.identity.deps import api_router
from paytrust.risk.views import backtest, lists, modelling, queues, rules

add_template_directory(Path(__file__).resolve().parents[1] / "templates")

router = api_router()
for _page_router in (rules.router, lists.router, queues.router, modelling.router,
                     backtest.router):
    router.include_router(_page_router)

__all__ = ["router"]
