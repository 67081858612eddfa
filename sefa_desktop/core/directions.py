"""DirectionSet: ranked unit directions in a model's latent space, and our `.npz` file format.

File format (version 1), a numpy `.npz` read with allow_pickle=False:
  format "sefa-desktop-directions", version 1, vectors (k, dim) float32, values (k,) float32,
  layers (n,) int64, method str, model_name, model_family, model_fingerprint str,
  created_at ISO-8601 str, labels (k,) str; optional metadata: a JSON object as str (what made the
  set beyond the method: a region's mask, seeds, options; readers that do not know it ignore it).
Other tools' formats (rosinality factor.pt, InterFaceGAN .npy, GANSpace .npz) live in
core/direction_formats.py.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..util.atomic import atomic_write_bytes

FORMAT_NAME = "sefa-desktop-directions"
FORMAT_VERSION = 1


class DirectionFileError(ValueError):
    """A directions file cannot be read or does not fit the model; one clear line."""


@dataclass
class DirectionSet:
    vectors: np.ndarray  # (k, dim) float32, unit rows
    values: np.ndarray  # (k,) float32, descending
    layers: list[int]
    method: str = "sefa"
    model_name: str = ""
    model_family: str = ""
    model_fingerprint: str = ""
    created_at: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))
    labels: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable; "name" names the set

    def __post_init__(self) -> None:
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        self.values = np.asarray(self.values, dtype=np.float32)
        if self.vectors.ndim != 2:
            raise DirectionFileError(f"direction vectors must be 2-D (k, dim), got shape {self.vectors.shape}")
        if self.values.shape != (self.vectors.shape[0],):
            raise DirectionFileError("one value per direction expected")
        self.layers = [int(i) for i in self.layers]
        labels = list(self.labels)[: len(self)]
        self.labels = labels + [""] * (len(self) - len(labels))

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def name(self) -> str:
        """What to call the set: the metadata's name (e.g. "region box …"), else its method."""
        return str(self.metadata.get("name") or self.method)

    def label(self, i: int) -> str:
        return self.labels[i] or f"direction {i}"

    def top(self, k: int) -> DirectionSet:
        k = max(1, min(int(k), len(self)))
        return DirectionSet(self.vectors[:k], self.values[:k], self.layers, self.method, self.model_name,
                            self.model_family, self.model_fingerprint, self.created_at, self.labels[:k],
                            dict(self.metadata))

    def check_fits(self, model: object, strict_model: bool = True) -> None:
        """Raise DirectionFileError if these directions cannot edit `model`."""
        dim = int(getattr(model, "latent_dim", 0))
        if dim and dim != self.dim:
            raise DirectionFileError(
                f"directions have dimension {self.dim}, but model '{getattr(model, 'name', '?')}' "
                f"edits a {dim}-dimensional latent")
        n_layers = int(getattr(model, "num_layers", 0))
        if self.layers and n_layers and max(self.layers) >= n_layers:
            raise DirectionFileError(
                f"directions use W+ row {max(self.layers)}, but the model has {n_layers} rows")
        fp = str(getattr(model, "fingerprint", ""))
        if strict_model and self.model_fingerprint and fp and fp != self.model_fingerprint:
            raise DirectionFileError(
                f"directions were computed for another model ('{self.model_name}', fingerprint "
                f"{self.model_fingerprint}), not '{getattr(model, 'name', '?')}' ({fp})")

    # -- our file format -------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(
            buf,
            format=np.array(FORMAT_NAME), version=np.array(FORMAT_VERSION, dtype=np.int64),
            vectors=self.vectors, values=self.values, layers=np.asarray(self.layers, dtype=np.int64),
            method=np.array(self.method), model_name=np.array(self.model_name),
            model_family=np.array(self.model_family), model_fingerprint=np.array(self.model_fingerprint),
            created_at=np.array(self.created_at), labels=np.asarray(self.labels, dtype=np.str_).reshape(-1),
            **({"metadata": np.array(json.dumps(self.metadata))} if self.metadata else {}),
        )
        return buf.getvalue()

    def save(self, path: str | Path) -> None:
        atomic_write_bytes(path, self.to_bytes())

    @classmethod
    def load(cls, path: str | Path) -> DirectionSet:
        path = Path(path)
        from .array_files import ArrayFileError, check_npz

        try:
            check_npz(path)  # declared sizes against the file's before inflating anything
        except ArrayFileError as e:
            raise DirectionFileError(f"{path.name}: refused: {e}") from None
        except FileNotFoundError:
            raise DirectionFileError(f"{path}: no such file") from None
        except OSError as e:
            raise DirectionFileError(f"{path.name}: cannot read it ({e.strerror or e})") from None
        try:
            data = np.load(path, allow_pickle=False)
            files = set(data.files)
        except FileNotFoundError:
            raise DirectionFileError(f"{path}: no such file") from None
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
            raise DirectionFileError(f"{path.name}: not a readable directions file ({e})") from None
        with data:
            if "format" not in files or str(data["format"]) != FORMAT_NAME:
                raise DirectionFileError(f"{path.name}: not a sefa-desktop directions file "
                                         "(import other tools' files with the matching format)")
            if "version" not in files:
                raise DirectionFileError(f"{path.name}: damaged directions file (it has no 'version' entry)")
            version = int(data["version"])
            if version > FORMAT_VERSION:
                raise DirectionFileError(f"{path.name}: directions file version {version} is newer than "
                                         f"this app supports ({FORMAT_VERSION}); update sefa-desktop")
            try:
                return cls(
                    vectors=data["vectors"], values=data["values"], layers=data["layers"].tolist(),
                    method=str(data["method"]), model_name=str(data["model_name"]),
                    model_family=str(data["model_family"]), model_fingerprint=str(data["model_fingerprint"]),
                    created_at=str(data["created_at"]), labels=[str(s) for s in data["labels"].tolist()],
                    metadata=_metadata(data) if "metadata" in files else {},
                )
            except (KeyError, ValueError) as e:
                raise DirectionFileError(f"{path.name}: damaged directions file ({e})") from None


def _metadata(data: Any) -> dict[str, Any]:
    meta = json.loads(str(data["metadata"]))
    if not isinstance(meta, dict):
        raise ValueError("metadata is not a JSON object")
    return meta
