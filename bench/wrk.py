"""Drive one URL with wrk (a separate process, in C: the load generator is not the
bottleneck) and parse what it prints."""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from bench.environment import BENCH_DIR

WRK_THREADS = 2
REPORT_SCRIPT = BENCH_DIR / "wrk_report.lua"
_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


class WrkError(RuntimeError):
    pass


@dataclass
class WrkResult:
    requests_per_s: float
    requests: int
    latency_ms: dict[str, float]  # "p50", "p75", "p90", "p95", "p99", "p99.9", "max", "mean"
    errors: dict[str, int] = field(default_factory=dict)  # connect, read, write, status (non-2xx/3xx), timeout

    def percentile_ms(self, p: float) -> float:
        return self.latency_ms[f"p{p:g}"]


def wrk_path() -> str:
    path = shutil.which("wrk")
    if not path:
        raise WrkError("wrk is not installed: run `scripts/apt-install wrk` (Debian package wrk)")
    return path


def _ms(number: str, unit: str) -> float:
    return float(number) * _TIME_UNITS_MS[unit]


def parse(output: str) -> WrkResult:
    """Parse `wrk --latency` output (plus the BENCH_JSON line of wrk_report.lua, if any)."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ", output, re.M)
    if not rps or not total:
        raise WrkError(f"cannot parse wrk output:\n{output}")
    latency = {
        f"p{float(p):g}": _ms(value, unit)
        for p, value, unit in re.findall(r"^\s+([\d.]+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    }
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket:
        errors.update(zip(("connect", "read", "write", "timeout"), map(int, socket.groups()), strict=True))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors["status"] = int(non_2xx.group(1))
    report = re.search(r"^BENCH_JSON (.*)$", output, re.M)
    if report:
        extra = json.loads(report.group(1))
        for key, micros in extra["latency_us"].items():
            latency.setdefault(key, micros / 1000)  # wrk's own text wins where it has the value
        errors.update(extra["errors"])
    if "p99" not in latency:
        raise WrkError(f"wrk printed no latency distribution (was --latency given?):\n{output}")
    return WrkResult(requests_per_s=float(rps.group(1)), requests=int(total.group(1)),
                     latency_ms={k: round(v, 3) for k, v in latency.items()}, errors=errors)


def command(url: str, *, duration_s: int, connections: int, headers: dict[str, str] | None = None) -> list[str]:
    cmd = [wrk_path(), f"-t{WRK_THREADS}", f"-c{connections}", f"-d{duration_s}s", "--latency",
           "-s", str(REPORT_SCRIPT)]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    return [*cmd, url]


def run(url: str, *, duration_s: int, connections: int, headers: dict[str, str] | None = None) -> WrkResult:
    cmd = command(url, duration_s=duration_s, connections=connections, headers=headers)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 60)
    if done.returncode != 0:
        raise WrkError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)
