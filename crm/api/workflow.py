"""The API side of a workflow (crm.workflow): one POST `@action` per step of its table.

    class ComplaintViewSet(...):
        def run_step(self, request, step: Action) -> Response:
            ...  # validate the body with step.serializer_class(), call the service

    add_workflow_actions(ComplaintViewSet, COMPLAINT_WORKFLOW, response=ComplaintSerializer)

gives the viewset `complaints/<pk>/<step>/` (`_` written `-`, route name
`<basename>-<step>`) for every step with `api=True`, documented in the OpenAPI schema
with the step's body serializer (none when it has no serializer).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from crm.workflow import Action, Workflow


def add_workflow_actions(viewset: type, workflow: Workflow, *, response: Any) -> None:
    """Set one `@action` per API step of `workflow` on `viewset`; each calls
    `viewset.run_step(request, step)`. Call it before the viewset is registered."""
    for step in workflow.api_actions:
        setattr(viewset, step.name, _step_action(step, response))


def _step_action(step: Action, response: Any) -> Any:
    description = f"Workflow step `{step.name}`"
    description += f": body fields {', '.join(step.fields)}." if step.fields else "."

    @extend_schema(request=step.serializer_class(), responses=response, description=description)
    def view(self, request, pk=None):
        return self.run_step(request, step)

    view.__name__ = step.name
    return action(detail=True, methods=["post"], url_path=step.url_name)(view)
