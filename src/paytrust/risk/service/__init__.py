"""The risk module's business rules (everything but the scoring hot path).

Other modules use it as ``from paytrust.risk import service as risk_service``.
"""

from paytrust.risk.service.alerts import acknowledge_alert, list_alerts
from paytrust.risk.service.backtests import (
    Contender,
    HistoryFileError,
    HistoryTooLong,
    candidate_model,
    candidate_ruleset,
    champion_contender,
    choose_contenders,
    compare_contenders,
    default_contender,
    read_history,
    saved_ruleset_versions,
)
from paytrust.risk.service.lists import (
    active_list_rows,
    add_list_entry,
    import_list_entries,
    list_entries,
    remove_list_entry,
)
from paytrust.risk.service.models import (
    get_model_version,
    list_model_versions,
    load_model,
    model_version_detail,
    model_version_read,
    next_model_version,
    promote_model,
    save_model_version,
    serving_models,
    set_challenger,
)
from paytrust.risk.service.outcomes import record_outcome, rule_precision
from paytrust.risk.service.rule_lab import rules_of, try_expression, vocabulary_reference
from paytrust.risk.service.rulesets import (
    activate_ruleset_version,
    active_ruleset,
    default_pack_yaml,
    diff_ruleset_versions,
    get_ruleset_version,
    list_ruleset_versions,
    list_rulesets,
    rollback_ruleset,
    save_ruleset_version,
    validate_ruleset,
)
from paytrust.risk.service.snapshot import EngineInputs, change_stamp, engine_inputs
from paytrust.risk.service.transactions import (
    decision_counts,
    get_transaction,
    recent_answers,
    recent_decisions,
    recorded_answers,
)

__all__ = [
    "Contender",
    "EngineInputs",
    "HistoryFileError",
    "HistoryTooLong",
    "acknowledge_alert",
    "activate_ruleset_version",
    "active_list_rows",
    "active_ruleset",
    "add_list_entry",
    "candidate_model",
    "candidate_ruleset",
    "champion_contender",
    "change_stamp",
    "choose_contenders",
    "compare_contenders",
    "decision_counts",
    "default_contender",
    "default_pack_yaml",
    "diff_ruleset_versions",
    "engine_inputs",
    "get_model_version",
    "get_ruleset_version",
    "get_transaction",
    "import_list_entries",
    "list_alerts",
    "list_entries",
    "list_model_versions",
    "list_ruleset_versions",
    "list_rulesets",
    "load_model",
    "model_version_detail",
    "model_version_read",
    "next_model_version",
    "promote_model",
    "read_history",
    "recent_answers",
    "recent_decisions",
    "record_outcome",
    "recorded_answers",
    "remove_list_entry",
    "rollback_ruleset",
    "rule_precision",
    "rules_of",
    "save_model_version",
    "save_ruleset_version",
    "saved_ruleset_versions",
    "serving_models",
    "set_challenger",
    "try_expression",
    "validate_ruleset",
    "vocabulary_reference",
]
