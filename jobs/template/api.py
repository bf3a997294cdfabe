"""The portal's front door: a regional REST API (API Gateway) whose every path and method
goes to the portal function (`app.app`, the Chalice app object, reads API Gateway's proxy
events and routes them itself), deployed as the stage `api` with a throttle.

Request size: API Gateway's payload limit is fixed at 10 MB and cannot be lowered here; the
app refuses a form body over 16 KB itself (chalicelib/portal/forms.py, MAX_FORM_BYTES), and
files never pass through the API: the browser posts them straight to the bucket (a presigned
POST, whose policy bounds the size)."""

from __future__ import annotations

import hashlib
import json

from jobs.handlers import API_FUNCTION
from jobs.template.alarms import alarm
from jobs.template.common import Json, arn, logical

API = "PortalApi"
FUNCTION = f"{logical(API_FUNCTION)}Function"  # PortalFunction
STAGE_NAME = "api"  # the first segment of every URL path
ROUTES = "portal/"  # app.py's routes are /portal/…
# What the stage lets through, for every method of every path: the portal serves a
# college's secretaries and offices, a few at a time; more is a script or a loop.
THROTTLING_BURST_LIMIT = 20  # requests at once
THROTTLING_RATE_LIMIT = 10  # requests per second, sustained
# Fn::Sub of the portal's own URL, ending in `/`: every function's PORTAL_URL (the links
# the emails carry) and the stack's PortalUrl output.
PORTAL_URL = (
    f"https://${{{API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{STAGE_NAME}/{ROUTES}"
)


def portal_api(stage: str) -> Json:
    """The REST API, its two ANY methods (the root and `{proxy+}`), a deployment, the stage
    with its throttle, the permission for this API's stage to invoke the function, and an
    alarm on the API's 5XX answers."""
    integration = {
        "Type": "AWS_PROXY",
        "IntegrationHttpMethod": "POST",  # Lambda is invoked by POST, whatever the method
        "Uri": arn(
            "apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
            f"${{{FUNCTION}.Arn}}/invocations"
        ),
    }
    methods: Json = {
        f"{API}{where}Method": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": API},
                "ResourceId": resource,
                "HttpMethod": "ANY",
                "AuthorizationType": "NONE",  # the app checks its signed links and sessions
                "Integration": integration,
            },
        }
        for where, resource in (
            ("Root", {"Fn::GetAtt": [API, "RootResourceId"]}),
            ("Proxy", {"Ref": f"{API}ProxyResource"}),
        )
    }
    # A deployment is a snapshot: CloudFormation makes a new one only under a new logical
    # id, so the id carries a digest of what it deploys (as SAM does).
    digest = hashlib.sha256(json.dumps(methods, sort_keys=True).encode()).hexdigest()[:10]
    deployment = f"{API}Deployment{digest}"
    return {
        API: {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {
                "Name": f"qungov-{stage}",
                "Description": f"qungov ({stage}): the portal of units and offices",
                "EndpointConfiguration": {"Types": ["REGIONAL"]},
            },
        },
        f"{API}ProxyResource": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": {"Ref": API},
                "ParentId": {"Fn::GetAtt": [API, "RootResourceId"]},
                "PathPart": "{proxy+}",
            },
        },
        **methods,
        deployment: {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": sorted(methods),
            "Properties": {"RestApiId": {"Ref": API}},
        },
        f"{API}Stage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": API},
                "DeploymentId": {"Ref": deployment},
                "StageName": STAGE_NAME,
                "MethodSettings": [
                    {
                        "ResourcePath": "/*",
                        "HttpMethod": "*",
                        "ThrottlingBurstLimit": THROTTLING_BURST_LIMIT,
                        "ThrottlingRateLimit": THROTTLING_RATE_LIMIT,
                    }
                ],
            },
        },
        f"{API}InvokePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": FUNCTION},
                "Principal": "apigateway.amazonaws.com",
                # this API's stage only, any method and path
                "SourceArn": arn(
                    f"execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{API}}}/{STAGE_NAME}/*"
                ),
            },
        },
        # Chalice answers a route's exception with a 500 (the function itself succeeds, so
        # its Errors alarm does not see it): the API's 5XX count does, and Lambda's failures
        # (502) too.
        f"{API}ServerErrorsAlarm": alarm(
            "the portal answered with a server error: see the portal function's log group",
            "AWS/ApiGateway",
            "5XXError",
            {"ApiName": f"qungov-{stage}", "Stage": STAGE_NAME},
            period=300,
        ),
    }


def portal_outputs() -> Json:
    return {
        "PortalUrl": {
            "Description": "the portal (the links in the emails open under it)",
            "Value": {"Fn::Sub": PORTAL_URL},
        },
        "PortalApiId": {"Description": "the portal's REST API", "Value": {"Ref": API}},
    }
