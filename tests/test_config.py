import secrets
import subprocess
import sys

import pytest

import config
from eventhub import create_app


def test_production_refuses_the_development_secret():
    with pytest.raises(config.ConfigError, match="EVENTHUB_SECRET_KEY"):
        config.load(environ={"EVENTHUB_ENV": "production"})


def test_production_refuses_a_short_secret():
    with pytest.raises(config.ConfigError):
        config.load(environ={"EVENTHUB_ENV": "production", "EVENTHUB_SECRET_KEY": "short"})


@pytest.mark.parametrize("key, reason", [
    ("x" * 48, "different characters"),  # long enough, but one character
    ("ab" * 24, "different characters"),
    ("abcdefghi" * 5, "different characters"),  # 9 distinct
    ("0123456789" * 4, "repeats"),  # 10 distinct, but a pattern
    ("Secret-Key-2026!" * 3, "repeats"),
    (config.DEV_SECRET_KEY, "development key"),
    (config.DEV_SECRET_KEY[:-4] + "abcdefghijk", None),  # a variant is judged on its own
])
def test_production_refuses_trivial_secrets(key, reason):
    environ = {"EVENTHUB_ENV": "production", "EVENTHUB_SECRET_KEY": key}
    if reason is None:
        assert config.load(environ=environ)["SECRET_KEY"] == key
        return
    with pytest.raises(config.ConfigError, match=reason):
        config.load(environ=environ)


def test_production_accepts_a_real_secret_and_secures_cookies():
    key = secrets.token_urlsafe(32)  # 43 characters, the shortest the README suggests
    settings = config.load(environ={"EVENTHUB_ENV": "production", "EVENTHUB_SECRET_KEY": key})
    assert settings["SECRET_KEY"] == key
    assert settings["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("var, key", [("EVENTHUB_TRUSTED_PROXIES", "TRUSTED_PROXIES"),
                                      ("EVENTHUB_HSTS_SECONDS", "HSTS_SECONDS")])
def test_counts_from_the_environment(var, key):
    assert config.load(environ={})[key] == 0
    assert config.load(environ={var: " 2 "})[key] == 2
    for bad in ("-1", "1.5", "two", "0x10"):
        with pytest.raises(config.ConfigError, match=key):
            config.load(environ={var: bad})


@pytest.mark.parametrize("bad", [-1, 1.5, True, None, "x"])
def test_counts_in_overrides_are_checked_too(bad):
    with pytest.raises(config.ConfigError, match="TRUSTED_PROXIES"):
        config.load({"TRUSTED_PROXIES": bad}, environ={})


def test_environment_then_overrides():
    settings = config.load({"BASE_URL": "https://override.example"},
                           environ={"EVENTHUB_BASE_URL": "https://env.example",
                                    "DATABASE_URL": "postgres://u@h/db"})
    assert settings["BASE_URL"] == "https://override.example"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("EVENTHUB_DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == \
        f"sqlite:///{app.instance_path}/eventhub.sqlite3"


def test_installed_package_finds_config_from_another_directory(tmp_path):
    code = ("import config, eventhub; app = eventhub.create_app({'TESTING': True}); "
            "print(app.config['DEFAULT_TIMEZONE'], app.template_folder)")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    timezone, templates = result.stdout.split()
    assert timezone == "Europe/Berlin"
    assert templates.endswith("templates")


def test_postgresql_gets_a_connection_for_each_web_thread():
    options = config.load({"SQLALCHEMY_DATABASE_URI": "postgresql://db/eventhub"},
                          environ={})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] + options["max_overflow"] >= 17  # 16 threads, the sender
    assert options["pool_pre_ping"]
    sqlite = config.load({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, environ={})
    assert "pool_size" not in sqlite["SQLALCHEMY_ENGINE_OPTIONS"]  # no pool to size
