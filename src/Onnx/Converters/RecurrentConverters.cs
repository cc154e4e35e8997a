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
        c.RejectMasks();
        var g = c.Graph;
        var spec = Spec(c, l);
        var x = g.Transpose(c.Input.Name, [1, 0, 2]);
        var (y, states) = EmitRecurrent(g, x, [spec], l.GoBackwards ? "reverse" : "forward", InitialStates(g, c.Inputs[1..], spec.StateCount, 1));
        // Keras collects a go_backwards layer's outputs in processing order; ONNX's Y is in input order.
        var outputs = new List<OnnxValue>
        {
            c.Output(l.ReturnSequences ? Sequence(g, y, 1, 0, l.GoBackwards) : State(g, states[0], 1, 0)),
        };
        if (l.ReturnState)
            for (int i = 0; i < spec.StateCount; i++) outputs.Add(c.Output(State(g, states[i], 1, 0), 1 + i));
        return [.. outputs];
    }

    private static OnnxValue[] ConvertBidirectional(ConversionContext c)
    {
        var l = (Bidirectional)c.Layer;
        c.RejectMasks();
        var g = c.Graph;
        var forward = Spec(c, l.ForwardLayer);
        var backward = Spec(c, l.BackwardLayer);
        var x = g.Transpose(c.Input.Name, [1, 0, 2]);
        int half = (c.Inputs.Length - 1) / 2;
        var initialForward = c.Inputs[1..(1 + half)];
        var initialBackward = c.Inputs[(1 + half)..];
        string[] ys;
        string[][] states;
        bool reverseFirst = l.ForwardLayer.GoBackwards;
        if (forward.Op == backward.Op && forward.Units == backward.Units && forward.LinearBeforeReset == backward.LinearBeforeReset && !reverseFirst)
        {
            // One bidirectional node: direction 0 forward, 1 reverse.
            var (y, s) = EmitRecurrent(g, x, [forward, backward], "bidirectional", InitialStates(g, [.. initialForward, .. initialBackward], forward.StateCount, 2));
            ys = l.ReturnSequences ? [Sequence(g, y, 2, 0, false), Sequence(g, y, 2, 1, false)] : [State(g, s[0], 2, 0), State(g, s[0], 2, 1)];
            states = [s.Select(v => State(g, v, 2, 0)).ToArray(), s.Select(v => State(g, v, 2, 1)).ToArray()];
        }
        else
        {
            // Two nodes, each layer in its own direction; both sequences come back in input order.
            var (yf, sf) = EmitRecurrent(g, x, [forward], l.ForwardLayer.GoBackwards ? "reverse" : "forward", InitialStates(g, initialForward, forward.StateCount, 1));
            var (yb, sb) = EmitRecurrent(g, x, [backward], l.BackwardLayer.GoBackwards ? "reverse" : "forward", InitialStates(g, initialBackward, backward.StateCount, 1));
            ys = l.ReturnSequences ? [Sequence(g, yf, 1, 0, false), Sequence(g, yb, 1, 0, false)] : [State(g, sf[0], 1, 0), State(g, sb[0], 1, 0)];
            states = [sf.Select(v => State(g, v, 1, 0)).ToArray(), sb.Select(v => State(g, v, 1, 0)).ToArray()];
        }
        var outputs = new List<OnnxValue>();
        int k = 0;
        switch (l.MergeMode)
        {
            case "concat": outputs.Add(c.Output(g.Op("Concat", ys, Attr.Int("axis", -1)), k++)); break;
            case "sum": outputs.Add(c.Output(g.Op("Add", ys), k++)); break;
            case "ave": outputs.Add(c.Output(g.Op("Mul", [g.Op("Add", ys), g.Scalar(0.5f)]), k++)); break;
            case "mul": outputs.Add(c.Output(g.Op("Mul", ys), k++)); break;
            default:
                outputs.Add(c.Output(ys[0], k++));
                outputs.Add(c.Output(ys[1], k++));
                break;
        }
        if (l.ReturnState)
            foreach (var s in states[0].Concat(states[1])) outputs.Add(c.Output(s, k++));
        return [.. outputs];
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
        var innerOutShapes = inner.ComputeOutputShapes([innerShape]);
        var converter = For(inner);
        var y = converter(new ConversionContext(inner, [new OnnxValue(folded, innerShape, c.Input.DType)], innerOutShapes, g))[0];
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
        var keep = g.Op("Cast", g.Op("Greater", [any, g.Scalar(0)]), Attr.Int("to", 1));
        return [c.Output(g.Op("Mul", [x, keep]), masked: true)];
    }
}
