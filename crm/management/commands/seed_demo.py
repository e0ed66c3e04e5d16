"""Demo data for `make run`: idempotent, so running it again changes nothing.

The kernel seeds branches, staff and to-dos; each app adds its own demo through
`crm.demo.register_seeder` (in its registrations), so this command names no app."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from crm import rollups, services
from crm.demo import seeders
from crm.models import Branch, Notification, Role, Todo

DEMO_PASSWORD = "demo-Pass-2026"

BRANCHES = [
    ("HQ", "总部", Branch.Kind.HEADQUARTERS),
    ("BJ01", "北京朝阳门营业部", Branch.Kind.BRANCH),
    ("SH01", "上海陆家嘴营业部", Branch.Kind.BRANCH),
]

# username, family name, given name, branch, role, team
STAFF = [
    ("hq_admin", "周", "总", "HQ", Role.HQ, "经纪管理总部"),
    ("am_bj", "王", "建国", "BJ01", Role.ACCOUNT_MANAGER, "财富一组"),
    ("am_bj2", "李", "娜", "BJ01", Role.ACCOUNT_MANAGER, "财富二组"),
    ("adv_bj", "陈", "思远", "BJ01", Role.ADVISOR, "投顾组"),
    ("agent_bj", "赵", "敏", "BJ01", Role.SERVICE_AGENT, "客服中心"),
    ("bm_bj", "刘", "强", "BJ01", Role.BRANCH_MANAGER, ""),
    ("comp_bj", "孙", "婷", "BJ01", Role.COMPLIANCE, ""),
    ("am_sh", "张", "伟", "SH01", Role.ACCOUNT_MANAGER, "财富一组"),
    ("adv_sh", "黄", "磊", "SH01", Role.ADVISOR, "投顾组"),
    ("agent_sh", "吴", "静", "SH01", Role.SERVICE_AGENT, "客服中心"),
    ("bm_sh", "郑", "华", "SH01", Role.BRANCH_MANAGER, ""),
    ("comp_sh", "冯", "洁", "SH01", Role.COMPLIANCE, ""),
    # left the firm: the clients seeder gives him a few clients, then he is deactivated
    ("am_bj_left", "钱", "明", "BJ01", Role.ACCOUNT_MANAGER, "财富一组"),
    ("sys_trading", "", "交易系统", "HQ", Role.INTEGRATION, ""),
    ("sys_telephony", "", "呼叫中心系统", "BJ01", Role.INTEGRATION, ""),
]


# 工号 from the personnel system, for the people (the integration systems have none)
STAFF_NOS = {username: f"E{1001 + i}" for i, (username, *_rest) in enumerate(STAFF)
             if not username.startswith("sys_")}  # fmt: skip


class Command(BaseCommand):
    help = "Load the demo branches, users and sample work (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = self.seed_kernel()
            self.seed_todos(users)
        for _order, name, seeder in seeders():
            with transaction.atomic():
                seeder(users, self.stdout)
            self.stdout.write(f"  {name}: ok")
        # the dashboards' monthly rollups of the demo's history (crm/rollups.py)
        today = timezone.localdate()
        rollups.refresh(date(today.year - 2, today.month, 1), today)
        self.stdout.write("  rollups: ok")
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def seed_kernel(self) -> dict:
        user_model = get_user_model()
        branches = {}
        for code, name, kind in BRANCHES:
            branches[code], _ = Branch.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind}
            )
        users = {}
        for username, last, first, code, role, team in STAFF:
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.example",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                if role == Role.HQ:
                    user.is_staff = user.is_superuser = True
                user.save()
            profile = services.staff_assign(user=user, branch=branches[code], role=role, team=team)
            if username in STAFF_NOS and not profile.staff_no:
                profile.staff_no = STAFF_NOS[username]
                profile.save(update_fields=["staff_no"])
            users[username] = user
        return users

    def seed_todos(self, users) -> None:
        if Todo.objects.exists():
            return
        now = timezone.now()
        samples = [
            ("am_bj", "bm_bj", "整理本周重点客户拜访名单", now + timedelta(hours=3)),
            ("am_bj", "am_bj", "准备周三大中户交流会材料", now + timedelta(days=2)),
            ("am_bj", "bm_bj", "补齐新开户客户档案", now - timedelta(hours=5)),
            ("agent_bj", "bm_bj", "核对上月回访记录抽检结果", now + timedelta(days=1)),
            ("am_sh", "bm_sh", "跟进流失预警客户", now - timedelta(days=1)),
        ]
        for assignee, creator, title, due in samples:
            services.todo_create(
                created_by=users[creator], assignee=users[assignee], title=title, due_at=due
            )
        services.notify(
            users=[users["am_bj"], users["bm_bj"]],
            title="欢迎使用营业部客户关系管理系统",
            body="工作台列出今天到期和已逾期的事项。",
            level=Notification.Level.INFO,
        )
