"""The benchmark's reading of wrk's output (no server needed)."""

import pytest

from bench import wrk

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:36255/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    28.81ms    6.02ms  61.23ms   71.12%
    Req/Sec   277.91     31.02   360.00     69.50%
  Latency Distribution
     50%  850.00us
     75%   33.86ms
     90%   37.42ms
     99%    1.05s
  5531 requests in 10.01s, 47.31MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:    552.86
Transfer/sec:      4.73MB
BENCH_JSON {"requests": 5531, "duration_us": 10010000, "bytes": 49600000, \
"errors": {"connect": 0, "read": 2, "write": 0, "status": 3, "timeout": 1}, \
"latency_us": {"p50": 851, "p75": 33860, "p90": 37420, "p95": 39796, "p99": 1050000, "p99.9": 1200000, \
"max": 1300000, "mean": 28810.5}}
"""


def test_parse_reads_throughput_percentiles_and_errors():
    result = wrk.parse(WRK_OUTPUT)
    assert result.requests_per_s == 552.86
    assert result.requests == 5531
    # wrk's own text wins; units us/ms/s are converted to ms.
    assert result.latency_ms["p50"] == 0.85
    assert result.latency_ms["p90"] == 37.42
    assert result.percentile_ms(99) == 1050.0
    # What the text lacks comes from the Lua reporter.
    assert result.percentile_ms(95) == pytest.approx(39.796)
    assert result.latency_ms["p99.9"] == 1200.0
    assert result.errors == {"connect": 0, "read": 2, "write": 0, "status": 3, "timeout": 1}


def test_parse_without_the_lua_line_and_without_errors():
    text = "\n".join(line for line in WRK_OUTPUT.splitlines()
                     if not line.startswith(("BENCH_JSON", "\"", "  Socket", "  Non-2xx")))
    result = wrk.parse(text)
    assert result.errors == {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    assert set(result.latency_ms) == {"p50", "p75", "p90", "p99"}


def test_unparseable_output_fails_loudly():
    with pytest.raises(wrk.WrkError):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused")


def test_command_sends_the_session_cookie():
    cmd = wrk.command("http://127.0.0.1:8000/me/", duration_s=2, connections=16,
                      headers={"Cookie": "sessionid=abc"})
    assert cmd[1:5] == ["-t2", "-c16", "-d2s", "--latency"]
    assert cmd[-3:] == ["-H", "Cookie: sessionid=abc", "http://127.0.0.1:8000/me/"]
