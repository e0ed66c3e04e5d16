from django.conf import settings

from .api import is_api_request


class DefaultLanguageMiddleware:
    """Simplified Chinese unless the user chose a language with the switch (cookie).

    Branch PCs often run English browsers; the product's language should not follow the
    browser's Accept-Language header. Placed before django's LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response (settings.PERMISSIONS_POLICY): the CRM uses no
    camera, microphone, location or payment API, so no page (or injected script) may."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def _has_nul(params) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in params.lists())


class RejectNulMiddleware:
    """A NUL character in a query parameter or a posted form field answers 400:
    PostgreSQL refuses it in any text, so a value a view reads by hand could only end as a
    server error further down (found by fuzzing). Only url-encoded forms are read here:
    a multipart body (an upload) is left to its view, whose form fields refuse NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils.translation import gettext as _

        message = None
        if "\x00" in request.META.get("QUERY_STRING", "") or _has_nul(request.GET):
            message = _("The address contains a NUL character.")
        elif (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and _has_nul(request.POST)
        ):
            message = _("The form contains a NUL character.")
        if message is not None:
            from django.http import HttpResponseBadRequest, JsonResponse

            if is_api_request(request):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
