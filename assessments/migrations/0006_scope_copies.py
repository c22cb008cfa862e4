"""Copies of the person's team and caseworker on proposals, assessments and flags, and of the proposal's
planned date on assessments, kept by triggers (see assessments.models.ScopeCopy).

Each copying row recomputes its copies on every insert and update (so a save from a stale object, a COPY,
a merge that moves the row to another person or raw SQL cannot leave them wrong), and a change of a
person's team or caseworker, or of a proposal's date, updates the rows that copy it in the same statement.
The history triggers leave these columns out (audit.models.NOISE), so the copying writes no events.
"""

from django.conf import settings
from django.db import migrations, models


SQL = """
CREATE OR REPLACE FUNCTION scope_copy_from_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.owning_team_id, p.assigned_caseworker_id INTO NEW.scope_team_id, NEW.scope_caseworker_id
      FROM people_person p WHERE p.id = NEW.person_id;
    IF TG_TABLE_NAME = 'assessments_assessment' THEN
        NEW.proposal_planned_date := (SELECT r.planned_date FROM assessments_removalproposal r WHERE r.id = NEW.proposal_id);
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION scope_copy_person_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assessments_removalproposal SET scope_team_id = NEW.owning_team_id, scope_caseworker_id = NEW.assigned_caseworker_id
     WHERE person_id = NEW.id;
    UPDATE assessments_assessment SET scope_team_id = NEW.owning_team_id, scope_caseworker_id = NEW.assigned_caseworker_id
     WHERE person_id = NEW.id;
    UPDATE assessments_flag SET scope_team_id = NEW.owning_team_id, scope_caseworker_id = NEW.assigned_caseworker_id
     WHERE person_id = NEW.id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION scope_copy_proposal_date_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assessments_assessment SET proposal_planned_date = NEW.planned_date WHERE proposal_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER scope_copy BEFORE INSERT OR UPDATE ON assessments_removalproposal
    FOR EACH ROW EXECUTE FUNCTION scope_copy_from_person();
CREATE TRIGGER scope_copy BEFORE INSERT OR UPDATE ON assessments_assessment
    FOR EACH ROW EXECUTE FUNCTION scope_copy_from_person();
CREATE TRIGGER scope_copy BEFORE INSERT OR UPDATE ON assessments_flag
    FOR EACH ROW EXECUTE FUNCTION scope_copy_from_person();
CREATE TRIGGER scope_copy_person_changed AFTER UPDATE OF owning_team_id, assigned_caseworker_id ON people_person
    FOR EACH ROW WHEN (OLD.owning_team_id IS DISTINCT FROM NEW.owning_team_id
                       OR OLD.assigned_caseworker_id IS DISTINCT FROM NEW.assigned_caseworker_id)
    EXECUTE FUNCTION scope_copy_person_changed();
CREATE TRIGGER scope_copy_proposal_date_changed AFTER UPDATE OF planned_date ON assessments_removalproposal
    FOR EACH ROW WHEN (OLD.planned_date IS DISTINCT FROM NEW.planned_date)
    EXECUTE FUNCTION scope_copy_proposal_date_changed();
"""

# Existing rows, set-wise (the copying trigger above would compute the same on any update). The history
# triggers write nothing for it: the copies are not part of any event (audit.models.NOISE).
BACKFILL = """
UPDATE assessments_removalproposal r SET scope_team_id = p.owning_team_id, scope_caseworker_id = p.assigned_caseworker_id
  FROM people_person p WHERE p.id = r.person_id;
UPDATE assessments_flag f SET scope_team_id = p.owning_team_id, scope_caseworker_id = p.assigned_caseworker_id
  FROM people_person p WHERE p.id = f.person_id;
UPDATE assessments_assessment a SET scope_team_id = p.owning_team_id, scope_caseworker_id = p.assigned_caseworker_id,
       proposal_planned_date = (SELECT r.planned_date FROM assessments_removalproposal r WHERE r.id = a.proposal_id)
  FROM people_person p WHERE p.id = a.person_id;
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS scope_copy ON assessments_removalproposal;
DROP TRIGGER IF EXISTS scope_copy ON assessments_assessment;
DROP TRIGGER IF EXISTS scope_copy ON assessments_flag;
DROP TRIGGER IF EXISTS scope_copy_person_changed ON people_person;
DROP TRIGGER IF EXISTS scope_copy_proposal_date_changed ON assessments_removalproposal;
DROP FUNCTION IF EXISTS scope_copy_from_person();
DROP FUNCTION IF EXISTS scope_copy_person_changed();
DROP FUNCTION IF EXISTS scope_copy_proposal_date_changed();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0005_evidence_storage_callable'),
        ('people', '0005_scope_covering_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='assessment',
            name='proposal_planned_date',
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='assessment',
            name='scope_caseworker_id',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='assessment',
            name='scope_team_id',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='flag',
            name='scope_caseworker_id',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='flag',
            name='scope_team_id',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='removalproposal',
            name='scope_caseworker_id',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='removalproposal',
            name='scope_team_id',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.RunSQL(SQL, REVERSE_SQL),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='assessment',
            index=models.Index(fields=['assessor', 'status', 'proposal_planned_date', 'created_at'], name='assessment_assessor_urgency'),
        ),
        migrations.AddIndex(
            model_name='assessment',
            index=models.Index(condition=models.Q(('status', 'submitted')), fields=['scope_team_id', 'proposal_planned_date', 'submitted_at', 'id'], name='assessment_submitted_urgency'),
        ),
        migrations.AddIndex(
            model_name='flag',
            index=models.Index(models.F('scope_caseworker_id'), models.OrderBy(models.F('blocks_removal'), descending=True), models.OrderBy(models.F('severity'), descending=True), models.F('raised_at'), models.F('id'), condition=models.Q(('resolved_at__isnull', True)), name='flag_open_caseworker_urgency'),
        ),
        migrations.AddIndex(
            model_name='flag',
            index=models.Index(models.F('scope_team_id'), models.OrderBy(models.F('blocks_removal'), descending=True), models.OrderBy(models.F('severity'), descending=True), models.F('raised_at'), models.F('id'), condition=models.Q(('resolved_at__isnull', True)), name='flag_open_team_urgency'),
        ),
        migrations.AddIndex(
            model_name='removalproposal',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['scope_caseworker_id', 'planned_date'], name='proposal_open_caseworker_date'),
        ),
    ]
