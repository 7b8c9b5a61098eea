"""Make the integration helpers importable (pytest runs with --import-mode=importlib)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
# the unit tests' document factories and validator helpers (pdftoppm, pdfsig, zbar)
sys.path.append(str(Path(__file__).parents[1] / "unit"))
