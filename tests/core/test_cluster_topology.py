"""Issue 22: `make cluster` (scripts/cluster.py) and docker-compose.yml describe the same
topology: nginx in front of the web processes, three workers, two beats sharing RedBeat's
lock, a streaming replica the reports read. The cluster itself is not started by the tests
(it takes minutes: migrate, pg_basebackup); this checks what it would start."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster():
    spec = importlib.util.spec_from_file_location("cluster_script", ROOT / "scripts" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_issue22_cluster_runs_two_web_three_workers_two_beats_behind_nginx(cluster, tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CLUSTER_DIR", tmp_path)
    monkeypatch.setattr(cluster, "LOG_DIR", tmp_path / "logs")
    conf = cluster.nginx_conf(8080)
    text = conf.read_text()
    assert "listen 127.0.0.1:8080;" in text
    assert all(f"server 127.0.0.1:{port};" in text for port in cluster.WEB_PORTS) and len(cluster.WEB_PORTS) == 2
    names = sorted(cluster.commands(conf))
    assert names == ["beat1", "beat2", "nginx", "web1", "web2", "worker1", "worker2", "worker3"]


def test_issue22_cluster_processes_use_the_replica_and_the_beat_lock(cluster):
    env = cluster.environment(8080)
    assert env["CELERY_BEAT_SCHEDULER"] == "redbeat.RedBeatScheduler"
    assert env["DATABASE_REPLICA_URL"].endswith(f":{cluster.REPLICA_PORT}/{cluster.DATABASE}")
    assert env["DATABASE_URL"].endswith(f":5432/{cluster.DATABASE}")
    assert env["REDIS_URL"].endswith("/13")  # not the tests' (15) or the benchmark's (14) Redis database


def test_issue22_docker_compose_describes_the_same_topology():
    compose = (ROOT / "docker-compose.yml").read_text()
    for service in ("postgres-replica:", "nginx:", "worker:", "beat:", "web:"):
        assert f"\n  {service}" in compose
    assert "pg_basebackup -h postgres -U jianzhi -D /var/lib/postgresql/data -R" in compose
    assert "CELERY_BEAT_SCHEDULER: redbeat.RedBeatScheduler" in compose
    assert "deploy: {replicas: 2}" in compose and "deploy: {replicas: 3}" in compose
