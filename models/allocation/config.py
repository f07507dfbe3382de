"""Allocation configuration in force: the default planning policy, overrides per channel and per
customer, and the ordered routing rules; every change is a new version, like the review rules."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation

from models.allocation.routing import (
    RoutingRule,
    rules_from_document,
    rules_to_document,
)
from models.allocation.rules import PARTIALS, STRATEGIES, PlanPolicy
from models.core.registry import register_tables
from models.core.rule_set_versions import RuleSetVersion, save_rule_set

POLICY_KEYS = ("strategy", "cost_weight", "days_weight", "split_penalty", "allow_split", "allow_dropship", "partial")


class AllocationRuleSet(RuleSetVersion):
    @property
    def settings(self) -> AllocationSettings:
        return AllocationSettings.from_document(json.loads(self.document_json))


@dataclass(frozen=True)
class AllocationSettings:
    default: PlanPolicy = PlanPolicy(partial="ship_complete")  # wait for complete unless configured
    by_channel: dict[str, dict] = field(default_factory=dict)  # channel -> policy changes
    by_customer: dict[str, dict] = field(default_factory=dict)  # customer code -> policy changes
    routing: tuple[RoutingRule, ...] = ()

    def policy_for(self, *, channel: str, customer_code: str) -> PlanPolicy:
        """The default, then the channel's changes, then the customer's (the most specific wins)."""
        policy = self.default
        for changes in (self.by_channel.get(channel), self.by_customer.get(customer_code)):
            if changes:
                policy = replace(policy, **_policy_values(changes, where=f"{channel}/{customer_code}"))
        return policy

    def to_document(self) -> dict:
        return {"default": policy_document(self.default), "by_channel": self.by_channel,
                "by_customer": self.by_customer, "routing_rules": rules_to_document(self.routing)}

    @classmethod
    def from_document(cls, document: dict) -> AllocationSettings:
        """Raises ValueError naming the bad key."""
        unknown = set(document) - {"default", "by_channel", "by_customer", "routing_rules"}
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]}: not an allocation setting")
        default = replace(cls.default, **_policy_values(document.get("default", {}), where="default"))
        overrides = {}
        for key in ("by_channel", "by_customer"):
            section = document.get(key, {})
            if not isinstance(section, dict):
                raise ValueError(f"{key}: expected an object of policy changes by code")
            for code, changes in section.items():
                _policy_values(changes, where=f"{key}.{code}")  # validate now, apply per order
            overrides[key] = {code: dict(changes) for code, changes in section.items()}
        return cls(default=default, by_channel=overrides["by_channel"], by_customer=overrides["by_customer"],
                   routing=tuple(rules_from_document(document.get("routing_rules", []))))


def policy_document(policy: PlanPolicy) -> dict:
    values = {name: getattr(policy, name) for name in POLICY_KEYS}
    return {name: str(value) if isinstance(value, Decimal) else value for name, value in values.items()}


def _policy_values(changes: dict, *, where: str) -> dict:
    if not isinstance(changes, dict):
        raise ValueError(f"{where}: expected an object of policy settings")
    known = {f.name for f in fields(PlanPolicy)} & set(POLICY_KEYS)
    values = {}
    for name, value in changes.items():
        if name not in known:
            raise ValueError(f"{where}.{name}: not a policy setting (use {', '.join(POLICY_KEYS)})")
        if name == "strategy" and value not in STRATEGIES:
            raise ValueError(f"{where}.strategy: use one of {', '.join(STRATEGIES)}")
        if name == "partial" and value not in PARTIALS:
            raise ValueError(f"{where}.partial: use one of {', '.join(PARTIALS)}")
        if name in ("allow_split", "allow_dropship") and not isinstance(value, bool):
            raise ValueError(f"{where}.{name}: expected true or false")
        if name in ("cost_weight", "days_weight", "split_penalty"):
            try:
                value = Decimal(str(value))
            except InvalidOperation:
                raise ValueError(f"{where}.{name}: not a number: {value!r}") from None
            if value < 0:
                raise ValueError(f"{where}.{name}: must not be negative")
        values[name] = value
    return values


def current_allocation_rules() -> AllocationRuleSet:
    """The allocation configuration in force; version 1 (defaults) comes from the migration."""
    return AllocationRuleSet.in_force(AllocationSettings())


def save_allocation_settings(settings: AllocationSettings, *, actor: str, note: str = "",
                             expected_version: int | None = None) -> AllocationRuleSet:
    """Make ``settings`` the configuration in force if ``expected_version`` is still the newest, else raise
    RuleSetChanged; ``None`` (no check) is for system callers only, never for an editor."""
    return save_rule_set(AllocationRuleSet, settings, expected_version=expected_version, actor=actor, note=note)


register_tables(AllocationRuleSet)
