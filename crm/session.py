import time

TOUCH_EVERY_SECONDS = 300


class SessionActivityMiddleware:
    """Expiry after inactivity without a session write on every request: the session is
    saved (and its expiry pushed back) at most once every five minutes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get("_active", 0) > TOUCH_EVERY_SECONDS:
                session["_active"] = now
        return self.get_response(request)


def mark_active_on_login(sender, request, user, **kwargs) -> None:
    """Logging in counts as activity, so the first page after it writes nothing."""
    if request is not None and hasattr(request, "session"):
        request.session["_active"] = int(time.time())
