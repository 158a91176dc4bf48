"""The verifier's reward for RL (docs/training.md): sceval.reward(run_dir) is a reward function with
the call signature of TRL's GRPOTrainer(reward_funcs=...): keyword arguments ``prompts``,
``completions`` (strings, or conversational lists of {"role", "content"} messages) and the dataset's
columns, of which it reads ``point_index`` and ``target`` (as ``sceval export-training --format
prompts`` writes them); one float per completion. As in the strict mode of an audit, an SCE off the
grid (or at a point without a usable answer in the map) counts as invalid unless ``live`` labels it."""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _sceval


def _text(completion: Any) -> str:
    """A completion's text: a string as it is, a conversation's last message's content."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, (list, tuple)) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", ""))
    raise TypeError(f"completion: expected a string or a list of messages, got {type(completion).__name__}")


def _column(name: str, values: Any, n: int) -> List[Any]:
    if values is None:
        raise TypeError(f"reward: the dataset column '{name}' is missing (sceval export-training --format prompts writes it)")
    values = list(values)
    if len(values) != n:
        raise ValueError(f"reward: {len(values)} values of '{name}' for {n} completions")
    return values


class Reward:
    """The exact reward of SCE completions against one run's decision map (see :func:`reward`)."""

    def __init__(self, run_dir: Union[str, "os.PathLike[str]"], weights: Optional[Dict[str, float]] = None,
                 live: Any = None, **options: Any):
        from . import _model  # the package's model factory (spec string or callable)
        model = None if live is None else _model(live, options)
        self._r = _sceval.Reward(os.fspath(run_dir), weights, model, options)
        self.__name__ = "sceval_reward"  # TRL logs a reward function under its __name__

    @property
    def weights(self) -> Dict[str, float]:
        return self._r.weights

    def score(self, completion: Any, point_index: int, target: str) -> Dict[str, Any]:
        """One completion's breakdown: reward, status, valid, exact_match, rcf, sce_index."""
        return self._r.score(int(point_index), str(target), _text(completion))

    def breakdown(self, completions: Sequence[Any], point_index: Sequence[int], target: Sequence[str]) -> List[Dict[str, Any]]:
        """The breakdown of each completion, for logging (with a live model: one batch of queries)."""
        n = len(completions)
        idx, tgt = _column("point_index", point_index, n), _column("target", target, n)
        return self._r.score_batch([int(i) for i in idx], [str(t) for t in tgt], [_text(c) for c in completions])

    def __call__(self, prompts: Any = None, completions: Sequence[Any] = (), point_index: Any = None,
                 target: Any = None, **kwargs: Any) -> List[Optional[float]]:
        return [b["reward"] for b in self.breakdown(completions, point_index, target)]


def reward(run_dir: Union[str, "os.PathLike[str]"], weights: Optional[Dict[str, float]] = None, live: Any = None,
           **options: Any) -> Reward:
    """A reward function from a run directory: weights of the components valid, exact_match,
    closeness (1 / (1 + RCF) for a valid SCE) and the parse_failure value (defaults 1, 0.5, 0.5, -1;
    a weight of 0 leaves its component out).

    live: a model (spec string such as ``openai:policy@http://127.0.0.1:8000/v1``, or a callable as
    for :func:`run`) asked for the label at each SCE instead of the run's fixed map, through the
    response cache; ``options`` are run options for those queries (cache=, no_cache=, max_tokens=,
    system=, ...)."""
    return Reward(run_dir, weights, live, **options)
