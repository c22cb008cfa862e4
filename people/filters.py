import django_filters
from django import forms
from django.contrib.auth import get_user_model

from core.widgets import Select
from people.choices import LegalStatusKind
from people.models import Camp, Person, Team


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name or number", method="filter_q", help_text="Any script or spelling, registration or document number."
    )
    camp = django_filters.ModelChoiceFilter(
        label="Camp", queryset=Camp.objects.order_by("name").only("id", "name"), method="filter_camp", widget=Select
    )
    status = django_filters.ChoiceFilter(
        label="Current legal status", choices=LegalStatusKind.choices, method="filter_status", widget=Select
    )
    caseworker = django_filters.ModelChoiceFilter(
        label="Assigned caseworker", field_name="assigned_caseworker", queryset=get_user_model().objects.none(), widget=Select
    )
    team = django_filters.ModelChoiceFilter(label="Team", field_name="owning_team", queryset=Team.objects.none(), widget=Select)

    class Meta:
        model = Person
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The menus show a name only: their choices are built without the other columns.
        teams = Team.objects.visible_to(user)
        self.filters["team"].queryset = teams.only("id", "name")
        self.filters["caseworker"].queryset = (
            get_user_model().objects.filter(is_active=True, teams__in=teams).distinct().order_by("username")
            .only("id", "username", "first_name", "last_name")
        )
        self.form.fields["caseworker"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.form.fields["q"].widget = forms.TextInput(attrs={"type": "search", "autocomplete": "off"})
        for name, field in self.form.fields.items():  # plain Bootstrap markup (templates/core/_filter_fields.html)
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, Select) else "form-control")
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_helptext"

    def filter_q(self, queryset, name, value):
        # The query ranks rather than filters: people.selectors.person_list_results applies it after the
        # other filters (see person_search_ranked), so it is left out here.
        return queryset

    def filter_camp(self, queryset, name, value):
        return queryset.in_camp(value.pk) if value else queryset

    def filter_status(self, queryset, name, value):
        return queryset.with_current_status(value) if value else queryset
