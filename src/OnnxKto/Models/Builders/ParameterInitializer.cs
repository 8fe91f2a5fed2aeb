using System.Runtime.InteropServices;
using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>Seeded initial weights for models trained from scratch (presets) and for new LoRA adapters.</summary>
public static class ParameterInitializer
{
    /// <summary>
    /// Float32 tensors for every parameter, deterministic for a given seed and parameter order. Each is filled a piece
    /// at a time in native memory, so a tensor may pass 2 GiB (Qwen2.5-7B's 152064 x 3584 embedding).
    /// </summary>
    public static Dictionary<string, TensorData> Initialize(IEnumerable<ParameterSpec> parameters, int seed)
    {
        var rng = new Random(seed);
        var weights = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            var tensor = TensorData.Allocate(DataType.Float, p.Shape);
            const int piece = 1 << 20;
            for (long start = 0; start < p.ElementCount; start += piece)
                Fill(p, rng, MemoryMarshal.Cast<byte, float>(tensor.Writable(start * sizeof(float), (int)Math.Min(piece, p.ElementCount - start) * sizeof(float))));
            weights[p.Name] = tensor;
        }
        return weights;
    }

    private static void Fill(ParameterSpec p, Random rng, Span<float> values)
    {
        switch (p.Init)
        {
            case ParameterInit.Ones: values.Fill(1f); break;
            case ParameterInit.Normal:
                for (int i = 0; i < values.Length; i++) values[i] = (float)(p.Std * StandardNormal(rng));
                break;
            case ParameterInit.KaimingUniform:
                // gain √(2/(1+a²)) = √(1/3) for a = √5, bound = gain·√(3/fan_in) = 1/√fan_in.
                double bound = 1 / Math.Sqrt(p.Shape[^1]);
                for (int i = 0; i < values.Length; i++) values[i] = (float)(bound * (2 * rng.NextDouble() - 1));
                break;
        }
    }

    // Box–Muller: two uniforms → one standard normal sample.
    private static double StandardNormal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
