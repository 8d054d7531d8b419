"""The rule editor: validate, save as a new version, diff, activate and roll back, rule
precision, try a condition, and the vocabulary a condition may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from paytrust.console.csrf import CsrfProtected
from paytrust.console.templating import render, request_locale
from paytrust.platform.db import utcnow
from paytrust.platform.errors import NotFound, ValidationFailed
from paytrust.platform.i18n.chinese import chinese_in
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.engine.rules import Explanation
from paytrust.risk.permissions import RULES_EDIT, RULES_READ
from paytrust.risk.views._shell import BASE, notice_key

router = api_router(prefix=BASE, tags=["console"], include_in_schema=False)

Reader = Annotated[Principal, require(RULES_READ)]
Editor = Annotated[Principal, require(RULES_EDIT)]
RulesetName = Annotated[str, Form(min_length=1, max_length=100)]
RulesetText = Annotated[str, Form(max_length=1_000_000)]
Version = Annotated[int, Form(ge=1)]
NOTICES = frozenset({"saved", "activated", "rolled_back"})
DEFAULT_CONTEXT = '{"txn.amount": 25000, "customer.amount_zscore": 4.2}'


@dataclass(frozen=True, slots=True)
class EditorError:
    line: int | None
    column: int | None
    rule_id: str | None
    message: str


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # add | del | hunk | meta | same
    text: str


def _editor_errors(error: ValidationFailed) -> list[EditorError]:
    listed: list[dict[str, Any]] = error.extra.get("errors") or []
    if not listed:
        return [EditorError(None, None, None, error.detail)]
    return [EditorError(e.get("line"), e.get("column"), e.get("rule_id"), str(e["message"]))
            for e in listed]


def _description(locale: str, english: str, simplified: str) -> str:
    return english if locale == "en" else chinese_in(locale, simplified)


def _versions(db: Session, name: str) -> list[Any]:
    try:
        return list(risk_service.list_ruleset_versions(db, name))
    except NotFound:
        return []


def _stored_text(db: Session, name: str, versions: list[Any]) -> str:
    active = risk_service.active_ruleset(db)
    if active is not None and active.name == name:
        return str(active.yaml)
    return str(versions[0].yaml) if versions else risk_service.default_pack_yaml()


def _editor(
    request: Request, db: Session, caller: Principal, name: str, *, yaml_text: str | None = None,
    errors: list[EditorError] | None = None, validated: bool = False,
    trial: Explanation | None = None, trial_errors: list[EditorError] | None = None,
    expression: str = "", context_json: str = DEFAULT_CONTEXT, notice: str | None = None,
    status_code: int = 200,
) -> Response:
    locale = request_locale(request)
    versions = _versions(db, name)
    shown = _stored_text(db, name, versions) if yaml_text is None else yaml_text
    descriptions = {rule.id: _description(locale, rule.description_en, rule.description_zh)
                    for rule in risk_service.rules_of(_stored_text(db, name, versions))}
    vocabulary = [(spec, _description(locale, spec.en, spec.zh))
                  for spec in risk_service.vocabulary_reference()]
    return render(
        request, "risk/rules.html", status_code=status_code, current_nav="risk_rules",
        name=name, yaml_text=shown, versions=versions, can_edit=caller.can(RULES_EDIT),
        active_version=next((v.version for v in versions if v.is_active), None),
        errors=errors or [], validated=validated, descriptions=descriptions,
        precision=risk_service.rule_precision(db), vocabulary=vocabulary, trial=trial,
        trial_errors=trial_errors or [], expression=expression, context_json=context_json,
        notice_key=notice_key(notice, NOTICES),
    )


@router.get("/rules")
def rule_editor(
    request: Request, db: DbSession, caller: Reader,
    name: Annotated[str, Query(max_length=100)] = "default",
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _editor(request, db, caller, name, notice=notice)


@router.post("/rules/validate", dependencies=[CsrfProtected])
def validate_rules(
    request: Request, db: DbSession, caller: Reader, name: RulesetName, yaml: RulesetText,
) -> Response:
    errors = [EditorError(e.line, e.column, e.rule_id, e.message)
              for e in risk_service.validate_ruleset(yaml)]
    return _editor(request, db, caller, name, yaml_text=yaml, errors=errors, validated=True,
                   status_code=422 if errors else 200)


def _back_to_editor(name: str, notice: str) -> RedirectResponse:
    query = urlencode({"name": name, "notice": notice})
    return RedirectResponse(f"{BASE}/rules?{query}", status_code=303)


@router.post("/rules/versions", dependencies=[CsrfProtected])
def save_version(
    request: Request, db: DbSession, caller: Editor, name: RulesetName, yaml: RulesetText,
    comment: Annotated[str, Form(max_length=500)] = "",
    activate: Annotated[bool, Form()] = False,
) -> Response:
    try:
        risk_service.save_ruleset_version(
            db, actor=caller.actor, name=name, yaml_text=yaml, comment=comment.strip() or None,
            now=utcnow(), activate=activate,
        )
    except ValidationFailed as error:
        return _editor(request, db, caller, name, yaml_text=yaml, errors=_editor_errors(error),
                       validated=True, status_code=422)
    return _back_to_editor(name, "saved")


@router.post("/rules/activate", dependencies=[CsrfProtected])
def activate_version(db: DbSession, caller: Editor, name: RulesetName,
                     version: Version) -> Response:
    risk_service.activate_ruleset_version(db, actor=caller.actor, name=name, version=version)
    return _back_to_editor(name, "activated")


@router.post("/rules/rollback", dependencies=[CsrfProtected])
def roll_back(db: DbSession, caller: Editor, name: RulesetName, version: Version) -> Response:
    risk_service.rollback_ruleset(db, actor=caller.actor, name=name, version=version)
    return _back_to_editor(name, "rolled_back")


def _diff_lines(text: str) -> list[DiffLine]:
    def kind(line: str) -> str:
        if line.startswith(("+++", "---")):
            return "meta"
        return {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")

    return [DiffLine(kind(line), line) for line in text.splitlines()]


@router.get("/rules/diff")
def version_diff(
    request: Request, db: DbSession, caller: Reader,
    name: Annotated[str, Query(max_length=100)],
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> Response:
    diff = risk_service.diff_ruleset_versions(db, name, from_version, to_version)
    return render(request, "risk/rule_diff.html", current_nav="risk_rules", diff=diff,
                  lines=_diff_lines(diff.text))


@router.post("/rules/try", dependencies=[CsrfProtected])
def try_condition(
    request: Request, db: DbSession, caller: Reader, name: RulesetName,
    expression: Annotated[str, Form(min_length=1, max_length=4_000)],
    context: Annotated[str, Form(max_length=64_000)] = "{}",
) -> Response:
    try:
        trial = risk_service.try_expression(expression, context)
    except ValidationFailed as error:
        return _editor(request, db, caller, name, trial_errors=_editor_errors(error),
                       expression=expression, context_json=context, status_code=422)
    return _editor(request, db, caller, name, trial=trial, expression=expression,
                   context_json=context)
