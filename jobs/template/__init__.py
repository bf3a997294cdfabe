"""The CloudFormation template of one stage: every resource qungov runs on, one module per
resource kind (storage, queues, functions with their roles, the portal's API, alarms,
outputs).

Plain CloudFormation, not SAM: every function gets its own role, ARNs are built from
`${AWS::Partition}` (AWS China is `aws-cn`) and the stack's own resources, and the same
template stands up on moto in the tests. The functions, their schedules and queues come
from the Chalice app (app.py); their memory and timeouts from `.chalice/config.json`; the
names from chalicelib/core/settings.py; what each function may do from `roles.ACCESS`."""

from __future__ import annotations

from chalicelib.core.settings import resource_names
from jobs.template.alarms import alarm_topic, held_findings_alarm
from jobs.template.api import portal_api
from jobs.template.common import ROOT, Json, logical, parameters
from jobs.template.functions import RUNTIME, function_resources, functions
from jobs.template.mail import (
    MAIL_PROVIDERS,
    SES_CONDITIONS,
    SES_PARAMETERS,
    SMTP_PARAMETERS,
    mail_events_queue,
    ses,
)
from jobs.template.outputs import outputs
from jobs.template.queues import MAX_RECEIVES, queues, visibility_timeout
from jobs.template.roles import ACCESS
from jobs.template.storage import storage

__all__ = [
    "ACCESS",
    "MAX_RECEIVES",
    "ROOT",
    "RUNTIME",
    "build_template",
    "functions",
    "visibility_timeout",
]


def build_template(
    stage: str, code: Json | str, *, event_mappings: bool = True, mail: str = "ses"
) -> Json:
    """The template of `stage`. `code` is the functions' Code: a local zip path (for `aws
    cloudformation package`) or an S3 location. Without `event_mappings` the queues feed
    no function (a test drives the handlers itself). `mail`: `ses`, or `smtp` for a region
    without SES (its template names no SES resource)."""
    if mail not in MAIL_PROVIDERS:
        raise ValueError(f"mail provider {mail!r} is not one of {', '.join(MAIL_PROVIDERS)}")
    names = resource_names(stage)
    resources: Json = {
        **storage(names),
        **queues(names),
        **alarm_topic(stage, mail),
        **mail_events_queue(names),
        **(ses(names) if mail == "ses" else {}),
        **held_findings_alarm(),
    }
    function_outputs: Json = {}
    for function in functions(stage):
        resources.update(function_resources(stage, function, code, event_mappings, mail))
        if function.api:
            resources.update(portal_api(stage))
        function_outputs[f"{logical(function.name)}Function"] = {
            "Description": f"the {function.name} Lambda function",
            "Value": {"Ref": f"{logical(function.name)}Function"},
        }
    with_ses = mail == "ses"
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"qungov ({stage}): chat-group compliance checks on AWS Lambda",
        "Parameters": {**parameters(), **(SES_PARAMETERS if with_ses else SMTP_PARAMETERS)},
        **({"Conditions": SES_CONDITIONS} if with_ses else {}),
        "Resources": resources,
        "Outputs": {**outputs(stage, mail), **function_outputs},
    }
