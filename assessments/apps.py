from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from assessments.completeness import translate_incomplete_error
        from assessments.gate import translate_trigger_error
        from core.errors import TRIGGER_TRANSLATORS

        TRIGGER_TRANSLATORS["removal_gate"] = translate_trigger_error
        TRIGGER_TRANSLATORS["decision_proposal_closed"] = translate_trigger_error
        TRIGGER_TRANSLATORS["decision_date"] = translate_trigger_error
        TRIGGER_TRANSLATORS["assessment_incomplete"] = translate_incomplete_error

        from assessments import flag_rules
        from people.signals import vulnerability_recorded

        vulnerability_recorded.connect(flag_rules.on_vulnerability_recorded, dispatch_uid="assessments.vulnerable_person")
