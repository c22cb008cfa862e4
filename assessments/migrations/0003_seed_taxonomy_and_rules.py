"""Seed the risk taxonomy from fixtures/risk_taxonomy.json and the automatic flag rules with their defaults.

Idempotent by code: administrators' later edits are kept (existing rows are not overwritten).
"""

import json
from pathlib import Path

from django.db import migrations

TAXONOMY = Path(__file__).resolve().parents[2] / "fixtures" / "risk_taxonomy.json"

FLAG_RULES = [
    # code, severity (1-4), blocks removal, threshold days
    ("real_risk_torture_death", 4, True, None),
    ("removal_imminent", 3, False, 14),
    ("assessment_expired", 3, False, None),
    ("evidence_after_approval", 2, False, None),
    ("vulnerable_person", 3, False, None),
]


def seed(apps, schema_editor):
    RiskType = apps.get_model("assessments", "RiskType")
    Indicator = apps.get_model("assessments", "Indicator")
    FlagRule = apps.get_model("assessments", "FlagRule")
    data = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    for position, item in enumerate(data["risk_types"], start=1):
        RiskType.objects.get_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "description": item["description"],
                "absolute_bar": item["absolute_bar"],
                "legal_references": item["legal_references"],
                "position": position,
            },
        )
    for item in data["indicators"]:
        Indicator.objects.get_or_create(
            code=item["code"],
            defaults={"kind": item["kind"], "name": item["name"], "legal_references": item["legal_references"]},
        )
    for code, severity, blocks, threshold in FLAG_RULES:
        FlagRule.objects.get_or_create(
            code=code, defaults={"severity": severity, "blocks_removal": blocks, "threshold_days": threshold}
        )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_gate_triggers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
