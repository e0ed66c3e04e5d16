from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("messages", views.MessageViewSet, basename="message")
router.register("message-templates", views.MessageTemplateViewSet, basename="messagetemplate")
urlpatterns = router.urls
