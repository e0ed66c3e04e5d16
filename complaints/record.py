"""The complaint record (投诉档案): the whole file of one complaint as the print page and
the PDF show it. One reader builds the rows (header data, time limits, every handling
step with who, when and what, feedback, review, attachments) with the viewer's masking,
and both outputs lay out the same rows, so the PDF never shows more than the page.

The PDF is drawn with reportlab's built-in CID font STSong-Light (no font file), with the
branch name and page numbers on every page and the time it was made (Asia/Shanghai).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from clients import masking
from crm.formats import yuan
from crm.references import person_label
from crm.services.access_log import access_log_record

from .models import Complaint
from .services import CLOCKS
from .workflow import EVENT_LABELS

FONT = "STSong-Light"
PDF_FIELD = "record_pdf"  # the access log's field for a downloaded record


@dataclass
class Step:
    at: str
    by: str
    action: str
    change: str
    note: str


@dataclass
class Record:
    complaint: Complaint
    title: str
    branch: str
    generated_at: str
    header: list[tuple[str, str]] = field(default_factory=list)
    clocks: list[tuple[str, str, str, str]] = field(default_factory=list)
    handling: list[tuple[str, str]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    attachments: list[tuple[str, str, str, str]] = field(default_factory=list)


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _status(value: str) -> str:
    from .models import Status

    return str(Status(value).label) if value in Status.values else value


def _met(done, met) -> str:
    if done is None:
        return _("open")
    return _("in time") if met else _("late")


def record_queryset(queryset):
    """The complaint with everything the record names, for a fixed number of queries."""
    return queryset.select_related(
        "branch", "client", "first_responder__staff__branch", "handler__staff__branch",
        "reviewer__staff__branch", "compensation_approved_by__staff__branch",
    )  # fmt: skip


def complaint_record(user, complaint: Complaint) -> Record:
    """The record of `complaint` as `user` may see it (names masked for service agents,
    phones always masked, as on the detail page)."""
    c = complaint
    if c.client is not None:
        complainant = masking.display(user, "name", c.client.name)
        complainant += f" ({c.client.client_no})" if c.client.client_no else ""
    else:
        complainant = f"{masking.display(user, 'complainant_name', c.complainant_name)} · " + _(
            "not identified"
        )
    phone = masking.display(user, "complainant_phone", c.complainant_phone)
    record = Record(
        complaint=c,
        title=_("Complaint record %(no)s") % {"no": c.ticket_no},
        branch=c.branch.name,
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    )
    person = lambda u: person_label(u) if u else "—"  # noqa: E731
    record.header = [
        (_("ticket number"), c.ticket_no),
        (_("Status"), str(c.get_status_display())),
        (_("Branch"), c.branch.name),
        (_("Complainant"), complainant),
        (_("Complainant phone"), phone or "—"),
        (_("Channel"), f"{c.get_channel_display()} · {_when(c.received_at)}"),
        (_("Category / topic"), f"{c.get_category_display()} · {c.get_topic_display()}"),
        (_("severity"), str(c.severity)),
        (_("group complaint"), _("Yes") if c.is_group else _("No")),
        (_("First responder"), person(c.first_responder)),
        (_("Handler"), person(c.handler)),
        (_("Description"), c.description),
    ]
    if c.claimed_compensation is not None:
        value = _("claimed") + " " + yuan(c.claimed_compensation)
        if c.compensation_approved_by_id:
            value += f" · {_('approved')} {yuan(c.approved_compensation)}"
            value += f" ({person(c.compensation_approved_by)})"
        record.header.append((_("Compensation"), value))
    record.clocks = [
        (str(spec.label), _when(getattr(c, spec.due)), _when(getattr(c, spec.done)),
         _met(getattr(c, spec.done), getattr(c, spec.met)))
        for spec in CLOCKS
    ]  # fmt: skip
    handling = [
        (_("Resolution"), c.resolution),
        (_("Feedback to the client"), c.feedback),
        (_("Root cause"), c.root_cause),
        (_("Corrective action"), c.corrective_action),
        (_("Not accepted because"), c.refused_reason),
    ]
    if c.reviewer_id:
        handling.append(
            (_("Reviewed by"), f"{person(c.reviewer)} · {_when(c.reviewed_at)} · {c.review_note}")
        )
    if c.satisfaction:
        handling.append(
            (_("Client satisfaction"), f"{c.satisfaction}/5 {c.satisfaction_comment}".strip())
        )
    record.handling = [(label, value) for label, value in handling if value]
    for e in c.events.select_related("by__staff__branch").order_by("at", "id"):
        change = (
            f"{_status(e.from_status)} → {_status(e.to_status)}"
            if e.from_status != e.to_status
            else ""
        )
        record.steps.append(
            Step(_when(e.at), person(e.by), str(EVENT_LABELS.get(e.action, e.action)),
                 change, e.note)
        )  # fmt: skip
    for a in c.attachments.select_related("uploaded_by__staff__branch").order_by("id"):
        name = a.original_name if a.file else f"{_('Recording')} {a.recording_ref}"
        record.attachments.append((name, _when(a.uploaded_at), person(a.uploaded_by),
                                   _size(a.size) if a.file else "—"))  # fmt: skip
    return record


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def record_filename(complaint: Complaint) -> str:
    return _("Complaint record %(no)s") % {"no": complaint.ticket_no} + ".pdf"


def record_pdf_log(*, user, complaint: Complaint, request=None) -> None:
    """Downloading the record is written to the access log, as other exports are."""
    from crm.models import AccessLog

    access_log_record(
        user=user, obj=complaint, field=PDF_FIELD, request=request,
        action=AccessLog.Action.EXPORT,
        object_repr=_("Complaint record %(no)s (PDF)") % {"no": complaint.ticket_no},
    )  # fmt: skip


# --- The PDF ------------------------------------------------------------------------
def record_pdf(record: Record) -> bytes:
    """The record as an A4 PDF in Chinese: title, tables, page x / y in the footer."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import KeepTogether

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11)
    heading = ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceBefore=8,
                             spaceAfter=4)  # fmt: skip
    title = ParagraphStyle("h1", parent=body, fontSize=16, leading=22, spaceAfter=2)

    def p(text, style=body):
        clean = (str(text) or "—").encode("utf-8", "replace").decode()  # no lone surrogates
        escaped = clean.replace("&", "&amp;").replace("<", "&lt;")
        return Paragraph(escaped.replace(">", "&gt;").replace("\n", "<br/>"), style)

    grid = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#adb5bd")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
    ])  # fmt: skip
    label_grid = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#adb5bd")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f3f5")),
    ])  # fmt: skip
    width = A4[0] - 36 * mm

    def pairs(rows):
        table = Table(
            [[p(k), p(v)] for k, v in rows], colWidths=[32 * mm, width - 32 * mm], splitInRow=1
        )
        table.setStyle(label_grid)
        return table

    def columns(headers, rows, widths):
        data = [[p(h, small) for h in headers]] + [[p(v, small) for v in r] for r in rows]
        table = Table(data, colWidths=[w * width for w in widths], repeatRows=1, splitInRow=1)
        table.setStyle(grid)
        return table

    def make_story() -> list:
        story = [
            p(record.title, title),
            p(f"{record.branch} · {_('Generated at')} {record.generated_at}", small),
            Spacer(1, 4 * mm),
            pairs(record.header),
            KeepTogether([p(_("Time limits"), heading), columns(
                [_("Time limit"), _("Due"), _("Done at"), _("Result")], record.clocks,
                [0.34, 0.22, 0.22, 0.22])]),
        ]  # fmt: skip
        if record.handling:
            story += [p(_("Handling and feedback"), heading), pairs(record.handling)]
        story += [p(_("Handling history"), heading)]
        story.append(
            columns(
                [_("When"), _("Done by"), _("Step"), _("Status change"), _("Note")],
                [(s.at, s.by, s.action, s.change, s.note) for s in record.steps],
                [0.15, 0.25, 0.14, 0.18, 0.28],
            )
            if record.steps
            else p(_("None."))
        )
        story += [p(_("Attachments"), heading)]
        story.append(
            columns(
                [_("File name"), _("Added"), _("Done by"), _("Size")],
                record.attachments,
                [0.36, 0.16, 0.34, 0.14],
            )
            if record.attachments
            else p(_("None."))
        )
        return story

    footer_left = f"{record.branch} · {record.title} · {_('Generated at')} {record.generated_at}"

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#495057"))
        canvas.drawString(18 * mm, 10 * mm, footer_left)
        label = _("Page %(page)d of %(pages)d") % {
            "page": doc.page, "pages": getattr(doc, "total_pages", doc.page),
        }  # fmt: skip
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, label)
        canvas.restoreState()

    def build(total: int | None) -> tuple[bytes, int]:
        """Two passes: the first counts the pages, the second writes 'page x of y'."""
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
            bottomMargin=18 * mm, title=record.title, author=record.branch,
            subject=record.complaint.ticket_no, creator="Branch CRM",
        )  # fmt: skip
        if total is not None:
            doc.total_pages = total
        doc.build(make_story(), onFirstPage=footer, onLaterPages=footer)
        return buffer.getvalue(), doc.page

    _first, pages = build(None)
    pdf, _pages = build(pages)
    return pdf
