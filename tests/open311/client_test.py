#!/usr/bin/env python3
"""Checks Tongxin's Open311 GeoReport v2 endpoint with a real client from PyPI.

Usage: client_test.py BASE_URL API_KEY
    BASE_URL  the endpoint, e.g. http://127.0.0.1:8080/open311/v2
    API_KEY   a key issued to an Open311 client

Uses the `georeport` package (pip install georeport==0.3.1) in both of its output formats
(JSON, and XML read through xmltodict) to list services, read a service definition, fetch
a request by id and list requests. georeport 0.3.1 cannot create requests, so the request is
posted with `requests` (georeport's own HTTP library) exactly as the spec describes: an
application/x-www-form-urlencoded body. Exits non-zero on the first failed check.

The request is placed inside grid A1 of the test fixture (crates/web/tests/support).
"""

import sys

import requests
from georeport import GeoReport

LAT, LONG = 29.0895, 119.6605
DESCRIPTION = "小区门口井盖缺失 <危险> & 夜间无照明"

checks = 0


def check(condition, what):
    global checks
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


def as_list(value):
    """xmltodict gives a dict for a single child element and a list for several."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    base, key = sys.argv[1].rstrip("/"), sys.argv[2]
    client = GeoReport(base, api_key=key)
    xml_client = GeoReport(base, api_key=key, output_format="xml")

    # GET services, both formats.
    services = client.get_service_list()
    check(isinstance(services, list) and len(services) > 0, "services.json is a non-empty list")
    check(all(isinstance(s["service_code"], str) for s in services), "service codes are strings")
    noise = [s for s in services if s["service_code"] == "city.noise"]
    check(len(noise) == 1, "city.noise is offered")
    noise = noise[0]
    check(noise["service_name"] == "噪音扰民", f"service_name: {noise['service_name']!r}")
    check(noise["group"] == "城市管理", f"group: {noise['group']!r}")
    check(noise["metadata"] is False, "metadata is the boolean false")
    check(noise["type"] == "realtime", "type realtime")
    xml_services = as_list(xml_client.get_service_list())
    check(
        [s["service_code"] for s in xml_services] == [s["service_code"] for s in services],
        "services.xml lists the same services in the same order",
    )
    check(
        all(s["metadata"] == "false" and s["type"] == "realtime" for s in xml_services),
        "XML metadata/type",
    )

    # GET a service definition.
    definition = client.get_service_definition("city.noise")
    check(definition == {"service_code": "city.noise", "attributes": []}, f"definition: {definition!r}")
    xml_definition = xml_client.get_service_definition("city.noise")
    check(xml_definition["service_code"] == "city.noise", f"XML definition: {xml_definition!r}")

    # POST a request (form-encoded, as the spec says); first without a key.
    fields = {
        "service_code": "city.manhole",
        "lat": str(LAT),
        "long": str(LONG),
        "description": DESCRIPTION,
        "first_name": "三",
        "last_name": "张",
        "phone": "13912345678",
        "email": "zhang@example.cn",
    }
    denied = requests.post(f"{base}/requests.json", data=fields, timeout=30)
    check(denied.status_code == 403, f"no api_key: HTTP {denied.status_code}")
    errors = denied.json()
    check(isinstance(errors, list) and errors[0]["code"] == 403, f"error list: {errors!r}")
    created = requests.post(f"{base}/requests.json", data={"api_key": key, **fields}, timeout=30)
    check(created.status_code == 200, f"POST requests.json: HTTP {created.status_code} {created.text}")
    created = created.json()
    check(isinstance(created, list) and len(created) == 1, "POST answers a list of one")
    request_id = created[0]["service_request_id"]
    check(isinstance(request_id, str) and request_id.startswith("TX"), f"service_request_id: {request_id!r}")
    check(bool(created[0]["service_notice"]), "service_notice present")
    check("token" not in created[0], "no token: the request id is immediate")

    # GET the request back, both formats.
    one = client.get_service_request(request_id)
    check(one["service_request_id"] == request_id, "GET requests/{id}.json id")
    check(one["status"] == "open", f"status: {one['status']!r}")
    check(one["service_code"] == "city.manhole", "service_code")
    check(one["service_name"] == "井盖缺失", f"service_name: {one['service_name']!r}")
    check(one["description"] == DESCRIPTION, f"description: {one['description']!r}")
    # Published locations are coarsened to three decimals (~100 m; issue 9 item 8).
    check(abs(one["lat"] - LAT) <= 0.0006 and abs(one["long"] - LONG) <= 0.0006, "lat/long near the report")
    check(round(one["lat"], 3) == one["lat"] and round(one["long"], 3) == one["long"], "lat/long coarsened")
    check(one["requested_datetime"].endswith("+08:00"), f"requested_datetime: {one['requested_datetime']!r}")
    check("张" not in str(one) and "13912345678" not in str(one), "no personal data shown")
    xml_one = xml_client.get_service_request(request_id)
    check(isinstance(xml_one, dict), "XML: one request element")
    check(xml_one["service_request_id"] == request_id, "XML id")
    check(xml_one["description"] == DESCRIPTION, f"XML description (escaped <&>): {xml_one['description']!r}")
    check(float(xml_one["lat"]) == one["lat"] and float(xml_one["long"]) == one["long"], "XML lat/long as in JSON")
    check(xml_one["requested_datetime"] == one["requested_datetime"], "XML requested_datetime")

    # GET requests: the default window, an id list, filters, both formats.
    listed = client.get_service_requests()
    check(request_id in [r["service_request_id"] for r in listed], "the new request is in the last 90 days")
    by_id = client.get_service_requests(service_request_id=f"{request_id},TX20000101-000001")
    check([r["service_request_id"] for r in by_id] == [request_id], "service_request_id filter")
    by_code = client.get_service_requests(service_code="city.manhole,city.noise", status="open")
    check(request_id in [r["service_request_id"] for r in by_code], "service_code + status filter")
    closed = client.get_service_requests(status="closed")
    check(request_id not in [r["service_request_id"] for r in closed], "status=closed excludes it")
    other = client.get_service_requests(service_code="city.noise")
    check(request_id not in [r["service_request_id"] for r in other], "another service_code excludes it")
    xml_listed = as_list(xml_client.get_service_requests(service_request_id=request_id))
    check([r["service_request_id"] for r in xml_listed] == [request_id], "XML requests listing")

    print(f"georeport client: {checks} checks passed against {base}")


if __name__ == "__main__":
    main()
