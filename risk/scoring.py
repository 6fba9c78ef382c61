"""The published credit formula (K3.1): placeholder until the scoring step lands."""


def credit_score_refresh(*, subject_kind: str, subject_id: int) -> None:
    return None


def credit_scores_recompute() -> None:
    return None
