from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("opinions", views.OpinionViewSet, basename="opinion")
urlpatterns = router.urls
