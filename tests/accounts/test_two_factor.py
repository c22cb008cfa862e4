"""Two-step verification: required for supervisors and administrators (and the admin site), offered to
caseworkers; enrolment with a QR code and key, recovery codes shown once and each usable once."""

from __future__ import annotations

import base64
import html
import re

import pytest
from django.contrib import admin
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import WRONG_CODE
from audit.models import AuthEvent
from tests.auth import TEST_PASSWORD, login_with_2fa, password_only_login, totp_code, totp_device


def _wait_out_the_throttle(device):
    """Move the last failure back a minute instead of sleeping."""
    from datetime import timedelta

    type(device).objects.filter(pk=device.pk).update(throttling_failure_timestamp=F("throttling_failure_timestamp") - timedelta(minutes=1))


def _password_step(client, user, next_url="/people/"):
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD, "next": next_url})
    assert response.status_code == 302
    return client.get(next_url)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["supervisor", "administrator"])
def test_a_user_who_must_have_two_steps_and_has_none_is_sent_to_set_it_up(client, request, role):
    user = request.getfixturevalue(role)
    response = _password_step(client, user)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:setup"))
    for url in ("/", reverse("people:person_list"), reverse("admin:index")):
        refused = client.get(url)  # no page before the second factor
        assert refused.status_code == 302 and refused["Location"].startswith(reverse("accounts:setup")), url


@pytest.mark.django_db
def test_enrolment_shows_a_qr_code_and_the_key_and_needs_a_right_code(client, supervisor):
    _password_step(client, supervisor)
    page = client.get(reverse("accounts:setup"))
    body = page.content.decode()
    assert 'src="data:image/svg+xml' in body and "<script" not in body.split("</main>")[0].split("<main")[1]
    secret = re.search(r'<code class="fs-6 user-select-all">([A-Z2-7 ]+)</code>', body).group(1)
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    assert len(secret.replace(" ", "")) == 32
    wrong = client.post(reverse("accounts:setup"), {"code": "000000" if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    too_soon = client.post(reverse("accounts:setup"), {"code": totp_code(device)})
    assert "Too many wrong codes" in too_soon.content.decode()  # each wrong code doubles the wait
    _wait_out_the_throttle(device)
    right = client.post(reverse("accounts:setup"), {"code": totp_code(device), "next": "/people/"})
    assert right.status_code == 302 and right["Location"].startswith(reverse("accounts:recovery_codes"))
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("people:person_list")).status_code == 200
    assert AuthEvent.objects.filter(user=supervisor, kind="otp_enrolled").exists()


@pytest.mark.django_db
def test_recovery_codes_are_shown_once_and_each_works_once(client, supervisor):
    login_with_2fa(client, supervisor)
    first = client.get(reverse("accounts:recovery_codes")).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", first)
    assert len(codes) == 10
    second = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert not set(codes) & set(re.findall(r"<li>([a-z2-7]{8})</li>", second))
    assert "shown once" in second

    from django.test import Client

    again = Client()
    _password_step(again, supervisor)
    used = again.post(reverse("accounts:verify"), {"code": codes[0], "next": "/people/"})
    assert used.status_code == 302 and used["Location"] == "/people/"
    assert StaticToken.objects.filter(device__user=supervisor).count() == 9
    assert AuthEvent.objects.filter(user=supervisor, kind="recovery_code_used").exists()

    once_more = Client()
    _password_step(once_more, supervisor)
    refused = once_more.post(reverse("accounts:verify"), {"code": codes[0]})
    text = html.unescape(refused.content.decode())
    assert refused.status_code == 200 and WRONG_CODE in text


@pytest.mark.django_db
def test_a_user_with_a_device_verifies_before_any_page_and_gets_a_new_session_id(client, supervisor):
    device = totp_device(supervisor)
    response = _password_step(client, supervisor)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:verify"))
    before = client.session.session_key
    wrong = client.post(reverse("accounts:verify"), {"code": "12345x"})
    assert wrong.status_code == 200 and client.get("/people/").status_code == 302
    _wait_out_the_throttle(device)
    right = client.post(reverse("accounts:verify"), {"code": totp_code(device), "next": "/people/"})
    assert right.status_code == 302 and right["Location"] == "/people/"
    assert client.get("/people/").status_code == 200
    assert client.session.session_key != before
    assert list(AuthEvent.objects.filter(user=supervisor).values_list("kind", flat=True).order_by("id")) == ["login", "otp_failed", "otp_verified"]


@pytest.mark.django_db
def test_a_caseworker_may_log_in_without_a_second_factor_and_may_add_one(client, caseworker):
    assert _password_step(client, caseworker).status_code == 200
    assert "off" in client.get(reverse("accounts:two_factor")).content.decode()
    page = client.get(reverse("accounts:setup")).content.decode()
    assert "Set up two-step verification" in page
    device = TOTPDevice.objects.get(user=caseworker, confirmed=False)
    client.post(reverse("accounts:setup"), {"code": totp_code(device)})
    client.post(reverse("logout"))
    response = _password_step(client, caseworker)  # now that the caseworker has a device, it is asked for
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:verify"))


@pytest.mark.django_db
def test_a_caseworker_promoted_to_supervisor_must_set_up_two_steps_at_the_next_request(client, caseworker):
    from django.contrib.auth.models import Group

    _password_step(client, caseworker)
    caseworker.groups.add(Group.objects.get(name="Supervisor"))
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:setup"))


@pytest.mark.django_db
def test_the_admin_site_requires_a_verified_second_factor(client, administrator):
    password_only_login(client, administrator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:index") not in response["Location"]
    request = RequestFactory().get("/admin/")
    request.user = administrator
    request.user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request)


@pytest.mark.django_db
def test_the_admin_has_no_login_form_of_its_own(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_admins_never_see_device_keys_in_the_admin(client, administrator, supervisor):
    device = totp_device(supervisor)
    client.force_login(administrator)
    body = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    assert "sup_a" in body
    assert device.key not in body  # hex
    assert base64.b32encode(device.bin_key).decode().rstrip("=") not in body and "otpauth://" not in body  # as typed or scanned
    from django_otp.plugins.otp_static.models import StaticDevice

    from accounts import services

    codes = services.issue_recovery_codes(supervisor)
    static = StaticDevice.objects.get(user=supervisor)
    body = client.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk])).content.decode()
    assert "sup_a" in body and not any(code in body for code in codes)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["supervisor", "administrator"])
def test_the_test_helper_logs_in_through_the_real_pages(client, request, role):
    user = request.getfixturevalue(role)
    login_with_2fa(client, user)  # enrols
    assert client.get("/people/").status_code == 200
    client.post(reverse("logout"))
    login_with_2fa(client, user)  # verifies
    assert client.get("/people/").status_code == 200


@pytest.mark.django_db
def test_the_demo_prints_how_to_pass_the_second_step_and_the_printed_code_works(client):
    import io

    from django.core.management import call_command

    from accounts import demo

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    for username in ("supervisor", "admin"):
        assert f"{username:<12} key: {demo.base32_key(demo.DEMO_KEYS[username])}" in text
    code = io.StringIO()
    call_command("demo_code", "supervisor", stdout=code)
    response = client.post(reverse("login"), {"username": "supervisor", "password": "quiet-cedar-compass"})
    response = client.get(response["Location"])
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert client.post(reverse("accounts:verify"), {"code": code.getvalue().strip()}).status_code == 302
    assert client.get(reverse("people:person_list")).status_code == 200


def test_the_readme_documents_the_demo_keys():
    from pathlib import Path

    from accounts import demo

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for username, hex_key in demo.DEMO_KEYS.items():
        assert f"| `{username}` | `{demo.base32_key(hex_key)}` |" in readme


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["returned", "people:person_list", "//evil.example/", "https://evil.example/", "javascript:alert(1)"])
def test_a_next_that_is_not_a_path_on_this_site_goes_home(client, supervisor, next_url):
    """Found by the fuzz test: `next=returned` answered 500 (redirect() read it as a URL name)."""
    client.force_login(supervisor)  # verified already: the page sends the user on at once
    response = client.post(reverse("accounts:verify"), {"code": "000000", "next": next_url})
    assert response.status_code == 302 and response["Location"] == reverse("home")
