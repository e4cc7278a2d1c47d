"""Save and load trained models: a plain state dict of tensors plus a small JSON of the config.

Loading uses torch.load(..., weights_only=True): no pickled code is ever executed.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch

from .training import TrainConfig, build


def save(result, path: str | Path) -> tuple[Path, Path]:
    """Write PATH (the weights) and PATH with suffix .json (config and final scores)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.detach().cpu() for k, v in result.model.state_dict().items()}, path)
    meta = path.with_suffix(".json")
    summary = {k: v for k, v in result.to_json().items() if k != "history"}
    meta.write_text(json.dumps({"config": asdict(result.config), "result": summary}, indent=2) + "\n")
    return path, meta


def load(path: str | Path):
    """(model in eval mode, TrainConfig, summary) from a checkpoint written by `save`."""
    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    config = TrainConfig(**meta["config"])
    model, _ = build(config)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval(), config, meta.get("result", {})
