"""Rule sets (validate, versions, activate, roll back, diff) and block/allow lists."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request, status
from fastapi.concurrency import run_in_threadpool

from paytrust.platform.db import utcnow
from paytrust.platform.errors import problem_schema
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.api._body import read_body
from paytrust.risk.engine.lists import ListAction, ListKind
from paytrust.risk.permissions import LISTS_EDIT, LISTS_READ, RULES_EDIT, RULES_READ
from paytrust.risk.schemas import (
    ListEntryCreate,
    ListEntryList,
    ListEntryRead,
    ListImportResult,
    RulePrecisionRead,
    RulesetChange,
    RulesetDiffRead,
    RulesetSummary,
    RulesetValidateIn,
    RulesetValidation,
    RulesetVersionCreate,
    RulesetVersionDetail,
    RulesetVersionRead,
)

router = api_router(prefix="/api/v1", tags=["risk rules and lists"])
RulesReader = Annotated[Principal, require(RULES_READ)]
RulesEditor = Annotated[Principal, require(RULES_EDIT)]
ListsReader = Annotated[Principal, require(LISTS_READ)]
ListsEditor = Annotated[Principal, require(LISTS_EDIT)]

MAX_IMPORT_BYTES = 16 * 1024 * 1024
INVALID: dict[int | str, dict[str, Any]] = {
    400: problem_schema("Invalid rule set or list entry; `errors` lists each problem")}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_schema("No such rule set or entry")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: problem_schema("Already on the list")}


@router.get("/rulesets", response_model=list[RulesetSummary])
def list_rulesets(db: DbSession, caller: RulesReader) -> list[RulesetSummary]:
    return risk_service.list_rulesets(db)


@router.post("/rulesets:validate", response_model=RulesetValidation)
def validate_ruleset(body: RulesetValidateIn, caller: RulesReader) -> RulesetValidation:
    """Every error with its rule, line and column; nothing is saved."""
    errors = risk_service.validate_ruleset(body.yaml)
    return RulesetValidation(valid=not errors, errors=errors)


@router.get("/rulesets/{name}/versions", response_model=list[RulesetVersionRead],
            responses=NOT_FOUND)
def list_versions(name: str, db: DbSession, caller: RulesReader) -> Any:
    return risk_service.list_ruleset_versions(db, name)


@router.get("/rulesets/{name}/versions/{version}", response_model=RulesetVersionDetail,
            responses=NOT_FOUND)
def get_version(name: str, version: int, db: DbSession, caller: RulesReader) -> Any:
    return risk_service.get_ruleset_version(db, name, version)


@router.post("/rulesets/{name}/versions", response_model=RulesetVersionRead,
             status_code=status.HTTP_201_CREATED, responses=INVALID)
def save_version(
    name: str, body: RulesetVersionCreate, db: DbSession, caller: RulesEditor
) -> Any:
    return risk_service.save_ruleset_version(
        db, actor=caller.actor, name=name, yaml_text=body.yaml, comment=body.comment,
        now=utcnow(), activate=body.activate,
    )


@router.post("/rulesets/{name}/activate", response_model=RulesetVersionRead,
             responses=NOT_FOUND)
def activate_version(
    name: str, body: RulesetChange, db: DbSession, caller: RulesEditor
) -> Any:
    return risk_service.activate_ruleset_version(
        db, actor=caller.actor, name=name, version=body.version)


@router.post("/rulesets/{name}/rollback", response_model=RulesetVersionRead,
             responses={**NOT_FOUND, **INVALID})
def rollback(name: str, body: RulesetChange, db: DbSession, caller: RulesEditor) -> Any:
    return risk_service.rollback_ruleset(db, actor=caller.actor, name=name,
                                         version=body.version)


@router.get("/rulesets/{name}/diff", response_model=RulesetDiffRead, responses=NOT_FOUND)
def diff_versions(
    name: str, db: DbSession, caller: RulesReader,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> RulesetDiffRead:
    return risk_service.diff_ruleset_versions(db, name, from_version, to_version)


@router.get("/rules/precision", response_model=list[RulePrecisionRead])
def rule_precision(db: DbSession, caller: RulesReader) -> list[RulePrecisionRead]:
    """Per rule: of its hits with a reported outcome, the share that were fraud."""
    return risk_service.rule_precision(db)


@router.get("/lists", response_model=ListEntryList)
def list_entries(
    db: DbSession, caller: ListsReader, kind: ListKind | None = None,
    action: ListAction | None = None, include_inactive: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ListEntryList:
    rows, total = risk_service.list_entries(
        db, now=utcnow(), kind=kind, action=action, include_inactive=include_inactive,
        limit=limit, offset=offset)
    return ListEntryList(items=[ListEntryRead.model_validate(r) for r in rows], total=total)


@router.post("/lists", response_model=ListEntryRead, status_code=status.HTTP_201_CREATED,
             responses={**INVALID, **CONFLICT})
def add_entry(entry: ListEntryCreate, db: DbSession, caller: ListsEditor) -> Any:
    """Takes effect on the next scored transaction, without a restart."""
    return risk_service.add_list_entry(db, actor=caller.actor, entry=entry, now=utcnow())


@router.delete("/lists/{entry_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=NOT_FOUND)
def remove_entry(entry_id: str, db: DbSession, caller: ListsEditor) -> None:
    risk_service.remove_list_entry(db, actor=caller.actor, entry_id=entry_id, now=utcnow())


@router.post("/lists:import", response_model=ListImportResult, responses={
    **INVALID, 413: problem_schema("File too large")})
async def import_entries(
    request: Request, db: DbSession, caller: ListsEditor,
    content_format: Annotated[Literal["csv", "json"], Query(alias="format")],
) -> ListImportResult:
    """The body is a CSV file (columns kind, action, value, reason, expires_at) or a JSON
    array of entries. All or nothing: one bad row rejects the file, naming each bad row."""
    content = (await read_body(request, MAX_IMPORT_BYTES)).decode("utf-8", "replace")
    return await run_in_threadpool(
        risk_service.import_list_entries, db, actor=caller.actor, content=content,
        content_format=content_format, now=utcnow(),
    )
