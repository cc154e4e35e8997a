using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Optimizers;
using KerasNet.Optimizers.Schedules;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Optimizers;

public class OptimizerTests
{
    [Theory]
    [InlineData("sgd", typeof(SGD), 0.01f)]
    [InlineData("SGD", typeof(SGD), 0.01f)]
    [InlineData("adam", typeof(Adam), 0.001f)]
    [InlineData("Adam", typeof(Adam), 0.001f)]
    [InlineData("adamw", typeof(AdamW), 0.001f)]
    [InlineData("AdamW", typeof(AdamW), 0.001f)]
    [InlineData("rmsprop", typeof(RMSprop), 0.001f)]
    [InlineData("RMSprop", typeof(RMSprop), 0.001f)]
    [InlineData("adagrad", typeof(Adagrad), 0.001f)]
    [InlineData("adadelta", typeof(Adadelta), 0.001f)]
    [InlineData("adamax", typeof(Adamax), 0.001f)]
    [InlineData("nadam", typeof(Nadam), 0.001f)]
    [InlineData("lion", typeof(Lion), 0.001f)]
    public void EveryAliasGivesTheOptimizerWithKerasDefaults(string alias, Type type, float learningRate)
    {
        var optimizer = KerasRegistry.Get<Optimizer>(alias);
        Assert.IsType(type, optimizer);
        Assert.Equal(learningRate, optimizer.LearningRate);
        Assert.Equal(type.Name, optimizer.ClassName);
        Assert.Null(optimizer.Clipnorm);
        Assert.Null(optimizer.Clipvalue);
        Assert.Null(optimizer.GlobalClipnorm);
        Assert.Equal(type == typeof(AdamW) ? 0.004f : null, optimizer.WeightDecay);
    }

    [Fact]
    public void DefaultHyperparametersAreKeras()
    {
        var sgd = new SGD();
        Assert.Equal((0.01f, 0f, false, "SGD"), (sgd.LearningRate, sgd.Momentum, sgd.Nesterov, sgd.Name));
        var adam = new Adam();
        Assert.Equal((0.001f, 0.9f, 0.999f, 1e-7f, false, "adam"), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.Amsgrad, adam.Name));
        var adamw = new AdamW();
        Assert.Equal((0.004f, "adamw"), (adamw.WeightDecay, adamw.Name));
        var rms = new RMSprop();
        Assert.Equal((0.001f, 0.9f, 0f, 1e-7f, false), (rms.LearningRate, rms.Rho, rms.Momentum, rms.Epsilon, rms.Centered));
        var adagrad = new Adagrad();
        Assert.Equal((0.001f, 0.1f, 1e-7f), (adagrad.LearningRate, adagrad.InitialAccumulatorValue, adagrad.Epsilon));
        var adadelta = new Adadelta();
        Assert.Equal((0.001f, 0.95f, 1e-7f), (adadelta.LearningRate, adadelta.Rho, adadelta.Epsilon));
        var adamax = new Adamax();
        Assert.Equal((0.001f, 0.9f, 0.999f, 1e-7f), (adamax.LearningRate, adamax.Beta1, adamax.Beta2, adamax.Epsilon));
        var nadam = new Nadam();
        Assert.Equal((0.001f, 0.9f, 0.999f, 1e-7f), (nadam.LearningRate, nadam.Beta1, nadam.Beta2, nadam.Epsilon));
        var lion = new Lion();
        Assert.Equal((0.001f, 0.9f, 0.99f), (lion.LearningRate, lion.Beta1, lion.Beta2));
    }

    public static IEnumerable<object[]> Optimizers() =>
    [
        [new SGD(0.05f, momentum: 0.9f, nesterov: true, clipnorm: 1.5f, name: "my_sgd")],
        [new SGD(new ExponentialDecay(0.1, 100, 0.9, staircase: true))],
        [new Adam(0.002f, beta1: 0.8f, beta2: 0.99f, epsilon: 1e-6f, amsgrad: true, weightDecay: 0.01f)],
        [new Adam(new CosineDecay(0.0, 1000, alpha: 0.1, warmupTarget: 0.001, warmupSteps: 50), globalClipnorm: 1f)],
        [new AdamW(0.003f, weightDecay: 0.02f, clipvalue: 0.5f)],
        [new AdamW(new InverseTimeDecay(0.01, 10, 0.5))],
        [new RMSprop(0.01f, rho: 0.8f, momentum: 0.5f, epsilon: 1e-6f, centered: true)],
        [new Adagrad(0.1f, initialAccumulatorValue: 0.5f, epsilon: 1e-6f)],
        [new Adadelta(1f, rho: 0.9f, epsilon: 1e-6f)],
        [new Adamax(0.02f, beta1: 0.85f, beta2: 0.95f)],
        [new Nadam(new PolynomialDecay(0.01, 100, power: 0.5))],
        [new Lion(0.0003f, beta1: 0.95f, beta2: 0.98f, weightDecay: 0.1f)],
    ];

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ConfigRoundTripsThroughTheRegistry(Optimizer optimizer)
    {
        var json = KerasRegistry.Serialize(optimizer, "keras.optimizers").ToJsonString();
        var back = KerasRegistry.Deserialize<Optimizer>(JsonNode.Parse(json)!);
        Assert.Equal(optimizer.GetType(), back.GetType());
        Assert.Equal(optimizer.GetConfig().ToJsonString(), back.GetConfig().ToJsonString());
        Assert.Equal(optimizer.LearningRate, back.LearningRate);
    }

    [Fact]
    public void ReadsAConfigAsKerasWritesIt()
    {
        // keras.optimizers.Adam(learning_rate=0.01, amsgrad=True).get_config() from Keras 3.
        var config = JsonNode.Parse("""
            {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam", "learning_rate": 0.009999999776482582,
             "weight_decay": null, "clipnorm": null, "global_clipnorm": null, "clipvalue": null, "use_ema": false,
             "ema_momentum": 0.99, "ema_overwrite_frequency": null, "loss_scale_factor": null,
             "gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": true},
             "registered_name": null}
            """)!;
        var adam = Assert.IsType<Adam>(KerasRegistry.Deserialize<Optimizer>(config));
        Assert.Equal(0.01f, adam.LearningRate);
        Assert.True(adam.Amsgrad);
        Assert.Equal(1e-7f, adam.Epsilon);
        var written = adam.GetConfig();
        foreach (var key in ((JsonObject)config["config"]!).Select(kv => kv.Key))
            Assert.True(written.ContainsKey(key), $"config lacks Keras's key '{key}'");
    }

    [Fact]
    public void KerasFeaturesThisPortLacksFailLoudly()
    {
        var e = Assert.Throws<NotSupportedException>(() => KerasRegistry.Deserialize<Optimizer>(
            JsonNode.Parse("""{"class_name": "SGD", "config": {"use_ema": true}}""")!));
        Assert.Contains("use_ema", e.Message);
        Assert.Throws<NotSupportedException>(() => KerasRegistry.Deserialize<Optimizer>(
            JsonNode.Parse("""{"class_name": "Adam", "config": {"gradient_accumulation_steps": 4}}""")!));
    }

    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => KerasRegistry.Get<Optimizer>("adamz"));
        Assert.Contains("'adamz'", e.Message);
        foreach (var name in new[] { "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion" })
            Assert.Contains(name, e.Message);
    }

    [Fact]
    public void TwoClipOptionsAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new Adam(clipnorm: 1f, clipvalue: 0.5f));
        Assert.Contains("Only one of", e.Message);
        Assert.Throws<ArgumentException>(() => new SGD(globalClipnorm: 1f, clipnorm: 1f));
        Assert.Throws<ArgumentException>(() => KerasRegistry.Deserialize<Optimizer>(
            JsonNode.Parse("""{"class_name": "RMSprop", "config": {"clipvalue": 1.0, "global_clipnorm": 2.0}}""")!));
    }

    [Theory]
    [InlineData(0f, null, null)]
    [InlineData(null, 0f, null)]
    [InlineData(null, null, 0f)]
    [InlineData(-1f, null, null)]
    [InlineData(null, -0.5f, null)]
    public void ZeroOrNegativeClipOptionsMeanNoClipping(float? clipnorm, float? clipvalue, float? globalClipnorm)
    {
        // Keras clips only when the option is positive ("if self.clipnorm and self.clipnorm > 0").
        var w = new Variable(Tensor.FromArray(new float[] { 0f, 0f }), "w");
        new SGD(1f, clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
            .ApplyGradients([Tensor.FromArray(new float[] { 3f, -4f })], [w]);
        Assert.Equal(new[] { -3f, 4f }, w.Value.ToArray());
    }

    [Fact]
    public void InvalidHyperparametersAreRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(-0.001f));
        Assert.Contains("learning rate", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(0.1f, momentum: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(0.1f, momentum: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Lion(beta1: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(initialAccumulatorValue: -1f));
        Assert.Throws<ArgumentNullException>(() => new Adam((LearningRateSchedule)null!));
    }

    [Fact]
    public void SlotsFollowKerasPerOptimizer()
    {
        static int SlotCount(Optimizer o)
        {
            var vars = new[] { new Variable(Ops.Zeros(new Shape(2, 2)), "a"), new Variable(Ops.Zeros(new Shape(3)), "b") };
            o.Build(vars);
            return (o.Variables.Count - 1) / vars.Length;
        }
        Assert.Equal(0, SlotCount(new SGD()));
        Assert.Equal(1, SlotCount(new SGD(momentum: 0.9f)));
        Assert.Equal(2, SlotCount(new Adam()));
        Assert.Equal(3, SlotCount(new Adam(amsgrad: true)));
        Assert.Equal(1, SlotCount(new RMSprop()));
        Assert.Equal(3, SlotCount(new RMSprop(momentum: 0.5f, centered: true)));
        Assert.Equal(1, SlotCount(new Adagrad()));
        Assert.Equal(2, SlotCount(new Adadelta()));
        Assert.Equal(2, SlotCount(new Adamax()));
        Assert.Equal(2, SlotCount(new Nadam()));
        Assert.Equal(1, SlotCount(new Lion()));
        var adagrad = new Adagrad(initialAccumulatorValue: 0.25f);
        adagrad.Build([new Variable(Ops.Zeros(new Shape(2)), "w")]);
        Assert.Equal(new[] { 0.25f, 0.25f }, adagrad.Variables[1].Value.ToArray());
    }

    [Fact]
    public void ConstraintIsAppliedAfterTheUpdate()
    {
        var w = new Variable(Tensor.FromArray(new float[] { 0.5f, 0.05f }), "w") { Constraint = new NonNeg() };
        new SGD(0.1f).ApplyGradients([Tensor.FromArray(new float[] { 1f, 1f })], [w]);
        var value = w.Value.ToArray();
        Assert.Equal(0.4f, value[0], 6);
        Assert.Equal(0f, value[1]);
    }

    [Theory]
    [InlineData("nadam")]
    [InlineData("adam")]
    [InlineData("adamax")]
    public void RestoringStateAndIterationsContinuesTheSameTrajectory(string alias)
    {
        // Optimizer A runs five steps; B gets A's state after three (slots, iteration count) and runs the last two.
        var init = new float[] { 0.3f, -0.2f, 0.1f };
        float[][] grads = [[0.5f, -1f, 2f], [0.1f, 0.4f, -0.3f], [-0.7f, 0.2f, 0.9f], [1.2f, -0.5f, 0.05f], [-0.2f, 0.8f, -1.1f]];
        var a = KerasRegistry.Get<Optimizer>(alias);
        var wa = new Variable(Tensor.FromArray(init), "w");
        for (int i = 0; i < 3; i++) a.ApplyGradients([Tensor.FromArray(grads[i])], [wa]);
        var b = KerasRegistry.Get<Optimizer>(alias);
        var wb = new Variable(wa.Value, "w");
        b.Build([wb]);
        for (int i = 1; i < a.Variables.Count; i++) b.Variables[i].Assign(a.Variables[i].Value);
        b.SetIterations(a.IterationCount);
        for (int i = 3; i < 5; i++)
        {
            a.ApplyGradients([Tensor.FromArray(grads[i])], [wa]);
            b.ApplyGradients([Tensor.FromArray(grads[i])], [wb]);
        }
        Assert.Equal(wa.Value.ToArray(), wb.Value.ToArray());
        Assert.Equal(5, b.IterationCount);
    }

    [Fact]
    public void MissingGradientsLeaveTheirVariablesAlone()
    {
        var w1 = new Variable(Tensor.FromArray(new float[] { 1f }), "w1");
        var w2 = new Variable(Tensor.FromArray(new float[] { 2f }), "w2");
        new Adam(0.1f).ApplyGradients([Tensor.FromArray(new float[] { 1f }), default], [w1, w2]);
        Assert.Equal(2f, w2.Value.ToArray()[0]);
        Assert.Equal(0.9f, w1.Value.ToArray()[0], 5);
    }
}
