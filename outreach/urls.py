from django.urls import path

from . import callbacks, views

app_name = "outreach"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # the SMS providers' push callbacks (shared secret, no session): outreach/callbacks.py;
    # one literal path per provider (reverse with kwargs={"provider": "aliyun"})
    *(
        path(
            f"callbacks/{provider}/receipts/",
            callbacks.ReceiptsCallback.as_view(),
            {"provider": provider},
            name="callback-receipts",
        )
        for provider in callbacks.PROVIDERS
    ),
    *(
        path(
            f"callbacks/{provider}/replies/",
            callbacks.RepliesCallback.as_view(),
            {"provider": provider},
            name="callback-replies",
        )
        for provider in callbacks.PROVIDERS
    ),
]
