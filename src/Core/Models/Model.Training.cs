using System.Globalization;
using KerasNet.Callbacks;
using KerasNet.Data;
using KerasNet.Losses;
using KerasNet.Metrics;
using KerasNet.Optimizers;
using KerasNet.Saving;

namespace KerasNet.Models;

public partial class Model
{
    private Loss[]? _losses;
    private float[] _lossWeights = [];
    private object[] _metricSpecs = [];
    private List<(int Output, string Key, Metric Metric)>? _metrics;
    private Variable? _lossTotal;
    private long _lossCount;
    private Variable[]? _outputLossTotals;
    private Variable[] _trainable = [];
    private Tensor[] _grads = [];
    private Tensor[] _predBuffer = [];
    private Tensor[] _predMasks = [];
    private Tensor[] _xBuffer = [];
    private Tensor[] _yBuffer = [];
    private readonly TensorScope _stepScope = CreateIdleScope();
    private readonly GradientTape _tape = CreateIdleTape();
    private readonly List<BatchLoader> _loaders = [];
    private readonly List<Tensor> _regularization = [];
    private int[] _rows = [];

    private static TensorScope CreateIdleScope()
    {
        var s = new TensorScope();
        s.End();
        return s;
    }

    private static GradientTape CreateIdleTape()
    {
        var t = new GradientTape();
        t.Dispose();
        return t;
    }

    /// <summary>The optimizer set by Compile.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss set by Compile (the first output's when there are several).</summary>
    public Loss? Loss => _losses?[0];

    /// <summary>Whether Compile has been called.</summary>
    public bool Compiled => _losses is not null;

    /// <summary>Set by a callback to end Fit after the current batch (TerminateOnNaN) or epoch (EarlyStopping).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Set by a callback in <c>OnTrainBegin</c> to make Fit start at another epoch (BackupAndRestore
    /// resuming an interrupted run does this, as Keras's <c>model._initial_epoch</c>). Fit clears it.</summary>
    public int? InitialEpochOverride { get; set; }

    /// <summary>Compile's arguments, as Keras's compile_config.</summary>
    public System.Text.Json.Nodes.JsonObject? CompileConfig { get; private set; }

    // ----- Compile -----

    /// <summary>Configures training with Keras string identifiers, e.g.
    /// <c>Compile("adam", "sparse_categorical_crossentropy", ["accuracy"])</c>.</summary>
    public void Compile(string optimizer = "rmsprop", string? loss = null, string[]? metrics = null, float[]? lossWeights = null) =>
        Compile((object)optimizer, loss is null ? null : (object)loss, metrics?.Cast<object>().ToArray(), lossWeights);

    /// <summary>Configures training with objects or strings: the optimizer (an <see cref="Optimizers.Optimizer"/> or
    /// name), the loss (a <see cref="Losses.Loss"/>, a name, a <c>Func&lt;Tensor, Tensor, Tensor&gt;</c>, or one per
    /// output in a list), and metrics (<see cref="Metric"/>s or names, e.g. "accuracy").</summary>
    public void Compile(object optimizer, object? loss, IEnumerable<object>? metrics = null, IReadOnlyList<float>? lossWeights = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer switch
        {
            Optimizer o => o,
            string s => KerasRegistry.Get<Optimizer>(s),
            _ => throw new ArgumentException($"Compile: optimizer must be an Optimizer or a name such as \"adam\"; got {optimizer.GetType().Name}.", nameof(optimizer)),
        };
        var lossList = loss switch
        {
            null => throw new ArgumentException("Compile: a loss is required, e.g. \"mse\" or \"sparse_categorical_crossentropy\".", nameof(loss)),
            System.Collections.IEnumerable e and not string => e.Cast<object>().Select(ResolveLoss).ToArray(),
            _ => [ResolveLoss(loss)],
        };
        _losses = lossList;
        _lossWeights = lossWeights?.ToArray() ?? [];
        _metricSpecs = metrics?.ToArray() ?? [];
        foreach (var m in _metricSpecs)
            if (m is not (string or Metric))
                throw new ArgumentException($"Compile: each metric must be a Metric or a name such as \"accuracy\"; got {m?.GetType().Name ?? "null"}.", nameof(metrics));
        _metrics = null;
        CompileConfig = new System.Text.Json.Nodes.JsonObject
        {
            ["optimizer"] = KerasRegistry.Serialize(Optimizer, "keras.optimizers"),
            ["loss"] = _losses.Length == 1 ? KerasRegistry.Serialize(_losses[0], "keras.losses") : new System.Text.Json.Nodes.JsonArray(_losses.Select(l => (System.Text.Json.Nodes.JsonNode?)KerasRegistry.Serialize(l, "keras.losses")).ToArray()),
            ["loss_weights"] = lossWeights is null ? null : new System.Text.Json.Nodes.JsonArray(lossWeights.Select(w => (System.Text.Json.Nodes.JsonNode?)w).ToArray()),
            ["metrics"] = new System.Text.Json.Nodes.JsonArray(_metricSpecs.Select(m => m is string s ? (System.Text.Json.Nodes.JsonNode?)s : KerasRegistry.Serialize((Metric)m, "keras.metrics")).ToArray()),
        };
    }

    private static Loss ResolveLoss(object loss) => loss switch
    {
        Loss l => l,
        string s => KerasRegistry.Get<Loss>(s),
        Func<Tensor, Tensor, Tensor> f => new FunctionLoss(f),
        _ => throw new ArgumentException($"Compile: a loss must be a Loss, a name such as \"mse\", or a Func<Tensor, Tensor, Tensor>; got {loss.GetType().Name}.", nameof(loss)),
    };

    private sealed class FunctionLoss(Func<Tensor, Tensor, Tensor> fn) : Loss("custom_loss")
    {
        public override Tensor Call(Tensor yTrue, Tensor yPred) => fn(yTrue, yPred);
    }

    private void EnsureCompiled(string what)
    {
        if (!Compiled)
            throw new InvalidOperationException($"You must call Compile() before {what}. For example: model.Compile(\"adam\", \"sparse_categorical_crossentropy\", [\"accuracy\"]).");
    }

    private string OutputName(int i) => _outputs is { Length: > 1 } outs ? outs[i].Producer!.Name : "";

    /// <summary>Creates the compiled metrics once the shapes of targets and predictions are known.</summary>
    private void BuildMetrics(ReadOnlySpan<Tensor> ys, ReadOnlySpan<Tensor> preds)
    {
        if (_metrics is not null) return;
        var list = new List<(int, string, Metric)>();
        int outputs = preds.Length;
        for (int o = 0; o < outputs; o++)
        {
            string prefix = outputs > 1 ? OutputName(o) + "_" : "";
            foreach (var spec in _metricSpecs)
            {
                Metric m;
                string key;
                if (spec is string s)
                {
                    m = s is "accuracy" or "acc" or "crossentropy" or "ce"
                        ? MetricResolver.Resolve(s, LossFor(o), ys[o].Shape, preds[o].Shape)
                        : KerasRegistry.Get<Metric>(s);
                    key = s is "acc" ? "accuracy" : s is "ce" ? "crossentropy" : s;
                }
                else
                {
                    // One metric object serves one output; further outputs get copies from its config.
                    var given = (Metric)spec;
                    m = o == 0 ? given : KerasRegistry.Deserialize<Metric>(KerasRegistry.Serialize(given, "keras.metrics"));
                    key = given.Name;
                }
                list.Add((o, prefix + key, m));
            }
        }
        _metrics = list;
    }

    private Loss LossFor(int output) => _losses!.Length == 1 ? _losses[0] : _losses[output];

    /// <summary>The compiled metrics (after the first batch).</summary>
    public IReadOnlyList<Metric> Metrics => _metrics?.Select(m => m.Metric).ToList() ?? [];

    /// <summary>Names of the values in logs and History, in Keras's order: loss, per-output losses, metrics.</summary>
    public IReadOnlyList<string> MetricsNames
    {
        get
        {
            var names = new List<string> { "loss" };
            if (_outputLossTotals is not null && OutputCount > 1) for (int o = 0; o < OutputCount; o++) names.Add(OutputName(o) + "_loss");
            if (_metrics is not null) names.AddRange(_metrics.Select(m => m.Key));
            return names;
        }
    }

    private void ResetTrackers()
    {
        _lossTotal ??= new Variable(Ops.Zeros(Shape.Scalar), "loss_total", trainable: false);
        using (var z = Ops.Zeros(Shape.Scalar)) _lossTotal.Assign(z);
        _lossCount = 0;
        if (OutputCount > 1)
        {
            _outputLossTotals ??= Enumerable.Range(0, OutputCount).Select(i => new Variable(Ops.Zeros(Shape.Scalar), $"loss_{i}", trainable: false)).ToArray();
            foreach (var v in _outputLossTotals) using (var z = Ops.Zeros(Shape.Scalar)) v.Assign(z);
        }
        if (_metrics is not null) foreach (var (_, _, m) in _metrics) m.ResetState();
    }

    private void FillLogs(Dictionary<string, float> logs, string prefix = "")
    {
        long count = Math.Max(_lossCount, 1);
        if (_lossTotal is not null) logs[prefix + "loss"] = _lossTotal.Value.ToScalar() / count;
        if (_outputLossTotals is not null && OutputCount > 1)
            for (int o = 0; o < OutputCount; o++) logs[prefix + OutputName(o) + "_loss"] = _outputLossTotals[o].Value.ToScalar() / count;
        if (_metrics is null) return;
        foreach (var (_, key, m) in _metrics)
        {
            using var r = m.Result();
            logs[prefix + key] = r.Size == 1 ? r.ToScalar() : float.NaN;
        }
    }

    // ----- the steps -----

    private void PrepareStepBuffers(int inputs, int outputs)
    {
        if (_xBuffer.Length != inputs) _xBuffer = new Tensor[inputs];
        if (_yBuffer.Length != outputs) _yBuffer = new Tensor[outputs];
        if (_predBuffer.Length != outputs) _predBuffer = new Tensor[outputs];
        if (_predMasks.Length != outputs) _predMasks = new Tensor[outputs];
        while (_loaders.Count < inputs + outputs + 1) _loaders.Add(new BatchLoader());
    }

    private void Forward(bool training)
    {
        if (IsGraphNetwork) RunGraph(_xBuffer, default, _predBuffer, _predMasks, training);
        else if (_xBuffer.Length == 1 && _predBuffer.Length == 1) _predBuffer[0] = Call(_xBuffer[0], training);
        else Call(_xBuffer, _predBuffer, training);
    }

    /// <summary>Total loss of the current batch (weighted sum over outputs, plus regularization); updates the trackers.</summary>
    private readonly ScalarSlot _batchSizeSlot = new("batch_size");

    private Tensor ComputeLoss(Tensor sampleWeight, int batch)
    {
        Tensor total = default;
        int outputs = _predBuffer.Length;
        if (_losses!.Length != 1 && _losses.Length != outputs)
            throw new InvalidOperationException($"Model '{Name}' has {outputs} outputs but was compiled with {_losses.Length} losses.");
        var batchT = _batchSizeSlot.Get(batch);
        for (int o = 0; o < outputs; o++)
        {
            CheckTargets(_yBuffer[o], _predBuffer[o], o);
            // As Keras does, a mask on the output (a sequence output of a masked model) weights the loss.
            var weights = CombineWithMask(sampleWeight, _predMasks.Length > o ? _predMasks[o] : default);
            var l = LossFor(o).Compute(_yBuffer[o], _predBuffer[o], weights);
            if (outputs > 1 && _outputLossTotals is not null)
            {
                using var weighted = Ops.Multiply(l, batchT);
                _outputLossTotals[o].AssignAdd(weighted);
            }
            if (_lossWeights.Length > o && _lossWeights[o] != 1f)
            {
                using var w = Tensor.Scalar(_lossWeights[o]);
                var scaled = Ops.Multiply(l, w);
                l.Dispose();
                l = scaled;
            }
            if (total.IsNull) total = l;
            else
            {
                var sum = Ops.Add(total, l);
                total.Dispose();
                l.Dispose();
                total = sum;
            }
        }
        if (HasLosses)
        {
            _regularization.Clear();
            CollectLosses(_regularization);
            foreach (var r in _regularization)
            {
                var sum = Ops.Add(total, r);
                total = sum;
            }
            _regularization.Clear();
        }
        using var tracked = Ops.Multiply(total, batchT);
        _lossTotal!.AssignAdd(tracked);
        _lossCount += batch;
        return total;
    }

    private static Tensor CombineWithMask(Tensor sampleWeight, Tensor mask)
    {
        if (mask.IsNull) return sampleWeight;
        var m = Ops.Cast(mask, DType.Float32);
        if (sampleWeight.IsNull) return m;
        var sw = sampleWeight;
        while (sw.Rank < m.Rank) sw = Ops.ExpandDims(sw, -1);
        return Ops.Multiply(sw, m);
    }

    private void CheckTargets(Tensor y, Tensor pred, int output)
    {
        if (y.Shape.Rank == 0 || y.Shape[0] != pred.Shape[0])
            throw new ArgumentException($"Output {output} of model '{Name}': the targets have shape {y.Shape} but the predictions have shape {pred.Shape}; the batch sizes differ.");
    }

    private void UpdateMetrics(Tensor sampleWeight)
    {
        BuildMetrics(_yBuffer, _predBuffer);
        foreach (var (o, _, m) in _metrics!) m.UpdateState(_yBuffer[o], _predBuffer[o], sampleWeight);
    }

    private void TrainStep(Tensor sampleWeight, int batch)
    {
        _tape.Reset();
        try
        {
            ClearActivityLosses();
            Forward(training: true);
            var loss = ComputeLoss(sampleWeight, batch);
            _tape.Gradient(loss, _trainable, _grads);
        }
        catch
        {
            // Never leave the step's tape recording on this thread after a failed step.
            _tape.Dispose();
            throw;
        }
        Optimizer!.ApplyGradients(_grads, _trainable);
        UpdateMetrics(sampleWeight);
    }

    private void TestStep(Tensor sampleWeight, int batch)
    {
        ClearActivityLosses();
        Forward(training: false);
        ComputeLoss(sampleWeight, batch);
        UpdateMetrics(sampleWeight);
    }

    private void PrepareTraining()
    {
        _trainable = CollectTrainable().ToArray();
        if (_grads.Length != _trainable.Length) _grads = new Tensor[_trainable.Length];
    }

    // ----- data plumbing -----

    private void LoadBatch(ArrayData[] x, ArrayData[]? y, ReadOnlySpan<int> rows)
    {
        for (int i = 0; i < x.Length; i++) _xBuffer[i] = _loaders[i].Load(x[i], rows);
        if (y is null) return;
        for (int i = 0; i < y.Length; i++) _yBuffer[i] = _loaders[x.Length + i].Load(y[i], rows);
    }

    private Tensor LoadSampleWeights(ArrayData[] y, ArrayData? sampleWeight, IReadOnlyDictionary<int, float>? classWeight, ReadOnlySpan<int> rows)
    {
        if (sampleWeight is null && classWeight is null) return default;
        Span<float> w = rows.Length <= 1024 ? stackalloc float[rows.Length] : new float[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            float v = sampleWeight is null ? 1f : (float)sampleWeight.ReadScalar(rows[i], 0);
            if (classWeight is not null)
            {
                int cls = ClassOf(y[0], rows[i]);
                if (!classWeight.TryGetValue(cls, out float cw))
                    throw new ArgumentException($"classWeight has no entry for class {cls}; it covers {string.Join(", ", classWeight.Keys.Order())}.", nameof(classWeight));
                v *= cw;
            }
            w[i] = v;
        }
        return _loaders[^1].LoadFloats(w, new Shape(rows.Length));
    }

    private static int ClassOf(ArrayData y, int row)
    {
        int size = y.RowSize;
        if (size == 1) return (int)y.ReadScalar(row, 0);
        int best = 0;
        double bv = double.NegativeInfinity;
        for (int j = 0; j < size; j++)
        {
            double v = y.ReadScalar(row, j);
            if (v > bv) { bv = v; best = j; }
        }
        return best;
    }

    private static void CheckLengths(ArrayData[] x, ArrayData[]? y, ArrayData? sampleWeight)
    {
        int n = x[0].Length;
        for (int i = 1; i < x.Length; i++)
            if (x[i].Length != n) throw new ArgumentException($"All inputs must have the same number of samples: input 0 has {n}, input {i} has {x[i].Length}.", nameof(x));
        if (y is not null)
            for (int i = 0; i < y.Length; i++)
                if (y[i].Length != n)
                    throw new ArgumentException($"x and y must have the same number of samples: x has {n}, y{(y.Length > 1 ? $"[{i}]" : "")} has {y[i].Length}.", nameof(y));
        if (sampleWeight is not null && sampleWeight.Length != n)
            throw new ArgumentException($"sampleWeight has {sampleWeight.Length} entries for {n} samples.", nameof(sampleWeight));
    }

    private void EnsureBuiltFor(ArrayData[] x)
    {
        if (IsGraphNetwork || Built && this is not Sequential) return;
        if (this is Sequential seq) { seq.Build(x[0].Shape.With(0, -1)); return; }
        if (!Built) { EnsureBuilt(x.Select(a => a.Shape.With(0, -1)).ToArray()); }
    }

    // ----- Fit -----

    /// <summary>Trains for a fixed number of epochs, with Keras's semantics: the validation split is the last
    /// fraction of the data, taken before shuffling; a new permutation every epoch; the last partial batch is
    /// kept; the epoch loss is the batch-size-weighted mean. Returns the <see cref="History"/>.</summary>
    public History Fit(ArrayData x, ArrayData y, int batchSize = 32, int epochs = 1, int verbose = 1,
        IEnumerable<Callback>? callbacks = null, double validationSplit = 0.0, (ArrayData X, ArrayData Y)? validationData = null,
        bool shuffle = true, IReadOnlyDictionary<int, float>? classWeight = null, ArrayData? sampleWeight = null,
        int initialEpoch = 0, int? stepsPerEpoch = null, int validationFreq = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return Fit([x], [y], batchSize, epochs, verbose, callbacks, validationSplit,
            validationData is { } vd ? ([vd.X], [vd.Y]) : null, shuffle, classWeight, sampleWeight, initialEpoch, stepsPerEpoch, validationFreq);
    }

    /// <summary>Fit for models with several inputs and/or outputs: one array per input and per output.</summary>
    public History Fit(ArrayData[] x, ArrayData[] y, int batchSize = 32, int epochs = 1, int verbose = 1,
        IEnumerable<Callback>? callbacks = null, double validationSplit = 0.0, (ArrayData[] X, ArrayData[] Y)? validationData = null,
        bool shuffle = true, IReadOnlyDictionary<int, float>? classWeight = null, ArrayData? sampleWeight = null,
        int initialEpoch = 0, int? stepsPerEpoch = null, int validationFreq = 1)
    {
        EnsureCompiled("training the model (Fit)");
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Length == 0 || y.Length == 0) throw new ArgumentException("Fit needs at least one input array and one target array.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be a positive number of samples.");
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs cannot be negative.");
        if (!(validationSplit >= 0f && validationSplit < 1f))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1): the fraction of the data held out for validation.");
        if (validationFreq <= 0) throw new ArgumentOutOfRangeException(nameof(validationFreq), validationFreq, "validationFreq must be a positive number of epochs.");
        if (stepsPerEpoch is <= 0) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "stepsPerEpoch must be positive.");
        CheckLengths(x, y, sampleWeight);

        // Validation split: the last fraction, before any shuffling.
        (ArrayData[] X, ArrayData[] Y)? val = validationData;
        ArrayData? sw = sampleWeight;
        if (val is null && validationSplit > 0)
        {
            int n = x[0].Length;
            int split = (int)Math.Floor(n * (1.0 - validationSplit));
            if (split == 0 || split == n)
                throw new ArgumentException($"validationSplit {validationSplit} of {n} samples leaves {(split == 0 ? "no training" : "no validation")} samples.", nameof(validationSplit));
            val = (x.Select(a => a.Slice(split, n - split)).ToArray(), y.Select(a => a.Slice(split, n - split)).ToArray());
            x = x.Select(a => a.Slice(0, split)).ToArray();
            y = y.Select(a => a.Slice(0, split)).ToArray();
            sw = sw?.Slice(0, split);
        }
        if (val is { } v) CheckLengths(v.X, v.Y, null);

        EnsureBuiltFor(x);
        PrepareStepBuffers(x.Length, y.Length);
        PrepareTraining();
        int samples = x[0].Length;
        int batchesPerEpoch = (samples + batchSize - 1) / batchSize;
        int steps = stepsPerEpoch ?? batchesPerEpoch;
        var history = new History();
        var all = new List<Callback>();
        if (callbacks is not null) all.AddRange(callbacks);
        if (verbose > 0 && !all.OfType<ProgbarLogger>().Any()) all.Add(new ProgbarLogger());
        all.Add(history);
        var parameters = new Dictionary<string, object> { ["epochs"] = epochs, ["steps"] = steps, ["verbose"] = verbose, ["in_fit"] = true };
        var cbs = new CallbackList(all, this, parameters);
        var batchLogs = new LazyLogs(d => FillLogs(d));
        var empty = new Dictionary<string, float>();
        if (_rows.Length < samples) _rows = new int[samples];
        var order = _rows.AsSpan(0, samples);
        int cursor = samples; // forces a fresh permutation at the first step
        StopTraining = false;
        InitialEpochOverride = null;
        cbs.TrainBegin(empty);
        if (InitialEpochOverride is int resumeAt)
        {
            initialEpoch = resumeAt;
            InitialEpochOverride = null;
        }
        for (int epoch = initialEpoch; epoch < epochs; epoch++)
        {
            ResetTrackers();
            cbs.EpochBegin(epoch, empty);
            for (int step = 0; step < steps; step++)
            {
                if (cursor >= samples)
                {
                    for (int i = 0; i < samples; i++) order[i] = i;
                    if (shuffle) Shuffle(order);
                    cursor = 0;
                }
                int count = Math.Min(batchSize, samples - cursor);
                var rows = order.Slice(cursor, count);
                cursor += count;
                batchLogs.Invalidate();
                cbs.TrainBatchBegin(step, batchLogs);
                _stepScope.Begin();
                try
                {
                    LoadBatch(x, y, rows);
                    var swT = LoadSampleWeights(y, sw, classWeight, rows);
                    TrainStep(swT, count);
                }
                finally
                {
                    _stepScope.End();
                }
                batchLogs.Invalidate();
                cbs.TrainBatchEnd(step, batchLogs);
                if (StopTraining) break;
            }
            var epochLogs = new Dictionary<string, float>();
            FillLogs(epochLogs);
            if (float.IsNaN(epochLogs["loss"]) || float.IsInfinity(epochLogs["loss"]))
                Console.Error.WriteLine($"Warning: the training loss of epoch {epoch + 1} is {epochLogs["loss"].ToString(CultureInfo.InvariantCulture)}. " +
                    "Check the inputs and targets for NaN or infinite values, lower the learning rate, or add the TerminateOnNaN callback to stop training when this happens.");
            if (val is { } vdata && (epoch + 1) % validationFreq == 0)
            {
                var valLogs = EvaluateCore(vdata.X, vdata.Y, null, batchSize, cbs);
                foreach (var (k, value) in valLogs) epochLogs["val_" + k] = value;
            }
            cbs.EpochEnd(epoch, epochLogs);
            if (StopTraining) break;
        }
        cbs.TrainEnd(empty);
        return history;
    }

    private static void Shuffle(Span<int> order)
    {
        var rng = new Random(unchecked((int)SeedGenerator.Global.NextSeed()));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    // ----- Evaluate -----

    /// <summary>Loss and metrics on the data: [loss, metric1, ...] in <see cref="MetricsNames"/> order.</summary>
    public float[] Evaluate(ArrayData x, ArrayData y, int batchSize = 32, int verbose = 1, ArrayData? sampleWeight = null, IEnumerable<Callback>? callbacks = null)
    {
        var logs = EvaluateToDictionary(x, y, batchSize, verbose, sampleWeight, callbacks);
        return MetricsNames.Where(logs.ContainsKey).Select(n => logs[n]).ToArray();
    }

    /// <summary>Loss and metrics by name (Keras's <c>evaluate(..., return_dict=True)</c>).</summary>
    public Dictionary<string, float> EvaluateToDictionary(ArrayData x, ArrayData y, int batchSize = 32, int verbose = 1, ArrayData? sampleWeight = null, IEnumerable<Callback>? callbacks = null) =>
        EvaluateToDictionary([x], [y], batchSize, verbose, sampleWeight, callbacks);

    /// <summary>Loss and metrics by name for models with several inputs or outputs.</summary>
    public Dictionary<string, float> EvaluateToDictionary(ArrayData[] x, ArrayData[] y, int batchSize = 32, int verbose = 1, ArrayData? sampleWeight = null, IEnumerable<Callback>? callbacks = null)
    {
        EnsureCompiled("evaluating the model (Evaluate)");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be a positive number of samples.");
        CheckLengths(x, y, sampleWeight);
        EnsureBuiltFor(x);
        var all = new List<Callback>();
        if (callbacks is not null) all.AddRange(callbacks);
        if (verbose > 0) all.Add(new ProgbarLogger());
        var cbs = new CallbackList(all, this, new Dictionary<string, object> { ["verbose"] = verbose, ["steps"] = (x[0].Length + batchSize - 1) / batchSize, ["epochs"] = 1 });
        return EvaluateCore(x, y, sampleWeight, batchSize, cbs);
    }

    private Dictionary<string, float> EvaluateCore(ArrayData[] x, ArrayData[] y, ArrayData? sampleWeight, int batchSize, CallbackList cbs)
    {
        PrepareStepBuffers(x.Length, y.Length);
        // The epoch's training logs are already read when validation runs, so the trackers are simply reset.
        ResetTrackers();
        var empty = new Dictionary<string, float>();
        var batchLogs = new LazyLogs(d => FillLogs(d));
        cbs.TestBegin(empty);
        int n = x[0].Length;
        int[] index = new int[Math.Min(batchSize, Math.Max(n, 1))];
        for (int start = 0, step = 0; start < n; start += batchSize, step++)
        {
            int count = Math.Min(batchSize, n - start);
            for (int i = 0; i < count; i++) index[i] = start + i;
            batchLogs.Invalidate();
            cbs.TestBatchBegin(step, batchLogs);
            _stepScope.Begin();
            try
            {
                LoadBatch(x, y, index.AsSpan(0, count));
                var swT = LoadSampleWeights(y, sampleWeight, null, index.AsSpan(0, count));
                TestStep(swT, count);
            }
            finally
            {
                _stepScope.End();
            }
            batchLogs.Invalidate();
            cbs.TestBatchEnd(step, batchLogs);
        }
        var logs = new Dictionary<string, float>();
        FillLogs(logs);
        cbs.TestEnd(logs);
        return logs;
    }

    // ----- Predict -----

    /// <summary>Predictions for every sample, computed in batches and concatenated (the first output for
    /// multi-output models; see <see cref="PredictAll"/>).</summary>
    public Tensor Predict(ArrayData x, int batchSize = 32, int verbose = 0, IEnumerable<Callback>? callbacks = null) =>
        PredictAll([x], batchSize, verbose, callbacks)[0];

    /// <summary>Predictions of every output for models with several inputs or outputs.</summary>
    public Tensor[] PredictAll(ArrayData[] x, int batchSize = 32, int verbose = 0, IEnumerable<Callback>? callbacks = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be a positive number of samples.");
        CheckLengths(x, null, null);
        EnsureBuiltFor(x);
        int outputs = IsGraphNetwork ? _outputs!.Length : 1;
        PrepareStepBuffers(x.Length, outputs);
        int n = x[0].Length;
        var all = new List<Callback>();
        if (callbacks is not null) all.AddRange(callbacks);
        if (verbose > 0) all.Add(new ProgbarLogger());
        var cbs = new CallbackList(all, this, new Dictionary<string, object> { ["verbose"] = verbose, ["steps"] = (n + batchSize - 1) / batchSize, ["epochs"] = 1 });
        var empty = new Dictionary<string, float>();
        cbs.PredictBegin(empty);
        float[][]? results = null;
        Shape[] shapes = new Shape[outputs];
        int[] index = new int[Math.Min(batchSize, Math.Max(n, 1))];
        for (int start = 0, step = 0; start < n; start += batchSize, step++)
        {
            int count = Math.Min(batchSize, n - start);
            for (int i = 0; i < count; i++) index[i] = start + i;
            cbs.PredictBatchBegin(step, empty);
            _stepScope.Begin();
            try
            {
                LoadBatch(x, null, index.AsSpan(0, count));
                Forward(training: false);
                if (results is null)
                {
                    results = new float[outputs][];
                    for (int o = 0; o < outputs; o++)
                    {
                        var s = _predBuffer[o].Shape;
                        shapes[o] = s.With(0, n);
                        results[o] = new float[shapes[o].Size];
                    }
                }
                for (int o = 0; o < outputs; o++)
                {
                    var p = _predBuffer[o];
                    int rowSize = (int)(p.Size / Math.Max(count, 1));
                    p.CopyTo<float>(results[o].AsSpan(start * rowSize, count * rowSize));
                }
            }
            finally
            {
                _stepScope.End();
            }
            cbs.PredictBatchEnd(step, empty);
        }
        cbs.PredictEnd(empty);
        if (results is null) return Enumerable.Range(0, outputs).Select(_ => Ops.Zeros(new Shape(0))).ToArray();
        var tensors = new Tensor[outputs];
        for (int o = 0; o < outputs; o++) tensors[o] = TensorScope.Current is { } sc ? sc.Keep(Tensor.FromArray<float>(results[o], shapes[o])) : Tensor.FromArray<float>(results[o], shapes[o]);
        return tensors;
    }

    // ----- on-batch -----

    /// <summary>One gradient update on one batch; returns [loss, metrics...] for that batch.</summary>
    public float[] TrainOnBatch(ArrayData x, ArrayData y, ArrayData? sampleWeight = null, IReadOnlyDictionary<int, float>? classWeight = null)
    {
        EnsureCompiled("training the model (TrainOnBatch)");
        ArrayData[] xs = [x], ys = [y];
        CheckLengths(xs, ys, sampleWeight);
        EnsureBuiltFor(xs);
        PrepareStepBuffers(1, 1);
        PrepareTraining();
        ResetTrackers();
        var rows = Enumerable.Range(0, x.Length).ToArray();
        _stepScope.Begin();
        try
        {
            LoadBatch(xs, ys, rows);
            TrainStep(LoadSampleWeights(ys, sampleWeight, classWeight, rows), rows.Length);
        }
        finally
        {
            _stepScope.End();
        }
        return CurrentResults();
    }

    /// <summary>Loss and metrics on one batch, without updating weights.</summary>
    public float[] TestOnBatch(ArrayData x, ArrayData y, ArrayData? sampleWeight = null)
    {
        EnsureCompiled("evaluating the model (TestOnBatch)");
        ArrayData[] xs = [x], ys = [y];
        CheckLengths(xs, ys, sampleWeight);
        EnsureBuiltFor(xs);
        PrepareStepBuffers(1, 1);
        ResetTrackers();
        var rows = Enumerable.Range(0, x.Length).ToArray();
        _stepScope.Begin();
        try
        {
            LoadBatch(xs, ys, rows);
            TestStep(LoadSampleWeights(ys, sampleWeight, null, rows), rows.Length);
        }
        finally
        {
            _stepScope.End();
        }
        return CurrentResults();
    }

    /// <summary>Predictions for one batch.</summary>
    public Tensor PredictOnBatch(ArrayData x) => Predict(x, batchSize: Math.Max(x.Length, 1));

    private float[] CurrentResults()
    {
        var logs = new Dictionary<string, float>();
        FillLogs(logs);
        return MetricsNames.Where(logs.ContainsKey).Select(n => logs[n]).ToArray();
    }
}
