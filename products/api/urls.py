from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("products", views.ProductViewSet, basename="product")
# before the router: `products/bulk/` is not a product's id
urlpatterns = [path("products/bulk/", views.ProductBulkView.as_view(), name="product-bulk"),
               *router.urls]  # fmt: skip
