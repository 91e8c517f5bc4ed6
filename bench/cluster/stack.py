"""compose.yaml's deployment as processes on this machine, and the faults the harness injects.

- Redis as production runs it with high availability: a master, a replica and three Sentinels
  (Debian's ``redis-server`` and ``redis-sentinel``), ``maxmemory-policy noeviction`` as in
  compose.yaml. The hub reaches it only through the Sentinels (``REDIS_SENTINELS``): its
  ``REDIS_URL`` names the master (``redis://mymaster/<db>``), a host that does not resolve, so a
  client that bypassed Sentinel would fail at once.
- A Celery worker and the web nodes run compose.yaml's own commands (``manage.py serve --web-only
  --proxy-headers``, a connection pool per process); each is the leader of its own process group,
  as a container is, so "the node is killed" means its whole group, and "the node is stopped" means
  SIGTERM to the leader (``docker stop``), then SIGKILL of the group after the grace period.
- nginx (Debian's) runs compose.yaml's proxy configuration, read from the file: the same
  ``least_conn`` upstream, websocket location and timeouts; only what Docker provides is replaced
  (the nodes' addresses instead of its DNS, paths, the listening port).

Every process is stopped by ``Stack.stop()`` (also on errors: use the stack as a context manager).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MASTER_NAME = "mymaster"
NODE_STOP_GRACE = 30.0  # seconds between SIGTERM and SIGKILL (compose: docker's default is 10 s)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


class Process:
    """One service process, leader of its own process group, its output in ``log``."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL to the whole group: the machine or the container dies, nothing says goodbye."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def terminate(self, grace: float = NODE_STOP_GRACE, signalled: bool = False) -> float:
        """SIGTERM to the leader (``docker stop``; not again if ``signalled``), SIGKILL of the group
        after ``grace`` seconds; returns how long it took to go."""
        started = time.monotonic()
        if self.proc is None:
            return 0.0
        if self.proc.poll() is None:
            if not signalled:
                self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=grace)
        # What the leader left behind (or everything, after the grace period) goes with the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return time.monotonic() - started


# --- Redis with Sentinel -------------------------------------------------------------------------


class RedisHA:
    """A master, a replica and ``sentinels`` Sentinels on spare ports (quorum: a majority)."""

    def __init__(self, out: Path, *, sentinels: int = 3, down_after_ms: int = 1000) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.master_port, self.replica_port = free_port(), free_port()
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.down_after_ms = down_after_ms
        self.servers: dict[int, Process] = {}
        self.sentinels: list[Process] = []

    def env(self, db: int = 0) -> dict[str, str]:
        """What the hub's processes are given (README "Configuration")."""
        return {
            "REDIS_URL": f"redis://{MASTER_NAME}/{db}",
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports),
            "REDIS_SENTINEL_MASTER": MASTER_NAME,
        }

    def _server(self, port: int, replica_of: int | None = None) -> Process:
        folder = self.out / f"redis-{port}"
        folder.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
        # As compose.yaml: the append-only file, and never evict (the broker's queues live here).
        args += ["--appendonly", "yes", "--save", "", "--maxmemory-policy", "noeviction"]
        # A replica (re)joining is sent the data at once, not after the default 5 s of waiting for others.
        args += ["--repl-diskless-sync-delay", "0"]
        if replica_of is not None:
            args += ["--replicaof", "127.0.0.1", str(replica_of)]
        process = Process(f"redis-{port}", args, dict(os.environ), self.out / f"redis-{port}.log").start()
        self.servers[port] = process
        wait_until(lambda: self.ping(port), 10, f"redis-server on {port}")
        return process

    def start(self) -> None:
        self._server(self.master_port)
        self._server(self.replica_port, replica_of=self.master_port)
        wait_until(lambda: self.replica_in_sync(self.replica_port), 20, "the replica's first sync")
        for port in self.sentinel_ports:
            conf = self.out / f"sentinel-{port}.conf"  # Sentinel rewrites its file: one each
            quorum = len(self.sentinel_ports) // 2 + 1
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.out}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} {quorum}\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} {self.down_after_ms}\n"
                f"sentinel failover-timeout {MASTER_NAME} 10000\n"
                f"sentinel parallel-syncs {MASTER_NAME} 1\n"
            )
            self.sentinels.append(
                Process(
                    f"sentinel-{port}",
                    ["redis-sentinel", str(conf)],
                    dict(os.environ),
                    self.out / f"sentinel-{port}.log",
                ).start()
            )
        wait_until(self.sentinels_agree, 30, "Sentinels that see the master, the replica and each other")

    # --- state ----------------------------------------------------------------------------------
    @staticmethod
    def client(port: int) -> Any:
        import redis

        return redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)

    def ping(self, port: int) -> bool:
        try:
            return bool(self.client(port).ping())
        except Exception:
            return False

    def replica_in_sync(self, port: int) -> bool:
        try:
            info = self.client(port).info("replication")
        except Exception:
            return False
        return info.get("role") == "slave" and info.get("master_link_status") == "up"

    def sentinel_view(self, port: int) -> dict[str, Any]:
        try:
            return dict(self.client(port).sentinel_master(MASTER_NAME))
        except Exception:
            return {}

    def sentinels_agree(self, master_port: int | None = None) -> bool:
        """Every Sentinel names the same healthy master (``master_port`` if given), knows a replica
        of it and the other Sentinels."""
        want = master_port or self.master_port
        for port in self.sentinel_ports:
            view = self.sentinel_view(port)
            if (
                int(view.get("port", 0)) != want
                or view.get("flags") != "master"
                or int(view.get("num-slaves", 0)) < 1
                or int(view.get("num-other-sentinels", 0)) < len(self.sentinel_ports) - 1
            ):
                return False
        return True

    def current_master(self) -> int:
        """The master's port, as the Sentinels say (the first that answers)."""
        for port in self.sentinel_ports:
            with contextlib.suppress(Exception):
                _host, master = self.client(port).sentinel_get_master_addr_by_name(MASTER_NAME)
                return int(master)
        raise RuntimeError("no Sentinel answers")

    def is_master(self, port: int) -> bool:
        try:
            return self.client(port).info("replication").get("role") == "master"
        except Exception:
            return False

    # --- the fault ------------------------------------------------------------------------------
    def failover(self, how: str = "kill", timeout: float = 60) -> dict[str, float]:
        """Lose the master: ``kill`` (SIGKILL: the Sentinels notice after down-after-milliseconds,
        elect a leader and promote the replica) or ``command`` (``SENTINEL FAILOVER``: a planned
        switch). Returns the seconds until the Sentinels named the new master and until it served
        writes. The old master comes back as a replica of the new one (as an operator restarts it)."""
        old = self.current_master()
        new = next(port for port in self.servers if port != old)
        started = time.monotonic()
        if how == "kill":
            self.servers[old].kill()
        else:
            self.client(self.sentinel_ports[0]).execute_command("SENTINEL", "FAILOVER", MASTER_NAME)
        wait_until(lambda: self.current_master() == new, timeout, "the Sentinels naming the new master")
        named = time.monotonic() - started
        wait_until(lambda: self.is_master(new), timeout, "the promoted replica taking writes")
        writable = time.monotonic() - started
        if how == "kill":
            self.servers[old] = self._server(old, replica_of=new)
        wait_until(lambda: self.replica_in_sync(old), timeout, "the old master syncing as a replica")
        wait_until(lambda: self.sentinels_agree(new), timeout, "every Sentinel agreeing on the new master")
        return {"named_s": named, "writable_s": writable, "old_port": old, "new_port": new}

    def stop(self) -> None:
        for process in [*self.sentinels, *self.servers.values()]:
            if process.alive():
                process.kill()


# --- nginx ---------------------------------------------------------------------------------------


def compose_file() -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load((ROOT / "compose.yaml").read_text()))


def _compose_config(name: str) -> str:
    # Compose turns "$$" into "$" when it reads the file; nginx must see a single "$".
    return str(compose_file()["configs"][name]["content"]).replace("$$", "$")


def _replace_lines(text: str, rules: dict[str, Callable[[str, str], list[str]]]) -> str:
    """Each line starting (once stripped) with a rule's key becomes what the rule returns (given
    the indent and the stripped line); every rule must match at least once."""
    used: set[str] = set()
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        for start, rule in rules.items():
            if stripped.startswith(start):
                used.add(start)
                lines.extend(indent + new for new in rule(indent, stripped))
                break
        else:
            lines.append(line)
    missing = set(rules) - used
    if missing:
        raise ValueError(f"compose.yaml's nginx configuration changed: no line starts with {sorted(missing)}")
    return "\n".join(lines) + "\n"


def nginx_configuration(prefix: Path, listen_port: int, node_ports: list[int]) -> str:
    """compose.yaml's nginx.conf and site, for Debian's nginx in ``prefix``: the nodes' addresses
    for Docker's DNS name, the listening port, and paths under ``prefix``."""

    def servers(_indent: str, line: str) -> list[str]:
        # "server web:8000 resolve <params>;" -> one line per node, same parameters, no DNS.
        params = [p for p in line.rstrip(";").split()[2:] if p != "resolve"]
        return [" ".join([f"server 127.0.0.1:{port}", *params]) + ";" for port in node_ports]

    site = _replace_lines(
        _compose_config("nginx_site"),
        {
            "resolver ": lambda _i, _l: [],  # Docker's DNS; the nodes are addresses here
            "server web:8000": servers,
            "listen ": lambda _i, _l: [f"listen 127.0.0.1:{listen_port} default_server;"],
        },
    )
    (prefix / "site.conf").write_text(site)
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
        (prefix / folder).chmod(0o777)  # nginx's workers run as another user when started by root
    temp_paths = [
        f"{kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    ]
    return _replace_lines(
        _compose_config("nginx_main"),
        {
            "user ": lambda _i, _l: ["daemon off;"],  # we are not root's nginx; the harness supervises it
            "pid ": lambda _i, _l: [f"pid {prefix / 'nginx.pid'};"],
            "error_log ": lambda _i, _l: [f"error_log {prefix / 'error.log'} warn;"],
            "access_log ": lambda _i, _l: [f"access_log {prefix / 'access.log'} main;"],
            "include /etc/nginx/conf.d/": lambda _i, _l: [*temp_paths, f"include {prefix / 'site.conf'};"],
        },
    )


# --- the whole deployment ------------------------------------------------------------------------


class Stack:
    """Redis HA, a Celery worker, ``nodes`` web nodes and nginx, on spare ports under ``out``.

    ``env`` is the hub's environment without Redis (database, secret key, key prefix...)."""

    def __init__(
        self,
        out: Path,
        env: dict[str, str],
        *,
        nodes: int = 3,
        sentinel_down_after_ms: int = 1000,
        node_env: dict[str, str] | None = None,
    ) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.redis = RedisHA(out, down_after_ms=sentinel_down_after_ms)
        self.proxy_port = free_port()
        self.node_ports = [free_port() for _ in range(nodes)]
        self.env = {
            **env,
            **self.redis.env(),
            "PYTHONUNBUFFERED": "1",
            "TRUST_PROXY_HEADERS": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WS_ALLOWED_ORIGINS": self.origin,
            "CSRF_TRUSTED_ORIGINS": self.origin,
        }
        self.node_env = {
            **self.env,
            "DB_POOL_MAX_SIZE": "8",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            **(node_env or {}),
        }
        self.nodes: list[Process] = []
        self.worker: Process | None = None
        self.nginx: Process | None = None
        self.restarts = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def ws_origin(self) -> str:
        return f"ws://127.0.0.1:{self.proxy_port}"

    # --- start ----------------------------------------------------------------------------------
    def start_redis(self) -> None:
        self.redis.start()

    def start_worker(self, wait: bool = True) -> None:
        command = compose_file()["services"]["worker"]["command"]
        assert command[:2] == ["celery", "-A"], command
        args = [sys.executable, "-m", *command]
        self.worker = Process("worker", args, self.env, self.out / "worker.log").start()
        if wait:
            self.wait_worker()

    def wait_worker(self) -> None:
        assert self.worker is not None
        wait_until(
            lambda: "ready." in self.worker.log_tail(100_000) or not self.worker.alive(),  # type: ignore[union-attr]
            90,
            "the Celery worker",
        )
        if not self.worker.alive():
            raise RuntimeError(f"the Celery worker exited:\n{self.worker.log_tail()}")

    def node_command(self, port: int) -> list[str]:
        """compose.yaml's web command, on this node's port."""
        command = list(compose_file()["services"]["web"]["command"])
        assert command[:3] == ["python", "manage.py", "serve"], command
        command[0] = sys.executable
        command[command.index("--host") + 1] = "127.0.0.1"
        command[command.index("--port") + 1] = str(port)
        return command

    def start_node(self, index: int) -> Process:
        port = self.node_ports[index]
        process = Process(
            f"node-{index}", self.node_command(port), self.node_env, self.out / f"node-{index}.log"
        )
        process.start()
        if index < len(self.nodes):
            self.nodes[index] = process
        else:
            self.nodes.append(process)
        return process

    def node_healthy(self, index: int) -> bool:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.node_ports[index]}/healthz", timeout=10
            ) as reply:
                return bool(reply.status == 200)
        except (OSError, urllib.error.HTTPError):
            return False

    def wait_node(self, index: int, timeout: float = 90) -> float:
        started = time.monotonic()
        process = self.nodes[index]

        def ready() -> bool:
            if not process.alive():
                raise RuntimeError(f"node {index} exited:\n{process.log_tail()}")
            return self.node_healthy(index)

        wait_until(ready, timeout, f"node {index} healthy", interval=0.2)
        return time.monotonic() - started

    def start_nodes(self) -> None:
        for index in range(len(self.node_ports)):
            self.start_node(index)
        for index in range(len(self.node_ports)):
            self.wait_node(index)

    def start_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        prefix = self.out / "nginx"
        prefix.mkdir(parents=True, exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_configuration(prefix, self.proxy_port, self.node_ports))
        check = subprocess.run(
            [nginx, "-t", "-q", "-c", str(conf), "-p", str(prefix)], capture_output=True, text=True
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx refuses the configuration:\n{check.stderr}")
        self.nginx = Process(
            "nginx", [nginx, "-c", str(conf), "-p", str(prefix)], self.env, prefix / "nginx.out"
        )
        self.nginx.start()

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"{self.origin}/nginx-healthz", timeout=2) as reply:
                    return bool(reply.status == 200)
            except OSError:
                return False

        wait_until(answers, 20, "nginx")

    def start(self) -> None:
        self.start_redis()
        self.start_worker(wait=False)  # it starts while the nodes do
        self.start_nodes()
        self.wait_worker()
        self.start_nginx()

    # --- faults ---------------------------------------------------------------------------------
    def kill_node(self, index: int) -> None:
        self.nodes[index].kill()

    def restart_node(self, index: int) -> dict[str, float]:
        """Stop a node as ``docker stop`` does, start it again, wait until it is healthy."""
        stop_s = self.nodes[index].terminate()
        self.start_node(index)
        self.restarts += 1
        return {"stop_s": stop_s, "start_s": self.wait_node(index)}

    # --- stop -----------------------------------------------------------------------------------
    def stop(self) -> None:
        running = [p for p in [self.nginx, *self.nodes, self.worker] if p is not None and p.alive()]
        for process in running:  # all at once, then each waited for
            assert process.proc is not None
            process.proc.send_signal(signal.SIGTERM)
        for process in running:
            process.terminate(grace=10, signalled=True)
        self.redis.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def processes(self) -> Iterator[Process]:
        yield from (p for p in [self.nginx, *self.nodes, self.worker] if p is not None)
