"""The partner API's interactive documentation, in a real browser."""


def test_the_api_docs_run_under_the_sites_security_policy(visitor):
    """Swagger UI from the package's own files, no CDN, nothing the
    Content-Security-Policy blocks (a blocked script or style is a console error)."""
    page = visitor.page
    outside = []
    page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None)
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)
    assert "recommendations" in page.locator(".swagger-ui").inner_text().lower()
    assert outside == []
    assert visitor.console_errors == []
