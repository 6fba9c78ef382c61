"""The student's pages on a phone (issue 21): Largest Contentful Paint and page weight of each
student page type under Chromium's "Slow 4G" network and 4× CPU slow-down.

    .venv/bin/python bench/lcp.py --base-url http://127.0.0.1:8000 [--email E --password P] [--runs 3]

against `make run` (the demo student signs in through the login form; its e-mail and password are
the defaults) or any server; bench/run.py --lcp runs it against its gunicorn with a session cookie.

Each page is loaded `--runs` times, each time in a fresh browser context (empty cache, a phone's
375 px viewport, zh-CN), with the DevTools protocol's Network.emulateNetworkConditions (DevTools'
"Slow 4G" preset: 562.5 ms latency, 1.44 Mb/s down, 675 kb/s up) and Emulation.setCPUThrottlingRate
(4). LCP is read with a PerformanceObserver (buffered 'largest-contentful-paint' entries, the last
candidate once the page has loaded); the weight is the bytes transferred (Resource Timing's
transferSize of the document and of every subresource) before fonts, i.e. fonts excluded.

Metrics: student_pages_lcp_p95_ms (over every load of every page; budget ≤ 2500) and
student_page_<name>_kb (the heaviest of its loads; budget ≤ 150 each)."""

import argparse
import json
import math
import os
import re
import sys
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 375, "height": 812}
# DevTools' "Slow 4G" preset (front_end/core/sdk/NetworkManager.ts): 1.6 Mb/s and 750 kb/s at 90 %, 150 ms × 3.75.
SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
           "uploadThroughput": 750 * 1000 / 8 * 0.9}
CPU_SLOWDOWN = 4
LCP_BUDGET_MS = 2500
WEIGHT_BUDGET_KB = 150
# The student's page types; the job detail's address is the first job on the list.
PAGES = {
    "home": "/",
    "job_list": "/jobs/",
    "job_detail": None,
    "dashboard": "/me/",
    "my_applications": "/work/mine/",
    "recommended": "/work/recommended/",
    "my_pay": "/pay/",
    "my_credit": "/credit/",
}
FONT = re.compile(r"\.(woff2?|ttf|otf|eot)(\?|$)", re.I)

LCP_SCRIPT = """() => new Promise(resolve => {
  const done = entries => resolve(entries.length ? entries[entries.length - 1].startTime : null);
  new PerformanceObserver(list => done(list.getEntries()))
    .observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => done(performance.getEntriesByType('largest-contentful-paint')), 3000);
})"""
WEIGHT_SCRIPT = """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
  .map(e => ({name: e.name, type: e.initiatorType, bytes: e.transferSize}))"""


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _context(browser, base_url: str, cookies: list[dict]):
    context = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True,
                                  locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"})
    if cookies:
        context.add_cookies(cookies)
    return context


def _sign_in(browser, base_url: str, email: str, password: str) -> list[dict]:
    """The session cookie of `email`, signed in through the login form."""
    context = _context(browser, base_url, [])
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    cookies = [c for c in context.cookies() if c["name"] not in ("csrftoken",)]
    context.close()
    return cookies


def _job_detail_path(browser, base_url: str, cookies: list[dict]) -> str:
    context = _context(browser, base_url, cookies)
    page = context.new_page()
    page.goto(PAGES["job_list"])
    hrefs = page.eval_on_selector_all("main a[href^='/jobs/']", "links => links.map(a => a.getAttribute('href'))")
    context.close()
    details = [h for h in hrefs if re.fullmatch(r"/jobs/\d+/", h.split("?")[0])]
    if not details:
        raise RuntimeError("the job list shows no job to open")
    return details[0].split("?")[0]


def load(browser, base_url: str, cookies: list[dict], path: str) -> dict:
    """One cold load of `path` on a throttled phone: LCP (ms) and bytes transferred (fonts aside)."""
    context = _context(browser, base_url, cookies)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    try:
        response = page.goto(path, wait_until="load", timeout=60_000)
        if response is None or response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response and response.status}")
        if "/accounts/login/" in page.url:
            raise RuntimeError(f"{path}: sent to the login page (not signed in)")
        lcp = page.evaluate(LCP_SCRIPT)
        entries = page.evaluate(WEIGHT_SCRIPT)
    finally:
        context.close()
    if lcp is None:
        raise RuntimeError(f"{path}: no largest-contentful-paint entry")
    weight = sum(e["bytes"] for e in entries if not (e["type"] == "css" and FONT.search(e["name"]))
                 and not FONT.search(e["name"]))
    return {"lcp_ms": round(lcp, 1), "bytes": weight,
            "resources": {e["name"].replace(base_url, ""): e["bytes"] for e in entries}}


def measure(base_url: str, *, cookies: list[dict] | None = None, email: str = "", password: str = "",
            runs: int = 3, log=print) -> dict:
    """{"pages": {name: {path, lcp_ms: [...], bytes: max, resources}}, "metrics": {...}, "budgets": {...}}."""
    from playwright.sync_api import sync_playwright

    base_url = base_url.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            if cookies is None:
                cookies = _sign_in(browser, base_url, email, password)
            paths = {name: path or _job_detail_path(browser, base_url, cookies) for name, path in PAGES.items()}
            pages = {}
            for name, path in paths.items():
                loads = [load(browser, base_url, cookies, path) for _ in range(runs)]
                pages[name] = {"path": path, "lcp_ms": [one["lcp_ms"] for one in loads],
                               "bytes": max(one["bytes"] for one in loads), "resources": loads[-1]["resources"]}
                log(f"  {name:<16} {path:<22} LCP {sorted(pages[name]['lcp_ms'])} ms, "
                    f"{pages[name]['bytes'] / 1024:.1f} KB")
        finally:
            browser.close()
    lcps = [value for page in pages.values() for value in page["lcp_ms"]]
    metrics = {"student_pages_lcp_p95_ms": {"value": percentile(lcps, 95), "unit": "ms"}}
    for name, page in pages.items():
        metrics[f"student_page_{name}_kb"] = {"value": round(page["bytes"] / 1024, 1), "unit": "KB"}
    return {"pages": pages, "metrics": metrics, "budgets": budgets(metrics),
            "settings": {"network": "Slow 4G", **SLOW_4G, "cpu_slowdown": CPU_SLOWDOWN, "runs": runs,
                         "viewport": PHONE}}


def budgets(metrics: dict) -> dict[str, tuple[str, float]]:
    """The budgets of these metrics, in bench/specs.BUDGETS' form."""
    return {name: ("<=", LCP_BUDGET_MS if name.endswith("_lcp_p95_ms") else WEIGHT_BUDGET_KB) for name in metrics}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="LCP and weight of the student's pages on a throttled phone")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--email", default="student@demo.jianzhi.example", help="the demo student by default")
    parser.add_argument("--password", default="Jianzhi-demo-2026", help="the demo password by default")
    parser.add_argument("--runs", type=int, default=3, help="cold loads per page (3)")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    print(f"Student pages on a phone (Slow 4G, CPU ×{CPU_SLOWDOWN}), {args.runs} loads each, {args.base_url}:")
    results = measure(args.base_url, email=args.email, password=args.password, runs=args.runs)
    missed = []
    for name, metric in results["metrics"].items():
        limit = results["budgets"][name][1]
        ok = metric["value"] <= limit
        missed += [] if ok else [name]
        print(f"{name:<34} {metric['value']:>8} {metric['unit']}  budget <= {limit:g}: {'ok' if ok else 'MISSED'}")
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return 2 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
