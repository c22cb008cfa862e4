"""Make history and the access log append-only, and refuse writes that would skip the history triggers.

Plain SQL triggers (not django-pgtrigger's), because every pgtrigger trigger obeys the session setting
`pgtrigger.ignore`, which any database session may set: a protection that the protected party can switch
off is not one. These functions have no such switch.

- audit_refuse_change(): BEFORE UPDATE OR DELETE on every event table (and pghistory's context table, which
  this project does not use: each event carries its own context): always refused.
- audit_accesslog_guard(): the same for the access log, except the retention procedure: a DELETE of a row
  older than the retention floor (365 days) in a transaction that set `audit.prune_access_log = on`
  (the `prune_access_log` command). Rows younger than the floor cannot be deleted by anyone.
- audit_refuse_truncate(): BEFORE TRUNCATE on the same tables, unless the session set
  `audit.allow_truncate = on` (the test suite does, to reset its database between transactional tests;
  production must not, and must not grant TRUNCATE to the application's role either).
- audit_refuse_history_bypass(): BEFORE INSERT OR UPDATE OR DELETE (per statement) on every tracked table:
  refused while `pgtrigger.ignore` names any trigger, so the history triggers cannot be skipped that way.

What triggers cannot stop is the tables' owner or a superuser disabling them; docs/security.md says how to
run the application under a role that is neither.
"""

from django.db import migrations

EVENT_TABLES = [
    "audit_affiliationevent", "audit_assessmentevent", "audit_assuranceevent", "audit_campevent",
    "audit_evidenceevent", "audit_familylinkevent", "audit_findingevent", "audit_findingevidenceevent",
    "audit_findingindicatorevent", "audit_flagevent", "audit_flagruleevent", "audit_identitydocumentevent",
    "audit_indicatorevent", "audit_interviewevent", "audit_legalstatusevent", "audit_medicalconsistencyevent",
    "audit_organisationaliasevent", "audit_organisationevent", "audit_personevent", "audit_personnameevent",
    "audit_registrationevent", "audit_removaldecisionevent", "audit_removalproposalevent",
    "audit_residenceevent", "audit_reviewevent", "audit_risktypeevent", "audit_staticdeviceevent",
    "audit_statictokenevent", "audit_teamevent", "audit_teammemberevent", "audit_teamsupervisorevent",
    "audit_totpdeviceevent", "audit_userevent", "audit_usergroupevent", "audit_voluntaryreturnconsentevent",
    "audit_vulnerabilityevent", "pghistory_context",
]

TRACKED_TABLES = [
    "assessments_assessment", "assessments_assurance", "assessments_evidence", "assessments_finding",
    "assessments_finding_evidence", "assessments_finding_indicators", "assessments_flag",
    "assessments_flagrule", "assessments_indicator", "assessments_interview", "assessments_medicalconsistency",
    "assessments_removaldecision", "assessments_removalproposal", "assessments_review", "assessments_risktype",
    "assessments_voluntaryreturnconsent", "auth_user", "auth_user_groups", "otp_static_staticdevice",
    "otp_static_statictoken", "otp_totp_totpdevice", "people_affiliation", "people_camp", "people_familylink",
    "people_identitydocument", "people_legalstatus", "people_organisation", "people_organisationalias",
    "people_person", "people_personname", "people_registration", "people_residence", "people_team",
    "people_team_members", "people_team_supervisors", "people_vulnerability",
]

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_append_only: % on % refused: history and access-log rows are never changed or deleted',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_accesslog_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('audit.prune_access_log', true) = 'on'
       AND OLD.at < now() - interval '365 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_append_only: % on % refused: history and access-log rows are never changed or deleted',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('audit.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_append_only: TRUNCATE on % refused: history and access-log rows are never deleted',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_refuse_history_bypass() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('pgtrigger.ignore', true), '') NOT IN ('', '{}') THEN
        RAISE EXCEPTION 'audit_history_bypass: % on % refused while triggers are being ignored (pgtrigger.ignore)',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;
"""


def _install_sql(event_tables: list[str], tracked_tables: list[str]) -> str:
    parts = [FUNCTIONS]
    for table in event_tables:
        parts.append(
            f'CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
        )
        parts.append(
            f'CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();"
        )
    parts.append(
        'CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON "audit_accesslog" '
        "FOR EACH ROW EXECUTE FUNCTION audit_accesslog_guard();"
    )
    parts.append(
        'CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON "audit_accesslog" '
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();"
    )
    for table in tracked_tables:
        parts.append(
            f'CREATE TRIGGER audit_no_bypass BEFORE INSERT OR UPDATE OR DELETE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_history_bypass();"
        )
    return "\n".join(parts)


def _drop_sql(event_tables: list[str], tracked_tables: list[str]) -> str:
    parts = []
    for table in [*event_tables, "audit_accesslog"]:
        parts.append(f'DROP TRIGGER IF EXISTS audit_append_only ON "{table}";')
        parts.append(f'DROP TRIGGER IF EXISTS audit_no_truncate ON "{table}";')
    for table in tracked_tables:
        parts.append(f'DROP TRIGGER IF EXISTS audit_no_bypass ON "{table}";')
    parts.append(
        "DROP FUNCTION IF EXISTS audit_refuse_change(); DROP FUNCTION IF EXISTS audit_accesslog_guard();"
        " DROP FUNCTION IF EXISTS audit_refuse_truncate(); DROP FUNCTION IF EXISTS audit_refuse_history_bypass();"
    )
    return "\n".join(parts)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.RunSQL(_install_sql(EVENT_TABLES, TRACKED_TABLES), _drop_sql(EVENT_TABLES, TRACKED_TABLES)),
    ]
