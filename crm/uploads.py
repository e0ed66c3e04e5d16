"""Uploaded files: one rule per kind of upload, checked by content, named safely, bounded
in size before the body is read, and served only through a view that checks scope.

- `UploadRule` says which kinds of file an upload accepts and how large it may be; its
  `check()` is the one validator of every upload form (`UploadField`) and service.
- A file's kind is recognised by its first bytes (a signature table below; python-magic
  is not installed), so a program renamed `invoice.pdf` is refused, and the type a file
  is served with comes from its content, never from its name.
- `clean_file_name()` keeps the extension of a long name (the stem is shortened) and drops
  path parts and control characters; `UploadStorage` stores files under a short ASCII
  name, so no user-chosen name reaches the file system.
- `RequestSizeLimitMiddleware` refuses a request whose declared length is over its limit
  before anything reads the body (413, JSON under /api/); `UploadLimitHandler` stops
  keeping a file's bytes once it passes its rule's limit, so the form says so.
- MEDIA_ROOT is never served by URL (not in development either): `file_response()` is
  called by views that have checked the user's scope of the object the file hangs on.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .api import is_api_request

HEAD_BYTES = 64 * 1024


# --- Kinds of file, recognised by content ------------------------------------------
def _ole_stream(name: str) -> Callable[[object, bytes], bool]:
    """Legacy Office files (OLE2 compound documents) name their main stream in UTF-16 in
    the directory: WordDocument for .doc, Workbook (or Book) for .xls."""
    needles = [n.encode("utf-16-le") for n in name.split("|")]

    def test(file, head: bytes) -> bool:
        if not head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            return False
        file.seek(0)
        tail = b""
        while chunk := file.read(1024 * 1024):
            window = tail + chunk
            if any(n in window for n in needles):
                return True
            tail = window[-32:]
        return False

    return test


def _zip_member(prefix: str) -> Callable[[object, bytes], bool]:
    """Office Open XML files are zip archives; only the directory is read (no member is
    expanded, so an archive bomb costs nothing here)."""

    def test(file, head: bytes) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            file.seek(0)
            names = zipfile.ZipFile(file).namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names)

    return test


def _is_text(file, head: bytes) -> bool:
    """Plain text in UTF-8, UTF-16 (with its byte order mark) or GB18030: decodable, and
    almost no control characters (a rare NUL is left to the reader of the file)."""
    if head.startswith((b"MZ", b"\x7fELF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF-")):
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
        sample = head[: len(head) // 2 * 2]
    else:
        encodings = ["utf-8-sig", "gb18030"]
        sample = head
    for encoding in encodings:
        for cut in range(4):  # the sample may end inside a multi-byte character
            try:
                text = sample[: len(sample) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f\v")
            return bool(text) and controls * 100 <= len(text)
    return False


def _mp3(file, head: bytes) -> bool:
    # An ID3 tag, or an MPEG audio frame header of layer III (11 sync bits, layer 01).
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2)


M4A_BRANDS = (b"M4A ", b"M4B ", b"mp41", b"mp42", b"isom", b"iso2")


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    extensions: tuple[str, ...]
    content_type: str
    test: Callable[[object, bytes], bool]

    def matches(self, file, head: bytes) -> bool:
        try:
            return self.test(file, head)
        finally:
            file.seek(0)


KINDS = {k.code: k for k in [
    FileKind("pdf", "PDF", (".pdf",), "application/pdf", lambda f, h: b"%PDF-" in h[:1024]),
    FileKind("jpeg", "JPEG", (".jpg", ".jpeg"), "image/jpeg",
             lambda f, h: h.startswith(b"\xff\xd8\xff")),
    FileKind("png", "PNG", (".png",), "image/png",
             lambda f, h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    FileKind("gif", "GIF", (".gif",), "image/gif", lambda f, h: h[:6] in (b"GIF87a", b"GIF89a")),
    FileKind("webp", "WEBP", (".webp",), "image/webp",
             lambda f, h: h[:4] == b"RIFF" and h[8:12] == b"WEBP"),
    FileKind("docx", "Word", (".docx",),
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             _zip_member("word/")),
    FileKind("xlsx", "Excel", (".xlsx",),
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             _zip_member("xl/")),
    FileKind("doc", "Word 97-2003", (".doc",), "application/msword", _ole_stream("WordDocument")),
    FileKind("xls", "Excel 97-2003", (".xls",), "application/vnd.ms-excel",
             _ole_stream("Workbook|Book")),
    FileKind("txt", "TXT", (".txt",), "text/plain; charset=utf-8", _is_text),
    FileKind("csv", "CSV", (".csv",), "text/csv; charset=utf-8", _is_text),
    FileKind("mp3", "MP3", (".mp3",), "audio/mpeg", _mp3),
    FileKind("wav", "WAV", (".wav",), "audio/wav",
             lambda f, h: h[:4] == b"RIFF" and h[8:12] == b"WAVE"),
    FileKind("m4a", "M4A", (".m4a",), "audio/mp4",
             lambda f, h: h[4:8] == b"ftyp" and h[8:12] in M4A_BRANDS),
]}  # fmt: skip
KIND_BY_EXTENSION = {ext: kind for kind in KINDS.values() for ext in kind.extensions}
OCTET_STREAM = "application/octet-stream"


def _head(file) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def detect_kind(file, name: str = "") -> FileKind | None:
    """The kind of a file by its content: the kind its name's extension claims if the
    content is of that kind, else the first binary kind whose signature matches."""
    head = _head(file)
    claimed = KIND_BY_EXTENSION.get(split_extension(name)[1])
    if claimed is not None and claimed.matches(file, head):
        return claimed
    for kind in KINDS.values():
        if kind.test is not _is_text and kind.matches(file, head):
            return kind
    return None


# --- Names ---------------------------------------------------------------------------
FORBIDDEN_IN_NAMES = re.compile(r'[<>:"/\\|?*]')
EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")


def split_extension(name: str) -> tuple[str, str]:
    """(stem, extension) with the extension lower-cased, "" when the name has none."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and EXTENSION.fullmatch("." + ext.lower()):
        return stem, "." + ext.lower()
    return name, ""


def clean_file_name(name: str, max_length: int = 200) -> str:
    """A name fit to show and to offer on download: no folder part, no control or
    format characters (a right-to-left override can disguise `exe.pdf`), no characters
    Windows refuses; a name too long loses the end of its stem, never its extension."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = FORBIDDEN_IN_NAMES.sub("_", name).strip(" .")
    stem, ext = split_extension(name)
    stem = stem.strip(" .")[: max_length - len(ext)].rstrip(" .") or _("file")
    return stem + ext


class UploadStorage(FileSystemStorage):
    """The default storage: files are stored under a short ASCII name with the extension
    (long or non-ASCII names broke the file system's 255-byte limit); the name the user
    gave is kept on the record."""

    def get_valid_name(self, name):
        stem, ext = split_extension(clean_file_name(name))
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:60] or "file"
        return stem + ext


# --- Rules ---------------------------------------------------------------------------
@dataclass(frozen=True)
class UploadRule:
    """What one kind of upload accepts. `max_bytes_setting` names the setting of its size
    limit (read when used, so it can be changed without a code change)."""

    kinds: tuple[str, ...]
    max_bytes_setting: str = "CRM_UPLOAD_MAX_BYTES"

    @property
    def max_bytes(self) -> int:
        return getattr(settings, self.max_bytes_setting)

    @property
    def extensions(self) -> list[str]:
        return [ext for code in self.kinds for ext in KINDS[code].extensions]

    def check(self, upload) -> FileKind:
        """The kind of an acceptable upload; ValidationError (one message) otherwise."""
        if upload.size > self.max_bytes:
            raise ValidationError(
                _("The file is larger than %(limit)s.") % {"limit": filesizeformat(self.max_bytes)},
                code="too_large",
            )
        kind = KIND_BY_EXTENSION.get(split_extension(upload.name or "")[1])
        if kind is None or kind.code not in self.kinds:
            raise ValidationError(
                _("This kind of file is not accepted. Accepted: %(kinds)s.")
                % {"kinds": ", ".join(self.extensions)},
                code="kind",
            )
        if not kind.matches(upload, _head(upload)):
            raise ValidationError(
                _("The content of this file is not %(kind)s, as its name %(ext)s says: it "
                  "may have been renamed or damaged.") % {"kind": kind.label,
                                                           "ext": kind.extensions[0]},
                code="content",
            )  # fmt: skip
        return kind


class UploadField(forms.FileField):
    """A form's file field under an UploadRule: checked by content, size and name; the
    cleaned file carries the checked `content_type` and a clean `name`."""

    def __init__(self, *, rule: UploadRule, **kwargs):
        self.rule = rule
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ",".join(rule.extensions))

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial:
            kind = self.rule.check(upload)
            upload.name = clean_file_name(upload.name)
            upload.content_type = kind.content_type
        return upload


# --- Size limits before the body is read ---------------------------------------------
def upload_rule_of(view_func) -> UploadRule | None:
    """The rule a view declares for the files posted to it (`upload_rule`)."""
    return getattr(getattr(view_func, "view_class", view_func), "upload_rule", None)


def upload_limit(view_func) -> int:
    rule = upload_rule_of(view_func)
    return rule.max_bytes if rule is not None else settings.CRM_UPLOAD_MAX_BYTES


def body_limit(request, view_func) -> int:
    """The largest body a request may declare: a file to a view with an upload rule its
    limit plus a little for the form's other fields; an API body CRM_API_BODY_MAX_BYTES
    (bulk posts are large); any other form CRM_FORM_BODY_MAX_BYTES."""
    rule = upload_rule_of(view_func)
    if rule is not None and request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        return rule.max_bytes + settings.CRM_UPLOAD_FORM_FIELDS_BYTES
    if is_api_request(request):
        return settings.CRM_API_BODY_MAX_BYTES
    return settings.CRM_FORM_BODY_MAX_BYTES


def too_large_response(request, limit: int):
    message = _("The request is too large: at most %(limit)s may be sent.") % {
        "limit": filesizeformat(limit)
    }
    if is_api_request(request):
        return JsonResponse({"detail": message}, status=413)
    referer = request.META.get("HTTP_REFERER", "")
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return render(
        request, "413.html", {"message": message, "retry_url": referer if safe else "/"},
        status=413,
    )  # fmt: skip


class RequestSizeLimitMiddleware:
    """Refuses a request whose Content-Length is over its limit before the body is read
    (by CSRF's check of the form, the view or the API parser). Placed before Django's
    CsrfViewMiddleware: it acts in process_view, when the view (and its rule) is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request, view_func)
        if length > limit:
            return too_large_response(request, limit)
        return None


class OversizedUpload(UploadedFile):
    """What is left of a file that passed its limit while streaming: its name and the
    size reached, no content. The rule's check refuses it with the size message."""

    def __init__(self, name, content_type, size, charset=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class UploadLimitHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: once a file passes the limit of the view's rule, its
    further chunks are dropped (neither kept in memory nor written to disk) and the form
    receives an OversizedUpload in its place."""

    def __init__(self, request=None):
        super().__init__(request)
        match = getattr(request, "resolver_match", None)
        self.limit = upload_limit(match.func if match else None)

    def new_file(self, field_name, file_name, content_type, content_length, charset=None,
                 content_type_extra=None):  # fmt: skip
        super().new_file(field_name, file_name, content_type, content_length, charset,
                         content_type_extra)  # fmt: skip
        self.received, self.dropped = 0, False

    def receive_data_chunk(self, raw_data, start):
        self.received = start + len(raw_data)
        if self.received <= self.limit:
            return raw_data
        if not self.dropped:
            self.dropped = True
            for handler in self.request.upload_handlers if self.request else ():
                if handler is not self and getattr(handler, "file", None) is not None:
                    handler.file.close()  # the part kept so far (memory or temporary file)
        return None

    def file_complete(self, file_size):
        if self.received > self.limit:
            return OversizedUpload(self.file_name, self.content_type, self.received, self.charset)
        return None


# --- Serving ---------------------------------------------------------------------------
def file_response(field_file, filename: str) -> FileResponse:
    """A stored file as a download: its type from its content (application/octet-stream
    when unknown), always `attachment`, with nosniff. Call it only after checking that the
    user may see the object the file hangs on."""
    file = field_file.open("rb")
    kind = detect_kind(file, filename)
    name = clean_file_name(filename)
    if kind is not None and split_extension(name)[1] not in kind.extensions:
        name = split_extension(name)[0] + kind.extensions[0]
    response = FileResponse(
        file, as_attachment=True, filename=name,
        content_type=kind.content_type if kind else OCTET_STREAM,
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    return response


@checks.register(checks.Tags.security, deploy=False)
def media_not_public(app_configs, **kwargs):
    """Uploaded files are served only through scoped views: MEDIA_ROOT must not be inside
    a folder served as static files (STATIC_ROOT, STATICFILES_DIRS, WHITENOISE_ROOT)."""
    media = Path(settings.MEDIA_ROOT).resolve()
    public = [settings.STATIC_ROOT, getattr(settings, "WHITENOISE_ROOT", None)]
    public += [d[1] if isinstance(d, tuple) else d for d in settings.STATICFILES_DIRS]
    errors = []
    for folder in filter(None, public):
        folder = Path(folder).resolve()
        if media == folder or folder in media.parents:
            errors.append(checks.Error(
                f"MEDIA_ROOT ({media}) overlaps a folder served as static files ({folder}).",
                hint="Keep uploaded files outside STATIC_ROOT, STATICFILES_DIRS and "
                     "WHITENOISE_ROOT; they are served by scoped views only.",
                id="crm.E010",
            ))  # fmt: skip
    return errors
