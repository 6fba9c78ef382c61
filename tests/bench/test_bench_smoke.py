"""`make test` runs the load benchmark's quick version end to end, so it cannot rot:
its own database (jianzhi_bench_quick, never pytest's), gunicorn with production
settings, wrk. The figures themselves are not judged here, only that every
metric was measured."""

import json
import os
import signal
import subprocess
import sys

import pytest

from bench.environment import QUICK, REPO_ROOT
from bench.specs import ENDPOINTS, QUERY_PROBES

pytestmark = pytest.mark.bench

TIMEOUT_S = 180
# The metrics the bench must report; the specs may add more (all of which are checked too).
REQUIRED_METRICS = {
    "healthz_rps", "healthz_p99_ms", "home_rps", "home_rps_ratio", "home_p99_ms", "home_queries",
    "student_dashboard_rps", "student_dashboard_p99_ms", "student_dashboard_queries",
}


def expected_metrics() -> set[str]:
    names = set(REQUIRED_METRICS) | {probe.name for probe in QUERY_PROBES}
    for endpoint in ENDPOINTS:
        names.add(f"{endpoint.name}_rps")
        names.update(f"{endpoint.name}_p{p:g}_ms" for p in endpoint.percentiles)
        if endpoint.ratio_to:
            names.add(f"{endpoint.name}_rps_ratio")
    return names


def run_quick_bench() -> str:
    QUICK.results_path.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "bench/run.py", "--quick", "--duration", "1"], cwd=REPO_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # SIGTERM to the whole group: run.py stops gunicorn in its `finally`.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        pytest.fail(f"bench/run.py --quick took longer than {TIMEOUT_S} s:\n{output}")
    assert process.returncode == 0, f"bench/run.py --quick failed:\n{output}"
    return output


def test_quick_benchmark_measures_every_metric():
    output = run_quick_bench()
    results = json.loads(QUICK.results_path.read_text())

    assert results["machine"]["cores"] == os.cpu_count() >= 1
    assert results["settings"]["gunicorn_workers"] == 3
    assert results["scale"]["rows"]["accounts.studentprofile"] == QUICK.students
    assert results["scale"]["rows"]["employers.employer"] == QUICK.employers

    metrics = results["metrics"]
    missing = expected_metrics() - set(metrics)
    assert not missing, f"metrics missing from {QUICK.results_path}: {sorted(missing)}\n{output}"
    for name, metric in metrics.items():
        assert set(metric) == {"value", "unit"}, name
        if metric["unit"] == "queries":
            # A page may rightly need no query at all (the anonymous home page).
            assert isinstance(metric["value"], int) and metric["value"] >= 0, (name, metric)
        else:
            assert metric["value"] > 0, (name, metric)
    # Signed-in pages read at least the session and the user.
    assert metrics["student_dashboard_queries"]["value"] >= 2
