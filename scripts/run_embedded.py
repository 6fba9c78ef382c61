"""Start the embedded platform: web server, Celery worker and Celery beat.

One command, no services: SQLite and kombu's filesystem broker (settings
`config.settings.local`). Ctrl-C stops all three; if one dies, all stop."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "PYTHONUNBUFFERED": "1",
           "SITE_URL": f"http://127.0.0.1:{args.port}"}
    (ROOT / "var" / "broker" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "broker" / "processed").mkdir(parents=True, exist_ok=True)
    commands = {
        "web": [sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload"],
        "worker": [str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
                   "--hostname=embedded@%h"],
        "beat": [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO",
                 "--schedule", str(ROOT / "var" / "celerybeat-schedule")],
    }
    processes = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}

    def stop(*_):
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.time() + 10
        for process in processes.values():
            try:
                process.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    time.sleep(3)
    subprocess.run([sys.executable, "manage.py", "seed_demo", "--print-logins", f"--port={args.port}"],
                   cwd=ROOT, env=env, check=False)
    try:
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"\n{name} exited with code {process.returncode}; stopping the platform.", file=sys.stderr)
                    stop()
                    return process.returncode or 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping web, worker and beat…")
        stop()
        return 0


if __name__ == "__main__":
    sys.exit(main())
