def is_api_request(request) -> bool:
    """A request to the REST API: its answers, errors included, are JSON."""
    return request.path_info.startswith("/api/")
