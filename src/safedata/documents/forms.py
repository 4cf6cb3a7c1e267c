"""Upload forms: they parse the request; the upload pipeline in ``services`` screens it.

``add_upload_error`` (of each ``PipelineForm``) shows a pipeline error on the form and
gives the status of the refusal; the upload pages in ``upload_views`` share the rest.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse

from safedata.documents import language
from safedata.documents.models import License
from safedata.documents.services import NewDocument, UploadError
from safedata.screening import MAX_TITLE_CHARS, MAX_URL_CHARS

TEXT_EXTENSIONS = (".txt", ".md")
BULK_EXTENSIONS = (".jsonl",)
AUTO = ""
"""Language choice: detect on submit."""
OTHER = "other"
"""Language choice: none of the listed ones, or unknown; stored as an empty code."""
AUP_REQUIRED = "You must accept the Acceptable Use Policy to upload."


def language_choices(extra: str = "") -> list[tuple[str, str]]:
    """The language select's options; ``extra`` adds a detected code missing from the list."""
    choices = [(AUTO, "Detect automatically"), *language.COMMON_LANGUAGES]
    if extra and extra not in dict(choices) and extra != OTHER:
        choices.append((extra, extra))
    return [*choices, (OTHER, "Other / unknown")]


def prefill_language(current: str, previously_detected: str, detected: str) -> str:
    """The language to select after a new detection.

    A choice the uploader made by hand (one that differs from the last
    detection) is kept; otherwise the new detection replaces it.
    """
    if current not in (AUTO, previously_detected):
        return current
    return detected or AUTO


def _detect_on(trigger: str) -> dict[str, str]:
    """htmx attributes that refresh the language field when ``trigger`` fires."""
    return {
        "hx-post": reverse("documents:detect_language"),
        "hx-trigger": trigger,
        "hx-target": "#language-field",
        "hx-swap": "innerHTML",
    }


def _aup_field() -> forms.BooleanField:
    return forms.BooleanField(
        label="I confirm this upload complies with the Acceptable Use Policy.",
        error_messages={"required": AUP_REQUIRED},
    )


def _check_extension(upload: UploadedFile, allowed: tuple[str, ...]) -> None:
    name = upload.name or ""
    if PurePath(name).suffix.lower() not in allowed:
        raise forms.ValidationError(
            "Only %(allowed)s files can be uploaded; “%(name)s” is not one.",
            code="extension",
            params={"allowed": " or ".join(allowed), "name": name[:100]},
        )


class PipelineForm(forms.Form):
    """A form whose data goes through the upload pipeline, which may refuse it."""

    def add_upload_error(self, exc: UploadError) -> int:
        """Show a pipeline error on the form; the HTTP status of the refusal."""
        raise NotImplementedError


class UploadForm(PipelineForm):
    title = forms.CharField(
        required=False,
        help_text="Optional.",
        widget=forms.TextInput(attrs={"maxlength": MAX_TITLE_CHARS}),
    )
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Paste plain text, or choose a file below.",
    )
    file = forms.FileField(
        required=False,
        label="Or a file",
        help_text="A UTF-8 .txt or .md file.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(TEXT_EXTENSIONS)}),
    )
    source_url = forms.CharField(
        required=False,
        label="Source URL",
        help_text="Where the text comes from, if it was published elsewhere.",
        widget=forms.URLInput(attrs={"maxlength": MAX_URL_CHARS}),
    )
    license = forms.ChoiceField(choices=License.choices, required=False, label="Licence")
    language = forms.ChoiceField(
        choices=language_choices,
        required=False,
        help_text="Detected from the text; correct it if it is wrong.",
    )
    aup = _aup_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Screening reports NUL characters with its own message.
        self.fields["text"].validators = []
        self.fields["text"].widget.attrs.update(_detect_on("input changed delay:600ms"))
        self.fields["file"].widget.attrs.update(_detect_on("change"))
        chosen = self.data.get("language", "") if self.is_bound else self.initial.get("language")
        if chosen and language.is_known(chosen):
            self.fields["language"].choices = language_choices(chosen)  # type: ignore[attr-defined]

    def clean_file(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("file")
        if upload:
            _check_extension(upload, TEXT_EXTENSIONS)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload, text = cleaned.get("file"), cleaned.get("text", "")
        if "file" in self.errors or "text" in self.errors:
            return cleaned
        if upload and text.strip():
            self.add_error("text", "Paste text or choose a file, not both.")
        elif not upload and not text:
            self.add_error("text", "Paste some text or choose a .txt or .md file.")
        return cleaned

    def add_upload_error(self, exc: UploadError) -> int:
        """Show a pipeline error on its field (on the form as a whole when it names none)."""
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, forms.ValidationError(exc.message, code=exc.code))
        return 413 if self.too_large else 400

    @property
    def too_large(self) -> bool:
        return self.has_error("file", "oversized") or self.has_error("text", "oversized")

    @property
    def detect_language(self) -> bool:
        return bool(self.cleaned_data.get("language", AUTO) == AUTO)

    def new_document(self) -> NewDocument:
        code = self.cleaned_data.get("language", AUTO)
        upload: UploadedFile | None = self.cleaned_data.get("file")
        return NewDocument(
            text=self.cleaned_data.get("text", ""),
            file=upload.read() if upload else None,
            title=self.cleaned_data.get("title", ""),
            source_url=self.cleaned_data.get("source_url", ""),
            license=self.cleaned_data.get("license", ""),
            language="" if code in (AUTO, OTHER) else code,
        )


class BulkUploadForm(PipelineForm):
    file = forms.FileField(
        label="JSONL file",
        help_text='One JSON object per line: "text" is required; "title", "source_url", '
        '"license" and "language" are optional.',
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(BULK_EXTENSIONS)}),
        error_messages={"required": "Choose a .jsonl file to upload."},
    )
    aup = _aup_field()

    def clean_file(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["file"]
        _check_extension(upload, BULK_EXTENSIONS)
        data: bytes = upload.read()
        return data

    def add_upload_error(self, exc: UploadError) -> int:
        """Every error of a bulk file is the file's."""
        self.add_error("file", exc.message)
        return 413 if exc.too_large else 400
