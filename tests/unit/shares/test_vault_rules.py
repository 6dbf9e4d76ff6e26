"""VideoNFT / VideoVault / VideoVaultFactory rules, one behaviour per test, on titanoboa."""

from __future__ import annotations

import boa
from conftest_helpers import *  # noqa: F403  (placeholder, replaced below)
