"""Search across scripts and spellings: recall on the labelled set, ranking, exact numbers, scope."""

from __future__ import annotations

from collections import Counter

import pytest

from people import selectors
from people.models import Person
from tests.people.search_population import build_population, load_targets

TOP = 5
REQUIRED_RECALL = 0.90


def test_labelled_set_has_at_least_60_pairs_of_each_promised_kind():
    targets = load_targets()
    queries = [q for t in targets.values() for q in t.queries]
    kinds = Counter(kind for kind, _ in queries)
    assert len(queries) >= 60
    assert kinds["latin_variant"] >= 40 and kinds["arabic_letters"] >= 10
    assert kinds["number"] >= 1 and kinds["alias"] >= 1


@pytest.mark.django_db
def test_recall_in_top_5_on_the_labelled_set(team, capsys):
    targets = build_population(team, distractors=800)
    population = Person.objects.count()
    found, first, misses, per_kind = 0, 0, [], Counter()
    total = Counter()
    for target in targets.values():
        for kind, query in target.queries:
            results = selectors.person_search_ranked(Person.objects.all(), query, limit=TOP)
            total[kind] += 1
            ranked = [r.person.pk for r in results]
            first += bool(ranked) and ranked[0] == target.person.pk
            if target.person.pk in ranked:
                found += 1
                per_kind[kind] += 1
            else:
                misses.append(f"{kind}: {query!r} -> {target.latin!r}; got {[r.person.full_name_latin for r in results]}")
    queries = sum(total.values())
    recall = found / queries
    with capsys.disabled():
        print(f"\nsearch recall@{TOP}: {found}/{queries} = {recall:.1%} (first place: {first / queries:.1%}) among {population} people; by kind: "
              + ", ".join(f"{k} {per_kind[k]}/{n}" for k, n in sorted(total.items())))
        for miss in misses:
            print("  missed", miss)
    assert recall >= REQUIRED_RECALL
