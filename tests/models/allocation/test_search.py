"""The exact search skips subsets led by a source that fills everything alone: it must find the same fills, in the
same order, as trying every subset."""
from __future__ import annotations

import random
from decimal import Decimal
from itertools import combinations

import pytest

from models.allocation.plan_inputs import LineDemand, PlanPolicy, SourceOption
from models.allocation.search import fill_from, search, source_identity


def every_subset(lines, candidates, policy):
    """The search as it was: every subset of the candidates, smallest first."""
    sizes = range(1, len(candidates) + 1) if policy.allow_split else (1,)
    fills = [fill_from(lines, subset, policy) for size in sizes for subset in combinations(candidates, size)]
    distinct = {}
    for fill in fills:
        if fill.sources:
            distinct.setdefault(tuple(source_identity(s) for s in fill.sources), fill)
    return sorted(distinct.values(), key=lambda f: f.rank)


def random_case(rng: random.Random):
    products = [100 + n for n in range(rng.randint(1, 4))]
    lines = [LineDemand(n, rng.choice(products), rng.randint(1, 6), f"SKU{n}") for n in range(rng.randint(1, 4))]
    sources = [SourceOption(warehouse_id=n, warehouse_code=f"W{n}", cost=Decimal(rng.randint(1, 9)),
                            lead_time_days=rng.randint(1, 5),
                            available={pid: rng.choice([0, 1, 3, 6, 20]) for pid in products})
               for n in range(rng.randint(1, 5))]
    return lines, sources


@pytest.mark.parametrize("strategy", ["cheapest", "fastest", "balanced"])
@pytest.mark.parametrize("allow_split", [True, False])
def test_the_pruned_exact_search_finds_what_every_subset_finds(strategy, allow_split):
    rng = random.Random(f"{strategy}-{allow_split}")
    policy = PlanPolicy(strategy=strategy, allow_split=allow_split)
    for _ in range(300):
        lines, sources = random_case(rng)
        fills, exact = search(lines, sources, policy)
        assert exact
        assert fills == every_subset(lines, sources, policy)


def test_a_single_source_fills_as_the_general_fill_does_beside_a_source_that_has_nothing():
    """fill_from takes a shortcut for one source; a second source with no stock sends the same lines down the
    general path, which must give the same fill: lines over, under and at the stock, repeated products, negatives."""
    rng = random.Random(3)
    empty = SourceOption(2, "ZZZ-EMPTY", Decimal("1"), 1, {})
    for _ in range(2000):
        lines = [LineDemand(i, rng.randint(1, 4), rng.randint(-1, 6)) for i in range(rng.randint(1, 4))]
        source = SourceOption(1, "EAST", Decimal(rng.choice(["5", "5.0", "5.00", "0"])), rng.randint(0, 5),
                              {p: rng.randint(-2, 8) for p in rng.sample(range(1, 5), rng.randint(0, 4))})
        policy = PlanPolicy(strategy=rng.choice(["cheapest", "fastest", "balanced"]))
        alone, general = fill_from(lines, (source,), policy), fill_from(lines, (source, empty), policy)
        assert alone == general and (str(alone.cost), str(alone.score)) == (str(general.cost), str(general.score))
