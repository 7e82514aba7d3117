"""OpenAPI post-processing (issue 21): what a generated client needs to live with the API.

- Every operation lists the status codes it can return, each error with a typed body:
  400 `ValidationError` (field -> messages, or `detail` with the unknown parameters),
  401/403/404/405/406/429 `ErrorDetail` (`{"detail": "..."}`); 412 on edits of versioned
  rows, 409 on writes (a uniqueness race), 304 on the conditional GETs of lists.
- Reads (GET/HEAD) declare anonymous access (`security: []`: no credentials needed;
  a token still counts, for the higher researcher rate limit). Generated clients then
  call them with a plain client (openapi-python-client treats any non-empty list,
  even `[{}, …]`, as "needs credentials"). Writes keep the token/session requirement.
"""

ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "An error: what went wrong, in words.",
}
VALIDATION_ERROR = {
    "type": "object",
    "description": ("Invalid input: each field (or `detail`, `non_field_errors`) with its "
                    "messages; an unknown query parameter also gets `unknown_parameters` "
                    "and `valid_parameters`."),
    "properties": {
        "detail": {"type": "string"},
        "unknown_parameters": {"type": "array", "items": {"type": "string"}},
        "valid_parameters": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {},
}
# Lists without pages (states, cycles, sessions, themes, sdgs, affected groups,
# deadlines) accept the paging parameters of the other lists (core.filters): documented
# on every GET whose answer is a JSON array (exports aside), and on operations that ask
# with the extension `x-unpaged-list` (a list inside an object: deadlines).
UNPAGED_MARK = "x-unpaged-list"
UNPAGED_LIST_PARAMETERS = [
    {"name": "page", "in": "query", "required": False,
     "description": "Every row is on page 1; any other page is a 404.",
     "schema": {"type": "integer", "minimum": 1}},
    {"name": "page_size", "in": "query", "required": False,
     "description": "Accepted as on the paged lists (1–1000); every row is returned.",
     "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "Accepted as on the paged lists; every row is on the one page.",
     "schema": {"type": "string"}},
]
PUBLIC: list = []
READS = ("get", "head")
WRITES = ("post", "put", "patch", "delete")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str, name: str = "ErrorDetail", headers: dict | None = None) -> dict:
    out = {"description": description, "content": {"application/json": {"schema": _ref(name)}}}
    if headers:
        out["headers"] = headers
    return out


RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"},
                               "description": "Seconds to wait before trying again"}}


def _is_unpaged_list(path: str, operation: dict) -> bool:
    if operation.pop(UNPAGED_MARK, False):
        return True
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    return schema.get("type") == "array" and "{" not in path and "/export/" not in path


def add_unpaged_list_parameters(operation: dict) -> None:
    parameters = operation.setdefault("parameters", [])
    known = {(p.get("name"), p.get("in")) for p in parameters}
    parameters += [dict(p) for p in UNPAGED_LIST_PARAMETERS
                   if (p["name"], p["in"]) not in known]


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", ERROR_DETAIL)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in (*READS, *WRITES):
                continue
            if method == "get" and _is_unpaged_list(path, operation):
                add_unpaged_list_parameters(operation)
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", _error("Invalid parameters or body", "ValidationError"))
            responses.setdefault("404", _error("Not found"))
            responses.setdefault("405", _error("Method not allowed"))
            responses.setdefault("406", _error("No acceptable format"))
            responses.setdefault("429", _error("Too many requests (rate limit)",
                                               headers=RETRY_AFTER))
            if method in READS:
                operation["security"] = PUBLIC
                responses.setdefault("401", _error("Bad credentials (reads need none)"))
                responses.setdefault("403", _error("Forbidden"))
                if "{" not in path and path.endswith("/recommendations/"):
                    responses.setdefault("304", {"description": "Not modified (ETag)"})
            else:
                responses.setdefault("401", _error("Authentication required"))
                responses.setdefault("403", _error("Your role may not do this"))
                responses.setdefault("409", _error("Conflicts with an existing record"))
                if method in ("put", "patch"):
                    responses.setdefault("412", _error("Stale version (If-Match)"))
    return result
