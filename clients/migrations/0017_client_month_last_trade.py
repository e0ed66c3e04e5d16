# ClientMonth keeps the month's last day with a trade, so that the nightly segmentation
# reads a client's last trade before this month from the months instead of every daily row.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0016_account_counts'),
    ]

    operations = [
        migrations.AddField(
            model_name='clientmonth',
            name='last_trade_on',
            field=models.DateField(blank=True, null=True, verbose_name='last trade'),
        ),
        migrations.RunSQL(
            """
            UPDATE clients_clientmonth m SET last_trade_on = x.last_trade_on
            FROM (SELECT client_id, date_trunc('month', date)::date AS month,
                         max(date) AS last_trade_on
                  FROM clients_accountsnapshot WHERE trade_count > 0 GROUP BY 1, 2) x
            WHERE m.client_id = x.client_id AND m.month = x.month
            """,
            migrations.RunSQL.noop,
        ),
    ]
