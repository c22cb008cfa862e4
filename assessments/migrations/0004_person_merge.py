"""Let a recorded person merge move assessment records, and nothing else.

- assessment_status_guard: an approved assessment still cannot change person, except along a merge
  recorded in people_personmerge (old person merged into the new one); then it is reopened as it moves
  (to draft, or superseded if the survivor already has one in progress for the same route), because it
  now rests on a different record and must be reviewed again.
- removal_decision_guard: an authorised decision is re-checked by the gate on every update, which would
  make a merge impossible (the gate asks about today, not the day of the decision). An update that changes
  nothing but the person, along a recorded merge, is let through; every other update is checked as before.
"""

import importlib
import re

from django.db import migrations

_GATE = importlib.import_module("assessments.migrations.0002_gate_triggers").GATE_SQL


def _function(name: str) -> str:
    match = re.search(rf"CREATE OR REPLACE FUNCTION {name}\(\).*?END \$\$;", _GATE, re.S)
    return match.group(0)


OLD_STATUS_GUARD = _function("assessment_status_guard")
OLD_DECISION_GUARD = _function("removal_decision_guard")

MERGED_INTO = """EXISTS (SELECT 1 FROM people_personmerge m
                 WHERE m.merged_person_id = OLD.person_id AND m.survivor_id = NEW.person_id)"""

NEW_STATUS_GUARD = OLD_STATUS_GUARD.replace(
    """        ELSIF NEW.person_id IS DISTINCT FROM OLD.person_id OR NEW.assessor_id IS DISTINCT FROM OLD.assessor_id THEN
            RAISE EXCEPTION""",
    f"""        ELSIF NEW.person_id IS DISTINCT FROM OLD.person_id AND NEW.assessor_id IS NOT DISTINCT FROM OLD.assessor_id
              AND {MERGED_INTO} THEN
            NEW.status := CASE WHEN EXISTS (
                    SELECT 1 FROM assessments_assessment o
                     WHERE o.person_id = NEW.person_id AND o.destination = NEW.destination
                       AND o.transit_countries = NEW.transit_countries AND o.id <> NEW.id
                       AND o.status IN ('draft', 'submitted', 'returned'))
                THEN 'superseded' ELSE 'draft' END;
            NEW.reopened_at := clock_timestamp(); NEW.status_changed_at := clock_timestamp();
            NEW.status_reason := left('The person''s record P-' || lpad(OLD.person_id::text, 6, '0') || ' was merged into P-'
                || lpad(NEW.person_id::text, 6, '0') || '; review the assessment against the whole record', 300);
        ELSIF NEW.person_id IS DISTINCT FROM OLD.person_id OR NEW.assessor_id IS DISTINCT FROM OLD.assessor_id THEN
            RAISE EXCEPTION""",
)
assert NEW_STATUS_GUARD != OLD_STATUS_GUARD

NEW_DECISION_GUARD = OLD_DECISION_GUARD.replace(
    """DECLARE
    v_reasons text;
BEGIN
    IF NEW.outcome = 'authorised' THEN""",
    f"""DECLARE
    v_reasons text;
    v_moved assessments_removaldecision%ROWTYPE;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.person_id IS DISTINCT FROM OLD.person_id THEN
        v_moved := OLD;
        v_moved.person_id := NEW.person_id;
        IF v_moved IS NOT DISTINCT FROM NEW AND {MERGED_INTO} THEN
            RETURN NEW;  -- a recorded merge relabels the decision; it is not a new authorisation
        END IF;
    END IF;
    IF NEW.outcome = 'authorised' THEN""",
)
assert NEW_DECISION_GUARD != OLD_DECISION_GUARD


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_seed_taxonomy_and_rules"), ("people", "0003_registration_at_scale")]

    operations = [
        migrations.RunSQL(NEW_STATUS_GUARD + "\n" + NEW_DECISION_GUARD, OLD_STATUS_GUARD + "\n" + OLD_DECISION_GUARD),
    ]
