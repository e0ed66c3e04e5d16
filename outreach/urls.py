from django.urls import path

from . import callbacks, views

app_name = "outreach"

urlpatterns = [
    path("", views.MessageListView.as_view(), name="messages"),
    path("messages/<int:pk>/", views.MessageDetailView.as_view(), name="message-detail"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/new/", views.TemplateFormView.as_view(), name="template-create"),
    path("templates/<int:pk>/", views.TemplateFormView.as_view(), name="template-edit"),
    path("send/<int:pk>/", views.SendView.as_view(), name="send"),
    path("clients/<int:pk>/messages/", views.ClientMessagesView.as_view(), name="client-messages"),
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
