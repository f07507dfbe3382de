"""The carrier rules (models/shipping/rules.py): which carrier books a parcel. Pure, no database."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.core.errors import ValidationFailed
from models.shipping.rules import (
    SERVICE_LEVELS,
    CarrierDecision,
    CarrierProfile,
    CarrierRule,
    CarrierSetup,
    ParcelFacts,
    Quote,
    decide_carrier,
    default_setup_document,
    parse_setup,
    pick_cheapest,
    service_level_for,
)

ADAPTERS = ("sandbox",)
URL = "http://127.0.0.1:8090"


def parcel(weight: str = "2", *, region: str = "R1", country: str = "US", level: str = "standard") -> ParcelFacts:
    return ParcelFacts(region=region, country=country, weight_kg=Decimal(weight), service_level=level)


def carrier(name: str = "sandbox", **fields) -> dict:
    return {"adapter": "sandbox", "base_url": URL} | fields


def setup(rules: list, **carriers: dict) -> CarrierSetup:
    carriers = carriers or {"post": carrier(), "truck": carrier(), "van": carrier()}
    return parse_setup({"carriers": carriers, "rules": rules}, adapters=ADAPTERS)


def errors_of(document) -> dict:
    with pytest.raises(ValidationFailed) as raised:
        parse_setup(document, adapters=ADAPTERS)
    return raised.value.messages


def default_setup() -> CarrierSetup:
    return parse_setup(default_setup_document(URL), adapters=ADAPTERS)


# --- decide_carrier ------------------------------------------------------------------------------

def test_the_first_matching_rule_wins():
    rules = setup([{"when": {"regions": ["R1"]}, "carrier": "van"},
                   {"when": {"regions": ["R1"]}, "carrier": "truck"},
                   {"carrier": "post"}])
    decision = decide_carrier(rules, parcel(region="R1"))
    assert (decision.carrier, decision.quote_among) == ("van", ())
    assert decision.reason == "rule 1 (region r1) names van"
    later = decide_carrier(rules, parcel(region="R2"))
    assert (later.carrier, later.reason) == ("post", "rule 3 (every parcel) names post")


@pytest.mark.parametrize("region, matches", [("west", True), ("WEST", True), ("West", True), ("east", False),
                                             ("wes", False)])
def test_regions_match_whatever_the_case(region, matches):
    rules = setup([{"when": {"regions": ["West"]}, "carrier": "van"}, {"carrier": "post"}])
    assert decide_carrier(rules, parcel(region=region)).carrier == ("van" if matches else "post")


@pytest.mark.parametrize("country, matches", [("DE", True), ("de", True), ("De", True), ("AT", False)])
def test_countries_match_upper_cased(country, matches):
    rules = setup([{"when": {"countries": ["de", "CH"]}, "carrier": "van"}, {"carrier": "post"}])
    assert rules.rules[0].countries == ("DE", "CH")
    assert decide_carrier(rules, parcel(country=country)).carrier == ("van" if matches else "post")


@pytest.mark.parametrize("level, matches", [("express", True), ("economy", True), ("standard", False)])
def test_service_levels_condition(level, matches):
    rules = setup([{"when": {"service_levels": ["express", "economy"]}, "carrier": "van"}, {"carrier": "post"}])
    assert decide_carrier(rules, parcel(level=level)).carrier == ("van" if matches else "post")


@pytest.mark.parametrize("weight, heavy", [("0.001", False), ("29.999", False), ("30", True), ("30.000", True),
                                           ("30.001", True), ("1000", True)])
def test_min_weight_is_inclusive(weight, heavy):
    rules = setup([{"when": {"min_weight_kg": "30"}, "carrier": "truck"}, {"carrier": "post"}])
    decision = decide_carrier(rules, parcel(weight))
    assert decision.carrier == ("truck" if heavy else "post")
    if heavy:
        assert decision.reason == "rule 1 (weight ≥ 30 kg) names truck"


@pytest.mark.parametrize("weight, light", [("0", True), ("29.999", True), ("30", False), ("30.001", False)])
def test_max_weight_is_exclusive(weight, light):
    rules = setup([{"when": {"max_weight_kg": 30}, "carrier": "van"}, {"carrier": "post"}])
    assert decide_carrier(rules, parcel(weight)).carrier == ("van" if light else "post")


@pytest.mark.parametrize("weight, carrier_name", [("4.999", "post"), ("5", "van"), ("29.999", "van"),
                                                  ("30", "post")])
def test_weight_band_combines_both_limits(weight, carrier_name):
    rules = setup([{"when": {"min_weight_kg": "5", "max_weight_kg": "30"}, "carrier": "van"}, {"carrier": "post"}])
    decision = decide_carrier(rules, parcel(weight))
    assert decision.carrier == carrier_name
    if carrier_name == "van":
        assert decision.reason == "rule 1 (weight ≥ 5 kg and weight < 30 kg) names van"


def test_every_condition_must_hold():
    rules = setup([{"when": {"regions": ["west"], "countries": ["US"], "service_levels": ["express"],
                             "min_weight_kg": "1", "max_weight_kg": "10"}, "carrier": "van"},
                   {"carrier": "post"}])
    base = {"region": "west", "country": "us", "level": "express"}
    assert decide_carrier(rules, parcel("5", **base)).carrier == "van"
    for spoiled in ({"region": "east"}, {"country": "CA"}, {"level": "standard"}):
        assert decide_carrier(rules, parcel("5", **(base | spoiled))).carrier == "post"
    for weight in ("0.5", "10"):
        assert decide_carrier(rules, parcel(weight, **base)).carrier == "post"
    assert rules.rules[0].describe() == ("region west and country US and service express and weight ≥ 1 kg "
                                         "and weight < 10 kg")


def test_cheapest_without_among_quotes_every_carrier_offering_the_level():
    rules = setup([{"carrier": "cheapest"}], post=carrier(), truck=carrier(service_levels=["economy", "standard"]),
                  van=carrier(service_levels=["express"]))
    decision = decide_carrier(rules, parcel(level="standard"))
    assert decision == CarrierDecision(carrier=None, quote_among=("post", "truck"),
                                       reason="rule 1 (every parcel): cheapest quote")


def test_cheapest_among_quotes_only_the_named_carriers_that_offer_the_level():
    rules = setup([{"carrier": "cheapest", "among": ["van", "truck", "post"]}],
                  post=carrier(service_levels=["economy"]), truck=carrier(), van=carrier())
    assert decide_carrier(rules, parcel(level="standard")).quote_among == ("van", "truck")
    only_two = setup([{"carrier": "cheapest", "among": ["truck", "van"]}])
    assert decide_carrier(only_two, parcel()).quote_among == ("truck", "van")


def test_a_single_candidate_needs_no_quote():
    rules = setup([{"carrier": "cheapest", "among": ["truck", "van"]}],
                  post=carrier(), truck=carrier(service_levels=["economy"]), van=carrier())
    decision = decide_carrier(rules, parcel(level="standard"))
    assert (decision.carrier, decision.quote_among, decision.quote) == ("van", (), None)
    assert decision.reason == "rule 1 (every parcel): cheapest quote: van is the only candidate"


def test_no_candidate_offering_the_level_is_refused():
    rules = setup([{"carrier": "cheapest"}], post=carrier(service_levels=["economy"]))
    with pytest.raises(ValidationFailed) as raised:
        decide_carrier(rules, parcel(level="express"))
    assert raised.value.messages == {"carrier": ["no configured carrier offers express service"]}
    among = setup([{"carrier": "cheapest", "among": ["post"]}],
                  post=carrier(service_levels=["economy"]), van=carrier())
    with pytest.raises(ValidationFailed):
        decide_carrier(among, parcel(level="express"))


def test_no_matching_rule_means_cheapest_among_all_offering():
    rules = setup([{"when": {"regions": ["mars"]}, "carrier": "van"}],
                  post=carrier(), truck=carrier(service_levels=["economy"]), van=carrier())
    decision = decide_carrier(rules, parcel(level="standard"))
    assert decision == CarrierDecision(carrier=None, quote_among=("post", "van"),
                                       reason="no rule matched: cheapest quote")
    no_rules = setup([], post=carrier(service_levels=["standard"]), truck=carrier(service_levels=["economy"]))
    assert decide_carrier(no_rules, parcel()).carrier == "post"
    with pytest.raises(ValidationFailed):
        decide_carrier(no_rules, parcel(level="express"))


@pytest.mark.parametrize("weight, level, expected", [
    ("2", "standard", (None, ("sandbox", "sandbox_freight"))),
    ("29.999", "economy", (None, ("sandbox", "sandbox_freight"))),
    ("2", "express", ("sandbox", ())),  # the freight carrier offers no express: one candidate
    ("30", "standard", ("sandbox_freight", ())),
    ("30.001", "economy", ("sandbox_freight", ())),
])
def test_the_bundled_setup(weight, level, expected):
    decision = decide_carrier(default_setup(), parcel(weight, level=level))
    assert (decision.carrier, decision.quote_among) == expected


def test_a_named_carrier_must_offer_the_service_level():
    setup_ = default_setup()
    decision = decide_carrier(setup_, parcel("30", level="express"))
    assert decision.carrier is None or "express" in setup_.profile(decision.carrier).service_levels


# --- pick_cheapest -------------------------------------------------------------------------------

def quote(name: str, price: str, days: int = 3) -> Quote:
    return Quote(carrier=name, price=Decimal(price), currency="USD", transit_days=days)


def test_lowest_price_wins_and_the_reason_names_the_runner_up():
    decision = pick_cheapest([quote("truck", "37.50", 4), quote("post", "7.60"), quote("van", "9.00", 1)],
                             reason="no rule matched: cheapest quote")
    assert (decision.carrier, decision.quote, decision.quote_among) == ("post", quote("post", "7.60"), ())
    assert decision.reason == ("no rule matched: cheapest quote: post 7.60 USD/3d beat van 9.00 USD/1d, "
                               "truck 37.50 USD/4d")


def test_a_price_tie_goes_to_fewer_transit_days():
    decision = pick_cheapest([quote("post", "9.00", 5), quote("van", "9.00", 2)], reason="r")
    assert decision.carrier == "van"
    assert decision.reason == "r: van 9.00 USD/2d beat post 9.00 USD/5d"


def test_a_full_tie_goes_to_the_name():
    decision = pick_cheapest([quote("van", "9.00", 2), quote("truck", "9.00", 2), quote("post", "9.00", 2)],
                             reason="r")
    assert decision.carrier == "post"
    assert decision.reason == "r: post 9.00 USD/2d beat truck 9.00 USD/2d, van 9.00 USD/2d"


def test_one_quote_has_no_runner_up():
    decision = pick_cheapest([quote("van", "9.00", 2)], reason="r")
    assert (decision.carrier, decision.reason) == ("van", "r: van 9.00 USD/2d")


def test_no_quote_is_refused():
    with pytest.raises(ValidationFailed) as raised:
        pick_cheapest([], reason="r")
    assert raised.value.messages == {"carrier": ["no carrier returned a quote"]}


@given(st.lists(st.tuples(st.sampled_from(["post", "truck", "van", "ship"]),
                          st.decimals(min_value=0, max_value=1000, places=2), st.integers(0, 10)),
                min_size=1, max_size=6))
def test_pick_cheapest_takes_the_minimum(rows):
    quotes = [Quote(carrier=name, price=price, currency="USD", transit_days=days) for name, price, days in rows]
    decision = pick_cheapest(quotes, reason="r")
    assert decision.quote in quotes
    assert all((decision.quote.price, decision.quote.transit_days, decision.quote.carrier)
               <= (q.price, q.transit_days, q.carrier) for q in quotes)


# --- service_level_for ---------------------------------------------------------------------------

@pytest.mark.parametrize("priority, level", [(-5, "standard"), (0, "standard"), (1, "express"), (9, "express")])
def test_service_level_for_priority(priority, level):
    assert service_level_for(priority) == level


# --- parse_setup ---------------------------------------------------------------------------------

def test_the_bundled_document_parses():
    parsed = parse_setup(default_setup_document("http://carrier.example:8090/"), adapters=ADAPTERS)
    assert parsed.profile("sandbox") == CarrierProfile(
        name="sandbox", adapter="sandbox", base_url="http://carrier.example:8090", tracking="webhook",
        rate_card="parcel", service_levels=SERVICE_LEVELS)
    assert parsed.profile("sandbox_freight") == CarrierProfile(
        name="sandbox_freight", adapter="sandbox", base_url="http://carrier.example:8090", tracking="poll",
        rate_card="freight", service_levels=("economy", "standard"))
    assert parsed.rules == (CarrierRule(carrier="sandbox_freight", min_weight_kg=Decimal(30)),
                            CarrierRule(carrier="cheapest"))


def test_parsed_rule_normalises_its_conditions():
    parsed = setup([{"when": {"regions": ["West", "NORTH"], "countries": ["us"], "service_levels": ["express"],
                              "min_weight_kg": 1.5, "max_weight_kg": "20"},
                     "carrier": "cheapest", "among": ["van", "post"]}])
    assert parsed.rules == (CarrierRule(carrier="cheapest", regions=("west", "north"), countries=("US",),
                                        service_levels=("express",), min_weight_kg=Decimal("1.5"),
                                        max_weight_kg=Decimal(20), among=("van", "post")),)


@pytest.mark.parametrize("document, path, words", [
    (None, "_document", "expected a JSON object"),
    ([], "_document", "expected a JSON object"),
    ({}, "carriers", "at least one carrier"),
    ({"carriers": {}}, "carriers", "at least one carrier"),
    ({"carriers": ["post"]}, "carriers", "at least one carrier"),
    ({"carriers": {"post": "sandbox"}}, "carriers.post", "expected an object"),
    ({"carriers": {"post": carrier(adapter="pigeon")}}, "carriers.post", "adapter must be one of sandbox"),
    ({"carriers": {"post": {"base_url": URL}}}, "carriers.post", "adapter must be one of sandbox"),
    ({"carriers": {"post": carrier(base_url="ftp://x")}}, "carriers.post", "base_url must be an http(s) URL"),
    ({"carriers": {"post": carrier(base_url=None)}}, "carriers.post", "base_url must be an http(s) URL"),
    ({"carriers": {"post": carrier(tracking="pigeon")}}, "carriers.post", "tracking must be webhook or poll"),
    ({"carriers": {"post": carrier(service_levels=[])}}, "carriers.post", "service_levels must be a list"),
    ({"carriers": {"post": carrier(service_levels=["overnight"])}}, "carriers.post", "service_levels must be"),
    ({"carriers": {"post": carrier(service_levels="express")}}, "carriers.post", "service_levels must be"),
    ({"carriers": {"cheapest": carrier()}}, "carriers.cheapest", "not 'cheapest'"),
    ({"carriers": {"my-post": carrier()}}, "carriers.my-post", "letters, digits and _"),
    ({"carriers": {"p" * 33: carrier()}}, "carriers." + "p" * 33, "at most 32"),
    ({"carriers": {"post": carrier()}, "rules": {}}, "rules", "expected a list"),
    ({"carriers": {"post": carrier()}, "rules": ["post"]}, "rules[0]", "expected an object"),
    ({"carriers": {"post": carrier()}, "rules": [{}]}, "rules[0]", "carrier must be 'cheapest' or one of post"),
    ({"carriers": {"post": carrier()}, "rules": [{"carrier": "van"}]}, "rules[0]", "carrier must be"),
    ({"carriers": {"post": carrier()}, "rules": [{"carrier": "post", "when": []}]}, "rules[0]",
     "when must be an object"),
    ({"carriers": {"post": carrier()}, "rules": [{"carrier": "post", "when": {"weekday": "mon"}}]}, "rules[0]",
     "unknown conditions: weekday"),
    ({"carriers": {"post": carrier()}, "rules": [{"carrier": "post", "when": {"regions": "west"}}]}, "rules[0]",
     "when.regions must be a list of names"),
    ({"carriers": {"post": carrier()}, "rules": [{"carrier": "post", "when": {"countries": [""]}}]}, "rules[0]",
     "when.countries must be a list of names"),
    ({"carriers": {"post": carrier()}, "rules": [{"carrier": "post", "when": {"service_levels": [3]}}]},
     "rules[0]", "when.service_levels must be a list of names"),
    ({"carriers": {"post": carrier()}, "rules": [{"carrier": "post", "when": {"service_levels": ["overnight"]}}]},
     "rules[0]", "when.service_levels must be from economy, standard, express"),
    ({"carriers": {"post": carrier()}, "rules": [{"carrier": "cheapest", "among": ["post", "van"]}]}, "rules[0]",
     "among must list configured carriers"),
    ({"carriers": {"post": carrier()}, "rules": [{"carrier": "cheapest", "among": "post"}]}, "rules[0]",
     "among must list configured carriers"),
])
def test_each_mistake_is_reported_at_its_path(document, path, words):
    messages = errors_of(document)
    assert list(messages) == [path]
    assert any(words in problem for problem in messages[path]), messages


@pytest.mark.parametrize("key", ["min_weight_kg", "max_weight_kg"])
@pytest.mark.parametrize("value", [-1, "-0.001", "heavy", "", None, True, [30], "NaN", "Infinity"])
def test_weights_must_be_kilograms_not_below_zero(key, value):
    messages = errors_of({"carriers": {"post": carrier()}, "rules": [{"carrier": "post", "when": {key: value}}]})
    assert messages == {"rules[0]": [f"when.{key} must be a number of kilograms ≥ 0"]}


@pytest.mark.parametrize("value", [0, "0", "30", 29.999, "1e2"])
def test_weights_accept_numbers_and_numeric_strings(value):
    parsed = setup([{"carrier": "post", "when": {"min_weight_kg": value}}])
    assert parsed.rules[0].min_weight_kg == Decimal(str(value))


def test_several_mistakes_are_reported_at_once():
    messages = errors_of({
        "carriers": {"post": carrier(adapter="pigeon", base_url="ftp://x", tracking="smoke"),
                     "van": carrier(),
                     "bad-name": "nope"},
        "rules": [{"carrier": "van"},
                  {"carrier": "ship", "among": ["ghost"], "when": {"weekday": "mon", "min_weight_kg": -2}},
                  {"carrier": "cheapest", "when": {"regions": ["x"]}},
                  7],
    })
    assert set(messages) == {"carriers.post", "carriers.bad-name", "rules[1]", "rules[3]"}
    assert len(messages["carriers.post"]) == 3
    assert messages["rules[1]"] == ["carrier must be 'cheapest' or one of bad-name, post, van",
                                    "among must list configured carriers", "unknown conditions: weekday",
                                    "when.min_weight_kg must be a number of kilograms ≥ 0"]
    assert messages["rules[3]"] == ["expected an object"]


def test_only_known_adapters_are_accepted():
    document = {"carriers": {"post": carrier(adapter="postal")}}
    assert parse_setup(document, adapters=("sandbox", "postal")).profile("post").adapter == "postal"
    assert "carriers.post" in errors_of(document)


def test_a_bad_when_does_not_hide_the_rules_other_mistakes():
    messages = errors_of({"carriers": {"post": carrier()}, "rules": [{"carrier": "ghost", "when": "always"}]})
    assert any("carrier must be" in problem for problems in messages.values() for problem in problems), messages


@pytest.mark.parametrize("rule", [{"carrier": ["post"]}, {"carrier": "cheapest", "among": [["post"]]}])
def test_an_unhashable_carrier_name_is_a_reported_mistake(rule):
    assert "rules[0]" in errors_of({"carriers": {"post": carrier()}, "rules": [rule]})


# --- a property: the decision is always bookable -------------------------------------------------

NAMES = ("post", "truck", "van", "ship")
levels_st = st.lists(st.sampled_from(SERVICE_LEVELS), min_size=1, max_size=3, unique=True)
weights_st = st.decimals(min_value=0, max_value=100, places=3)
parcels_st = st.builds(ParcelFacts, region=st.sampled_from(["west", "West", "EAST", "r1"]),
                       country=st.sampled_from(["us", "US", "de", "Ch"]), weight_kg=weights_st,
                       service_level=st.sampled_from(SERVICE_LEVELS))


@st.composite
def setups(draw, *, named_carriers: bool):
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    carriers = {name: carrier(service_levels=draw(levels_st)) for name in names}
    rules = []
    for _ in range(draw(st.integers(0, 4))):
        when = draw(st.fixed_dictionaries({}, optional={
            "regions": st.lists(st.sampled_from(["west", "EAST", "r1"]), min_size=1, max_size=2),
            "countries": st.lists(st.sampled_from(["us", "DE"]), min_size=1, max_size=2),
            "service_levels": levels_st,
            "min_weight_kg": weights_st.map(str),
            "max_weight_kg": weights_st.map(str),
        }))
        choices = [st.just("cheapest")] + ([st.sampled_from(names)] if named_carriers else [])
        rule = {"when": when, "carrier": draw(st.one_of(*choices))}
        if rule["carrier"] == "cheapest" and draw(st.booleans()):
            rule["among"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
        rules.append(rule)
    return parse_setup({"carriers": carriers, "rules": rules}, adapters=ADAPTERS)


def assert_bookable(setup_: CarrierSetup, facts: ParcelFacts) -> None:
    offering = {name for name, p in setup_.carriers.items() if facts.service_level in p.service_levels}
    try:
        decision = decide_carrier(setup_, facts)
    except ValidationFailed:
        return  # refused: nothing to book (no candidate offering the level)
    if decision.carrier is not None:
        assert decision.quote_among == ()
        assert decision.carrier in offering, decision
    else:
        assert set(decision.quote_among) <= offering and len(decision.quote_among) >= 2, decision
        assert len(set(decision.quote_among)) == len(decision.quote_among)


@settings(max_examples=100, deadline=None)
@given(setups(named_carriers=False), parcels_st)
def test_cheapest_rules_always_leave_a_bookable_decision(setup_, facts):
    assert_bookable(setup_, facts)


@settings(max_examples=100, deadline=None)
@given(setups(named_carriers=False), parcels_st)
def test_refused_only_when_no_candidate_offers_the_level(setup_, facts):
    offering = {name for name, p in setup_.carriers.items() if facts.service_level in p.service_levels}
    if offering and not any(rule.among and rule.matches(facts) for rule in setup_.rules):
        decide_carrier(setup_, facts)  # does not raise


@settings(max_examples=100, deadline=None)
@given(setups(named_carriers=True), parcels_st)
def test_every_decision_is_bookable(setup_, facts):
    assert_bookable(setup_, facts)


def test_the_deployment_example_parses():
    import json
    from pathlib import Path

    document = json.loads((Path(__file__).parents[3] / "deploy/examples/carriers.json").read_text())
    example = parse_setup(document, adapters=("sandbox",))
    assert sorted(example.carriers) == ["freightco", "parcelco"] and example.profile("freightco").tracking == "poll"
