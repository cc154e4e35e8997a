using KerasNet.Layers;
using Xunit;

namespace KerasNet.Tests.Layers.Pooling;

/// <summary>Hand-checked pooling and reshaping values that document the Keras/TensorFlow conventions.</summary>
public class PoolingValueTests
{
    private static Tensor Iota(params int[] shape) =>
        Tensor.FromArray(Enumerable.Range(1, shape.Aggregate(1, (a, b) => a * b)).Select(i => (float)i).ToArray(), shape);

    [Fact]
    public void AverageSamePoolingExcludesThePadding()
    {
        // 1-D, 3 steps, pool 2, stride 2, "same": output 2 windows, the second holds only step 3.
        var y = new AveragePooling1D([2], padding: "same").Apply(Iota(1, 3, 1));
        Assert.Equal(new float[] { 1.5f, 3f }, y.ToArray());
    }

    [Fact]
    public void MaxSamePoolingPadsAtTheEnd()
    {
        // 4x4, pool 3, stride 2, "same": total padding 1, all of it bottom/right.
        var y = new MaxPooling2D([3], strides: [2], padding: "same").Apply(Iota(1, 4, 4, 1));
        Assert.Equal(new float[] { 11, 12, 15, 16 }, y.ToArray());
    }

    [Fact]
    public void GlobalPoolingReducesSpatialAxes()
    {
        var x = Iota(2, 2, 3, 1);
        Assert.Equal(new float[] { 3.5f, 9.5f }, new GlobalAveragePooling2D().Apply(x).ToArray());
        Assert.Equal(new float[] { 6, 12 }, new GlobalMaxPooling2D().Apply(x).ToArray());
        Assert.Equal(new Shape(2, 1, 1, 1), new GlobalMaxPooling2D(keepdims: true).Apply(x).Shape);
    }

    [Fact]
    public void ReshapingValues()
    {
        var x = Iota(1, 2, 2, 1);
        Assert.Equal(new float[] { 0, 0, 0, 0, 1, 2, 0, 3, 4 }, new ZeroPadding2D([1, 0, 1, 0]).Apply(x).ToArray());
        Assert.Equal(new float[] { 2 }, new Cropping2D([0, 1, 1, 0]).Apply(x).ToArray());
        Assert.Equal(new float[] { 1, 1, 2, 2, 3, 3, 4, 4 }, new UpSampling2D([1, 2]).Apply(x).ToArray());
        // Bilinear with half-pixel centers: [1, 2] -> [1, 1.25, 1.75, 2].
        var row = Tensor.FromArray(new float[] { 1, 2 }, 1, 1, 2, 1);
        Assert.Equal(new float[] { 1, 1.25f, 1.75f, 2 }, new UpSampling2D([1, 2], interpolation: "bilinear").Apply(row).ToArray());
    }
}
