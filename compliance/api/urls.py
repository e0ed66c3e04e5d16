from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("compliance-cases", views.ComplianceCaseViewSet, basename="compliancecase")
urlpatterns = router.urls
