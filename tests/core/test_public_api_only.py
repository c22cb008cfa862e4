"""The app reads through Django's public API and writes markup only in templates: a check over the source
(not the tests, not the migrations' frozen SQL), so a private attribute or HTML built in Python is caught
when it is written, not when Django changes underneath it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("accounts", "assessments", "audit", "core", "people", "config", "bench")

# What Django keeps private (outside its deprecation policy), and what builds markup outside templates.
FORBIDDEN = {
    "_prefetched_objects_cache": re.compile(r"_prefetched_objects_cache"),
    "_result_cache": re.compile(r"\._result_cache\b"),
    "_prefetch_done": re.compile(r"\._prefetch_done\b"),
    "_prefetch_related_objects": re.compile(r"\b_prefetch_related_objects\b"),
    "ModelState(": re.compile(r"\bModelState\("),
    "Model.__new__": re.compile(r"\.__new__\("),
    "deferred_loading": re.compile(r"\.deferred_loading\b"),
    "_state.fields_cache": re.compile(r"\bfields_cache\b"),
    "mark_safe": re.compile(r"\bmark_safe\b"),
    "format_html": re.compile(r"\bformat_html\b"),
    "an f-string of markup": re.compile(r"""\bf(["']{1,3})\s*<[a-zA-Z/]"""),  # a tag (not a Markdown comment)
}


def _source_files() -> list[Path]:
    files = []
    for folder in SOURCE_DIRS:
        files += [p for p in (BASE / folder).rglob("*.py") if "migrations" not in p.parts]
    return sorted(files)


def offences(text: str) -> list[str]:
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]


def test_the_check_reads_the_source_tree():
    files = {p.relative_to(BASE).as_posix() for p in _source_files()}
    assert {"people/selectors.py", "assessments/selectors.py", "core/templatetags/app_tags.py"} <= files


@pytest.mark.parametrize(
    "line",
    [
        "queryset._result_cache = rows",
        "obj = model.__new__(model)",
        "state = obj._state = ModelState()",
        "return mark_safe(''.join(parts))",
        "html = f'<td>{value}</td>'",
        'return format_html("<span>{}</span>", x)',
        "instance.__dict__['_prefetched_objects_cache'] = {}",
    ],
)
def test_the_check_catches_each_kind_of_offence(line):
    assert offences(line)


def test_no_source_file_uses_a_private_django_attribute_or_builds_markup():
    found = {}
    for path in _source_files():
        names = offences(path.read_text(encoding="utf-8"))
        if names:
            found[path.relative_to(BASE).as_posix()] = names
    assert found == {}, f"private Django API or markup built in Python: {found}"
