from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="list"),
    path("new/", views.ArticleEditView.as_view(), name="create"),
    path("<int:pk>/", views.ArticleView.as_view(), name="article"),
    path("<int:pk>/edit/", views.ArticleEditView.as_view(), name="edit"),
]
