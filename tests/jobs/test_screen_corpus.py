"""The labelled corpus (J1.4, G2): realistic part-time ads, violations in every
category and with every evasion the screen must see through, and clean ads
with honest negations. Run with `pytest -s` to see the confusion table; the
measured figures are in docs/compliance-screen.md."""

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from jobs.compliance import screen
from jobs.schedule import ShiftSpec

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "data" / "screen_corpus.csv"
MONDAY = dt.date(2026, 12, 7)
CATEGORIES = ["gender", "age", "ethnicity", "religion", "household", "health", "marital", "appearance", "fee",
              "scam", "contact", "misleading_pay", "pay_text_low", "pay_text_mismatch"]
EVASIONS = {"spacing", "punctuation", "fullwidth", "numerals", "spaced_digits", "contact_word", "euphemism",
            "fee_name", "scam_wording", "traditional", "zero_width", "emoji", "schemeless_url", "english", "grammar"}


def load_corpus() -> list[dict]:
    with CORPUS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def screened_codes(text: str) -> set[str]:
    # A lawful Shanghai posting (¥30 an hour, weekly pay) whose description is the ad.
    data = {"title": "兼职", "description": text, "requirements_skills": "", "requirements_certificates": "",
            "bonus_rules": "", "address": "漕溪北路 88 号", "city": "上海市", "is_remote": False, "pay_unit": "hour",
            "base_rate_fen": 3000, "pieces_per_hour": None, "settlement_cycle": "weekly", "payment_days": 3,
            "minor_restricted_work": [], "minor_restricted_venue": ""}
    shifts = [ShiftSpec(MONDAY, dt.time(18), dt.time(21))]
    return {f.code for f in screen(data, shifts) if f.field == "description"}


def confusion_table(rows: list[dict]) -> tuple[str, dict]:
    detected, missed, clean_flagged = Counter(), Counter(), Counter()
    also = Counter()  # other categories found on a violation (often right: an ad breaks two rules)
    misses, false_alarms = [], []
    for row in rows:
        codes = screened_codes(row["text"])
        if row["expected"] == "clean":
            if codes:
                false_alarms.append((row["text"], sorted(codes)))
                for code in codes:
                    clean_flagged[code] += 1
            continue
        if row["expected"] in codes:
            detected[row["expected"]] += 1
        else:
            missed[row["expected"]] += 1
            misses.append((row["expected"], row["evasion"], row["text"], sorted(codes)))
        for code in codes - {row["expected"]}:
            also[code] += 1
    lines = ["| category | violations | detected | missed | recall | also found on other violations | "
             "flagged on clean ads |", "|---|---:|---:|---:|---:|---:|---:|"]
    for category in CATEGORIES:
        total = detected[category] + missed[category]
        recall = f"{detected[category] / total:.0%}" if total else "—"
        lines.append(f"| {category} | {total} | {detected[category]} | {missed[category]} | {recall} | "
                     f"{also[category]} | {clean_flagged[category]} |")
    violations = [r for r in rows if r["expected"] != "clean"]
    clean = [r for r in rows if r["expected"] == "clean"]
    figures = {
        "violations": len(violations), "clean": len(clean),
        "recall": sum(detected.values()) / len(violations),
        "clean_flagged": len(false_alarms) / len(clean),
        "misses": misses, "false_alarms": false_alarms,
    }
    lines.append(f"| **all** | {len(violations)} | {sum(detected.values())} | {sum(missed.values())} | "
                 f"{figures['recall']:.1%} | | {len(false_alarms)} of {len(clean)} clean ads "
                 f"({figures['clean_flagged']:.1%}) |")
    return "\n".join(lines), figures


def test_j1_4_corpus_is_large_and_covers_every_category_and_evasion():
    rows = load_corpus()
    violations = [r for r in rows if r["expected"] != "clean"]
    assert len(rows) >= 150 and len(violations) >= 100 and len(rows) - len(violations) >= 50
    assert {r["expected"] for r in violations} == set(CATEGORIES)
    assert {r["evasion"] for r in violations} - {"direct"} == EVASIONS


def test_j1_4_corpus_recall_at_least_95_percent_and_at_most_5_percent_of_clean_ads_flagged():
    table, figures = confusion_table(load_corpus())
    print("\n" + table)
    for miss in figures["misses"]:
        print("missed:", *miss)
    for alarm in figures["false_alarms"]:
        print("clean but flagged:", *alarm)
    assert figures["recall"] >= 0.95, figures["misses"]
    assert figures["clean_flagged"] <= 0.05, figures["false_alarms"]
