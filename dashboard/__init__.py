"""Gradient Lab's reusable UI: widget groups, Altair chart builders, i18n, cached core calls.

Pages compose these; nothing here does tensor math (that is core/'s job).
"""
