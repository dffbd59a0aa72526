"""docker-compose.yml, Dockerfile and .env.example hold the deployment's promises.

No Docker engine runs the suite, so the file is parsed (PyYAML, as compose does) and its
structure checked; every vistka command in it is parsed by the real CLI, so a renamed option
breaks this test rather than a production start.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import PROJECT_ROOT, base_env
from workers.app import QUEUES

yaml = pytest.importorskip("yaml")

SERVICES = {
    "redis",
    "postgres",
    "migrate",
    "worker-io",
    "worker-extract",
    "worker-control",
    "beat",
    "flower",
}
VISTKA = SERVICES - {"redis", "postgres"}
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    text = (PROJECT_ROOT / "docker-compose.yml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    data["_text"] = text
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def command(service: dict[str, Any]) -> list[str]:
    cmd = service.get("command") or []
    return cmd.split() if isinstance(cmd, str) else [str(c) for c in cmd]


def option(cmd: list[str], *names: str) -> str | None:
    for i, arg in enumerate(cmd):
        if arg in names and i + 1 < len(cmd):
            return cmd[i + 1]
    return None


def test_services_restart_and_report_health(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == SERVICES
    for name, svc in services.items():
        assert svc.get("restart") in ("unless-stopped", "always") or str(
            svc.get("restart", "")
        ).startswith("on-failure"), name
        check = svc.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        if check.get("disable"):
            assert name == "migrate", f"{name} disables its healthcheck"
        else:
            assert check.get("test") and check.get("interval"), name


def test_one_image_built_from_the_dockerfile(services: dict[str, dict[str, Any]]) -> None:
    images = {services[n]["image"] for n in VISTKA}
    assert len(images) == 1
    assert all(services[n].get("build") in (".", {"context": "."}) for n in VISTKA)
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text("utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    assert re.search(r"^RUN pip install \.", dockerfile, re.M)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_redis_and_postgres_keep_data_and_demand_passwords(
    services: dict[str, dict[str, Any]],
) -> None:
    redis = services["redis"]
    line = " ".join(command(redis))
    assert '--requirepass "$$REDIS_PASSWORD"' in line  # expanded in the container, not here
    assert "--appendonly yes" in line and "--maxmemory-policy noeviction" in line
    assert redis["environment"]["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
    assert any(v.endswith(":/data") for v in redis["volumes"])
    pg = services["postgres"]
    assert pg["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in pg["volumes"])
    assert "ports" not in redis and "ports" not in pg


def test_migrations_run_once_before_everything(services: dict[str, dict[str, Any]]) -> None:
    assert command(services["migrate"]) == ["vistka", "db", "upgrade"]
    for name in VISTKA - {"migrate"}:
        dep = services[name]["depends_on"]["migrate"]
        assert dep["condition"] == "service_completed_successfully", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_workers_split_by_queue_and_one_beat(services: dict[str, dict[str, Any]]) -> None:
    workers = {n: command(s) for n, s in services.items() if command(s)[:2] == ["vistka", "worker"]}
    queues = {n: set((option(c, "--queues", "-Q") or "").split(",")) for n, c in workers.items()}
    assert queues == {
        "worker-io": {"feeds", "fetch"},
        "worker-extract": {"extract"},
        "worker-control": {"control", "reports"},
    }
    assert set().union(*queues.values()) == set(QUEUES)
    io = workers["worker-io"]
    assert option(io, "--pool", "-P") == "threads" and option(io, "-c", "--concurrency") == "16"
    assert option(workers["worker-extract"], "-c", "--concurrency") == "2"
    assert option(workers["worker-control"], "-c", "--concurrency") == "1"
    for name in workers:
        assert services[name]["environment"]["VISTKA_METRICS_PORT"], name
    beats = [n for n, s in services.items() if command(s)[:2] == ["vistka", "beat"]]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert all("--beat" not in c and "-B" not in c for c in workers.values())


def test_flower_needs_a_password_and_keeps_its_state(services: dict[str, dict[str, Any]]) -> None:
    flower = services["flower"]
    assert command(flower)[:2] == ["vistka", "flower"]
    assert "--insecure-no-auth" not in command(flower)
    assert flower["environment"]["VISTKA_FLOWER_PASSWORD"].startswith("${FLOWER_PASSWORD:?")
    assert any(v.endswith(":/data") for v in flower["volumes"])
    for port in flower.get("ports", []):
        assert str(port).startswith("127.0.0.1:"), port


def test_no_secret_in_any_command(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    for name, svc in services.items():
        for part in [*command(svc), *map(str, (svc.get("healthcheck") or {}).get("test", []))]:
            for var in INTERPOLATION.findall(part):
                assert not re.search("PASSWORD|SECRET|TOKEN", var), f"{name}: {part}"


def test_env_example_declares_every_variable_and_no_real_secret(compose: dict[str, Any]) -> None:
    lines = (PROJECT_ROOT / ".env.example").read_text("utf-8").splitlines()
    declared = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    used = set(INTERPOLATION.findall(compose["_text"]))
    assert used <= set(declared), used - set(declared)
    for key, value in declared.items():
        if re.search("PASSWORD|SECRET|TOKEN", key):
            assert value == "CHANGE_ME", key
    required = {m for m in re.findall(r"\$\{([A-Z_]+):\?", compose["_text"])}
    assert {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "FLOWER_PASSWORD"} <= required


def test_named_volumes_are_declared(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    for name, svc in services.items():
        for volume in svc.get("volumes", []):
            source = str(volume).split(":")[0]
            if not source.startswith((".", "/")):
                assert source in compose["volumes"], f"{name}: {source}"


def test_every_vistka_command_parses(services: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    commands = [command(s) for s in services.values() if command(s)[:1] == ["vistka"]]
    commands += [
        [str(a) for a in s["healthcheck"]["test"][1:]]
        for s in services.values()
        if (s.get("healthcheck") or {}).get("test", [None])[:2] == ["CMD", "vistka"]
    ]
    assert len(commands) >= 7
    env = base_env(tmp_path / "data")
    for cmd in commands:
        proc = subprocess.run(
            [sys.executable, "-m", "workers.cli", *cmd[1:], "--help"],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, f"{cmd}: {proc.stdout}{proc.stderr}"


def _compose_client() -> list[str] | None:
    import shutil

    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    return None


def test_compose_client_validates_the_file(tmp_path: Path) -> None:
    """The Compose client's own validation, where one is installed (it needs no engine)."""
    client = _compose_client()
    if client is None:
        pytest.skip(
            "no Compose client on this machine (neither `docker-compose` nor `docker compose`), "
            "so Compose's own check of docker-compose.yml cannot run; the other tests in this "
            "file still check its services, secrets and health checks. `make services` tries "
            "`apt-get install docker-compose`."
        )
    env = tmp_path / ".env"
    env.write_text(
        (PROJECT_ROOT / ".env.example").read_text("utf-8").replace("CHANGE_ME", "s3cret")
    )
    proc = subprocess.run(
        [
            *client,
            "--env-file",
            str(env),
            "-f",
            str(PROJECT_ROOT / "docker-compose.yml"),
            "--project-directory",
            str(PROJECT_ROOT),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
