from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("visit-plans", views.VisitPlanViewSet, basename="visitplan")
router.register("consultations", views.ConsultationViewSet, basename="consultation")
router.register("events", views.EventViewSet, basename="event")
router.register("advised-products", views.AdvisedProductViewSet, basename="advisedproduct")
urlpatterns = router.urls
