"""The kernel's pages, one module per section; crm/urls.py and config/urls.py name them.

The apps' pages stand on `StaffRequiredMixin`, handed on here from `base`.
"""

from .base import StaffRequiredMixin, paginate

__all__ = ["StaffRequiredMixin", "paginate"]
