from django.conf import settings


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
