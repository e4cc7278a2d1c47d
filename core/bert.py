"""A BERT encoder in plain PyTorch, for all-MiniLM-L6-v2's weights (core/minilm.py).

Why not transformers' BertModel: importing it imports transformers' model machinery, which imports
torch._dynamo, torch.distributed, sympy and scipy, about 115 MB of resident memory on a server that may hold only
690 MB (#37, benchmarks/memory.py).  This file is the same computation in about a hundred lines, with the same
module names, so that the checkpoint's state dict loads as it is and the tests compare it with transformers'
BertModel, which stays the reference (tests/test_minilm.py).

The computation, as transformers' eager BERT (Devlin et al. 2019), in eval mode (no dropout):
- embeddings: LayerNorm(word[id] + position[t] + token_type[0]);
- each layer: a = softmax(q·kᵀ/√d_head) per head; h = LayerNorm(h + W_o·(a·v)); h = LayerNorm(h + W_2·gelu(W_1·h)),
  gelu the exact (erf) one.  No attention mask: every position attends to every other (one text, no padding).
- A forward hook on a layer's `attention.self` sees (context, weights), the weights HEADS × T × T for a batch of
  one, as transformers' eager attention returns them.
"""

from __future__ import annotations

import json
import mmap
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn


@dataclass(frozen=True)
class BertConfig:
    vocab_size: int = 30522  # word pieces
    hidden_size: int = 384  # the width
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536  # the feed-forward layer's width
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_act: str = "gelu"  # the exact gelu; the only one this file implements

    @classmethod
    def from_file(cls, path: str | Path) -> BertConfig:
        """The fields of a transformers config.json that this model reads (the rest are about training)."""
        raw = json.loads(Path(path).read_text())
        if raw.get("hidden_act", "gelu") != "gelu" or raw.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("core/bert.py implements BERT with gelu and absolute positions only")
        return cls(**{name: raw[name] for name in cls.__dataclass_fields__ if name in raw})


class Embeddings(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids=None, token_type_ids=None, inputs_embeds=None) -> torch.Tensor:
        x = self.word_embeddings(input_ids) if inputs_embeds is None else inputs_embeds
        n = x.shape[1]
        if token_type_ids is None:
            token_type_ids = torch.zeros(x.shape[:2], dtype=torch.long, device=x.device)
        positions = torch.arange(n, device=x.device)[None, :]
        x = x + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(positions)
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.heads, self.size = c.num_attention_heads, c.hidden_size // c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)

    def _split(self, x: torch.Tensor) -> torch.Tensor:  # B × T × D → B × heads × T × size
        return x.view(x.shape[0], x.shape[1], self.heads, self.size).transpose(1, 2)

    def forward(self, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        q, k, v = self._split(self.query(hidden)), self._split(self.key(hidden)), self._split(self.value(hidden))
        scores = torch.matmul(q, k.transpose(2, 3)) * (self.size**-0.5)
        weights = torch.softmax(scores, dim=-1)
        context = torch.matmul(weights, v).transpose(1, 2).reshape(hidden.shape)
        return context, weights


class DenseNorm(nn.Module):
    """LayerNorm(residual + dense(x)): the output of the attention block and of the feed-forward block."""

    def __init__(self, width_in: int, c: BertConfig):
        super().__init__()
        self.dense = nn.Linear(width_in, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseNorm(c.hidden_size, c)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(hidden)[0], hidden)


class Intermediate(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseNorm(c.intermediate_size, c)

    def forward(self, hidden: torch.Tensor, _mask=None) -> torch.Tensor:
        """One layer on B × T × D (the second argument, an attention mask, must be None: no padding here)."""
        if _mask is not None:
            raise ValueError("core/bert.py reads one text without padding: no attention mask")
        a = self.attention(hidden)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))


@dataclass
class Output:
    last_hidden_state: torch.Tensor


class BertModel(nn.Module):
    """BERT's encoder without its pooler: embeddings, then the layers; `model(...).last_hidden_state`."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.encoder = Encoder(config)

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, inputs_embeds=None) -> Output:
        if attention_mask is not None and not bool(attention_mask.all()):
            raise ValueError("core/bert.py reads one text without padding: the mask must be all ones")
        hidden = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids, inputs_embeds=inputs_embeds)
        for layer in self.encoder.layer:
            hidden = layer(hidden)
        return Output(hidden)

    @classmethod
    def from_folder(cls, folder: str | Path) -> BertModel:
        """config.json and model.safetensors of a BERT checkpoint (the pooler's weights are left out), the
        weights mapped from the file rather than read (mapped_safetensors)."""
        folder = Path(folder)
        model = cls(BertConfig.from_file(folder / "config.json"))
        state = mapped_safetensors(folder / "model.safetensors")
        state = {k: v for k, v in state.items() if not k.startswith("pooler.") and k != "embeddings.position_ids"}
        model.load_state_dict(state, strict=True, assign=True)
        return model.eval()


SAFETENSORS_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def mapped_safetensors(path: str | Path) -> dict[str, torch.Tensor]:
    """Each tensor of a .safetensors file (an 8-byte header length, a JSON header of dtype, shape and byte
    offsets, then the bytes), as a view of the file mapped copy-on-write: a page is read into memory when a
    computation first touches it.  Why (#37): the word-embedding matrix is 47 of the model's 86 MB, and a text
    reads a few hundred of its 30,522 rows; read whole, it would sit in every server's memory.  The values are
    the file's, as safetensors' own load_file gives them (tested)."""
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    start = 8 + size
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        count = (end - begin) // dtype.itemsize
        if count == 0:
            tensor = torch.empty(0, dtype=dtype)
        elif (start + begin) % dtype.itemsize:  # misaligned (the format does not promise alignment): copied
            tensor = torch.frombuffer(bytearray(mapped[start + begin : start + end]), dtype=dtype)
        else:
            tensor = torch.frombuffer(mapped, dtype=dtype, count=count, offset=start + begin)
        out[name] = tensor.view(info["shape"])
    return out
