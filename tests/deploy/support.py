"""Reading the deploy/ files as their tools would: the compose file, the env example, systemd units."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def env_file(path: Path) -> dict[str, str]:
    """NAME=value lines as compose's env_file and systemd's EnvironmentFile read them (no quotes used)."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"{path.name}:{number}: not NAME=value: {line!r}"
        values[name] = value
    return values


def commented_names(path: Path) -> set[str]:
    """OMS_ variables named in commented-out examples (#OMS_X=…)."""
    return set(re.findall(r"^#\s*(OMS_[A-Z0-9_]+)=", path.read_text(), flags=re.MULTILINE))


def unit_commands(path: Path) -> dict[str, list[str]]:
    """Exec* lines of a systemd unit, split into words."""
    commands: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.startswith("Exec"):
            commands.setdefault(key, []).append(value)
    return commands


def unit_values(path: Path, key: str) -> list[str]:
    return [word for line in path.read_text().splitlines() if line.startswith(f"{key}=")
            for word in line.split("=", 1)[1].split()]


def oms_argv(command) -> list[str] | None:
    """The arguments after `oms` of a command line or list, or None when it runs something else."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if not words or Path(words[0]).name != "oms":
        return None
    return words[1:]
