"""Every table of the OMS, in creation order: what migrations are generated from."""
from models.allocation.config import AllocationRuleSet
from models.core.audit import StatusChange
from models.intake.tables import (
                             ColumnMapping,
                             ImportBatch,
                             ImportRowError,
                             IntakeMessage,
                             SalesChannel,
)
from models.inventory.tables import Lane, Product, Stock, StockAlert, StockMovement, Warehouse
from models.orders.tables import Order, OrderLine, Reservation
from models.core.outbox import OutboxMessage
from models.partners.tables import ApiToken, Partner, User
from models.supply.tables import (
                             AdvanceShippingNotice,
                             AdvanceShippingNoticeLine,
                             PurchaseOrder,
                             PurchaseOrderLine,
)
from models.core.rate_limits import RateLimitWindow
from models.receivables.ledger import Invoice, Payment, PaymentApplication
from models.returns.tables import (
                             OrderFeedback,
                             Refund,
                             ReturnLabel,
                             ReturnLine,
                             ReturnPhoto,
                             ReturnRequest,
                             ReturnRuleSet,
)
from models.review.reviews import OrderReview, ReviewRuleSet
from models.shipping.tables import (
                             CancelledWaybill,
                             Shipment,
                             ShipmentAlert,
                             ShipmentEvent,
                             ShipmentLine,
                             TrackingEvent,
                             Waybill,
)

ALL_TABLES = [
    Partner, User, ApiToken,
    Product, Warehouse, Lane, Stock,
    Order, OrderLine, Reservation,
    Shipment, ShipmentLine, Waybill, TrackingEvent,
    ReturnRequest, ReturnLine,
    PurchaseOrder, PurchaseOrderLine, AdvanceShippingNotice, AdvanceShippingNoticeLine,
    StatusChange, OutboxMessage,
    ImportBatch, ImportRowError, ColumnMapping, SalesChannel, IntakeMessage,
    Invoice, Payment, PaymentApplication,
    ReviewRuleSet, OrderReview,
    AllocationRuleSet, StockMovement, StockAlert,
    CancelledWaybill, ShipmentEvent, ShipmentAlert, RateLimitWindow,
    ReturnRuleSet, ReturnLabel, Refund, ReturnPhoto, OrderFeedback,
]
