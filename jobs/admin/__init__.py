"""Staff back office for jobs (admin autodiscovery imports this package):

- `job`: the moderation queue of jobs, their decisions and bulk actions (E2.2, P2.3);
- `revision`: revisions of live jobs side by side with the published version (J2.2);
- `base`: what those two queues share (filters, waiting time, flags, read-only pages);
- `display`: how a job's findings, shifts and values are shown to a moderator (J1.4);
- `reference`: the compliance lexicon and minimum-wage table, flags and patrol runs (J1.4, G2, J2.3).

Staff never edit employer content: every job page is read-only, and every
decision (transition, bulk action, revision approval) calls a service in
`jobs.services`, which checks `jobs.moderate_job`, locks, writes history and
tells the employer."""

from . import job, reference, revision  # noqa: F401  (registers the admins)
from .display import FLAG_CODES, RULE_CODES

__all__ = ["FLAG_CODES", "RULE_CODES"]
