"""The PyTorch peer of RmmEdge.Bench's teacher-forcing and multiple-shooting benchmarks (issue 20).

The same job as the C# bench, written the way a PyTorch user writes the authors' recipe: one neuron, an MLP
37 -> 10 -> 10 -> 10 -> 1 tanh on the voltage and 36 filter states, each input scaled to [-1, 1] by its range
and clamped, dv/dt = (I - g_L (v - E_L) - psi) / C, Adam (0.003, betas 0.9, 0.9), float32.

  teacher forcing: the filter states of the measured voltage, scaled once, shuffled mini-batches, Gaussian input
    noise on the scaled inputs, squared dv/dt error.
  multiple shooting: shots of S samples with trainable initial voltage and filter states, each simulated in
    closed loop by forward Euler (the bank's own update x' = A x + B v), squared voltage error plus the
    continuity penalties between consecutive shots (rho_v on the voltage, rho_x on the states over their DC
    gains); back-propagation through time by autograd.

The bench writes the job into a directory: job.json (sizes, step, settings, the bank's A and B, the DC gains and
input ranges) and little-endian float32 arrays v.f32, i.f32 (the training samples and one more) and x.f32 (the
measured voltage's filter states, samples x 36). The peer prints one line "peer: <mode> <samples> <median epoch
seconds> <whole run seconds> <threads> <torch version>" and nothing else on stdout.

Usage: python3 pytorch_peer.py DIR tf|ms EPOCHS THREADS
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch


def load(directory):
    with open(os.path.join(directory, "job.json")) as f:
        job = json.load(f)
    n = job["samples"] + 1
    states = job["states"]
    v = torch.from_numpy(np.fromfile(os.path.join(directory, "v.f32"), dtype="<f4", count=n))
    i = torch.from_numpy(np.fromfile(os.path.join(directory, "i.f32"), dtype="<f4", count=n))
    x = torch.from_numpy(np.fromfile(os.path.join(directory, "x.f32"), dtype="<f4", count=n * states).reshape(n, states))
    return job, v, i, x


class Neuron(torch.nn.Module):
    def __init__(self, job):
        super().__init__()
        inputs = 1 + job["states"]
        sizes = [inputs] + job["hidden"] + [1]
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [torch.nn.Linear(a, b), torch.nn.Tanh()]
        self.mlp = torch.nn.Sequential(*layers[:-1])
        self.log_c = torch.nn.Parameter(torch.tensor(0.0))
        self.log_g = torch.nn.Parameter(torch.tensor(-3.0))
        self.e_l = torch.nn.Parameter(torch.tensor(-60.0))
        low = torch.tensor(job["inputLow"], dtype=torch.float32)
        high = torch.tensor(job["inputHigh"], dtype=torch.float32)
        self.register_buffer("center", (high + low) / 2)
        self.register_buffer("scale", 2 / (high - low))

    def scaled(self, v, x):
        return torch.clamp((torch.cat([v.unsqueeze(1), x], dim=1) - self.center) * self.scale, -1.0, 1.0)

    def dvdt(self, z, v, i):
        psi = self.mlp(z).squeeze(1)
        return (i - torch.exp(self.log_g) * (v - self.e_l) - psi) / torch.exp(self.log_c)


def teacher_forcing(job, v, i, x, epochs):
    n = job["samples"]
    dt = job["dtMs"]
    target = (v[1:] - v[:-1]) / dt
    v, i, x = v[:n], i[:n], x[:n]
    model = Neuron(job)
    with torch.no_grad():
        scaled = model.scaled(v, x)  # once, as RmmEdge stores its scaled input rows
    optimiser = torch.optim.Adam(model.parameters(), lr=0.003, betas=(0.9, 0.9))
    batch, noise = job["batchSize"], job["inputNoise"]
    generator = torch.Generator().manual_seed(1)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        for b in range(0, n, batch):
            rows = order[b:b + batch]
            vb = v[rows]
            z = scaled[rows]
            z = z + noise * torch.randn(z.shape, generator=generator)
            loss = torch.mean((model.dvdt(z, vb, i[rows]) - target[rows]) ** 2)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
        times.append(time.perf_counter() - start)
    return n, times


def multiple_shooting(job, v, i, x, epochs):
    s = job["shotLength"]
    shots = job["samples"] // s
    n = shots * s
    dt = job["dtMs"]
    a = torch.tensor(job["bankA"], dtype=torch.float32)
    b = torch.tensor(job["bankB"], dtype=torch.float32)
    dc = torch.tensor(job["dcGains"], dtype=torch.float32)
    model = Neuron(job)
    starts = torch.arange(shots) * s
    v0 = torch.nn.Parameter(v[starts].clone())
    x0 = torch.nn.Parameter(x[starts].clone())
    vd = v[:n].reshape(shots, s)
    idata = i[:n].reshape(shots, s)
    optimiser = torch.optim.Adam(list(model.parameters()) + [v0, x0], lr=0.003, betas=(0.9, 0.9))
    per_batch, rho_v, rho_x = job["shotsPerBatch"], job["continuityV"], job["continuityX"]
    generator = torch.Generator().manual_seed(1)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(shots - 1, generator=generator)
        for first in range(0, shots - 1, per_batch):
            k = order[first:first + per_batch]
            vk, xk = v0[k], x0[k]
            error = 0.0
            for t in range(s):
                error = error + torch.mean((vk - vd[k, t]) ** 2)
                dv = model.dvdt(model.scaled(vk, xk), vk, idata[k, t])
                xk = xk @ a.T + b * vk.unsqueeze(1)
                vk = vk + dt * dv
            continuity = rho_v * torch.mean((vk - v0[k + 1]) ** 2) + rho_x * torch.mean(((xk - x0[k + 1]) / dc) ** 2)
            loss = error / s + continuity
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
        times.append(time.perf_counter() - start)
    return n, times


def main():
    directory, mode, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    job, v, i, x = load(directory)
    run = {"tf": teacher_forcing, "ms": multiple_shooting}[mode]
    start = time.perf_counter()
    samples, times = run(job, v, i, x, epochs)
    whole = time.perf_counter() - start
    print(f"peer: {mode} {samples} {statistics.median(times):.6f} {whole:.6f} {torch.get_num_threads()} {torch.__version__}")


if __name__ == "__main__":
    main()
