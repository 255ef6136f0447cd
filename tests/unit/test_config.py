from pathlib import Path

import pytest

from services.config import ConfigError, load_config


def test_environment_overrides_instance_file(tmp_path):
    instance = tmp_path / "convene.toml"
    instance.write_text('web_port = 6000\nredis_url = "redis://file/1"\n')
    config = load_config(
        env={"CONVENE_WEB_PORT": "7000"}, instance_file=instance, state_dir=tmp_path
    )
    assert config.web_port == 7000
    assert config.redis_url == "redis://file/1"


def test_sqlite_is_the_default_database(tmp_path):
    config = load_config(env={}, instance_file=Path("/nonexistent"), state_dir=tmp_path)
    assert config.sqlalchemy_url == f"sqlite:///{tmp_path / 'convene.sqlite3'}"


def test_local_secret_is_generated_once_and_kept_private(tmp_path):
    first = load_config(env={}, instance_file=Path("/nonexistent"), state_dir=tmp_path)
    second = load_config(env={}, instance_file=Path("/nonexistent"), state_dir=tmp_path)
    assert first.secret_key == second.secret_key and len(first.secret_key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CONVENE_WEB_PORT": "eighty"}, "web_port"),
        ({"CONVENE_ENVIRONMENT": "production"}, "secret_key"),
    ],
)
def test_bad_settings_name_the_setting(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(env=env, instance_file=Path("/nonexistent"), state_dir=tmp_path)


def test_unknown_key_in_instance_file_is_refused(tmp_path):
    instance = tmp_path / "convene.toml"
    instance.write_text("web_prot = 1\n")
    with pytest.raises(ConfigError, match="web_prot"):
        load_config(env={}, instance_file=instance, state_dir=tmp_path)
