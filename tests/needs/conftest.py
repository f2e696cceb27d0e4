import pytest


@pytest.fixture
def idva(demo_data):
    """The demo IDVA needs assessment on the published 2024/25 IDVA's line (£675,814), with illustrative figures."""
    from needs import demo

    return demo.load()
