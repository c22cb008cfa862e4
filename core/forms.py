"""What every form of the app shares: text that is safe to store, show, export and print.

- Control characters (C0 but tab and newlines, DEL, C1), the bidirectional embedding, override and isolate
  controls (U+202A–U+202E, U+2066–U+2069) and the XML non-characters are removed from every submitted value
  before validation: they are invisible, break exports (XLSX cannot hold them) and, for bidi controls, can
  reverse the text shown after a name. Right-to-left and left-to-right marks (U+200E, U+200F), which Persian
  and Arabic text legitimately uses, are kept.
- A text field without its own limit is limited to `TEXT_MAX_LENGTH` characters, with the usual message.
"""

from __future__ import annotations

import re

from django import forms
from django.core.validators import MaxLengthValidator

UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
TEXT_MAX_LENGTH = 20_000


def safe_text(value: str) -> str:
    """`value` without the characters no stored text should hold."""
    return UNSAFE_TEXT.sub("", value)


def _safe_data(data):
    if not hasattr(data, "lists"):  # a plain dict (tests, services calling a form directly)
        return {k: safe_text(v) if isinstance(v, str) else v for k, v in data.items()}
    cleaned = data.copy()
    for key, values in data.lists():
        cleaned.setlist(key, [safe_text(v) if isinstance(v, str) else v for v in values])
    return cleaned


class SafeTextMixin:
    """Put first among a form's bases: cleans the submitted data, and bounds unbounded text fields."""

    def __init__(self, *args, **kwargs):
        if args and args[0] is not None:
            args = (_safe_data(args[0]), *args[1:])
        elif kwargs.get("data") is not None:
            kwargs["data"] = _safe_data(kwargs["data"])
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length is None:
                field.max_length = TEXT_MAX_LENGTH
                field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
                field.widget.attrs.setdefault("maxlength", str(TEXT_MAX_LENGTH))
