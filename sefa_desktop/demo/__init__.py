"""The demo model's world: a procedural face renderer with known factors, its training helpers and
the attribute predictors used by `sefa-desktop evaluate` (docs/demo-model.md, docs/evaluation.md)."""
