"""Replenishment settings in force (service level per SKU class, review period, class shares, default lead time):
read them, save a change as a new version; and the automatic-ordering switches per SKU and per supplier."""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from models.core.db import database
from models.core.errors import (
    NotFound,
    RuleSetChanged,  # noqa: F401 - raised by save_replenishment_settings; callers import it from here
)
from models.core.rule_set_versions import save_rule_set
from models.core.text_messages import TextMessage
from models.core.texts import Joined, Text
from models.inventory.tables import Product
from models.partners.tables import Partner
from models.planning.replenishment_rules import SKU_CLASSES
from models.planning.tables import ReplenishmentRuleSet

logger = logging.getLogger(__name__)

MIN_SERVICE_LEVEL, MAX_SERVICE_LEVEL = Decimal("0.50"), Decimal("0.9999")
MAX_DAYS = 365
DOCUMENT_KEYS = ("service_levels", "review_period_days", "class_shares", "default_lead_time_days")


def _levels(values: Mapping[str, str]) -> Mapping[str, Decimal]:
    return MappingProxyType({key: Decimal(value) for key, value in values.items()})


@dataclass(frozen=True)
class ReplenishmentSettings:
    """``service_levels`` per SKU class; ``class_shares`` of the demand value that make A and B (C is the rest)."""

    service_levels: Mapping[str, Decimal] = field(
        default_factory=lambda: _levels({"A": "0.98", "B": "0.95", "C": "0.90"}))
    review_period_days: int = 7
    class_shares: Mapping[str, Decimal] = field(default_factory=lambda: _levels({"A": "0.80", "B": "0.15"}))
    default_lead_time_days: int = 14  # for a supplier that has none

    def __post_init__(self) -> None:
        for name in ("service_levels", "class_shares"):  # read-only copies: the settings are frozen
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        problems = _problems(self)
        if problems:
            raise ValueError(TextMessage(Joined([Text("%(field)s: %(problem)s", field=key, problem=what)
                                                 for key, what in problems.items()], "; ")))

    def service_level(self, sku_class: str) -> float:
        return float(self.service_levels[sku_class])

    def to_document(self) -> dict:
        return {"service_levels": {key: str(self.service_levels[key]) for key in SKU_CLASSES},
                "review_period_days": self.review_period_days,
                "class_shares": {key: str(self.class_shares[key]) for key in ("A", "B")},
                "default_lead_time_days": self.default_lead_time_days}

    @classmethod
    def from_document(cls, document: dict) -> ReplenishmentSettings:
        """Raises ValueError naming the bad key; a key left out keeps its default."""
        unknown = sorted(set(document) - set(DOCUMENT_KEYS))
        if unknown:
            raise ValueError(f"{unknown[0]}: not a replenishment setting")
        values: dict[str, object] = {}
        for key in ("service_levels", "class_shares"):
            if key in document:
                values[key] = _decimals(key, document[key])
        for key in ("review_period_days", "default_lead_time_days"):
            if key in document:
                if not isinstance(document[key], int) or isinstance(document[key], bool):
                    raise ValueError(f"{key}: a whole number of days")
                values[key] = document[key]
        return cls(**values)


def _decimals(key: str, section) -> Mapping[str, Decimal]:
    if not isinstance(section, dict):
        raise ValueError(f"{key}: expected an object by SKU class")
    try:
        return MappingProxyType({name: Decimal(str(value)) for name, value in section.items()})
    except InvalidOperation as exc:
        raise ValueError(f"{key}: every value must be a number") from exc


def _problems(settings: ReplenishmentSettings) -> dict[str, Text]:
    problems: dict[str, Text] = {}
    levels, shares = settings.service_levels, settings.class_shares
    if set(levels) != set(SKU_CLASSES):
        problems["service_levels"] = Text("give one for each class %(classes)s", classes=list(SKU_CLASSES))
    elif not all(MIN_SERVICE_LEVEL <= level <= MAX_SERVICE_LEVEL for level in levels.values()):
        problems["service_levels"] = Text("each from %(lowest)s to %(highest)s (%(lowest_percent)s to "
                                          "%(highest_percent)s)", lowest=MIN_SERVICE_LEVEL,
                                          highest=MAX_SERVICE_LEVEL, lowest_percent="50 %",
                                          highest_percent="99.99 %")
    if set(shares) != {"A", "B"}:
        problems["class_shares"] = Text("give the shares of class A and class B")
    elif not (all(share > 0 for share in shares.values()) and shares["A"] + shares["B"] <= 1):
        problems["class_shares"] = Text("each above 0, together at most 1 (C is the rest)")
    for key in ("review_period_days", "default_lead_time_days"):
        if not 0 <= getattr(settings, key) <= MAX_DAYS:
            problems[key] = Text("from 0 to %(days)s days", days=MAX_DAYS)
    return problems


DEFAULT_SETTINGS = ReplenishmentSettings()


def settings_of(rule_set: ReplenishmentRuleSet) -> ReplenishmentSettings:
    return ReplenishmentSettings.from_document(json.loads(rule_set.document_json))


def current_replenishment_settings() -> tuple[ReplenishmentRuleSet, ReplenishmentSettings]:
    """The version in force and its settings; an empty table records the defaults as version 1."""
    rule_set = ReplenishmentRuleSet.in_force(DEFAULT_SETTINGS)
    return rule_set, settings_of(rule_set)


def save_replenishment_settings(settings: ReplenishmentSettings, *, actor: str, note: str = "",
                                expected_version: int | None = None) -> ReplenishmentRuleSet:
    """Make ``settings`` the version in force if ``expected_version`` is still the newest, else raise
    RuleSetChanged; ``None`` (no check) is for system callers only, never for an editor."""
    return save_rule_set(ReplenishmentRuleSet, settings, expected_version=expected_version, actor=actor, note=note)


def set_sku_automatic(sku: str, on: bool, *, actor: str) -> bool:
    """Switch automatic ordering of one SKU on or off; True when it changed. NotFound for an unknown SKU."""
    with database.atomic():
        product = Product.get_or_none(Product.sku == sku)
        if product is None:
            raise NotFound(TextMessage(Text("no SKU %(sku)s", sku=repr(sku))))
        changed = Product.update(auto_replenish=on).where(Product.id == product.id,
                                                          Product.auto_replenish != on).execute()
    if changed:
        logger.info("automatic replenishment of SKU %s switched %s by %s", sku, "on" if on else "off", actor)
    return bool(changed)


def set_supplier_automatic(code: str, on: bool, *, actor: str) -> bool:
    """Switch automatic ordering of every SKU of one supplier on or off; True when it changed."""
    with database.atomic():
        supplier = Partner.get_or_none(Partner.code == code, Partner.kind == "supplier")
        if supplier is None:
            raise NotFound(TextMessage(Text("no supplier %(code)s", code=repr(code))))
        changed = Partner.update(auto_replenish=on).where(Partner.id == supplier.id,
                                                          Partner.auto_replenish != on).execute()
    if changed:
        logger.info("automatic replenishment of supplier %s switched %s by %s", code, "on" if on else "off", actor)
    return bool(changed)
