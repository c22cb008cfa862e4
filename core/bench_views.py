"""Reference pages for the benchmark harness only (BENCH_REFERENCE_VIEWS=1): the floor a page of ours is
compared against. Never enabled in production or tests."""

from django.db.models import Prefetch
from django.views.generic import ListView

from people.models import Person, Residence


class BareListView(ListView):
    """A plain Django ListView: the same 50 persons as the person list, with only their names and camp."""

    template_name = "core/bench_bare_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Person.objects.order_by("full_name_latin", "id").prefetch_related(
            Prefetch("residences", queryset=Residence.objects.filter(ended_on__isnull=True).select_related("camp"), to_attr="open_residences")
        )
