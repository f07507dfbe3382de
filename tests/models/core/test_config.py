import stat

import pytest

from models.core.config import base_currency, load_settings
from models.core.errors import ConfigError


def load(tmp_path, **env):
    """Settings from exactly ``env`` (plus a data dir under tmp_path): nothing from os.environ."""
    return load_settings({"OMS_DATA_DIR": str(tmp_path / "data"), **env})


def test_defaults_are_embedded_sqlite_and_in_process_broker(tmp_path):
    settings = load(tmp_path)
    data_dir = (tmp_path / "data").resolve()
    assert settings.data_dir == data_dir and data_dir.is_dir()
    assert settings.database_url == f"sqlite:///{data_dir / 'oms.sqlite3'}"
    assert settings.uses_sqlite
    assert settings.broker_url == "" and not settings.uses_rabbitmq
    assert settings.carrier_url == "http://127.0.0.1:8090"
    assert settings.portal_url == "http://127.0.0.1:8000"
    assert (settings.stuck_after_seconds, settings.worker_processes, settings.worker_threads) == (120, 2, 4)
    assert (settings.relay_interval_seconds, settings.sweep_interval_seconds) == (0.2, 30.0)


def test_data_dir_is_created_with_parents(tmp_path):
    settings = load_settings({"OMS_DATA_DIR": str(tmp_path / "a" / "b" / "c")})
    assert settings.data_dir.is_dir()


def test_data_dir_that_is_a_file_names_the_variable(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="OMS_DATA_DIR"):
        load_settings({"OMS_DATA_DIR": str(blocker)})


def test_secret_key_generated_once_kept_owner_only(tmp_path):
    first = load(tmp_path).secret_key
    kept = tmp_path / "data" / "secret_key"
    assert len(first) == 64 and int(first, 16) >= 0
    assert kept.read_text() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert load(tmp_path).secret_key == first
    assert load_settings({"OMS_DATA_DIR": str(tmp_path / "other")}).secret_key != first


def test_explicit_secret_key_wins_and_writes_no_file(tmp_path):
    assert load(tmp_path, OMS_SECRET_KEY="from-env").secret_key == "from-env"
    assert not (tmp_path / "data" / "secret_key").exists()


@pytest.mark.parametrize("name, value", [
    ("OMS_DATABASE_URL", "mysql://root@localhost/oms"),
    ("OMS_DATABASE_URL", "oms.sqlite3"),
    ("OMS_BROKER_URL", "redis://localhost:6379/0"),
    ("OMS_BROKER_URL", "localhost:5672"),
    ("OMS_CARRIER_URL", "ftp://x"),
    ("OMS_CARRIER_URL", "http://"),
    ("OMS_PORTAL_URL", "127.0.0.1:8000"),
    ("OMS_STUCK_AFTER_SECONDS", "abc"),
    ("OMS_STUCK_AFTER_SECONDS", "0"),
    ("OMS_STUCK_AFTER_SECONDS", "1.5"),
    ("OMS_WORKER_THREADS", "-1"),
    ("OMS_WORKER_PROCESSES", "0"),
    ("OMS_RELAY_INTERVAL_SECONDS", "0"),
    ("OMS_SWEEP_INTERVAL_SECONDS", "soon"),
])
def test_bad_value_raises_config_error_naming_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name) as raised:
        load(tmp_path, **{name: value})
    assert repr(value) in str(raised.value)


def test_database_url_scheme_unknown_to_the_driver_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="OMS_DATABASE_URL"):
        load(tmp_path, OMS_DATABASE_URL="postgresql+psycopg2://oms@db:5432/oms")


@pytest.mark.parametrize("name, value", [("OMS_RELAY_INTERVAL_SECONDS", "nan"), ("OMS_RELAY_INTERVAL_SECONDS", "inf"),
                                         ("OMS_SWEEP_INTERVAL_SECONDS", "nan")])
def test_non_finite_interval_is_a_config_error(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load(tmp_path, **{name: value})


@pytest.mark.parametrize("value, expected", [
    ("amqp://guest:guest@127.0.0.1:5672/%2F", "amqp://guest:guest@127.0.0.1:5672/%2F"),
    ("amqps://oms:pw@mq.example:5671/oms", "amqps://oms:pw@mq.example:5671/oms"),
    ("", ""),
    ("memory", ""),
    ("stub", ""),
])
def test_broker_url_accepted(tmp_path, value, expected):
    settings = load(tmp_path, OMS_BROKER_URL=value)
    assert settings.broker_url == expected
    assert settings.uses_rabbitmq is bool(expected)


@pytest.mark.parametrize("url, sqlite", [
    ("postgresql://oms@127.0.0.1:5432/oms", False),
    ("postgres://oms@127.0.0.1/oms", False),
    ("sqlite:////var/lib/oms/oms.sqlite3", True),
])
def test_database_url_accepted(tmp_path, url, sqlite):
    settings = load(tmp_path, OMS_DATABASE_URL=url)
    assert settings.database_url == url
    assert settings.uses_sqlite is sqlite


def test_http_urls_lose_trailing_slash_and_numbers_parse(tmp_path):
    settings = load(tmp_path, OMS_CARRIER_URL="https://carrier.example/api/", OMS_PORTAL_URL="http://oms:8000/",
                    OMS_STUCK_AFTER_SECONDS="1", OMS_WORKER_THREADS="16", OMS_RELAY_INTERVAL_SECONDS="0.01")
    assert settings.carrier_url == "https://carrier.example/api"
    assert settings.portal_url == "http://oms:8000"
    assert (settings.stuck_after_seconds, settings.worker_threads, settings.relay_interval_seconds) == (1, 16, 0.01)


def test_empty_number_means_default(tmp_path):
    assert load(tmp_path, OMS_WORKER_THREADS="").worker_threads == 4


def test_outbox_retention_defaults_to_a_week_and_is_at_least_an_hour(tmp_path):
    assert load(tmp_path).outbox_retention_hours == 168
    assert load(tmp_path, OMS_OUTBOX_RETENTION_HOURS="24").outbox_retention_hours == 24
    with pytest.raises(ConfigError, match="OMS_OUTBOX_RETENTION_HOURS"):
        load(tmp_path, OMS_OUTBOX_RETENTION_HOURS="0")


def test_health_token_is_unset_or_long_enough(tmp_path):
    assert load(tmp_path).health_token == ""
    assert load(tmp_path, OMS_HEALTH_TOKEN="a" * 16).health_token == "a" * 16
    with pytest.raises(ConfigError, match="OMS_HEALTH_TOKEN") as raised:
        load(tmp_path, OMS_HEALTH_TOKEN="short-secret")
    assert "short-secret" not in str(raised.value)  # a secret is never echoed


def test_sign_in_settings_have_safe_defaults(tmp_path):
    settings = load(tmp_path)
    assert (settings.trusted_proxies, settings.secure_cookies) == (0, False)
    assert (settings.login_attempts_per_minute, settings.login_max_failures, settings.login_lockout_seconds) == (
        20, 5, 900)


@pytest.mark.parametrize("env, secure", [
    ({"OMS_PORTAL_URL": "https://oms.example.com"}, True),
    ({"OMS_PORTAL_URL": "https://oms.example.com", "OMS_SECURE_COOKIES": "off"}, False),
    ({"OMS_PORTAL_URL": "http://oms.internal", "OMS_SECURE_COOKIES": "1"}, True),
    ({"OMS_PORTAL_URL": "http://oms.internal", "OMS_SECURE_COOKIES": ""}, False),
])
def test_secure_cookies_follow_the_portal_url_unless_set(tmp_path, env, secure):
    assert load(tmp_path, **env).secure_cookies is secure


@pytest.mark.parametrize("name, value", [
    ("OMS_SECURE_COOKIES", "maybe"),
    ("OMS_TRUSTED_PROXIES", "-1"),
    ("OMS_TRUSTED_PROXIES", "one"),
    ("OMS_LOGIN_ATTEMPTS_PER_MINUTE", "0"),
    ("OMS_LOGIN_MAX_FAILURES", "0"),
    ("OMS_LOGIN_LOCKOUT_SECONDS", "0"),
])
def test_bad_sign_in_setting_names_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name) as raised:
        load(tmp_path, **{name: value})
    assert repr(value) in str(raised.value)


def test_stage_max_batch_defaults_to_500_ids_and_is_at_least_one(tmp_path):
    assert load(tmp_path).stage_max_batch == 500
    assert load(tmp_path, OMS_STAGE_MAX_BATCH="50").stage_max_batch == 50
    with pytest.raises(ConfigError, match="OMS_STAGE_MAX_BATCH"):
        load(tmp_path, OMS_STAGE_MAX_BATCH="0")


def test_the_base_currency_defaults_to_usd_and_must_be_a_known_one(tmp_path):
    assert load_settings({"OMS_DATA_DIR": str(tmp_path)}).base_currency == "USD"
    assert load_settings({"OMS_DATA_DIR": str(tmp_path), "OMS_BASE_CURRENCY": " eur "}).base_currency == "EUR"
    assert base_currency({"OMS_BASE_CURRENCY": "GBP"}) == "GBP"
    with pytest.raises(ConfigError, match="OMS_BASE_CURRENCY='XYZ': expected one of USD, EUR"):
        load_settings({"OMS_DATA_DIR": str(tmp_path), "OMS_BASE_CURRENCY": "XYZ"})
