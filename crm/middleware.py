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
