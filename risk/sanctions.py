"""The sanctions ladder, appeals and enforcement (E4.2, K3.2). Being written (H2)."""


def violation_record(*, subject_kind: str, subject_id: int, category: str, reason: str, actor, evidence: str = "",
                     severe: bool | None = None, source=None):
    """Contract: record a confirmed violation; returns the Sanction imposed (next rung of the ladder)."""
    raise NotImplementedError
