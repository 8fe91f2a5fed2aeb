using OnnxKto.Graphs;

namespace OnnxKto.Models.Lora;

/// <summary>
/// The element type a LoRA run keeps its frozen base in (<c>base_dtype</c>, ours): in memory, in the artifacts'
/// checkpoint and in the graphs' inputs, cast to float32 where each weight is read. Adapters, their gradients and
/// optimizer state stay float32.
/// </summary>
public enum BaseDtype
{
    /// <summary><c>auto</c> (default): the checkpoint's own floating-point type (float32 for presets).</summary>
    Auto,

    /// <summary><c>float32</c>.</summary>
    Float32,

    /// <summary><c>bfloat16</c>: half the bytes of float32, float32's exponent range.</summary>
    BFloat16,

    /// <summary><c>float16</c>: half the bytes of float32, values up to 65504.</summary>
    Float16,
}

/// <summary>Config names and element types of <see cref="BaseDtype"/> values.</summary>
internal static class BaseDtypeNames
{
    /// <summary>The <c>base_dtype</c> spelling, e.g. <c>bfloat16</c>.</summary>
    public static string ToConfigName(this BaseDtype dtype) => dtype switch
    {
        BaseDtype.Auto => "auto",
        BaseDtype.Float32 => "float32",
        BaseDtype.BFloat16 => "bfloat16",
        BaseDtype.Float16 => "float16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The element type, with <see cref="BaseDtype.Auto"/> resolved to <paramref name="stored"/>.</summary>
    public static DataType Resolve(this BaseDtype dtype, DataType stored) => dtype switch
    {
        BaseDtype.Auto => stored,
        BaseDtype.Float32 => DataType.Float,
        BaseDtype.BFloat16 => DataType.BFloat16,
        BaseDtype.Float16 => DataType.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
