"""Allocation planning: pure rules from an order's demand and its candidate sources to a plan and its explanation.

Without splitting (`allow_split=False`) the whole order ships as one shipment from a single source; with it, lines
may be spread over several sources and a line itself may be split when no one source can send it whole.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

from models.allocation.plan_inputs import (
    PARTIALS,
    STRATEGIES,
    LineDemand,
    PlanPolicy,
    SourceOption,
)
from models.allocation.search import (
    RANK_LABELS,
    Fill,
    fill_from,
    preference_key,
    search,
    source_identity,
)
from models.core.texts import N_, Joined, Text

__all__ = [
    "NO_SOURCES",
    "PARTIALS",
    "STRATEGIES",
    "AllocationPlan",
    "LineDemand",
    "Pick",
    "PlanCandidate",
    "PlanPolicy",
    "SourceOption",
    "plan_allocation",
    "plan_first_fit",
    "source_order",
]

NO_SOURCES = N_("no warehouse or drop-ship supplier serves this region")
# the strategies and the ranking measures (models.allocation.search.RANK_LABELS) as the explanations name them
MEASURE_WORDS = {"cheapest": N_("cheapest"), "fastest": N_("fastest"), "balanced": N_("balanced"),
                 "units covered": N_("units covered"), "cost": N_("cost"), "shipments": N_("shipments"),
                 "delivery days": N_("delivery days"), "score": N_("score"),
                 "source code order": N_("source code order")}


@dataclass(frozen=True)
class Pick:
    line_id: int
    product_id: int
    warehouse_id: int | None
    quantity: int
    supplier_id: int | None = None
    source_code: str = ""


@dataclass(frozen=True)
class PlanCandidate:
    """A plan as compared: its sources, total cost, slowest delivery, shipments and the strategy's measure."""

    sources: tuple[str, ...]
    cost: Decimal
    eta_days: int
    shipments: int
    score: Decimal

    def describe(self, strategy: str) -> str:
        return str(self.describe_text(strategy))

    def describe_text(self, strategy: str) -> Text:
        # many orders of a batch share their chosen plan; the figures go in as they read (8.25 is not 8.250)
        return _described(*self.key(strategy))

    def key(self, strategy: str) -> tuple:
        """What the plan's words depend on, its figures as they read."""
        return self.sources, str(self.cost), self.eta_days, self.shipments, str(self.score), strategy


@lru_cache(maxsize=4096)
def _described(sources: tuple[str, ...], cost: str, eta_days: int, shipments: int, score: str,
               strategy: str) -> Text:
    """A compared plan in words (a Text is immutable: one may serve every plan that reads the same)."""
    labels = [Text("%(code)s (drop-ship)", code=label.removesuffix(DROPSHIP_LABEL))
              if label.endswith(DROPSHIP_LABEL) else label for label in sources]
    values = {"sources": Joined(labels, " + "), "shipments": _count(shipments, SHIPMENTS), "cost": Decimal(cost),
              "days": eta_days}
    if strategy == "balanced":
        return Text("%(sources)s, %(shipments)s, cost %(cost)s, ETA %(days)s d, score %(score)s", **values,
                    score=Decimal(score))
    return Text("%(sources)s, %(shipments)s, cost %(cost)s, ETA %(days)s d", **values)


@dataclass(frozen=True)
class AllocationPlan:
    picks: tuple[Pick, ...]
    explanation: str
    shortfall: Mapping[int, int] = field(default_factory=dict)  # line_id -> units not planned (backorder)
    chosen: PlanCandidate | None = None
    runner_up: PlanCandidate | None = None
    text: Text | None = None  # the explanation as its template and values, for pages in other languages
    considered_text: tuple[Text, ...] = ()  # one line per source

    @property
    def considered(self) -> tuple[str, ...]:
        """The sources weighed, one English line each (rendered when read: the stored plan keeps the templates)."""
        return tuple(str(line) for line in self.considered_text)

    @property
    def complete(self) -> bool:
        """Every line fully planned; an order with nothing to pick is not complete."""
        return bool(self.picks) and not any(self.shortfall.values())

    @property
    def empty(self) -> bool:
        return not self.picks

    def as_document(self) -> dict:
        """The form stored with the order, written by ``models.core.texts.dumps`` (its Text values as templates,
        Decimals as strings); line ids as string keys. The English of
        the explanation and of the sources weighed is not stored beside their templates: a reader renders it
        (models.orders.allocation_plans.plan_of)."""
        def candidate(c: PlanCandidate | None) -> dict | None:
            return None if c is None else {"sources": list(c.sources), "cost": str(c.cost), "eta_days": c.eta_days,
                                           "shipments": c.shipments, "score": str(c.score)}
        return {
            "picks": [{"line_id": p.line_id, "product_id": p.product_id, "warehouse_id": p.warehouse_id,
                       "supplier_id": p.supplier_id, "source_code": p.source_code, "quantity": p.quantity}
                      for p in self.picks],
            "shortfall": {str(line_id): units for line_id, units in self.shortfall.items()},
            "complete": self.complete,
            "chosen": candidate(self.chosen),
            "runner_up": candidate(self.runner_up),
            **({"explanation": self.explanation} if self.text is None else {"explanation_text": self.text}),
            "considered_text": self.considered_text,
        }


def plan_allocation(lines: Sequence[LineDemand], sources: Sequence[SourceOption],
                    policy: PlanPolicy = PlanPolicy()) -> AllocationPlan:
    """The best plan for the lines under the policy, with the runner-up and every shortfall explained."""
    _check(lines, sources)
    full = {line.line_id: line.quantity for line in lines if line.quantity > 0}
    key = preference_key(policy)
    alone = {source_identity(source): fill_from(lines, (source,), policy) for source in sources
             if policy.allow_dropship or not source.is_dropship}  # what each usable source fills by itself
    notes = tuple(_source_note(source, lines, policy, alone) for source in sorted(sources, key=key))

    def plan(picks: tuple[Pick, ...], text: Text, shortfall: Mapping[int, int] | None = None,
             chosen: PlanCandidate | None = None, runner_up: PlanCandidate | None = None) -> AllocationPlan:
        return AllocationPlan(picks, str(text), {} if shortfall is None else shortfall, chosen, runner_up, text, notes)

    usable = sorted((s for s in sources if policy.allow_dropship or not s.is_dropship), key=key)
    if not usable:
        return plan((), Text(NO_SOURCES), full)
    total = sum(full.values())
    candidates = [s for s in usable if any(s.available.get(line.product_id, 0) > 0 for line in lines)]
    fills, exact = search(lines, candidates, policy, alone) if total else ([], True)
    opening = _opening(policy.strategy, len(usable), len(fills), exact)
    if not total:
        return plan((), _sentences(opening, Text("Nothing to allocate.")))
    if not fills:
        return plan((), _sentences(opening, Text("No source has stock for any line; all lines backordered.")), full)
    best = fills[0]
    if best.covered < total and policy.partial == "ship_complete":
        text = Text("Ship complete: no plan fills every line; the best, %(best)s, covers %(covered)s of %(total)s "
                    "units. Nothing planned; all lines backordered.",
                    best=_candidate(best).describe_text(policy.strategy), covered=best.covered, total=total)
        return plan((), _sentences(opening, text), full)
    picks = tuple(Pick(lines[index].line_id, lines[index].product_id, source.warehouse_id, units,
                       source.supplier_id, source.warehouse_code) for index, source, units in best.allotments)
    shortfall = _shortfall(lines, picks)
    chosen = _candidate(best)
    runner_up = _candidate(fills[1]) if len(fills) > 1 else None
    text = [opening, _chosen_sentence(chosen.key(policy.strategy))]
    if runner_up is not None:
        text.append(_runner_up_sentence(runner_up.key(policy.strategy), _lost_on(policy, best, fills[1])))
    else:
        text.append(_ONLY_PLAN)
    if shortfall:
        text.append(Text("Backordered: %(lines)s.", lines=Joined(
            [Text("line %(line)s short %(units)s of %(quantity)s", line=line_id, units=units, quantity=full[line_id])
             for line_id, units in shortfall.items()], ", ")))
    return plan(picks, _sentences(*text), shortfall, chosen, runner_up)


def source_order(sources: Sequence[SourceOption]) -> list[SourceOption]:
    """The cheapest strategy's preference order: cheapest lane, then fastest, then code."""
    return sorted(sources, key=preference_key(PlanPolicy()))


FIRST_FIT = PlanPolicy(strategy="cheapest", allow_split=False, allow_dropship=False, partial="ship_complete")


def plan_first_fit(lines: Sequence[LineDemand], sources: Sequence[SourceOption]) -> AllocationPlan:
    """The whole order from the cheapest warehouse that fills it, worded as orders allocated so far record it."""
    plan = plan_allocation(lines, sources, FIRST_FIT)
    text = _first_fit_explanation(lines, sources)
    return replace(plan, explanation=str(text), text=text)


def _first_fit_explanation(lines: Sequence[LineDemand], sources: Sequence[SourceOption]) -> Text:
    warehouses = [source for source in sources if not source.is_dropship]
    if not warehouses:
        return Text("no warehouse ships to this region")
    demand: dict[int, int] = {}
    for line in lines:
        demand[line.product_id] = demand.get(line.product_id, 0) + line.quantity
    notes = []
    for source in source_order(warehouses):
        short = sum(1 for pid, units in demand.items() if source.available.get(pid, 0) < units)
        if not short:
            notes.append(Text("%(source)s: fills all lines (lane cost %(cost)s, %(days)s d)",
                              source=source.warehouse_code, cost=source.cost, days=source.lead_time_days))
            return _listed(notes)
        notes.append(Text("%(source)s: short on %(count)s product(s)", source=source.warehouse_code, count=short))
    return Text("no single warehouse can fill the order: %(notes)s", notes=Joined(notes, "; "))


def _check(lines: Sequence[LineDemand], sources: Sequence[SourceOption]) -> None:
    if any(line.quantity < 0 for line in lines):
        raise ValueError("line quantities must not be negative")
    if len({line.line_id for line in lines}) != len(lines):
        raise ValueError("line ids must be unique within an order")
    if len({source_identity(source) for source in sources}) != len(sources):
        raise ValueError("each warehouse or supplier code may appear once among the sources")


def _source_note(source: SourceOption, lines: Sequence[LineDemand], policy: PlanPolicy,
                 alone_by_source: Mapping[tuple[str, bool], Fill]) -> Text:
    """One line per source for the order page: its lane and how many lines it could fill alone."""
    lane = (source.warehouse_code, source.is_dropship, source.cost, str(source.cost), source.lead_time_days)
    if source.is_dropship and not policy.allow_dropship:
        return _source_note_text(*lane, None, 0)
    alone = alone_by_source[source_identity(source)]
    filled = {index for index, _, _ in alone.allotments}
    whole = sum(1 for index, line in enumerate(lines)
                if index in filled and sum(u for i, _, u in alone.allotments if i == index) == line.quantity)
    return _source_note_text(*lane, whole, len(lines))


@lru_cache(maxsize=4096)
def _source_note_text(code: str, dropship: bool, cost: Decimal, cost_read: str, days: int, whole: int | None,
                      lines: int) -> Text:
    """A source's note, shared by every order that reads the same (``whole`` None: drop-ship is off)."""
    lane = {"source": code, "cost": cost, "days": days}
    head = (Text("%(source)s: drop-ship %(cost)s, %(days)s d", **lane) if dropship
            else Text("%(source)s: lane %(cost)s, %(days)s d", **lane))
    if whole is None:
        return Text("%(head)s, not used: drop-ship is off", head=head)
    return Text("%(head)s, fills %(whole)s/%(lines)s lines", head=head, whole=whole, lines=lines)


def _shortfall(lines: Sequence[LineDemand], picks: Sequence[Pick]) -> dict[int, int]:
    planned: dict[int, int] = {}
    for pick in picks:
        planned[pick.line_id] = planned.get(pick.line_id, 0) + pick.quantity
    return {line.line_id: line.quantity - planned.get(line.line_id, 0)
            for line in lines if line.quantity > planned.get(line.line_id, 0)}


# a count in words: (one, several)
SOURCES = (N_("%(count)s source"), N_("%(count)s sources"))
PLANS = (N_("%(count)s plan"), N_("%(count)s plans"))
SHIPMENTS = (N_("%(count)s shipment"), N_("%(count)s shipments"))
DROPSHIP_LABEL = " (drop-ship)"  # how SourceOption.label names a supplier


def _count(number: int, nouns: tuple[str, str]) -> Text:
    return Text(nouns[0] if number == 1 else nouns[1], count=number)


def _measure(code: str) -> Text | str:
    return Text(MEASURE_WORDS[code]) if code in MEASURE_WORDS else code


def _sentences(*sentences: Text) -> Text:
    """Sentences read one after the other."""
    text = sentences[0]
    for then in sentences[1:]:
        text = Text("%(first)s %(then)s", first=text, then=then)
    return text


def _listed(notes: list[Text]) -> Text:
    """Notes read as one, "; " between them."""
    text = notes[0]
    for then in notes[1:]:
        text = Text("%(first)s; %(then)s", first=text, then=then)
    return text


def _candidate(fill: Fill) -> PlanCandidate:
    return PlanCandidate(tuple(source.label for source in fill.sources), fill.cost, fill.eta_days,
                         len(fill.sources), fill.score)


def _lost_on(policy: PlanPolicy, best: Fill, other: Fill) -> tuple:
    """The first ranking measure on which the runner-up fell behind, with its two figures (None for the code
    order): the key of ``_lost_on_text``, figures twice (as given, and as they read: 8.25 is not 8.250)."""
    for label, mine, theirs in zip(RANK_LABELS[policy.strategy], best.rank, other.rank, strict=True):
        if mine != theirs:
            if label == "units covered":
                theirs, mine = -theirs, -mine
            elif label == "source code order":
                break
            return label, theirs, mine, str(theirs), str(mine)
    return "source code order", None, None, "", ""


def _lost_on_text(label: str, theirs: object, mine: object) -> Text | str:
    if theirs is None:
        return _measure(label)
    return Text("%(measure)s (%(theirs)s vs %(mine)s)", measure=_measure(label), theirs=theirs, mine=mine)


# The sentences of an explanation that many orders share, built once: a Text is immutable and keeps its English
# once rendered, so an order's explanation costs the rendering of what is its own only.
_ONLY_PLAN = Text("No other plan was possible.")


@lru_cache(maxsize=1024)
def _opening(strategy: str, sources: int, plans: int, exact: bool) -> Text:
    return Text("Strategy %(strategy)s over %(sources)s (%(plans)s compared, %(search)s search).",
                strategy=_measure(strategy), sources=_count(sources, SOURCES), plans=_count(plans, PLANS),
                search=Text("exact") if exact else Text("greedy"))


@lru_cache(maxsize=4096)
def _chosen_sentence(plan_key: tuple) -> Text:
    """The chosen plan's sentence, by ``PlanCandidate.key``."""
    return Text("Chosen: %(plan)s.", plan=_described(*plan_key))


@lru_cache(maxsize=4096)
def _runner_up_sentence(plan_key: tuple, lost: tuple) -> Text:
    """The runner-up's sentence, by ``PlanCandidate.key`` and what ``_lost_on`` says it lost on."""
    label, theirs, mine, _, _ = lost
    return Text("Runner-up: %(plan)s; lost on %(measure)s.", plan=_described(*plan_key),
                measure=_lost_on_text(label, theirs, mine))
