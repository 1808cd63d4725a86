"""Routes are matched one after the other, in the order of `app.ROUTERS` (the busiest first,
for speed): that order must decide nothing, so no two routes may answer the same method and
path."""

import re

from fastapi.routing import APIRoute
from starlette.routing import compile_path

from partnerfleet_backend.app import PAGES, ROUTERS


def test_no_two_routes_answer_the_same_request() -> None:
    routes = [
        (router.prefix + route.path, method, route.name)
        for router in (*ROUTERS, *PAGES)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    ]
    assert len(routes) > 80
    patterns = [(compile_path(path)[0], method, name) for path, method, name in routes]
    for path, method, name in routes:
        # a path the route answers: each parameter a plain value (and a literal segment of
        # another route's path would be such a value too)
        concrete = re.sub(r"\{[^}]+\}", "x1", path)
        answering = [n for pattern, m, n in patterns if m == method and pattern.match(concrete)]
        assert answering == [name], (method, path, answering)
