"""Letters settings (`LETTERS_*`)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import field_validator
from pydantic_settings import SettingsConfigDict
from servicekit.config import ServiceSettings

from .adapters.previews import MAX_DPI, MIN_DPI
from .domain.case_serial import DEFAULT_CASE_SERIAL_PATTERN, compile_case_serial_pattern
from .domain.numbering import (
    DEFAULT_LETTER_TYPES,
    DEFAULT_NUMBER_PATTERN,
    LetterTypeConfig,
    validate_letter_types,
    validate_pattern,
)

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


class Settings(ServiceSettings):
    """Settings of the letters service."""

    model_config = SettingsConfigDict(env_prefix="LETTERS_", extra="ignore")

    service_name: str = "letters"
    port: int = 8104
    font_path: Path = Path(DEFAULT_FONT_PATH)
    firm_name: str = "北京某某律师事务所"
    firm_address: str = "北京市朝阳区建国路88号"
    firm_phone: str = "010-88886666"
    firm_letterhead_note: str | None = None
    number_pattern: str = DEFAULT_NUMBER_PATTERN
    number_prefix: str = "某律"
    # JSON list of {"code", "name_zh", "name_en"} in the environment
    letter_types: tuple[LetterTypeConfig, ...] = DEFAULT_LETTER_TYPES
    case_serial_pattern: str = DEFAULT_CASE_SERIAL_PATTERN
    share_ttl_hours: int = 7 * 24
    timezone: str = "Asia/Shanghai"
    preview_dpi: int = 100
    # a page that takes pdftoppm longer is answered 503 preview_unavailable, not waited for
    page_image_timeout_s: float = 20
    # disk for page images under data_dir/page-images; the least recently used go first
    page_image_cache_mb: int = 256

    @field_validator("number_pattern")
    @classmethod
    def _number_pattern(cls, value: str) -> str:
        return validate_pattern(value)

    @field_validator("case_serial_pattern")
    @classmethod
    def _case_serial_pattern(cls, value: str) -> str:
        compile_case_serial_pattern(value)
        return value

    @field_validator("letter_types", mode="before")
    @classmethod
    def _letter_types(cls, value: Any) -> tuple[LetterTypeConfig, ...]:
        if isinstance(value, str):
            value = json.loads(value)
        items = [v if isinstance(v, LetterTypeConfig) else LetterTypeConfig(**v) for v in value]
        return validate_letter_types(items)

    @field_validator("share_ttl_hours")
    @classmethod
    def _ttl(cls, value: int) -> int:
        if value < 1:
            raise ValueError("share link TTL must be at least one hour")
        return value

    @field_validator("preview_dpi")
    @classmethod
    def _dpi(cls, value: int) -> int:
        if not MIN_DPI <= value <= MAX_DPI:
            raise ValueError(f"preview_dpi must be between {MIN_DPI} and {MAX_DPI}")
        return value

    @property
    def page_image_dir(self) -> Path:
        """Return where page images are cached."""
        return self.data_dir / "page-images"

    def check_font(self) -> None:
        """Refuse to run without the letter font: letters would print as empty boxes."""
        if not self.font_path.is_file():
            raise RuntimeError(
                f"letter font not found at {self.font_path}: install fonts-wqy-microhei "
                "or set LETTERS_FONT_PATH to a TrueType/TTC font with Chinese glyphs"
            )


@lru_cache
def get_settings() -> Settings:
    """Return the settings read from the environment (once)."""
    return Settings()
