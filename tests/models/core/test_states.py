import pytest

from models.core.states import MACHINES, can_transition, sources_of
from models.orders.states import (
    ORDER_FINAL_STATES,
    ORDER_TRANSITIONS,
    ORDER_WAITING_STATES,
    ORDER_WORKING_STATES,
)
from models.sweeper import STAGE_FOR_ORDER_STATUS

INITIAL = {"order": "received", "shipment": "ready", "return": "requested", "purchase_order": "draft"}
FINAL = {
    "order": {"delivered", "rejected", "cancelled"},
    "shipment": {"delivered", "returned", "cancelled"},
    "return": {"rejected", "closed"},
    "purchase_order": {"closed", "cancelled"},
}
BEFORE_SHIPPED = ["received", "reviewing", "on_hold", "approved", "partially_allocated", "backordered", "allocated"]


def reachable(machine: str, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in MACHINES[machine][todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("machine", list(MACHINES))
def test_machine_is_closed(machine):
    states = MACHINES[machine]
    unknown = {t for targets in states.values() for t in targets} - set(states)
    assert not unknown
    assert all(state not in targets for state, targets in states.items()), "no state loops to itself"


@pytest.mark.parametrize("machine", list(MACHINES))
def test_final_states_have_no_exits_and_everything_else_can_end(machine):
    states = MACHINES[machine]
    assert {s for s, targets in states.items() if not targets} == FINAL[machine]
    for state in states:
        assert reachable(machine, state) & FINAL[machine], f"{state} can never finish"


@pytest.mark.parametrize("machine", list(MACHINES))
def test_every_state_reachable_from_the_initial_one(machine):
    assert reachable(machine, INITIAL[machine]) == set(MACHINES[machine])


def test_order_state_groups_partition_the_states():
    groups = ORDER_WORKING_STATES + ORDER_WAITING_STATES + ORDER_FINAL_STATES
    assert sorted(groups) == sorted(ORDER_TRANSITIONS)
    assert set(ORDER_FINAL_STATES) == FINAL["order"]


def test_each_working_state_has_the_stage_that_moves_it_on():
    assert set(STAGE_FOR_ORDER_STATUS) == set(ORDER_WORKING_STATES)


def test_states_before_shipped_are_those_that_can_still_ship():
    can_still_ship = {s for s in ORDER_TRANSITIONS if s != "shipped" and "shipped" in reachable("order", s)}
    assert can_still_ship == set(BEFORE_SHIPPED)


@pytest.mark.parametrize("state", BEFORE_SHIPPED)
def test_cancel_allowed_before_shipping(state):
    assert can_transition("order", state, "cancelled")


@pytest.mark.parametrize("state", ["shipped", "delivered", "rejected", "cancelled"])
def test_cancel_refused_once_shipped_or_finished(state):
    assert not can_transition("order", state, "cancelled")


@pytest.mark.parametrize("machine, target, sources", [
    ("order", "received", set()),
    ("return", "requested", set()),
    ("shipment", "ready", {"failed", "dispatched"}),  # dispatched: waybill cancelled before pickup
    ("order", "cancelled", set(BEFORE_SHIPPED)),
    # on hold: a credit re-check; the others: an order changed after placement
    ("order", "reviewing", {"received", "on_hold", "approved", "allocated", "partially_allocated", "backordered"}),
    ("order", "shipped", {"allocated", "partially_allocated"}),
    ("order", "delivered", {"shipped"}),
    ("shipment", "delivered", {"dispatched", "in_transit", "exception"}),
    ("return", "received", {"approved", "label_issued", "in_transit"}),
    ("return", "closed", {"refunded", "exchanged"}),
])
def test_sources_of(machine, target, sources):
    assert set(sources_of(machine, target)) == sources


@pytest.mark.parametrize("machine, current, target, allowed", [
    ("order", "received", "reviewing", True),
    ("order", "received", "approved", False),
    ("order", "received", "shipped", False),
    ("order", "allocated", "shipped", True),
    ("order", "shipped", "received", False),
    ("order", "nonsense", "reviewing", False),
    ("order", "received", "nonsense", False),
    ("shipment", "ready", "dispatched", True),
    ("shipment", "delivered", "exception", False),
    ("return", "requested", "refunded", False),
    ("return", "inspected", "refunded", True),
])
def test_can_transition(machine, current, target, allowed):
    assert can_transition(machine, current, target) is allowed
