"""The gate holds against every route, every finding and every door (docs/design.md, "The removal gate").

- Routes are compared as routes: the same destination and the same transit countries in the same order.
- `assessments_approvedfinding`: each finding as it was approved, written by the approval itself and never
  changed. Every approved finding of real risk of the person keeps barring removal to or through its country
  (`standing_real_risks()`), whatever happens to its assessment, until a later approved finding revisits it.
- `assessment_missing()`: the one definition of "complete"; the checklist calls it and the status guard
  refuses a submission or approval while it lists anything.
- Approval fields and the assessor change only in the transitions; reviews and decisions are never changed.
- The decision trigger chooses the assessment and consent a decision rests on, refuses closed proposals and
  future dates, and reports its reasons as JSON in the error's DETAIL.
- Choice columns have CHECKs; suspensive flags always block; the absolute flag rule is always on; a risk type
  with findings of real risk keeps its absolute bar and stays active.
"""
import django.contrib.postgres.fields
import django.db.models.deletion
import django_countries.fields
from django.conf import settings
from django.db import migrations, models


# Everything the gate and the approval rules need, as installed by this migration (a frozen copy).
GATE_SQL = r"""
-- ---------------------------------------------------------------------------------------------------------
-- Findings as approved. Written only by the approval itself; never changed.

CREATE OR REPLACE FUNCTION assessment_record_approved_findings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO assessments_approvedfinding
           (assessment_id, finding_id, country, risk_type_id, outcome, reasons, revisits_id, revisit_reasons, approved_at)
    SELECT f.assessment_id, f.id, f.country, f.risk_type_id, f.outcome, f.reasons, f.revisits_id, f.revisit_reasons,
           NEW.approved_at
      FROM assessments_finding f
     WHERE f.assessment_id = NEW.id
       AND f.country = ANY (NEW.transit_countries::text[] || ARRAY[NEW.destination::text]);
    RETURN NULL;
END $$;

CREATE TRIGGER assessment_records_approved_findings
    AFTER UPDATE OF status ON assessments_assessment
    FOR EACH ROW WHEN (NEW.status = 'approved' AND OLD.status IS DISTINCT FROM 'approved')
    EXECUTE FUNCTION assessment_record_approved_findings();

CREATE OR REPLACE FUNCTION approved_finding_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only the approval trigger above writes here (it runs one trigger level down).
    IF TG_OP = 'INSERT' AND pg_trigger_depth() > 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Approved findings are recorded by the approval itself and never changed.'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'approved_finding_immutable';
END $$;

CREATE TRIGGER approved_finding_guard
    BEFORE INSERT OR UPDATE OR DELETE ON assessments_approvedfinding
    FOR EACH ROW EXECUTE FUNCTION approved_finding_guard();

-- The approved findings of real risk that still bar removal of a person to or through `p_countries`
-- (NULL: anywhere): every one, from any assessment of the person in any state (superseded, withdrawn,
-- reopened, moved by a merge), for active and inactive risk types alike, until a later approved finding of
-- no real risk for the same country and risk type revisits it (names it, or a later one of the same
-- country and risk type) and its assessment still stands (approved or superseded, not reopened or withdrawn).
CREATE OR REPLACE FUNCTION standing_real_risks(p_person bigint, p_countries text[])
RETURNS TABLE(record_id bigint, assessment_id bigint, finding_id bigint, country text, risk_type_id bigint,
              approved_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT r.id, r.assessment_id, r.finding_id, r.country::text, r.risk_type_id, r.approved_at
      FROM assessments_approvedfinding r
      JOIN assessments_assessment a ON a.id = r.assessment_id
     WHERE a.person_id = p_person AND r.outcome = 'real_risk'
       AND (p_countries IS NULL OR r.country = ANY (p_countries))
       AND NOT EXISTS (
            SELECT 1
              FROM assessments_approvedfinding l
              JOIN assessments_approvedfinding named ON named.id = l.revisits_id
              JOIN assessments_assessment la ON la.id = l.assessment_id
             WHERE la.person_id = p_person AND l.outcome = 'no_real_risk'
               AND named.country = r.country AND named.risk_type_id = r.risk_type_id
               AND named.approved_at >= r.approved_at AND l.approved_at > r.approved_at
               AND la.status IN ('approved', 'superseded'))
$$;

-- A finding may revisit only a finding of real risk of the same person, country and risk type.
CREATE OR REPLACE FUNCTION finding_revisit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.revisits_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM assessments_approvedfinding r
          JOIN assessments_assessment ra ON ra.id = r.assessment_id
          JOIN assessments_assessment fa ON fa.id = NEW.assessment_id
         WHERE r.id = NEW.revisits_id AND r.outcome = 'real_risk' AND r.country = NEW.country
           AND r.risk_type_id = NEW.risk_type_id AND ra.person_id = fa.person_id) THEN
        RAISE EXCEPTION 'A finding can only revisit an approved finding of real risk for the same person, country and risk type.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'finding_revisit_mismatch';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER finding_revisit_guard
    BEFORE INSERT OR UPDATE OF revisits_id, country, risk_type_id, assessment_id ON assessments_finding
    FOR EACH ROW EXECUTE FUNCTION finding_revisit_guard();

-- ---------------------------------------------------------------------------------------------------------
-- Completeness: the one definition the checklist, the services and the status guard share.

CREATE OR REPLACE FUNCTION assessment_missing(p_assessment bigint)
RETURNS TABLE(code text, section text, country text, risk_type_id bigint, ref_id bigint, detail text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    a assessments_assessment%ROWTYPE;
    v_route text[];
    r record;
BEGIN
    SELECT * INTO a FROM assessments_assessment x WHERE x.id = p_assessment;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    v_route := a.transit_countries::text[] || ARRAY[a.destination::text];

    IF NOT EXISTS (SELECT 1 FROM assessments_interview i WHERE i.assessment_id = a.id)
       AND btrim(a.no_interview_reason) = '' THEN
        code := 'no_interview'; section := 'interviews'; country := NULL; risk_type_id := NULL; ref_id := NULL; detail := NULL;
        RETURN NEXT;
    END IF;
    FOR r IN SELECT i.id, i.held_on, i.record, i.information_given, i.confirmation
               FROM assessments_interview i WHERE i.assessment_id = a.id ORDER BY i.held_on, i.id LOOP
        section := 'interviews'; country := NULL; risk_type_id := NULL; ref_id := r.id; detail := r.held_on::text;
        IF btrim(r.record) = '' THEN code := 'interview_without_record'; RETURN NEXT; END IF;
        IF btrim(r.information_given) = '' THEN code := 'interview_information_missing'; RETURN NEXT; END IF;
        IF r.confirmation = 'not_yet' THEN code := 'interview_not_confirmed'; RETURN NEXT; END IF;
    END LOOP;

    FOR r IN SELECT c.country AS c_country, rt.id AS rt_id
               FROM unnest(v_route) WITH ORDINALITY AS c(country, ord)
               CROSS JOIN assessments_risktype rt
              WHERE rt.is_active AND NOT EXISTS (
                    SELECT 1 FROM assessments_finding f
                     WHERE f.assessment_id = a.id AND f.country = c.country AND f.risk_type_id = rt.id)
              ORDER BY c.ord, rt.position, rt.name LOOP
        code := 'findings_missing'; section := 'findings'; country := r.c_country; risk_type_id := r.rt_id;
        ref_id := NULL; detail := NULL;
        RETURN NEXT;
    END LOOP;

    FOR r IN SELECT f.id, f.country AS f_country, f.risk_type_id AS rt_id, f.outcome, f.revisits_id
               FROM assessments_finding f JOIN assessments_risktype rt ON rt.id = f.risk_type_id
              WHERE f.assessment_id = a.id AND f.country = ANY (v_route)
              ORDER BY array_position(v_route, f.country::text), rt.position, rt.name LOOP
        section := 'findings'; country := r.f_country; risk_type_id := r.rt_id; ref_id := r.id; detail := r.outcome;
        IF r.outcome IN ('real_risk', 'insufficient_information')
           AND btrim((SELECT f.reasons FROM assessments_finding f WHERE f.id = r.id)) = '' THEN
            code := 'finding_without_reasons'; RETURN NEXT;
        END IF;
        IF r.outcome = 'no_real_risk' THEN
            -- An earlier approved finding of real risk still stands: this one must revisit the newest.
            SELECT s.record_id INTO ref_id
              FROM standing_real_risks(a.person_id, ARRAY[r.f_country::text]) s
             WHERE s.risk_type_id = r.rt_id
             ORDER BY s.approved_at DESC, s.record_id DESC LIMIT 1;
            IF ref_id IS NOT NULL AND ref_id IS DISTINCT FROM r.revisits_id THEN
                code := 'standing_risk_not_revisited'; detail := r.id::text; RETURN NEXT;
            END IF;
        END IF;
    END LOOP;

    FOR r IN SELECT s.id, s.issuer FROM assessments_assurance s JOIN people_person p ON p.id = a.person_id
              WHERE s.assessment_id = a.id AND s.weight <> 'none' AND p.nationality = s.country
                AND EXISTS (SELECT 1 FROM people_legalstatus ls
                             WHERE ls.person_id = a.person_id AND ls.kind = 'refugee' AND ls.ended_on IS NULL)
              ORDER BY s.country, s.id LOOP
        code := 'assurance_for_refugee'; section := 'assurances'; country := NULL; risk_type_id := NULL;
        ref_id := r.id; detail := r.issuer;
        RETURN NEXT;
    END LOOP;

    section := 'conclusion'; country := NULL; risk_type_id := NULL; ref_id := NULL; detail := NULL;
    IF a.conclusion = '' OR btrim(a.conclusion_reasons) = '' THEN
        code := 'no_conclusion'; RETURN NEXT;
    ELSIF a.conclusion = 'no_real_risk' AND EXISTS (
            SELECT 1 FROM assessments_finding f WHERE f.assessment_id = a.id AND f.outcome <> 'no_real_risk') THEN
        code := 'conclusion_contradicts_findings'; RETURN NEXT;
    END IF;
    IF NOT (a.declares_not_involved AND a.declares_no_conflict) THEN
        code := 'no_independence_declaration'; section := 'declaration'; RETURN NEXT;
    END IF;
    RETURN;
END $$;

-- ---------------------------------------------------------------------------------------------------------
-- Assessment status, approval fields and the assessor.

CREATE OR REPLACE FUNCTION assessment_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_allowed boolean;
    v_approving boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'draft' THEN
            RAISE EXCEPTION 'A new assessment starts as a draft.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_status_transition';
        END IF;
        IF NEW.approved_at IS NOT NULL OR NEW.approved_by_id IS NOT NULL OR NEW.valid_until IS NOT NULL
           OR NEW.submitted_at IS NOT NULL THEN
            RAISE EXCEPTION 'A new assessment has no submission or approval.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_approval_fields';
        END IF;
        NEW.status_changed_at := clock_timestamp();
        RETURN NEW;
    END IF;
    -- The assessor is who wrote it: never changed, so its author can never become its reviewer.
    IF NEW.assessor_id IS DISTINCT FROM OLD.assessor_id THEN
        RAISE EXCEPTION 'The assessor of an assessment cannot be changed.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_assessor_fixed';
    END IF;
    v_approving := OLD.status = 'submitted' AND NEW.status = 'approved';
    -- Approval fields change only in the approval itself; submission time only on submission.
    IF NOT v_approving AND (NEW.approved_at IS DISTINCT FROM OLD.approved_at
                            OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id
                            OR NEW.valid_until IS DISTINCT FROM OLD.valid_until) THEN
        RAISE EXCEPTION 'Approval fields are set only by the approval of a submitted assessment.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_approval_fields';
    END IF;
    IF NEW.submitted_at IS DISTINCT FROM OLD.submitted_at
       AND NOT (NEW.status = 'submitted' AND OLD.status IN ('draft', 'returned')) THEN
        RAISE EXCEPTION 'The submission time is set only by submitting the assessment.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_approval_fields';
    END IF;
    IF v_approving AND (NEW.valid_until IS NULL OR NEW.approved_at IS NULL
                        OR NEW.valid_until < (NEW.approved_at AT TIME ZONE 'UTC')::date
                        OR NEW.approved_at < coalesce(NEW.submitted_at, '-infinity'::timestamptz)) THEN
        RAISE EXCEPTION 'An approval is dated after the submission and valid from the day it is given.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_approval_fields';
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
        ELSIF NEW.person_id IS DISTINCT FROM OLD.person_id
              AND EXISTS (SELECT 1 FROM people_personmerge m
                           WHERE m.merged_person_id = OLD.person_id AND m.survivor_id = NEW.person_id) THEN
            NEW.status := CASE WHEN EXISTS (
                    SELECT 1 FROM assessments_assessment o
                     WHERE o.person_id = NEW.person_id AND o.destination = NEW.destination
                       AND o.transit_countries = NEW.transit_countries AND o.id <> NEW.id
                       AND o.status IN ('draft', 'submitted', 'returned'))
                THEN 'superseded' ELSE 'draft' END;
            NEW.reopened_at := clock_timestamp(); NEW.status_changed_at := clock_timestamp();
            NEW.status_reason := left('The person''s record P-' || lpad(OLD.person_id::text, 6, '0') || ' was merged into P-'
                || lpad(NEW.person_id::text, 6, '0') || '; review the assessment against the whole record', 300);
        ELSIF NEW.person_id IS DISTINCT FROM OLD.person_id THEN
            RAISE EXCEPTION 'An approved assessment cannot be moved to another person.'
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
    IF v_approving AND NOT EXISTS (
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

-- Submitted or approved only when complete, checked on the row as written (an AFTER trigger sees it).
CREATE OR REPLACE FUNCTION assessment_complete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_missing json;
BEGIN
    SELECT json_agg(json_build_object('code', m.code, 'country', m.country, 'risk_type', m.risk_type_id, 'ref', m.ref_id,
                                      'detail', m.detail))
      INTO v_missing FROM assessment_missing(NEW.id) m;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'The assessment is not complete.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assessment_incomplete', DETAIL = v_missing::text;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER assessment_complete_guard
    AFTER UPDATE OF status ON assessments_assessment
    FOR EACH ROW WHEN (NEW.status IN ('submitted', 'approved') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION assessment_complete_guard();

-- Reviews: never by the assessor, only by someone allowed to review, and never changed afterwards.
CREATE OR REPLACE FUNCTION review_four_eyes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'A recorded review is never changed or removed.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'review_immutable';
    END IF;
    IF EXISTS (SELECT 1 FROM assessments_assessment a WHERE a.id = NEW.assessment_id AND a.assessor_id = NEW.reviewer_id) THEN
        RAISE EXCEPTION 'The assessor cannot review their own assessment.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'review_four_eyes';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM auth_user u
         WHERE u.id = NEW.reviewer_id AND u.is_active AND (
               u.is_superuser
               OR EXISTS (SELECT 1 FROM auth_user_user_permissions up
                            JOIN auth_permission p ON p.id = up.permission_id
                            JOIN django_content_type ct ON ct.id = p.content_type_id
                           WHERE up.user_id = u.id AND ct.app_label = 'assessments' AND p.codename = 'review_assessment')
               OR EXISTS (SELECT 1 FROM auth_user_groups ug
                            JOIN auth_group_permissions gp ON gp.group_id = ug.group_id
                            JOIN auth_permission p ON p.id = gp.permission_id
                            JOIN django_content_type ct ON ct.id = p.content_type_id
                           WHERE ug.user_id = u.id AND ct.app_label = 'assessments' AND p.codename = 'review_assessment'))) THEN
        RAISE EXCEPTION 'Only an active user allowed to review assessments can review one.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'review_by_reviewer';
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS review_four_eyes ON assessments_review;
CREATE TRIGGER review_four_eyes
    BEFORE INSERT OR UPDATE OR DELETE ON assessments_review
    FOR EACH ROW EXECUTE FUNCTION review_four_eyes();

-- ---------------------------------------------------------------------------------------------------------
-- Proposals: open, then decided or withdrawn, never back.

CREATE OR REPLACE FUNCTION proposal_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (OLD.status = 'open' AND NEW.status IN ('decided', 'withdrawn')) THEN
        RAISE EXCEPTION 'A removal proposal cannot go from % to %.', OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'proposal_status_transition';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER proposal_status_guard
    BEFORE UPDATE OF status ON assessments_removalproposal
    FOR EACH ROW EXECUTE FUNCTION proposal_status_guard();

-- ---------------------------------------------------------------------------------------------------------
-- The gate.

-- The assessment a decision on this route rests on: the newest approved assessment of exactly this route
-- (the same destination, the same transit countries in the same order); else the most advanced one of
-- exactly this route, to say what it still needs; else none.
CREATE OR REPLACE FUNCTION removal_gate_assessment(p_person bigint, p_destination text, p_transit text[])
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT x.id FROM assessments_assessment x
     WHERE x.person_id = p_person AND x.destination = p_destination
       AND x.transit_countries::text[] = coalesce(p_transit, '{}'::text[])
     ORDER BY CASE x.status WHEN 'approved' THEN 0 WHEN 'submitted' THEN 1 WHEN 'returned' THEN 2 WHEN 'draft' THEN 3
                            ELSE 4 END,
              x.approved_at DESC NULLS LAST, x.updated_at DESC, x.id DESC
     LIMIT 1
$$;

-- The consent a voluntary return on this route rests on: the newest consent of this person to exactly
-- this route, not withdrawn, given on or before `p_as_of`.
CREATE OR REPLACE FUNCTION removal_gate_consent(p_person bigint, p_destination text, p_transit text[], p_as_of date)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT vc.id FROM assessments_voluntaryreturnconsent vc
     WHERE vc.person_id = p_person AND vc.destination = p_destination
       AND vc.transit_countries::text[] = coalesce(p_transit, '{}'::text[])
       AND vc.withdrawn_at IS NULL AND vc.given_on <= p_as_of
     ORDER BY vc.given_on DESC, vc.id DESC LIMIT 1
$$;

-- Every reason a removal may not be authorised, as structured rows: a stable code, the country and risk type
-- concerned, the record that explains it (ref_id) and a detail. Asked as at the decision's date and today.
CREATE OR REPLACE FUNCTION removal_gate_reasons(
    p_person bigint, p_measure text, p_destination text, p_transit text[],
    p_decider integer, p_today date, p_decided_on date DEFAULT NULL
) RETURNS TABLE(code text, country text, risk_type_id bigint, ref_id bigint, detail text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_route text[] := coalesce(p_transit, '{}'::text[]) || ARRAY[p_destination];
    v_forcible boolean := p_measure IS DISTINCT FROM 'voluntary_return';
    v_decided date := coalesce(p_decided_on, p_today);
    v_a assessments_assessment%ROWTYPE;
    v_id bigint;
    v_informed date;
    v_risk_found boolean := false;
    v_consent bigint;
    r record;
BEGIN
    IF v_decided > p_today THEN
        code := 'decided_in_future'; country := NULL; risk_type_id := NULL; ref_id := NULL; detail := v_decided::text;
        RETURN NEXT;
    END IF;
    v_id := removal_gate_assessment(p_person, p_destination, p_transit);
    country := NULL; risk_type_id := NULL;
    IF v_id IS NULL THEN
        code := 'no_assessment'; ref_id := NULL; detail := array_to_string(v_route, ','); RETURN NEXT;
    ELSE
        SELECT * INTO v_a FROM assessments_assessment WHERE id = v_id;
        ref_id := v_id; detail := NULL;
        IF v_a.status = 'draft' AND v_a.reopened_at IS NOT NULL THEN
            code := 'assessment_reopened'; detail := v_a.status_reason; RETURN NEXT;
        ELSIF v_a.status IN ('superseded', 'withdrawn') THEN
            code := 'assessment_' || v_a.status; RETURN NEXT;
        ELSIF v_a.status <> 'approved' THEN
            code := 'assessment_not_approved'; detail := v_a.status; RETURN NEXT;
        ELSE
            IF v_a.valid_until < p_today OR v_a.valid_until < v_decided THEN
                code := 'assessment_expired'; detail := v_a.valid_until::text; RETURN NEXT;
            END IF;
            IF v_decided < (v_a.approved_at AT TIME ZONE 'UTC')::date THEN
                code := 'decided_before_approval'; detail := (v_a.approved_at AT TIME ZONE 'UTC')::date::text; RETURN NEXT;
            END IF;
        END IF;

        -- The chosen assessment answers every active risk type for every country of the route.
        FOR r IN
            SELECT c.country AS c_country, rt.id AS rt_id, f.id AS finding_id, f.outcome
              FROM unnest(v_route) WITH ORDINALITY AS c(country, ord)
              CROSS JOIN assessments_risktype rt
              LEFT JOIN assessments_finding f
                     ON f.assessment_id = v_id AND f.country = c.country AND f.risk_type_id = rt.id
             WHERE rt.is_active
             ORDER BY c.ord, rt.position, rt.name
        LOOP
            country := r.c_country; risk_type_id := r.rt_id; detail := NULL;
            IF r.finding_id IS NULL THEN
                code := 'finding_missing'; ref_id := v_id; RETURN NEXT;
            ELSIF r.outcome = 'insufficient_information' THEN
                code := 'insufficient_information'; ref_id := v_id; detail := r.finding_id::text; RETURN NEXT;
            END IF;
        END LOOP;
        country := NULL; risk_type_id := NULL; detail := NULL; ref_id := v_id;

        IF p_decider IS NOT DISTINCT FROM v_a.assessor_id THEN
            code := 'decider_is_assessor'; RETURN NEXT;
        END IF;
        IF p_decider IS NOT DISTINCT FROM v_a.approved_by_id
           OR EXISTS (SELECT 1 FROM assessments_review rv WHERE rv.assessment_id = v_id AND rv.reviewer_id = p_decider) THEN
            code := 'decider_is_reviewer'; RETURN NEXT;
        END IF;
    END IF;

    -- Every standing finding of real risk on the route, from any assessment of the person.
    FOR r IN
        SELECT q.* FROM (
            SELECT DISTINCT ON (s.country, s.risk_type_id) s.country AS s_country, s.risk_type_id AS rt_id,
                   s.assessment_id, s.approved_at, array_position(v_route, s.country) AS ord, rt.position, rt.name
              FROM standing_real_risks(p_person, v_route) s JOIN assessments_risktype rt ON rt.id = s.risk_type_id
             ORDER BY s.country, s.risk_type_id, s.approved_at DESC, s.record_id DESC) q
         ORDER BY q.ord, q.position, q.name
    LOOP
        v_risk_found := true;
        v_informed := greatest(v_informed, (r.approved_at AT TIME ZONE 'UTC')::date);
        IF v_forcible THEN
            code := 'real_risk_found'; country := r.s_country; risk_type_id := r.rt_id; ref_id := r.assessment_id;
            detail := NULL; RETURN NEXT;
        END IF;
    END LOOP;
    country := NULL; risk_type_id := NULL;

    FOR r IN
        SELECT fl.id, fl.reason FROM assessments_flag fl
         WHERE fl.person_id = p_person AND fl.resolved_at IS NULL AND fl.blocks_removal  -- suspensive categories always do (flag_suspensive_blocks)
         ORDER BY fl.severity DESC, fl.raised_at, fl.id
    LOOP
        code := 'blocking_flag_open'; ref_id := r.id; detail := r.reason; RETURN NEXT;
    END LOOP;

    IF v_forcible THEN
        FOR r IN
            SELECT ls.id FROM people_legalstatus ls
             WHERE ls.person_id = p_person AND ls.kind = 'asylum_seeker'
               AND ((ls.started_on <= p_today AND (ls.ended_on IS NULL OR ls.ended_on > p_today))
                    OR (ls.started_on <= v_decided AND (ls.ended_on IS NULL OR ls.ended_on > v_decided)))
        LOOP
            code := 'asylum_claim_pending'; ref_id := r.id; detail := NULL; RETURN NEXT;
        END LOOP;
    ELSE
        IF v_a.id IS NOT NULL AND v_a.approved_at IS NOT NULL THEN
            v_informed := greatest(v_informed, (v_a.approved_at AT TIME ZONE 'UTC')::date);
        END IF;
        v_consent := removal_gate_consent(p_person, p_destination, p_transit, least(v_decided, p_today));
        detail := NULL;
        IF v_consent IS NULL THEN
            SELECT vc.id INTO ref_id FROM assessments_voluntaryreturnconsent vc
             WHERE vc.person_id = p_person AND vc.destination = p_destination
               AND vc.transit_countries::text[] = coalesce(p_transit, '{}'::text[]) AND vc.withdrawn_at IS NULL
             ORDER BY vc.given_on DESC, vc.id DESC LIMIT 1;
            code := CASE WHEN ref_id IS NULL THEN 'consent_missing' ELSE 'consent_after_decision' END;
            country := p_destination; RETURN NEXT;
            country := NULL;
        ELSE
            SELECT vc.id, vc.given_on, vc.supervisor_confirmed_by_id INTO r
              FROM assessments_voluntaryreturnconsent vc WHERE vc.id = v_consent;
            ref_id := r.id;
            IF v_informed IS NOT NULL AND r.given_on < v_informed THEN
                code := 'consent_before_findings'; detail := v_informed::text; RETURN NEXT;
            END IF;
            IF v_risk_found AND r.supervisor_confirmed_by_id IS NULL THEN
                code := 'consent_not_confirmed'; detail := NULL; RETURN NEXT;
            END IF;
        END IF;
    END IF;
    RETURN;
END $$;

-- Decisions: the database chooses what a decision rests on and asks the gate; a decision is never changed.
CREATE OR REPLACE FUNCTION removal_decision_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_reasons json;
    v_moved assessments_removaldecision%ROWTYPE;
    v_proposal assessments_removalproposal%ROWTYPE;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        v_moved := OLD;
        v_moved.person_id := NEW.person_id;
        IF NEW.person_id IS DISTINCT FROM OLD.person_id AND v_moved IS NOT DISTINCT FROM NEW
           AND EXISTS (SELECT 1 FROM people_personmerge m
                        WHERE m.merged_person_id = OLD.person_id AND m.survivor_id = NEW.person_id) THEN
            RETURN NEW;  -- a recorded merge relabels the decision; it is not a new authorisation
        END IF;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'A recorded removal decision is never changed or removed; record a new decision.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'decision_immutable';
    END IF;
    -- The services' lock order: person, then proposal and assessment, then the decision row itself.
    PERFORM 1 FROM people_person WHERE id = NEW.person_id FOR UPDATE;
    IF NEW.proposal_id IS NOT NULL THEN
        SELECT * INTO v_proposal FROM assessments_removalproposal WHERE id = NEW.proposal_id FOR UPDATE;
        IF v_proposal.person_id IS DISTINCT FROM NEW.person_id OR v_proposal.measure IS DISTINCT FROM NEW.measure
           OR v_proposal.destination IS DISTINCT FROM NEW.destination
           OR v_proposal.transit_countries IS DISTINCT FROM NEW.transit_countries THEN
            RAISE EXCEPTION 'The decision does not match its proposal (person, measure or route).'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'decision_proposal_mismatch';
        END IF;
        IF v_proposal.status <> 'open' THEN
            RAISE EXCEPTION 'This proposal was already %; it cannot be decided again.', v_proposal.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'decision_proposal_closed',
                      DETAIL = json_build_array(json_build_object('code', 'proposal_closed', 'ref', NEW.proposal_id,
                                                                  'detail', v_proposal.status))::text;
        END IF;
    END IF;
    IF NEW.decided_on > current_date THEN
        RAISE EXCEPTION 'A decision cannot be dated in the future.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'decision_date',
                  DETAIL = json_build_array(json_build_object('code', 'decided_in_future', 'detail', NEW.decided_on))::text;
    END IF;
    NEW.assessment_id := removal_gate_assessment(NEW.person_id, NEW.destination::text, NEW.transit_countries::text[]);
    NEW.consent_id := CASE WHEN NEW.measure = 'voluntary_return'
        THEN removal_gate_consent(NEW.person_id, NEW.destination::text, NEW.transit_countries::text[],
                                  least(NEW.decided_on, current_date)) END;
    IF NEW.outcome = 'authorised' THEN
        IF NEW.assessment_id IS NOT NULL THEN
            PERFORM 1 FROM assessments_assessment WHERE id = NEW.assessment_id FOR SHARE;
        END IF;
        NEW.gate_checked_at := clock_timestamp();
        SELECT json_agg(json_build_object('code', g.code, 'country', g.country, 'risk_type', g.risk_type_id,
                                          'ref', g.ref_id, 'detail', g.detail))
          INTO v_reasons
          FROM removal_gate_reasons(NEW.person_id, NEW.measure, NEW.destination::text, NEW.transit_countries::text[],
                                    NEW.decided_by_id, current_date, NEW.decided_on) AS g;
        IF v_reasons IS NOT NULL THEN
            RAISE EXCEPTION 'Removal cannot be authorised.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'removal_gate', DETAIL = v_reasons::text,
                      HINT = 'Record the decision as barred or postponed, or resolve what the gate lists.';
        END IF;
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS removal_decision_gate ON assessments_removaldecision;
CREATE TRIGGER removal_decision_gate
    BEFORE INSERT OR UPDATE OR DELETE ON assessments_removaldecision
    FOR EACH ROW EXECUTE FUNCTION removal_decision_guard();

-- A decided proposal is closed by its decision, whoever writes it.
CREATE OR REPLACE FUNCTION removal_decision_closes_proposal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assessments_removalproposal SET status = 'decided', updated_at = now() WHERE id = NEW.proposal_id;
    RETURN NULL;
END $$;

CREATE TRIGGER removal_decision_closes_proposal
    AFTER INSERT ON assessments_removaldecision
    FOR EACH ROW WHEN (NEW.proposal_id IS NOT NULL AND NEW.outcome <> 'postponed')
    EXECUTE FUNCTION removal_decision_closes_proposal();

-- ---------------------------------------------------------------------------------------------------------
-- The taxonomy cannot lift an absolute bar.

CREATE OR REPLACE FUNCTION risk_type_change_refusal(p_risk_type bigint, p_absolute boolean, p_active boolean)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'risk_type_bar_in_use'
      FROM assessments_risktype rt
     WHERE rt.id = p_risk_type AND rt.absolute_bar AND (NOT p_absolute OR NOT p_active)
       AND (EXISTS (SELECT 1 FROM assessments_finding f WHERE f.risk_type_id = rt.id AND f.outcome = 'real_risk')
            OR EXISTS (SELECT 1 FROM assessments_approvedfinding r WHERE r.risk_type_id = rt.id AND r.outcome = 'real_risk'))
$$;

CREATE OR REPLACE FUNCTION risk_type_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF risk_type_change_refusal(OLD.id, NEW.absolute_bar, NEW.is_active) IS NOT NULL THEN
        RAISE EXCEPTION 'Findings of real risk of “%” exist: its absolute bar cannot be lifted or the type deactivated.', OLD.name
            USING ERRCODE = 'check_violation', CONSTRAINT = 'risk_type_bar_in_use';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER risk_type_guard
    BEFORE UPDATE OF absolute_bar, is_active ON assessments_risktype
    FOR EACH ROW EXECUTE FUNCTION risk_type_guard();
"""

# What the earlier migrations left that this one replaces.
DROP_OLD = r"""
DROP FUNCTION IF EXISTS removal_gate_reasons(bigint, text, text, text[], integer, date, bigint);
DROP FUNCTION IF EXISTS removal_gate_consent(bigint, text);
"""

# Rows written before this migration, made to hold the new CHECKs: suspensive flags block, the absolute flag
# rule is on and blocking.
FIX_ROWS = r"""
UPDATE assessments_flag SET blocks_removal = true
 WHERE category IN ('appeal_pending', 'interim_measure') AND NOT blocks_removal;
UPDATE assessments_flagrule SET enabled = true, blocks_removal = true WHERE code = 'real_risk_torture_death';
"""

# Findings approved before this migration, as they stand now (the best record there is of what was approved).
RECORD_BACKFILL = r"""
INSERT INTO assessments_approvedfinding
       (assessment_id, finding_id, country, risk_type_id, outcome, reasons, revisits_id, revisit_reasons, approved_at)
SELECT f.assessment_id, f.id, f.country, f.risk_type_id, f.outcome, f.reasons, NULL, '', a.approved_at
  FROM assessments_finding f JOIN assessments_assessment a ON a.id = f.assessment_id
 WHERE a.approved_at IS NOT NULL AND a.status IN ('approved', 'superseded', 'withdrawn')
   AND f.country = ANY (a.transit_countries::text[] || ARRAY[a.destination::text]);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0007_scope_statistics'),
        ('people', '0005_scope_covering_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApprovedFinding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('finding_id', models.BigIntegerField(editable=False, help_text='The finding as it stood; it may since have changed.')),
                ('country', django_countries.fields.CountryField(editable=False, max_length=2)),
                ('outcome', models.CharField(choices=[('real_risk', 'Real risk'), ('no_real_risk', 'No real risk'), ('insufficient_information', 'Insufficient information')], editable=False, max_length=24)),
                ('reasons', models.TextField(blank=True, editable=False)),
                ('revisit_reasons', models.TextField(blank=True, editable=False)),
                ('approved_at', models.DateTimeField(editable=False)),
            ],
            options={
                'ordering': ['approved_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='finding',
            name='revisit_reasons',
            field=models.TextField(blank=True, help_text='Changed country conditions, new evidence: what makes the earlier finding of real risk no longer hold.', verbose_name='Why the earlier risk no longer holds'),
        ),
        migrations.AddField(
            model_name='voluntaryreturnconsent',
            name='transit_countries',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=2), blank=True, default=list, help_text='The route the person agreed to, in order of travel, before the destination.', size=None),
        ),
        migrations.RunSQL(FIX_ROWS, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name='assessment',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'submitted', 'returned', 'approved', 'superseded', 'withdrawn'])), name='assessment_status_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for status.'),
        ),
        migrations.AddConstraint(
            model_name='assessment',
            constraint=models.CheckConstraint(condition=models.Q(('conclusion__in', ['no_real_risk', 'real_risk', 'insufficient_information', ''])), name='assessment_conclusion_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for conclusion.'),
        ),
        migrations.AddConstraint(
            model_name='flag',
            constraint=models.CheckConstraint(condition=models.Q(('category__in', ['appeal_pending', 'interim_measure', 'new_charges', 'country_conditions', 'security', 'other', 'automatic'])), name='flag_category_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for category.'),
        ),
        migrations.AddConstraint(
            model_name='flag',
            constraint=models.CheckConstraint(condition=models.Q(('rule__in', ['real_risk_torture_death', 'removal_imminent', 'assessment_expired', 'evidence_after_approval', 'vulnerable_person', ''])), name='flag_rule_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for rule.'),
        ),
        migrations.AddConstraint(
            model_name='flag',
            constraint=models.CheckConstraint(condition=models.Q(('severity__in', [1, 2, 3, 4])), name='flag_severity_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for severity.'),
        ),
        migrations.AddConstraint(
            model_name='flag',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('category__in', ('appeal_pending', 'interim_measure')), _negated=True), ('blocks_removal', True), _connector='OR'), name='flag_suspensive_blocks', violation_error_code='suspensive_flag_blocks', violation_error_message='A pending appeal or an interim measure suspends removal by law: the flag always blocks removal.'),
        ),
        migrations.AddConstraint(
            model_name='flagrule',
            constraint=models.CheckConstraint(condition=models.Q(('code__in', ['real_risk_torture_death', 'removal_imminent', 'assessment_expired', 'evidence_after_approval', 'vulnerable_person'])), name='flag_rule_code_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for code.'),
        ),
        migrations.AddConstraint(
            model_name='flagrule',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('code', 'real_risk_torture_death'), _negated=True), models.Q(('blocks_removal', True), ('enabled', True)), _connector='OR'), name='flag_rule_absolute_always_blocks', violation_error_code='rule_cannot_be_disabled', violation_error_message='The flag for a real risk of torture or the death penalty is always raised and always blocks removal: it cannot be disabled or made non-blocking.'),
        ),
        migrations.AddConstraint(
            model_name='removaldecision',
            constraint=models.CheckConstraint(condition=models.Q(('measure__in', ['deportation', 'extradition', 'transfer', 'voluntary_return'])), name='decision_measure_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for measure.'),
        ),
        migrations.AddConstraint(
            model_name='removaldecision',
            constraint=models.CheckConstraint(condition=models.Q(('outcome__in', ['authorised', 'barred', 'postponed'])), name='decision_outcome_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for outcome.'),
        ),
        migrations.AddConstraint(
            model_name='removalproposal',
            constraint=models.CheckConstraint(condition=models.Q(('measure__in', ['deportation', 'extradition', 'transfer', 'voluntary_return'])), name='proposal_measure_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for measure.'),
        ),
        migrations.AddConstraint(
            model_name='removalproposal',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'decided', 'withdrawn'])), name='proposal_status_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for status.'),
        ),
        migrations.AddConstraint(
            model_name='review',
            constraint=models.CheckConstraint(condition=models.Q(('decision__in', ['approved', 'returned'])), name='review_decision_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for decision.'),
        ),
        migrations.AddField(
            model_name='approvedfinding',
            name='assessment',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='approved_findings', to='assessments.assessment'),
        ),
        migrations.AddField(
            model_name='approvedfinding',
            name='revisits',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='assessments.approvedfinding'),
        ),
        migrations.AddField(
            model_name='approvedfinding',
            name='risk_type',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='assessments.risktype'),
        ),
        migrations.AddField(
            model_name='finding',
            name='revisits',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='revisited_by', to='assessments.approvedfinding', verbose_name='earlier finding of real risk revisited'),
        ),
        migrations.AddConstraint(
            model_name='finding',
            constraint=models.CheckConstraint(condition=models.Q(('outcome__in', ['real_risk', 'no_real_risk', 'insufficient_information'])), name='finding_outcome_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for outcome.'),
        ),
        migrations.AddConstraint(
            model_name='finding',
            constraint=models.CheckConstraint(condition=models.Q(('feared_actor__in', ['state', 'non_state', 'both', 'none', ''])), name='finding_feared_actor_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for feared actor.'),
        ),
        migrations.AddConstraint(
            model_name='finding',
            constraint=models.CheckConstraint(condition=models.Q(('revisits__isnull', True), models.Q(('revisit_reasons', ''), _negated=True), _connector='OR'), name='finding_revisit_has_reasons', violation_error_code='revisit_reasons_required', violation_error_message='Say why the earlier finding of real risk no longer holds.'),
        ),
        migrations.AddIndex(
            model_name='approvedfinding',
            index=models.Index(fields=['country', 'risk_type', 'outcome'], name='approved_finding_lookup'),
        ),
        migrations.AddConstraint(
            model_name='approvedfinding',
            constraint=models.CheckConstraint(condition=models.Q(('outcome__in', ['real_risk', 'no_real_risk', 'insufficient_information'])), name='approved_finding_outcome_allowed', violation_error_code='value_not_allowed', violation_error_message='Choose one of the listed values for outcome.'),
        ),
        migrations.RunSQL(RECORD_BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(DROP_OLD + GATE_SQL),
    ]
