"""An accepted import order ready to be written, where it came from, and what writing a chunk did."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from models.core.base import CENT
from models.intake.rules import submitter_scope


@dataclass
class PlannedOrder:
    external_ref: str
    customer_id: int
    header: str  # the validated header fields (HEADER_FIELDS) as text, joined by rows.SEPARATOR
    lines: list[tuple[int, str, int, Decimal, bool]]  # product id, sku, quantity, unit price, price given

    def line_totals(self) -> list[Decimal]:
        return [(price * quantity).quantize(CENT) for _, _, quantity, price, _ in self.lines]


@dataclass(frozen=True)
class Provenance:
    channel: str
    batch_id: int
    placed_by_id: int | None
    submitted_by: str

    @property
    def reason(self) -> str:
        """The reason on the first audit row of each order."""
        return f"imported from batch {self.batch_id} via {self.channel}"

    def scope_of(self, order: PlannedOrder) -> str:
        """The submitter scope the order's ref is unique in: the uploading partner's, or ops' for its customer."""
        return submitter_scope(placed_by_id=self.placed_by_id, customer_id=order.customer_id)


@dataclass(frozen=True)
class ChunkOutcome:
    created: int = 0
    lines: int = 0
    duplicates: int = 0

    def __add__(self, other: ChunkOutcome) -> ChunkOutcome:
        return ChunkOutcome(self.created + other.created, self.lines + other.lines,
                            self.duplicates + other.duplicates)
