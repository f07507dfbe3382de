"""Carrier adapters, looked up by the carrier name stored on a shipment."""

from models.errors import ConfigError
from workers.carriers.base import Carrier
from workers.carriers.sandbox import SandboxCarrier

# A real carrier: one module implementing base.Carrier and one line here.
_REGISTRY: dict[str, type] = {
    "sandbox": SandboxCarrier,
}


def carrier_for(name: str, *, base_url: str) -> Carrier:
    """Build the adapter for the carrier called name, talking to base_url."""
    try:
        adapter = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise ConfigError(f"unknown carrier {name!r}; known carriers: {known}") from None
    return adapter(base_url)
