"""The Kubernetes example: manifests that parse, and fixtures that load as a ConfigMap volume."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from mocksrv.loader import load
from mocksrv.schemas import SchemaRegistry

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"


def manifests() -> dict[str, dict]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            found[f"{doc['kind']}/{doc.get('metadata', {}).get('name', path.stem)}"] = doc
    return found


def test_manifests_describe_replicas_sharing_redis():
    docs = manifests()
    assert {"Deployment/mocksrv", "Service/mocksrv", "ConfigMap/mocksrv-fixtures"} <= set(docs)
    assert {"Deployment/mocksrv-redis", "Service/mocksrv-redis"} <= set(docs)
    deployment = docs["Deployment/mocksrv"]["spec"]
    assert deployment["replicas"] == 3
    env = {e["name"]: e.get("value") for e in deployment["template"]["spec"]["containers"][0]["env"]}
    assert env["MOCKSRV_STATE"] == "redis://mocksrv-redis:6379/0"


def test_configmap_fixtures_load_from_a_configmap_volume_layout(tmp_path):
    """Kubelet writes the files under a hidden timestamped dir, linked through `..data/`."""
    data = manifests()["ConfigMap/mocksrv-fixtures"]["data"]
    stamped = tmp_path / "..2026_01_01_00_00_00.000000001"
    stamped.mkdir()
    for name, text in data.items():
        (stamped / name).write_text(text)
    os.symlink(stamped.name, tmp_path / "..data")
    for name in data:
        os.symlink(f"..data/{name}", tmp_path / name)
    documents = load([tmp_path], SchemaRegistry())  # no duplicate ids from the hidden copies
    assert [f["id"] for f in documents.fixtures] == ["weather", "onboarding"]
    assert [s["name"] for s in documents.scenarios] == ["flaky"]


def test_no_admin_token_ships_and_the_pods_require_one():
    """The operator creates the Secret (`kubectl create secret generic mocksrv-admin ...`)."""
    docs = manifests()
    for name, doc in docs.items():
        if doc["kind"] == "Secret":
            assert not doc.get("data") and not doc.get("stringData"), name
    assert "change-me" not in "".join(p.read_text() for p in K8S.glob("*.yaml"))
    (container,) = docs["Deployment/mocksrv"]["spec"]["template"]["spec"]["containers"]
    (token,) = [e for e in container["env"] if e["name"] == "MOCKSRV_ADMIN_TOKEN"]
    reference = token["valueFrom"]["secretKeyRef"]
    assert reference["name"] == "mocksrv-admin" and reference.get("optional", False) is False
