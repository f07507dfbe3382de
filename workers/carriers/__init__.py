"""Carrier adapters by name, and the carriers setup (which carriers exist, which rules choose between them)."""
from __future__ import annotations

import json
import threading
from functools import lru_cache

import requests

from models.core.config import Settings
from models.core.errors import ConfigError, ValidationFailed
from models.shipping.rules import CarrierSetup, default_setup_document, parse_setup
from workers.carriers.base import Carrier
from workers.carriers.sandbox import SandboxCarrier

# A real carrier: one module implementing base.Carrier, one line here, and an entry in the carriers setup.
_ADAPTERS: dict[str, type] = {
    "sandbox": SandboxCarrier,
}
_sessions = threading.local()  # requests.Session is not thread-safe: one per worker thread, reused


def carrier_setup(settings: Settings) -> CarrierSetup:
    """The configured carriers and rules: OMS_CARRIERS_FILE, or the bundled sandbox setup."""
    return _load_setup(settings.carriers_file, settings.carrier_url)


@lru_cache(maxsize=8)
def _load_setup(path: str, carrier_url: str) -> CarrierSetup:
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"OMS_CARRIERS_FILE={path!r}: cannot read it as JSON ({exc})") from exc
    else:
        document = default_setup_document(carrier_url)
    try:
        return parse_setup(document, adapters=tuple(_ADAPTERS))
    except ValidationFailed as exc:
        raise ConfigError(f"OMS_CARRIERS_FILE={path!r}: {exc.messages}") from exc


def carrier_for(name: str, settings: Settings) -> Carrier:
    """Build the adapter for the configured carrier called name."""
    setup = carrier_setup(settings)
    try:
        profile = setup.profile(name)
    except KeyError:
        known = ", ".join(sorted(setup.carriers))
        raise ConfigError(f"unknown carrier {name!r}; configured carriers: {known}") from None
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    return _ADAPTERS[profile.adapter](profile.base_url, name=profile.name, rate_card=profile.rate_card,
                                      read_timeout=settings.carrier_timeout_seconds, session=session)
