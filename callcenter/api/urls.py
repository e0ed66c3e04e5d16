from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("callbacks", views.CallbackViewSet, basename="callback")
router.register("calls", views.CallViewSet, basename="call")
urlpatterns = router.urls
