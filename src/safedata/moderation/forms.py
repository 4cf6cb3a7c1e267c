"""Forms of the report flow and of the moderators' actions."""

from __future__ import annotations

from django import forms

from safedata.moderation.models import MAX_NOTE_CHARS, Decision, ReportReason


class ReportForm(forms.Form):
    document = forms.IntegerField(
        min_value=1, max_value=2**63 - 1, label="Document number", help_text="The # on its page."
    )
    reason = forms.ChoiceField(
        choices=[("", "Choose the rule it breaks"), *ReportReason.choices],
        label="Which rule of the Acceptable Use Policy it breaks",
        widget=forms.Select(attrs={"autofocus": True}),
    )
    note = forms.CharField(
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Anything the moderators should know (optional)",
    )


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=Decision.Action.choices)
    reason = forms.CharField(required=False, max_length=MAX_NOTE_CHARS)


class NoteForm(forms.Form):
    """A reason or message: for suspensions, dismissals, appeals and review requests."""

    reason = forms.CharField(required=False, max_length=MAX_NOTE_CHARS)


class ReviseForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 16}), strip=False)
