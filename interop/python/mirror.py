"""A torch mirror of webgrad's GPT (packages/nn/src/gpt.ts), module for module and name for name,
so that a webgrad state dict loads into it with strict=True and PEFT finds the same module paths
(blocks.0.attn.cAttn, ...). Written from webgrad's source, not from any other implementation."""

import math

import torch
from torch import nn


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["nEmbd"]
        self.n_head = cfg["nHead"]
        self.cAttn = nn.Linear(c, 3 * c, bias=cfg.get("bias", True))
        self.cProj = nn.Linear(c, c, bias=cfg.get("bias", True))
        t = cfg["blockSize"]
        self.register_buffer("mask", torch.tril(torch.ones(t, t, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        b, t, c = x.shape
        h, d = self.n_head, c // self.n_head
        q, k, v = self.cAttn(x).split(c, dim=2)
        q, k, v = (z.reshape(b, t, h, d).transpose(1, 2) for z in (q, k, v))  # [B, H, T, D]
        att = q @ k.transpose(-1, -2) * (1 / math.sqrt(d))
        att = torch.where(self.mask[:t, :t], att, torch.tensor(-1e30, dtype=att.dtype))
        y = att.softmax(-1) @ v  # [B, H, T, D]
        return self.cProj(y.transpose(1, 2).reshape(b, t, c))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["nEmbd"]
        self.cFc = nn.Linear(c, 4 * c, bias=cfg.get("bias", True))
        self.cProj = nn.Linear(4 * c, c, bias=cfg.get("bias", True))
        self.approximate = cfg.get("gelu", "none")

    def forward(self, x):
        return self.cProj(nn.functional.gelu(self.cFc(x), approximate=self.approximate))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg.get("layerNormEps", 1e-5)
        self.ln1 = nn.LayerNorm(cfg["nEmbd"], eps=eps, bias=cfg.get("bias", True))
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg["nEmbd"], eps=eps, bias=cfg.get("bias", True))
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.wte = nn.Embedding(cfg["vocabSize"], cfg["nEmbd"])
        self.wpe = nn.Embedding(cfg["blockSize"], cfg["nEmbd"])
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["nLayer"]))
        self.lnF = nn.LayerNorm(cfg["nEmbd"], eps=cfg.get("layerNormEps", 1e-5), bias=cfg.get("bias", True))
        self.tied = cfg.get("tieWeights", True)
        if not self.tied:
            self.lmHead = nn.Linear(cfg["nEmbd"], cfg["vocabSize"], bias=False)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t))
        for block in self.blocks:
            x = block(x)
        x = self.lnF(x)
        return x @ self.wte.weight.T if self.tied else self.lmHead(x)


def load_mirror(cfg, state):
    """A mirror of `cfg` (webgrad's GPTConfig as JSON) holding `state`, loaded strictly."""
    model = GPT(cfg)
    model.load_state_dict(state, strict=True)
    return model.eval()
