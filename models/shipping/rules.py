"""Which carrier books a shipment: configured carriers, ordered selection rules and the cheapest quote. Pure.

A setup document (JSON, from OMS_CARRIERS_FILE or the bundled default) looks like::

    {"carriers": {"sandbox": {"adapter": "sandbox", "base_url": "http://127.0.0.1:8090", "tracking": "webhook",
                              "rate_card": "parcel", "service_levels": ["economy", "standard", "express"]}},
     "rules": [{"when": {"min_weight_kg": "30"}, "carrier": "sandbox_freight"},
               {"when": {"regions": ["west"], "service_levels": ["express"]}, "carrier": "cheapest",
                "among": ["sandbox", "sandbox_freight"]},
               {"carrier": "cheapest"}]}

Rules are tried in order; the first whose ``when`` matches the parcel decides. ``carrier`` names one carrier or
``cheapest`` (quote every carrier in ``among``, default all that offer the service level, take the lowest price,
then the fewest transit days, then the name). With no matching rule the cheapest quote decides.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from models.core.errors import ValidationFailed

SERVICE_LEVELS = ("economy", "standard", "express")
TRACKING_MODES = ("webhook", "poll")
CHEAPEST = "cheapest"


@dataclass(frozen=True)
class CarrierProfile:
    name: str
    adapter: str
    base_url: str
    tracking: str = "webhook"  # webhook: the carrier posts events; poll: we ask for them
    rate_card: str = ""
    service_levels: tuple[str, ...] = SERVICE_LEVELS


@dataclass(frozen=True)
class ParcelFacts:
    region: str
    country: str
    weight_kg: Decimal
    service_level: str


@dataclass(frozen=True)
class CarrierRule:
    carrier: str
    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    service_levels: tuple[str, ...] = ()
    min_weight_kg: Decimal | None = None
    max_weight_kg: Decimal | None = None
    among: tuple[str, ...] = ()

    def matches(self, parcel: ParcelFacts) -> bool:
        return ((not self.regions or parcel.region.casefold() in self.regions)
                and (not self.countries or parcel.country.upper() in self.countries)
                and (not self.service_levels or parcel.service_level in self.service_levels)
                and (self.min_weight_kg is None or parcel.weight_kg >= self.min_weight_kg)
                and (self.max_weight_kg is None or parcel.weight_kg < self.max_weight_kg))

    def describe(self) -> str:
        parts = []
        if self.regions:
            parts.append("region " + "/".join(self.regions))
        if self.countries:
            parts.append("country " + "/".join(self.countries))
        if self.service_levels:
            parts.append("service " + "/".join(self.service_levels))
        if self.min_weight_kg is not None:
            parts.append(f"weight ≥ {self.min_weight_kg} kg")
        if self.max_weight_kg is not None:
            parts.append(f"weight < {self.max_weight_kg} kg")
        return " and ".join(parts) or "every parcel"


@dataclass(frozen=True)
class CarrierSetup:
    carriers: dict[str, CarrierProfile]
    rules: tuple[CarrierRule, ...] = ()

    def profile(self, name: str) -> CarrierProfile:
        return self.carriers[name]


@dataclass(frozen=True)
class Quote:
    carrier: str
    price: Decimal
    currency: str
    transit_days: int


@dataclass(frozen=True)
class CarrierDecision:
    """Either one named carrier, or the carriers to quote (``quote_among``) before picking the cheapest."""

    carrier: str | None
    quote_among: tuple[str, ...] = ()
    reason: str = ""
    quote: Quote | None = None


def decide_carrier(setup: CarrierSetup, parcel: ParcelFacts) -> CarrierDecision:
    """The first matching rule's carrier, or the carriers whose quotes will decide."""
    offering = tuple(name for name, p in sorted(setup.carriers.items()) if parcel.service_level in p.service_levels)
    for position, rule in enumerate(setup.rules, start=1):
        if not rule.matches(parcel):
            continue
        why = f"rule {position} ({rule.describe()})"
        if rule.carrier != CHEAPEST:
            if rule.carrier not in offering:
                continue  # the named carrier does not offer this service level: the next rule decides
            return CarrierDecision(carrier=rule.carrier, reason=f"{why} names {rule.carrier}")
        among = tuple(name for name in (rule.among or offering) if name in offering)
        return _cheapest_or_only(among, f"{why}: cheapest quote", parcel)
    return _cheapest_or_only(offering, "no rule matched: cheapest quote", parcel)


def _cheapest_or_only(among: tuple[str, ...], why: str, parcel: ParcelFacts) -> CarrierDecision:
    if not among:
        problem = f"no configured carrier offers {parcel.service_level} service"
        raise ValidationFailed({"carrier": [problem]}, problem)  # the message is what a dead letter shows ops
    if len(among) == 1:
        return CarrierDecision(carrier=among[0], reason=f"{why}: {among[0]} is the only candidate")
    return CarrierDecision(carrier=None, quote_among=among, reason=why)


def pick_cheapest(quotes: list[Quote], *, reason: str) -> CarrierDecision:
    """Lowest price, then fewest transit days, then name; the reason names the runner-up."""
    if not quotes:
        raise ValidationFailed({"carrier": ["no carrier returned a quote"]}, "no carrier returned a quote")
    ranked = sorted(quotes, key=lambda q: (q.price, q.transit_days, q.carrier))
    best = ranked[0]
    others = [f"{q.carrier} {q.price} {q.currency}/{q.transit_days}d" for q in ranked[1:]]
    text = f"{reason}: {best.carrier} {best.price} {best.currency}/{best.transit_days}d"
    if others:
        text += " beat " + ", ".join(others)
    return CarrierDecision(carrier=best.carrier, reason=text, quote=best)


def service_level_for(priority: int) -> str:
    """Orders above normal priority travel express; everything else standard."""
    return "express" if priority > 0 else "standard"


def default_setup_document(base_url: str) -> dict:
    """The bundled setup: the sandbox as a parcel carrier with webhooks and as a freight carrier that is polled."""
    return {
        "carriers": {
            "sandbox": {"adapter": "sandbox", "base_url": base_url, "tracking": "webhook", "rate_card": "parcel"},
            "sandbox_freight": {"adapter": "sandbox", "base_url": base_url, "tracking": "poll",
                                "rate_card": "freight", "service_levels": ["economy", "standard"]},
        },
        "rules": [
            {"when": {"min_weight_kg": "30"}, "carrier": "sandbox_freight"},
            {"carrier": CHEAPEST},
        ],
    }


def parse_setup(document: Any, *, adapters: tuple[str, ...]) -> CarrierSetup:
    """Check a setup document; every problem is named by its path, e.g. ``rules[2].when.regions``."""
    errors: dict[str, list[str]] = {}
    if not isinstance(document, dict):
        raise ValidationFailed({"_document": ["expected a JSON object with carriers and rules"]})
    carriers = {}
    raw_carriers = document.get("carriers")
    if not isinstance(raw_carriers, dict) or not raw_carriers:
        errors["carriers"] = ["at least one carrier is required"]
        raw_carriers = {}
    for name, raw in raw_carriers.items():
        profile = _parse_profile(name, raw, adapters, errors)
        if profile:
            carriers[name] = profile
    rules = []
    raw_rules = document.get("rules", [])
    if not isinstance(raw_rules, list):
        errors["rules"] = ["expected a list"]
        raw_rules = []
    for index, raw in enumerate(raw_rules):
        rule = _parse_rule(f"rules[{index}]", raw, set(raw_carriers), errors)
        if rule:
            rules.append(rule)
    if errors:
        raise ValidationFailed(errors)
    return CarrierSetup(carriers=carriers, rules=tuple(rules))


def _parse_profile(name: str, raw: Any, adapters: tuple[str, ...], errors: dict) -> CarrierProfile | None:
    where = f"carriers.{name}"
    if not isinstance(raw, dict):
        errors[where] = ["expected an object"]
        return None
    problems = []
    if name == CHEAPEST or not name.replace("_", "").isalnum() or len(name) > 32:
        problems.append("a carrier name is letters, digits and _ (at most 32), and not 'cheapest'")
    if raw.get("adapter") not in adapters:
        problems.append(f"adapter must be one of {', '.join(adapters)}")
    base_url = raw.get("base_url")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        problems.append("base_url must be an http(s) URL")
    tracking = raw.get("tracking", "webhook")
    if tracking not in TRACKING_MODES:
        problems.append("tracking must be webhook or poll")
    levels = raw.get("service_levels", list(SERVICE_LEVELS))
    if not isinstance(levels, list) or not levels or any(level not in SERVICE_LEVELS for level in levels):
        problems.append(f"service_levels must be a list from {', '.join(SERVICE_LEVELS)}")
    if problems:
        errors[where] = problems
        return None
    return CarrierProfile(name=name, adapter=raw["adapter"], base_url=base_url.rstrip("/"), tracking=tracking,
                          rate_card=str(raw.get("rate_card", "")), service_levels=tuple(levels))


def _parse_rule(where: str, raw: Any, names: set[str], errors: dict) -> CarrierRule | None:
    if not isinstance(raw, dict):
        errors[where] = ["expected an object"]
        return None
    problems = []
    carrier = raw.get("carrier")
    if not isinstance(carrier, str) or (carrier != CHEAPEST and carrier not in names):
        problems.append(f"carrier must be 'cheapest' or one of {', '.join(sorted(names))}")
    among = raw.get("among", [])
    if not isinstance(among, list) or any(not isinstance(name, str) or name not in names for name in among):
        problems.append("among must list configured carriers")
    when = raw.get("when", {})
    if not isinstance(when, dict):
        problems.append("when must be an object of conditions")
        when = {}
    unknown = set(when) - {"regions", "countries", "service_levels", "min_weight_kg", "max_weight_kg"}
    if unknown:
        problems.append("unknown conditions: " + ", ".join(sorted(unknown)))
    lists = {}
    for key in ("regions", "countries", "service_levels"):
        value = when.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            problems.append(f"when.{key} must be a list of names")
            value = []
        lists[key] = value
    if any(level not in SERVICE_LEVELS for level in lists["service_levels"]):
        problems.append(f"when.service_levels must be from {', '.join(SERVICE_LEVELS)}")
    weights = {}
    for key in ("min_weight_kg", "max_weight_kg"):
        if key in when:
            try:
                weights[key] = Decimal(str(when[key]))
                if not weights[key].is_finite() or weights[key] < 0:
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(f"when.{key} must be a number of kilograms ≥ 0")
    if problems:
        errors[where] = problems
        return None
    return CarrierRule(carrier=carrier, regions=tuple(r.casefold() for r in lists["regions"]),
                       countries=tuple(c.upper() for c in lists["countries"]),
                       service_levels=tuple(lists["service_levels"]), min_weight_kg=weights.get("min_weight_kg"),
                       max_weight_kg=weights.get("max_weight_kg"), among=tuple(among))
