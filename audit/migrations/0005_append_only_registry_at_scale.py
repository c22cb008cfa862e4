"""The history of duplicate confirmations and merges is append-only too, and their tables refuse writes while
triggers are being ignored (the same rules as 0002_append_only, for the tables added since)."""

from django.db import migrations

EVENT_TABLES = ["audit_distinctpersonconfirmationevent", "audit_personmergeevent"]
TRACKED_TABLES = ["people_distinctpersonconfirmation", "people_personmerge"]

INSTALL = "\n".join(
    [
        *[
            f'CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON "{t}" FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();\n'
            f'CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON "{t}" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();'
            for t in EVENT_TABLES
        ],
        *[
            f'CREATE TRIGGER audit_no_bypass BEFORE INSERT OR UPDATE OR DELETE ON "{t}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_history_bypass();"
            for t in TRACKED_TABLES
        ],
    ]
)
DROP = "\n".join(
    [
        *[f'DROP TRIGGER IF EXISTS audit_append_only ON "{t}"; DROP TRIGGER IF EXISTS audit_no_truncate ON "{t}";' for t in EVENT_TABLES],
        *[f'DROP TRIGGER IF EXISTS audit_no_bypass ON "{t}";' for t in TRACKED_TABLES],
    ]
)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_registry_at_scale_events")]

    operations = [migrations.RunSQL(INSTALL, DROP)]
