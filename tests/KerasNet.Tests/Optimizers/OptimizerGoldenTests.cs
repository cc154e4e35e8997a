using System.Text.Json.Nodes;
using KerasNet.Optimizers;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Optimizers;

/// <summary>Every optimizer, built from its Keras config, against Keras's update rule evaluated in float64 by
/// scripts/golden/optimizers.py: three variables, six steps of fixed gradients (scaled down in the cases
/// where epsilon must matter), each variable checked after every step.</summary>
public class OptimizerGoldenTests
{
    public static IEnumerable<object[]> Cases =>
        ((JsonArray)OptimizerGolden.Load("optimizers.json")["cases"]!).Select(c => new object[] { c!["name"]!.GetValue<string>() });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesKerasUpdateRuleAfterEveryStep(string name)
    {
        var root = OptimizerGolden.Load("optimizers.json");
        var c = ((JsonArray)root["cases"]!).Single(x => x!["name"]!.GetValue<string>() == name)!;
        var shapes = ((JsonArray)root["shapes"]!).Select(OptimizerGolden.ShapeOf).ToArray();
        var initial = (JsonArray)root["initial"]!;
        var gradients = (JsonArray)root["gradients"]!;
        var expected = (JsonArray)c["expected"]!;
        string className = c["class_name"]!.GetValue<string>();
        float gradientScale = (float)c["gradient_scale"]!.GetValue<double>();

        var optimizer = KerasRegistry.Deserialize<Optimizer>(new JsonObject
        {
            ["class_name"] = className,
            ["config"] = c["config"]!.DeepClone(),
        });
        Assert.Equal(className, optimizer.ClassName);

        var variables = shapes.Select((s, i) => new Variable(Tensor.FromArray<float>(OptimizerGolden.Floats(initial[i]), s), $"v{i}")).ToArray();
        for (int step = 0; step < expected.Count; step++)
        {
            var grads = shapes.Select((s, i) => Tensor.FromArray<float>(
                OptimizerGolden.Floats(gradients[step]![i]).Select(g => g * gradientScale).ToArray(), s)).ToArray();
            optimizer.ApplyGradients(grads, variables);
            for (int i = 0; i < variables.Length; i++)
                OptimizerGolden.AssertClose(OptimizerGolden.Doubles(expected[step]![i]), variables[i].Value.ToArray(),
                    $"{name}, step {step + 1}, variable {i}");
        }
        Assert.Equal(expected.Count, optimizer.IterationCount);
        Assert.Equal(expected.Count, optimizer.Iterations.Value.ToArray<long>()[0]);
    }
}
