import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0011_rollups'),
    ]

    operations = [
        migrations.CreateModel(
            name='JobRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('job', models.CharField(max_length=40, verbose_name='job')),
                ('day', models.DateField(verbose_name='day')),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
            ],
            options={
                'verbose_name': 'job run',
                'verbose_name_plural': 'job runs',
                'indexes': [models.Index(condition=models.Q(('finished_at__isnull', True)), fields=['started_at'], name='job_run_unfinished')],
                'constraints': [models.UniqueConstraint(fields=('job', 'day'), name='job_run_once_a_day')],
            },
        ),
        migrations.CreateModel(
            name='JobChunk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='number')),
                ('branch_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), blank=True, null=True, size=None, verbose_name='branches')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='done at')),
                ('seconds', models.FloatField(blank=True, null=True, verbose_name='seconds')),
                ('result', models.JSONField(blank=True, default=dict, verbose_name='result')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='chunks', to='crm.jobrun', verbose_name='job run')),
            ],
            options={
                'verbose_name': 'job chunk',
                'verbose_name_plural': 'job chunks',
                'indexes': [models.Index(condition=models.Q(('done_at__isnull', True)), fields=['run'], name='job_chunk_open')],
                'constraints': [models.UniqueConstraint(fields=('run', 'number'), name='job_chunk_number_once')],
            },
        ),
    ]
