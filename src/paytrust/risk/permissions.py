"""Named permissions of the risk module."""

from __future__ import annotations

from paytrust.platform.identity.permissions import Role, define

_ANALYST = (Role.RISK_ANALYST, Role.ADMIN)

TRANSACTIONS_SCORE = define(
    "risk.transactions.score", "Submit transactions for real-time scoring",
    [Role.ADMIN], api_key_scope=True,
)
TRANSACTIONS_READ = define(
    "risk.transactions.read", "Look up scored transactions and their decisions",
    [Role.RISK_ANALYST, Role.AML_OFFICER, Role.AUDITOR, Role.MANAGER, Role.ADMIN],
)
OUTCOMES_WRITE = define(
    "risk.outcomes.write", "Report the outcome of a transaction (fraud, chargeback, legitimate)",
    _ANALYST, api_key_scope=True,
)
RULES_READ = define("risk.rules.read", "Read rule sets and their versions", _ANALYST)
RULES_EDIT = define(
    "risk.rules.edit", "Save, activate and roll back rule set versions", _ANALYST
)
LISTS_READ = define("risk.lists.read", "Read block and allow lists", _ANALYST)
LISTS_EDIT = define("risk.lists.edit", "Add, remove and import list entries", _ANALYST)
ALERTS_READ = define(
    "risk.alerts.read", "See the alert queue",
    [Role.RISK_ANALYST, Role.AML_OFFICER, Role.MANAGER, Role.ADMIN],
)
ALERTS_WORK = define(
    "risk.alerts.work", "Acknowledge alerts", [Role.RISK_ANALYST, Role.AML_OFFICER, Role.ADMIN]
)
MODELS_READ = define(
    "risk.models.read", "See the model registry", [*_ANALYST, Role.AUDITOR, Role.MANAGER]
)
MODELS_MANAGE = define("risk.models.manage", "Train and promote models", _ANALYST)
BACKTEST_RUN = define("risk.backtest.run", "Replay history through candidate rules", _ANALYST)
