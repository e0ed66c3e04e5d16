from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("callbacks", views.CallbackViewSet, basename="callback")
router.register("calls", views.CallViewSet, basename="call")
router.register("wrap-up-codes", views.WrapUpCodeViewSet, basename="wrap-up-code")
urlpatterns = router.urls
