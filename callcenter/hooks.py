"""What other apps may run when the call center does something, without the call center
importing them (they sit above it): each registers a handler at start-up.

`callback_completed`: handlers `handler(form=RegistrationForm, user=User)`, run in the
transaction that saves the registration form of a completed callback (so what they write
exists exactly when the form does; an exception rolls the completion back). Compliance
opens a case from a red-flag answer there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

callback_completed: list[Callable[..., Any]] = []


def on_callback_completed(handler: Callable[..., Any]) -> None:
    if handler not in callback_completed:
        callback_completed.append(handler)


def run_callback_completed(*, form, user) -> None:
    for handler in callback_completed:
        handler(form=form, user=user)
