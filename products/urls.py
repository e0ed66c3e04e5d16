from django.urls import path

from . import views
from .pickers import ProductPickView

app_name = "products"

urlpatterns = [
    path("", views.CatalogueView.as_view(), name="catalogue"),
    path("new/", views.CreateView.as_view(), name="create"),
    path("pick/", ProductPickView.as_view(), name="pick"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EditView.as_view(), name="edit"),
]
