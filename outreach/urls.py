from django.urls import path

from . import views

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
]
