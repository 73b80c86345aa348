"""Configuration: environment overrides and the refusal to run with the default secret key."""

import importlib

import pytest

import config


def test_default_secret_key_refused_outside_demo(monkeypatch):
    from app import ConfigError, create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app(
            SECRET_KEY=config.DEFAULT_SECRET_KEY,
            DEMO_MODE=False,
            SQLALCHEMY_DATABASE_URI="sqlite://",
        )


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/cchc")
    monkeypatch.setenv("UPLOAD_DIR", "/srv/evidence")
    monkeypatch.setenv("TIMEZONE", "Asia/Bangkok")
    monkeypatch.setenv("DEMO_PASSWORD", "Khac@123")
    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u:p@db/cchc"
        assert reloaded.Config.UPLOAD_DIR == "/srv/evidence"
        assert reloaded.Config.TIMEZONE == "Asia/Bangkok"
        assert reloaded.Config.DEMO_PASSWORD == "Khac@123"
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_defaults_are_vietnamese_and_sqlite():
    assert config.Config.BABEL_DEFAULT_LOCALE == "vi"
    assert config.Config.TIMEZONE == "Asia/Ho_Chi_Minh"
    assert config.Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
