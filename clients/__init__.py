"""Relying parties shipped with the provider as examples; they never import ``idp``."""
