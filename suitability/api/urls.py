from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("aml-ratings", views.AmlRatingViewSet, basename="amlrating")
urlpatterns = router.urls
