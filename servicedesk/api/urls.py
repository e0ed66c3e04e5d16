from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("service-requests", views.ServiceRequestViewSet, basename="servicerequest")
router.register("service-categories", views.ServiceCategoryViewSet, basename="servicecategory")
urlpatterns = router.urls
