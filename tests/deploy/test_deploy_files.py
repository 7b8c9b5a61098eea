"""The deploy files boot: every service's settings load from exactly the environment that
compose and the Kubernetes manifests give it, every secret they need is created or mounted,
and the manifests validate. No Docker engine or cluster runs here: what these tests cannot
see (images building, pods scheduling) is what they leave out.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s" / "lexseal.yaml"
COMPOSE = DEPLOY / "compose.yaml"
SERVICES = ("gateway", "contract", "review", "signing", "letters", "notify")
CONSUMERS = ("contract", "review", "signing", "letters", "notify")
STRONG = "k" * 48  # a secret long enough for production


def _settings_class(service: str) -> Any:
    return importlib.import_module(f"{service}.config").Settings


def _load(
    service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, *, mounts: dict[str, Path]
) -> Any:
    """Load the service's settings from ``env`` alone, container paths mapped to ``mounts``."""
    import os

    for name in list(os.environ):
        if name.startswith(service.upper() + "_") or name.startswith("LEXSEAL_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        for inside, outside in mounts.items():
            if value == inside or value.startswith(inside + "/"):
                value = str(outside) + value[len(inside) :]
        monkeypatch.setenv(name, value)
    settings = _settings_class(service)()
    # what the app checks at start-up in production, beyond the settings themselves
    assert settings.environment == "production"
    assert settings.public_key_pem().startswith("-----BEGIN PUBLIC KEY-----"), service
    if service == "gateway":
        assert settings.private_key_path.is_file()
    return settings


def _keygen(private_dir: Path, public_dir: Path) -> None:
    from gateway.__main__ import main  # `python -m gateway keygen`, in this process

    main(["keygen", "--out", str(private_dir), "--public-out", str(public_dir)])


# --- Kubernetes -------------------------------------------------------------------------


def _k8s_docs() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(K8S.read_text()) if d]


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _k8s_docs() if d["kind"] == kind}


def test_the_manifest_is_what_the_generator_writes() -> None:
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "k8s" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_manifests_validate_strictly() -> None:
    tool = Path(sys.executable).parent / "kubernetes-validate"
    result = subprocess.run([str(tool), "--strict", str(K8S)], capture_output=True, text=True)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    # Only KEDA's kinds have no schema in the tool; their shape is checked below.
    unknown = set(re.findall(r"Couldn't find schema for kind (\w+)", out))
    assert unknown <= {"ScaledObject", "TriggerAuthentication"}, out
    assert out.count("passed for resource") == sum(
        d["kind"] not in {"ScaledObject", "TriggerAuthentication"} for d in _k8s_docs()
    )


def _secret_values(tmp_path: Path) -> dict[str, dict[str, str]]:
    header = K8S.read_text().split("---", 1)[0]
    documented = set(re.findall(r"--from-literal=([a-z-]+)=", header))
    documented |= {f"{s}-database-url" for s in SERVICES if s in header}
    values = {
        "amqp-url": "amqp://lexseal:pw@rabbitmq:5672/",
        "internal-secret": STRONG,
        "signing-key-passphrase": STRONG,
        "redis-url": "redis://redis:6379/0",
    }
    values |= {
        f"{s}-database-url": f"postgresql+asyncpg://lexseal:pw@postgres/{s}" for s in SERVICES
    }
    assert documented == set(values), "the header must say how to create every secret key"
    private, public = tmp_path / "jwt", tmp_path / "jwt-public"
    _keygen(private, public)
    jwt = {p.name: p.read_text() for p in private.iterdir()}
    return {"lexseal-secrets": values, "lexseal-jwt": jwt}


def _k8s_env(container: dict[str, Any], secrets: dict[str, dict[str, str]]) -> dict[str, str]:
    config = {n: d["data"] for n, d in _by_kind("ConfigMap").items()}
    env: dict[str, str] = {}
    for item in container["env"]:
        if "value" in item:
            env[item["name"]] = item["value"]
        elif ref := item["valueFrom"].get("secretKeyRef"):
            assert ref["key"] in secrets[ref["name"]], f"{item['name']}: no such secret key"
            env[item["name"]] = secrets[ref["name"]][ref["key"]]
        else:
            ref = item["valueFrom"]["configMapKeyRef"]
            env[item["name"]] = config[ref["name"]][ref["key"]]
    return env


def _k8s_mounts(
    pod: dict[str, Any], container: dict[str, Any], secrets: dict[str, dict[str, str]], root: Path
) -> dict[str, Path]:
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts: dict[str, Path] = {}
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        target = root / mount["name"]
        target.mkdir(parents=True, exist_ok=True)
        if "secret" in volume:
            data = secrets[volume["secret"]["secretName"]]
            items = volume["secret"].get("items") or [{"key": k, "path": k} for k in data]
            for item in items:
                (target / item["path"]).write_text(data[item["key"]])
        mounts[mount["mountPath"]] = target
    return mounts


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_each_k8s_workload_loads_its_settings_from_its_manifest(
    service: str, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"lexseal-{service}" + ("-migrate" if kind == "Job" else "")
    workload = _by_kind(kind)[name]
    pod = workload["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    secrets = _secret_values(tmp_path)
    mounts = _k8s_mounts(pod, container, secrets, tmp_path / "volumes")
    settings = _load(service, _k8s_env(container, secrets), monkeypatch, mounts=mounts)
    assert settings.public_base_url == "https://sign.example.com"
    assert settings.migrate_on_start is (kind == "Job")
    assert settings.database_url.endswith(f"/{service}")
    if kind == "Deployment":
        assert container["image"] == f"lexseal-{service}:latest"
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert probe in container, probe
        startup = container["startupProbe"]
        # the startup probe outlasts the wait for the migrate Job
        assert startup["periodSeconds"] * startup["failureThreshold"] > (
            settings.schema_wait_seconds
        )
        assert {"requests", "limits"} <= set(container["resources"])
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/data", "/tmp"}
        if service == "gateway":
            assert settings.redis_url and settings.trusted_proxies


def test_every_deployment_has_a_pdb_and_an_autoscaler() -> None:
    pdbs, hpas, scaled = (
        _by_kind("PodDisruptionBudget"),
        _by_kind("HorizontalPodAutoscaler"),
        _by_kind("ScaledObject"),
    )
    auth = _by_kind("TriggerAuthentication")
    for service in SERVICES:
        app = f"lexseal-{service}"
        assert pdbs[app]["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": app}
        if service in CONSUMERS:
            spec = scaled[app]["spec"]
            assert spec["scaleTargetRef"]["name"] == app
            rabbit = next(t for t in spec["triggers"] if t["type"] == "rabbitmq")
            queue = _settings_class(service)(environment="development").queue_name
            assert rabbit["metadata"]["queueName"] == queue
            assert rabbit["authenticationRef"]["name"] in auth
        else:
            assert hpas[app]["spec"]["scaleTargetRef"]["name"] == app
    ingress = _by_kind("Ingress")["lexseal"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "lexseal-gateway"


# --- compose ----------------------------------------------------------------------------

_VAR = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def _interpolate(value: str, variables: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if variables.get(name):
            return variables[name]
        if op in {":?", "?"}:
            raise LookupError(f"compose refuses: {arg}")
        if op in {":-", "-"}:
            return arg
        return ""

    return _VAR.sub(one, value)


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def _env_example() -> dict[str, str]:
    lines = (DEPLOY / "compose.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _compose_variables() -> dict[str, str]:
    variables = {name: STRONG for name in _env_example()}
    variables["LEXSEAL_PUBLIC_URL"] = "https://sign.example.com"
    return variables


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def test_every_compose_variable_is_documented_and_required() -> None:
    used = {m.group(1): m.group(2) for s in _strings(_compose()) for m in _VAR.finditer(s)}
    assert set(used) == set(_env_example())
    # no secret falls back to a default: an unset one stops compose
    assert all(op == ":?" for op in used.values()), used


@pytest.mark.parametrize("service", SERVICES)
def test_each_compose_service_loads_its_settings(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = _compose()
    spec = compose["services"][service]
    assert spec["build"]["args"]["SERVICE"] == service
    variables = _compose_variables()
    env = {k: _interpolate(str(v), variables) for k, v in spec["environment"].items()}
    volumes = tmp_path / "volumes"
    keys = compose["services"]["keys"]
    key_mounts = dict(v.split(":")[:2] for v in keys["volumes"])  # volume -> path in `keys`
    by_path = {path: volumes / vol for vol, path in key_mounts.items()}
    # run the keys service's own command against its volumes
    command = keys["command"]
    assert command[:4] == ["python", "-m", "gateway", "keygen"]
    _keygen(by_path[command[command.index("--out") + 1]], by_path[command[-1]])
    mounts: dict[str, Path] = {}
    for volume in spec["volumes"]:
        name, path = volume.split(":")[:2]
        mounts[path] = volumes / name
        (volumes / name).mkdir(parents=True, exist_ok=True)
    settings = _load(service, env, monkeypatch, mounts=mounts)
    assert settings.public_base_url == "https://sign.example.com"
    assert "/data" in mounts or service == "gateway"
    if service == "gateway":
        assert settings.redis_url


def test_compose_refuses_to_start_without_the_internal_secret() -> None:
    variables = _compose_variables()
    del variables["LEXSEAL_INTERNAL_SECRET"]
    env = _compose()["services"]["signing"]["environment"]
    with pytest.raises(LookupError, match="LEXSEAL_INTERNAL_SECRET"):
        _interpolate(env["SIGNING_INTERNAL_SECRET"], variables)


def test_rabbitmq_keeps_its_data() -> None:
    rabbit = _compose()["services"]["rabbitmq"]
    assert any(v.endswith(":/var/lib/rabbitmq") for v in rabbit["volumes"])
    assert rabbit["hostname"]  # the node name, and so the data directory, stays the same


def test_the_image_runs_non_root_with_a_writable_data_directory() -> None:
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    user = next(i for i, line in enumerate(lines) if line.startswith("USER "))
    assert lines[user].split()[1].split(":")[0] not in {"root", "0"}
    made = next(i for i, line in enumerate(lines) if "install -d -o 10001" in line)
    assert made < user and "/data" in lines[made]
    assert lines[user] == "USER 10001:10001"
