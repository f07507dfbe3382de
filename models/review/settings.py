"""Order review settings: which rules run, their thresholds and per-customer credit overrides."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from models.core.text_messages import TextMessage, field_problem, split_field_problem
from models.core.texts import Text

RULE_CODES = ("customer_blocked", "credit_limit", "overdue", "amount", "stock", "ship_to", "duplicate", "unknown_sku",
              "price")
CENT = Decimal("0.01")
_THRESHOLDS = ("amount_hold_threshold", "amount_senior_threshold")
_COUNTS = ("duplicate_window_minutes", "overdue_grace_days", "hold_max_age_days")
_PERCENTS = ("price_tolerance_percent",)
_OVERRIDE_KEYS = frozenset({"bypass", "temporary_limit", "expires_at", "note"})


def money_text(amount: Decimal) -> str:
    """An amount with two decimals, as messages and documents show money."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class CreditOverride:
    """A customer's credit arrangement for a while: skip the credit checks, use another limit, or both."""

    bypass: bool = False  # skip credit_limit and overdue checks while active
    temporary_limit: Decimal | None = None  # replaces the customer's credit limit while active
    expires_at: datetime | None = None  # naive UTC; None = no expiry
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.bypass, bool):
            raise TypeError(_problem("bypass", Text("must be true or false, got %(value)s", value=repr(self.bypass))))
        if self.temporary_limit is not None:
            _check_money("temporary_limit", self.temporary_limit)
        if self.expires_at is not None and not isinstance(self.expires_at, datetime):
            raise TypeError(_problem("expires_at", Text("must be a date and time, got %(value)s",
                                                         value=repr(self.expires_at))))
        if self.expires_at is not None and self.expires_at.tzinfo is not None:
            # review clocks are naive UTC; comparing them with an aware time would raise
            utc = self.expires_at.astimezone(UTC).replace(tzinfo=None)
            object.__setattr__(self, "expires_at", utc)
        if not isinstance(self.note, str):
            raise TypeError(_problem("note", Text("must be text, got %(value)s", value=repr(self.note))))

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at

    def to_document(self) -> dict:
        return {
            "bypass": self.bypass,
            "temporary_limit": None if self.temporary_limit is None else money_text(self.temporary_limit),
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
            "note": self.note,
        }


@dataclass(frozen=True)
class RuleSettings:
    enabled: frozenset[str] = frozenset(RULE_CODES)  # rule switches by RULE_CODES name
    amount_hold_threshold: Decimal | None = Decimal("25000.00")  # a total strictly above holds "amount"
    amount_senior_threshold: Decimal | None = Decimal("100000.00")  # strictly above holds "amount_senior"
    duplicate_window_minutes: int = 60
    overdue_grace_days: int = 0
    hold_max_age_days: int = 0  # 0 = never; read by the sweeper, not by review
    overrides: Mapping[str, CreditOverride] = field(default_factory=dict)  # by customer code
    # how far (percent) a given price may be below the resolved one; a price list's or contract's own overrides it
    price_tolerance_percent: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        # frozen all the way down: a caller's set or dict changed later must not change the settings
        object.__setattr__(self, "enabled", frozenset(self.enabled))
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        unknown = sorted(str(name) for name in self.enabled if name not in RULE_CODES)
        if unknown:
            raise ValueError(_problem("enabled", Text("unknown rule %(unknown)s; the rules are %(rules)s",
                                                      unknown=", ".join(unknown), rules=", ".join(RULE_CODES))))
        for key in _THRESHOLDS:
            if getattr(self, key) is not None:
                _check_money(key, getattr(self, key))
        hold, senior = self.amount_hold_threshold, self.amount_senior_threshold
        if hold is not None and senior is not None and senior < hold:
            raise ValueError(_problem("amount_senior_threshold", Text(
                "%(senior)s is below amount_hold_threshold %(hold)s", senior=str(senior), hold=str(hold))))
        for key in _COUNTS:
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(_problem(key, Text("must be a whole number, 0 or more, got %(value)s",
                                                     value=repr(value))))
        for key in _PERCENTS:
            _check_percent(key, getattr(self, key))
        for code, override in self.overrides.items():
            if not isinstance(override, CreditOverride):
                raise TypeError(_problem(f"overrides.{code}", Text("must be a CreditOverride, got %(value)s",
                                                                    value=repr(override))))

    def override_for(self, customer_code: str, now: datetime) -> CreditOverride | None:
        """The customer's override if it is active at `now`."""
        override = self.overrides.get(customer_code)
        return override if override is not None and override.active(now) else None

    def to_document(self) -> dict:
        return {
            "enabled": sorted(self.enabled),
            **{key: None if getattr(self, key) is None else money_text(getattr(self, key)) for key in _THRESHOLDS},
            **{key: getattr(self, key) for key in _COUNTS},
            **{key: _percent_text(getattr(self, key)) for key in _PERCENTS},
            "overrides": {code: self.overrides[code].to_document() for code in sorted(self.overrides)},
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> RuleSettings:
        """Settings from `to_document`'s form; missing keys take the defaults, bad values raise ValueError."""
        _expect("settings", document, Mapping, Text("an object"))
        _refuse_unknown_keys("", document, {"enabled", "overrides", *_THRESHOLDS, *_COUNTS, *_PERCENTS})
        values: dict[str, Any] = {}
        if "enabled" in document:
            enabled = document["enabled"]
            if not isinstance(enabled, list) or not all(isinstance(name, str) for name in enabled):
                raise ValueError(_problem("enabled", Text("must be a list of rule names, got %(value)s",
                                                          value=repr(enabled))))
            values["enabled"] = frozenset(enabled)
        for key in _THRESHOLDS:
            if key in document:
                values[key] = _parse_money(key, document[key])
        for key in _COUNTS:
            if key in document:
                values[key] = document[key]  # checked by __post_init__
        for key in _PERCENTS:
            if key in document:
                values[key] = _parse_money(key, document[key])
        if "overrides" in document:
            overrides = document["overrides"]
            _expect("overrides", overrides, Mapping, Text("an object by customer code"))
            values["overrides"] = {code: _parse_override(code, value) for code, value in overrides.items()}
        return cls(**values)


def _check_money(key: str, value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value != value.quantize(CENT):
        raise ValueError(_problem(key, Text("must be an amount of 0 or more in whole cents, got %(value)s",
                                             value=repr(value))))


def _check_percent(key: str, value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 100:
        raise ValueError(_problem(key, Text("must be a percentage from 0 to 100, got %(value)s", value=repr(value))))


def _percent_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _parse_money(key: str, value: object) -> Decimal | None:
    if value is None:
        return None
    _expect(key, value, (str, int), Text('an amount as text such as "123.45"'))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_problem(key, Text("not an amount: %(value)s", value=repr(value)))) from None


def _parse_override(code: str, document: object) -> CreditOverride:
    key = f"overrides.{code}"
    _expect(key, document, Mapping, Text("an object"))
    _refuse_unknown_keys(f"{key}.", document, _OVERRIDE_KEYS)
    expires_at = document.get("expires_at")
    if expires_at is not None:
        try:
            expires_at = datetime.fromisoformat(expires_at)
        except (TypeError, ValueError):
            raise ValueError(_problem(f"{key}.expires_at", Text("not an ISO date and time: %(value)s",
                                                                 value=repr(expires_at)))) from None
    try:
        return CreditOverride(
            bypass=document.get("bypass", False),
            temporary_limit=_parse_money(f"{key}.temporary_limit", document.get("temporary_limit")),
            expires_at=expires_at,
            note=document.get("note", ""),
        )
    except (TypeError, ValueError) as error:
        raise ValueError(_prefixed(key, error)) from None


def _expect(key: str, value: object, kinds: type | tuple[type, ...], what: Text) -> None:
    # a document comes from outside: every bad value in it, of whatever type, is a ValueError to the caller
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValueError(_problem(key, Text("must be %(what)s, got %(value)s", what=what,  # noqa: TRY004
                                             value=repr(value))))


def _refuse_unknown_keys(prefix: str, document: Mapping[str, Any], known: set[str] | frozenset[str]) -> None:
    # a misspelt key silently taking its default would change review without anyone noticing
    unknown = sorted(str(key) for key in document if key not in known)
    if unknown:
        raise ValueError(_problem(f"{prefix}{unknown[0]}", Text("not a review setting; known keys are %(known)s",
                                                                known=", ".join(sorted(known)))))


def _problem(key: str, problem: Text) -> TextMessage:
    """``key: problem``, as the form and the API read it; the portal shows the problem in its reader's language."""
    return field_problem(key, problem)


def _prefixed(key: str, error: Exception) -> str:
    """An override's own problem under ``overrides.<code>``."""
    message = error.args[0] if error.args else str(error)
    field_name, problem = split_field_problem(message)
    if isinstance(problem, TextMessage):
        return _problem(field_name if field_name.startswith(key) else f"{key}.{field_name}", problem.text)
    message = str(error)
    return message if message.startswith(key) else f"{key}.{message}"


DEFAULT_SETTINGS = RuleSettings()
