from django import forms

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
