using System;
using RmmEdge.SharedModel.Format;

namespace RmmEdge.SharedModel.Kernel
{
    /// <summary>
    /// The reference fixed-point step of an .rmmq model (TF4: the specification, kept plain). Setup
    /// (the constructor) allocates every buffer once; <see cref="Step"/> allocates nothing, throws
    /// nothing and runs only bounded loops over sizes the loader validated. The C twin
    /// (firmware/native/rmm_step.c) performs the same integer operations in the same order, so the two
    /// are bit-identical (golden vectors in tests/golden).
    ///
    /// One step from k to k+1, all in integers:
    /// 1. external neurons take their measured voltage;
    /// 2. every current: normalise [v_owner, x] to Q0.15 (saturating at ±1), run its MLP(s)
    ///    (Σ w·z + b in int64, requantise, tanh/sigmoid by table), and form ψ (Q16 nA): the lumped
    ///    output directly, or g·a·b·(v − E) for a gating current;
    /// 3. every modelled neuron: v' = clamp(v + RoundShift(dt/c · (I − g_L(v − E_L) − Σψ), 24));
    /// 4. every bank advances with its input at k — its source's voltage, or (format version 2) that
    ///    voltage's spike activity; then v ← v'.
    /// </summary>
    public sealed class StepKernel
    {
        private readonly RmmqModel _m;
        private readonly int[] _v;
        private readonly int[] _vNext;
        private readonly int[] _currentInto;
        private readonly int[] _states;
        private readonly int[] _psi;
        private readonly int[] _z;
        private readonly int[] _bufferA;
        private readonly int[] _bufferB;

        public StepKernel(RmmqModel model)
        {
            if (model == null || !model.Validated)
            {
                throw new ArgumentException("the kernel runs only a model that RmmqReader validated", "model");
            }

            _m = model;
            _v = new int[model.NeuronCount];
            _vNext = new int[model.NeuronCount];
            _currentInto = new int[model.NeuronCount];
            _states = new int[model.StateCount];
            _psi = new int[model.CurrentCount];
            _z = new int[model.MaxWidth];
            _bufferA = new int[model.MaxWidth];
            _bufferB = new int[model.MaxWidth];
        }

        public RmmqModel Model
        {
            get { return _m; }
        }

        /// <summary>Voltage of every neuron (Q15.16 mV) at the current step.</summary>
        public int[] Voltages
        {
            get { return _v; }
        }

        /// <summary>Σψ of the currents owned by each neuron (Q15.16 nA) from the last step: for an
        /// external neuron, the current the model draws from it (the firmware injects its negative).</summary>
        public int[] CurrentsInto
        {
            get { return _currentInto; }
        }

        /// <summary>ψ of every current (Q15.16 nA) from the last step.</summary>
        public int[] CurrentValues
        {
            get { return _psi; }
        }

        /// <summary>Bank states (Q15.16), current by current.</summary>
        public int[] States
        {
            get { return _states; }
        }

        /// <summary>Starts at voltages v0 (Q15.16 mV) with every bank at its steady state for its source's v0.</summary>
        public void Reset(int[] v0)
        {
            for (int i = 0; i < _m.NeuronCount; i++)
            {
                _v[i] = v0[i];
                _currentInto[i] = 0;
            }

            for (int c = 0; c < _m.CurrentCount; c++)
            {
                int u = BankDrive(c, _v[_m.Source[c]]);
                int first = _m.BankIndex[c];
                for (int s = first; s < first + _m.BankSize[c]; s++)
                {
                    _states[s] = SteadyState(c, s, u);
                }
            }
        }

        /// <summary>
        /// One step. <paramref name="injected"/>: current injected into each neuron (Q15.16 nA);
        /// <paramref name="measured"/>: measured voltage of each neuron (Q15.16 mV; only external
        /// neurons' entries are read).
        /// </summary>
        public void Step(int[] injected, int[] measured)
        {
            RmmqModel m = _m;
            for (int i = 0; i < m.NeuronCount; i++)
            {
                if (m.External[i])
                {
                    _v[i] = measured[i];
                }

                _currentInto[i] = 0;
            }

            for (int c = 0; c < m.CurrentCount; c++)
            {
                int psi = EvaluateCurrent(c);
                _psi[c] = psi;
                _currentInto[m.Owner[c]] = FixedPoint.SaturateInt32((long)_currentInto[m.Owner[c]] + psi);
            }

            for (int i = 0; i < m.NeuronCount; i++)
            {
                if (m.External[i])
                {
                    _vNext[i] = _v[i];
                    continue;
                }

                int leak = FixedPoint.MultiplyShift(m.LeakConductance[i], FixedPoint.SaturateInt32((long)_v[i] - m.LeakReversal[i]), FixedPoint.GainBits);
                long total = (long)injected[i] - leak - _currentInto[i];
                long next = _v[i] + FixedPoint.RoundShift(total * m.StepGain[i], FixedPoint.GainBits);
                _vNext[i] = next < m.VoltageMin[i] ? m.VoltageMin[i] : next > m.VoltageMax[i] ? m.VoltageMax[i] : (int)next;
            }

            for (int c = 0; c < m.CurrentCount; c++)
            {
                AdvanceBank(c, BankDrive(c, _v[m.Source[c]]));
            }

            for (int i = 0; i < m.NeuronCount; i++)
            {
                _v[i] = _vNext[i];
            }
        }

        private int EvaluateCurrent(int c)
        {
            RmmqModel m = _m;
            int inputs = 0;
            int norm = m.NormIndex[c];
            if (m.UsesVoltage[c])
            {
                _z[0] = Normalize(norm, _v[m.Owner[c]]);
                inputs = 1;
            }

            int first = m.BankIndex[c];
            for (int s = 0; s < m.BankSize[c]; s++)
            {
                _z[inputs] = Normalize(norm + inputs, _states[first + s]);
                inputs++;
            }

            int a = RunMlp(m.FirstLayerA[c], m.LayersA[c]);
            if (m.Kind[c] == (int)CurrentKindCode.Lumped)
            {
                return a;
            }

            // Gating: a, b and g in Q16, (v − E) in Q16 mV: ψ = ((a·b ≫ 16)·g ≫ 16)·(v − E) ≫ 16 (Q16 nA).
            int b = m.LayersB[c] > 0 ? RunMlp(m.FirstLayerB[c], m.LayersB[c]) : 1 << FixedPoint.CurrentBits;
            int ab = FixedPoint.MultiplyShift(a, b, 16);
            int gab = FixedPoint.MultiplyShift(ab, m.Conductance[c], 16);
            int drive = FixedPoint.SaturateInt32((long)_v[m.Owner[c]] - m.Reversal[c]);
            return FixedPoint.MultiplyShift(gab, drive, 16);
        }

        private int Normalize(int entry, int x)
        {
            long centred = (long)x - _m.NormCenter[entry];
            return FixedPoint.SaturateUnit(FixedPoint.RoundShift(centred * _m.NormMultiplier[entry], _m.NormShift[entry]));
        }

        /// <summary>Runs layers first..first+count−1 on _z; returns the single output (requantised by its layer).</summary>
        private int RunMlp(int first, int count)
        {
            RmmqModel m = _m;
            int[] input = _z;
            int[] output = _bufferA;
            for (int l = first; l < first + count; l++)
            {
                int inSize = m.LayerIn[l], outSize = m.LayerOut[l];
                int w = m.LayerWeightIndex[l], p = m.LayerParamIndex[l];
                int activation = m.LayerActivation[l];
                for (int j = 0; j < outSize; j++)
                {
                    long acc = m.Bias[p + j];
                    int row = w + j * inSize;
                    for (int k = 0; k < inSize; k++)
                    {
                        acc += (long)m.Weights[row + k] * input[k];
                    }

                    int q = FixedPoint.Requantize(acc, m.Multiplier[p + j], m.Shift[p + j]);
                    if (activation == (int)ActivationCode.Tanh)
                    {
                        q = ActivationTable.Tanh(m.Table, q);
                    }
                    else if (activation == (int)ActivationCode.Sigmoid)
                    {
                        q = ActivationTable.SigmoidOfHalf(m.Table, q);
                    }

                    output[j] = q;
                }

                input = output;
                output = output == _bufferA ? _bufferB : _bufferA;
            }

            return input[0];
        }

        /// <summary>
        /// What drives bank <paramref name="c"/> for a source voltage <paramref name="v"/> (Q15.16 mV): the
        /// voltage itself, or its spike activity σ((v − center)/slope) in Q1.30 — the table sigmoid of
        /// (v − center)/(2·slope) in Q4.11, its Q0.15 result shifted up. Why Q1.30 and not Q15.16: a
        /// diagonal section moves by RoundShift((u − x)·gain, 30), which stops below |u − x| = 1/(2·gain)
        /// LSB; for a 400 ms section at 10 kHz that is 2000 LSB, 0.03 mV for a voltage but 3% of the whole
        /// range of an activity held in Q15.16 (the slow states of neuron A's activity bank were off by half).
        /// </summary>
        private int BankDrive(int c, int v)
        {
            RmmqModel m = _m;
            if (m.BankInput[c] == (int)BankInputCode.Voltage)
            {
                return v;
            }

            int half = FixedPoint.SaturateInt32(FixedPoint.RoundShift(((long)v - m.ActivityCenter[c]) * m.ActivityMultiplier[c], m.ActivityShift[c]));
            return ActivationTable.SigmoidOfHalf(m.Table, half) << (FixedPoint.ActivityBits - FixedPoint.UnitBits);
        }

        private void AdvanceBank(int c, int u)
        {
            RmmqModel m = _m;
            int first = m.BankIndex[c], end = first + m.BankSize[c];
            if (m.BankKind[c] == (int)BankKindCode.Diagonal)
            {
                for (int s = first; s < end; s++)
                {
                    long delta = ((long)u - _states[s]) * m.BankGain[s];
                    _states[s] = FixedPoint.SaturateInt32(_states[s] + FixedPoint.RoundShift(delta, FixedPoint.CoefficientBits));
                }

                return;
            }

            // GOBF cascade: each section's output, from its old state, is the next section's input.
            long ui = u;
            for (int s = first; s < end; s++)
            {
                long old = _states[s];
                long y = FixedPoint.RoundShift(m.BankGain[s] * old - m.Lambda[s] * ui, FixedPoint.CoefficientBits);
                _states[s] = FixedPoint.SaturateInt32(FixedPoint.RoundShift(m.Lambda[s] * old + m.BankGain[s] * ui, FixedPoint.CoefficientBits));
                ui = FixedPoint.SaturateInt32(y);
            }
        }

        private int SteadyState(int c, int s, int u)
        {
            if (_m.BankKind[c] == (int)BankKindCode.Diagonal)
            {
                return u;
            }

            // x = B/(1 − λ)·u for a GOBF section whose input is u (each all-pass section has DC gain 1).
            long one = 1L << FixedPoint.CoefficientBits;
            long denominator = one - _m.Lambda[s];
            return FixedPoint.SaturateInt32((long)u * _m.BankGain[s] / denominator);
        }
    }
}
