using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Onnx;
using KerasNet.Onnx.Protobuf;
using Xunit;

namespace KerasNet.Tests.Onnx;

/// <summary>What the exporter refuses and how it says so, how it writes files, and the model's structure
/// (no external tools needed).</summary>
public class OnnxExportErrorTests
{
    private static Tensor Twice(Tensor x) => Ops.Multiply(x, Ops.ScalarLike(x, 2));

    [Fact]
    public void ALambdaLayerIsNamedInTheError()
    {
        var input = Keras.Input([4], name: "x");
        var y = new Lambda(Twice, name: "doubler").Apply(new Dense(3).Apply(input));
        var model = new Model(input, y);
        var e = Assert.Throws<NotSupportedException>(() => model.ToOnnx());
        Assert.StartsWith("Layer 'doubler' (Lambda) cannot be exported to ONNX: ", e.Message);
        Assert.Contains(nameof(Twice), e.Message);
    }

    [Fact]
    public void ACustomActivationFunctionIsNamedInTheError()
    {
        var model = new Sequential([new InputLayer([4]), new Dense(3, activation: (Func<Tensor, Tensor>)Twice, name: "custom")]);
        var e = Assert.Throws<NotSupportedException>(() => model.ToOnnx());
        Assert.StartsWith("Layer 'custom' (Dense) cannot be exported to ONNX: ", e.Message);
        Assert.Contains("custom C# function", e.Message);
    }

    [Fact]
    public void AFailedExportLeavesNoFileAndAnExistingFileUntouched()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kerasnet-onnx-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "m.onnx");
            var bad = new Sequential([new InputLayer([4]), new Lambda(Twice)]);
            Assert.Throws<NotSupportedException>(() => bad.ExportOnnx(path));
            Assert.Empty(Directory.GetFiles(dir));

            File.WriteAllText(path, "old");
            Assert.Throws<NotSupportedException>(() => bad.ExportOnnx(path));
            Assert.Equal("old", File.ReadAllText(path));

            var good = new Sequential([new InputLayer([4]), new Dense(2)]);
            good.ExportOnnx(path);
            Assert.Equal(good.ToOnnx(), File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OpsetsOutsideTheSupportedRangeAreRejected()
    {
        var model = new Sequential([new InputLayer([4]), new Dense(2)]);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ToOnnx(opset: 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ToOnnx(opset: OnnxExport.MaxOpset + 1));
    }

    [Fact]
    public void AModelWithoutAGraphIsRejected()
    {
        var model = new Sequential([new Dense(2)]);
        var e = Assert.Throws<InvalidOperationException>(() => model.ToOnnx());
        Assert.Contains("no functional graph", e.Message);
    }

    [Fact]
    public void TheModelHasADynamicBatchKerasNamesAndTheRequestedOpset()
    {
        var model = new Sequential([new InputLayer([3, 5], name: "pixels"), new Flatten(), new Dense(2, name: "scores")]);
        var proto = ModelProto.Parser.ParseFrom(model.ToOnnx(opset: 17));
        Assert.Equal(8, proto.IrVersion);
        Assert.Equal(17, Assert.Single(proto.OpsetImport).Version);
        var input = Assert.Single(proto.Graph.Input);
        Assert.Equal("pixels", input.Name);
        Assert.Equal("batch", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal([3L, 5L], input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue));
        var output = Assert.Single(proto.Graph.Output);
        Assert.Equal("scores", output.Name);
        Assert.Equal("batch", output.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(2L, output.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal(["Reshape", "Gemm"], proto.Graph.Node.Select(n => n.OpType));
    }

    [Fact]
    public void ASharedLayerStoresItsWeightsOnce()
    {
        var a = Keras.Input([5], dtype: DType.Int32, name: "a");
        var b = Keras.Input([5], dtype: DType.Int32, name: "b");
        var embedding = new Embedding(30, 4);
        var dense = new Dense(3);
        var ya = dense.Apply(new Flatten().Apply(embedding.Apply(a)));
        var yb = dense.Apply(new Flatten().Apply(embedding.Apply(b)));
        var proto = ModelProto.Parser.ParseFrom(new Model([a, b], [new Add().Apply(ya, yb)]).ToOnnx());
        Assert.Single(proto.Graph.Initializer, t => t.Dims.SequenceEqual([30L, 4L]));
        Assert.Single(proto.Graph.Initializer, t => t.Dims.SequenceEqual([20L, 3L]));
        Assert.Equal(2, proto.Graph.Node.Count(n => n.OpType == "Gather"));
    }
}
