"""A team's stored caseload counts (the dashboard) are marked stale by the database whenever a row they are
made of changes, through any door: pages, admin, imports, raw SQL. The update touches the team's refresh row
only while it is not yet stale, so after the first write only a key lookup is left for the others (no lock
held on a hot row)."""

from django.db import migrations, models

MARK = """
CREATE OR REPLACE FUNCTION caseload_mark_stale(p_team bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE assessments_caseloadrefresh SET stale = true WHERE team_id = p_team AND NOT stale
$$;

-- Rows that carry their team (scope copies): assessments, flags, proposals.
CREATE OR REPLACE FUNCTION caseload_stale_by_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.scope_team_id IS NOT NULL THEN PERFORM caseload_mark_stale(OLD.scope_team_id); END IF;
    IF TG_OP <> 'DELETE' AND NEW.scope_team_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.scope_team_id IS DISTINCT FROM OLD.scope_team_id) THEN
        PERFORM caseload_mark_stale(NEW.scope_team_id);
    END IF;
    RETURN NULL;
END $$;

-- Findings: their assessment's team.
CREATE OR REPLACE FUNCTION caseload_stale_by_assessment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM caseload_mark_stale(a.scope_team_id) FROM assessments_assessment a
     WHERE a.id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.assessment_id END, CASE WHEN TG_OP <> 'INSERT' THEN OLD.assessment_id END)
       AND a.scope_team_id IS NOT NULL;
    RETURN NULL;
END $$;

-- Decisions: their person's team.
CREATE OR REPLACE FUNCTION caseload_stale_by_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM caseload_mark_stale(p.owning_team_id) FROM people_person p
     WHERE p.id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.person_id END, CASE WHEN TG_OP <> 'INSERT' THEN OLD.person_id END);
    RETURN NULL;
END $$;

CREATE TRIGGER caseload_stale AFTER INSERT OR UPDATE OR DELETE ON assessments_assessment
    FOR EACH ROW EXECUTE FUNCTION caseload_stale_by_scope();
CREATE TRIGGER caseload_stale AFTER INSERT OR UPDATE OR DELETE ON assessments_flag
    FOR EACH ROW EXECUTE FUNCTION caseload_stale_by_scope();
CREATE TRIGGER caseload_stale AFTER INSERT OR UPDATE OR DELETE ON assessments_removalproposal
    FOR EACH ROW EXECUTE FUNCTION caseload_stale_by_scope();
CREATE TRIGGER caseload_stale AFTER INSERT OR UPDATE OR DELETE ON assessments_finding
    FOR EACH ROW EXECUTE FUNCTION caseload_stale_by_assessment();
CREATE TRIGGER caseload_stale AFTER INSERT OR UPDATE OR DELETE ON assessments_removaldecision
    FOR EACH ROW EXECUTE FUNCTION caseload_stale_by_person();
"""

UNMARK = """
DROP TRIGGER IF EXISTS caseload_stale ON assessments_assessment;
DROP TRIGGER IF EXISTS caseload_stale ON assessments_flag;
DROP TRIGGER IF EXISTS caseload_stale ON assessments_removalproposal;
DROP TRIGGER IF EXISTS caseload_stale ON assessments_finding;
DROP TRIGGER IF EXISTS caseload_stale ON assessments_removaldecision;
DROP FUNCTION IF EXISTS caseload_stale_by_scope();
DROP FUNCTION IF EXISTS caseload_stale_by_assessment();
DROP FUNCTION IF EXISTS caseload_stale_by_person();
DROP FUNCTION IF EXISTS caseload_mark_stale(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("assessments", "0009_caseload_counts")]

    operations = [
        migrations.AddField(model_name="caseloadrefresh", name="stale", field=models.BooleanField(default=False)),
        migrations.RunSQL(MARK, UNMARK),
    ]
