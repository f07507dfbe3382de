"""The portal's languages and how a browser's Accept-Language tags map onto them; no framework here."""
from __future__ import annotations

from collections.abc import Iterable

DEFAULT = "en"
# Tag (as ?lang= and the profile spell it) -> the name shown in the switcher, in its own script.
LANGUAGES = {"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}
# Traditional characters are read in Taiwan, Hong Kong and Macau; Simplified in mainland China, Singapore and
# Malaysia. A bare "zh" is taken as Simplified, as CLDR's likely-subtags do.
_TRADITIONAL_REGIONS = {"tw", "hk", "mo"}


def canonical(tag: str | None) -> str | None:
    """The portal language a tag names ("zh-TW" -> "zh-Hant", "EN-us" -> "en"), or None for any other."""
    parts = (tag or "").strip().replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] != "zh":
        return None
    rest = set(parts[1:])
    if "hant" in rest or (rest & _TRADITIONAL_REGIONS and "hans" not in rest):
        return "zh-Hant"
    return "zh-Hans"


def best_match(accepted: Iterable[str]) -> str | None:
    """The first portal language among ``accepted`` (tags in the browser's order of preference), else None."""
    for tag in accepted:
        language = canonical(tag)
        if language:
            return language
    return None


def babel_locale(language: str) -> str:
    """The Babel locale identifier of a portal language: "zh-Hant" -> "zh_Hant" (its catalogue's directory)."""
    return language.replace("-", "_")
