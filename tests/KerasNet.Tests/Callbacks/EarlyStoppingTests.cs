using KerasNet.Callbacks;
using Xunit;

namespace KerasNet.Tests.Callbacks;

/// <summary>EarlyStopping against Keras 3's rules (keras/src/callbacks/early_stopping.py), the expected
/// epochs worked by hand. Per monitored epoch: wait += 1; an improvement (current − min_delta beats best,
/// in float32) sets best and, if it also beats the baseline, wait = 0; otherwise training stops once
/// wait ≥ patience and epoch > 0.</summary>
public class EarlyStoppingTests
{
    [Fact]
    public void StopsAtTheEpochKerasStopsWithPatienceAndMinDelta()
    {
        var (model, _, _) = CallbackKit.Mlp(1);
        float[] valLoss = [1.0f, 0.9f, 0.95f, 0.899f, 0.91f, 0.92f, 0.93f];

        // min_delta 0.01, patience 2: e0 best=1.0 wait 0; e1 0.9+0.01 < 1.0 best=0.9 wait 0; e2 wait 1;
        // e3 wait 2, 0.899+0.01 = 0.909 is not below 0.9, so no improvement and 2 ≥ 2: stop at epoch 3.
        var es = new EarlyStopping(minDelta: 0.01, patience: 2);
        Assert.Equal(4, CallbackKit.Drive(es, model, "val_loss", valLoss));
        Assert.Equal(3, es.StoppedEpoch);
        Assert.Equal(0.9f, es.Best);
        Assert.Equal(1, es.BestEpoch);

        // Without min_delta, 0.899 improves at e3 (wait 0); e4 wait 1, e5 wait 2: stop at epoch 5.
        var plain = new EarlyStopping(patience: 2);
        Assert.Equal(6, CallbackKit.Drive(plain, model, "val_loss", valLoss));
        Assert.Equal(5, plain.StoppedEpoch);
        Assert.Equal(0.899f, plain.Best);

        // A negative min_delta is taken as its absolute value (Keras: abs(min_delta)).
        Assert.Equal(0.01, new EarlyStopping(minDelta: -0.01).MinDelta);
    }

    [Fact]
    public void PatienceZeroStopsAtTheFirstEpochWithoutImprovementButNeverAtEpochZero()
    {
        var (model, _, _) = CallbackKit.Mlp(1);
        // e0 improves on nothing; e1: 1.0 < 1.0 is false, wait 1 ≥ 0 and epoch 1 > 0: stop.
        var es = new EarlyStopping(monitor: "loss_like", mode: "min");
        Assert.Equal(2, CallbackKit.Drive(es, model, "loss_like", 1f, 1f, 0.5f));
        Assert.Equal(1, es.StoppedEpoch);
    }

    [Fact]
    public void ABaselineThatIsNeverBeatenKeepsTheWaitGrowing()
    {
        var (model, _, _) = CallbackKit.Mlp(1);
        // baseline 0.5, patience 2: e0 improves (best None) but 1.0 does not beat 0.5, wait stays 1;
        // e1 improves (0.9), wait 2; e2 0.95 does not improve, wait 3 ≥ 2: stop at epoch 2.
        var es = new EarlyStopping(patience: 2, baseline: 0.5);
        Assert.Equal(3, CallbackKit.Drive(es, model, "val_loss", 1.0f, 0.9f, 0.95f, 0.97f, 0.99f));
        Assert.Equal(2, es.StoppedEpoch);

        // The same values without a baseline: e2 wait 1, e3 wait 2: stop at epoch 3.
        var free = new EarlyStopping(patience: 2);
        Assert.Equal(4, CallbackKit.Drive(free, model, "val_loss", 1.0f, 0.9f, 0.95f, 0.97f, 0.99f));
        Assert.Equal(3, free.StoppedEpoch);

        // A beaten baseline resets the wait as usual: e0 0.4 beats 0.5 (wait 0); e1 wait 1; e2 wait 2: stop at 2.
        var beaten = new EarlyStopping(patience: 2, baseline: 0.5);
        Assert.Equal(3, CallbackKit.Drive(beaten, model, "val_loss", 0.4f, 0.45f, 0.46f, 0.47f));
        Assert.Equal(2, beaten.StoppedEpoch);

        // Improving every epoch without reaching the baseline never stops (Keras checks patience only on a
        // non-improving epoch).
        var improving = new EarlyStopping(patience: 1, baseline: 0.1);
        Assert.Equal(5, CallbackKit.Drive(improving, model, "val_loss", 1.0f, 0.9f, 0.8f, 0.7f, 0.6f));
        Assert.Equal(0, improving.StoppedEpoch);
        Assert.Equal(5, improving.Wait);
    }

    [Fact]
    public void StartFromEpochIgnoresTheWarmUpEpochs()
    {
        var (model, _, _) = CallbackKit.Mlp(1);
        // Rising values, patience 0. Without warm-up: e1 does not improve on 1: stop at epoch 1.
        var eager = new EarlyStopping(patience: 0);
        Assert.Equal(2, CallbackKit.Drive(eager, model, "val_loss", 1f, 2f, 3f, 4f, 5f));
        Assert.Equal(1, eager.StoppedEpoch);

        // start_from_epoch 2: e0 and e1 are skipped, e2 sets best = 3, e3 does not improve: stop at epoch 3.
        var warm = new EarlyStopping(patience: 0, startFromEpoch: 2);
        Assert.Equal(4, CallbackKit.Drive(warm, model, "val_loss", 1f, 2f, 3f, 4f, 5f));
        Assert.Equal(3, warm.StoppedEpoch);
        Assert.Equal(3f, warm.Best);
        Assert.Equal(2, warm.BestEpoch);
    }

    [Fact]
    public void AutoModeMaximizesAccuracyAndMinimizesLoss()
    {
        var (model, _, _) = CallbackKit.Mlp(1);
        float[] acc = [0.5f, 0.6f, 0.55f, 0.58f];
        // val_accuracy in auto mode is maximized: e1 improves, e2 wait 1 ≥ 1: stop at epoch 2.
        var auto = new EarlyStopping(monitor: "val_accuracy", patience: 1);
        Assert.Equal(3, CallbackKit.Drive(auto, model, "val_accuracy", acc));
        Assert.Equal(2, auto.StoppedEpoch);
        // Forced to min, 0.6 does not improve on 0.5: stop at epoch 1.
        var min = new EarlyStopping(monitor: "val_accuracy", patience: 1, mode: "min");
        Assert.Equal(2, CallbackKit.Drive(min, model, "val_accuracy", acc));
        // auc and acc also count as higher-is-better; an unknown mode falls back to auto with a warning.
        Assert.Equal(3, CallbackKit.Drive(new EarlyStopping(monitor: "auc", patience: 1), model, "auc", acc));
        Assert.Equal(3, CallbackKit.Drive(new EarlyStopping(monitor: "val_acc", patience: 1, mode: "biggest"), model, "val_acc", acc));
    }

    [Fact]
    public void AutoModeUsesTheDirectionOfTheCompiledMetric()
    {
        // After one batch the compiled metrics exist: "mae" is a MeanAbsoluteError (down), so auto minimizes it.
        var (model, x, y) = CallbackKit.Mlp(2);
        model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0, shuffle: false);
        var es = new EarlyStopping(monitor: "val_mae", patience: 1);
        Assert.Equal(2, CallbackKit.Drive(es, model, "val_mae", 0.5f, 0.6f, 0.4f));
        Assert.Equal(1, es.StoppedEpoch);
    }

    [Fact]
    public void AnUndecidableMonitorInAutoModeThrowsAsKeras()
    {
        var (model, _, _) = CallbackKit.Mlp(1);
        var ex = Assert.Throws<InvalidOperationException>(() => CallbackKit.Drive(new EarlyStopping(monitor: "val_custom"), model, "val_custom", 1f));
        Assert.Contains("mode", ex.Message);
    }

    [Fact]
    public void AMissingMonitorNeitherStopsNorThrows()
    {
        var (model, _, _) = CallbackKit.Mlp(1);
        var es = new EarlyStopping(monitor: "val_loss");
        Assert.Equal(4, CallbackKit.Drive(es, model, "loss", 1f, 2f, 3f, 4f));
        Assert.Equal(0, es.StoppedEpoch);
        Assert.Null(es.Best);
    }

    [Fact]
    public void RestoresTheBestWeightsWhenStoppedEarly()
    {
        var (model, x, y) = CallbackKit.Mlp(3);
        var snapshots = new List<float[]>();
        // val_loss scripted: best at epoch 1; e2 wait 1, e3 wait 2 ≥ 2: stop at epoch 3 (4 epochs run).
        var script = CallbackKit.Script("val_loss", 1.0f, 0.5f, 0.7f, 0.8f, 0.9f, 1.0f, 1.1f, 1.2f);
        var snap = new LambdaCallback(onEpochEnd: (_, _) => snapshots.Add(CallbackKit.Flat(model)));
        var es = new EarlyStopping(patience: 2, restoreBestWeights: true, verbose: 1) { Output = new StringWriter() };
        var history = model.Fit(x, y, batchSize: 8, epochs: 8, verbose: 0, shuffle: false, callbacks: [script, snap, es]);

        Assert.Equal(4, history["loss"].Count);
        Assert.Equal(3, es.StoppedEpoch);
        Assert.Equal(1, es.BestEpoch);
        Assert.Equal(snapshots[1], CallbackKit.Flat(model));
        Assert.NotEqual(snapshots[3], snapshots[1]);
        Assert.Equal("Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n",
            es.Output!.ToString()!.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void RestoresTheBestWeightsAtTheEndEvenWhenTrainingWasNotStopped()
    {
        // Keras 3 restores the best weights at the end of training whether or not it stopped early.
        var (model, x, y) = CallbackKit.Mlp(4);
        var snapshots = new List<float[]>();
        var script = CallbackKit.Script("val_loss", 1.0f, 0.5f, 0.7f, 0.8f);
        var snap = new LambdaCallback(onEpochEnd: (_, _) => snapshots.Add(CallbackKit.Flat(model)));
        var es = new EarlyStopping(patience: 5, restoreBestWeights: true);
        var history = model.Fit(x, y, batchSize: 8, epochs: 4, verbose: 0, shuffle: false, callbacks: [script, snap, es]);

        Assert.Equal(4, history["loss"].Count);
        Assert.Equal(0, es.StoppedEpoch);
        Assert.Equal(snapshots[1], CallbackKit.Flat(model));
        Assert.NotEqual(snapshots[3], snapshots[1]);

        // Without restoreBestWeights the last weights stay.
        var (model2, x2, y2) = CallbackKit.Mlp(4);
        var last = new List<float[]>();
        model2.Fit(x2, y2, batchSize: 8, epochs: 4, verbose: 0, shuffle: false, callbacks:
            [CallbackKit.Script("val_loss", 1.0f, 0.5f, 0.7f, 0.8f), new LambdaCallback(onEpochEnd: (_, _) => last.Add(CallbackKit.Flat(model2))), new EarlyStopping(patience: 5)]);
        Assert.Equal(last[3], CallbackKit.Flat(model2));
    }

    [Fact]
    public void WithRestoreBestWeightsAndNoImprovementAfterWarmUpTheFirstMonitoredEpochIsRestored()
    {
        var (model, x, y) = CallbackKit.Mlp(5);
        var snapshots = new List<float[]>();
        // start_from_epoch 1: e1 is the first monitored epoch (best 2.0), e2 and e3 do not improve: with
        // patience 2, stop at epoch 3 and restore e1's weights.
        var es = new EarlyStopping(patience: 2, restoreBestWeights: true, startFromEpoch: 1);
        model.Fit(x, y, batchSize: 8, epochs: 10, verbose: 0, shuffle: false, callbacks:
            [CallbackKit.Script("val_loss", 0.1f, 2.0f, 3.0f, 4.0f, 5f, 6f, 7f, 8f, 9f, 10f), new LambdaCallback(onEpochEnd: (_, _) => snapshots.Add(CallbackKit.Flat(model))), es]);
        Assert.Equal(3, es.StoppedEpoch);
        Assert.Equal(1, es.BestEpoch);
        Assert.Equal(snapshots[1], CallbackKit.Flat(model));
    }

    [Fact]
    public void EndToEndOnAConstantLossStopsAfterPatiencePlusOneEpochs()
    {
        // Keras's docstring example: with the loss not improving, patience 3 runs 4 epochs. Here lr = 0 keeps
        // the loss constant: e0 best, e1..e3 wait 1..3, stop at epoch 3.
        var model = CallbackKit.Scalar(1f, 0f);
        var es = new EarlyStopping(monitor: "loss", patience: 3);
        var history = CallbackKit.FitScalar(model, 10, [es]);
        Assert.Equal(4, history["loss"].Count);
        Assert.Equal(3, es.StoppedEpoch);
        // Reused, the instance starts afresh.
        history = CallbackKit.FitScalar(model, 10, [es]);
        Assert.Equal(4, history["loss"].Count);
    }
}
