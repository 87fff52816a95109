using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// One current's bank states at the training samples, kept as the state at the first sample of every
/// block (<see cref="TrainingBlocks"/>) and re-run from there on demand, instead of one stored row per
/// sample: 4 bytes per state per block in place of 4 bytes per input per sample. A long record's
/// teacher forcing then fits in memory (a 1-hour record at 10 kHz held 5.3 GB of precomputed rows for
/// the authors' 37-input network). The states it gives are bit for bit those of
/// <see cref="Current.VisitBankStates"/>, which it continues with the same steps.
/// </summary>
internal sealed class BankCheckpoints
{
    private readonly Current _current;
    private readonly float[] _source;
    private readonly TrainingBlocks _blocks;
    private readonly float[] _states;

    public BankCheckpoints(Current current, Dataset data, TrainingBlocks blocks)
    {
        _current = current;
        _source = data.Neurons[current.Source].V;
        _blocks = blocks;
        int size = current.Bank.Size;
        _states = new float[blocks.Count * size];
        int next = 0;
        current.VisitBankStates(_source, data.Segments, (k, x) =>
        {
            if (next < blocks.Count && blocks.FirstSample(next) == k)
            {
                x.CopyTo(_states.AsSpan(next * size, size));
                next++;
            }
        });

        if (next != blocks.Count)
        {
            throw new InvalidOperationException($"{current.QualifiedName}: {blocks.Count - next} block starts lie outside the data's segments");
        }
    }

    /// <summary>A walker's place and scratch: the bank state at one sample, so that the next sample costs one step.</summary>
    public sealed class Cursor(int size, int maxSamples)
    {
        public readonly float[] State = new float[size];

        /// <summary>The sample whose state <see cref="State"/> holds (−1: none yet).</summary>
        public int Sample = -1;

        /// <summary>
        /// The runs' bank states side by side, feature-major: state i of run g at [i * stride + g], the
        /// stride being the number of runs rounded up to whole vectors.
        /// </summary>
        public readonly float[] LaneStates = new float[size * (maxSamples + Vector<float>.Count)];

        public readonly float[] LaneInputs = new float[maxSamples + Vector<float>.Count];

        public readonly float[] Column = new float[size];

        public readonly int[] First = new int[maxSamples];

        public readonly int[] Length = new int[maxSamples];
    }

    /// <summary>A cursor for calls of <see cref="Fill"/> with up to <paramref name="maxSamples"/> samples.</summary>
    public Cursor NewCursor(int maxSamples) => new(_current.Bank.Size, maxSamples);

    /// <summary>
    /// Writes the normalised MLP input of each given training sample (ascending) feature-major,
    /// z[i * n + b] (the layout of <see cref="Numerics.RowGather"/>); <paramref name="ownerMv"/> is the
    /// owner's voltage. The samples fall into runs of consecutive samples (blocks). The runs are walked
    /// side by side (<see cref="FilterBank.StepBatch"/>), one bank step per sample, each from its
    /// block's checkpoint or from the cursor, where a run continues the last call's.
    /// </summary>
    public void Fill(ReadOnlySpan<int> samples, float[] ownerMv, Span<float> z, Cursor cursor)
    {
        int n = samples.Length;
        if (n == 0) { return; }
        int size = _current.Bank.Size;
        if (z.Length < (_current.VoltageInputs + size) * n || n > cursor.First.Length)
        {
            throw new ArgumentException($"{_current.QualifiedName}: {n} samples need a chunk of {(_current.VoltageInputs + size) * n} inputs and a cursor for as many samples", nameof(z));
        }

        int[] first = cursor.First, length = cursor.Length;
        int runs = 0, longest = 0;
        for (int b = 0; b < n; runs++)
        {
            int end = b + 1;
            while (end < n && samples[end] == samples[end - 1] + 1) { end++; }
            first[runs] = b;
            length[runs] = end - b;
            longest = Math.Max(longest, end - b);
            b = end;
        }

        // Lanes come in whole vectors (the spare ones walk zeros): a lane left over for the scalar
        // tail would wait on the cascade's latency alone and cost as much as a vector of them.
        int width = Vector.IsHardwareAccelerated ? Vector<float>.Count : 1;
        int stride = (runs + width - 1) / width * width;
        Span<float> lanes = cursor.LaneStates.AsSpan(0, size * stride);
        lanes.Clear();
        Span<float> column = cursor.Column;
        for (int g = 0; g < runs; g++)
        {
            StateAt(samples[first[g]], cursor, column);
            for (int i = 0; i < size; i++) { lanes[i * stride + g] = column[i]; }
        }

        // Each run's raw states go straight to their places in z (feature f's row is z[f * n ..]),
        // then every row is normalised in one pass.
        int shift = _current.VoltageInputs;
        ref float states = ref MemoryMarshal.GetReference(lanes);
        ref float z0 = ref MemoryMarshal.GetReference(z);
        for (int t = 0; t < longest; t++)
        {
            for (int g = 0; g < runs; g++)
            {
                if (t >= length[g]) { continue; }
                ref float target = ref Unsafe.Add(ref z0, shift * n + first[g] + t);
                for (int i = 0; i < size; i++)
                {
                    Unsafe.Add(ref target, i * n) = Unsafe.Add(ref states, i * stride + g);
                }
            }

            if (t == length[runs - 1] - 1)
            {
                // The chunk's last sample (the last of the last run): kept for the next call.
                for (int i = 0; i < size; i++) { cursor.State[i] = lanes[i * stride + runs - 1]; }
            }

            if (t + 1 < longest)
            {
                for (int g = 0; g < stride; g++)
                {
                    cursor.LaneInputs[g] = g < runs && t + 1 < length[g] ? _current.Spec.Drive(_source[samples[first[g] + t]]) : 0f;
                }

                _current.Bank.StepBatch(lanes, cursor.LaneInputs, stride);
            }
        }

        InputNormalizer normalizer = _current.Normalizer;
        if (shift == 1)
        {
            for (int b = 0; b < n; b++) { z[b] = ownerMv[samples[b]]; }
        }

        for (int f = 0; f < shift + size; f++)
        {
            Span<float> row = z.Slice(f * n, n);
            normalizer.ApplyFeature(f, row, row);
        }

        cursor.Sample = samples[n - 1];
    }

    /// <summary>The bank state at sample k: from the cursor when it holds k or the sample before, else re-run from k's block checkpoint.</summary>
    private void StateAt(int k, Cursor cursor, Span<float> x)
    {
        if (cursor.Sample >= 0 && (k == cursor.Sample || k == cursor.Sample + 1))
        {
            cursor.State.CopyTo(x);
            if (k == cursor.Sample + 1) { _current.Bank.Step(x, _current.Spec.Drive(_source[k - 1])); }
            return;
        }

        int size = _current.Bank.Size;
        int block = _blocks.BlockOf(k);
        _states.AsSpan(block * size, size).CopyTo(x);
        for (int j = _blocks.FirstSample(block); j < k; j++)
        {
            _current.Bank.Step(x, _current.Spec.Drive(_source[j]));
        }
    }
}

/// <summary>
/// The training samples of one neuron cut into blocks of at most <see cref="Length"/> consecutive
/// samples: the unit that streamed teacher forcing shuffles and re-runs its banks over. Consecutive
/// training samples always share a segment (a segment's last sample has no target and is never
/// trained on), so a bank can step from one to the next.
/// </summary>
internal sealed class TrainingBlocks
{
    /// <summary>Samples per block: a block's bank walk costs at most this many steps, and its checkpoint a 1/32 of a row per sample.</summary>
    public const int Length = 32;

    private readonly int[] _offsets;

    /// <summary>Each block's first sample, kept apart from the training samples so that <see cref="BlockOf"/> reads two small arrays, not the record-long list.</summary>
    private readonly int[] _firstSamples;

    /// <summary>Per 32 samples of the record, the last block that starts at or before them: <see cref="BlockOf"/> without a search.</summary>
    private readonly int[] _blockAtBucket;

    private const int BucketShift = 5;

    /// <param name="samples">The training samples, ascending (<see cref="TeacherForcingProblem.Samples"/>).</param>
    public TrainingBlocks(int[] samples)
    {
        var offsets = new List<int>();
        for (int j = 0; j < samples.Length; j++)
        {
            if (j == 0 || samples[j] != samples[j - 1] + 1 || j - offsets[^1] == Length) { offsets.Add(j); }
        }

        offsets.Add(samples.Length);
        _offsets = offsets.ToArray();
        _firstSamples = _offsets[..^1].Select(j => samples[j]).ToArray();
        int last = samples.Length > 0 ? samples[^1] : 0;
        _blockAtBucket = new int[(last >> BucketShift) + 1];
        for (int q = 0, b = 0; q < _blockAtBucket.Length; q++)
        {
            while (b + 1 < Count && FirstSample(b + 1) <= q << BucketShift) { b++; }
            _blockAtBucket[q] = b;
        }
    }

    public int Count => _offsets.Length - 1;

    /// <summary>Block b is Samples[Offset(b) .. Offset(b + 1)).</summary>
    public int Offset(int b) => _offsets[b];

    public int FirstSample(int b) => _firstSamples[b];

    /// <summary>The block holding training sample k.</summary>
    public int BlockOf(int k)
    {
        int b = (uint)(k >> BucketShift) < (uint)_blockAtBucket.Length ? _blockAtBucket[k >> BucketShift] : -1;
        while (b >= 0 && b + 1 < Count && FirstSample(b + 1) <= k) { b++; }
        if (b < 0 || k < FirstSample(b) || k >= FirstSample(b) + Offset(b + 1) - Offset(b))
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"sample {k} is not a training sample");
        }

        return b;
    }
}
