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


class ValidationFailed(OMSError):
    """Raised when input fails validation; ``messages`` maps field (or row) to what is wrong."""

    def __init__(self, messages: dict, message: str = "validation failed") -> None:
        super().__init__(message)
        self.messages = messages


class CarrierError(OMSError):
    """Raised when a carrier call fails; base of the carrier errors."""


class CarrierUnavailable(CarrierError):
    """Raised when the carrier could not be reached or answered 5xx: worth retrying."""


class CarrierAmbiguous(CarrierUnavailable):
    """Raised when a request may have reached the carrier but no answer came back (timeout, reset)."""


class CarrierRejected(CarrierError):
    """Raised when the carrier refused the request (4xx): retrying the same request will not help."""


class SignatureInvalid(OMSError):
    """Raised when a signed webhook body does not match its signature or is outside the replay window."""
