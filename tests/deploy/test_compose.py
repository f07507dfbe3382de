"""deploy/ as shipped: the compose topology, the image build, the env example, the systemd units and the Procfile
agree with each other and with the `oms` CLI (Docker itself is not needed to check them)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.core.config import load_settings
from portal.cli import main
from tests.deploy.support import (
    DEPLOY,
    ROOT,
    commented_names,
    compose,
    env_file,
    oms_argv,
    unit_commands,
    unit_values,
)

SERVICES = compose()["services"]
OMS_ROLES = [name for name, service in SERVICES.items() if service.get("image", "").startswith("relay-oms")]
LONG_RUNNING = [name for name in SERVICES if name != "migrate"]
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
EXAMPLE = DEPLOY / "oms.env.example"


def test_the_stack_has_every_role():
    assert {"db", "mq", "migrate", "portal", "worker", "relay"} <= set(SERVICES)
    assert set(OMS_ROLES) >= {"migrate", "portal", "worker", "relay"}
    assert "management" in SERVICES["mq"]["image"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_depends_on_waits_for_health_or_completion(name):
    for target, how in (SERVICES[name].get("depends_on") or {}).items():
        assert target in SERVICES, f"{name} depends on unknown service {target}"
        condition = how["condition"]  # the short list form would only wait for a start
        assert condition in ("service_healthy", "service_completed_successfully"), (name, target, condition)
        if condition == "service_healthy":
            assert SERVICES[target].get("healthcheck", {}).get("test"), f"{target} has no health check"
        else:
            assert SERVICES[target].get("restart") in ("no", "on-failure"), f"{target} is not one-shot"


@pytest.mark.parametrize("name", [n for n in sorted(SERVICES) if n != "migrate"])
def test_every_oms_role_waits_for_the_migration_and_healthy_services(name):
    if name not in OMS_ROLES:
        return
    needs = {target: how["condition"] for target, how in SERVICES[name]["depends_on"].items()}
    assert needs == {"migrate": "service_completed_successfully", "db": "service_healthy", "mq": "service_healthy"}


def test_migrate_is_one_shot_after_a_healthy_database():
    migrate = SERVICES["migrate"]
    assert oms_argv(migrate["command"]) == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert not migrate.get("ports") and not migrate.get("healthcheck")


def test_health_checks_are_real_probes():
    assert SERVICES["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert SERVICES["mq"]["healthcheck"]["test"] == ["CMD", "rabbitmq-diagnostics", "-q", "ping"]
    assert "/healthz/ready" in " ".join(SERVICES["portal"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_restart(name):
    assert SERVICES[name].get("restart") in ("unless-stopped", "always", "on-failure")


def test_the_worker_scales():
    worker = SERVICES["worker"]
    assert oms_argv(worker["command"]) == ["worker"]
    assert not {"container_name", "ports", "hostname"} & set(worker), "--scale worker=3 needs no fixed name or port"
    assert not any("container_name" in service for name, service in SERVICES.items() if name in OMS_ROLES)


def test_every_env_file_and_mounted_file_is_in_the_repository():
    for name, service in SERVICES.items():
        env_files = service.get("env_file") or []
        for path in [env_files] if isinstance(env_files, str) else env_files:
            assert (DEPLOY / path).is_file(), f"{name}: env_file {path} missing"
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith((".", "/")):  # a bind mount (named volumes have no path)
                assert (DEPLOY / source).exists(), f"{name}: mounts {source}, not in deploy/"
        build = service.get("build")
        if build:
            assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()
    declared = set(compose().get("volumes") or {})
    for service in SERVICES.values():
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            assert source.startswith((".", "/")) or source in declared, f"volume {source} is not declared"


def test_the_example_settings_start_every_role_as_shipped(tmp_path):
    """The env file with the stack's own addresses loads: nothing points at a file that is not there."""
    environment = SERVICES["portal"]["environment"]
    settings = load_settings({**env_file(EXAMPLE), **environment, "OMS_DATA_DIR": str(tmp_path)})
    assert settings.uses_rabbitmq and not settings.uses_sqlite
    assert settings.carriers_file == ""  # the sandbox-protocol carrier at OMS_CARRIER_URL
    assert settings.portal_threads == int(env_file(EXAMPLE)["OMS_PORTAL_THREADS"])


def _known_variables() -> set[str]:
    names = set()
    for package in ("models", "portal", "workers"):
        for module in (ROOT / package).rglob("*.py"):
            names |= set(re.findall(r"[\"'](OMS_[A-Z0-9_]+)[\"']", module.read_text()))
    return names


def test_every_variable_of_the_env_example_is_read_by_the_code():
    known = _known_variables()
    assert "OMS_DATABASE_URL" in known
    named = set(env_file(EXAMPLE)) | commented_names(EXAMPLE)
    assert {name for name in named if name.startswith("OMS_")} == named
    assert named - known == set(), "no code reads these"
    for name in OMS_ROLES:
        assert set(SERVICES[name].get("environment") or {}) - known == set()


def test_the_image_build_leaves_history_environments_and_local_data_out():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "oms-data", "**/secret_key", "**/__pycache__"} <= ignored
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copies = re.findall(r"^COPY (.+)$", dockerfile, flags=re.MULTILINE)
    assert "COPY . ." not in dockerfile
    first_code = next(i for i, line in enumerate(copies) if line.startswith("models"))
    assert all(name in copies[0].split() for name in ("setup.cfg", "pyproject.toml", "constraints.txt"))
    installs = [i for i, line in enumerate(dockerfile.splitlines()) if "pip install" in line]
    code_line = dockerfile.splitlines().index("COPY models ./models")
    assert installs[0] < code_line, "dependencies are installed before the code is copied (layer cache)"
    assert first_code > 0
    assert re.search(r"^USER (?!root|0\b)\S+", dockerfile, flags=re.MULTILINE), "runs as a non-root user"


def _cli_accepts(argv: list[str]) -> None:
    argv = [re.sub(r"\$\{\w+:-(\w+)\}", r"\1", word) for word in argv]  # ${PORT:-8000} -> 8000
    result = CliRunner().invoke(main, [*argv, "--help"])
    assert result.exit_code == 0, f"`oms {' '.join(argv)}`: {result.output}"


def _all_commands() -> list[tuple[str, list[str]]]:
    found = [(f"compose {name}", oms_argv(service["command"])) for name, service in SERVICES.items()
             if "command" in service]
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            role, command = line.split(":", 1)
            found.append((f"Procfile {role}", oms_argv(command)))
    for unit in UNITS:
        for key, commands in unit_commands(unit).items():
            found += [(f"{unit.name} {key}", oms_argv(command)) for command in commands]
    return found


@pytest.mark.parametrize("where, argv", _all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_deploy_command_is_an_oms_command(where, argv):
    assert argv is not None, f"{where} runs something other than oms"
    _cli_accepts(argv)


def test_systemd_migrates_once_in_a_unit_the_others_require():
    migrate = DEPLOY / "systemd" / "oms-migrate.service"
    assert unit_values(migrate, "Type") == ["oneshot"] and unit_values(migrate, "RemainAfterExit") == ["yes"]
    assert [oms_argv(c) for c in unit_commands(migrate)["ExecStart"]] == [["db", "upgrade"]]
    others = [unit for unit in UNITS if unit != migrate]
    assert others
    for unit in others:
        assert "oms-migrate.service" in unit_values(unit, "Requires"), unit.name
        assert "oms-migrate.service" in unit_values(unit, "After"), unit.name
        for commands in unit_commands(unit).values():
            assert all(oms_argv(c)[:2] != ["db", "upgrade"] for c in commands), f"{unit.name} migrates itself"


def test_the_procfile_release_phase_migrates():
    roles = dict(line.split(":", 1) for line in (DEPLOY / "Procfile").read_text().splitlines()
                 if line.strip() and not line.startswith("#"))
    assert oms_argv(roles.pop("release")) == ["db", "upgrade"]
    assert all(oms_argv(command)[:2] != ["db", "upgrade"] for command in roles.values())


def test_rabbitmq_loads_the_definitions_it_is_given():
    conf = (DEPLOY / "rabbitmq.conf").read_text()
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in SERVICES["mq"]["volumes"]}
    target = re.search(r"^load_definitions\s*=\s*(\S+)", conf, flags=re.MULTILINE).group(1)
    assert Path(mounted[target]).name == "rabbitmq-definitions.json"
    assert any(path.startswith("/etc/rabbitmq/conf.d/") and Path(src).name == "rabbitmq.conf"
               for path, src in mounted.items())
