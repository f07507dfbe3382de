"""Finding the best set of sources for an order: exact over source subsets when there are few, greedy when many."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from models.allocation.plan_inputs import LineDemand, PlanPolicy, SourceOption

# What each position of a fill's rank compares, to say why a runner-up lost.
RANK_LABELS = {
    "cheapest": ("units covered", "cost", "shipments", "delivery days", "source code order"),
    "fastest": ("units covered", "delivery days", "shipments", "cost", "source code order"),
    "balanced": ("units covered", "score", "shipments", "source code order"),
}


@dataclass(frozen=True)
class Fill:
    """One way to serve the order: which source sends how many units of which line, and how that ranks."""

    sources: tuple[SourceOption, ...]  # the sources actually used, in preference order
    allotments: tuple[tuple[int, SourceOption, int], ...]  # (line index, source, units)
    covered: int
    cost: Decimal
    eta_days: int
    score: Decimal
    rank: tuple  # smaller is better


def source_identity(source: SourceOption) -> tuple[str, bool]:
    """What tells two sources apart: a warehouse and a supplier may share a code."""
    return (source.warehouse_code, source.is_dropship)


def preference_key(policy: PlanPolicy) -> Callable[[SourceOption], tuple]:
    """The order sources are tried in: by the strategy's own measure, then the other one, then code."""
    def key(source: SourceOption) -> tuple:
        tail = source_identity(source)
        if policy.strategy == "fastest":
            return (source.lead_time_days, source.cost, *tail)
        if policy.strategy == "balanced":
            weighted = policy.cost_weight * source.cost + policy.days_weight * source.lead_time_days
            return (weighted, source.cost, source.lead_time_days, *tail)
        return (source.cost, source.lead_time_days, *tail)
    return key


def search(lines: Sequence[LineDemand], candidates: Sequence[SourceOption], policy: PlanPolicy,
           alone: Mapping[tuple[str, bool], Fill] | None = None) -> tuple[list[Fill], bool]:
    """Distinct fills best first, and whether the search was exact; candidates come in preference order.
    ``alone`` may hold what a source fills alone (``fill_from`` it), by ``source_identity``, found already."""
    exact = not policy.allow_split or len(candidates) <= policy.exact_search_limit
    singles = [(alone or {}).get(source_identity(source)) or fill_from(lines, (source,), policy)
               for source in candidates]
    fills = (_exact_fills(lines, candidates, policy, singles) if exact
             else _greedy_fills(lines, candidates, policy, singles))
    distinct: dict[tuple, Fill] = {}
    for fill in fills:
        if fill.sources:
            distinct.setdefault(tuple(source_identity(s) for s in fill.sources), fill)
    return sorted(distinct.values(), key=lambda f: f.rank), exact


def _exact_fills(lines: Sequence[LineDemand], candidates: Sequence[SourceOption], policy: PlanPolicy,
                 singles: Sequence[Fill]) -> Iterator[Fill]:
    # Without splitting the order ships as one shipment, so only single sources are plans.
    wanted = sum(max(0, line.quantity) for line in lines)
    whole: set[int] = set()  # candidates that fill every line alone
    for index, fill in enumerate(singles):
        if fill.covered == wanted:
            whole.add(index)
        yield fill
    if not policy.allow_split:
        return
    for size in range(2, len(candidates) + 1):
        for subset in combinations(range(len(candidates)), size):
            # A subset led by a source that fills everything alone fills exactly as that source alone does
            # (each line comes whole from the first source that can): the same fill, already found.
            if subset[0] not in whole:
                yield fill_from(lines, tuple(candidates[i] for i in subset), policy)


def _greedy_fills(lines: Sequence[LineDemand], candidates: Sequence[SourceOption], policy: PlanPolicy,
                  singles: Sequence[Fill]) -> Iterator[Fill]:
    # Single sources are cheap to try and keep a lucky one-stop plan from losing to the heuristic.
    yield from singles
    chosen = _greedy_cover(_demand(lines), candidates, policy)
    if chosen:
        yield fill_from(lines, tuple(candidates[i] for i in sorted(chosen)), policy)


def _greedy_cover(demand: dict[int, int], candidates: Sequence[SourceOption], policy: PlanPolicy) -> set[int]:
    """Indexes of the sources a greedy cover picks: most remaining units per unit of score first."""
    remaining, chosen = dict(demand), set()
    while any(remaining.values()):
        best, best_key = None, None
        for index, source in enumerate(candidates):
            covered = _units(source, remaining)
            if index in chosen or not covered:
                continue
            weight = _unit_score(source, policy)
            key = (0, -covered, index) if weight <= 0 else (1, -(Decimal(covered) / weight), index)
            if best_key is None or key < best_key:
                best, best_key = index, key
        if best is None:
            break
        chosen.add(best)
        remaining = {pid: max(0, units - _free(candidates[best], pid)) for pid, units in remaining.items()}
    # A source picked early may be covered entirely by later ones: drop the costliest such first.
    reach = _coverage(demand, [candidates[i] for i in chosen])
    for index in sorted(chosen, key=lambda i: (_unit_score(candidates[i], policy), i), reverse=True):
        rest = [candidates[i] for i in chosen if i != index]
        if rest and _coverage(demand, rest) == reach:
            chosen.discard(index)
    return chosen


def fill_from(lines: Sequence[LineDemand], subset: Sequence[SourceOption], policy: PlanPolicy) -> Fill:
    """Fill lines in order from the subset: a line comes whole from the first source that can, else split."""
    if len(subset) == 1:
        return _fill_from_one(lines, subset[0], policy)
    left = [{pid: max(0, units) for pid, units in source.available.items()} for source in subset]
    allotments: list[tuple[int, SourceOption, int]] = []
    taken_from: set[int] = set()  # positions in the subset of the sources used
    for index, line in enumerate(lines):
        need, pid = line.quantity, line.product_id
        whole = next((i for i, free in enumerate(left) if free.get(pid, 0) >= need), None)
        for i in ([whole] if whole is not None else range(len(subset))):
            take = min(need, left[i].get(pid, 0))
            if take > 0:
                allotments.append((index, subset[i], take))
                taken_from.add(i)
                left[i][pid] -= take
                need -= take
            if not need:
                break
    used = tuple(subset[i] for i in sorted(taken_from))  # a subset's sources are distinct
    cost = sum((source.cost for source in used), Decimal(0))
    eta = max((source.lead_time_days for source in used), default=0)
    covered = sum(units for _, _, units in allotments)
    score = plan_score(policy, cost, eta, len(used))
    return Fill(used, tuple(allotments), covered, cost, eta, score,
                _rank(policy, covered, cost, eta, score, used))


def _fill_from_one(lines: Sequence[LineDemand], source: SourceOption, policy: PlanPolicy) -> Fill:
    """``fill_from`` a single source: each line takes what is left of its product there, up to its quantity."""
    left = dict(source.available)
    allotments = []
    for index, line in enumerate(lines):
        take = min(line.quantity, max(0, left.get(line.product_id, 0)))
        if take > 0:
            allotments.append((index, source, take))
            left[line.product_id] -= take
    used = (source,) if allotments else ()
    cost = source.cost if used else Decimal(0)
    eta = source.lead_time_days if used else 0
    covered = sum(units for _, _, units in allotments)
    score = plan_score(policy, cost, eta, len(used))
    return Fill(used, tuple(allotments), covered, cost, eta, score, _rank(policy, covered, cost, eta, score, used))


def plan_score(policy: PlanPolicy, cost: Decimal, eta_days: int, shipments: int) -> Decimal:
    """The strategy's primary measure: cost, delivery days, or the weighted sum for balanced."""
    if policy.strategy == "fastest":
        return Decimal(eta_days)
    if policy.strategy == "balanced":
        return (policy.cost_weight * cost + policy.days_weight * eta_days
                + policy.split_penalty * max(0, shipments - 1))
    return cost


def _rank(policy: PlanPolicy, covered: int, cost: Decimal, eta: int, score: Decimal,
          used: Sequence[SourceOption]) -> tuple:
    codes = tuple(sorted(source_identity(source) for source in used))
    if policy.strategy == "fastest":
        return (-covered, eta, len(used), cost, codes)
    if policy.strategy == "balanced":
        return (-covered, score, len(used), codes)
    return (-covered, cost, len(used), eta, codes)


def _demand(lines: Sequence[LineDemand]) -> dict[int, int]:
    demand: dict[int, int] = {}
    for line in lines:  # two lines of one product draw on the same free stock
        demand[line.product_id] = demand.get(line.product_id, 0) + line.quantity
    return demand


def _free(source: SourceOption, product_id: int) -> int:
    return max(0, source.available.get(product_id, 0))


def _units(source: SourceOption, demand: dict[int, int]) -> int:
    return sum(min(units, _free(source, pid)) for pid, units in demand.items())


def _coverage(demand: dict[int, int], sources: Sequence[SourceOption]) -> int:
    return sum(min(units, sum(_free(s, pid) for s in sources)) for pid, units in demand.items())


def _unit_score(source: SourceOption, policy: PlanPolicy) -> Decimal:
    if policy.strategy == "fastest":
        return Decimal(source.lead_time_days)
    if policy.strategy == "balanced":
        return policy.cost_weight * source.cost + policy.days_weight * source.lead_time_days + policy.split_penalty
    return source.cost
