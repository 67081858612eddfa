"""Attribute vocabularies for CLIP labels: default phrase lists per domain, saved per model.

A vocabulary is a domain name, a prompt template with one `{}` and a list of phrases. The user edits
it; it is saved as JSON in a folder the caller gives (the app: the user config folder), one file per
model (name + fingerprint), so every model keeps its own list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..util.atomic import atomic_write_bytes
from ..util.text_files import read_user_text

DEFAULTS: dict[str, tuple[str, list[str]]] = {
    "faces": ("a photo of a face, {}", [
        "smile", "open mouth", "eyeglasses", "sunglasses", "beard", "moustache", "bald", "long hair",
        "short hair", "blond hair", "black hair", "brown hair", "grey hair", "red hair", "curly hair",
        "bangs", "old", "young", "child", "man", "woman", "makeup", "lipstick", "hat", "pale skin",
        "dark skin", "head turned left", "head turned right", "looking up", "looking down", "eyes closed",
        "wide face", "narrow face", "chubby", "bright lighting", "dark lighting", "lit from the side",
        "bright background", "dark background", "colourful background", "close-up", "zoomed out"]),
    "animals": ("a photo of an animal, {}", [
        "cat", "dog", "fluffy fur", "short fur", "white fur", "black fur", "orange fur", "spotted fur",
        "striped fur", "open mouth", "tongue out", "eyes closed", "pointed ears", "floppy ears", "big eyes",
        "puppy", "kitten", "head tilted", "looking left", "looking right", "close-up", "far away",
        "grass background", "indoors", "bright lighting", "dark lighting"]),
    "cars": ("a photo of a car, {}", [
        "red car", "blue car", "white car", "black car", "silver car", "yellow car", "sports car", "SUV",
        "pickup truck", "van", "convertible", "front view", "side view", "rear view", "shiny paint",
        "big wheels", "headlights on", "city street", "countryside", "parking lot", "daylight", "night",
        "close-up", "far away"]),
    "scenes": ("a photo of a place, {}", [
        "bright", "dark", "sunny", "cloudy sky", "sunset", "night", "snow", "fog", "indoors", "outdoors",
        "trees", "grass", "water", "blue sky", "buildings", "church", "tower", "bedroom", "bed", "window",
        "lamp", "wooden", "stone", "colourful", "black and white", "wide view", "close-up", "cluttered",
        "empty room"]),
}
_DOMAIN_HINTS = {
    "faces": ("face", "celeba", "ffhq", "digiface", "portrait", "anime", "metfaces", "human"),
    "animals": ("cat", "dog", "afhq", "animal", "horse", "wild", "bird"),
    "cars": ("car",),
    "scenes": ("church", "bedroom", "tower", "scene", "kitchen", "bridge", "living", "restaurant",
               "conference", "classroom", "landscape", "place", "lsun"),
}


@dataclass
class Vocabulary:
    domain: str
    template: str
    phrases: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.template.count("{}") != 1:
            raise ValueError("the prompt template must contain exactly one {}")
        phrases = []
        for p in self.phrases:
            p = " ".join(str(p).split())
            if p and p not in phrases:
                phrases.append(p)
        if not phrases:
            raise ValueError("the vocabulary has no phrases")
        self.phrases = phrases

    def prompts(self, phrases: list[str] | None = None) -> list[str]:
        return [self.template.format(p) for p in (self.phrases if phrases is None else phrases)]

    def to_json(self) -> dict[str, Any]:
        return {"format": "sefa-desktop-vocabulary", "version": 1, "domain": self.domain,
                "template": self.template, "phrases": list(self.phrases)}


def guess_domain(*names: str) -> str:
    """The default list that fits a model's name or dataset ('faces' when nothing matches)."""
    text = " ".join(n.lower() for n in names if n)
    for domain, hints in _DOMAIN_HINTS.items():
        if any(h in text for h in hints):
            return domain
    return "faces"


def default_vocabulary(domain: str) -> Vocabulary:
    if domain not in DEFAULTS:
        raise ValueError(f"unknown vocabulary domain '{domain}' (known: {', '.join(DEFAULTS)})")
    template, phrases = DEFAULTS[domain]
    return Vocabulary(domain, template, list(phrases))


def vocabulary_path(folder: Path, model_name: str, fingerprint: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_name or "model").strip("._")[:60] or "model"
    return Path(folder) / f"{safe}-{fingerprint or 'unknown'}.json"


def load_vocabulary(folder: Path | None, model_name: str, fingerprint: str, *hints: str) -> Vocabulary:
    """The model's saved vocabulary, else the default for its guessed domain. A damaged file raises
    ValueError with one line (the caller shows it; nothing is overwritten)."""
    if folder is not None:
        path = vocabulary_path(folder, model_name, fingerprint)
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                return Vocabulary(str(data["domain"]), str(data["template"]), [str(p) for p in data["phrases"]])
            except (OSError, ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path.name}: damaged vocabulary file ({e})") from None
    return default_vocabulary(guess_domain(model_name, *hints))


def save_vocabulary(folder: Path, model_name: str, fingerprint: str, vocab: Vocabulary) -> Path:
    path = vocabulary_path(folder, model_name, fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(vocab.to_json(), indent=1) + "\n").encode("utf-8"))
    return path


def read_vocabulary_file(path: str | Path, domain: str = "faces") -> Vocabulary:
    """A vocabulary from a file: our JSON, or plain text with one phrase per line (the template of
    `domain`). ValueError with one line on a bad file."""
    p = Path(path)
    text = read_user_text(p, "the vocabulary")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
            return Vocabulary(str(data.get("domain", domain)), str(data.get("template", DEFAULTS[domain][0])),
                              [str(x) for x in data["phrases"]])
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"{p.name}: not a vocabulary file ({e})") from None
    phrases = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    try:
        return Vocabulary(domain, DEFAULTS[domain][0], phrases)
    except ValueError as e:
        raise ValueError(f"{p.name}: {e}") from None
