"""Every error the OMS raises on purpose; views map them to 4xx, actors to "do not retry"."""


class OMSError(Exception):
    """Base class for all errors raised on purpose by the OMS."""


class ConfigError(OMSError):
    """Raised when an OMS_* setting has a value that cannot be used."""


class NotFound(OMSError):
    """Raised when a record asked for by id or code does not exist."""


class PermissionDenied(OMSError):
    """Raised when the current user or token may not do what was asked."""


class InvalidTransition(OMSError):
    """Raised when a status change is not allowed by the state machine."""


class OrderChangeRefused(OMSError):
    """Raised when an order may not be changed now (a shipment left, a final status); ``reason`` says why (409)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ValidationFailed(OMSError):
    """Raised when input fails validation; ``messages`` maps field (or row) to what is wrong."""

    def __init__(self, messages: dict, message: str = "validation failed") -> None:
        super().__init__(message)
        self.messages = messages


class TransientError(OMSError):
    """Raised when a failure may clear on its own (a service down, stock moving): worth retrying."""


class StockMoved(TransientError):
    """Raised when stock changed between planning and reserving; the plan is made again."""


class CarrierError(OMSError):
    """Raised when a carrier call fails; base of the carrier errors."""


class CarrierUnavailable(CarrierError, TransientError):
    """Raised when the carrier could not be reached or answered 5xx: worth retrying."""


class CarrierAmbiguous(CarrierUnavailable):
    """Raised when a request may have reached the carrier but no answer came back (timeout, reset)."""


class CarrierRejected(CarrierError):
    """Raised when the carrier refused the request (4xx): retrying the same request will not help."""


class SignatureInvalid(OMSError):
    """Raised when a signed webhook body does not match its signature or is outside the replay window."""


class InvariantViolated(OMSError):
    """Raised when stored data breaks an invariant (e.g. a reservation larger than the stock it holds)."""


class BatchItemsFailed(OMSError):
    """Raised when some ids of a batch message failed for good; the rest of the batch was processed."""


class RowRejected(OMSError):
    """Raised when one row of a master data file cannot be written; names the field and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SkuMatchRefused(ValidationFailed):
    """Raised when an order line cannot be matched to a catalogue SKU (unknown SKU, already matched, not on hold)."""


class ImportRefused(OMSError):
    """Raised when a whole order file is refused (too big, too many rows, unreadable, wrong columns or type)."""


class ImportTooLarge(ImportRefused):
    """Raised when an order file passes a size limit: its bytes, its unpacked bytes or its rows (HTTP 413)."""


class ImportUnsafe(ImportRefused):
    """Raised when an order file is built to hurt the reader: a zip bomb, an endless cell or line, a DTD (HTTP 422)."""


class BodyNotAnObject(OMSError):
    """Raised when an API request's body is not a JSON object."""


class BodyTooDeep(BodyNotAnObject):
    """Raised when an API request's JSON body nests deeper than any endpoint reads."""


class RuleSetChanged(OMSError):
    """Raised when settings are saved against a version that is no longer the one in force."""

    def __init__(self, expected: int, current) -> None:
        super().__init__(f"the rules are at version {current.version} (saved by {current.created_by}), "
                         f"not {expected}")
        self.expected = expected
        self.current = current
