"""Stop `make test` at once, with a how-to, when PostgreSQL or Redis is unreachable."""

import os
import socket
import sys
from urllib.parse import urlparse

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jianzhi")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    db, redis = urlparse(DATABASE_URL), urlparse(REDIS_URL)
    problems = []
    if not reachable(db.hostname or "127.0.0.1", db.port or 5432):
        problems.append(
            f"PostgreSQL is not reachable at {db.hostname}:{db.port or 5432}.\n"
            "  Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
            "  or point DATABASE_URL at a running server (user with CREATEDB)."
        )
    else:
        import psycopg

        try:
            psycopg.connect(
                host=db.hostname, port=db.port or 5432, user=db.username or "postgres",
                password=db.password or None, dbname="postgres", connect_timeout=3,
            ).close()
        except psycopg.Error as error:
            problems.append(f"PostgreSQL refused the connection: {error}".strip())
    if not reachable(redis.hostname or "127.0.0.1", redis.port or 6379):
        problems.append(
            f"Redis is not reachable at {redis.hostname}:{redis.port or 6379}.\n"
            '  Start it:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
        )
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
