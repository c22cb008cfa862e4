"""gunicorn trusts forwarded headers exactly when the app does (BEHIND_TLS_PROXY)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"


@pytest.mark.parametrize(
    "env, trusted",
    [
        ({}, ""),
        ({"BEHIND_TLS_PROXY": "0", "FORWARDED_ALLOW_IPS": "10.0.0.5"}, ""),
        ({"BEHIND_TLS_PROXY": "1"}, "127.0.0.1,::1"),
        ({"BEHIND_TLS_PROXY": "1", "FORWARDED_ALLOW_IPS": "10.0.0.5"}, "10.0.0.5"),
    ],
)
def test_forwarded_headers_are_trusted_only_behind_the_tls_proxy(monkeypatch, env, trusted):
    for name in ("BEHIND_TLS_PROXY", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert runpy.run_path(str(CONFIG))["forwarded_allow_ips"] == trusted
