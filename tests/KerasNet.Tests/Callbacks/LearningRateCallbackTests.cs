using KerasNet.Callbacks;
using Xunit;

namespace KerasNet.Tests.Callbacks;

/// <summary>ReduceLROnPlateau and LearningRateScheduler against Keras 3's rules
/// (reduce_lr_on_plateau.py, learning_rate_scheduler.py), the expected rates worked by hand.</summary>
public class LearningRateCallbackTests
{
    private static (float[] Rates, float[] Logged) DriveReduce(ReduceLROnPlateau cb, float initialLr, string key, float[] values)
    {
        var model = CallbackKit.Scalar(1f, initialLr);
        cb.Model = model;
        cb.OnTrainBegin(new Dictionary<string, float>());
        var rates = new float[values.Length];
        var logged = new float[values.Length];
        for (int e = 0; e < values.Length; e++)
        {
            var logs = new Dictionary<string, float> { [key] = values[e] };
            cb.OnEpochEnd(e, logs);
            rates[e] = model.Optimizer!.LearningRate;
            logged[e] = logs["learning_rate"];
        }
        return (rates, logged);
    }

    [Fact]
    public void ReducesOnTheEpochsKerasDoesWithCooldownAndMinLr()
    {
        // lr 1.0, factor 0.5, patience 2, cooldown 1, min_lr 0.2, default min_delta 1e-4:
        // e0 best 1.0; e1 wait 1; e2 wait 2: lr 0.5, cooldown 1; e3 cooldown runs out (wait 0), no
        // improvement and no longer in cooldown: wait 1; e4 wait 2: lr 0.25, cooldown 1; e5 cooldown → 0, wait 1;
        // e6 0.5 < 1.0 − 1e-4 improves (best 0.5, wait 0); e7 wait 1; e8 wait 2: lr max(0.125, 0.2) = 0.2;
        // e9 wait 1; e10 wait 2 but 0.2 is not above min_lr: nothing; e11 wait 3: nothing.
        var cb = new ReduceLROnPlateau(factor: 0.5, patience: 2, cooldown: 1, minLr: 0.2);
        float[] valLoss = [1f, 1f, 1f, 1f, 1f, 1f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f];
        var (rates, logged) = DriveReduce(cb, 1f, "val_loss", valLoss);
        Assert.Equal([1f, 1f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f, 0.25f, 0.2f, 0.2f, 0.2f, 0.2f], rates);
        // "learning_rate" is logged at the start of the epoch-end hook: the rate in force during the epoch.
        Assert.Equal([1f, 1f, 1f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f, 0.25f, 0.2f, 0.2f, 0.2f], logged);
        Assert.Equal(3, cb.Wait);
        Assert.Equal(0.5, cb.Best);
    }

    [Fact]
    public void WithoutCooldownTheWaitRestartsRightAfterAReduction()
    {
        // patience 1, no cooldown, a constant value: e0 best; e1 wait 1: reduce (0.1 → 0.01) and wait 0;
        // e2 wait 1: reduce (→ 0.001); e3 → 0.0001.
        var (rates, _) = DriveReduce(new ReduceLROnPlateau(monitor: "loss", patience: 1), 0.1f, "loss", [2f, 2f, 2f, 2f]);
        // Keras multiplies the float32 rate widened to double by the factor, then stores it as float32.
        float r1 = (float)(0.1f * 0.1), r2 = (float)(r1 * 0.1), r3 = (float)(r2 * 0.1);
        Assert.Equal([0.1f, r1, r2, r3], rates);
    }

    [Fact]
    public void MinDeltaDecidesWhatCountsAsAnImprovement()
    {
        // Default min_delta 1e-4: 0.99995 is not below 1.0 − 1e-4, so with patience 1 it reduces at e1;
        // 0.9998 is, so it does not.
        var (small, _) = DriveReduce(new ReduceLROnPlateau(patience: 1), 1f, "val_loss", [1f, 0.99995f]);
        Assert.Equal(0.1f, small[1]);
        var (enough, _) = DriveReduce(new ReduceLROnPlateau(patience: 1), 1f, "val_loss", [1f, 0.9998f]);
        Assert.Equal(1f, enough[1]);
    }

    [Fact]
    public void AutoModeMaximizesNamesContainingAcc()
    {
        // Keras's rule here: max in auto mode when "acc" is in the name. Rising accuracy never reduces;
        // the same values under "min" reduce at e1 (patience 1).
        var (maxed, _) = DriveReduce(new ReduceLROnPlateau(monitor: "val_acc", patience: 1), 1f, "val_acc", [0.5f, 0.6f, 0.7f]);
        Assert.Equal([1f, 1f, 1f], maxed);
        var (mined, _) = DriveReduce(new ReduceLROnPlateau(monitor: "val_acc", patience: 1, mode: "min"), 1f, "val_acc", [0.5f, 0.6f, 0.7f]);
        Assert.Equal(0.1f, mined[1]);
        Assert.Equal("auto", new ReduceLROnPlateau(mode: "upward").Mode);
    }

    [Fact]
    public void AFactorOfOneOrMoreIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(factor: 1.0));

    [Fact]
    public void InFitTheRateIsReducedAndLoggedInTheHistory()
    {
        // w·(1 − 5·lr) per epoch with lr 0.4 flips w between 1 and −1: the loss stays 2.5. With monitor
        // "loss", factor 0.5, patience 1, min_delta 0: e0 best 2.5; e1 no improvement: lr 0.2 (w back to 1
        // after e1's update at 0.4); e2 loss 2.5 again: lr 0.1, and e2's update at 0.2 makes w = 0;
        // e3 loss 0 improves; e4 loss 0 does not: lr 0.05.
        var model = CallbackKit.Scalar(1f, 0.4f);
        var cb = new ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 1, minDelta: 0, verbose: 1) { Output = new StringWriter() };
        var history = CallbackKit.FitScalar(model, 5, [cb]);
        Assert.Equal([2.5f, 2.5f, 2.5f, 0f, 0f], history["loss"]);
        Assert.Equal([0.4f, 0.4f, 0.2f, 0.1f, 0.1f], history["learning_rate"]);
        Assert.Equal(0.05f, model.Optimizer!.LearningRate);
        // Keras prints the new rate as a Python float: the float32 rate widened, times the factor.
        Assert.Contains("Epoch 2: ReduceLROnPlateau reducing learning rate to 0.20000000298023224.", cb.Output!.ToString());
    }

    [Fact]
    public void SchedulerSetsTheRateAtEachEpochStartAndTrainingUsesIt()
    {
        // Halve the rate every epoch from 0.2: epochs train at 0.1, 0.05, 0.025, so w goes
        // 1 → 1·(1 − 0.5) = 0.5 → 0.5·(1 − 0.25) = 0.375 → 0.375·(1 − 0.125) = 0.328125.
        var model = CallbackKit.Scalar(1f, 0.2f);
        var seen = new List<(int, float)>();
        var cb = new LearningRateScheduler((epoch, lr) =>
        {
            seen.Add((epoch, lr));
            return lr / 2;
        });
        var history = CallbackKit.FitScalar(model, 3, [cb]);
        Assert.Equal([(0, 0.2f), (1, 0.1f), (2, 0.05f)], seen);
        Assert.Equal([0.1f, 0.05f, 0.025f], history["learning_rate"]);
        Assert.Equal(0.328125f, CallbackKit.Weight(model), 6);
    }

    [Fact]
    public void SchedulerOfTheEpochAloneAndInitialEpoch()
    {
        // The one-argument form; with initialEpoch 2 the first call is for epoch 2.
        var model = CallbackKit.Scalar(1f, 0.5f);
        var epochs = new List<int>();
        var cb = new LearningRateScheduler(epoch =>
        {
            epochs.Add(epoch);
            return 0.01f * (epoch + 1);
        }, verbose: 1) { Output = new StringWriter() };
        var history = CallbackKit.FitScalar(model, 4, [cb], initialEpoch: 2);
        Assert.Equal([2, 3], epochs);
        Assert.Equal([0.03f, 0.04f], history["learning_rate"]);
        Assert.Contains("Epoch 3: LearningRateScheduler setting learning rate to 0.03.", cb.Output!.ToString());
    }

    [Fact]
    public void SchedulerOnAScheduleDrivenOptimizerFailsAsKeras()
    {
        var model = CallbackKit.Scalar(1f, 0.1f);
        model.Compile(new KerasNet.Optimizers.SGD(new KerasNet.Optimizers.Schedules.ExponentialDecay(0.1, 10, 0.9)), "mse");
        Assert.Throws<InvalidOperationException>(() => CallbackKit.FitScalar(model, 1, [new LearningRateScheduler((_, lr) => lr)]));
    }
}
