"""Reads that may go to the streaming replica (issue 22).

Only the call sites that ask for it read from the replica: read-only staff reports and
exports (settlement report, weekly report figures, audit pack), wrapped in
`using_replica()`. Everything else, and every write inside such a block, goes to the
primary (`config.routers.ReplicaRouter`). A replica lags the primary by a moment, so
only figures that tolerate a few seconds of lag are read there: never a balance that
decides a payment, never a row about to be locked or changed.

The replica is used when settings.REPLICA_DATABASE_ALIAS names a configured
database (set when DATABASE_REPLICA_URL is); otherwise `using_replica()` changes
nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_REPLICA_READS: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_alias() -> str | None:
    """The database alias reads go to inside `using_replica()`, or None when no
    replica is configured (reads then stay on the primary)."""
    alias = getattr(settings, "REPLICA_DATABASE_ALIAS", None)
    return alias if alias and alias in settings.DATABASES else None


def replica_reads_active() -> bool:
    return _REPLICA_READS.get()


@contextmanager
def using_replica() -> Iterator[None]:
    """Within the block, reads (not writes, not SELECT … FOR UPDATE) go to the replica."""
    token = _REPLICA_READS.set(True)
    try:
        yield
    finally:
        _REPLICA_READS.reset(token)
