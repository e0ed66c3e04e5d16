from django import template

from clients import masking

register = template.Library()
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_id", masking.mask_id)
register.filter("mask_name", masking.mask_name)
