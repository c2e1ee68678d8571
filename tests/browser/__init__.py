"""Browser tests (marker ``browser``): headless Debian chromium driven by Playwright against a real server."""
