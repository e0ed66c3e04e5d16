"""What a service refuses with besides Django's ValidationError and PermissionDenied."""

from __future__ import annotations


class TransitionNotAllowed(Exception):
    """A step that the object's current state does not allow (HTTP 409)."""


class ConcurrentUpdate(TransitionNotAllowed):
    """Someone else saved the record since the caller read it: a stale `version` (HTTP 412).

    A kind of TransitionNotAllowed, so that a page that shows a refused step also shows
    this one; the API tells them apart (412 here, 409 for a step the state forbids)."""


def check_version(locked, version, message: str) -> None:
    """Refuse a stale version; `locked` is the row read with select_for_update, so that no
    other save can slip in between this check and the caller's save."""
    if version is not None and int(version) != locked.version:
        raise ConcurrentUpdate(message)
