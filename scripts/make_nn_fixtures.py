#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures that Tests/ScribeNNTests compare against.

Usage (from the repository root, with torch, numpy and safetensors installed):
    python scripts/make_nn_fixtures.py [--out Tests/ScribeNNTests/Fixtures]

Each fixture is a safetensors file of float32 tensors (integers such as lengths and labels
are stored as exact float32 values). Forward passes run in float64 on float32-representable
parameters and inputs, so the stored outputs and gradients are accurate references for
Scribe's float32 arithmetic. The files are small and committed; tests never need Python.

Files:
  lstm.safetensors  nn.LSTM(5, 4, num_layers=2, bidirectional=True), batch of 3 sequences of
                    lengths 7, 3, 5 packed with pack_padded_sequence(enforce_sorted=False).
                    Tensors: x (T,B,I), lengths (B), probe (T,B,2H), out (T,B,2H) padded with
                    zeros, loss = sum(out * probe), grad.x (T,B,I), and for every parameter
                    P of the module: P and grad.P (PyTorch names, e.g. weight_hh_l1_reverse).
  gru.safetensors   the same for nn.GRU.
  ctc.safetensors   F.ctc_loss on logits (T,B,C) -> log_softmax, targets with repeated
                    labels and different lengths, blank 0: losses (reduction none), loss.sum,
                    loss.mean, and the gradients of the sum and mean w.r.t. the logits.
  ctc_blank.safetensors  the same with blank = C - 1 and reduction mean.
  torch_model.safetensors  a Scribe model file written from PyTorch: nn.LSTM(3, 4, 2 layers,
                    bidirectional) + nn.Linear(8, 5) saved under Scribe's documented names
                    (ModelFile: `k.0.weight_ih` = weight_ih_lk, `k.1.*` = *_reverse, `2.weight`)
                    with the scribe.* __metadata__; torch_model_io.safetensors holds an input
                    batch (lengths 6 and 4) and PyTorch's logits (padded frames zero).
  batchnorm.safetensors  nn.BatchNorm2d(4) with γ, β and running statistics not at their
                    defaults: a training forward of x (3,4,5,6) with probe, out, loss =
                    sum(out * probe), grad.x, grad.weight, grad.bias; a second training
                    forward of x2; the running statistics after each (running_mean.1/.2,
                    running_var.1/.2); then an eval forward of x (eval_out).
"""
import argparse
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

T, B, I, H = 7, 3, 5, 4
LENGTHS = [7, 3, 5]


def f32(t):
    return t.detach().to(torch.float32).contiguous()


def recurrent_fixture(kind, path, seed):
    torch.manual_seed(seed)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](I, H, num_layers=2, bidirectional=True)
    # Round parameters to float32 first, then compute in float64 exactly from those values.
    module = module.float().double()
    x = torch.randn(T, B, I).float().double()
    lengths = torch.tensor(LENGTHS)
    for b, n in enumerate(LENGTHS):
        x[n:, b] = 0.0  # padded frames are zero in the stored input
    x.requires_grad_(True)
    probe = torch.randn(T, B, 2 * H).float().double()
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
    out_packed, _ = module(packed)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, total_length=T)
    loss = (out * probe).sum()
    loss.backward()
    tensors = {"x": f32(x), "lengths": f32(lengths), "probe": f32(probe), "out": f32(out),
               "loss": f32(loss.reshape(1)), "grad.x": f32(x.grad)}
    for name, p in module.named_parameters():
        tensors[name] = f32(p)
        tensors["grad." + name] = f32(p.grad)
    save_file(tensors, path, metadata={"torch": torch.__version__, "module": repr(module)})


def ctc_fixture(path, blank, seed, reductions):
    torch.manual_seed(seed)
    Tc, Bc, C = 12, 4, 6
    input_lengths = [12, 9, 7, 12]
    labels = [l for l in range(C) if l != blank]
    # Repeated labels (need a blank between them), different lengths, one empty target.
    targets = [[labels[0], labels[0], labels[1], labels[1]],
               [labels[1], labels[2], labels[2]],
               [],
               [labels[3], labels[3], labels[3], labels[0], labels[4]]]
    logits = torch.randn(Tc, Bc, C).float().double()
    flat = torch.tensor([l for t in targets for l in t], dtype=torch.long)
    target_lengths = torch.tensor([len(t) for t in targets])
    tensors = {"logits": f32(logits), "input_lengths": f32(torch.tensor(input_lengths)),
               "targets": f32(flat), "target_lengths": f32(target_lengths),
               "blank": f32(torch.tensor([blank]))}
    for reduction in reductions:
        z = logits.clone().requires_grad_(True)
        lp = F.log_softmax(z, dim=2)
        loss = F.ctc_loss(lp, flat, torch.tensor(input_lengths), target_lengths,
                          blank=blank, reduction=reduction)
        if reduction == "none":
            tensors["losses"] = f32(loss)
            loss = loss.sum()  # gradients are those of the summed losses (same as "sum")
        loss.backward()
        if reduction != "none":
            tensors["loss." + reduction] = f32(loss.reshape(1))
            tensors["grad." + reduction] = f32(z.grad)
    save_file(tensors, path, metadata={"torch": torch.__version__})


def torch_model_fixture(model_path, io_path, seed):
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    linear = torch.nn.Linear(8, 5).double()
    for p in list(lstm.parameters()) + list(linear.parameters()):
        p.data = p.data.float().double()
    tensors = {}
    for name, p in lstm.named_parameters():  # e.g. weight_ih_l1_reverse -> 1.1.weight_ih
        base, layer = name.rsplit("_l", 1)
        direction = 1 if layer.endswith("_reverse") else 0
        tensors[f"{int(layer.split('_')[0])}.{direction}.{base}"] = f32(p)
    tensors["2.weight"] = f32(linear.weight)
    tensors["2.bias"] = f32(linear.bias)
    metadata = {"scribe.format": "1", "scribe.architecture": "[Lbx4 Lbx4 Fl5]", "scribe.input_size": "3",
                "scribe.alphabet": json.dumps(["_", "a", "b", "c", "d"]), "scribe.front_end": "{}"}
    save_file(tensors, model_path, metadata=metadata)
    lengths = [6, 4]
    x = torch.randn(6, 2, 3).float().double()
    for b, n in enumerate(lengths):
        x[n:, b] = 0.0
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(lstm(packed)[0], total_length=6)
    logits = linear(out)
    for b, n in enumerate(lengths):
        logits[n:, b] = 0.0
    save_file({"x": f32(x), "lengths": f32(torch.tensor(lengths)), "logits": f32(logits)}, io_path)


def batchnorm_fixture(path, seed):
    torch.manual_seed(seed)
    module = torch.nn.BatchNorm2d(4).double()
    with torch.no_grad():
        module.weight.copy_(f32(torch.rand(4) + 0.5).double())
        module.bias.copy_(f32(torch.randn(4) * 0.5).double())
        module.running_mean.copy_(f32(torch.randn(4) * 0.2).double())
        module.running_var.copy_(f32(torch.rand(4) + 0.5).double())
    tensors = {"weight": f32(module.weight), "bias": f32(module.bias),
               "running_mean.0": f32(module.running_mean), "running_var.0": f32(module.running_var)}
    # Channels with different offsets and scales, as after a convolution.
    scale = torch.tensor([1.0, 3.0, 0.2, 1.5]).view(1, 4, 1, 1)
    offset = torch.tensor([0.0, 2.0, -1.0, 5.0]).view(1, 4, 1, 1)
    x = f32(torch.randn(3, 4, 5, 6) * scale + offset).double().requires_grad_(True)
    x2 = f32(torch.randn(2, 4, 3, 7) * scale - offset).double()
    probe = f32(torch.randn(3, 4, 5, 6)).double()
    module.train()
    out = module(x)
    loss = (out * probe).sum()
    loss.backward()
    tensors.update({"x": f32(x), "probe": f32(probe), "out": f32(out), "loss": f32(loss.reshape(1)),
                    "grad.x": f32(x.grad), "grad.weight": f32(module.weight.grad), "grad.bias": f32(module.bias.grad),
                    "running_mean.1": f32(module.running_mean), "running_var.1": f32(module.running_var), "x2": f32(x2)})
    with torch.no_grad():
        module(x2)
        tensors.update({"running_mean.2": f32(module.running_mean), "running_var.2": f32(module.running_var)})
        module.eval()
        tensors["eval_out"] = f32(module(x))
    save_file(tensors, path, metadata={"torch": torch.__version__, "module": repr(module)})


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(here, "..", "Tests", "ScribeNNTests", "Fixtures"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    recurrent_fixture("lstm", os.path.join(args.out, "lstm.safetensors"), seed=1)
    recurrent_fixture("gru", os.path.join(args.out, "gru.safetensors"), seed=2)
    ctc_fixture(os.path.join(args.out, "ctc.safetensors"), blank=0, seed=3, reductions=["none", "sum", "mean"])
    ctc_fixture(os.path.join(args.out, "ctc_blank.safetensors"), blank=5, seed=4, reductions=["mean"])
    torch_model_fixture(os.path.join(args.out, "torch_model.safetensors"),
                        os.path.join(args.out, "torch_model_io.safetensors"), seed=5)
    batchnorm_fixture(os.path.join(args.out, "batchnorm.safetensors"), seed=6)
    print("wrote fixtures to", os.path.normpath(args.out))


if __name__ == "__main__":
    main()
