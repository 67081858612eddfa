"""Batch renders: datasets of edited images (`sefa-desktop batch`), resumable, on a process pool or Ray.

plan.py (recipe, job list, file layout) and manifest.py (the resumable record of what is done) are
pure Python + numpy: no models, no torch, no Qt. render.py is what a worker runs (it loads the model);
engines.py hands jobs to local processes or Ray actors; runner.py ties them together.
"""
