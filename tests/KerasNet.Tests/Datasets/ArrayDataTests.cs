using KerasNet.Data;
using Xunit;

namespace KerasNet.Tests.Datasets;

/// <summary>ArrayData views of host arrays: a multidimensional array re-viewed under another shape is read in
/// row-major order without a copy, and bad shapes are refused with the sizes in the message.</summary>
public class ArrayDataTests
{
    [Fact]
    public void A3DArrayViewedAsImagesGathersRowMajorRows()
    {
        var x = new float[3, 2, 2];
        for (int n = 0; n < 3; n++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    x[n, i, j] = 100 * n + 10 * i + j;
        var view = ArrayData.From(x, 3, 2, 2, 1);
        Assert.Equal(new Shape(3, 2, 2, 1), view.Shape);
        Assert.Equal(3, view.Length);
        var bytes = new byte[2 * 4 * sizeof(float)];
        view.GatherRows([2, 0], bytes);
        var got = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        Assert.Equal(new float[] { 200, 201, 210, 211, 0, 1, 10, 11 }, got);
        // Writes to the array show through: the view holds no copy.
        x[1, 1, 0] = -5;
        view.GatherRows([1], bytes.AsSpan(0, 4 * sizeof(float)));
        Assert.Equal(-5f, BitConverter.ToSingle(bytes, 2 * sizeof(float)));
    }

    [Fact]
    public void AShapeOfTheWrongSizeIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => ArrayData.From(new float[3, 2, 2], 3, 5));
        Assert.Contains("12", e.Message);
        Assert.Contains("15", e.Message);
    }
}
