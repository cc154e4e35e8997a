using KerasNet.Layers;

namespace KerasNet.Onnx.Converters;

/// <summary>SimpleRNN, LSTM, GRU (and RNN over their cells), Bidirectional and TimeDistributed, with ONNX's RNN,
/// LSTM and GRU operators. Those take time-major sequences (seq, batch, features) and weights
/// (directions, gates·units, features) in their own gate order: Keras's LSTM gates i, f, c, o become ONNX's
/// i, o, f, c; GRU keeps z, r, h, with linear_before_reset = 1 for reset_after (the recurrent bias then
/// stays apart, as ONNX's Rb). Keras's bias is ONNX's Wb, with Rb zero.</summary>
internal static partial class LayerConverters
{
    private static void RegisterRecurrent(Dictionary<Type, LayerConverter> r)
    {
        r[typeof(RNN)] = ConvertRnn;
        r[typeof(SimpleRNN)] = ConvertRnn;
        r[typeof(LSTM)] = ConvertRnn;
        r[typeof(GRU)] = ConvertRnn;
        r[typeof(Bidirectional)] = ConvertBidirectional;
        r[typeof(TimeDistributed)] = ConvertTimeDistributed;
        r[typeof(Masking)] = ConvertMasking;
    }

    /// <summary>One direction of a recurrent layer as ONNX wants it.</summary>
    private sealed record RnnSpec(string Op, int Units, int StateCount, string[] Activations, float[] Alphas, float[] Betas,
        float[] W, float[] R, float[] B, bool LinearBeforeReset);

    /// <summary>Keras's kernel (rows, gates·units) as ONNX's (gates·units, rows), gate blocks in ONNX's order
    /// (<paramref name="order"/>[k] is the Keras gate that becomes ONNX gate k).</summary>
    private static float[] GateMatrix(float[] kernel, int rows, int units, int[] order)
    {
        int gates = order.Length, cols = gates * units;
        var result = new float[cols * rows];
        for (int k = 0; k < gates; k++)
            for (int j = 0; j < units; j++)
                for (int r = 0; r < rows; r++)
                    result[((k * units) + j) * rows + r] = kernel[r * cols + order[k] * units + j];
        return result;
    }

    private static float[] GateVector(float[] bias, int offset, int units, int[] order)
    {
        var result = new float[order.Length * units];
        for (int k = 0; k < order.Length; k++) Array.Copy(bias, offset + order[k] * units, result, k * units, units);
        return result;
    }

    /// <summary>An activation ONNX's recurrent operators accept, with the parameters it needs.</summary>
    private static (string Name, float? Alpha, float? Beta) RecurrentActivation(ConversionContext c, Func<Tensor, Tensor> f, string role)
    {
        string? name = Activations.NameOf(f);
        return name switch
        {
            "sigmoid" => ("Sigmoid", null, null),
            "tanh" => ("Tanh", null, null),
            "relu" => ("Relu", null, null),
            "softsign" => ("Softsign", null, null),
            "softplus" => ("Softplus", null, null),
            "linear" => ("Affine", 1f, 0f),
            "hard_sigmoid" => ("HardSigmoid", 1f / 6f, 0.5f),
            "elu" => ("Elu", 1f, null),
            _ => throw c.Unsupported($"its {role} '{name ?? f.Method.Name}' is not among the activations ONNX's recurrent operators take " +
                "(sigmoid, tanh, relu, softsign, softplus, linear, hard_sigmoid, elu)."),
        };
    }

    private static RnnSpec Spec(ConversionContext c, RNN layer)
    {
        switch (layer.Cell)
        {
            case LSTMCell cell:
            {
                int u = cell.Units, input = cell.Kernel.Shape[0];
                int[] order = [0, 3, 1, 2]; // ONNX i, o, f, c from Keras i, f, c, o
                var f = RecurrentActivation(c, cell.RecurrentActivation, "recurrent activation");
                var g = RecurrentActivation(c, cell.Activation, "activation");
                var b = new float[8 * u];
                if (cell.Bias is { } bias) Array.Copy(GateVector(ConversionContext.Data(bias), 0, u, order), b, 4 * u);
                return new RnnSpec("LSTM", u, 2, [f.Name, g.Name, g.Name], Params(f.Alpha, g.Alpha, g.Alpha), Params(f.Beta, g.Beta, g.Beta),
                    GateMatrix(ConversionContext.Data(cell.Kernel), input, u, order),
                    GateMatrix(ConversionContext.Data(cell.RecurrentKernel), u, u, order), b, false);
            }
            case GRUCell cell:
            {
                int u = cell.Units, input = cell.Kernel.Shape[0];
                int[] order = [0, 1, 2]; // z, r, h in both
                var f = RecurrentActivation(c, cell.RecurrentActivation, "recurrent activation");
                var g = RecurrentActivation(c, cell.Activation, "activation");
                var b = new float[6 * u];
                // reset_after: the bias is (2, 3u), input bias then recurrent bias: ONNX's Wb then Rb.
                if (cell.Bias is { } bias) Array.Copy(ConversionContext.Data(bias), b, cell.ResetAfter ? 6 * u : 3 * u);
                return new RnnSpec("GRU", u, 1, [f.Name, g.Name], Params(f.Alpha, g.Alpha), Params(f.Beta, g.Beta),
                    GateMatrix(ConversionContext.Data(cell.Kernel), input, u, order),
                    GateMatrix(ConversionContext.Data(cell.RecurrentKernel), u, u, order), b, cell.ResetAfter);
            }
            case SimpleRNNCell cell:
            {
                int u = cell.Units, input = cell.Kernel.Shape[0];
                var g = RecurrentActivation(c, cell.Activation, "activation");
                var b = new float[2 * u];
                if (cell.Bias is { } bias) Array.Copy(ConversionContext.Data(bias), b, u);
                return new RnnSpec("RNN", u, 1, [g.Name], Params(g.Alpha), Params(g.Beta),
                    GateMatrix(ConversionContext.Data(cell.Kernel), input, u, [0]),
                    GateMatrix(ConversionContext.Data(cell.RecurrentKernel), u, u, [0]), b, false);
            }
            default:
                throw c.Unsupported($"its cell '{layer.Cell.Name}' ({layer.Cell.ClassName}) is not an LSTM, GRU or SimpleRNN cell.");
        }
    }

    /// <summary>ONNX's activation_alpha/beta list: the values of the activations that take one, in order.</summary>
    private static float[] Params(params float?[] values) => values.Where(v => v is not null).Select(v => v!.Value).ToArray();

    /// <summary>Emits one ONNX recurrent node over the time-major sequence <paramref name="x"/>: one spec per
    /// direction ("forward", "reverse", or both for "bidirectional"). Returns Y (seq, dirs, batch, units) and
    /// the final states (dirs, batch, units): Y_h, and Y_c for an LSTM.</summary>
    private static (string Y, string[] States) EmitRecurrent(GraphBuilder g, string x, RnnSpec[] specs, string direction, string[]? initialStates)
    {
        var first = specs[0];
        int u = first.Units;
        string Stack(Func<RnnSpec, float[]> part, int rows, int cols, string hint)
        {
            var data = specs.SelectMany(part).ToArray();
            return g.Constant(data, [specs.Length, rows, cols], hint);
        }
        int rowsPerDir = first.Op switch { "LSTM" => 4 * u, "GRU" => 3 * u, _ => u };
        int input = first.W.Length / rowsPerDir;
        var inputs = new List<string>
        {
            x,
            Stack(s => s.W, rowsPerDir, input, "W"),
            Stack(s => s.R, rowsPerDir, u, "R"),
            g.Constant(specs.SelectMany(s => s.B).ToArray(), [specs.Length, 2 * rowsPerDir], "B"),
            "",
        };
        if (initialStates is not null) inputs.AddRange(initialStates);
        var attrs = new List<Protobuf.AttributeProto>
        {
            Attr.Int("hidden_size", u),
            Attr.Str("direction", direction),
            Attr.Strs("activations", specs.SelectMany(s => s.Activations)),
        };
        var alphas = specs.SelectMany(s => s.Alphas).ToArray();
        var betas = specs.SelectMany(s => s.Betas).ToArray();
        if (alphas.Length > 0) attrs.Add(Attr.Floats("activation_alpha", alphas));
        if (betas.Length > 0) attrs.Add(Attr.Floats("activation_beta", betas));
        if (first.Op == "GRU") attrs.Add(Attr.Int("linear_before_reset", first.LinearBeforeReset ? 1 : 0));
        var outs = g.AddNode(first.Op, inputs, 1 + first.StateCount, [.. attrs]);
        return (outs[0], outs[1..]);
    }

    /// <summary>(seq, 1, batch, units) or one direction of (seq, 2, batch, units) as Keras's (batch, seq, units),
    /// reversed in time when <paramref name="reverse"/>.</summary>
    private static string Sequence(GraphBuilder g, string y, int directions, int dir, bool reverse)
    {
        var one = directions == 1 ? y : g.Op("Slice", [y, g.Int64s(dir), g.Int64s(dir + 1), g.Int64s(1)]);
        var seq = g.Op("Squeeze", [one, g.Int64s(1)]);
        if (reverse) seq = g.Op("Slice", [seq, g.Int64s(-1), g.Int64s(long.MinValue), g.Int64s(0), g.Int64s(-1)]);
        return g.Transpose(seq, [1, 0, 2]);
    }

    /// <summary>Direction <paramref name="dir"/> of a final state (dirs, batch, units) as (batch, units).</summary>
    private static string State(GraphBuilder g, string state, int directions, int dir)
    {
        var one = directions == 1 ? state : g.Op("Slice", [state, g.Int64s(dir), g.Int64s(dir + 1), g.Int64s(0)]);
        return g.Op("Squeeze", [one, g.Int64s(0)]);
    }

    /// <summary>Initial states given as extra inputs (batch, units), stacked as ONNX's (dirs, batch, units).</summary>
    private static string[]? InitialStates(GraphBuilder g, IReadOnlyList<OnnxValue> states, int stateCount, int directions)
    {
        if (states.Count == 0) return null;
        var result = new string[stateCount];
        for (int s = 0; s < stateCount; s++)
        {
            var perDirection = Enumerable.Range(0, directions).Select(d => g.Op("Unsqueeze", [states[d * stateCount + s].Name, g.Int64s(0)])).ToArray();
            result[s] = directions == 1 ? perDirection[0] : g.Op("Concat", perDirection, Attr.Int("axis", 0));
        }
        return result;
    }

    private static OnnxValue[] ConvertRnn(ConversionContext c)
    {
        var l = (RNN)c.Layer;
        var g = c.Graph;
        // The output sequence carries the input's mask on; the states carry none.
        string? mask = c.Input.Mask;
        c.SetsMasks = true;
        string? outMask = l.ReturnSequences ? mask : null;
        var initial = c.Inputs[1..];
        if (mask is not null || !NativeActivations(l))
        {
            var (sequence, finalStates) = ScanRecurrent(c, l, c.Input.Name, mask, initial.Length > 0 ? initial.Select(i => i.Name).ToArray() : null,
                inputOrder: false, zeroOutputForMask: l.ZeroOutputForMask && l.ReturnSequences);
            var result = new List<OnnxValue> { c.Output(l.ReturnSequences ? sequence : finalStates[0], mask: outMask) };
            if (l.ReturnState) for (int i = 0; i < finalStates.Length; i++) result.Add(c.Output(finalStates[i], 1 + i));
            return [.. result];
        }
        var spec = Spec(c, l);
        var x = g.Transpose(c.Input.Name, [1, 0, 2]);
        var (y, states) = EmitRecurrent(g, x, [spec], l.GoBackwards ? "reverse" : "forward", InitialStates(g, initial, spec.StateCount, 1));
        // Keras collects a go_backwards layer's outputs in processing order; ONNX's Y is in input order.
        var outputs = new List<OnnxValue>
        {
            c.Output(l.ReturnSequences ? Sequence(g, y, 1, 0, l.GoBackwards) : State(g, states[0], 1, 0), mask: outMask),
        };
        if (l.ReturnState)
            for (int i = 0; i < spec.StateCount; i++) outputs.Add(c.Output(State(g, states[i], 1, 0), 1 + i));
        return [.. outputs];
    }

    private static OnnxValue[] ConvertBidirectional(ConversionContext c)
    {
        var l = (Bidirectional)c.Layer;
        var g = c.Graph;
        string? mask = c.Input.Mask;
        c.SetsMasks = true;
        int half = (c.Inputs.Length - 1) / 2;
        var initialForward = c.Inputs[1..(1 + half)];
        var initialBackward = c.Inputs[(1 + half)..];
        // Per direction: the output (sequence in input order, or last output) and the final states.
        string[] ys;
        string[][] states;
        if (mask is not null || !NativeActivations(l.ForwardLayer) || !NativeActivations(l.BackwardLayer))
        {
            // Both directions as Scans, each sequence in input order (Keras flips the backward one back).
            static string[]? Names(OnnxValue[] v) => v.Length > 0 ? v.Select(i => i.Name).ToArray() : null;
            var (sf, stf) = ScanRecurrent(c, l.ForwardLayer, c.Input.Name, mask, Names(initialForward), inputOrder: true,
                zeroOutputForMask: l.ForwardLayer.ZeroOutputForMask && l.ReturnSequences);
            var (sb, stb) = ScanRecurrent(c, l.BackwardLayer, c.Input.Name, mask, Names(initialBackward), inputOrder: true,
                zeroOutputForMask: l.BackwardLayer.ZeroOutputForMask && l.ReturnSequences);
            ys = l.ReturnSequences ? [sf, sb] : [stf[0], stb[0]];
            states = [stf, stb];
        }
        else (ys, states) = NativeBidirectional(c, l, initialForward, initialBackward);

        string? outMask = l.ReturnSequences ? mask : null;
        var outputs = new List<OnnxValue>();
        int k = 0;
        switch (l.MergeMode)
        {
            case "concat": outputs.Add(c.Output(g.Op("Concat", ys, Attr.Int("axis", -1)), k++, mask: outMask)); break;
            case "sum": outputs.Add(c.Output(g.Op("Add", ys), k++, mask: outMask)); break;
            case "ave": outputs.Add(c.Output(g.Op("Mul", [g.Op("Add", ys), g.Scalar(0.5f)]), k++, mask: outMask)); break;
            case "mul": outputs.Add(c.Output(g.Op("Mul", ys), k++, mask: outMask)); break;
            default:
                outputs.Add(c.Output(ys[0], k++, mask: outMask));
                outputs.Add(c.Output(ys[1], k++, mask: outMask));
                break;
        }
        if (l.ReturnState)
            foreach (var s in states[0].Concat(states[1])) outputs.Add(c.Output(s, k++));
        return [.. outputs];
    }

    /// <summary>Bidirectional with ONNX's operators: one "bidirectional" node when the two layers are of one kind
    /// (direction 0 forward, 1 reverse), else a node per layer in its own direction.</summary>
    private static (string[] Outputs, string[][] States) NativeBidirectional(ConversionContext c, Bidirectional l, OnnxValue[] initialForward, OnnxValue[] initialBackward)
    {
        var g = c.Graph;
        var forward = Spec(c, l.ForwardLayer);
        var backward = Spec(c, l.BackwardLayer);
        var x = g.Transpose(c.Input.Name, [1, 0, 2]);
        if (forward.Op == backward.Op && forward.Units == backward.Units && forward.LinearBeforeReset == backward.LinearBeforeReset && !l.ForwardLayer.GoBackwards)
        {
            var (y, s) = EmitRecurrent(g, x, [forward, backward], "bidirectional", InitialStates(g, [.. initialForward, .. initialBackward], forward.StateCount, 2));
            string[] ys = l.ReturnSequences ? [Sequence(g, y, 2, 0, false), Sequence(g, y, 2, 1, false)] : [State(g, s[0], 2, 0), State(g, s[0], 2, 1)];
            return (ys, [s.Select(v => State(g, v, 2, 0)).ToArray(), s.Select(v => State(g, v, 2, 1)).ToArray()]);
        }
        // Both sequences come back in input order, as Keras gives them to the merge.
        var (yf, sf) = EmitRecurrent(g, x, [forward], l.ForwardLayer.GoBackwards ? "reverse" : "forward", InitialStates(g, initialForward, forward.StateCount, 1));
        var (yb, sb) = EmitRecurrent(g, x, [backward], l.BackwardLayer.GoBackwards ? "reverse" : "forward", InitialStates(g, initialBackward, backward.StateCount, 1));
        string[] outs = l.ReturnSequences ? [Sequence(g, yf, 1, 0, false), Sequence(g, yb, 1, 0, false)] : [State(g, sf[0], 1, 0), State(g, sb[0], 1, 0)];
        return (outs, [sf.Select(v => State(g, v, 1, 0)).ToArray(), sb.Select(v => State(g, v, 1, 0)).ToArray()]);
    }

    /// <summary>The wrapped layer applied to (batch·steps, ...) and the result unfolded to (batch, steps, ...).</summary>
    private static OnnxValue[] ConvertTimeDistributed(ConversionContext c)
    {
        var l = (TimeDistributed)c.Layer;
        var g = c.Graph;
        var s = c.Input.Shape;
        var inner = l.Layer;
        var innerShape = new Shape([s[0] < 0 || s[1] < 0 ? -1 : s[0] * s[1], .. s.Dims[2..]]);
        var foldDims = new List<(int Size, int FromAxis)> { (-1, -1) };
        for (int i = 2; i < s.Rank; i++) foldDims.Add((s[i], i));
        var folded = g.Op("Reshape", [c.Input.Name, ShapeOf(g, c.Input.Name, foldDims, sameTensor: false)]);
        var y = c.ConvertSublayer(inner, [new OnnxValue(folded, innerShape, c.Input.DType)])[0];
        var outShape = c.OutputShapes[0];
        var unfoldDims = new List<(int Size, int FromAxis)> { (s[0], 0), (s[1], 1) };
        for (int i = 2; i < outShape.Rank; i++) unfoldDims.Add((outShape[i], -1));
        return [c.Output(g.Op("Reshape", [y.Name, ShapeOf(g, c.Input.Name, unfoldDims, sameTensor: false)]))];
    }

    /// <summary>x · (any feature of the step differs from mask_value), and a mask for the layers after it.</summary>
    private static OnnxValue[] ConvertMasking(ConversionContext c)
    {
        var l = (Masking)c.Layer;
        var g = c.Graph;
        var x = c.Input.Name;
        var differs = g.Op("Cast", g.Op("Not", g.Op("Equal", [x, g.Scalar(l.MaskValue)])), Attr.Int("to", 1));
        var any = g.Reduce("ReduceMax", differs, [c.Input.Rank - 1], keepDims: true);
        var keep = g.Op("Greater", [any, g.Scalar(0)]);
        c.SetsMasks = true;
        var mask = g.Op("Squeeze", [keep, g.Int64s(c.Input.Rank - 1)]);
        return [c.Output(g.Op("Mul", [x, g.Op("Cast", keep, Attr.Int("to", 1))]), mask: mask)];
    }
}

/// <summary>Keras's recurrence written out step by step in an ONNX Scan, for what the RNN/LSTM/GRU operators
/// cannot do: masks (a masked step keeps the previous states, as Keras does, wherever it falls in the
/// sequence) and activations outside the operators' list.</summary>
internal static partial class LayerConverters
{
    /// <summary>Whether the ONNX recurrent operator can run <paramref name="layer"/> as Keras does.</summary>
    private static bool NativeActivations(RNN layer)
    {
        static bool Ok(Func<Tensor, Tensor> f) => Activations.NameOf(f) is "sigmoid" or "tanh" or "relu" or "softsign" or "softplus" or "linear" or "hard_sigmoid" or "elu";
        return layer.Cell switch
        {
            LSTMCell l => Ok(l.Activation) && Ok(l.RecurrentActivation),
            GRUCell gr => Ok(gr.Activation) && Ok(gr.RecurrentActivation),
            SimpleRNNCell s => Ok(s.Activation),
            _ => true,
        };
    }

    private static string StepActivation(ConversionContext c, GraphBuilder b, Func<Tensor, Tensor> f, string x)
    {
        string? name = Activations.NameOf(f);
        if (name == "linear") return x;
        if (name is not null && Elementwise.Contains(name)) return ElementwiseActivation(b, name, x);
        throw c.Unsupported($"the activation '{name ?? f.Method.Name}' of its cell has no elementwise ONNX form.");
    }

    /// <summary>Runs <paramref name="layer"/> over batch-major <paramref name="x"/> (batch, steps, features) with a
    /// Scan over the step axis. The input projection x·kernel + bias is computed for all steps before the loop, as
    /// the layer does. Returns the per-step outputs (batch, steps, units) — in processing order, or in input order
    /// when <paramref name="inputOrder"/> (Bidirectional's backward layer) — and the final states (batch, units).</summary>
    private static (string Sequence, string[] States) ScanRecurrent(ConversionContext c, RNN layer, string x, string? mask,
        IReadOnlyList<string>? initialStates, bool inputOrder, bool zeroOutputForMask)
    {
        var g = c.Graph;
        if (layer.Cell is not DropoutRNNCell cell || cell is not (LSTMCell or GRUCell or SimpleRNNCell))
            throw c.Unsupported($"its cell '{layer.Cell.Name}' ({layer.Cell.ClassName}) is not an LSTM, GRU or SimpleRNN cell.");
        int u = cell.Units, input = cell.Kernel.Shape[0];
        int gates = cell.Kernel.Shape[1] / u;
        int stateCount = cell is LSTMCell ? 2 : 1;
        var gru = cell as GRUCell;

        // The projection of every step at once: (batch, steps, gates·units).
        var projected = g.Op("MatMul", [x, g.Constant(ConversionContext.Data(cell.Kernel), [input, gates * u], "kernel")]);
        float[]? bias = cell.Bias is { } bv ? ConversionContext.Data(bv) : null;
        float[]? recurrentBias = null;
        if (bias is not null)
        {
            if (gru is { ResetAfter: true })
            {
                recurrentBias = bias[(3 * u)..];
                bias = bias[..(3 * u)];
            }
            projected = g.Op("Add", [projected, g.Constant(bias, [gates * u], "bias")]);
        }
        var recurrentKernel = ConversionContext.Data(cell.RecurrentKernel);

        var states = initialStates?.ToArray() ?? Enumerable.Range(0, stateCount).Select(_ =>
            g.Op("ConstantOfShape", g.Op("Concat", [g.Op("Shape", x, Attr.Int("start", 0), Attr.Int("end", 1)), g.Int64s(u)], Attr.Int("axis", 0)))).ToArray();
        var scanInputs = new List<string> { projected };
        if (mask is not null) scanInputs.Add(g.Op("Unsqueeze", [mask, g.Int64s(2)]));

        // The step: states and this step's projection (and mask) in, new states and the output out.
        var b = g.Subgraph();
        var prev = Enumerable.Range(0, stateCount).Select(i => b.Unique($"{c.Layer.Name}/step/state{i}_in")).ToArray();
        var pt = b.Unique($"{c.Layer.Name}/step/projected");
        var mt = mask is null ? null : b.Unique($"{c.Layer.Name}/step/mask");
        string Rec(string v) => StepActivation(c, b, cell switch { LSTMCell l => l.RecurrentActivation, GRUCell gc => gc.RecurrentActivation, _ => cell.Activation }, v);
        string Act(string v) => StepActivation(c, b, cell.Activation, v);
        void Split(string v, int parts, out string[] pieces) =>
            pieces = b.AddNode("Split", [v, b.Int64s(Enumerable.Repeat(u, parts))], parts, Attr.Int("axis", 1));
        var next = new string[stateCount];
        switch (cell)
        {
            case LSTMCell:
            {
                var z = b.Op("Add", [pt, b.Op("MatMul", [prev[0], g.Constant(recurrentKernel, [u, 4 * u], "recurrent_kernel")])]);
                Split(z, 4, out var p);
                var i = Rec(p[0]);
                var f = Rec(p[1]);
                var cand = Act(p[2]);
                var o = Rec(p[3]);
                next[1] = b.Op("Add", [b.Op("Mul", [f, prev[1]]), b.Op("Mul", [i, cand])]);
                next[0] = b.Op("Mul", [o, Act(next[1])]);
                break;
            }
            case GRUCell gc when gc.ResetAfter:
            {
                var inner = b.Op("MatMul", [prev[0], g.Constant(recurrentKernel, [u, 3 * u], "recurrent_kernel")]);
                if (recurrentBias is not null) inner = b.Op("Add", [inner, g.Constant(recurrentBias, [3 * u], "recurrent_bias")]);
                Split(pt, 3, out var p);
                Split(inner, 3, out var q);
                var z = Rec(b.Op("Add", [p[0], q[0]]));
                var r = Rec(b.Op("Add", [p[1], q[1]]));
                var hh = Act(b.Op("Add", [p[2], b.Op("Mul", [r, q[2]])]));
                next[0] = b.Op("Add", [hh, b.Op("Mul", [z, b.Op("Sub", [prev[0], hh])])]);
                break;
            }
            case GRUCell:
            {
                var zrKernel = new float[u * 2 * u];
                var hKernel = new float[u * u];
                for (int row = 0; row < u; row++)
                {
                    Array.Copy(recurrentKernel, row * 3 * u, zrKernel, row * 2 * u, 2 * u);
                    Array.Copy(recurrentKernel, row * 3 * u + 2 * u, hKernel, row * u, u);
                }
                Split(pt, 3, out var p);
                var zr = b.Op("MatMul", [prev[0], g.Constant(zrKernel, [u, 2 * u], "recurrent_kernel_zr")]);
                Split(zr, 2, out var q);
                var z = Rec(b.Op("Add", [p[0], q[0]]));
                var r = Rec(b.Op("Add", [p[1], q[1]]));
                var rh = b.Op("MatMul", [b.Op("Mul", [r, prev[0]]), g.Constant(hKernel, [u, u], "recurrent_kernel_h")]);
                var hh = Act(b.Op("Add", [p[2], rh]));
                next[0] = b.Op("Add", [hh, b.Op("Mul", [z, b.Op("Sub", [prev[0], hh])])]);
                break;
            }
            default:
                next[0] = Act(b.Op("Add", [pt, b.Op("MatMul", [prev[0], g.Constant(recurrentKernel, [u, u], "recurrent_kernel")])]));
                break;
        }
        string output = next[0];
        if (mt is not null)
        {
            // A masked step keeps the states; its output is the kept state, or zeros (zero_output_for_mask).
            var fresh = next[0];
            for (int i = 0; i < stateCount; i++) next[i] = b.Op("Where", [mt, next[i], prev[i]]);
            output = zeroOutputForMask ? b.Op("Where", [mt, fresh, b.Scalar(0)]) : next[0];
        }
        var outNames = next.Select(n => b.Op("Identity", n)).Append(b.Op("Identity", output)).ToArray();
        long?[] stateDims = [null, u];
        var bodyInputs = prev.Select(n => GraphBuilder.ValueInfo(n, 1, stateDims, "d"))
            .Append(GraphBuilder.ValueInfo(pt, 1, [null, gates * u], "d"));
        if (mt is not null) bodyInputs = bodyInputs.Append(GraphBuilder.ValueInfo(mt, 9, [null, 1], "d"));
        var body = b.ToGraph($"{c.Layer.Name}_step", bodyInputs, outNames.Select(n => GraphBuilder.ValueInfo(n, 1, stateDims, "d")));

        int scans = scanInputs.Count;
        bool reverse = layer.GoBackwards;
        var outs = g.AddNode("Scan", [.. states, .. scanInputs], stateCount + 1,
            Attr.Graph("body", body),
            Attr.Int("num_scan_inputs", scans),
            Attr.Ints("scan_input_axes", Enumerable.Repeat(1, scans)),
            Attr.Ints("scan_input_directions", Enumerable.Repeat(reverse ? 1 : 0, scans)),
            Attr.Ints("scan_output_axes", [1]),
            Attr.Ints("scan_output_directions", [reverse && inputOrder ? 1 : 0]));
        return (outs[^1], outs[..^1]);
    }
}
