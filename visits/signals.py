from django.dispatch import Signal

# sent after commit with plan=<VisitPlan>, record=<VisitRecord>
visit_completed = Signal()
