"""The model registry: list and inspect model versions, promote one to champion, set or
clear the challenger. Training is a long job and stays on the command line
(``paytrust model train``)."""

from __future__ import annotations

from typing import Annotated, Any

from paytrust.platform.db import utcnow
from paytrust.platform.errors import problem_schema
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.permissions import MODELS_MANAGE, MODELS_READ
from paytrust.risk.schemas import (
    ChallengerChange,
    ModelVersionDetail,
    ModelVersionList,
    ModelVersionRead,
    ServingModelsRead,
)

router = api_router(prefix="/api/v1", tags=["risk models"])
Reader = Annotated[Principal, require(MODELS_READ)]
Manager = Annotated[Principal, require(MODELS_MANAGE)]

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_schema("No such model version")}
INVALID: dict[int | str, dict[str, Any]] = {
    400: problem_schema("The champion cannot also be the challenger")}


@router.get("/models", response_model=ModelVersionList)
def list_models(db: DbSession, caller: Reader) -> ModelVersionList:
    """Every registered version, newest first, with its status and headline metrics."""
    return ModelVersionList(items=[risk_service.model_version_read(row)
                                   for row in risk_service.list_model_versions(db)])


@router.get("/models/{version}", response_model=ModelVersionDetail, responses=NOT_FOUND)
def get_model(version: str, db: DbSession, caller: Reader) -> ModelVersionDetail:
    """Every metric of the test period, per threshold, and how the model was trained."""
    return risk_service.model_version_detail(risk_service.get_model_version(db, version))


@router.post("/models/{version}:promote", response_model=ModelVersionRead,
             responses=NOT_FOUND)
def promote_model(version: str, db: DbSession, caller: Manager) -> ModelVersionRead:
    """Make ``version`` the champion; the previous champion retires. Every scorer picks the
    change up within seconds."""
    row = risk_service.promote_model(db, actor=caller.actor, version=version, now=utcnow())
    return risk_service.model_version_read(row)


@router.post("/models/challenger", response_model=ServingModelsRead,
             responses={**NOT_FOUND, **INVALID})
def set_challenger(body: ChallengerChange, db: DbSession, caller: Manager) -> ServingModelsRead:
    """Score ``version`` in shadow beside the champion; ``null`` stops the challenger."""
    risk_service.set_challenger(db, actor=caller.actor, version=body.version)
    champion, challenger = risk_service.serving_models(db)
    return ServingModelsRead(champion=champion.version if champion else None,
                             challenger=challenger.version if challenger else None)
