"""The complaint record as a print page and as a PDF download (complaints/record.py)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views import View

from crm.exports import as_attachment
from crm.views import StaffRequiredMixin

from . import selectors
from .record import complaint_record, record_filename, record_pdf, record_pdf_log, record_queryset


class RecordMixin(StaffRequiredMixin):
    def get_record(self, pk):
        complaint = get_object_or_404(record_queryset(selectors.desk(self.request.user)), pk=pk)
        return complaint_record(self.request.user, complaint)


class ComplaintPrintView(RecordMixin, View):
    """The whole file on one page for the printer: no navbar, print CSS."""

    def get(self, request, pk):
        return render(request, "complaints/record_print.html", {"record": self.get_record(pk)})


class ComplaintPdfView(RecordMixin, View):
    """The same record as a PDF (投诉档案 <ticket>.pdf), logged in the access log."""

    def get(self, request, pk):
        record = self.get_record(pk)
        response = HttpResponse(record_pdf(record), content_type="application/pdf")
        record_pdf_log(user=request.user, complaint=record.complaint, request=request)
        return as_attachment(response, record_filename(record.complaint))
