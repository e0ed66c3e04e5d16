from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("risk-assessments", views.RiskAssessmentViewSet, basename="riskassessment")
router.register("retention-cases", views.RetentionCaseViewSet, basename="retentioncase")

urlpatterns = [
    path("account-snapshots/bulk/", views.SnapshotBulkView.as_view(), name="snapshot-bulk"),
    # before the router: `clients/bulk/` is not a client's id
    path("clients/bulk/", views.ClientBulkView.as_view(), name="client-bulk"),
    path("holdings/bulk/", views.HoldingBulkView.as_view(), name="holding-bulk"),
    *router.urls,
]
