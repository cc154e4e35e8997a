using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Saving;

/// <summary>The safetensors reader and writer against the format's description: an 8-byte little-endian
/// header length, a JSON header of {dtype, shape, data_offsets} plus optional "__metadata__", then the raw
/// little-endian data, contiguous.</summary>
public class SafeTensorsTests
{
    private static SafeTensor[] Sample() =>
    [
        SafeTensor.FromTensor("dense/kernel", Tensor.FromArray<float>([1.5f, -0f, float.NaN, float.Epsilon, float.MaxValue, -3.25f], new Shape(2, 3))),
        SafeTensor.FromTensor("counts", Tensor.FromArray<int>([int.MinValue, 0, int.MaxValue], new Shape(3))),
        SafeTensor.FromTensor("optimizer/iteration", Tensor.FromArray<long>([long.MaxValue - 5], Shape.Scalar)),
        SafeTensor.FromTensor("mask", Tensor.FromArray<bool>([true, false, true], new Shape(3, 1))),
        SafeTensor.FromTensor("empty", Tensor.FromArray<float>([], new Shape(0, 4))),
    ];

    [Fact]
    public void EveryDTypeRoundTripsByteForByteWithMetadata()
    {
        var tensors = Sample();
        var bytes = SafeTensors.Serialize(tensors, new Dictionary<string, string> { ["format"] = "keras", ["note"] = "ünïcode" });
        var file = SafeTensors.Read(bytes);
        Assert.Equal(tensors.Select(t => t.Name), file.Names);
        foreach (var t in tensors)
        {
            var r = file[t.Name];
            Assert.Equal(t.DType, r.DType);
            Assert.Equal(t.Shape, r.Shape);
            Assert.Equal(t.Data.ToArray(), r.Data.ToArray());
        }
        Assert.Equal("keras", file.Metadata["format"]);
        Assert.Equal("ünïcode", file.Metadata["note"]);
        using var back = file["dense/kernel"].ToTensor();
        SavingTestUtil.AssertBitIdentical([1.5f, -0f, float.NaN, float.Epsilon, float.MaxValue, -3.25f], back.ToArray(), "kernel");
        using var iter = file["optimizer/iteration"].ToTensor();
        Assert.Equal(long.MaxValue - 5, iter.ToArray<long>()[0]);
    }

    [Fact]
    public void LayoutIsTheSpecsLengthHeaderAndRawLittleEndianData()
    {
        var bytes = SafeTensors.Serialize(Sample());
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8); // padded with spaces so the data is 8-byte aligned
        var headerText = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", headerText);
        var header = JsonNode.Parse(headerText)!.AsObject();
        Assert.False(header.ContainsKey("__metadata__"));
        var kernel = header["dense/kernel"]!.AsObject();
        Assert.Equal("F32", kernel["dtype"]!.GetValue<string>());
        Assert.Equal("[2,3]", kernel["shape"]!.ToJsonString());
        Assert.Equal("[0,24]", kernel["data_offsets"]!.ToJsonString());
        Assert.Equal("I32", header["counts"]!["dtype"]!.GetValue<string>());
        Assert.Equal("[24,36]", header["counts"]!["data_offsets"]!.ToJsonString());
        Assert.Equal("I64", header["optimizer/iteration"]!["dtype"]!.GetValue<string>());
        Assert.Equal("[]", header["optimizer/iteration"]!["shape"]!.ToJsonString());
        Assert.Equal("BOOL", header["mask"]!["dtype"]!.GetValue<string>());
        Assert.Equal("[0,4]", header["empty"]!["shape"]!.ToJsonString());
        int data = 8 + (int)n;
        Assert.Equal(data + 24 + 12 + 8 + 3, bytes.Length);
        Assert.Equal(1.5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(data)));
        Assert.Equal(int.MinValue, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(data + 24)));
        Assert.Equal(long.MaxValue - 5, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(data + 36)));
        Assert.Equal(new byte[] { 1, 0, 1 }, bytes.AsSpan(data + 44, 3).ToArray());
    }

    /// <summary>A file written by hand from the format description: no padding, metadata last, and the
    /// header's entries in a different order from their data.</summary>
    [Fact]
    public void ReadsAFileWrittenByHandFromTheDescription()
    {
        string header = """{"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}""";
        var bytes = Build(header, [.. Le(1f), .. Le(-2f), .. BitConverter.GetBytes(42L)]);
        var file = SafeTensors.Read(bytes);
        Assert.Equal(["a", "b"], file.Names);
        Assert.Equal([1f, -2f], file["a"].ToTensor().ToArray());
        Assert.Equal(42L, file["b"].ToTensor().ToArray<long>()[0]);
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void EveryTruncationIsReportedAsTruncated()
    {
        var bytes = SafeTensors.Serialize(Sample().Take(3));
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(bytes.AsSpan(0, cut), "w.safetensors"));
            Assert.Contains("'w.safetensors' is not a valid safetensors file", e.Message);
            Assert.Contains("truncated", e.Message);
        }
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", 4, "dtype F16")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "should span 12 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "hole of 4 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "overlaps")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 9, "5 bytes follow the last tensor")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "invalid shape")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""", 4, "data_offsets")]
    [InlineData("""{"a":[1,2]}""", 0, "not an object")]
    [InlineData("""{"__metadata__":{"k":1}}""", 0, "not a string")]
    [InlineData("""[1,2,3]""", 0, "does not start with '{'")]
    [InlineData("""{"a":""", 0, "not valid JSON")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "not valid JSON")]
    public void MalformedFilesAreRejectedWithTheReason(string header, int dataBytes, string reason)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(Build(header, new byte[dataBytes]), "bad.safetensors"));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void AnAbsurdHeaderLengthIsRejectedWithoutAllocatingIt()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue / 2);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(bytes, "zip.safetensors"));
        Assert.Contains("more than the", e.Message);
    }

    [Fact]
    public void DuplicateNamesCannotBeWritten()
    {
        var t = SafeTensor.FromTensor("x", Tensor.FromArray<float>([1f], new Shape(1)));
        Assert.Throws<ArgumentException>(() => SafeTensors.Serialize([t, t]));
    }

    private static byte[] Le(float f)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, f);
        return b;
    }

    private static byte[] Build(string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        return bytes;
    }
}
