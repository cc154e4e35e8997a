using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>The arguments of a recurrent cell or layer read from a Keras config (missing keys take Keras's defaults).</summary>
internal sealed class RecurrentConfig
{
    public int Units { get; private init; }
    public JsonNode? Activation { get; private init; }
    public JsonNode? RecurrentActivation { get; private init; }
    public bool UseBias { get; private init; }
    public JsonNode? KernelInitializer { get; private init; }
    public JsonNode? RecurrentInitializer { get; private init; }
    public JsonNode? BiasInitializer { get; private init; }
    public JsonNode? KernelRegularizer { get; private init; }
    public JsonNode? RecurrentRegularizer { get; private init; }
    public JsonNode? BiasRegularizer { get; private init; }
    public JsonNode? ActivityRegularizer { get; private init; }
    public JsonNode? KernelConstraint { get; private init; }
    public JsonNode? RecurrentConstraint { get; private init; }
    public JsonNode? BiasConstraint { get; private init; }
    public float Dropout { get; private init; }
    public float RecurrentDropout { get; private init; }
    public long? Seed { get; private init; }
    public bool UnitForgetBias { get; private init; }
    public bool ResetAfter { get; private init; }
    public bool ReturnSequences { get; private init; }
    public bool ReturnState { get; private init; }
    public bool GoBackwards { get; private init; }
    public bool Stateful { get; private init; }
    public bool Unroll { get; private init; }
    public bool ZeroOutputForMask { get; private init; }

    /// <summary>Reads every argument a built-in recurrent cell or layer may have.</summary>
    public static RecurrentConfig Read(JsonObject c, string layerClass) => new()
    {
        Units = LayerArgs.RequiredInt(c, "units", layerClass),
        // An absent activation is the default (tanh / sigmoid); Keras writes None as "linear".
        Activation = LayerArgs.Node(c, "activation") ?? JsonValue.Create("tanh"),
        RecurrentActivation = LayerArgs.Node(c, "recurrent_activation") ?? JsonValue.Create("sigmoid"),
        UseBias = c.GetBool("use_bias", true),
        KernelInitializer = LayerArgs.Node(c, "kernel_initializer"),
        RecurrentInitializer = LayerArgs.Node(c, "recurrent_initializer"),
        BiasInitializer = LayerArgs.Node(c, "bias_initializer"),
        KernelRegularizer = LayerArgs.Node(c, "kernel_regularizer"),
        RecurrentRegularizer = LayerArgs.Node(c, "recurrent_regularizer"),
        BiasRegularizer = LayerArgs.Node(c, "bias_regularizer"),
        ActivityRegularizer = LayerArgs.Node(c, "activity_regularizer"),
        KernelConstraint = LayerArgs.Node(c, "kernel_constraint"),
        RecurrentConstraint = LayerArgs.Node(c, "recurrent_constraint"),
        BiasConstraint = LayerArgs.Node(c, "bias_constraint"),
        Dropout = c.GetFloat("dropout", 0f),
        RecurrentDropout = c.GetFloat("recurrent_dropout", 0f),
        Seed = c["seed"] is JsonNode s ? LayerArgs.ToLong(s, "seed") : null,
        UnitForgetBias = c.GetBool("unit_forget_bias", true),
        ResetAfter = c.GetBool("reset_after", true),
        ReturnSequences = c.GetBool("return_sequences", false),
        ReturnState = c.GetBool("return_state", false),
        GoBackwards = c.GetBool("go_backwards", false),
        Stateful = c.GetBool("stateful", false),
        Unroll = c.GetBool("unroll", false),
        ZeroOutputForMask = c.GetBool("zero_output_for_mask", false),
    };
}
