"""The Python side of webgrad's interop suite (interop/test/*.test.ts): one command per check,
`python run.py <command> <dir>`, reading inputs from and writing results to <dir>. Results are
safetensors files and a result.json; the TypeScript side compares them with its own numbers."""

import json
import logging
import os
import sys
import warnings

import torch
from safetensors.torch import load_file, save_file

import mirror


def read_json(d, name):
    with open(os.path.join(d, name)) as f:
        return json.load(f)


def json_safe(v):
    """JSON has no infinities or NaN: they travel as the strings "inf", "-inf" and "nan"."""
    if isinstance(v, float) and v != v:
        return "nan"
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    return v


def write_json(d, value):
    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump(json_safe(value), f)


# ---- safetensors: every dtype, both ways -------------------------------------------------------

DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def safetensors_write(d):
    """A file holding one tensor of each dtype, and the values each holds, widened to float64."""
    g = torch.Generator().manual_seed(0)
    tensors = {}
    for name, dt in DTYPES.items():
        if dt.is_floating_point:
            t = (torch.randn(3, 5, generator=g, dtype=torch.float64) * 100).to(dt)
            t[0, 0] = float("inf")
            t[0, 1] = -0.0
        elif dt == torch.bool:
            t = torch.randint(0, 2, (3, 5), generator=g).bool()
        else:
            info = torch.iinfo(dt)
            lo, hi = max(info.min, -(2**31)), min(info.max, 2**31 - 1)
            t = torch.randint(lo, hi, (3, 5), generator=g, dtype=torch.int64).to(dt)
            t[0, 0], t[0, 1] = lo, hi
        tensors[name] = t
    save_file(tensors, os.path.join(d, "from-python.safetensors"), metadata={"made_by": "torch"})
    write_json(d, {k: v.to(torch.float64).flatten().tolist() for k, v in tensors.items()})


def safetensors_read(d):
    """What torch reads from webgrad's file: dtype names, shapes, values (float64), metadata."""
    from safetensors import safe_open

    path = os.path.join(d, "from-webgrad.safetensors")
    out = {"tensors": {}}
    with safe_open(path, "pt") as f:
        out["metadata"] = f.metadata()
        for k in f.keys():
            t = f.get_tensor(k)
            name = next(n for n, dt in DTYPES.items() if dt == t.dtype)
            out["tensors"][k] = {"dtype": name, "shape": list(t.shape), "values": t.to(torch.float64).flatten().tolist()}
    # Torch's own float32 -> half rounding of the reference values, to compare with ours.
    ref = load_file(os.path.join(d, "reference-f32.safetensors"))["x"]
    out["torch_f16"] = ref.to(torch.float16).view(torch.int16).flatten().tolist()
    out["torch_bf16"] = ref.to(torch.bfloat16).view(torch.int16).flatten().tolist()
    write_json(d, out)


# ---- our GPT against the mirror; HF GPT-2 against loadGPT2 ---------------------------------------


def gpt_check(d):
    """Logits, loss and every gradient of the mirror on webgrad's weights and batch."""
    cfg = read_json(d, "config.json")
    model = mirror.load_mirror(cfg, load_file(os.path.join(d, "weights.safetensors")))
    batch = load_file(os.path.join(d, "batch.safetensors"))
    logits = model(batch["idx"].long())
    loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), batch["targets"].long().flatten())
    loss.backward()
    out = {"logits": logits.detach().contiguous(), "loss": loss.detach().reshape(1)}
    for name, p in model.named_parameters():
        out[f"grad.{name}"] = p.grad.contiguous()
    save_file(out, os.path.join(d, "torch.safetensors"))


def hf_gpt2_make(d):
    """A randomly initialised transformers GPT2LMHeadModel saved as save_pretrained does, plus its logits."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    spec = read_json(d, "spec.json")
    model = GPT2LMHeadModel(GPT2Config(**spec)).eval()
    with torch.no_grad():  # non-zero biases, so that a misplaced bias shows in the logits
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.normal_(0, 0.02)
    model.save_pretrained(os.path.join(d, "checkpoint"))
    ids = torch.tensor(spec["_ids"]) if "_ids" in spec else torch.arange(8).reshape(1, 8) % spec["vocab_size"]
    with torch.no_grad():
        logits = model(ids).logits
    save_file({"ids": ids.to(torch.int32), "logits": logits.contiguous()}, os.path.join(d, "expected.safetensors"))


def hf_gpt2_logits(d):
    """transformers loads a checkpoint webgrad wrote with saveGPT2; its logits on webgrad's batch."""
    from transformers import GPT2LMHeadModel

    with Captured() as cap:
        model = GPT2LMHeadModel.from_pretrained(os.path.join(d, "checkpoint")).eval()
    idx = load_file(os.path.join(d, "batch.safetensors"))["idx"].long()
    with torch.no_grad():
        save_file({"logits": model(idx).logits.contiguous()}, os.path.join(d, "torch.safetensors"))
    write_json(d, {"warnings": cap.messages})


# ---- PEFT ----------------------------------------------------------------------------------------


class Captured:
    """Collects Python warnings and PEFT/transformers log records during a block."""

    def __enter__(self):
        self.messages = []
        self._w = warnings.catch_warnings(record=True)
        self._records = self._w.__enter__()
        warnings.simplefilter("always")
        self._handler = logging.Handler(logging.WARNING)
        self._handler.emit = lambda r: self.messages.append(r.getMessage())
        logging.getLogger().addHandler(self._handler)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self._handler)
        self._w.__exit__(*exc)
        self.messages += [str(w.message) for w in self._records]
        return False


def peft_load(d):
    """Loads webgrad's adapter into the mirror with PEFT; logits after load and after merge."""
    from peft import PeftModel

    cfg = read_json(d, "config.json")
    base = mirror.load_mirror(cfg, load_file(os.path.join(d, "weights.safetensors")))
    idx = load_file(os.path.join(d, "batch.safetensors"))["idx"].long()
    with Captured() as cap:
        model = PeftModel.from_pretrained(base, os.path.join(d, "adapter"))
        load = model.load_adapter(os.path.join(d, "adapter"), adapter_name="check")
    model.set_adapter("default")
    model.eval()
    with torch.no_grad():
        logits = model(idx)
        merged = model.merge_and_unload()(idx)
    save_file({"logits": logits.contiguous(), "merged": merged.contiguous()}, os.path.join(d, "torch.safetensors"))
    write_json(
        d,
        {
            "peft_type": str(model.peft_config["default"].peft_type.value),
            "missing": [k for k in load.missing_keys if ".check" in k or "check." in k],
            "unexpected": list(load.unexpected_keys),
            "warnings": cap.messages,
        },
    )


def peft_make(d):
    """A PEFT-made adapter on the mirror (config from spec.json), random adapter weights, its logits."""
    import peft

    cfg = read_json(d, "config.json")
    spec = read_json(d, "spec.json")
    base = mirror.load_mirror(cfg, load_file(os.path.join(d, "weights.safetensors")))
    idx = load_file(os.path.join(d, "batch.safetensors"))["idx"].long()
    config_class = {"LORA": peft.LoraConfig, "HIRA": peft.HiraConfig, "LOHA": peft.LoHaConfig}[spec.pop("peft_type")]
    model = peft.get_peft_model(base, config_class(**spec))
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.requires_grad:
                p.normal_(0, 0.3)
    model.save_pretrained(os.path.join(d, "adapter"))
    model.eval()
    with torch.no_grad():
        save_file({"logits": model(idx).contiguous()}, os.path.join(d, "torch.safetensors"))


COMMANDS = {
    "safetensors-write": safetensors_write,
    "safetensors-read": safetensors_read,
    "gpt-check": gpt_check,
    "hf-gpt2-make": hf_gpt2_make,
    "hf-gpt2-logits": hf_gpt2_logits,
    "peft-load": peft_load,
    "peft-make": peft_make,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](sys.argv[2])
