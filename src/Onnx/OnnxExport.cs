using Google.Protobuf;
using KerasNet.Models;
using KerasNet.Onnx.Protobuf;

namespace KerasNet.Onnx;

/// <summary>Exports Keras models to ONNX: <c>model.ExportOnnx("model.onnx")</c>.</summary>
/// <remarks>
/// <para>The exported graph computes what <see cref="Model.Predict"/> computes (inference: dropout and noise
/// layers are the identity, BatchNormalization uses its moving statistics). Its inputs are named after the
/// model's input layers and keep Keras's layout (channels last: NHWC images); its outputs are named after the
/// layers that produce them. The batch axis is dynamic (the symbolic dimension "batch").</para>
/// <para>Convolutions and pooling run in ONNX's NCHW layout between a Transpose in and a Transpose out; the
/// transposes between consecutive such layers (and across elementwise activations, merges of equal shapes
/// and BatchNormalization) cancel, so a convolutional stack transposes once at each end.</para>
/// <para>A layer with no ONNX form (a Lambda, a custom activation function, ...) fails the export with a
/// <see cref="NotSupportedException"/> that names the layer and says why.</para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The lowest ai.onnx opset the exporter writes (LayerNormalization appears in 17).</summary>
    public const int MinOpset = 17;

    /// <summary>The highest ai.onnx opset the exporter writes.</summary>
    public const int MaxOpset = 21;

    /// <summary>The default opset: 17, which ONNX 1.12 and later and every current ONNX Runtime read.</summary>
    public const int DefaultOpset = 17;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> as an ONNX model of ai.onnx opset
    /// <paramref name="opset"/>. The file is written to a temporary file beside it and then moved into place,
    /// so a failed export leaves no partial file and an existing file is replaced whole.</summary>
    /// <param name="model">A functional or built Sequential model.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="opset">The ai.onnx operator-set version, <see cref="MinOpset"/> to <see cref="MaxOpset"/>.</param>
    /// <exception cref="NotSupportedException">A layer cannot be expressed in ONNX; the message names it.</exception>
    public static void ExportOnnx(this Model model, string path, int opset = DefaultOpset)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = ToOnnx(model, opset);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The ONNX model of <paramref name="model"/>, serialized (what <see cref="ExportOnnx"/> writes).</summary>
    /// <param name="model">A functional or built Sequential model.</param>
    /// <param name="opset">The ai.onnx operator-set version, <see cref="MinOpset"/> to <see cref="MaxOpset"/>.</param>
    /// <exception cref="NotSupportedException">A layer cannot be expressed in ONNX; the message names it.</exception>
    public static byte[] ToOnnx(this Model model, int opset = DefaultOpset) => Build(model, opset).ToByteArray();

    internal static ModelProto Build(Model model, int opset)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (opset is < MinOpset or > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), opset, $"The ONNX exporter writes opsets {MinOpset} to {MaxOpset}.");
        return new ModelExporter(opset).Export(model);
    }

    /// <summary>The IR version that goes with an opset (ONNX's versioning table): 8 up to opset 18, 9 for
    /// 19-20, 10 for 21.</summary>
    internal static long IrVersionFor(int opset) => opset switch
    {
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    /// <summary>TensorProto.DataType of a KerasNet dtype.</summary>
    internal static int ElementType(DType dtype) => dtype switch
    {
        DType.Float32 => (int)TensorProto.Types.DataType.Float,
        DType.Int32 => (int)TensorProto.Types.DataType.Int32,
        DType.Int64 => (int)TensorProto.Types.DataType.Int64,
        DType.Bool => (int)TensorProto.Types.DataType.Bool,
        _ => throw new NotSupportedException($"The dtype {dtype} has no ONNX element type here."),
    };
}
