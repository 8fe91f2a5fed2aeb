using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>Seeded initial weights for models trained from scratch (presets) and for new LoRA adapters.</summary>
public static class ParameterInitializer
{
    /// <summary>Float32 tensors for every parameter, deterministic for a given seed and parameter order.</summary>
    /// <exception cref="UserError">A parameter is larger than one in-memory tensor holds (<see cref="TensorData.MaxBytes"/>); nothing is allocated.</exception>
    public static Dictionary<string, TensorData> Initialize(IEnumerable<ParameterSpec> parameters, int seed)
    {
        parameters = parameters.ToList();
        var tooLarge = parameters.Where(p => p.ElementCount * DataType.Float.SizeInBytes() > TensorData.MaxBytes).ToList();
        if (tooLarge.Count > 0)
            throw new UserError(
                $"{string.Join(", ", tooLarge.Select(p => $"'{p.Name}' [{string.Join(", ", p.Shape)}] needs {p.ElementCount * DataType.Float.SizeInBytes():N0} bytes in float32"))}: " +
                $"more than one in-memory tensor holds ({TensorData.MaxBytes:N0} bytes) in this version, so these weights cannot be made.",
                "Use a model whose largest tensor is under 2 GiB in float32 (Llama-3-8B's 128256 x 4096 embedding fits; Qwen2.5-7B's 152064 x 3584 does not).");
        var rng = new Random(seed);
        var weights = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            var values = new float[p.ElementCount];
            switch (p.Init)
            {
                case ParameterInit.Ones: Array.Fill(values, 1f); break;
                case ParameterInit.Normal:
                    for (int i = 0; i < values.Length; i++) values[i] = (float)(p.Std * StandardNormal(rng));
                    break;
                case ParameterInit.KaimingUniform:
                    // gain √(2/(1+a²)) = √(1/3) for a = √5, bound = gain·√(3/fan_in) = 1/√fan_in.
                    double bound = 1 / Math.Sqrt(p.Shape[^1]);
                    for (int i = 0; i < values.Length; i++) values[i] = (float)(bound * (2 * rng.NextDouble() - 1));
                    break;
            }
            weights[p.Name] = TensorData.FromFloats(p.Shape, values);
        }
        return weights;
    }

    // Box–Muller: two uniforms → one standard normal sample.
    private static double StandardNormal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
