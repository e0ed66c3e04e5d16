"""The kernel's pages, one module per section; crm/urls.py and config/urls.py name them.

The apps' pages stand on `StaffRequiredMixin` (lists on `TableListView`), handed on here
from `base`.
"""

from .base import StaffRequiredMixin, TableListView, paginate

__all__ = ["StaffRequiredMixin", "TableListView", "paginate"]
