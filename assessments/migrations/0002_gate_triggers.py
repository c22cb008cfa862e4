"""The rules that span tables, held by PostgreSQL so that no door (admin, raw SQL, update(), imports,
a future API) can get past them.

- removal_gate_reasons(): THE gate. Returns every reason a removal may not be authorised. The Python
  service and the pages call it too, so they give the database's own answer.
- removal_decision_gate: a decision row that authorises a removal is refused unless the gate is empty.
  It locks the person, then the assessment (the services' order), so a decision racing a reopening or a
  blocking flag is serialised and can never rest on an assessment that stopped being approved.
- assessment_reopen(): an approved assessment whose content, route or conclusion changes, or whose person
  gets a blocking flag, goes back to draft (needs review again); if another assessment of the same route
  is already in progress, the reopened one is superseded instead.
- assessment_status_guard: only legal status transitions; approval needs a recorded approving review.
- review_four_eyes: the reviewer is never the assessor.
"""

from django.db import migrations

GATE_SQL = r"""
CREATE OR REPLACE FUNCTION removal_gate_assessment(p_person bigint, p_destination text, p_transit text[])
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_route text[] := coalesce(p_transit, '{}'::text[]) || ARRAY[p_destination];
    v_id bigint;
BEGIN
    -- The newest approved assessment of this person covering the whole route.
    SELECT x.id INTO v_id FROM assessments_assessment x
     WHERE x.person_id = p_person AND x.status = 'approved'
       AND v_route <@ (x.transit_countries::text[] || ARRAY[x.destination::text])
     ORDER BY x.approved_at DESC, x.id DESC LIMIT 1;
    IF v_id IS NULL THEN
        -- Else the closest one covering it, to explain what is missing.
        SELECT x.id INTO v_id FROM assessments_assessment x
         WHERE x.person_id = p_person
           AND v_route <@ (x.transit_countries::text[] || ARRAY[x.destination::text])
         ORDER BY CASE x.status WHEN 'submitted' THEN 0 WHEN 'returned' THEN 1 WHEN 'draft' THEN 2
                                WHEN 'approved' THEN 3 ELSE 4 END,
                  x.updated_at DESC, x.id DESC
         LIMIT 1;
    END IF;
    IF v_id IS NULL THEN
        -- Else an approved assessment of the same destination that misses part of the route.
        SELECT x.id INTO v_id FROM assessments_assessment x
         WHERE x.person_id = p_person AND x.status = 'approved' AND x.destination = p_destination
         ORDER BY x.approved_at DESC, x.id DESC LIMIT 1;
    END IF;
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION removal_gate_consent(p_person bigint, p_destination text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT vc.id FROM assessments_voluntaryreturnconsent vc
     WHERE vc.person_id = p_person AND vc.destination = p_destination AND vc.withdrawn_at IS NULL
     ORDER BY vc.given_on DESC, vc.id DESC LIMIT 1
$$;

CREATE OR REPLACE FUNCTION removal_gate_reasons(
    p_person bigint, p_measure text, p_destination text, p_transit text[],
    p_decider integer, p_today date, p_assessment bigint DEFAULT NULL
) RETURNS TABLE(code text, detail text, ref_id bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_route text[] := coalesce(p_transit, '{}'::text[]) || ARRAY[p_destination];
    v_forcible boolean := p_measure IS DISTINCT FROM 'voluntary_return';
    v_a assessments_assessment%ROWTYPE;
    v_a_route text[];
    v_id bigint := p_assessment;
    v_missing text[];
    v_risk_found boolean := false;
    r record;
BEGIN
    IF v_id IS NULL THEN
        v_id := removal_gate_assessment(p_person, p_destination, p_transit);
    END IF;

    IF v_id IS NULL THEN
        code := 'no_assessment'; detail := array_to_string(v_route, ','); ref_id := NULL; RETURN NEXT;
    ELSE
        SELECT * INTO v_a FROM assessments_assessment WHERE id = v_id;
        v_a_route := v_a.transit_countries::text[] || ARRAY[v_a.destination::text];
        IF v_a.person_id IS DISTINCT FROM p_person THEN
            code := 'assessment_of_other_person'; detail := ''; ref_id := v_id; RETURN NEXT;
        END IF;
        IF v_a.status = 'draft' AND v_a.reopened_at IS NOT NULL THEN
            code := 'assessment_reopened'; detail := v_a.status_reason; ref_id := v_id; RETURN NEXT;
        ELSIF v_a.status IN ('superseded', 'withdrawn') THEN
            code := 'assessment_' || v_a.status; detail := ''; ref_id := v_id; RETURN NEXT;
        ELSIF v_a.status <> 'approved' THEN
            code := 'assessment_not_approved'; detail := v_a.status; ref_id := v_id; RETURN NEXT;
        ELSIF v_a.valid_until < p_today THEN
            code := 'assessment_expired'; detail := v_a.valid_until::text; ref_id := v_id; RETURN NEXT;
        END IF;

        SELECT array_agg(u.c ORDER BY u.ord) INTO v_missing
          FROM unnest(v_route) WITH ORDINALITY AS u(c, ord)
         WHERE NOT (u.c = ANY (v_a_route));
        IF v_missing IS NOT NULL THEN
            code := 'route_not_covered'; detail := array_to_string(v_missing, ','); ref_id := v_id; RETURN NEXT;
        END IF;

        FOR r IN
            SELECT c.country, rt.name AS risk_name, f.id AS finding_id, f.outcome
              FROM unnest(v_route) WITH ORDINALITY AS c(country, ord)
              CROSS JOIN assessments_risktype rt
              LEFT JOIN assessments_finding f
                     ON f.assessment_id = v_id AND f.country = c.country AND f.risk_type_id = rt.id
             WHERE rt.is_active AND c.country = ANY (v_a_route)
             ORDER BY c.ord, rt.position, rt.name
        LOOP
            IF r.finding_id IS NULL THEN
                code := 'finding_missing'; detail := r.country || ':' || r.risk_name; ref_id := v_id; RETURN NEXT;
            ELSIF r.outcome = 'insufficient_information' THEN
                code := 'insufficient_information'; detail := r.country || ':' || r.risk_name; ref_id := r.finding_id;
                RETURN NEXT;
            ELSIF r.outcome = 'real_risk' THEN
                v_risk_found := true;
                IF v_forcible THEN
                    code := 'real_risk_found'; detail := r.country || ':' || r.risk_name; ref_id := r.finding_id;
                    RETURN NEXT;
                END IF;
            END IF;
        END LOOP;

        IF p_decider IS NOT DISTINCT FROM v_a.assessor_id THEN
            code := 'decider_is_assessor'; detail := ''; ref_id := v_id; RETURN NEXT;
        END IF;
        IF p_decider IS NOT DISTINCT FROM v_a.approved_by_id
           OR EXISTS (SELECT 1 FROM assessments_review rv WHERE rv.assessment_id = v_id AND rv.reviewer_id = p_decider) THEN
            code := 'decider_is_reviewer'; detail := ''; ref_id := v_id; RETURN NEXT;
        END IF;
    END IF;

    FOR r IN
        SELECT fl.id, fl.reason FROM assessments_flag fl
         WHERE fl.person_id = p_person AND fl.blocks_removal AND fl.resolved_at IS NULL
         ORDER BY fl.severity DESC, fl.raised_at, fl.id
    LOOP
        code := 'blocking_flag_open'; detail := r.reason; ref_id := r.id; RETURN NEXT;
    END LOOP;

    IF v_forcible THEN
        FOR r IN
            SELECT ls.id FROM people_legalstatus ls
             WHERE ls.person_id = p_person AND ls.kind = 'asylum_seeker' AND ls.started_on <= p_today
               AND (ls.ended_on IS NULL OR ls.ended_on > p_today)
        LOOP
            code := 'asylum_claim_pending'; detail := ''; ref_id := r.id; RETURN NEXT;
        END LOOP;
    ELSE
        SELECT vc.id, vc.supervisor_confirmed_by_id INTO r FROM assessments_voluntaryreturnconsent vc
         WHERE vc.id = removal_gate_consent(p_person, p_destination);
        IF NOT FOUND THEN
            code := 'consent_missing'; detail := p_destination; ref_id := NULL; RETURN NEXT;
        ELSIF v_risk_found AND r.supervisor_confirmed_by_id IS NULL THEN
            code := 'consent_not_confirmed'; detail := ''; ref_id := r.id; RETURN NEXT;
        END IF;
    END IF;
    RETURN;
END $$;

CREATE OR REPLACE FUNCTION removal_decision_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_reasons text;
BEGIN
    IF NEW.outcome = 'authorised' THEN
        -- The services' lock order: person, then assessment, then the decision row itself.
        PERFORM 1 FROM people_person WHERE id = NEW.person_id FOR UPDATE;
        IF NEW.assessment_id IS NOT NULL THEN
            PERFORM 1 FROM assessments_assessment WHERE id = NEW.assessment_id FOR SHARE;
        END IF;
        NEW.gate_checked_at := clock_timestamp();
        IF NEW.assessment_id IS NULL THEN
            v_reasons := 'no_assessment';
        ELSE
            SELECT string_agg(g.code || coalesce(' (' || nullif(g.detail, '') || ')', ''), '; ')
              INTO v_reasons
              FROM removal_gate_reasons(NEW.person_id, NEW.measure, NEW.destination::text,
                                        NEW.transit_countries::text[], NEW.decided_by_id, current_date,
                                        NEW.assessment_id) AS g;
        END IF;
        IF v_reasons IS NOT NULL THEN
            RAISE EXCEPTION 'Removal cannot be authorised: %', v_reasons
                USING ERRCODE = 'check_violation', CONSTRAINT = 'removal_gate',
                      HINT = 'Record the decision as barred or postponed, or resolve what the gate lists.';
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER removal_decision_gate
    BEFORE INSERT OR UPDATE ON assessments_removaldecision
    FOR EACH ROW EXECUTE FUNCTION removal_decision_guard();

CREATE OR REPLACE FUNCTION assessment_reopen(p_assessment bigint, p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assessments_assessment a
       SET status = CASE WHEN EXISTS (
                SELECT 1 FROM assessments_assessment o
                 WHERE o.person_id = a.person_id AND o.destination = a.destination
                   AND o.transit_countries = a.transit_countries AND o.id <> a.id
                   AND o.status IN ('draft', 'submitted', 'returned'))
                THEN 'superseded' ELSE 'draft' END,
           reopened_at = clock_timestamp(),
           status_reason = left(p_reason, 300),
           updated_at = now()
     WHERE a.id = p_assessment AND a.status = 'approved';
END $$;

CREATE OR REPLACE FUNCTION assessment_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_row record;
    v_id bigint;
    v_what text;
BEGIN
    IF TG_OP = 'DELETE' THEN v_row := OLD; ELSE v_row := NEW; END IF;
    v_what := CASE TG_TABLE_NAME
        WHEN 'assessments_evidence' THEN 'evidence'
        WHEN 'assessments_medicalconsistency' THEN 'medical evidence'
        WHEN 'assessments_finding' THEN 'a finding'
        WHEN 'assessments_finding_evidence' THEN 'the evidence relied on by a finding'
        WHEN 'assessments_finding_indicators' THEN 'the indicators of a finding'
        WHEN 'assessments_interview' THEN 'an interview'
        WHEN 'assessments_assurance' THEN 'a diplomatic assurance'
        ELSE TG_TABLE_NAME END;
    IF TG_TABLE_NAME IN ('assessments_finding_evidence', 'assessments_finding_indicators') THEN
        SELECT f.assessment_id INTO v_id FROM assessments_finding f WHERE f.id = v_row.finding_id;
    ELSIF TG_TABLE_NAME = 'assessments_medicalconsistency' THEN
        SELECT e.assessment_id INTO v_id FROM assessments_evidence e WHERE e.id = v_row.evidence_id;
    ELSE
        v_id := v_row.assessment_id;
    END IF;
    IF TG_OP = 'INSERT' AND TG_TABLE_NAME = 'assessments_evidence' THEN
        PERFORM assessment_reopen(v_id, 'New evidence was added after approval');
    ELSE
        PERFORM assessment_reopen(v_id, initcap(left(v_what, 1)) || substr(v_what, 2) || ' was '
            || CASE TG_OP WHEN 'INSERT' THEN 'added' WHEN 'UPDATE' THEN 'changed' ELSE 'removed' END
            || ' after approval');
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION assessment_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_allowed boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'draft' THEN
            RAISE EXCEPTION 'A new assessment starts as a draft.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_status_transition';
        END IF;
        NEW.status_changed_at := clock_timestamp();
        RETURN NEW;
    END IF;
    -- The row is locked by now: this timestamp orders status changes against gate checks.
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.status_changed_at := clock_timestamp();
    END IF;
    -- An approved assessment whose route or conclusion changes needs review again.
    IF OLD.status = 'approved' AND NEW.status = 'approved' THEN
        IF NEW.destination IS DISTINCT FROM OLD.destination
           OR NEW.transit_countries IS DISTINCT FROM OLD.transit_countries THEN
            NEW.status := 'draft'; NEW.reopened_at := clock_timestamp(); NEW.status_changed_at := clock_timestamp();
            NEW.status_reason := 'The route was changed after approval';
        ELSIF NEW.conclusion IS DISTINCT FROM OLD.conclusion
           OR NEW.conclusion_reasons IS DISTINCT FROM OLD.conclusion_reasons
           OR NEW.no_interview_reason IS DISTINCT FROM OLD.no_interview_reason
           OR NEW.declares_not_involved IS DISTINCT FROM OLD.declares_not_involved
           OR NEW.declares_no_conflict IS DISTINCT FROM OLD.declares_no_conflict THEN
            NEW.status := 'draft'; NEW.reopened_at := clock_timestamp(); NEW.status_changed_at := clock_timestamp();
            NEW.status_reason := 'The conclusion or declarations were changed after approval';
        ELSIF NEW.person_id IS DISTINCT FROM OLD.person_id OR NEW.assessor_id IS DISTINCT FROM OLD.assessor_id THEN
            RAISE EXCEPTION 'An approved assessment cannot be moved to another person or assessor.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_status_transition';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    v_allowed := (OLD.status, NEW.status) IN (
        ('draft', 'submitted'), ('draft', 'withdrawn'),
        ('submitted', 'approved'), ('submitted', 'returned'), ('submitted', 'withdrawn'),
        ('returned', 'submitted'), ('returned', 'withdrawn'),
        ('approved', 'draft'), ('approved', 'superseded'), ('approved', 'withdrawn')
    );
    IF NOT v_allowed THEN
        RAISE EXCEPTION 'An assessment cannot go from % to %.', OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_status_transition';
    END IF;
    IF NEW.status = 'approved' AND NOT EXISTS (
        SELECT 1 FROM assessments_review rv
         WHERE rv.assessment_id = NEW.id AND rv.decision = 'approved' AND rv.reviewer_id = NEW.approved_by_id
           AND rv.created_at >= coalesce(NEW.submitted_at, '-infinity'::timestamptz)) THEN
        RAISE EXCEPTION 'An assessment is approved only through a recorded approving review.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_status_transition';
    END IF;
    IF NEW.status = 'draft' AND NEW.reopened_at IS NOT DISTINCT FROM OLD.reopened_at THEN
        NEW.reopened_at := clock_timestamp();
        NEW.status_reason := coalesce(nullif(NEW.status_reason, OLD.status_reason), 'Reopened for review');
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER assessment_status_guard
    BEFORE INSERT OR UPDATE ON assessments_assessment
    FOR EACH ROW EXECUTE FUNCTION assessment_status_guard();

CREATE OR REPLACE FUNCTION review_four_eyes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM assessments_assessment a WHERE a.id = NEW.assessment_id AND a.assessor_id = NEW.reviewer_id) THEN
        RAISE EXCEPTION 'The assessor cannot review their own assessment.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'review_four_eyes';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER review_four_eyes
    BEFORE INSERT OR UPDATE ON assessments_review
    FOR EACH ROW EXECUTE FUNCTION review_four_eyes();

CREATE OR REPLACE FUNCTION flag_blocking_reopens() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    IF NEW.blocks_removal AND NEW.resolved_at IS NULL
       AND (TG_OP = 'INSERT' OR NOT OLD.blocks_removal OR OLD.resolved_at IS NOT NULL) THEN
        FOR v_id IN SELECT a.id FROM assessments_assessment a
                     WHERE a.person_id = NEW.person_id AND a.status = 'approved' ORDER BY a.id FOR UPDATE
        LOOP
            PERFORM assessment_reopen(v_id, 'A blocking flag was raised: ' || left(NEW.reason, 200));
        END LOOP;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER flag_blocking_reopens
    AFTER INSERT OR UPDATE ON assessments_flag
    FOR EACH ROW EXECUTE FUNCTION flag_blocking_reopens();
"""

CONTENT_TABLES = (
    "assessments_evidence",
    "assessments_medicalconsistency",
    "assessments_finding",
    "assessments_finding_evidence",
    "assessments_finding_indicators",
    "assessments_interview",
    "assessments_assurance",
)

CONTENT_TRIGGERS_SQL = "\n".join(
    f"CREATE TRIGGER content_reopens_assessment AFTER INSERT OR UPDATE OR DELETE ON {table} "
    f"FOR EACH ROW EXECUTE FUNCTION assessment_content_changed();"
    for table in CONTENT_TABLES
)

REVERSE_SQL = "\n".join(
    [f"DROP TRIGGER IF EXISTS content_reopens_assessment ON {t};" for t in CONTENT_TABLES]
    + [
        "DROP TRIGGER IF EXISTS flag_blocking_reopens ON assessments_flag;",
        "DROP TRIGGER IF EXISTS review_four_eyes ON assessments_review;",
        "DROP TRIGGER IF EXISTS assessment_status_guard ON assessments_assessment;",
        "DROP TRIGGER IF EXISTS removal_decision_gate ON assessments_removaldecision;",
        "DROP FUNCTION IF EXISTS flag_blocking_reopens(), review_four_eyes(), assessment_status_guard(),",
        "  assessment_content_changed(), removal_decision_guard();",
        "DROP FUNCTION IF EXISTS assessment_reopen(bigint, text);",
        "DROP FUNCTION IF EXISTS removal_gate_reasons(bigint, text, text, text[], integer, date, bigint);",
        "DROP FUNCTION IF EXISTS removal_gate_assessment(bigint, text, text[]);",
        "DROP FUNCTION IF EXISTS removal_gate_consent(bigint, text);",
    ]
)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial"), ("people", "0002_roles")]

    operations = [migrations.RunSQL(GATE_SQL + CONTENT_TRIGGERS_SQL, REVERSE_SQL)]
