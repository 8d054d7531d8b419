"""PayTrust JSON: the native input format, documented for OpenAPI by ``TransactionIn``.

Field names are the normalised ``Transaction``'s, except that money travels as major units
(``"12.50"`` or ``12.5``) instead of integer minor units. Strings are exact and recommended:
JSON numbers are read as IEEE doubles, exact only up to 15 significant digits.

The only module of the formats package that uses pydantic; the engine never sees these models.
Most valid bodies never reach them either: ``_json_fast`` turns those it is sure about into the
same transactions with orjson and plain checks, and leaves the rest to the model.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from paytrust.risk.engine.transaction import (
    CURRENCY_EXPONENTS,
    AuthMethod,
    Channel,
    Transaction,
    TransactionType,
)
from paytrust.risk.formats import _checks, _json_fast
from paytrust.risk.formats.errors import FieldProblem, FormatError, OversizedPayload

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_JSON_BYTES",
    "TransactionBatchIn",
    "TransactionIn",
    "parse_json_batch",
    "parse_json_payload",
    "parse_json_transaction",
    "to_transaction",
]

MAX_BATCH_SIZE = _checks.MAX_BATCH_SIZE
MAX_JSON_BYTES = 4 * 1024 * 1024  # a full batch of generously filled transactions fits
_ACCEPTED_CURRENCIES: list[JsonValue] = [*sorted(CURRENCY_EXPONENTS)]

_V = TypeVar("_V")


def _check(check: Callable[[str, _V], _V]) -> AfterValidator:
    """Run a shared check with the field's own name, so its message names the field."""

    def run(value: _V, info: ValidationInfo) -> _V:
        return check(info.field_name or "value", value)

    return AfterValidator(run)


def _exact_decimal(value: Any, info: ValidationInfo) -> Any:
    """Refuse inputs that would turn into a different amount than the sender wrote."""
    field = info.field_name or "amount"
    if isinstance(value, bool):
        raise FormatError(field, "amount must be a decimal string or number, not a boolean")
    if isinstance(value, float):
        return _checks.float_amount(field, value)
    return value


Money = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(allow_inf_nan=False)]
Id = Annotated[
    str, Field(min_length=1, max_length=_checks.MAX_ID_LENGTH), _check(_checks.identifier)
]
Name = Annotated[
    str, Field(min_length=1, max_length=_checks.MAX_NAME_LENGTH), _check(_checks.name)
]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$"), _check(_checks.country_code)]
Instant = Annotated[AwareDatetime, _check(_checks.utc_instant)]


class TransactionIn(BaseModel):
    """One transaction to score. Unknown fields are rejected, so a misspelt optional field is an
    error rather than silently missing evidence."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=False)

    transaction_id: Id = Field(description="Your unique id of this transaction.",
                               examples=["tx-20260413-000042"])
    occurred_at: Instant = Field(description="When the payer acted, RFC 3339 with offset or Z.",
                                 examples=["2026-04-13T10:30:00+08:00"])
    type: TransactionType = Field(description="What kind of money movement this is.",
                                  examples=[TransactionType.PAYMENT])
    amount: Money = Field(description="Amount in major units of `currency`, > 0, at most as "
                                      "many decimals as the currency has. A string is exact.",
                          examples=["128.50"])
    currency: str = Field(description="ISO 4217 alpha code.", examples=["CNY"],
                          json_schema_extra={"enum": _ACCEPTED_CURRENCIES})
    customer_id: Id = Field(description="The paying customer.", examples=["cus-1001"])
    account_id: Id = Field(description="The account or wallet debited.", examples=["acc-1001-w"])
    channel: Channel = Field(description="Where the payment was made.", examples=[Channel.QR])
    auth_method: AuthMethod = Field(default=AuthMethod.NONE,
                                    description="How the payer authenticated it.",
                                    examples=[AuthMethod.PIN])
    payee_id: Id | None = Field(default=None, description="Receiving account (P2P, transfers).",
                                examples=["acc-2002-w"])
    payee_name: Name | None = Field(default=None, description="Receiving party's name.",
                                    examples=["Golden Dragon Tea House"])
    payee_country: Country | None = Field(default=None, description="Payee's ISO 3166-1 "
                                          "alpha-2 country.", examples=["HK"])
    merchant_id: Id | None = Field(default=None, description="Merchant receiving a payment.",
                                   examples=["mer-88"])
    merchant_category: Annotated[str, _check(_checks.merchant_category)] | None = Field(
        default=None, pattern=r"^[0-9]{4}$", description="ISO 18245 merchant category code.",
        examples=["5812"])
    merchant_country: Country | None = Field(default=None, description="Merchant's ISO 3166-1 "
                                             "alpha-2 country.", examples=["CN"])
    agent_id: Id | None = Field(default=None, description="Cash-in / cash-out agent.",
                                examples=["agt-7"])
    device_id: Id | None = Field(default=None, description="The payer's device fingerprint.",
                                 examples=["dev-9f2c"])
    ip: Annotated[str, _check(_checks.ip_address)] | None = Field(
        default=None, max_length=45, description="The payer's IPv4 or IPv6 address.",
        examples=["203.0.113.7"])
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2 country of the "
                                    "payer's location.", examples=["CN"])
    latitude: Annotated[float, _check(_checks.latitude)] | None = Field(
        default=None, ge=-90, le=90, description="Payer's latitude (with longitude).",
        examples=[22.543])
    longitude: Annotated[float, _check(_checks.longitude)] | None = Field(
        default=None, ge=-180, le=180, description="Payer's longitude (with latitude).",
        examples=[114.058])
    card_bin: Annotated[str, _check(_checks.card_bin)] | None = Field(
        default=None, pattern=r"^[0-9]{6,8}$", description="First 6-8 digits of the card "
        "number; never send the full PAN.", examples=["62284800"])
    balance_before: Money | None = Field(default=None, description="Account balance before, "
                                         "major units of `currency`.", examples=["5000.00"])
    balance_after: Money | None = Field(default=None, description="Account balance after, "
                                        "major units of `currency`.", examples=["4871.50"])
    credential_changed_at: Instant | None = Field(
        default=None, description="Last password / phone / e-mail change on the account.",
        examples=["2026-04-12T23:55:00Z"])
    sim_swapped_at: Instant | None = Field(default=None, description="Last SIM swap the "
                                           "operator reported.", examples=["2026-04-13T01:10:00Z"])
    original_transaction_id: Id | None = Field(default=None, description="For refunds: the "
                                               "transaction refunded.", examples=[None])

    @model_validator(mode="after")
    def _money_in_minor_units(self) -> Self:
        self.minor_units()  # refuses amounts that do not convert exactly
        if (self.latitude is None) != (self.longitude is None):
            raise FormatError("latitude", "latitude and longitude come together or not at all")
        return self

    def minor_units(self) -> tuple[int, int | None, int | None]:
        """Amount, balance before and balance after in minor units of ``currency``."""
        currency = _checks.currency_code("currency", self.currency)
        return (
            _checks.minor_units("amount", self.amount, currency),
            None if self.balance_before is None else _checks.minor_units(
                "balance_before", self.balance_before, currency, signed=True),
            None if self.balance_after is None else _checks.minor_units(
                "balance_after", self.balance_after, currency, signed=True),
        )


class TransactionBatchIn(BaseModel):
    """Up to 1,000 transactions scored in one request, answered in the same order."""

    model_config = ConfigDict(extra="forbid")

    transactions: list[TransactionIn] = Field(min_length=1, max_length=MAX_BATCH_SIZE,
                                              description="The transactions, in order.")


def to_transaction(model: TransactionIn) -> Transaction:
    amount_minor, balance_before_minor, balance_after_minor = model.minor_units()
    return Transaction(
        transaction_id=model.transaction_id,
        occurred_at=model.occurred_at,
        type=model.type,
        amount_minor=amount_minor,
        currency=model.currency,
        customer_id=model.customer_id,
        account_id=model.account_id,
        channel=model.channel,
        auth_method=model.auth_method,
        payee_id=model.payee_id,
        payee_name=model.payee_name,
        payee_country=model.payee_country,
        merchant_id=model.merchant_id,
        merchant_category=model.merchant_category,
        merchant_country=model.merchant_country,
        agent_id=model.agent_id,
        device_id=model.device_id,
        ip=model.ip,
        country=model.country,
        latitude=model.latitude,
        longitude=model.longitude,
        card_bin=model.card_bin,
        balance_before_minor=balance_before_minor,
        balance_after_minor=balance_after_minor,
        credential_changed_at=model.credential_changed_at,
        sim_swapped_at=model.sim_swapped_at,
        original_transaction_id=model.original_transaction_id,
    )


def _is_batch(value: Any) -> str:
    return "batch" if isinstance(value, dict) and "transactions" in value else "single"


_SINGLE = TypeAdapter(TransactionIn)
_BATCH = TypeAdapter(TransactionBatchIn)
_SINGLE_OR_BATCH: TypeAdapter[TransactionIn | TransactionBatchIn] = TypeAdapter(
    Annotated[
        Annotated[TransactionIn, Tag("single")] | Annotated[TransactionBatchIn, Tag("batch")],
        Discriminator(_is_batch),
    ]
)


# Each parser first tries _json_fast, which takes the valid bodies it is sure about in about a
# third of the model's time; what it declines, every invalid body included, goes through the
# model, so results and error messages stay the model's.


def parse_json_transaction(body: bytes) -> Transaction:
    if len(body) <= MAX_JSON_BYTES and (fast := _json_fast.decode_transaction(body)) is not None:
        return fast
    return to_transaction(_validate(_SINGLE, body))


def parse_json_batch(body: bytes) -> list[Transaction]:
    if len(body) <= MAX_JSON_BYTES and (fast := _json_fast.decode_batch(body)) is not None:
        return fast
    return [to_transaction(item) for item in _validate(_BATCH, body).transactions]


def parse_json_payload(body: bytes) -> list[Transaction]:
    """One transaction object, or a batch object ``{"transactions": [...]}``."""
    if len(body) <= MAX_JSON_BYTES and (fast := _json_fast.decode_payload(body)) is not None:
        return fast
    parsed = _validate(_SINGLE_OR_BATCH, body)
    if isinstance(parsed, TransactionBatchIn):
        return [to_transaction(item) for item in parsed.transactions]
    return [to_transaction(parsed)]


def _validate(adapter: TypeAdapter[_V], body: bytes) -> _V:
    if len(body) > MAX_JSON_BYTES:
        raise OversizedPayload("body", f"JSON body is larger than {MAX_JSON_BYTES} bytes")
    try:
        return adapter.validate_json(body)
    except ValidationError as error:
        raise _as_format_error(error) from None


def _as_format_error(error: ValidationError) -> FormatError:
    problems = tuple(_problem(detail) for detail in error.errors(include_url=False))
    field, message = problems[0] if problems else ("body", "invalid JSON transaction")
    return FormatError(field, message, problems=problems)


def _problem(detail: Any) -> FieldProblem:
    loc = [part for part in detail["loc"] if part not in ("single", "batch")]
    cause = detail.get("ctx", {}).get("error")
    message = cause.message if isinstance(cause, FormatError) else detail["msg"]
    if isinstance(cause, FormatError) and (not loc or loc[-1] != cause.field):
        loc.append(cause.field)  # a model-level check names its field itself
    if detail["type"] == "json_invalid":
        return "body", f"not valid JSON: {detail.get('ctx', {}).get('error', message)}"
    return _path(loc), message


def _path(loc: list[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"

