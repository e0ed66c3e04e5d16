from django.urls import path

from . import callbacks, views

app_name = "outreach"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # the SMS providers' push callbacks (shared secret, no session): outreach/callbacks.py
    path(
        "callbacks/<str:provider>/receipts/",
        callbacks.ReceiptsCallback.as_view(),
        name="callback-receipts",
    ),
    path(
        "callbacks/<str:provider>/replies/",
        callbacks.RepliesCallback.as_view(),
        name="callback-replies",
    ),
]
