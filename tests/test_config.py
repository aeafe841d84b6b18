import os
import re
import secrets
import shutil
import subprocess
import sys

import pytest

import config
from eventhub import create_app, links
from eventhub.db import engine_options


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



def test_behind_pgbouncer_psycopg_prepares_no_statements():
    """EVENTHUB_DATABASE_PGBOUNCER: psycopg sends every statement unnamed
    (prepare_threshold None), whatever else the engine options say; off by default, and
    without effect where there is no PgBouncer to be behind (SQLite)."""
    postgresql = {"SQLALCHEMY_DATABASE_URI": "postgresql://db/eventhub"}
    behind = engine_options(config.load(postgresql,
                                        environ={"EVENTHUB_DATABASE_PGBOUNCER": "1"}))
    assert behind["connect_args"] == {"prepare_threshold": None}
    assert behind["pool_pre_ping"] and behind["pool_size"] == 10
    assert "connect_args" not in engine_options(config.load(postgresql, environ={}))
    assert "connect_args" not in engine_options(config.load(
        postgresql, environ={"EVENTHUB_DATABASE_PGBOUNCER": "0"}))
    assert "connect_args" not in engine_options(config.load(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "DATABASE_PGBOUNCER": True}, environ={}))
    own = engine_options(config.load(
        {**postgresql, "DATABASE_PGBOUNCER": True, "SQLALCHEMY_ENGINE_OPTIONS": {
            "connect_args": {"connect_timeout": 5, "prepare_threshold": 2}}}, environ={}))
    assert own["connect_args"] == {"connect_timeout": 5, "prepare_threshold": None}


def test_the_app_applies_the_pgbouncer_setting_to_its_engine():
    """Also where a caller gives engine options of its own (as tests do)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://db.invalid/eventhub",
                      "DATABASE_PGBOUNCER": True,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2, "max_overflow": 0}})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_size": 2, "max_overflow": 0, "connect_args": {"prepare_threshold": None}}


# --- the base URL of `make run` (issue 22, 10) ---------------------------------------------

def test_an_empty_base_url_in_the_environment_counts_as_unset():
    assert config.load(environ={"EVENTHUB_BASE_URL": ""})["BASE_URL"] == \
        config.DEFAULTS["BASE_URL"]
    assert config.load(environ={"EVENTHUB_BASE_URL": "http://127.0.0.1:5101"})["BASE_URL"] \
        == "http://127.0.0.1:5101"


def test_links_that_leave_the_site_follow_the_base_url_of_the_environment(monkeypatch):
    monkeypatch.setenv("EVENTHUB_BASE_URL", "http://127.0.0.1:5101")
    app = create_app({"TESTING": True})
    with app.app_context():
        assert links.external_url("calendar.all_feed") == \
            "http://127.0.0.1:5101/kalender/veranstaltungen.ics"


def make_run(*variables: str, **environ: str) -> dict[str, str]:
    """What `make run` would start, dry (nothing is installed or started): the base URL of
    the scheduler and of the server, and the server's port."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    inherited = {k: v for k, v in os.environ.items() if k not in (
        "EVENTHUB_BASE_URL", "HOST", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(["make", "--dry-run", "--no-print-directory", "run", *variables],
                            cwd=config.PROJECT_ROOT, env={**inherited, **environ},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    scheduler, = [line for line in result.stdout.splitlines() if "eventhub scheduler" in line]
    server, = [line for line in result.stdout.splitlines() if " run --host " in line]
    url = re.compile(r"EVENTHUB_BASE_URL='([^']*)'")
    return {"scheduler": url.search(scheduler).group(1), "server": url.search(server).group(1),
            "port": re.search(r"--port (\S+)", server).group(1)}


@pytest.mark.parametrize("variables, environ, expected", [
    (["PORT=5101"], {}, "http://127.0.0.1:5101"),
    (["HOST=0.0.0.0", "PORT=8080"], {}, "http://127.0.0.1:8080"),  # listens everywhere
    (["HOST=::1"], {}, "http://[::1]:5000"),
    (["HOST=eventhub.local"], {"PORT": "5102"}, "http://eventhub.local:5102"),
    (["PORT=5101"], {"EVENTHUB_BASE_URL": ""}, "http://127.0.0.1:5101"),  # empty: unset
    # set by the user: kept, whatever HOST and PORT say
    (["PORT=5101"], {"EVENTHUB_BASE_URL": "https://events.example.org"},
     "https://events.example.org"),
    (["PORT=5101", "EVENTHUB_BASE_URL=https://cli.example.org"], {},
     "https://cli.example.org"),
])
def test_make_run_passes_the_base_url_to_server_and_scheduler(variables, environ, expected):
    started = make_run(*variables, **environ)
    assert started["scheduler"] == started["server"] == expected


def test_make_run_serves_on_the_port_it_links_to():
    started = make_run("PORT=5101")
    assert started["port"] == "5101" and started["server"].endswith(":5101")


def test_make_run_without_settings_links_to_the_configs_default():
    assert make_run()["server"] == config.DEFAULTS["BASE_URL"]
