# Enterprise webhooks: Standard Webhooks signing (requirements/webhooks.txt).
PIP_REQUIREMENTS += requirements/webhooks.txt
