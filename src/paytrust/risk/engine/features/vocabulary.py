"""Every name a rule can use, its type and its meaning in English and Chinese.

``VOCABULARY`` is what the rule compiler validates against; ``FEATURE_NAMES`` is the fixed,
ordered numeric vector the model sees (numbers and booleans of the transaction and its
entities; list hits and the model score itself are left to the policy).
``python -m paytrust.risk.engine.features`` regenerates docs/risk/features.md.

Window features describe the history *before* the transaction being scored. Windows are
bucketed: "1 h" is the current 5-minute bucket and the 11 before it (see ``state.py``).
Amounts are in CNY major units (converted with the engine's FX table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class FieldType(StrEnum):
    NUMBER = "number"
    STRING = "string"
    BOOL = "bool"


N, S, B = FieldType.NUMBER, FieldType.STRING, FieldType.BOOL


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    name: str
    type: FieldType
    en: str
    zh: str
    nullable: bool = False  # null when the history needed is missing


def _window_specs(prefix: str, what_en: str, what_zh: str, windows: str) -> list[FeatureSpec]:
    labels = {"1m": ("1 minute", "1分钟"), "1h": ("1 hour", "1小时"), "24h": ("24 hours", "24小时"),
              "7d": ("7 days", "7天"), "30d": ("30 days", "30天")}
    return [
        FeatureSpec(f"{prefix}_{w}", N, f"{what_en} in the last {labels[w][0]}",
                    f"近{labels[w][1]}内{what_zh}")
        for w in windows.split()
    ]


_SPECS: list[FeatureSpec] = [
    # --- the transaction itself
    FeatureSpec("txn.amount", N, "amount in CNY", "金额（人民币）"),
    FeatureSpec("txn.currency", S, "ISO 4217 currency", "币种"),
    FeatureSpec("txn.type", S, "transaction type", "交易类型"),
    FeatureSpec("txn.channel", S, "channel", "渠道"),
    FeatureSpec("txn.auth_method", S, "authentication method used", "认证方式"),
    FeatureSpec("txn.country", S, "payer's country", "付款方所在国家/地区", nullable=True),
    FeatureSpec("txn.payee_country", S, "payee's country", "收款方国家/地区", nullable=True),
    FeatureSpec("txn.merchant_category", S, "merchant category code", "商户类别码", nullable=True),
    FeatureSpec("txn.merchant_country", S, "merchant's country", "商户国家/地区", nullable=True),
    FeatureSpec("txn.card_bin", S, "card BIN", "卡BIN", nullable=True),
    FeatureSpec("txn.hour_utc", N, "hour of day (UTC)", "交易时刻（UTC小时）"),
    FeatureSpec("txn.is_cross_border", B, "counterparty in another country than the payer",
                "跨境交易"),
    FeatureSpec("txn.is_round_amount", B, "amount is a multiple of 100 in its currency",
                "整百金额"),
    FeatureSpec("txn.is_small_amount", B, "amount at or below the small-amount threshold",
                "小额交易"),
    FeatureSpec("txn.is_near_threshold", B, "amount just below the reporting threshold",
                "金额略低于大额报告阈值"),
    FeatureSpec("txn.balance_drain_ratio", N, "share of the balance this payment takes",
                "本笔交易占余额比例", nullable=True),
    FeatureSpec("txn.geo_velocity_kmh", N, "speed implied by the previous location (km/h)",
                "与上一位置之间的移动速度（公里/小时）", nullable=True),
    FeatureSpec("txn.distance_from_last_km", N, "distance from the previous location (km)",
                "与上一位置的距离（公里）", nullable=True),
    FeatureSpec("txn.outflow_to_inflow_24h", N,
                "amount relative to what the account received in 24 hours",
                "本笔金额与账户24小时内收款总额之比", nullable=True),
    # --- the customer (payer)
    *_window_specs("customer.count", "payments by the customer", "客户交易笔数",
                   "1m 1h 24h 7d 30d"),
    *_window_specs("customer.amount", "amount paid by the customer (CNY)", "客户交易金额",
                   "1h 24h 7d 30d"),
    *_window_specs("customer.small_count", "small-amount payments by the customer",
                   "客户小额交易笔数", "1h 24h"),
    *_window_specs("customer.near_threshold_count", "customer payments just below the "
                   "reporting threshold", "客户略低于报告阈值的交易笔数", "24h 7d"),
    FeatureSpec("customer.refund_ratio_30d", N, "refunds per payment of the customer in 30 days",
                "客户30天退款笔数占比"),
    *_window_specs("customer.refund_count", "refunds to the customer", "客户退款笔数", "1h 24h"),
    *_window_specs("customer.refund_amount", "amount refunded to the customer (CNY)",
                   "客户退款金额", "24h"),
    FeatureSpec("customer.amount_zscore", N, "amount against the customer's own history "
                "(z-score of log amount)", "金额相对客户历史的偏离度（对数金额Z值）",
                nullable=True),
    FeatureSpec("customer.history_count", N, "payments ever seen from the customer",
                "客户历史交易总笔数"),
    FeatureSpec("customer.days_since_last", N, "days since the customer's previous payment",
                "距客户上一笔交易的天数", nullable=True),
    FeatureSpec("customer.days_since_first", N, "days since the customer was first seen",
                "距客户首次出现的天数", nullable=True),
    FeatureSpec("customer.new_device", B, "device never used by the customer", "客户新设备"),
    FeatureSpec("customer.new_payee", B, "payee never paid by the customer", "客户新收款方"),
    FeatureSpec("customer.new_country", B, "country the customer never paid from",
                "客户新国家/地区"),
    *_window_specs("customer.distinct_devices", "distinct devices of the customer",
                   "客户使用的不同设备数", "24h 7d"),
    *_window_specs("customer.distinct_payees", "distinct payees of the customer",
                   "客户的不同收款方数", "24h"),
    *_window_specs("customer.distinct_countries", "distinct countries of the customer",
                   "客户的不同国家/地区数", "7d"),
    FeatureSpec("customer.hours_since_credential_change", N,
                "hours since the customer's credentials changed", "距凭证变更的小时数",
                nullable=True),
    FeatureSpec("customer.hours_since_sim_swap", N, "hours since the customer's SIM was swapped",
                "距SIM卡更换的小时数", nullable=True),
    # --- the paying account
    *_window_specs("account.count", "payments from the account", "账户交易笔数", "1h 24h"),
    *_window_specs("account.amount", "amount paid from the account (CNY)", "账户交易金额",
                   "24h 7d"),
    FeatureSpec("account.days_since_last", N, "days the account was dormant before this payment",
                "账户休眠天数（距上一笔交易）", nullable=True),
    *_window_specs("account.distinct_payees", "distinct payees of the account (fan-out)",
                   "账户的不同收款方数（扇出）", "1h 24h 7d"),
    *_window_specs("account.inbound_count", "payments received by the account",
                   "账户收款笔数", "24h"),
    *_window_specs("account.inbound_amount", "amount received by the account (CNY)",
                   "账户收款金额", "24h"),
    *_window_specs("account.inbound_distinct_senders", "distinct senders into the account "
                   "(fan-in)", "向账户付款的不同付款方数（扇入）", "24h"),
    FeatureSpec("account.hours_since_last_inbound", N, "hours since the account last received "
                "money", "距账户上次收款的小时数", nullable=True),
    # --- device, IP
    FeatureSpec("device.is_new", B, "device never seen before", "首次出现的设备"),
    *_window_specs("device.count", "payments from the device", "设备交易笔数", "1h 24h"),
    *_window_specs("device.small_count", "small-amount payments from the device",
                   "设备小额交易笔数", "1h"),
    *_window_specs("device.distinct_customers", "distinct customers on the device",
                   "设备上的不同客户数", "24h 7d"),
    *_window_specs("ip.count", "payments from the IP address", "IP地址交易笔数", "1m 1h"),
    *_window_specs("ip.distinct_customers", "distinct customers on the IP address",
                   "IP地址上的不同客户数", "1h 24h"),
    # --- the payee (receiving end)
    FeatureSpec("payee.is_new", B, "payee never paid by anyone before", "首次出现的收款方"),
    FeatureSpec("payee.days_since_first", N, "days since the payee first received money",
                "距收款方首次收款的天数", nullable=True),
    *_window_specs("payee.count", "payments into the payee", "收款方收款笔数", "24h 7d"),
    *_window_specs("payee.amount", "amount paid into the payee (CNY)", "收款方收款金额",
                   "24h 7d"),
    *_window_specs("payee.distinct_senders", "distinct senders into the payee (fan-in)",
                   "向收款方付款的不同付款方数（扇入）", "24h 7d"),
    # --- the merchant
    *_window_specs("merchant.count", "payments to the merchant", "商户交易笔数", "1h 24h"),
    *_window_specs("merchant.amount", "amount paid to the merchant (CNY)", "商户交易金额",
                   "24h"),
    *_window_specs("merchant.small_count", "small-amount payments to the merchant",
                   "商户小额交易笔数", "1h"),
    FeatureSpec("merchant.refund_ratio_30d", N, "refunds per payment of the merchant in 30 days",
                "商户30天退款笔数占比"),
    *_window_specs("merchant.distinct_customers", "distinct customers of the merchant",
                   "商户的不同客户数", "24h"),
    *_window_specs("merchant.distinct_devices", "distinct devices paying the merchant",
                   "向商户付款的不同设备数", "24h"),
    FeatureSpec("merchant.payments_per_device_24h", N, "payments per distinct paying device in "
                "24 hours (self-dealing)", "24小时内每台付款设备的平均交易笔数（自买自卖）"),
    FeatureSpec("merchant.device_repeat_24h", B, "this device paid the merchant in the last 24 "
                "hours", "该设备24小时内曾向该商户付款"),
    FeatureSpec("merchant.customer_repeat_24h", B, "this customer paid the merchant in the last "
                "24 hours", "该客户24小时内曾向该商户付款"),
]

_LIST_SPECS: list[FeatureSpec] = [
    *(
        FeatureSpec(f"list.{kind}_{verdict}", B, f"{kind_en} is on the {verdict_en} list",
                    f"{kind_zh}在{verdict_zh}名单中")
        for kind, kind_en, kind_zh in (
            ("account", "account", "账户"), ("device", "device", "设备"),
            ("ip", "IP address", "IP地址"), ("bin", "card BIN", "卡BIN"),
            ("country", "a country of the payment", "交易涉及的国家/地区"),
            ("payee", "payee or merchant", "收款方或商户"),
        )
        for verdict, verdict_en, verdict_zh in (("blocked", "block", "黑"),
                                                ("allowed", "allow", "白"))
    ),
    FeatureSpec("list.country_high_risk", B, "payer's country is a high-risk jurisdiction",
                "付款方位于高风险国家/地区"),
    FeatureSpec("list.payee_country_high_risk", B, "payee or merchant is in a high-risk "
                "jurisdiction", "收款方或商户位于高风险国家/地区"),
    FeatureSpec("list.payee_name_match", N, "similarity of the payee name to the watchlist "
                "(0-1)", "收款方名称与观察名单的相似度（0-1）"),
    FeatureSpec("model.score", N, "fraud probability from the model", "模型欺诈概率",
                nullable=True),
]

SPECS: Mapping[str, FeatureSpec] = MappingProxyType(
    {spec.name: spec for spec in (*_SPECS, *_LIST_SPECS)}
)
VOCABULARY: Mapping[str, FieldType] = MappingProxyType(
    {name: spec.type for name, spec in SPECS.items()}
)
# Names computed from the transaction and entity state (not lists, not the model).
STATE_FEATURE_NAMES: tuple[str, ...] = tuple(spec.name for spec in _SPECS)
FEATURE_NAMES: tuple[str, ...] = tuple(
    spec.name for spec in _SPECS if spec.type is not FieldType.STRING
)


def render_markdown() -> str:
    lines = [
        "# Risk engine features",
        "",
        "Generated from `paytrust.risk.engine.features.vocabulary` — do not edit by hand;",
        "regenerate with `PYTHONPATH=src python -m paytrust.risk.engine.features`",
        "redirected to this file.",
        "",
        "Window features describe the history *before* the scored transaction; a window is a",
        "whole number of time buckets (1 min = 6×10 s, 1 h = 12×5 min, 24 h = 24×1 h,",
        "7 d / 30 d = days). Amounts are CNY. *Model* marks the model's input vector.",
        "",
        "| name | type | model | meaning | 含义 |",
        "|---|---|---|---|---|",
    ]
    in_model = set(FEATURE_NAMES)
    for spec in SPECS.values():
        kind = f"{spec.type.value}{' or null' if spec.nullable else ''}"
        model = "yes" if spec.name in in_model else ""
        lines.append(f"| `{spec.name}` | {kind} | {model} | {spec.en} | {spec.zh} |")
    return "\n".join(lines) + "\n"
