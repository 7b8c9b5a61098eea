import sys
from pathlib import Path

pytest_plugins = ["servicekit.pytest_plugin"]

# Test helpers (pdf_factory, harness) sit beside the tests; importlib mode needs them on the path.
sys.path.insert(0, str(Path(__file__).parent / "unit"))
sys.path.insert(0, str(Path(__file__).parent / "integration"))
