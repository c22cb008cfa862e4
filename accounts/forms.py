from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts import throttle

WRONG_CODE = "That code is not right. Type the 6-digit code your authenticator app shows now, or one of your recovery codes."
WRONG_SETUP_CODE = (
    "That code is not right. Check that the phone's clock is set automatically, then type the code the app shows now."
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "autofocus": True}),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).replace("-", "")


ACCOUNT_THROTTLED = (
    "Several wrong passwords were typed for this account recently. Wait {seconds} seconds, then try again "
    "(the wait grows with each wrong password, up to a minute)."
)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing a try while the account's growing delay runs (accounts.throttle)."""

    def clean(self):
        from axes.handlers.proxy import AxesProxyHandler

        username = self.cleaned_data.get("username") or ""
        # A try that django-axes has locked gets its lockout page (it says for how long); any other waits.
        locked = AxesProxyHandler.is_locked(self.request, {"username": username})
        if not locked and (seconds := throttle.wait_seconds(username)):
            raise forms.ValidationError(ACCOUNT_THROTTLED.format(seconds=seconds), code="account_throttled")
        return super().clean()
