"""Every table of the OMS, in creation order: what migrations are generated from."""
from models.allocation_config import AllocationRuleSet
from models.audit import StatusChange
from models.intake import (
                             ColumnMapping,
                             ImportBatch,
                             ImportRowError,
                             IntakeMessage,
                             SalesChannel,
)
from models.inventory import Lane, Product, Stock, StockAlert, StockMovement, Warehouse
from models.orders import Order, OrderLine, Reservation
from models.outbox import OutboxMessage
from models.partners import ApiToken, Partner, User
from models.purchasing import (
                             AdvanceShippingNotice,
                             AdvanceShippingNoticeLine,
                             PurchaseOrder,
                             PurchaseOrderLine,
)
from models.rate_limits import RateLimitWindow
from models.receivables import Invoice, Payment, PaymentApplication
from models.returns import (
                             OrderFeedback,
                             Refund,
                             ReturnLabel,
                             ReturnLine,
                             ReturnPhoto,
                             ReturnRequest,
                             ReturnRuleSet,
)
from models.reviews import OrderReview, ReviewRuleSet
from models.shipping import (
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
