"""Interactive prompts whose validation errors wrap instead of being cut.

Copier asks through questionary, which shows a refused answer's message in
prompt_toolkit's validation toolbar: one line, cut at the terminal's width.
Copier prefixes the template's message with "Validation error for question
'KEY': ", so at 80 columns the fix at the end of the message was never seen.
Applied once, before a command that may prompt; a prompt_toolkit without this
toolbar is left as it is.
"""

from __future__ import annotations

import importlib
from typing import Any


def wrapping_validation_errors() -> None:
    """Make the prompts' validation toolbar as tall as its wrapped message."""
    try:
        from prompt_toolkit.filters import has_validation_error
        from prompt_toolkit.layout.containers import ConditionalContainer, Window
        from prompt_toolkit.widgets.toolbars import ValidationToolbar

        # The module (the package's ``prompt`` attribute is the function of that name).
        prompt_module: Any = importlib.import_module("prompt_toolkit.shortcuts.prompt")
    except ImportError:  # pragma: no cover - prompt_toolkit comes with copier
        return
    if getattr(prompt_module.ValidationToolbar, "wraps", False):
        return

    class WrappingValidationToolbar(ValidationToolbar):
        wraps = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            window = Window(self.control, wrap_lines=True, dont_extend_height=True)
            self.container = ConditionalContainer(content=window, filter=has_validation_error)

    prompt_module.ValidationToolbar = WrappingValidationToolbar
