"""Presentation: explanations, diagnostics reports and the render contract the renderer plugins fulfil."""
