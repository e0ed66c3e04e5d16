"""The OpenAPI schema tells the whole truth: besides its success, every operation lists
the errors it can answer (all JSON, see `exceptions.py`) and, on versioned resources,
the ETag / If-Match contract. Checked by the fuzz test (tests/security/test_fuzz.py)."""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .concurrency import VersionedMixin

WRITES = ("POST", "PUT", "PATCH", "DELETE")
DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
VALIDATION = {
    "type": "object",
    "description": "A list of messages per field (`non_field_errors` for the whole "
    "request), nested objects for nested fields and rows; or `detail` for a body that is "
    "not JSON.",
    "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}]},
    "minProperties": 1,
}
DESCRIPTIONS = {
    "400": _("Invalid input: messages per field."),
    "401": _("No valid token or session."),
    "403": _("Your role may not do this."),
    "404": _("No such record, or outside your scope; or an invalid page or cursor."),
    "409": _("The record's state does not allow this step."),
    "412": _(
        "The record changed since you read it (stale If-Match or version); nothing "
        "was changed. Reload it and try again."
    ),
    "415": _("Send JSON."),
    "429": _("Too many requests; wait and retry."),
}
ETAG_HEADER = {
    "schema": {"type": "string", "pattern": r'^"[0-9]+"$'},
    "description": _('The record\'s version, e.g. "3": send it back in If-Match to save.'),
    "required": True,
}
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False,
    description=_('The ETag you read, e.g. "3" (W/"3" is accepted too): if the record '
                  "changed since, the answer is 412 and nothing changes. `*` or no header: "
                  "not checked."),
)  # fmt: skip


def _model_field(field):
    meta = getattr(getattr(field, "parent", None), "Meta", None)
    model = getattr(meta, "model", None)
    if model is None or not field.source or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


def truthful(field):
    """DRF drops `allow_blank` from read-only fields, and `default=None` on a dotted source
    answers null without `allow_null`: say what the responses really hold."""
    blank = (
        isinstance(field, serializers.ChoiceField)
        and field.read_only
        and not field.allow_blank
        and getattr(_model_field(field), "blank", False)
    )
    null = field.default is None and not field.allow_null
    if not (blank or null):
        return field
    field = copy.copy(field)
    if blank:
        field.allow_blank = True
    if null:
        field.allow_null = True
    return field


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        return super()._map_serializer_field(truthful(field), direction, bypass_extensions)

    def _versioned_write(self) -> bool:
        return isinstance(self.view, VersionedMixin) and (
            self.method in ("PUT", "PATCH") or (self.method == "POST" and "{" in self.path)
        )

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._versioned_write():
            parameters.append(IF_MATCH)
        return parameters

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        has_query = bool(self._get_filter_parameters() or self._get_pagination_parameters())
        if self.method in WRITES or has_query or self.get_override_parameters():
            codes.append("400")
        if "{" in self.path or self._get_pagination_parameters():
            codes.append("404")
        if self.method in WRITES:
            codes += ["409", "415"]
        if self._versioned_write():
            codes.append("412")
        return codes

    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if self._carries_version():
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("headers", {})["ETag"] = ETAG_HEADER
        detail = self._component("ErrorDetail", DETAIL)
        validation = self._component("ValidationErrors", VALIDATION)
        for code in self._error_codes():
            schema = validation if code == "400" else detail
            if code in responses:  # declared by the view (e.g. a bulk result): either shape
                declared = responses[code].get("content", {}).get("application/json", {})
                if "schema" in declared:
                    declared["schema"] = {"anyOf": [declared["schema"], schema]}
                continue
            responses[code] = {
                "description": str(DESCRIPTIONS[code]),
                "content": {"application/json": {"schema": schema}},
            }
        return responses

    def _carries_version(self) -> bool:
        if not isinstance(self.view, VersionedMixin):
            return False
        serializer = self.get_response_serializers()
        fields = getattr(serializer, "fields", None)
        return bool(fields) and "version" in fields and not self._is_list_view(serializer)
