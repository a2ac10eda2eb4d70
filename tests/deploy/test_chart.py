"""The Helm chart (deploy/helm/tablemesh), rendered offline by Helm's own engine: every
manifest is valid Kubernetes (strict schemas), checkov's Kubernetes checks pass (each skip
justified in the chart), and it runs the launcher's mesh: every service of the registry on
its port, probed over gRPC health, dialled by DNS with round_robin, reachable only from
its callers (found in the code), and Envoy configured by the launcher's own renderer."""

from __future__ import annotations

import base64
import functools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import kubernetes_validate.utils
import pytest
import yaml

from services.gateway import envoy_config
from services.runtime import registry
from services.runtime.config import Settings
from tests.gateway.harness import envoy_binary
from tests.ports import offset

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from render_chart import CHART, render  # noqa: E402

NAMESPACE = "tablemesh"
# The chart's kubeVersion floor and the newest Kubernetes the schemas know.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
CHECKOV = ROOT / ".venv" / "checkov" / "bin" / "checkov"
# Every skip the chart declares (checkov.io/skipN annotations), each with its reason there.
JUSTIFIED_SKIPS = {"CKV_K8S_35", "CKV_K8S_43", "CKV_K8S_8", "CKV_K8S_9"}

# Everything switched on: the model service, an ingress with TLS, an API key, scraping.
FULL_VALUES: dict[str, Any] = {
    "llm": {"provider": "local", "apiKeySecret": {"name": "llm-key"}},
    "model": {"enabled": True, "existingClaim": "tablemesh-models"},
    "ingress": {"enabled": True, "className": "nginx", "tlsSecretName": "tablemesh-tls"},
    "networkPolicy": {
        "metricsFrom": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ]
    },
    "services": {"airtable": {"autoscaling": {"minReplicas": 3}, "env": {"A": "b"}}},
    "image": {"digest": "sha256:" + "0" * 64},
}

Manifest = dict[str, Any]


@pytest.fixture(scope="module")
def default() -> list[Manifest]:
    return render()


@pytest.fixture(scope="module")
def full() -> list[Manifest]:
    return render(FULL_VALUES)


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def kinds(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def container(deployment: Manifest) -> Manifest:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def env_of(c: Manifest) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c["env"]}


def address(name: str, port: int) -> str:
    return f"tablemesh-{name}.{NAMESPACE}.svc.cluster.local:{port}"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_kubernetes(
    default: list[Manifest], full: list[Manifest], version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same schemas and validator, each schema file read once rather than per manifest
    # (kubernetes-validate reads its megabytes of definitions on every call: 20 s here).
    cached = functools.lru_cache(maxsize=None)(kubernetes_validate.utils.schema_contents)
    monkeypatch.setattr(kubernetes_validate.utils, "schema_contents", cached)
    for manifest in [*default, *full]:
        kubernetes_validate.validate(manifest, version, strict=True)
    # The validator does refuse what Kubernetes would: an unknown field.
    broken = json.loads(json.dumps(find(default, "Service", "tablemesh-users")))
    broken["spec"]["clusterIp"] = "None"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, version, strict=True)


def test_helm_lint_finds_nothing_to_fix() -> None:
    report = helm.lint(CHART, strict=True, kube_version="v1.30.0")
    assert not report["errors"], report["errors"]
    # Severity 2 is a warning, 3 an error; 1 (information) is "icon is recommended".
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_checkov_kubernetes_checks_pass(
    default: list[Manifest], full: list[Manifest], tmp_path: Path
) -> None:
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run make install"
    for name, manifests in (("default", default), ("full", full)):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump_all(manifests))
    result = subprocess.run(
        [str(CHECKOV), "-d", str(tmp_path), "--framework", "kubernetes", "--skip-download"]
        + ["--compact", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(result.stdout)
    failed = [
        f"{c['check_id']} {c['resource']} ({c['check_name']})"
        for c in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert report["summary"]["passed"] > 1000
    skipped = {c["check_id"] for c in report["results"]["skipped_checks"]}
    assert skipped <= JUSTIFIED_SKIPS, skipped - JUSTIFIED_SKIPS


@pytest.mark.parametrize("spec", registry.SERVICES, ids=lambda s: s.name)
def test_every_service_matches_the_registry(
    full: list[Manifest], spec: registry.ServiceSpec
) -> None:
    name = f"tablemesh-{spec.name}"
    deployment = find(full, "Deployment", name)
    c = container(deployment)
    assert c["command"] == ["python", "-m", spec.module]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports["grpc"] == spec.default_port
    assert ports["metrics"] == spec.default_port + 50
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["grpc"] == {"port": spec.default_port}, probe

    env = env_of(c)
    for other in registry.SERVICES:
        assert env[f"TABLEMESH_{other.name.upper()}_ADDR"] == address(
            other.name, other.default_port
        )
    assert env["TABLEMESH_MCP_HTTP_ADDR"] == address("mcp", registry.MCP_HTTP_PORT)
    assert env["TABLEMESH_ENVOY_ADMIN_ADDR"] == address("gateway", registry.ENVOY_ADMIN_PORT)
    assert env["TABLEMESH_CLIENT_LOAD_BALANCING"] == "round_robin"
    # Callers reconnect, so resolve again, and reach pods added since.
    assert float(env["TABLEMESH_MAX_CONNECTION_AGE"]) == 300
    assert env["TABLEMESH_HOST"] == "0.0.0.0"
    assert env["DATABASE_URL"] == {
        "secretKeyRef": {"name": "tablemesh-stores", "key": "database-url"}
    }
    assert env["REDIS_URL"]["secretKeyRef"]["name"] == "tablemesh-stores"
    assert env["TABLEMESH_SERVICE_SECRET"] == {
        "secretKeyRef": {"name": "tablemesh-secrets", "key": "service-secret"}
    }
    assert ("TABLEMESH_AUDIT_SIGNING_KEY" in env) == (spec.name == "audit")

    # The headless Service: its DNS name lists every ready pod.
    service = find(full, "Service", name)
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["ports"][0]["port"] == spec.default_port
    if spec.name == "mcp":
        assert service["spec"]["ports"][1]["port"] == registry.MCP_HTTP_PORT

    pod = deployment["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    # Service links would add TABLEMESH_<NAME>_PORT=tcp://... variables to the environment
    # the settings are read from.
    assert pod["enableServiceLinks"] is False
    account = find(full, "ServiceAccount", pod["serviceAccountName"])
    assert account["automountServiceAccountToken"] is False
    security = c["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["runAsNonRoot"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    # The only writable path: /tmp, where the var dir and HOME are.
    assert {m["mountPath"]: m["name"] for m in c["volumeMounts"]}.get("/tmp") == "tmp"
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "512Mi"}} in pod["volumes"]
    assert env["TABLEMESH_VAR_DIR"].startswith("/tmp/") and env["HOME"] == "/tmp"

    # A rollout loses no request: the new pod is ready before an old one goes, and an old
    # one leaves the endpoints, then drains for the shutdown grace within its grace period.
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    grace = float(env["TABLEMESH_SHUTDOWN_GRACE"])
    pre_stop = c["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > grace + pre_stop
    assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["cpu"]
    assert find(full, "PodDisruptionBudget", name)["spec"]["maxUnavailable"] == 1
    hpas = kinds(full, "HorizontalPodAutoscaler")
    if spec.single:
        assert name not in hpas and deployment["spec"]["replicas"] == 1
    else:
        assert hpas[name]["spec"]["scaleTargetRef"]["name"] == name
        assert "replicas" not in deployment["spec"]  # the HPA owns it


def test_values_override_one_service(full: list[Manifest]) -> None:
    assert find(full, "HorizontalPodAutoscaler", "tablemesh-airtable")["spec"]["minReplicas"] == 3
    assert find(full, "HorizontalPodAutoscaler", "tablemesh-users")["spec"]["minReplicas"] == 2
    assert env_of(container(find(full, "Deployment", "tablemesh-airtable")))["A"] == "b"
    image = container(find(full, "Deployment", "tablemesh-users"))["image"]
    assert image == "tablemesh:0.1.0@sha256:" + "0" * 64


def test_the_model_service_is_off_by_default(default: list[Manifest], full: list[Manifest]) -> None:
    assert "tablemesh-model" not in kinds(default, "Deployment")
    llm = env_of(container(find(default, "Deployment", "tablemesh-llm")))
    assert llm["TABLEMESH_LLM_PROVIDER"] == "none" and "TABLEMESH_LLM_API_KEY" not in llm
    llm = env_of(container(find(full, "Deployment", "tablemesh-llm")))
    assert llm["TABLEMESH_LLM_PROVIDER"] == "local"
    assert llm["TABLEMESH_LLM_API_KEY"] == {"secretKeyRef": {"name": "llm-key", "key": "api-key"}}
    model = find(full, "Deployment", "tablemesh-model")["spec"]["template"]["spec"]
    assert {
        "name": "models",
        "persistentVolumeClaim": {"claimName": "tablemesh-models", "readOnly": True},
    } in model["volumes"]
    with pytest.raises(helm.HelmError, match="model.enabled"):
        render({"llm": {"provider": "local"}})


def test_the_mesh_secrets_are_made_once_never_defaulted(default: list[Manifest]) -> None:
    secret = find(default, "Secret", "tablemesh-secrets")
    assert secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    again = find(render(), "Secret", "tablemesh-secrets")
    for key in ("service-secret", "audit-signing-key"):
        assert secret["data"][key] != again["data"][key]  # random, not a default
    assert len(base64.b64decode(secret["data"]["service-secret"])) == 64
    assert len(base64.b64decode(base64.b64decode(secret["data"]["audit-signing-key"]))) == 32
    own = render({"secrets": {"existingSecret": "mine"}})
    assert not kinds(own, "Secret")
    env = env_of(container(find(own, "Deployment", "tablemesh-audit")))
    assert env["TABLEMESH_SERVICE_SECRET"]["secretKeyRef"]["name"] == "mine"
    assert env["TABLEMESH_AUDIT_SIGNING_KEY"]["secretKeyRef"]["name"] == "mine"


def test_the_migration_runs_before_install_and_upgrade(default: list[Manifest]) -> None:
    job = find(default, "Job", "tablemesh-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    # The secret (weight -10) exists before the Job (weight 0) runs.
    assert int(job["metadata"]["annotations"]["helm.sh/hook-weight"]) > -10
    c = container(job)
    assert c["command"] == ["python", "-m", "services.runtime.migrate"]
    env = env_of(c)
    assert (
        "secretKeyRef" in env["DATABASE_URL"] and "secretKeyRef" in env["TABLEMESH_SERVICE_SECRET"]
    )
    assert c["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_gateway_runs_envoy_with_the_launchers_config(
    full: list[Manifest], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    deployment = find(full, "Deployment", "tablemesh-gateway")
    c = container(deployment)
    assert c["command"] == ["tablemesh", "gateway"]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": registry.GATEWAY_PORT, "admin": registry.ENVOY_ADMIN_PORT}
    assert c["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "admin"}
    ingress = find(full, "Ingress", "tablemesh-gateway")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "tablemesh-gateway", "port": {"name": "http"}}

    # The config `tablemesh gateway` renders in that pod: the launcher's renderer, given
    # the pod's environment (its secrets replaced by a test value).
    for variable, value in env_of(c).items():
        if isinstance(value, str):
            monkeypatch.setenv(variable, value)
    monkeypatch.setenv("TABLEMESH_SERVICE_SECRET", "x" * 40)
    text = envoy_config.render_text(Settings())
    config = yaml.safe_load(text)
    # Envoy accepts it (validate mode resolves no name).
    (tmp_path / "envoy.yaml").write_text(text)
    result = subprocess.run(
        [envoy_binary(), "--mode", "validate", "-c", str(tmp_path / "envoy.yaml")]
        + ["--base-id", str(offset("chart-gateway"))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    clusters = {cl["name"]: cl for cl in config["static_resources"]["clusters"]}
    for spec in registry.SERVICES:
        cluster = clusters[spec.name]
        assert cluster["type"] == "STRICT_DNS"
        (endpoint,) = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"]
        socket = endpoint["endpoint"]["address"]["socket_address"]
        assert f"{socket['address']}:{socket['port_value']}" == address(
            spec.name, spec.default_port
        )
    assert clusters["mcp_http"]["type"] == "STRICT_DNS"
    listener = config["static_resources"]["listeners"][0]["address"]["socket_address"]
    assert listener["address"] == "0.0.0.0"


# A call in the code to another service: clients.stub(Stub, "name"), clients.channel("name"),
# or a module constant NAME = "name" handed to them.
CALL = re.compile(r'(?:stub\(\s*[\w.]+,\s*|channel\()"(\w+)"|^[A-Z_]+ = "(\w+)"$', re.M)


def calls_in(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        for match in CALL.finditer(path.read_text()):
            name = match.group(1) or match.group(2)
            if name in registry.BY_NAME:
                found.add(name)
    return found


def calls_by_service() -> dict[str, set[str]]:
    """Whom each service calls: in its own package, and through every services.runtime
    module it imports that calls (server.py, which every service runs, fetches the auth
    service's JWKS; resource_access.py asks permissions)."""
    runtime = {path.stem: calls_in([path]) for path in (ROOT / "services" / "runtime").glob("*.py")}
    calls: dict[str, set[str]] = {}
    for spec in registry.SERVICES:
        own = sorted((ROOT / "services" / spec.name).rglob("*.py"))
        text = "\n".join(path.read_text() for path in own)
        found = calls_in(own)
        for module, callees in runtime.items():
            if re.search(rf"services\.runtime(\.{module}\b| import .*\b{module}\b)", text):
                found |= callees
        calls[spec.name] = found - {spec.name}
    return calls


def admitted(policy: Manifest) -> set[str]:
    """Who may reach the policy's gRPC port: components, or "*" for the whole release."""
    (grpc_rule,) = [r for r in policy["spec"]["ingress"] if r["ports"] == [{"port": "grpc"}]]
    labels = [peer["podSelector"]["matchLabels"] for peer in grpc_rule["from"]]
    return {m.get("app.kubernetes.io/component", "*") for m in labels}


def test_each_service_is_reachable_only_from_its_callers(full: list[Manifest]) -> None:
    policies = kinds(full, "NetworkPolicy")
    deny = policies["tablemesh-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress"] and "ingress" not in deny
    gateway = policies["tablemesh-gateway"]["spec"]["ingress"]
    assert gateway[0] == {"ports": [{"port": "http"}]}  # from anywhere
    admin = gateway[1]["from"][0]["podSelector"]["matchLabels"]
    assert admin["app.kubernetes.io/component"] == "platform"
    calls = calls_by_service()
    assert calls["airtable"] >= {"permissions", "workspaces", "auth"}
    assert calls["llm"] >= {"mcp", "model"}
    for spec in registry.SERVICES:
        allowed = admitted(policies[f"tablemesh-{spec.name}"])
        callers = {name for name, callees in calls.items() if spec.name in callees}
        if "*" in allowed:
            # Called by every service: the JWKS (auth); the spans' collector (platform).
            assert spec.name in ("auth", "platform"), spec.name
            continue
        # The gateway routes to it, the platform asks its health; nobody else but callers.
        assert allowed == {"gateway", "platform"} | callers, spec.name
    assert admitted(policies["tablemesh-audit"]) == {"gateway", "platform"}
    assert admitted(policies["tablemesh-users"]) == {"gateway", "platform", "auth", "workspaces"}


def test_make_render_chart_prints_the_default_manifests() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_chart.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    deployments = [d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"]
    assert len(deployments) == len(registry.SERVICES)  # the model's off, the gateway's on
    assert "# Source: tablemesh/templates/services.yaml" in result.stdout


def test_names_follow_the_release_and_namespace() -> None:
    manifests = render(namespace="apps", release="prod")
    users = find(manifests, "Deployment", "prod-tablemesh-users")
    assert users["metadata"]["namespace"] == "apps"
    env = env_of(container(users))
    assert env["TABLEMESH_AUTH_ADDR"] == "prod-tablemesh-auth.apps.svc.cluster.local:8009"
    assert {m["metadata"]["namespace"] for m in manifests} == {"apps"}
